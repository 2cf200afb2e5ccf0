"""Judging one simulated plan: every target by its confidence interval, and occupancy.

A target counts as met only when its CI is on the right side of the bound
(:meth:`~simulations.planning.targets.Target.met_by`); a missed target names the
worst-served contact types in its scope, which is where the search adds agents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs

from simulations.kpi.stats import Estimate, estimate
from simulations.kpi.summary import Summary
from simulations.planning.staffing.plan import Interval, Plan, base_group
from simulations.planning.targets import BACKOFFICE, Target, measure
from simulations.records import ContactRecord, ReplicationResult
from simulations.scenario import Scenario

__all__ = ["Check", "Evaluation", "check_targets", "group_occupancy", "measured_intervals"]


@attrs.frozen
class Check:
    """One target over the window (``interval`` None) or one staffing interval."""

    target: Target
    interval: int | None
    estimate: Estimate | None
    met: bool
    worst_types: tuple[str, ...] = ()
    """For a missed check, the contact types in scope, the worst-performing first."""


@attrs.frozen
class Evaluation:
    """A simulated plan: target checks, occupancy per group and the KPI summary."""

    plan: Plan
    checks: tuple[Check, ...]
    occupancy: Mapping[str, Estimate]
    summary: Summary | None
    replications: int

    @property
    def met(self) -> bool:
        """Every target is met by its CI."""
        return all(c.met for c in self.checks)

    @property
    def missed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if not c.met)


def measured_intervals(
    intervals: Sequence[Interval], window: Interval
) -> list[tuple[int, Interval]]:
    """The staffing intervals that overlap the measured window, each cut to it."""
    out = []
    for i, (s, e) in enumerate(intervals):
        lo, hi = max(s, window[0]), min(e, window[1])
        if hi > lo:
            out.append((i, (lo, hi)))
    return out


def check_targets(
    scenario: Scenario,
    targets: Sequence[Target],
    results: Sequence[ReplicationResult],
    intervals: Sequence[Interval],
    per_interval: bool,
    confidence: float,
) -> tuple[Check, ...]:
    """Every target over the window, or (per interval) over each measured interval."""
    window, ends_at = scenario.simulation.window, scenario.simulation.ends_at
    checks = []
    for target in targets:
        types = target.contact_types(scenario)
        scoped = [[c for c in r.contacts if c.contact_type in types] for r in results]
        cells: list[tuple[int | None, Interval]] = [(None, window)]
        if per_interval and target.kpi != BACKOFFICE:
            cells = [(i, p) for i, p in measured_intervals(intervals, window)]
        for index, period in cells:
            values = [
                v for cs in scoped if (v := measure(target, cs, types, period, ends_at)) is not None
            ]
            est = _estimate(values, confidence)
            met = target.met_by(est)
            worst = () if met else _worst_types(target, scoped, types, period, ends_at)
            checks.append(Check(target, index, est, met, worst))
    return tuple(checks)


def _worst_types(
    target: Target,
    scoped: Sequence[Sequence[ContactRecord]],
    types: Sequence[str],
    period: Interval,
    ends_at: float,
) -> tuple[str, ...]:
    """The contact types in scope, the one whose mean KPI is worst first."""
    if len(types) == 1:
        return tuple(types)
    scores = {}
    for name in types:
        values = [
            v for cs in scoped if (v := measure(target, cs, (name,), period, ends_at)) is not None
        ]
        mean = math.fsum(values) / len(values) if values else math.nan
        score = -mean if target.higher_is_better else mean
        scores[name] = -math.inf if math.isnan(score) else score
    return tuple(sorted(types, key=lambda n: -scores[n]))


def _estimate(values: Sequence[float], confidence: float) -> Estimate | None:
    if not values:
        return None
    if any(math.isinf(v) for v in values):
        return Estimate(math.inf, None, len(values))
    return estimate(values, confidence)


def group_occupancy(results: Sequence[ReplicationResult], confidence: float) -> dict[str, Estimate]:
    """Occupancy per agent group (layers of a per-interval plan counted as their group)."""
    per_group: dict[str, list[float]] = {}
    for r in results:
        busy: dict[str, float] = {}
        staffed: dict[str, float] = {}
        for a in r.agents:
            g = base_group(a.group)
            busy[g] = busy.get(g, 0.0) + a.busy_time
            staffed[g] = staffed.get(g, 0.0) + a.staffed_time
        for g, s in staffed.items():
            if s > 0:
                per_group.setdefault(g, []).append(busy[g] / s)
    return {g: estimate(v, confidence) for g, v in sorted(per_group.items())}
