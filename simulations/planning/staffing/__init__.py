"""Staffing search: an Erlang A/C start, refined by simulation until targets hold::

plan           plans (agents per group and interval) and the scenario they staff
erlang_start   the Erlang A/C starting point per group and interval
evaluation     one simulated plan judged: targets by their CI, occupancy
result         what the search returns: the plan, its evaluation, the history
search         the greedy, simulation-refined search (rules in its docstring)
"""

from __future__ import annotations

from simulations.planning.staffing.erlang_start import erlang_estimate
from simulations.planning.staffing.evaluation import Check, Evaluation
from simulations.planning.staffing.plan import Plan, build_scenario, staffing_intervals
from simulations.planning.staffing.result import StaffingResult, Step, result_document
from simulations.planning.staffing.search import STALL_GAIN, STALL_STRIKES, search

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
    "result_document",
    "search",
    "staffing_intervals",
]
