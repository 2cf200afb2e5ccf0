"""The Erlang starting point of a staffing search: agents per group and interval.

The horizon is cut into staffing intervals (the scenario's reporting ``interval``
unless given). In each interval and for each contact type:

* expected contacts = ``expected_count`` of its arrival process x (1 - deflection),
  plus the repeats other contacts send to it (unresolved share x repeat probability,
  resolution at the proficiency of the groups that take it, delays ignored);
* the load goes to the agent groups on duty that can take the type (those meeting
  the base requirement; relaxed-only groups when none does), shared in proportion to
  each group's count in the scenario divided by the number of contact types it takes
  (a generalist's time is spread over all its work; equal shares when all are 0);
* live work: the servers needed for the *whole* type (so the type's load stays
  pooled) come from Erlang A when customers abandon (``patience``'s mean; exact for
  exponential patience) and Erlang C otherwise, for every target covering the type
  (``agents_for_service_level`` / ``agents_for_asa`` / ``agents_for_erlang_a``), with
  the mean handle time (scaled by the proficiency margin) plus wrap-up; a chat agent
  with capacity 3 counts as 3 servers;
* back-office work: the item's work is spread evenly from its arrival to its due time
  and divided by 85 % occupancy.

A group's estimate in an interval is the ceiling of its share of the servers; with one
count per group (the default) it is the largest over the intervals the group works.

The simulation refines it: see :mod:`simulations.planning.staffing.search`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from routing.erlang import agents_for_asa, agents_for_erlang_a, agents_for_service_level
from simulations.planning.staffing.plan import Interval, Plan, on_duty
from simulations.planning.targets import ABANDONMENT, ASA, SERVICE_LEVEL, Target
from simulations.scenario import AgentGroup, ContactType, Scenario

__all__ = [
    "BACKOFFICE_OCCUPANCY",
    "FALLBACK_OCCUPANCY",
    "MAX_LEVEL",
    "erlang_estimate",
    "expected_contacts",
    "initial_plan",
    "takers",
]

BACKOFFICE_OCCUPANCY = 0.85
"""Occupancy assumed when sizing back-office work from its due window."""
FALLBACK_OCCUPANCY = 0.85
"""Occupancy assumed for live work that no target covers."""
MAX_LEVEL = 0.999
"""A 100 % service-level target is sized (by Erlang) as this level."""


def _concurrency(scenario: Scenario, group: AgentGroup, channel: str) -> int:
    cap = group.capacity.get(channel, 0)
    if group.max_units is not None:
        cap = min(cap, group.max_units // scenario.channels[channel].units)
    return max(cap, 1)


def takers(scenario: Scenario, ct: ContactType, period: Interval) -> list[AgentGroup]:
    """Groups on duty in ``period`` that take ``ct`` at its base requirement, or, when
    none does, at a relaxed one."""
    groups = [g for g in scenario.groups_for(ct) if on_duty(g, period)]
    base = [g for g in groups if g.meets(ct.skills)]
    return base or groups


def _weights(scenario: Scenario, groups: Sequence[AgentGroup], period: Interval) -> list[float]:
    """Share of a contact type's work each group takes: its count divided by the number
    of contact types it takes (a generalist's time is spread over all its work)."""
    breadth = [
        sum(g in takers(scenario, ct, period) for ct in scenario.contact_types) or 1 for g in groups
    ]
    raw = [g.count / k for g, k in zip(groups, breadth, strict=True)]
    total = math.fsum(raw)
    if total == 0:
        return [1.0 / len(groups)] * len(groups)
    return [r / total for r in raw]


def _aht(
    scenario: Scenario, ct: ContactType, groups: Sequence[AgentGroup], weights: Sequence[float]
) -> float:
    if not groups:
        return ct.handle_time.mean + ct.wrap_up.mean
    factors = [scenario.handling.factor(ct.margin(g.skills)) for g in groups]
    mean_factor = math.fsum(w * f for w, f in zip(weights, factors, strict=True))
    return ct.handle_time.mean * mean_factor + ct.wrap_up.mean


def expected_contacts(scenario: Scenario, intervals: Sequence[Interval]) -> dict[str, list[float]]:
    """Expected contacts per type per interval, repeats included (one round, no delay)."""
    volumes = {
        ct.name: [
            scenario.arrivals(ct).expected_count(s, e) * (1.0 - ct.deflection) for s, e in intervals
        ]
        for ct in scenario.contact_types
    }
    first = {name: list(v) for name, v in volumes.items()}
    for ct in scenario.contact_types:
        if ct.repeat is None:
            continue
        for i, period in enumerate(intervals):
            groups = takers(scenario, ct, period)
            if not groups:
                continue
            p_resolve = math.fsum(
                w * scenario.resolution.probability(ct.margin(g.skills))
                for w, g in zip(_weights(scenario, groups, period), groups, strict=True)
            )
            back = (1.0 - p_resolve) * ct.repeat.probability
            if back >= 1.0:
                continue
            extra = first[ct.name][i] * back / (1.0 - back)  # every later round too
            for name, share in ct.repeat.contact_types.items():
                volumes[name][i] += extra * share
    return volumes


def _servers(ct: ContactType, rate: float, aht: float, targets: Sequence[Target]) -> float:
    """Servers (contacts handled at once) needed for one live type in one interval."""
    if rate <= 0:
        return 0.0
    patience = ct.patience.mean if ct.patience is not None else None
    needs: list[int] = []
    for t in targets:
        if t.kpi == SERVICE_LEVEL and t.threshold is not None:
            level = min(t.bound, MAX_LEVEL)
            if patience is not None:
                needs.append(
                    agents_for_erlang_a(rate, aht, patience, target=t.threshold, level=level)
                )
            else:
                needs.append(agents_for_service_level(rate, aht, t.threshold, level))
        elif t.kpi == ASA:
            if patience is not None:
                needs.append(agents_for_erlang_a(rate, aht, patience, max_asa=t.bound))
            else:
                needs.append(agents_for_asa(rate, aht, t.bound))
        elif t.kpi == ABANDONMENT and patience is not None:
            limit = min(t.bound, MAX_LEVEL)
            needs.append(agents_for_erlang_a(rate, aht, patience, max_abandon=limit))
    if not needs:
        return rate * aht / FALLBACK_OCCUPANCY
    return float(max(needs))


def erlang_estimate(
    scenario: Scenario, targets: Sequence[Target], intervals: Sequence[Interval]
) -> dict[str, list[float]]:
    """Agents each group needs in each interval (fractional), by the rules above.

    Runtime complexity: O(T x I x (G + E)) for T contact types, I intervals, G groups
    and E the cost of one Erlang solve (microseconds to milliseconds).
    """
    need = {g.name: [0.0] * len(intervals) for g in scenario.agent_groups}
    volumes = expected_contacts(scenario, intervals)
    covering = {
        ct.name: [t for t in targets if ct.name in t.contact_types(scenario)]
        for ct in scenario.contact_types
    }
    for ct in scenario.contact_types:
        for i, period in enumerate(intervals):
            groups = takers(scenario, ct, period)
            count = volumes[ct.name][i]
            if not groups or count <= 0:
                continue
            weights = _weights(scenario, groups, period)
            aht = _aht(scenario, ct, groups, weights)
            if ct.due_after is not None:
                _spread_backoffice(scenario, ct, groups, weights, count * aht, i, intervals, need)
                continue
            length = period[1] - period[0]
            servers = _servers(ct, count / length, aht, covering[ct.name])
            for g, w in zip(groups, weights, strict=True):
                need[g.name][i] += servers * w / _concurrency(scenario, g, ct.channel)
    return need


def _spread_backoffice(
    scenario: Scenario,
    ct: ContactType,
    groups: Sequence[AgentGroup],
    weights: Sequence[float],
    work: float,
    index: int,
    intervals: Sequence[Interval],
    need: dict[str, list[float]],
) -> None:
    assert ct.due_after is not None
    start = intervals[index][0]
    end = start + ct.due_after
    for j, (s, e) in enumerate(intervals[index:], start=index):
        overlap = min(e, end) - max(s, start)
        if overlap <= 0:
            break
        servers = work / ct.due_after * overlap / (e - s) / BACKOFFICE_OCCUPANCY
        for g, w in zip(groups, weights, strict=True):
            if on_duty(g, (s, e)):
                need[g.name][j] += servers * w / _concurrency(scenario, g, ct.channel)


def initial_plan(
    scenario: Scenario,
    need: Mapping[str, Sequence[float]],
    intervals: Sequence[Interval],
    per_interval: bool,
) -> Plan:
    """The estimate rounded up: per interval, or each group's peak over its intervals."""
    counts: dict[str, tuple[int, ...]] = {}
    for g in scenario.agent_groups:
        per = [
            math.ceil(n - 1e-9) if on_duty(g, period) else 0
            for n, period in zip(need[g.name], intervals, strict=True)
        ]
        counts[g.name] = tuple(per) if per_interval else (max(per, default=0),)
    return Plan.of(counts)
