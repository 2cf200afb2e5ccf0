"""Hypothesis profiles: ``dev`` (fast, the default) and ``ci`` (thorough).

Choose with ``HYPOTHESIS_PROFILE=ci``. Deadlines are off in both: the stateful tests
run a brute-force oracle beside the router, whose cost per example varies a lot with
the operations drawn, and a slow example is not a wrong one. ``ci`` keeps the whole
routing suite within about three minutes on two cores.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=50,
    deadline=None,
)
settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    print_blob=True,
    # Stateful examples build a whole router history; that is expected to be slowish.
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
