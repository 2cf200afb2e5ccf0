"""Staffing search: an Erlang A/C start, refined by simulation until targets hold::

plan           plans (agents per group and interval) and the scenario they staff
erlang_start   the Erlang A/C starting point per group and interval
search         the greedy, simulation-refined search and its result
"""

from __future__ import annotations

from simulations.planning.staffing.search import (
    STALL_GAIN,
    STALL_STRIKES,
    Check,
    Evaluation,
    Plan,
    StaffingResult,
    Step,
    build_scenario,
    erlang_estimate,
    search,
    staffing_intervals,
)

__all__ = [
    "STALL_GAIN",
    "STALL_STRIKES",
    "Check",
    "Evaluation",
    "Plan",
    "StaffingResult",
    "Step",
    "build_scenario",
    "erlang_estimate",
    "search",
    "staffing_intervals",
]
