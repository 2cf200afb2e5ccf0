"""The ``ccsim`` command (``python -m simulations`` is the same)::

main       the entry point and the ``run``, ``compare``, ``validate``, ``scenarios``
           commands
planning   the ``staff``, ``sweep``, ``crosstrain`` and ``report`` commands
"""

from __future__ import annotations

from simulations.cli.main import main

__all__ = ["main"]
