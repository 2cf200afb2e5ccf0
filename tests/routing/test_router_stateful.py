"""Stateful test: the router and the brute-force oracle, driven by the same operations.

A Hypothesis ``RuleBasedStateMachine`` submits, offers, accepts, declines, completes,
cancels, adds and removes agents, changes their states and moves the clock (often by
nothing, sometimes exactly onto or just before the next timer, sometimes far past
every deadline, relaxation step and offer timeout), and also tries bad operations.
After every step it requires that:

* ``router.check()`` passes (every internal invariant, O(n));
* the router's events equal the oracle's, offer ids and score terms included, and a
  rejected call raises the same error class from both and changes nothing;
* every view (waiting tasks, agent states, agents' tasks, task states, next timer,
  customer context) equals the oracle's;
* no task is lost or duplicated: submitted = queued + offered + assigned + completed
  + cancelled, and each active task is in exactly one place;
* no agent is over capacity on any channel or over its unit cap;
* no task is offered to an agent that does not meet its skills;
* the router is work-conserving: no waiting task is eligible for an available agent
  with free capacity (within a preferred window, for a preferred agent).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from routing import (
    Agent,
    AgentState,
    Cancelled,
    Completed,
    Customer,
    Expired,
    Offered,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    RoutingError,
    Submitted,
    Task,
    TaskState,
    WrapUpEnded,
)
from routing import agents as agents_module
from routing import stats as stats_module
from routing import task_queue as queue_module
from routing import timers as timers_module
from routing.model import MAX_INSTANT
from tests.oracle import OracleRouter, offers_in
from tests.routing.mirror import Mirror
from tests.strategies import (
    AGENT_IDS,
    CHANNELS,
    CUSTOMERS,
    ROUTING_PROFILE_NAMES,
    TASK_IDS,
    agents,
    half_integers,
    policies,
    policies_with_routing_profiles,
    requirements,
    tasks,
    time_steps,
)

np = pytest.importorskip("numpy", reason="numpy (a dependency of matplotlib) is not installed")

pytestmark = pytest.mark.filterwarnings("error")

AGENTS = agents()
ORDERED_AGENTS = agents(
    routing_profiles=st.sampled_from([None, *ROUTING_PROFILE_NAMES, *ROUTING_PROFILE_NAMES])
)

BAD_OPERATIONS = (
    "time backwards",
    "non-finite now",
    "now beyond MAX_INSTANT",
    "created_at in the future",
    "state not an AgentState",
    "accept expired offer",
    "id not a string",
    "offer id not an int",
    "resolved not a bool",
    "not a task",
    "now not a number",
)
STATS_PROBES = (
    Task("probe", "voice"),
    Task("probe", "chat", Requirement({"billing": 2}), priority=2.0, sla_target=5.0),
    Task("probe", "voice", units=3, preferred_agents=("a0", "a1"), preferred_window=5.0),
    Task("probe", "voice", preferred_agents=("nobody",), preferred_window=5.0),
)
"""Tasks whose expected wait the machine asks for at every step (never submitted)."""


def same(a: Any, b: Any) -> bool:
    """Whether two statistics records agree, floats to rounding (the router sums by
    differences of running totals, the oracle directly)."""
    for left, right in zip(attrs.astuple(a), attrs.astuple(b), strict=True):
        if isinstance(left, float) and isinstance(right, float):
            if not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-6):
                return False
        elif left != right:
            return False
    return True


WRAP_UPS = st.sampled_from([None, None, None, 0.0, 2.0, 5.0, math.inf])
BAD_IDS: tuple[Any, ...] = (5, "", None, b"t0", ("t0",), ["t0"])
BAD_OFFER_IDS: tuple[Any, ...] = ("1", True, 1.0, None, [1])


def router_view(router: Router, task_ids: list[str]) -> dict[str, Any]:
    """Everything the router exposes, in comparable form."""
    by_state = router.agents_by_state()
    agent_ids = sorted(a for ids in by_state.values() for a in ids)
    states = {}
    for task_id in task_ids:
        try:
            states[task_id] = router.task_state(task_id)
        except KeyError:
            states[task_id] = None
    return {
        "now": router.now,
        "waiting": [t.id for t in router.waiting_tasks()],
        "waiting_count": router.waiting_count(),
        "agents": by_state,
        "agent_tasks": {a: router.agent_tasks(a) for a in agent_ids},
        "task_states": states,
        "next_timer_at": router.next_timer_at(),
        "customers": {c.id: router.customer_context(c.id) for c in CUSTOMERS},
        "unroutable": router.unroutable_tasks(),
        "reservations": router.reservations(),
        "statuses": router.agent_statuses(),
    }


def oracle_view(oracle: OracleRouter, task_ids: list[str]) -> dict[str, Any]:
    """The same views, computed from the oracle's plain dicts."""
    by_state: dict[AgentState, list[str]] = {state: [] for state in AgentState}
    for agent_id, ag in oracle.agents.items():
        by_state[ag.state].append(agent_id)
    for ids in by_state.values():
        ids.sort()
    waiting = sorted(oracle.waiting(), key=lambda t: (t.arrived_at, t.seq))
    return {
        "now": oracle.now,
        "waiting": [t.task.id for t in waiting],
        "waiting_count": len(waiting),
        "agents": by_state,
        "agent_tasks": {
            a: sorted(t.task.id for t in oracle.holds(a)) for a in sorted(oracle.agents)
        },
        "task_states": {
            task_id: oracle.tasks[task_id].state if task_id in oracle.tasks else None
            for task_id in task_ids
        },
        "next_timer_at": oracle.next_timer_at(),
        "customers": {c.id: oracle.customer_context(c.id) for c in CUSTOMERS},
        "unroutable": oracle.unroutable_tasks(),
        "reservations": oracle.reservations(),
        "statuses": [oracle.agent_status(a) for a in sorted(oracle.agents)],
    }


def note(label: str) -> None:
    """Count ``label`` in Hypothesis's statistics, when running under Hypothesis."""
    if currently_in_test_context():
        event(label)


def call_both(
    router: Router, oracle: OracleRouter, method: str, *args: Any, **kwargs: Any
) -> list[Any] | None:
    """Call ``method`` on the router and the oracle with the same arguments.

    Returns the events, after requiring they are equal (offer ids, score terms and
    all); or ``None`` when the call was rejected, after requiring that both raised the
    same error class and that the router's observable state did not change.
    """
    before = router_view(router, list(TASK_IDS))
    oracle_error: RoutingError | None = None
    router_error: RoutingError | None = None
    expected: list[Any] = []
    try:
        expected = getattr(oracle, method)(*args, **kwargs)
    except RoutingError as error:
        oracle_error = error
    try:
        events = getattr(router, method)(*args, **kwargs)
    except RoutingError as error:
        router_error = error
    if oracle_error is not None or router_error is not None:
        assert type(router_error) is type(oracle_error), (
            f"{method}{args}: router raised {router_error!r}, oracle {oracle_error!r}"
        )
        router.check()
        assert router_view(router, list(TASK_IDS)) == before
        note(f"{method} rejected: {type(router_error).__name__}")
        return None
    assert events == expected, f"{method}{args}"
    times = [e.offer.made_at if isinstance(e, Offered) else e.at for e in events]
    assert times == sorted(times), f"{method}{args}: events out of time order: {events}"
    note(f"{method} ok")
    for kind in sorted({type(e).__name__ for e in events}):
        note(f"event {kind}")
    return list(events)


class RouterVersusOracle(RuleBasedStateMachine):
    """Drive ``Router`` and ``OracleRouter`` in lock-step and compare everything."""

    stats_horizon: float | None = None
    """If set, the policy's ``stats_horizon`` at most this (so records age out)."""

    def __init__(self) -> None:
        super().__init__()
        self.router = Router()
        self.oracle = OracleRouter()
        self.mirror = Mirror()
        self.submitted = 0
        self.finished: Counter[TaskState] = Counter()

    # -- helpers -------------------------------------------------------------------

    def new_router(self, policy: Policy) -> Router:
        """The router under test (a subclass may give one that behaves like it)."""
        return Router(policy)

    @property
    def now(self) -> float:
        return self.router.now

    def both(self, method: str, *args: Any, **kwargs: Any) -> list[Any] | None:
        """Call ``method`` on both; require equal events, or the same error and no change."""
        events = call_both(self.router, self.oracle, method, *args, **kwargs)
        if events is not None:
            self.mirror.apply(events)
            for e in events:
                if isinstance(e, Submitted):
                    self.submitted += 1
                elif isinstance(e, WrapUpEnded) or (
                    isinstance(e, Completed) and e.wrap_up_until is None
                ):
                    self.finished[TaskState.COMPLETED] += 1
                elif isinstance(e, Cancelled):
                    self.finished[TaskState.CANCELLED] += 1
                elif isinstance(e, Expired):
                    self.finished[TaskState.EXPIRED] += 1
        return events

    # -- choosing ids: mostly ones that exist, sometimes any ----------------------------

    def _agent_id(self, data: st.DataObject) -> str:
        present = sorted(self.oracle.agents)
        if present and data.draw(st.integers(0, 4), label="present agent") > 0:
            return data.draw(st.sampled_from(present), label="agent id")
        return data.draw(st.sampled_from(AGENT_IDS), label="any agent id")

    def _task(self, data: st.DataObject, now: float) -> Task:
        """A task to submit at ``now``; its id is usually free, sometimes a duplicate."""
        task = data.draw(tasks(now=now))
        free = [i for i in TASK_IDS if i not in self.oracle.tasks]
        if free and data.draw(st.integers(0, 5), label="fresh id") > 0:
            task = attrs.evolve(task, id=data.draw(st.sampled_from(free), label="free id"))
        return task

    def _offer_id(self, data: st.DataObject) -> int:
        open_ids = sorted(self.oracle.offers)
        if open_ids and data.draw(st.integers(0, 4), label="open offer") > 0:
            return data.draw(st.sampled_from(open_ids), label="offer id")
        return data.draw(st.integers(0, self.oracle._offer_seq + 1), label="any offer id")

    def _task_id(self, data: st.DataObject, state: TaskState) -> str:
        matching = sorted(i for i, t in self.oracle.tasks.items() if t.state is state)
        if matching and data.draw(st.integers(0, 4), label="task in state") > 0:
            return data.draw(st.sampled_from(matching), label="task id")
        return data.draw(st.sampled_from(TASK_IDS), label="any task id")

    # -- set-up --------------------------------------------------------------------

    @initialize(
        policy=policies(),
        start=half_integers(0, 50),
        staff=st.lists(AGENTS, min_size=1, max_size=4, unique_by=lambda agent: agent.id),
        backlog=st.integers(0, 4),
        data=st.data(),
    )
    def start(
        self, policy: Policy, start: float, staff: list[Agent], backlog: int, data: st.DataObject
    ) -> None:
        """A policy, a start time, some agents and some tasks already waiting."""
        if self.stats_horizon is not None and policy.stats_horizon > self.stats_horizon:
            policy = attrs.evolve(policy, stats_horizon=self.stats_horizon)
        self.router = self.new_router(policy)
        self.oracle = OracleRouter(policy)
        self.mirror = Mirror()
        self.both("advance", start)
        for agent in staff:
            self.both("add_agent", agent, start)
        for _ in range(backlog):
            self.both("submit", self._task(data, start), start)

    # -- agents ----------------------------------------------------------------------

    @rule(data=st.data(), dt=time_steps)
    def add_agent(self, data: st.DataObject, dt: float) -> None:
        self.both("add_agent", data.draw(AGENTS), self.now + dt)

    @rule(data=st.data(), dt=time_steps)
    def remove_agent(self, data: st.DataObject, dt: float) -> None:
        self.both("remove_agent", self._agent_id(data), self.now + dt)

    @rule(
        data=st.data(),
        state=st.sampled_from(AgentState),
        reason=st.sampled_from([None, None, "break", "training"]),
        dt=time_steps,
    )
    def set_agent_state(
        self, data: st.DataObject, state: AgentState, reason: str | None, dt: float
    ) -> None:
        self.both("set_agent_state", self._agent_id(data), state, self.now + dt, reason)

    @rule(data=st.data(), dt=time_steps)
    def update_agent(self, data: st.DataObject, dt: float) -> None:
        """A live profile change: skills, capacity and unit cap, even while busy."""
        agent = attrs.evolve(data.draw(AGENTS), id=self._agent_id(data))
        self.both("update_agent", agent, self.now + dt)

    # -- tasks -----------------------------------------------------------------------

    @rule(data=st.data(), dt=time_steps)
    def submit(self, data: st.DataObject, dt: float) -> None:
        now = self.now + dt
        self.both("submit", self._task(data, now), now)

    @rule(data=st.data(), dt=time_steps, count=st.integers(2, 4))
    def submit_burst(self, data: st.DataObject, dt: float, count: int) -> None:
        now = self.now + dt
        for _ in range(count):
            self.both("submit", self._task(data, now), now)

    @precondition(lambda self: any(self.oracle.open_issues.values()))
    @rule(data=st.data(), dt=time_steps)
    def follow_up(self, data: st.DataObject, dt: float) -> None:
        """A customer with an unresolved issue comes back (the customer-context path)."""
        now = self.now + dt
        returning = sorted(c for c, issues in self.oracle.open_issues.items() if issues)
        customer_id = data.draw(st.sampled_from(returning), label="returning customer")
        customer = next(c for c in CUSTOMERS if c.id == customer_id)
        task = attrs.evolve(self._task(data, now), customer=customer, preferred_agents=())
        self.both("submit", task, now)

    @rule(data=st.data(), dt=time_steps)
    def accept(self, data: st.DataObject, dt: float) -> None:
        self.both("accept", self._offer_id(data), self.now + dt)

    @precondition(lambda self: bool(self.oracle.offers))
    @rule(dt=st.sampled_from([0.0, 0.5, 1.0]))
    def accept_every_open_offer(self, dt: float) -> None:
        now = self.now + dt
        for offer_id in sorted(self.oracle.offers):
            self.both("accept", offer_id, now)

    @precondition(
        lambda self: any(t.state is TaskState.ASSIGNED for t in self.oracle.tasks.values())
    )
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 5.0]))
    def complete_every_assigned_task(self, data: st.DataObject, dt: float) -> None:
        now = self.now + dt
        for task_id in sorted(self.oracle.tasks):
            if self.oracle.tasks.get(task_id) and (
                self.oracle.tasks[task_id].state is TaskState.ASSIGNED
            ):
                resolved = data.draw(st.booleans(), label=f"{task_id} resolved")
                self.both("complete", task_id, now, resolved=resolved)

    @rule(data=st.data(), dt=time_steps)
    def decline(self, data: st.DataObject, dt: float) -> None:
        self.both("decline", self._offer_id(data), self.now + dt)

    @rule(data=st.data(), resolved=st.booleans(), dt=time_steps, wrap_up=WRAP_UPS)
    def complete(self, data: st.DataObject, resolved: bool, dt: float, wrap_up: Any) -> None:
        task_id = self._task_id(data, TaskState.ASSIGNED)
        self.both("complete", task_id, self.now + dt, resolved=resolved, wrap_up=wrap_up)

    @rule(data=st.data(), dt=time_steps)
    def end_wrap_up(self, data: st.DataObject, dt: float) -> None:
        self.both("end_wrap_up", self._task_id(data, TaskState.WRAP_UP), self.now + dt)

    @rule(
        data=st.data(),
        dt=time_steps,
        warm=st.booleans(),
        window=st.sampled_from([5.0, 30.0]),
        relax=st.booleans(),
    )
    def transfer(
        self, data: st.DataObject, dt: float, warm: bool, window: float, relax: bool
    ) -> None:
        """Cold or warm, to the queue or to a named agent, sometimes with a new
        requirement."""
        task_id = self._task_id(data, TaskState.ASSIGNED)
        to_agent = data.draw(st.none() | st.just(self._agent_id(data)), label="to agent")
        requirement = data.draw(requirements, label="requirement") if relax else None
        self.both(
            "transfer",
            task_id,
            self.now + dt,
            to_agent,
            requirement=requirement,
            warm=warm,
            window=window,
        )

    @rule(data=st.data(), dt=time_steps)
    def update_task(self, data: st.DataObject, dt: float) -> None:
        """A scheduled or waiting task changed in place (priority, requirement, SLA,
        ttl, channel, units, not_before: all drawn anew; id, customer and preferred
        agents kept, mostly)."""
        now = self.now + dt
        state = data.draw(st.sampled_from([TaskState.QUEUED, TaskState.SCHEDULED]))
        task_id = self._task_id(data, state)
        drawn = data.draw(tasks(now=now), label="new fields")
        old = self.oracle.tasks.get(task_id)
        if old is not None and data.draw(st.integers(0, 5), label="keep identity") > 0:
            drawn = attrs.evolve(
                drawn,
                customer=old.task.customer,
                preferred_agents=old.task.preferred_agents,
                preferred_window=old.task.preferred_window,
                created_at=data.draw(st.sampled_from([None, old.arrived_at])),
            )
        self.both("update_task", attrs.evolve(drawn, id=task_id), now)

    @rule(
        data=st.data(),
        dt=time_steps,
        channel=st.sampled_from(["voice", "chat", "callback"]),
        later=st.sampled_from([None, 0.0, 3.0, 20.0]),
    )
    def convert_to_callback(
        self, data: st.DataObject, dt: float, channel: str, later: float | None
    ) -> None:
        now = self.now + dt
        task_id = self._task_id(data, TaskState.QUEUED)
        not_before = None if later is None else now + later
        self.both("convert_to_callback", task_id, now, channel, not_before)

    @rule(data=st.data(), dt=time_steps)
    def cancel(self, data: st.DataObject, dt: float) -> None:
        state = data.draw(st.sampled_from([TaskState.QUEUED, TaskState.OFFERED]))
        task_id = self._task_id(data, state)
        self.both("cancel", task_id, self.now + dt)

    @rule(customer=st.sampled_from(CUSTOMERS))
    def forget_customer(self, customer: Customer) -> None:
        self.router.forget_customer(customer.id)
        self.oracle.forget_customer(customer.id)

    # -- time ------------------------------------------------------------------------

    @rule(dt=time_steps)
    def advance(self, dt: float) -> None:
        self.both("advance", self.now + dt)

    @rule(dt=time_steps, kind=st.sampled_from(["numpy", "decimal", "fraction"]))
    def advance_with_another_number_type(self, dt: float, kind: str) -> None:
        """Any real number is a ``now``: numpy, Decimal, Fraction (exact for these steps)."""
        now = self.now + dt
        convert: Any = {"numpy": np.float64, "decimal": Decimal, "fraction": Fraction}[kind]
        self.both("advance", convert(now))

    @precondition(lambda self: self.oracle.next_timer_at() is not None)
    @rule(offset=st.sampled_from([-0.5, 0.0, 0.0, 0.5]))
    def advance_to_next_timer(self, offset: float) -> None:
        at = self.oracle.next_timer_at()
        assert at is not None
        self.both("advance", max(self.now, at + offset))

    # -- bad operations ----------------------------------------------------------------

    @rule(data=st.data(), kind=st.sampled_from(BAD_OPERATIONS))
    def bad_operation(self, data: st.DataObject, kind: str) -> None:
        """Calls that must be rejected identically, leaving the router unchanged."""
        now = self.now
        if kind == "time backwards":
            back = data.draw(st.sampled_from([0.5, 1.0, 100.0]))
            method = data.draw(st.sampled_from(["advance", "remove_agent", "submit", "accept"]))
            if method == "advance":
                self.both("advance", now - back)
            elif method == "remove_agent":
                self.both("remove_agent", self._agent_id(data), now - back)
            elif method == "submit":
                self.both("submit", data.draw(tasks(now=now - back)), now - back)
            else:
                self.both("accept", self._offer_id(data), now - back)
        elif kind == "non-finite now":
            bad = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]))
            self.both("advance", bad)
        elif kind == "now beyond MAX_INSTANT":
            bad = data.draw(st.sampled_from([MAX_INSTANT, 1e17, 10**400, Decimal("1e400")]))
            if data.draw(st.booleans(), label="submit"):
                self.both("submit", data.draw(tasks(now=now)), bad)
            else:
                self.both("advance", bad)
        elif kind == "id not a string":
            bad_id = data.draw(st.sampled_from(BAD_IDS), label="bad id")
            method = data.draw(
                st.sampled_from(["remove_agent", "set_agent_state", "complete", "cancel"])
            )
            if method == "set_agent_state":
                self.both(method, bad_id, data.draw(st.sampled_from(AgentState)), now)
            else:
                self.both(method, bad_id, now)
        elif kind == "offer id not an int":
            bad_offer = data.draw(st.sampled_from(BAD_OFFER_IDS), label="bad offer id")
            self.both(data.draw(st.sampled_from(["accept", "decline"])), bad_offer, now)
        elif kind == "resolved not a bool":
            bad_flag = data.draw(st.sampled_from(["no", None, 0, 1]), label="resolved")
            task_id = self._task_id(data, TaskState.ASSIGNED)
            self.both("complete", task_id, now, resolved=bad_flag)
        elif kind == "not a task":
            self.both("submit", data.draw(st.sampled_from(["t0", {"id": "t0"}, None])), now)
        elif kind == "now not a number":
            bad = data.draw(st.sampled_from([np.bool_(True), "now", None, 1j, [now]]))
            method = data.draw(st.sampled_from(["advance", "submit", "cancel"]))
            if method == "advance":
                self.both("advance", bad)
            elif method == "submit":
                self.both("submit", data.draw(tasks(now=now)), bad)
            else:
                self.both("cancel", self._task_id(data, TaskState.QUEUED), bad)
        elif kind == "created_at in the future":
            ahead = data.draw(half_integers(0.5, 10))
            task = attrs.evolve(data.draw(tasks(now=now)), created_at=now + ahead)
            self.both("submit", task, now)
        elif kind == "state not an AgentState":
            self.both("set_agent_state", self._agent_id(data), "away", now)
        elif kind == "accept expired offer":
            expiring = sorted(
                (o.expires_at, o.id) for o in self.oracle.offers.values() if o.expires_at
            )
            if expiring:
                at, offer_id = data.draw(st.sampled_from(expiring))
                method = data.draw(st.sampled_from(["accept", "decline"]))
                self.both(method, offer_id, max(now, at + data.draw(st.sampled_from([0, 1]))))
        else:
            raise AssertionError(kind)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def internal_invariants_hold(self) -> None:
        self.router.check()

    @invariant()
    def views_equal_the_oracles(self) -> None:
        assert router_view(self.router, list(TASK_IDS)) == oracle_view(self.oracle, list(TASK_IDS))

    @invariant()
    def live_statistics_equal_the_oracles(self) -> None:
        """Queue and service statistics and wait estimates, from the router's indexes
        and running totals, equal the oracle's recount of its tasks and history."""
        now = self.router.now
        if now == -math.inf:
            return
        for channel in (None, *CHANNELS):
            for skill in (None, "billing"):
                assert same(
                    self.router.queue_stats(now, channel, skill),
                    self.oracle.queue_stats(now, channel, skill),
                )
            horizon = self.router.policy.stats_horizon
            for window in (1.0, 10.0, 1000.0, horizon):
                if window <= horizon:
                    assert same(
                        self.router.service_stats(now, window, channel),
                        self.oracle.service_stats(now, window, channel),
                    )
        for probe in STATS_PROBES:
            assert same(
                self.router.estimate_wait(probe, now), self.oracle.estimate_wait(probe, now)
            )

    @invariant()
    def events_alone_mirror_every_view(self) -> None:
        """A host that applies only the events sees what the router's views say."""
        mirrored = self.mirror.views(list(TASK_IDS))
        per_channel = mirrored.pop("waiting_per_channel")
        expected = router_view(self.router, list(TASK_IDS))
        assert mirrored == {key: expected[key] for key in mirrored}
        assert per_channel == {c: self.router.waiting_count(c) for c in per_channel}

    @invariant()
    def nothing_lost_or_duplicated(self) -> None:
        states = Counter(t.state for t in self.oracle.tasks.values())
        assert self.submitted == (
            sum(states.values())
            + self.finished[TaskState.COMPLETED]
            + self.finished[TaskState.CANCELLED]
            + self.finished[TaskState.EXPIRED]
        )
        assert self.router.waiting_count() == states[TaskState.QUEUED]
        held = [
            task_id
            for ids in self.router.agents_by_state().values()
            for agent_id in ids
            for task_id in self.router.agent_tasks(agent_id)
            if self.oracle.tasks[task_id].holder_id != agent_id  # held for a warm transfer
        ]
        assert len(held) == len(set(held)), "a task is held by two agents"
        waiting = {t.id for t in self.router.waiting_tasks()}
        assert waiting.isdisjoint(held)
        for task_id in held:
            assert self.router.task_state(task_id) in (
                TaskState.OFFERED,
                TaskState.ASSIGNED,
                TaskState.WRAP_UP,
            )
        for task_id in waiting:
            assert self.router.task_state(task_id) is TaskState.QUEUED
        assert len(waiting) + len(held) + states[TaskState.SCHEDULED] == sum(states.values())

    @invariant()
    def no_agent_over_capacity(self) -> None:
        for agent_id, ag in self.oracle.agents.items():
            held = [self.oracle.tasks[t] for t in self.router.agent_tasks(agent_id)]
            if any(t.task.id in ag.reshaped for t in held):
                continue  # its profile shrank while it held these: they finish
            per_channel = Counter(t.task.channel for t in held)
            capacity = dict(ag.agent.capacity)
            for channel, count in per_channel.items():
                assert count <= capacity.get(channel, 0), (agent_id, channel)
            if ag.agent.max_units is not None and held:
                # over the cap only by work that some held task's channel may interrupt
                interrupts = dict(self.oracle.policy.interrupts)
                assert (
                    min(
                        sum(
                            t.task.units
                            for t in held
                            if t.task.channel not in interrupts.get(h.task.channel, ())
                        )
                        for h in held
                    )
                    <= ag.agent.max_units
                ), agent_id

    @invariant()
    def no_ineligible_assignment(self) -> None:
        for agent_id, ag in self.oracle.agents.items():
            skills = dict(ag.agent.skills)
            for task_id in self.router.agent_tasks(agent_id):
                t = self.oracle.tasks[task_id]
                if task_id in ag.reshaped or t.holder_id == agent_id or t.came_back:
                    continue  # held since its skills changed, handed over warm or back
                required = t.offered_skills
                assert required is not None
                assert all(skills.get(s, 0) >= level for s, level in required), (
                    agent_id,
                    task_id,
                )

    @invariant()
    def reserved_agents_wait_for_units(self) -> None:
        """An agent is held only for a task that does not fit it yet (else it would
        have been offered), that it meets, and that needs no more than its cap."""
        oracle = self.oracle
        for agent_id, task_id in oracle.reservations().items():
            ag, t = oracle.agents[agent_id], oracle.tasks[task_id]
            load = oracle.load(agent_id)
            assert oracle.meets(ag, t) and ag.state is AgentState.AVAILABLE
            assert ag.agent.max_units is not None and t.task.units <= ag.agent.max_units
            assert oracle.free_for(ag, t.task.channel, load) < t.task.units or not (
                oracle.has_slot(ag, t.task.channel, load)
            ), (agent_id, task_id)
            assert len(t.reserved_by) <= oracle.policy.reserve_agents

    @invariant()
    def exclusions_end_within_the_cooldown(self) -> None:
        """With ``work_conserving``, the work-conservation property of cooldowns: no task
        waits un-offered longer than the cooldown while an agent that could take it
        is free, since every exclusion ends within it (and its timer routes the task)."""
        oracle = self.oracle
        for t in oracle.tasks.values():
            for agent_id, until in t.declined_by.items():
                if until == math.inf:  # the holder of a warm transfer, until it ends
                    assert t.holder_id == agent_id
                    continue
                assert oracle.now < until <= oracle.now + oracle.policy.decline_cooldown

    @invariant()
    def work_conserving(self) -> None:
        oracle = self.oracle
        loads = oracle.loads()
        for t in oracle.waiting():
            for ag in oracle.agents.values():
                assert not oracle.eligible(ag, t, loads[ag.agent.id]), (
                    f"task {t.task.id!r} waits while agent {ag.agent.id!r} could take it"
                )


# The machine is the suite's main bug finder: give it three times the profile's budget
# (dev 150 runs of up to 50 steps, a few seconds; ci 1500, about a minute and a half).
RouterVersusOracle.TestCase.settings = settings(
    max_examples=2 * settings.default.max_examples, stateful_step_count=50
)
TestRouterAgainstOracle = RouterVersusOracle.TestCase


class RouterVersusOracleReleasingEagerly(RouterVersusOracle):
    """The same machine with the router's release thresholds at zero, so it releases
    unused task groups and vacant skill profiles, compacts its timer heap and trims its
    statistics (kept for 20 s) to the horizon at nearly every chance it gets (the
    defaults wait for 64 or 1,024 of each, which the machine's small universe rarely
    reaches): every decision must still equal the oracle's."""

    stats_horizon = 20.0

    def __init__(self) -> None:
        self._saved = (
            queue_module.GROUP_MIN,
            agents_module.PROFILE_MIN,
            timers_module.COMPACT_MIN,
            stats_module.TRIM_MIN,
        )
        queue_module.GROUP_MIN = agents_module.PROFILE_MIN = timers_module.COMPACT_MIN = 0
        stats_module.TRIM_MIN = 0
        super().__init__()

    def teardown(self) -> None:
        (
            queue_module.GROUP_MIN,
            agents_module.PROFILE_MIN,
            timers_module.COMPACT_MIN,
            stats_module.TRIM_MIN,
        ) = self._saved


RouterVersusOracleReleasingEagerly.TestCase.settings = settings(
    max_examples=settings.default.max_examples, stateful_step_count=50
)
TestEagerReleaseAgainstOracle = RouterVersusOracleReleasingEagerly.TestCase


class RouterVersusOracleWithRoutingProfiles(RouterVersusOracle):
    """The same machine where every policy declares routing profiles and most agents
    name one (``routing.ordering``: ranks and delays on top of the score), so agents
    rank their work, delays pass while tasks wait (often exactly at a call, a step or
    another timer) and ``work_conserving`` checks that every passing delay routes its
    task at that instant: the main machine draws them only now and then."""

    @initialize(
        policy=policies_with_routing_profiles(),
        start=half_integers(0, 50),
        staff=st.lists(ORDERED_AGENTS, min_size=1, max_size=4, unique_by=lambda agent: agent.id),
        backlog=st.integers(0, 4),
        data=st.data(),
    )
    def start(
        self, policy: Policy, start: float, staff: list[Agent], backlog: int, data: st.DataObject
    ) -> None:
        super().start(policy, start, staff, backlog, data)

    @rule(data=st.data(), dt=time_steps)
    def add_agent(self, data: st.DataObject, dt: float) -> None:
        self.both("add_agent", data.draw(ORDERED_AGENTS), self.now + dt)


RouterVersusOracleWithRoutingProfiles.TestCase.settings = settings(
    max_examples=settings.default.max_examples, stateful_step_count=50
)
TestRoutingProfilesAgainstOracle = RouterVersusOracleWithRoutingProfiles.TestCase


class TestCustomerContextAgainstOracle:
    """The customer-context path (a follow-up from a customer with an open issue) in
    a focused differential test: the random machine reaches it only now and then."""

    @given(
        policy=policies(),
        staff=st.lists(AGENTS, min_size=2, max_size=4, unique_by=lambda agent: agent.id),
        customer=st.sampled_from(CUSTOMERS),
        handled=st.sampled_from([1.0, 10.0]),
        last_agent_state=st.sampled_from(AgentState),
        moves=st.lists(
            st.tuples(
                st.sampled_from(["advance", "free the last agent", "accept all"]),
                time_steps,
            ),
            max_size=6,
        ),
        data=st.data(),
    )
    def test_follow_up_decisions_match_the_oracle(
        self,
        policy: Policy,
        staff: list[Agent],
        customer: Customer,
        handled: float,
        last_agent_state: AgentState,
        moves: list[tuple[str, float]],
        data: st.DataObject,
    ) -> None:
        router, oracle = Router(policy), OracleRouter(policy)
        for agent in staff:
            call_both(router, oracle, "add_agent", agent, 0.0)
        first = attrs.evolve(data.draw(tasks(now=0.0)), customer=customer, preferred_agents=())
        events = call_both(router, oracle, "submit", first, 0.0)
        assert events is not None
        offers = offers_in(events)
        if not offers:
            return
        call_both(router, oracle, "accept", offers[0].id, 0.0)
        call_both(router, oracle, "complete", first.id, handled, resolved=False)
        last = offers[0].agent_id
        call_both(router, oracle, "set_agent_state", last, last_agent_state, handled)
        follow_up = attrs.evolve(
            data.draw(tasks(now=handled)), customer=customer, preferred_agents=()
        )
        call_both(router, oracle, "submit", follow_up, handled)
        for move, dt in moves:
            now = router.now + dt
            if move == "advance":
                call_both(router, oracle, "advance", now)
            elif move == "free the last agent":
                call_both(router, oracle, "set_agent_state", last, AgentState.AVAILABLE, now)
            else:
                for offer_id in sorted(oracle.offers):
                    call_both(router, oracle, "accept", offer_id, now)
            router.check()
            assert router_view(router, list(TASK_IDS)) == oracle_view(oracle, list(TASK_IDS))


LONG_RUN_SKILLS = ({}, {"billing": 2}, {"billing": 3}, {"tech": 2})


def long_run(policy: Policy, seed: int, steps: int, backlog: int = 150) -> Counter[str]:
    """A long random walk over a bigger universe than the machine's, compared with
    the oracle call by call: eight agents, all away while a backlog of identical tasks
    builds up, then a random mix of arrivals, offers, accepts,
    declines, completions, cancellations (mostly of tasks deep in the queue, so
    buckets fill with dead entries and get rebuilt) and agents coming and going."""
    rng = random.Random(seed)
    router, oracle = Router(policy), OracleRouter(policy)
    seen: Counter[str] = Counter()
    ids: list[str] = []
    now = 0.0

    def new_task() -> Task:
        task_id = f"t{len(ids)}"
        ids.append(task_id)
        relax = (RelaxStep(after=rng.choice([10.0, 40.0]), skills={}),)
        return Task(
            task_id,
            rng.choice(["voice", "voice", "chat"]),
            requirement=Requirement(
                rng.choice(LONG_RUN_SKILLS), steps=relax if rng.random() < 0.2 else ()
            ),
            customer=rng.choice((None, *CUSTOMERS)),
            sla_target=rng.choice([None, None, 20.0, 60.0]),
        )

    for i in range(8):
        skills = {"billing": rng.randint(1, 5), "tech": rng.randint(1, 5)}
        capacity = {"voice": 1} if i % 2 else {"voice": 1, "chat": rng.randint(1, 3)}
        call_both(router, oracle, "add_agent", Agent(f"a{i}", skills, capacity), now)
        call_both(router, oracle, "set_agent_state", f"a{i}", AgentState.AWAY, now)
    for _ in range(backlog):  # identical tasks: one long bucket
        now += rng.choice([0.0, 0.5])
        ids.append(f"t{len(ids)}")
        call_both(router, oracle, "submit", Task(ids[-1], "voice"), now)
    for step in range(steps):
        now += rng.choice([0.0, 0.0, 0.5, 1.0, 3.0])
        roll = rng.random()
        waiting = [t for t in oracle.tasks.values() if t.state is TaskState.QUEUED]
        assigned = [t for t in oracle.tasks.values() if t.state is TaskState.ASSIGNED]
        method: str
        args: tuple[Any, ...]
        if roll < 0.30:
            method, args = "submit", (new_task(), now)
        elif roll < 0.45 and oracle.offers:
            method, args = "accept", (rng.choice(sorted(oracle.offers)), now)
        elif roll < 0.52 and oracle.offers:
            method, args = "decline", (rng.choice(sorted(oracle.offers)), now)
        elif roll < 0.65 and assigned:
            method, args = "complete", (rng.choice(assigned).task.id, now)
        elif roll < 0.85 and waiting:
            method, args = "cancel", (rng.choice(waiting).task.id, now)
        elif roll < 0.96:
            state = rng.choice([AgentState.AVAILABLE, AgentState.AWAY, AgentState.OFFLINE])
            method, args = "set_agent_state", (f"a{rng.randrange(8)}", state, now)
        else:
            now += rng.choice([5.0, 20.0])
            method, args = "advance", (now,)
        events = call_both(router, oracle, method, *args)
        seen[method if events is not None else f"{method} rejected"] += 1
        seen["max waiting"] = max(seen["max waiting"], router.waiting_count())
        if step % 50 == 0:
            router.check()
            assert router_view(router, ids) == oracle_view(oracle, ids)
    router.check()
    assert router_view(router, ids) == oracle_view(oracle, ids)
    return seen


class TestLongRunsAgainstOracle:
    @pytest.mark.parametrize("seed", range(5))
    @pytest.mark.parametrize(
        "policy",
        [Policy(), Policy.fifo(offer_timeout=None), Policy(pause_on_timeout=False)],
        ids=["default", "fifo", "no-pause"],
    )
    def test_hundreds_waiting_with_churn(self, policy: Policy, seed: int) -> None:
        seen = long_run(policy, seed, steps=600)
        assert seen["submit"] >= 120 and seen["complete"] >= 20 and seen["cancel"] >= 100
        assert seen["max waiting"] >= 100  # long buckets, so lazy deletion is exercised
