"""What the model keeps while it runs, and the records it becomes.

* :class:`TypePlan`: what every contact of one type shares (its routing
  ``Requirement``, channel units and cost, distributions), worked out once per run;
  :func:`group_terms`: the handle-time factor and resolution chances per agent group.
* :class:`Contact`: one contact's state, its random attributes drawn when it is made.
* :class:`StaffedAgent`: one simulated agent's shifts and busy time.
* :func:`contact_record` and :func:`agent_record`: the records a replication returns.

:mod:`simulations.centre.replication` drives them; they hold no SimPy or router state.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

from routing import Customer
from simulations.records import AgentRecord, ContactRecord
from simulations.scenario import AgentGroup, ContactType, Scenario

__all__ = [
    "Contact",
    "StaffedAgent",
    "Terms",
    "TypePlan",
    "agent_record",
    "busy_within_shifts",
    "contact_record",
    "group_terms",
]

_new = object.__new__


class TypePlan:
    """What every contact of one type shares, worked out once per run.

    The routing ``Requirement`` is a frozen value, so one instance serves every task of
    the type; ``groups`` are the agent groups able to take it (``Scenario.groups_for``);
    ``index`` is the type's position in ``Scenario.contact_types`` and picks its entry
    in ``StaffedAgent.terms``.
    """

    __slots__ = (
        "channel",
        "cost",
        "ctype",
        "deflection",
        "due_after",
        "groups",
        "handle_time",
        "index",
        "name",
        "new_share",
        "patience",
        "priority",
        "requirement",
        "sla_target",
        "units",
        "wrap_up",
    )

    def __init__(self, index: int, ctype: ContactType, scenario: Scenario) -> None:
        channel = scenario.channels[ctype.channel]
        self.index = index
        self.ctype = ctype
        self.name = ctype.name
        self.channel = ctype.channel
        self.units = channel.units
        self.cost = channel.cost_per_contact
        self.requirement = ctype.requirement
        self.priority = float(ctype.priority)
        self.sla_target = ctype.sla_target
        self.due_after = ctype.due_after
        self.deflection = ctype.deflection
        self.patience = ctype.patience
        self.handle_time = ctype.handle_time
        self.wrap_up = ctype.wrap_up
        shares = scenario.customers.new_share
        self.new_share = shares if ctype.new_share is None else ctype.new_share
        self.groups = scenario.groups_for(ctype)  # who can take it, for repeats' openings


Terms = tuple[float, float, float]
"""Per (contact type, agent group): the handle-time factor, the chance to resolve, and
the chance to resolve when the agent also handled the issue's previous contact."""


def group_terms(scenario: Scenario, group: AgentGroup) -> list[Terms]:
    """``Terms`` of ``group`` for every contact type, in ``scenario.contact_types`` order.

    They depend on the agent only through its skills (its proficiency margin), which
    every agent of a group shares.
    """
    skills = dict(group.skills)
    terms = []
    for ctype in scenario.contact_types:
        margin = ctype.margin(skills)
        resolution = scenario.resolution
        terms.append(
            (
                scenario.handling.factor(margin),
                resolution.probability(margin, same_agent=False),
                resolution.probability(margin, same_agent=True),
            )
        )
    return terms


class Contact:
    """A contact's state while the model runs (turned into a ContactRecord at the end).

    Every random attribute is drawn from ``rng`` when the contact is made, in a fixed
    order: deflection, patience, base handle time, wrap-up, resolution. A first contact
    may be deflected (``allow_deflection``); repeats and the draw still happen.
    """

    __slots__ = (
        "abandoned_at",
        "agent",
        "answered_at",
        "arrived_at",
        "attempt",
        "completed_at",
        "customer",
        "deflected",
        "due_at",
        "handle_base",
        "handle_time",
        "id",
        "issue_id",
        "patience",
        "plan",
        "previous_agent_id",
        "resolve_draw",
        "resolved",
        "wrap_up",
    )

    def __init__(
        self,
        contact_id: str,
        plan: TypePlan,
        issue_id: str,
        attempt: int,
        arrived_at: float,
        customer: Customer,
        rng: random.Random,
        allow_deflection: bool,
    ) -> None:
        self.id = contact_id
        self.plan = plan
        self.issue_id = issue_id
        self.attempt = attempt
        self.arrived_at = arrived_at
        self.customer = customer
        deflect_draw = rng.random()
        self.deflected = allow_deflection and deflect_draw < plan.deflection
        self.patience = plan.patience.sample(rng) if plan.patience is not None else None
        self.handle_base = plan.handle_time.sample(rng)
        self.wrap_up = plan.wrap_up.sample(rng)
        self.resolve_draw = rng.random()
        self.due_at = None if plan.due_after is None else arrived_at + plan.due_after
        self.answered_at: float | None = None
        self.abandoned_at: float | None = None
        self.completed_at: float | None = None
        self.handle_time = 0.0
        self.agent: StaffedAgent | None = None
        self.previous_agent_id: str | None = None
        self.resolved: bool | None = None


class StaffedAgent:
    """A simulated agent: its shifts in the measured window, its busy time, and the
    ``Terms`` its group has for every contact type."""

    __slots__ = ("busy_since", "busy_time", "group", "handled", "held", "id", "on_duty", "terms")

    def __init__(
        self,
        agent_id: str,
        group: AgentGroup,
        on_duty: list[tuple[float, float]],
        terms: list[Terms],
    ) -> None:
        self.id = agent_id
        self.group = group
        self.on_duty = on_duty  # its shifts inside the measured window
        self.terms = terms  # shared by the group's agents; see group_terms
        self.held = 0
        self.busy_since = 0.0
        self.busy_time = 0.0
        self.handled = 0


def busy_within_shifts(agent: StaffedAgent, until: float) -> float:
    """Seconds of the agent's busy spell ending at ``until`` that fall inside its shifts
    in the measured window: occupancy is busy time *while staffed* over staffed time, so
    work held over a break or past a shift's end does not push it above 1."""
    start = agent.busy_since
    if len(agent.on_duty) == 1:  # the usual single shift: the same sum, spelt out
        a, b = agent.on_duty[0]
        # max(0.0, min(until, b) - max(start, a)) with comparisons (the same float;
        # each min/max builtin call costs more than the whole expression)
        busy = (b if b < until else until) - (a if a > start else start)
        return busy if busy > 0.0 else 0.0
    return sum(max(0.0, min(until, b) - max(start, a)) for a, b in agent.on_duty)


class _RecordDraft:
    """A ``ContactRecord`` under construction: the same slots, but mutable.

    :func:`contact_record` sets every slot with a plain attribute store (about 10 ns
    each) and then assigns ``ContactRecord`` to the draft's ``__class__``, which Python
    allows between classes with the same base and the same slots (for that,
    ``ContactRecord`` has no ``__weakref__`` slot). The result is an ordinary record.
    """

    __slots__ = tuple(field.name for field in attrs.fields(ContactRecord))


def contact_record(c: Contact, replication: int, policy: str) -> ContactRecord:
    """The contact's record, validated by its own ``__attrs_post_init__``.

    Built as a ``_RecordDraft`` with plain attribute stores, then made a
    ``ContactRecord`` in place: 0.5 instead of 1.7 us per record (attrs' frozen
    ``__init__`` sets every slot through ``object.__setattr__``, about 60 ns each).
    """
    agent = c.agent
    plan = c.plan
    customer = c.customer
    answered = c.answered_at is not None
    draft: Any = _new(_RecordDraft)
    draft.replication = replication
    draft.policy = policy
    draft.contact_id = c.id
    draft.issue_id = c.issue_id
    draft.customer_id = customer.id
    draft.contact_type = plan.name
    draft.channel = plan.channel
    draft.tier = customer.tier
    draft.customer_value = customer.value
    draft.is_new_customer = customer.is_new
    draft.attempt = c.attempt
    draft.arrived_at = c.arrived_at
    draft.answered_at = c.answered_at
    draft.abandoned_at = c.abandoned_at
    draft.deflected = c.deflected
    draft.completed_at = c.completed_at
    draft.handle_time = c.handle_time if answered else 0.0
    draft.wrap_up = c.wrap_up if answered else 0.0
    draft.agent_id = agent.id if agent is not None else None
    draft.agent_group = agent.group.name if agent is not None else None
    draft.resolved = c.resolved
    draft.sla_target = plan.sla_target
    draft.due_at = c.due_at
    draft.cost = 0.0 if c.deflected else plan.cost
    draft.__class__ = ContactRecord
    record: ContactRecord = draft
    record.__attrs_post_init__()
    return record


def agent_record(agent: StaffedAgent, replication: int, policy: str) -> AgentRecord:
    group = agent.group
    staffed = sum(end - start for start, end in agent.on_duty)
    return AgentRecord(
        replication=replication,
        policy=policy,
        agent_id=agent.id,
        group=group.name,
        staffed_time=staffed,
        busy_time=agent.busy_time,
        handled=agent.handled,
        cost=group.cost_per_hour * staffed / 3600.0,
    )
