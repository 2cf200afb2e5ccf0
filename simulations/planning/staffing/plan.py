"""Staffing plans: agents per group, or per group and staffing interval, and the
scenario a plan staffs.

A plan with one count per group just replaces the groups' counts. A plan with counts
per interval turns each group into *layers*: layer ``k`` holds the agents on duty in
every interval planned with at least ``k`` agents, as shifts within the group's own
shifts (see :func:`build_scenario`). Layered groups are named ``GROUP@k``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import attrs

from simulations.errors import InvalidArgumentError
from simulations.scenario import AgentGroup, Scenario, Shift
from simulations.scenario.schema import DRAIN

__all__ = [
    "LAYER",
    "Interval",
    "Plan",
    "base_group",
    "build_scenario",
    "on_duty",
    "staffing_intervals",
]

LAYER = "@"
"""Separates a group's name from its layer number in per-interval scenarios."""

Interval = tuple[float, float]


@attrs.frozen
class Plan:
    """Agents per group: one count per group, or one per staffing interval.

    ``counts`` is a tuple of ``(group, counts)`` in scenario order, so plans hash and
    compare (the search caches evaluations by plan).
    """

    counts: tuple[tuple[str, tuple[int, ...]], ...]

    @classmethod
    def of(cls, counts: Mapping[str, Sequence[int]]) -> Plan:
        """A plan from ``{group: counts}``."""
        return cls(tuple((g, tuple(int(n) for n in ns)) for g, ns in counts.items()))

    def as_dict(self) -> dict[str, tuple[int, ...]]:
        """``{group: counts}``."""
        return dict(self.counts)

    def get(self, group: str) -> tuple[int, ...]:
        """The counts of one group."""
        return self.as_dict()[group]

    def changed(self, group: str, index: int, delta: int) -> Plan:
        """The plan with ``delta`` added to the group's count ``index`` (kept >= 0)."""
        counts = self.as_dict()
        values = list(counts[group])
        values[index] = max(0, values[index] + delta)
        counts[group] = tuple(values)
        return Plan.of(counts)

    @property
    def per_interval(self) -> bool:
        """Whether counts vary by interval."""
        return any(len(ns) > 1 for _, ns in self.counts)


def staffing_intervals(scenario: Scenario, interval: float | None = None) -> tuple[Interval, ...]:
    """``[start, end)`` staffing intervals over ``[0, horizon)``, aligned to time 0.

    Raises:
        ValueError: ``interval`` is not a positive number of seconds.
    """
    step = scenario.simulation.interval if interval is None else interval
    if not (math.isfinite(step) and step > 0):
        raise InvalidArgumentError(
            f"staffing interval {step!r} must be a positive number of seconds"
        )
    horizon = scenario.simulation.horizon
    count = math.ceil(horizon / step - 1e-9)
    return tuple((i * step, min((i + 1) * step, horizon)) for i in range(count))


def on_duty(group: AgentGroup, period: Interval) -> bool:
    """Whether the group works at some time in ``[start, end)``."""
    if not group.shifts:
        return True
    return any(s.start_at < period[1] and period[0] < s.end_at for s in group.shifts)


def _segments(counts: Sequence[int], intervals: Sequence[Interval], layer: int) -> list[Interval]:
    """Merged periods where at least ``layer`` agents are planned."""
    out: list[Interval] = []
    for n, (start, end) in zip(counts, intervals, strict=True):
        if n < layer:
            continue
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _intersect(periods: Iterable[Interval], shifts: Sequence[Shift]) -> tuple[Shift, ...]:
    pieces = []
    windows = [(s.start_at, s.end_at) for s in shifts] or [(0.0, math.inf)]
    for start, end in periods:
        for w_start, w_end in windows:
            lo, hi = max(start, w_start), min(end, w_end)
            if hi > lo:
                pieces.append((lo, hi))
    pieces.sort()
    merged: list[Interval] = []
    for lo, hi in pieces:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(Shift(lo, hi) for lo, hi in merged)


def build_scenario(scenario: Scenario, plan: Plan, intervals: Sequence[Interval] = ()) -> Scenario:
    """The scenario staffed by ``plan``.

    With one count per group the groups' counts are replaced. With counts per interval
    each group becomes *layers*: layer ``k`` holds the agents on duty in every interval
    planned with at least ``k`` agents, as shifts (within the group's own shifts; a
    layer working the last interval stays through the model's drain, like an agent
    without shifts). Layers with the same shifts are one group named ``GROUP@k``.

    Raises:
        KeyError: the plan names an unknown group.
        ValueError: per-interval counts that do not match ``intervals``.
    """
    counts = plan.as_dict()
    for name in counts:
        scenario.agent_group(name)
    groups: list[AgentGroup] = []
    horizon = scenario.simulation.horizon
    for g in scenario.agent_groups:
        ns = counts.get(g.name, (g.count,))
        if len(ns) == 1:
            groups.append(attrs.evolve(g, count=ns[0]))
            continue
        if len(ns) != len(intervals):
            raise InvalidArgumentError(
                f"group {g.name!r} has {len(ns)} counts for {len(intervals)} intervals"
            )
        by_shifts: dict[tuple[Shift, ...], int] = {}
        for layer in range(1, max(ns) + 1):
            periods = [
                (s, e + DRAIN if e >= horizon else e) for s, e in _segments(ns, intervals, layer)
            ]
            shifts = _intersect(periods, g.shifts)
            if shifts:
                by_shifts[shifts] = by_shifts.get(shifts, 0) + 1
        for k, (shifts, n) in enumerate(by_shifts.items(), start=1):
            groups.append(attrs.evolve(g, name=f"{g.name}{LAYER}{k}", count=n, shifts=shifts))
        if not by_shifts:
            groups.append(attrs.evolve(g, count=0))
    return attrs.evolve(scenario, agent_groups=tuple(groups))


def base_group(name: str) -> str:
    """The scenario group a (possibly layered) group name belongs to."""
    return name.split(LAYER, 1)[0]
