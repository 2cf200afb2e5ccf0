"""Erlang B, C and A formulas and staffing solvers.

Pure mathematics on the standard library: no clock, no randomness, no simulator.
Planners use it to size a single-skill queue and the simulator's validation tests
compare against it (DESIGN section 8).

Conventions, used by every function here:

* ``arrival_rate`` is in contacts **per second**; ``aht`` (mean handle time),
  ``patience`` (mean time a caller is willing to wait), ``target`` (the service-level
  answer-time threshold) and ASA targets are in **seconds**.
* ``load`` is the offered load in Erlangs, ``arrival_rate * aht``.
* Handle times and patience are exponential; arrivals are Poisson; service is FCFS.

Models:

* **Erlang B** (M/M/c/c): blocked contacts are lost.
* **Erlang C** (M/M/c): contacts wait as long as needed. With ``load >= agents`` the
  queue grows without bound; the functions report that as ``p_wait == 1``,
  ``service_level == 0`` and ``asa == inf`` instead of raising.
* **Erlang A** (M/M/c+M): waiting contacts abandon after an exponential patience with
  mean ``patience``. It is stable at every load.

Numerics: Erlang B uses its recursion, Erlang A sums its birth-death chain in log
space with a running maximum, so nothing overflows for thousands of agents and no
factorial of a large number is ever formed. The infinite queue sum of Erlang A is
truncated once a geometric bound on the remaining terms is below ``e**-50`` of the
largest term.

Every invalid argument raises :class:`~routing.errors.InvalidInputError` (a
``ValueError``) whose message names the argument and repeats the offending value: its
subclass :class:`~routing.errors.InvalidDurationError` for a time in seconds (``aht``,
``patience``, ``target``, ``max_asa``), :class:`~routing.errors.InvalidInputError`
itself for the rest (rates, loads, agent counts, probability targets, a missing or
half-given target). This module imports nothing of ``routing`` but its errors.
"""

from __future__ import annotations

from routing.erlang._common import ErlangAResult, ErlangCResult
from routing.erlang.erlang_a import agents_for_erlang_a, erlang_a_metrics
from routing.erlang.erlang_c import (
    agents_for_asa,
    agents_for_service_level,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    service_level,
)

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "agents_for_asa",
    "agents_for_erlang_a",
    "agents_for_service_level",
    "average_speed_of_answer",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "offered_load",
    "service_level",
]
