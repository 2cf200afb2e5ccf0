"""What the staffing search returns: its history and the plan it settled on, and the
JSON document of it (:func:`result_document`) that ``staffing.json`` holds and every
report renders, so a saved result renders like a live one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from simulations.kpi.stats import Estimate
from simulations.planning.staffing.evaluation import Evaluation
from simulations.planning.staffing.plan import Interval, Plan, base_group
from simulations.planning.targets import Target
from simulations.scenario import Scenario

__all__ = ["StaffingResult", "Step", "result_document"]


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
        """JSON-ready description: :func:`result_document`."""
        return result_document(self)


# --- the JSON document every writer and renderer reads ----------------------------

Doc = dict[str, Any]


def _est(est: Estimate | None) -> dict[str, Any] | None:
    if est is None:
        return None
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in est.as_dict().items()
    } | {"infinite": math.isinf(est.mean)}


def _sla_targets(scenario: Scenario, target: Target) -> list[float | None]:
    """The distinct ``sla_target`` of the live contact types a service-level target
    covers (what the KPI table's service level is measured at); empty for other KPIs."""
    if target.threshold is None:
        return []
    types = set(target.contact_types(scenario))
    found = {ct.sla_target for ct in scenario.contact_types if ct.name in types}
    return sorted(found, key=lambda t: (t is None, t or 0.0))


def result_document(result: StaffingResult) -> Doc:
    """The result as JSON-ready data (what every writer and renderer reads)."""
    scenario = result.scenario
    ev = result.evaluation
    plan = result.plan.as_dict()
    erlang = result.erlang.as_dict()
    groups: list[dict[str, Any]] = []
    for g in scenario.agent_groups:
        occ = ev.occupancy.get(g.name) if ev is not None else None
        groups.append(
            {
                "group": g.name,
                "skills": dict(g.skills),
                "cost_per_hour_per_agent": g.cost_per_hour,
                "scenario_agents": g.count,
                "erlang_need": list(result.erlang_need[g.name]),
                "erlang": list(erlang[g.name]),
                "agents": list(plan[g.name]),
                "peak_agents": max(plan[g.name]),
                "occupancy": _est(occ),
                "paid_hours": result.paid_hours(g.name),
                "cost": result.cost(g.name),
            }
        )
    checks = []
    for c in ev.checks if ev is not None else ():
        start = result.intervals[c.interval][0] if c.interval is not None else None
        checks.append(
            {
                "target": c.target.text,
                "label": c.target.label,
                "kpi": c.target.kpi,
                "bound": c.target.bound,
                "interval": c.interval,
                "interval_start": start,
                "estimate": _est(c.estimate),
                "met": c.met,
            }
        )
    summary = ev.summary.as_dict()["kpis"] if ev is not None and ev.summary is not None else {}
    horizon = scenario.simulation.horizon
    total_cost = math.fsum(g["cost"] for g in groups)
    return {
        "kind": "staffing",
        "scenario": scenario.simulation.name,
        "description": scenario.simulation.description,
        "source": scenario.source,
        "policy": result.policy,
        "horizon": horizon,
        "warmup": scenario.simulation.warmup,
        "replications": ev.replications if ev is not None else 0,
        "confidence": ev.summary.confidence if ev is not None and ev.summary else 0.95,
        "per_interval": result.per_interval,
        "intervals": [list(p) for p in result.intervals],
        "targets": [
            {
                "text": t.text,
                "label": t.label,
                "kpi": t.kpi,
                "scope": t.scope,
                "bound": t.bound,
                "threshold": t.threshold,
                "sla_targets": _sla_targets(scenario, t),
            }
            for t in result.targets
        ],
        "groups": groups,
        "checks": checks,
        "kpis": {k: summary[k] for k in ("overall", "channel", "contact_type") if k in summary},
        "total_agents": result.total_agents,
        "erlang_agents": sum(max(ns) for ns in erlang.values()),
        "paid_hours": math.fsum(g["paid_hours"] for g in groups),
        "total_cost": total_cost,
        "cost_per_hour": total_cost / (horizon / 3600.0),
        "feasible": result.feasible,
        "relaxed": dict(result.relaxed),
        "converged": result.converged,
        "interrupted": result.interrupted,
        "evaluations": result.evaluations,
        "history": [
            {
                "step": s.number,
                "phase": s.phase,
                "agents": s.agents,
                "met": s.met,
                "missed": list(s.missed),
                "action": s.action,
                "simulated": s.simulated,
                "plan": {g: list(ns) for g, ns in s.plan.counts},
            }
            for s in result.history
        ],
    }
