"""The SimPy contact-centre model: arrivals, customers, agents and shifts around the
*same* :class:`routing.Router` that platforms embed.

One SimPy ``Environment`` drives one ``Router``. Every router call passes ``env.now``;
every ``Offered`` event is accepted at once (the simulated agent picks up) and starts
handling. Relaxation steps and deadlines fire because the model wakes the router at
``router.next_timer_at()``.

Common random numbers: every contact type has its own arrival stream and its own
attribute stream (customer, deflection, patience, handle time, wrap-up, resolution
draw), seeded from ``(seed, replication, component)``; all of a contact's draws are
made when it arrives, in a fixed order. Two policies run with the same seed and
replication therefore see identical first contacts with identical patience and base
handle times; only what routing changes (who answers, when, whether it resolves,
hence repeats) differs. Repeat contacts draw from a per-replication repeat stream; a
repeat that would come back while no agent able to take it is on shift calls again
at the next opening.

Events are SimPy timeouts with callbacks rather than one generator per customer:
the model schedules at most three timeouts per contact (arrival, abandonment, end of
handling), which keeps it fast enough for a 500-agent day in seconds. What every
contact of a type shares (its routing ``Requirement``, channel units and cost, and the
handle-time factor and resolution chances per agent group) is worked out once per run
(``_TypePlan``, ``_AgentState.terms``), not per contact.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from array import array
from collections.abc import Callable
from functools import partial
from typing import Any

import attrs
import simpy

from routing import (
    Agent,
    AgentState,
    Customer,
    Event,
    Offered,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    Task,
)
from routing.model import slot_setters
from simulations.records import AgentRecord, ContactRecord, QueueSample, ReplicationResult
from simulations.scenario import AgentGroup, ContactType, Scenario

DRAIN = 4 * 3600.0
"""Seconds the model runs past the horizon (no new arrivals) so late contacts finish."""


_new = object.__new__
_SET_CUSTOMER = slot_setters(Customer, "id", "value", "tier", "is_new")  # see _CustomerBase


class _RecordDraft:
    """A ``ContactRecord`` under construction: the same slots, but mutable.

    ``ContactCentre._record`` sets every slot with a plain attribute store (about 10 ns
    each) and then assigns ``ContactRecord`` to the draft's ``__class__``, which Python
    allows between classes with the same base and the same slots (for that,
    ``ContactRecord`` has no ``__weakref__`` slot). The result is an ordinary record.
    """

    __slots__ = tuple(field.name for field in attrs.fields(ContactRecord))


def build_policy(scenario: Scenario, name: str) -> Policy:
    """The routing policy called ``name`` in ``scenario``; offers never time out
    because simulated agents answer at once."""
    spec = scenario.policy(name)
    overrides: dict[str, Any] = dict(spec.overrides)
    overrides.setdefault("offer_timeout", None)
    if spec.base == "fifo":
        return Policy.fifo(**overrides)
    return Policy(**overrides)


def stream(seed: int, replication: int, component: str) -> random.Random:
    """An independent random stream for one model component of one replication."""
    return random.Random(f"{seed}/{replication}/{component}")


class _TypePlan:
    """What every contact of one type shares, worked out once per run.

    The routing ``Requirement`` is a frozen value, so one instance serves every task of
    the type; ``groups`` are the agent groups able to take it (``Scenario.groups_for``);
    ``index`` is the type's position in ``Scenario.contact_types`` and picks its entry
    in ``_AgentState.terms``.
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
        self.requirement = Requirement(
            dict(ctype.skills),
            steps=tuple(RelaxStep(step.after, dict(step.skills)) for step in ctype.relax),
        )
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


_Terms = tuple[float, float, float]
"""Per (contact type, agent group): the handle-time factor, the chance to resolve, and
the chance to resolve when the agent also handled the issue's previous contact."""


def _group_terms(scenario: Scenario, group: AgentGroup) -> list[_Terms]:
    """``_Terms`` of ``group`` for every contact type, in ``scenario.contact_types`` order.

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


class _Contact:
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
        plan: _TypePlan,
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
        self.agent: _AgentState | None = None
        self.previous_agent_id: str | None = None
        self.resolved: bool | None = None


class _AgentState:
    __slots__ = ("busy_since", "busy_time", "group", "handled", "held", "id", "on_duty", "terms")

    def __init__(
        self,
        agent_id: str,
        group: AgentGroup,
        on_duty: list[tuple[float, float]],
        terms: list[_Terms],
    ) -> None:
        self.id = agent_id
        self.group = group
        self.on_duty = on_duty  # its shifts inside the measured window
        self.terms = terms  # shared by the group's agents; see _group_terms
        self.held = 0
        self.busy_since = 0.0
        self.busy_time = 0.0
        self.handled = 0


class ContactCentre:
    """One replication of one scenario under one routing policy.

    >>> from simulations.scenario import bundled_scenarios, load_scenario
    >>> scenario = load_scenario(bundled_scenarios()["mmc"])
    >>> result = ContactCentre(scenario, "default", replication=0).run()
    >>> result.policy, len(result.contacts) > 0
    ('default', True)
    """

    def __init__(
        self,
        scenario: Scenario,
        policy_name: str,
        replication: int,
        *,
        seed: int | None = None,
        sample_every: float | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy_name = policy_name
        self.replication = replication
        self.seed = scenario.simulation.seed if seed is None else seed
        self.env = simpy.Environment()
        self.router = Router(build_policy(scenario, policy_name))
        settings = scenario.simulation
        self.window = (settings.warmup, settings.horizon)
        self.sample_every = sample_every or max(60.0, settings.interval / 6)
        self.contacts: dict[str, _Contact] = {}
        self.agents: dict[str, _AgentState] = {}
        self.samples: list[QueueSample] = []
        self._wake_at = math.inf
        self._serial = 0
        self._repeat_rng = stream(self.seed, replication, "repeats")
        self._customers = _CustomerBase(scenario, stream(self.seed, replication, "customers"))
        self._plans = {
            ctype.name: _TypePlan(i, ctype, scenario)
            for i, ctype in enumerate(scenario.contact_types)
        }

    # -- running -------------------------------------------------------------------

    def run(self) -> ReplicationResult:
        """Simulate the horizon plus the drain and return the records."""
        env = self.env
        horizon = self.scenario.simulation.horizon
        for group in self.scenario.agent_groups:
            self._staff(group)
        for plan in self._plans.values():
            self._arrivals(plan, horizon)
        self._sampler()
        env.run(until=horizon + DRAIN)
        return self._result()

    def _at(self, instant: float, action: Callable[[], None]) -> None:
        """Call ``action`` at simulation time ``instant``."""
        delay = max(0.0, instant - self.env.now)
        self.env.timeout(delay).callbacks.append(lambda _: action())

    def _staff(self, group: AgentGroup) -> None:
        capacity = dict(group.capacity)
        horizon = self.scenario.simulation.horizon
        shifts = [(s.start_at, s.end_at) for s in group.shifts] or [(0.0, horizon + DRAIN)]
        window_start, window_end = self.window
        on_duty = [
            (max(start, window_start), min(end, window_end))
            for start, end in self._shifts(group)
            if min(end, window_end) > max(start, window_start)
        ]
        terms = _group_terms(self.scenario, group)
        for i in range(group.count):
            agent_id = f"{group.name}-{i + 1}"
            self.agents[agent_id] = _AgentState(agent_id, group, on_duty, terms)
            agent = Agent(
                agent_id, skills=group.skills, capacity=capacity, max_units=group.max_units
            )
            for n, (start_at, end_at) in enumerate(sorted(shifts)):
                if n == 0:
                    self._at(start_at, partial(self._add_agent, agent))
                else:
                    self._at(start_at, partial(self._set_state, agent_id, AgentState.AVAILABLE))
                self._at(end_at, partial(self._set_state, agent_id, AgentState.OFFLINE))

    def _shifts(self, group: AgentGroup) -> list[tuple[float, float]]:
        """The group's shifts; no shifts means on duty for the whole horizon (staffed time
        counts the horizon; the agents stay on through the drain to finish late work)."""
        horizon = self.scenario.simulation.horizon
        return sorted((s.start_at, s.end_at) for s in group.shifts) or [(0.0, horizon)]

    def _add_agent(self, agent: Agent) -> None:
        now = self.env.now
        self._dispatch(self.router.add_agent(agent, now), now)

    def _set_state(self, agent_id: str, state: AgentState) -> None:
        now = self.env.now
        self._dispatch(self.router.set_agent_state(agent_id, state, now), now)

    def _arrivals(self, plan: _TypePlan, horizon: float) -> None:
        """Arrivals of one type: each books the next, so one timeout is pending at a time.

        ``at - now`` is the delay ``_at`` would compute (arrival instants never go
        backwards), kept so that instants are the same floats as ``now + delay``. The
        clock does not move during a callback, so ``env.now`` (a property call) is read
        once per arrival and passed down.
        """
        times_rng = stream(self.seed, self.replication, f"arrivals/{plan.name}")
        attrs_rng = stream(self.seed, self.replication, f"contacts/{plan.name}")
        process = self.scenario.arrivals(plan.ctype)
        times = process.arrival_times(times_rng, 0.0, horizon)
        env = self.env

        def arrive(_event: object) -> None:
            now = env.now
            self._first_contact(plan, attrs_rng, now)
            at = next(times, None)
            if at is not None:
                env.timeout(at - now).callbacks.append(arrive)

        first_at = next(times, None)
        if first_at is not None:
            env.timeout(first_at - env.now).callbacks.append(arrive)

    def _sampler(self) -> None:
        channels = list(self.scenario.channels)
        end = self.scenario.simulation.horizon

        def sample() -> None:
            now = self.env.now
            for channel in channels:
                self.samples.append(
                    QueueSample(
                        self.replication,
                        self.policy_name,
                        now,
                        channel,
                        self.router.waiting_count(channel),
                    )
                )
            if now + self.sample_every <= end:
                self._at(now + self.sample_every, sample)

        self._at(0.0, sample)

    # -- contacts ------------------------------------------------------------------

    def _new_contact(
        self,
        plan: _TypePlan,
        issue_id: str | None,
        attempt: int,
        customer: Customer,
        rng: random.Random,
        allow_deflection: bool,
        now: float,
    ) -> _Contact:
        """A contact arriving ``now``, its attributes drawn from ``rng`` (see ``_Contact``)."""
        self._serial += 1
        contact_id = f"c{self._serial}"
        issue_id = issue_id or f"i{self._serial}"
        contact = _Contact(
            contact_id, plan, issue_id, attempt, now, customer, rng, allow_deflection
        )
        self.contacts[contact_id] = contact
        return contact

    def _first_contact(self, plan: _TypePlan, rng: random.Random, now: float) -> None:
        customer = self._customers.pick(plan.new_share, rng)
        contact = self._new_contact(plan, None, 1, customer, rng, True, now)
        if not contact.deflected:
            self._submit(contact, (), 0.0, now)

    def _repeat(self, previous: _Contact) -> None:
        """An unresolved issue comes back, maybe on another channel, with context."""
        spec = previous.plan.ctype.repeat
        if spec is None:
            return
        rng = self._repeat_rng
        if rng.random() >= spec.probability:
            return
        delay = spec.delay.sample(rng)
        names = list(spec.contact_types)
        name = rng.choices(names, weights=[spec.contact_types[n] for n in names])[0]
        plan = self._plans[name]
        last_agent = previous.agent.id if previous.agent is not None else None

        def come_back() -> None:
            attempt = previous.attempt + 1
            now = self.env.now
            contact = self._new_contact(
                plan, previous.issue_id, attempt, previous.customer, rng, False, now
            )
            contact.previous_agent_id = last_agent
            preferred = (last_agent,) if last_agent and spec.preferred_window > 0 else ()
            self._submit(contact, preferred, spec.preferred_window, now)

        at = self._next_opening(plan.ctype, self.env.now + delay)
        if at is not None:
            self._at(at, come_back)

    def _next_opening(self, ctype: ContactType, t: float) -> float | None:
        """The first instant from ``t`` on when an agent group that can take ``ctype`` is
        on shift, or ``None`` if there is none before the horizon.

        A customer whose issue comes back while the centre is closed calls again at
        the next opening; one that would come back after the last opening of the run
        falls on another day and is not simulated (its issue already counts as not
        resolved at first contact).
        """
        horizon = self.scenario.simulation.horizon
        later: list[float] = []
        for group in self._plans[ctype.name].groups:
            if not group.shifts or group.on_duty_at(t):
                return t
            later += [shift.start_at for shift in group.shifts if shift.start_at > t]
        opening = min(later, default=None)
        return opening if opening is not None and opening < horizon else None

    def _submit(
        self, contact: _Contact, preferred: tuple[str, ...], window: float, now: float
    ) -> None:
        plan = contact.plan
        task = Task(
            contact.id,
            plan.channel,
            plan.requirement,
            contact.customer,
            priority=plan.priority,
            sla_target=plan.sla_target,
            due_at=contact.due_at,
            units=plan.units,
            preferred_agents=preferred,
            preferred_window=window if preferred else 0.0,
        )
        self._dispatch(self.router.submit(task, now), now)
        if contact.answered_at is None and contact.patience is not None:
            delay = now + contact.patience - now  # the instant's float, as ``_at`` had it
            self.env.timeout(delay).callbacks.append(partial(self._abandon, contact))

    def _abandon(self, contact: _Contact, _event: object = None) -> None:
        if contact.answered_at is not None:
            return
        now = self.env.now
        contact.abandoned_at = now
        self._dispatch(self.router.cancel(contact.id, now), now)
        self._repeat(contact)

    # -- agents --------------------------------------------------------------------

    def _dispatch(self, events: list[Event], now: float) -> None:
        """Accept every offer at once and start handling; re-arm the router wake-up.

        ``now`` is ``env.now``, which the caller has read already.
        """
        for event in events:
            if isinstance(event, Offered):
                offer = event.offer
                self._start(offer.id, offer.task_id, offer.agent_id, now)
        at = self.router.next_timer_at()
        if at is not None and at < self._wake_at:
            self._wake_at = at
            self._at(at, lambda: self._wake(at))

    def _wake(self, at: float) -> None:
        if self._wake_at != at:
            return
        self._wake_at = math.inf
        now = self.env.now
        self._dispatch(self.router.advance(now), now)

    def _start(self, offer_id: int, contact_id: str, agent_id: str, now: float) -> None:
        self.router.accept(offer_id, now)
        contact = self.contacts[contact_id]
        agent = self.agents[agent_id]
        contact.answered_at = now
        contact.agent = agent
        if agent.held == 0:
            agent.busy_since = now
        agent.held += 1
        factor = agent.terms[contact.plan.index][0]
        contact.handle_time = contact.handle_base * factor
        delay = now + contact.handle_time + contact.wrap_up - now  # as ``_at`` had it
        self.env.timeout(delay).callbacks.append(partial(self._finish, contact, agent))

    def _finish(self, contact: _Contact, agent: _AgentState, _event: object = None) -> None:
        now = self.env.now
        _, p_resolve, p_same_agent = agent.terms[contact.plan.index]
        p = p_same_agent if contact.previous_agent_id == agent.id else p_resolve
        contact.resolved = contact.resolve_draw < p
        contact.completed_at = now
        agent.held -= 1
        if self.window[0] <= now < self.window[1]:
            agent.handled += 1  # AgentRecord.handled: completed inside the window
        if agent.held == 0:
            agent.busy_time += _busy(agent, now)
        self._dispatch(self.router.complete(contact.id, now, contact.resolved), now)
        if not contact.resolved:
            self._repeat(contact)

    # -- results -------------------------------------------------------------------

    def _result(self) -> ReplicationResult:
        end = self.env.now
        for agent in self.agents.values():
            if agent.held:
                agent.busy_time += _busy(agent, end)
        contacts = tuple(map(self._record, self.contacts.values()))
        agents = tuple(self._agent_record(a) for a in self.agents.values())
        return ReplicationResult(
            replication=self.replication,
            policy=self.policy_name,
            contacts=contacts,
            agents=agents,
            samples=tuple(self.samples),
            window=self.window,
        )

    def _record(self, c: _Contact) -> ContactRecord:
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
        draft.replication = self.replication
        draft.policy = self.policy_name
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

    def _agent_record(self, agent: _AgentState) -> AgentRecord:
        group = agent.group
        staffed = sum(end - start for start, end in agent.on_duty)
        return AgentRecord(
            replication=self.replication,
            policy=self.policy_name,
            agent_id=agent.id,
            group=group.name,
            staffed_time=staffed,
            busy_time=agent.busy_time,
            handled=agent.handled,
            cost=group.cost_per_hour * staffed / 3600.0,
        )


class _CustomerBase:
    """The customer population: tier, value and onboarding flag per customer.

    Every customer's tier and onboarding flag are drawn up front, in customer order,
    from the customers stream (the tier's uniform, then the flag's), because which pool
    a customer is in decides who a first contact reaches. Its ``Customer`` value is
    only built when it first contacts the centre, from the tier uniform kept until
    then: a day reaches a fraction of a large population, and building values is most
    of the cost.
    """

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        spec = scenario.customers
        self.tiers = spec.tiers
        for tier in self.tiers:  # Customer's checks, once per tier: see _build
            Customer(f"tier {tier.name!r}", value=tier.value, tier=tier.name)
        # The draw ``rng.choices(tiers, weights=shares)`` makes, kept to be made later.
        self._cum_shares = list(itertools.accumulate(t.share for t in self.tiers))
        self._total_share = self._cum_shares[-1] + 0.0
        self._tier_draws = array("d")
        self.new: list[int] = []
        self.established: list[int] = []
        draw = rng.random
        tier_draws = self._tier_draws.append
        new, established = self.new.append, self.established.append
        for i in range(spec.population):
            tier_draws(draw())
            (new if draw() < spec.new_share else established)(i)
        self._built: dict[int, Customer] = {}

    def pick(self, new_share: float, rng: random.Random) -> Customer:
        """A customer for a first contact of a type whose ``new_share`` is given.

        Runtime complexity: O(1) once the customer has been built, O(log tiers) the
        first time.
        """
        want_new = rng.random() < new_share
        pool = self.new if (want_new and self.new) or not self.established else self.established
        i = pool[int(rng.random() * len(pool))]
        customer = self._built.get(i)
        if customer is None:
            customer = self._build(i, is_new=pool is self.new)
        return customer

    def _build(self, i: int, *, is_new: bool) -> Customer:
        """Customer ``i``, whose onboarding flag is the pool it was drawn into.

        Its slots are set directly (0.3 instead of 1.1 us per customer): the only check
        ``Customer.__init__`` makes is on the tier's value, which ``__init__`` here made
        once per tier.
        """
        u = self._tier_draws[i] * self._total_share
        tier = self.tiers[bisect.bisect(self._cum_shares, u, 0, len(self.tiers) - 1)]
        set_id, set_value, set_tier, set_is_new = _SET_CUSTOMER
        customer: Customer = _new(Customer)
        set_id(customer, f"k{i + 1}")
        set_value(customer, tier.value)
        set_tier(customer, tier.name)
        set_is_new(customer, is_new)
        self._built[i] = customer
        return customer


def _busy(agent: _AgentState, until: float) -> float:
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


def run_replication(
    scenario: Scenario, policy_name: str, replication: int, *, seed: int | None = None
) -> ReplicationResult:
    """Run one replication of ``scenario`` under the named policy."""
    return ContactCentre(scenario, policy_name, replication, seed=seed).run()
