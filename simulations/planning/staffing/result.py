"""What the staffing search returns: its history and the plan it settled on."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from simulations.planning.staffing.evaluation import Evaluation
from simulations.planning.staffing.plan import Interval, Plan, base_group
from simulations.planning.targets import Target
from simulations.scenario import Scenario

__all__ = ["StaffingResult", "Step"]


@attrs.frozen
class Step:
    """One line of the search history.

    Attributes:
        number: step number, from 1.
        phase: ``up`` until a plan met every target, then ``down``.
        plan: the plan judged at this step.
        agents: its agents (per interval: the sum of each group's peak).
        met: it met every target (relaxed ones at their relaxed bound).
        missed: labels of the targets it missed.
        action: what the search does next.
        simulated: the plan was simulated at this step (not judged from the cache).
    """

    number: int
    phase: str
    plan: Plan
    agents: int
    met: bool
    missed: tuple[str, ...]
    action: str
    simulated: bool = True


@attrs.frozen
class StaffingResult:
    """What :func:`search` found.

    Attributes:
        scenario: the scenario as given.
        staffed: the scenario staffed by ``plan`` (layered groups when per interval).
        targets: the targets checked.
        policy: routing policy simulated.
        intervals: staffing intervals; counts are per interval when ``per_interval``.
        per_interval: one count per interval rather than per group.
        erlang: the Erlang estimate (agents, rounded up) in the plan's shape.
        erlang_need: the Erlang estimate before rounding, per group per interval.
        plan: the chosen plan.
        evaluation: its simulation (``None`` only if interrupted before any).
        history: every step of the search.
        evaluations: plans simulated (each once).
        feasible: ``plan`` met every target.
        relaxed: targets found unreachable by adding agents, with the bound the search
            used instead (key: target text, ``@interval`` index when per interval).
        converged: the search finished rather than hitting ``max_evaluations``.
        interrupted: stopped by Ctrl-C.
    """

    scenario: Scenario
    staffed: Scenario
    targets: tuple[Target, ...]
    policy: str
    intervals: tuple[Interval, ...]
    per_interval: bool
    erlang: Plan
    erlang_need: Mapping[str, tuple[float, ...]]
    plan: Plan
    evaluation: Evaluation | None
    history: tuple[Step, ...]
    feasible: bool
    converged: bool
    interrupted: bool
    relaxed: Mapping[str, float] = attrs.field(factory=dict)
    evaluations: int = 0

    @property
    def total_agents(self) -> int:
        """Agents in the plan (per interval: the sum of each group's peak)."""
        return sum(max(ns) for _, ns in self.plan.counts)

    def paid_hours(self, group: str) -> float:
        """Agent-hours the plan pays ``group`` for within the horizon."""
        horizon = self.scenario.simulation.horizon
        return math.fsum(
            layer.paid_hours(horizon)
            for layer in self.staffed.agent_groups
            if base_group(layer.name) == group
        )

    def cost(self, group: str) -> float:
        """Agent cost of ``group`` over the horizon."""
        return self.paid_hours(group) * self.scenario.agent_group(group).cost_per_hour

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (see :mod:`simulations.report.staffing`)."""
        from simulations.report.staffing import result_document

        return result_document(self)
