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
(``TypePlan``, ``StaffedAgent.terms``), not per contact.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import partial
from typing import Any

import simpy

from routing import (
    Agent,
    AgentState,
    Customer,
    Event,
    Offered,
    Policy,
    Router,
    Task,
    WaitEstimate,
)
from simulations.centre.contacts import (
    Contact,
    StaffedAgent,
    TypePlan,
    agent_record,
    busy_within_shifts,
    contact_record,
    group_terms,
)
from simulations.centre.customers import CustomerBase
from simulations.records import QueueSample, ReplicationResult
from simulations.scenario import AgentGroup, ContactType, Scenario


def build_policy(scenario: Scenario, name: str) -> Policy:
    """The routing policy called ``name`` in ``scenario``; offers never time out
    because simulated agents answer at once. Each agent group with an ``ordering`` is
    one of its routing profiles, named after the group."""
    spec = scenario.policy(name)
    overrides: dict[str, Any] = dict(spec.overrides)
    overrides.setdefault("offer_timeout", None)
    profiles = {g.name: g.ordering for g in scenario.agent_groups if g.ordering is not None}
    if profiles:
        overrides["routing_profiles"] = profiles
    if spec.base == "fifo":
        return Policy.fifo(**overrides)
    return Policy(**overrides)


def stream(seed: int, replication: int, component: str) -> random.Random:
    """An independent random stream for one model component of one replication."""
    return random.Random(f"{seed}/{replication}/{component}")


class ContactCentre:
    """One replication of one scenario under one routing policy.

    Every ``sample_every`` seconds (default: a sixth of the reporting interval, at
    least 60 s) each channel's wallboard is sampled into ``samples``. With
    ``estimate_waits`` the router's ``estimate_wait`` of each contact at its arrival
    is kept in ``estimates`` (by contact id; it changes no record). ``router`` makes
    the router from the policy: a ``Router`` by default, or, say, a
    ``routing.durable.DurableRouter`` on a journal (slow: the records come out the
    same).

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
        estimate_waits: bool = False,
        router: Callable[[Policy], Router] = Router,
    ) -> None:
        self.scenario = scenario
        self.policy_name = policy_name
        self.replication = replication
        self.seed = scenario.simulation.seed if seed is None else seed
        self.env = simpy.Environment()
        self.router = router(build_policy(scenario, policy_name))
        settings = scenario.simulation
        self.window = settings.window
        self.sample_every = sample_every or max(60.0, settings.interval / 6)
        self.contacts: dict[str, Contact] = {}
        self.agents: dict[str, StaffedAgent] = {}
        self.samples: list[QueueSample] = []
        self.estimate_waits = estimate_waits
        self.estimates: dict[str, WaitEstimate] = {}  # contact id -> at its arrival
        self._wake_at = math.inf
        self._serial = 0
        self._repeat_rng = stream(self.seed, replication, "repeats")
        self._customers = CustomerBase(scenario, stream(self.seed, replication, "customers"))
        self._plans = {
            ctype.name: TypePlan(i, ctype, scenario)
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
        env.run(until=self.scenario.simulation.ends_at)
        return self._result()

    def _at(self, instant: float, action: Callable[[], None]) -> None:
        """Call ``action`` at simulation time ``instant``."""
        delay = max(0.0, instant - self.env.now)
        self.env.timeout(delay).callbacks.append(lambda _: action())

    def _staff(self, group: AgentGroup) -> None:
        capacity = dict(group.capacity)
        ends_at = self.scenario.simulation.ends_at
        shifts = [(s.start_at, s.end_at) for s in group.shifts] or [(0.0, ends_at)]
        window_start, window_end = self.window
        on_duty = [
            (max(start, window_start), min(end, window_end))
            for start, end in self._shifts(group)
            if min(end, window_end) > max(start, window_start)
        ]
        terms = group_terms(self.scenario, group)
        for i in range(group.count):
            agent_id = f"{group.name}-{i + 1}"
            self.agents[agent_id] = StaffedAgent(agent_id, group, on_duty, terms)
            agent = Agent(
                agent_id,
                skills=group.skills,
                capacity=capacity,
                max_units=group.max_units,
                routing_profile=None if group.ordering is None else group.name,
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

    def _arrivals(self, plan: TypePlan, horizon: float) -> None:
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

        router = self.router
        period = min(self.sample_every, router.policy.stats_horizon)

        def sample() -> None:
            now = self.env.now
            for channel in channels:
                queue = router.queue_stats(now, channel)
                service = router.service_stats(now, period, channel)
                self.samples.append(
                    QueueSample(
                        self.replication,
                        self.policy_name,
                        now,
                        channel,
                        queue.waiting,
                        queue.oldest_wait,
                        queue.offered,
                        queue.agents_free,
                        queue.agents_busy,
                        queue.agents_away,
                        service.service_level,
                        service.asa,
                        service.abandonment,
                    )
                )
            if now + self.sample_every <= end:
                self._at(now + self.sample_every, sample)

        self._at(0.0, sample)

    # -- contacts ------------------------------------------------------------------

    def _new_contact(
        self,
        plan: TypePlan,
        issue_id: str | None,
        attempt: int,
        customer: Customer,
        rng: random.Random,
        allow_deflection: bool,
        now: float,
    ) -> Contact:
        """A contact arriving ``now``, its attributes drawn from ``rng`` (see ``Contact``)."""
        self._serial += 1
        contact_id = f"c{self._serial}"
        issue_id = issue_id or f"i{self._serial}"
        contact = Contact(contact_id, plan, issue_id, attempt, now, customer, rng, allow_deflection)
        self.contacts[contact_id] = contact
        return contact

    def _first_contact(self, plan: TypePlan, rng: random.Random, now: float) -> None:
        customer = self._customers.pick(plan.new_share, rng)
        contact = self._new_contact(plan, None, 1, customer, rng, True, now)
        if not contact.deflected:
            self._submit(contact, (), 0.0, now)

    def _repeat(self, previous: Contact) -> None:
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
        self, contact: Contact, preferred: tuple[str, ...], window: float, now: float
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
        if self.estimate_waits:
            self.estimates[contact.id] = self.router.estimate_wait(task, now)
        self._dispatch(self.router.submit(task, now), now)
        if contact.answered_at is None and contact.patience is not None:
            delay = now + contact.patience - now  # the instant's float, as ``_at`` had it
            self.env.timeout(delay).callbacks.append(partial(self._abandon, contact))

    def _abandon(self, contact: Contact, _event: object = None) -> None:
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

    def _finish(self, contact: Contact, agent: StaffedAgent, _event: object = None) -> None:
        now = self.env.now
        _, p_resolve, p_same_agent = agent.terms[contact.plan.index]
        p = p_same_agent if contact.previous_agent_id == agent.id else p_resolve
        contact.resolved = contact.resolve_draw < p
        contact.completed_at = now
        agent.held -= 1
        if self.window[0] <= now < self.window[1]:
            agent.handled += 1  # AgentRecord.handled: completed inside the window
        if agent.held == 0:
            agent.busy_time += busy_within_shifts(agent, now)
        self._dispatch(self.router.complete(contact.id, now, contact.resolved), now)
        if not contact.resolved:
            self._repeat(contact)

    # -- results -------------------------------------------------------------------

    def _result(self) -> ReplicationResult:
        end = self.env.now
        for agent in self.agents.values():
            if agent.held:
                agent.busy_time += busy_within_shifts(agent, end)
        replication, policy = self.replication, self.policy_name
        contacts = tuple(contact_record(c, replication, policy) for c in self.contacts.values())
        agents = tuple(agent_record(a, replication, policy) for a in self.agents.values())
        return ReplicationResult(
            replication=self.replication,
            policy=self.policy_name,
            contacts=contacts,
            agents=agents,
            samples=tuple(self.samples),
            window=self.window,
            ended_at=self.scenario.simulation.ends_at,
        )


def run_replication(
    scenario: Scenario, policy_name: str, replication: int, *, seed: int | None = None
) -> ReplicationResult:
    """Run one replication of ``scenario`` under the named policy."""
    return ContactCentre(scenario, policy_name, replication, seed=seed).run()
