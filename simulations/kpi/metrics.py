"""Contact records -> KPIs per replication (:mod:`simulations.kpi.summary` takes them on to
means and confidence intervals per policy).

Definitions (DESIGN section 8). A replication's KPIs are measured over its window
``[start, end)`` after warm-up; a contact belongs to the period in which it **arrived**.

Populations:

* *arrivals*: contacts that arrived in the window, deflected or not.
* *offered*: arrivals that were not deflected (they reached the queue).
* *live*: offered contacts without a due date. Queue KPIs use live contacts only;
  back-office items (``due_at`` set) have their own KPIs, so a claim that waits two
  days does not swamp the ASA of phone calls.

KPIs (``None`` in a replication when the denominator is empty):

* ``service_level`` = answered within T / (answered + abandoned after T + still
  waiting after T when the run ended), over live contacts with a ``sla_target`` T
  (see :func:`answered_in_time`, which the staffing targets count with too).
  Abandoned within T is left out, as DESIGN defines it, and so is a contact still
  waiting at the end that has not yet waited T. ``service_level_offered`` = answered
  within T / live contacts with a target. ``value_weighted_service_level``: the first,
  each contact weighted by ``customer_value``.
* ``asa`` mean wait of answered live contacts; ``wait_probability`` P(wait > 0) among
  them; ``abandonment_rate`` abandoned / live; ``deflection_rate`` deflected / arrivals
  without a due date.
* ``aht`` mean ``handle_time + wrap_up`` of contacts completed by an agent (back-office
  included); ``handled`` how many.
* ``fcr`` = issues resolved at the first contact / issues. An issue counts when its
  attempt-1 contact is offered and its outcome known (completed or abandoned): an
  abandoned first contact is a failure. Issues whose first contact was **deflected**
  are excluded (self-service resolved them, not an agent); issues whose attempt 1 lies
  outside the window or the breakdown key are not counted there. Breakdowns classify
  an issue by its first contact (channel, type, tier...).
* ``repeat_contact_rate`` = offered contacts with ``attempt > 1`` / offered.
* ``backoffice_sla`` = items completed by ``due_at`` / back-office items **due** in the
  window (by due date, not arrival). ``backlog``: back-office items arrived before the
  window end and still open at it; ``backlog_overdue``: those already past due.
* ``cost_per_contact`` = (agent cost + contact costs) / (completed + deflected);
  ``total_cost`` the numerator. Contact costs are ``ContactRecord.cost`` of arrivals.
  In a breakdown, agent cost is allocated in proportion to the agent work (handle +
  wrap-up) of its contacts, so the keys add up to the total.
* ``occupancy`` = busy / staffed time (overall and per ``agent_group``).
* Churn (with a :class:`ChurnModel`; overall, ``tier`` and ``customer_status`` only):
  per customer with an arrival in the window,
  ``p = min(1, m * (base_annual + per_minute_over * minutes_over + per_unresolved * u))``
  where ``m`` is ``new_customer_multiplier`` for new customers (else 1),
  ``minutes_over`` sums ``max(0, wait - max(wait_threshold, sla_target)) / 60`` over
  the customer's live waits (a customer tolerates the wait its service level
  promises, e.g. hours for email), and ``u`` counts the customer's issues that ended the window
  unresolved (some contact completed or abandoned, none resolved or deflected). The
  increment is ``p - min(1, m * base_annual)``. KPIs: ``churn_increment_mean``,
  ``churn_probability_mean``, ``customers_at_risk`` (increment > 0),
  ``expected_churners`` (sum of increments).

Breakdowns: ``overall`` (key ``all``), ``channel``, ``contact_type``, ``tier``,
``customer_status`` (``new``/``established``), ``interval`` (key: the interval start in
seconds, intervals aligned to time 0, only contacts arriving in the window) and
``agent_group`` (occupancy, AHT, handled).

Across replications, :mod:`simulations.kpi.summary` gives each KPI a mean and a
confidence interval, and pairs policies.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

from simulations.errors import InvalidArgumentError
from simulations.records import AgentRecord, ContactRecord, ReplicationResult, in_window
from simulations.scenario.schema import ChurnModel

__all__ = [
    "ALL",
    "BREAKDOWNS",
    "KPIS",
    "OVERALL",
    "KpiInfo",
    "ReplicationKPIs",
    "answered_in_time",
    "replication_kpis",
]

OVERALL = "overall"
ALL = "all"
BREAKDOWNS = (
    OVERALL, "channel", "contact_type", "tier", "customer_status", "interval", "agent_group"
)  # fmt: skip

KpiValues: TypeAlias = dict[str, float | None]
Nested: TypeAlias = dict[str, dict[str, dict[str, Any]]]
Window: TypeAlias = tuple[float, float]


# --- KPI catalogue -----------------------------------------------------------------

Unit: TypeAlias = Literal["rate", "seconds", "money", "count"]


@attrs.frozen
class KpiInfo:
    """How to read and show a KPI. ``better`` is +1 (higher), -1 (lower) or 0."""

    name: str
    label: str
    unit: Unit
    better: int
    additive: bool = False
    """Counts and totals: 0, not undefined, for a breakdown key with no records."""


KPIS: Mapping[str, KpiInfo] = {
    k.name: k
    for k in (
        KpiInfo("service_level", "Service level", "rate", +1),
        KpiInfo("service_level_offered", "SL of offered", "rate", +1),
        KpiInfo("value_weighted_service_level", "Value-weighted SL", "rate", +1),
        KpiInfo("asa", "ASA", "seconds", -1),
        KpiInfo("wait_probability", "P(wait > 0)", "rate", -1),
        KpiInfo("abandonment_rate", "Abandonment", "rate", -1),
        KpiInfo("deflection_rate", "Deflection", "rate", 0),
        KpiInfo("aht", "AHT", "seconds", -1),
        KpiInfo("occupancy", "Occupancy", "rate", 0),
        KpiInfo("fcr", "FCR", "rate", +1),
        KpiInfo("repeat_contact_rate", "Repeat contacts", "rate", -1),
        KpiInfo("backoffice_sla", "Back-office SLA", "rate", +1),
        KpiInfo("backlog", "Back-office backlog", "count", -1, additive=True),
        KpiInfo("backlog_overdue", "Backlog overdue", "count", -1, additive=True),
        KpiInfo("cost_per_contact", "Cost per contact", "money", -1),
        KpiInfo("total_cost", "Total cost", "money", -1, additive=True),
        KpiInfo("churn_increment_mean", "Churn increment", "rate", -1),
        KpiInfo("churn_probability_mean", "Churn probability", "rate", -1),
        KpiInfo("customers_at_risk", "Customers at risk", "count", -1, additive=True),
        KpiInfo("expected_churners", "Expected churners", "count", -1, additive=True),
        KpiInfo("arrivals", "Arrivals", "count", 0, additive=True),
        KpiInfo("offered", "Offered", "count", 0, additive=True),
        KpiInfo("answered", "Answered", "count", 0, additive=True),
        KpiInfo("abandoned", "Abandoned", "count", -1, additive=True),
        KpiInfo("deflected", "Deflected", "count", 0, additive=True),
        KpiInfo("handled", "Handled", "count", 0, additive=True),
        KpiInfo("customers", "Customers", "count", 0, additive=True),
    )
}
"""Every KPI this module computes, in display order."""


# --- KPIs of one replication -------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def answered_in_time(
    contact: ContactRecord, threshold: float | None = None, ended_at: float | None = None
) -> bool | None:
    """The service-level outcome of one contact against T, the one rule for service
    level (the ``service_level`` KPIs and the staffing targets both count with it).

    T is ``threshold`` when given (a target's ``voice:80/20``), else the contact's own
    ``sla_target``. ``True``: answered within T. ``False``: answered after T, abandoned
    after T, or still waiting when the run ended (at ``ended_at``) having waited longer
    than T; leaving those out would let a queue nobody answers vanish from the ratio.
    ``None``: not counted: abandoned within T, still waiting at the end but not yet
    for T (its outcome is unknown, e.g. an email sent late in the evening with an 8 h
    target), deflected, or no T at all. Without ``ended_at`` every contact still
    waiting counts as late.
    """
    t = contact.sla_target if threshold is None else threshold
    if t is None or contact.deflected:
        return None
    if contact.answered_at is not None:
        return contact.answered_at - contact.arrived_at <= t
    if contact.abandoned_at is not None:
        return None if contact.abandoned_at - contact.arrived_at <= t else False
    # still waiting when the run ended
    return None if ended_at is not None and ended_at - contact.arrived_at <= t else False


def _arrivals(contacts: Iterable[ContactRecord], window: Window) -> list[ContactRecord]:
    return [c for c in contacts if in_window(c.arrived_at, window)]


def _work(arrivals: Iterable[ContactRecord]) -> float:
    return math.fsum(c.handle_time + c.wrap_up for c in arrivals if c.completed)


def _fcr(offered: Sequence[ContactRecord]) -> float | None:
    first: dict[str, ContactRecord] = {}
    for c in offered:
        if c.attempt == 1 and (
            c.issue_id not in first or c.arrived_at < first[c.issue_id].arrived_at
        ):
            first[c.issue_id] = c
    known = [c for c in first.values() if c.completed or c.abandoned]
    return _ratio(sum(c.resolved is True for c in known), len(known))


def _churn_kpis(arrivals: Sequence[ContactRecord], churn: ChurnModel) -> KpiValues:
    customers: dict[str, list[ContactRecord]] = {}
    for c in arrivals:
        customers.setdefault(c.customer_id, []).append(c)
    increments, probabilities = [], []
    for contacts in customers.values():
        over = 0.0
        issues: dict[str, list[ContactRecord]] = {}
        for c in contacts:
            issues.setdefault(c.issue_id, []).append(c)
            if not c.is_back_office and c.wait is not None:
                tolerated = max(churn.wait_threshold, c.sla_target or 0.0)
                over += max(0.0, c.wait - tolerated) / 60.0
        unresolved = sum(
            any(c.completed or c.abandoned for c in cs)
            and not any(c.resolved is True or c.deflected for c in cs)
            for cs in issues.values()
        )
        is_new = any(c.is_new_customer for c in contacts)
        p = churn.probability(minutes_over=over, unresolved=unresolved, is_new=is_new)
        probabilities.append(p)
        increments.append(p - churn.probability(minutes_over=0.0, unresolved=0, is_new=is_new))
    return {
        "churn_increment_mean": _mean(increments),
        "churn_probability_mean": _mean(probabilities),
        "customers_at_risk": float(sum(i > 0 for i in increments)),
        "expected_churners": math.fsum(increments),
    }


def _contact_kpis(
    contacts: Sequence[ContactRecord],
    window: Window,
    *,
    agent_cost: float,
    churn: ChurnModel | None,
    ended_at: float | None = None,
) -> KpiValues:
    """KPIs of one breakdown key. ``contacts``: the key's records, any arrival time."""
    end = window[1]
    arrivals = _arrivals(contacts, window)
    offered = [c for c in arrivals if not c.deflected]
    live = [c for c in offered if not c.is_back_office]
    answered = [c for c in live if c.answered]
    abandoned = [c for c in live if c.abandoned]
    targeted = [c for c in live if c.sla_target is not None]
    judged = [(c, ok) for c in targeted if (ok := answered_in_time(c, None, ended_at)) is not None]
    within = [c for c, ok in judged if ok]
    sl_base = [c for c, _ in judged]
    waits = [w for c in answered if (w := c.wait) is not None]
    completed = [c for c in offered if c.completed]
    deflected = [c for c in arrivals if c.deflected]
    arrivals_live = [c for c in arrivals if not c.is_back_office]
    due = [
        c
        for c in contacts
        if c.due_at is not None and not c.deflected and in_window(c.due_at, window)
    ]
    open_items = [
        c
        for c in contacts
        if c.is_back_office
        and not c.deflected
        and c.arrived_at < end
        and (c.completed_at is None or c.completed_at > end)
        and (c.abandoned_at is None or c.abandoned_at > end)
    ]
    total_cost = agent_cost + math.fsum(c.cost for c in arrivals)
    values: KpiValues = {
        "service_level": _ratio(len(within), len(sl_base)),
        "service_level_offered": _ratio(len(within), len(targeted)),
        "value_weighted_service_level": _ratio(
            math.fsum(c.customer_value for c in within),
            math.fsum(c.customer_value for c in sl_base),
        ),
        "asa": _mean(waits),
        "wait_probability": _ratio(sum(w > 0 for w in waits), len(waits)),
        "abandonment_rate": _ratio(len(abandoned), len(live)),
        "deflection_rate": _ratio(sum(c.deflected for c in arrivals_live), len(arrivals_live)),
        "aht": _mean([c.handle_time + c.wrap_up for c in completed]),
        "fcr": _fcr(offered),
        "repeat_contact_rate": _ratio(sum(c.attempt > 1 for c in offered), len(offered)),
        "backoffice_sla": _ratio(
            sum(c.on_time for c in due),
            len(due),
        ),
        "backlog": float(len(open_items)),
        "backlog_overdue": float(sum(c.due_at is not None and c.due_at < end for c in open_items)),
        "cost_per_contact": _ratio(total_cost, len(completed) + len(deflected)),
        "total_cost": total_cost,
        "arrivals": float(len(arrivals)),
        "offered": float(len(offered)),
        "answered": float(len(answered)),
        "abandoned": float(len(abandoned)),
        "deflected": float(len(deflected)),
        "handled": float(len(completed)),
    }
    if churn is not None:
        values["customers"] = float(len({c.customer_id for c in arrivals}))
        values.update(_churn_kpis(arrivals, churn))
    return values


def _agent_kpis(agents: Sequence[AgentRecord]) -> KpiValues:
    staffed = math.fsum(a.staffed_time for a in agents)
    return {"occupancy": _ratio(math.fsum(a.busy_time for a in agents), staffed)}


def _group(
    contacts: Iterable[ContactRecord], key: Callable[[ContactRecord], str]
) -> dict[str, list[ContactRecord]]:
    groups: dict[str, list[ContactRecord]] = {}
    for c in contacts:
        groups.setdefault(key(c), []).append(c)
    return groups


def _interval_key(start: float) -> str:
    return str(int(start)) if float(start).is_integer() else repr(float(start))


_CONTACT_BREAKDOWNS: dict[str, Callable[[ContactRecord], str]] = {
    "channel": lambda c: c.channel,
    "contact_type": lambda c: c.contact_type,
    "tier": lambda c: c.tier,
    "customer_status": lambda c: "new" if c.is_new_customer else "established",
}
_CUSTOMER_BREAKDOWNS = frozenset({OVERALL, "tier", "customer_status"})


@attrs.frozen
class ReplicationKPIs:
    """KPI values of one replication: ``values[breakdown][key][kpi]``, ``None`` = undefined."""

    replication: int
    policy: str
    values: dict[str, dict[str, KpiValues]]

    def get(self, kpi: str, breakdown: str = OVERALL, key: str = ALL) -> float | None:
        """The value, with 0 for a count KPI of a key absent from this replication."""
        by_key = self.values.get(breakdown, {})
        if key not in by_key:
            info = KPIS.get(kpi)
            return 0.0 if info is not None and info.additive else None
        return by_key[key].get(kpi)


def replication_kpis(
    result: ReplicationResult, *, interval: float = 1800.0, churn: ChurnModel | None = None
) -> ReplicationKPIs:
    """Compute every KPI of one replication for every breakdown.

    Args:
        result: the replication's records.
        interval: reporting interval length in seconds (e.g. 1800 for 30 minutes).
        churn: churn parameters; without them the churn KPIs are omitted.

    Runtime complexity: O(C log C + A) for C contacts and A agents.

    Raises:
        ValueError: ``interval`` not positive and finite.
    """
    if not (math.isfinite(interval) and interval > 0):
        raise InvalidArgumentError(f"interval {interval!r} must be a positive number of seconds")
    window, contacts = result.window, result.contacts
    agent_cost = math.fsum(a.cost for a in result.agents)
    total_work = _work(_arrivals(contacts, window))

    def kpis(subset: Sequence[ContactRecord], breakdown: str) -> KpiValues:
        share = agent_cost * _work(_arrivals(subset, window)) / total_work if total_work else 0.0
        return _contact_kpis(
            subset,
            window,
            agent_cost=agent_cost if breakdown == OVERALL else share,
            churn=churn if breakdown in _CUSTOMER_BREAKDOWNS else None,
            ended_at=result.ended_at,
        )

    overall = kpis(contacts, OVERALL)
    overall.update(_agent_kpis(result.agents))
    values: dict[str, dict[str, KpiValues]] = {OVERALL: {ALL: overall}}
    for name, key in _CONTACT_BREAKDOWNS.items():
        groups = _group(contacts, key)
        values[name] = {k: kpis(groups[k], name) for k in sorted(groups)}

    start, end = window
    by_interval = _group(
        _arrivals(contacts, window), lambda c: _interval_key(c.arrived_at // interval * interval)
    )
    values["interval"] = {}
    for i in range(math.floor(start / interval), math.ceil(end / interval)):
        k = _interval_key(i * interval)
        values["interval"][k] = kpis(by_interval.get(k, []), "interval")

    agents_by_group: dict[str, list[AgentRecord]] = {}
    for a in result.agents:
        agents_by_group.setdefault(a.group, []).append(a)
    handled_by_group = _group(
        (c for c in _arrivals(contacts, window) if c.completed and c.agent_group is not None),
        lambda c: str(c.agent_group),
    )
    values["agent_group"] = {}
    for g in sorted(agents_by_group.keys() | handled_by_group.keys()):
        done = handled_by_group.get(g, [])
        group_values = _agent_kpis(agents_by_group.get(g, []))
        group_values["aht"] = _mean([c.handle_time + c.wrap_up for c in done])
        group_values["handled"] = float(len(done))
        values["agent_group"][g] = group_values
    return ReplicationKPIs(result.replication, result.policy, values)
