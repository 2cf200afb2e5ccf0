"""The router's memory under churn: what has left the router is released, and no
decision changes.

Agents with skill profiles never seen before join and leave, tasks need requirements
never seen before, and new customers leave issues open. The router releases unused
task groups and vacant profiles (``task_queue``, ``agents``), compacts its stale
timers (``timers``) and forgets old customer context (``context``); a second router
whose limits are raised so that it never releases anything must make the same
decisions, event for event, and the first must stay small where the second grows.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from routing import (
    Agent,
    AgentState,
    Customer,
    Policy,
    Requirement,
    Router,
    Task,
    TaskState,
    UnknownOfferError,
)
from routing import agents as agents_module
from routing import task_queue as queue_module
from routing import timers as timers_module
from routing.events import Event
from tests.oracle import offers_in

SKILLS = tuple(f"s{i:02d}" for i in range(40))
NEVER = 10**9
MAX_WAITING = 30
MAX_AGENTS = 20


def never_releasing(policy: Policy) -> Router:
    """A router whose limits are out of reach: it keeps every group, profile and timer
    (the limits are only recomputed by a release, which then never happens)."""
    router = Router(policy)
    internals: Any = router
    internals._queue.group_limit = NEVER
    internals._pool.profile_limit = NEVER
    internals._timers.limit = NEVER
    return router


def sizes(router: Router) -> dict[str, int]:
    internals: Any = router
    return {
        "groups": len(internals._queue.groups),
        "profiles": len(internals._pool.profiles),
        "timers": len(internals._timers),
        "customers": len(internals._customers),
    }


class Churn:
    """Drives routers through the same random churn and requires equal events."""

    def __init__(self, routers: list[Router], seed: int) -> None:
        self.routers = routers
        self.rng = random.Random(seed)
        self.now = 0.0
        self.serial = 0
        self.agents: list[str] = []
        self.assigned: list[str] = []
        self.customers: list[Customer] = []

    def call(self, method: str, *args: Any, **kwargs: Any) -> list[Event]:
        results = [getattr(router, method)(*args, **kwargs) for router in self.routers]
        for other in results[1:]:
            assert other == results[0], (method, args)
        events: list[Event] = results[0]
        for offer in offers_in(events):
            try:
                self.routers[0].offer(offer.id)
            except UnknownOfferError:
                continue  # closed in the same call (its task was cancelled)
            if self.rng.random() < 0.9:
                self.call("accept", offer.id, self.now)
                self.assigned.append(offer.task_id)
            else:
                self.call("decline", offer.id, self.now)
        return events

    def skills(self, low: int, count: int) -> dict[str, int]:
        names = self.rng.sample(SKILLS, count)
        return {name: self.rng.randint(low, 5) for name in names}

    def step(self) -> None:
        rng = self.rng
        self.serial += 1
        self.now += rng.choice([0.0, 0.5, 1.0, 2.0])
        roll = rng.random()
        router = self.routers[0]
        waiting = router.waiting_tasks()
        if len(waiting) > MAX_WAITING:  # the longest waiting abandon
            for task in waiting[: len(waiting) - MAX_WAITING // 2]:
                if router.task_state(task.id) is TaskState.QUEUED:  # not offered meanwhile
                    self.call("cancel", task.id, self.now)
            waiting = router.waiting_tasks()
        if len(self.agents) >= MAX_AGENTS:
            roll = 0.15  # someone leaves
        if roll < 0.12 or len(self.agents) < 3:  # an agent with a profile of its own
            agent_id = f"a{self.serial}"
            capacity = rng.choice([{"voice": 1}, {"chat": 2}, {"voice": 1, "chat": 2}])
            self.call("add_agent", Agent(agent_id, self.skills(2, 3), capacity), self.now)
            self.agents.append(agent_id)
        elif roll < 0.24:  # one leaves, once it holds no work
            free = [a for a in self.agents if not router.agent_tasks(a)]
            if free:
                agent_id = rng.choice(free)
                self.agents.remove(agent_id)
                self.call("remove_agent", agent_id, self.now)
        elif roll < 0.32 and self.agents:
            agent_id = rng.choice(self.agents)
            state = rng.choice([AgentState.AVAILABLE, AgentState.AWAY])
            self.call("set_agent_state", agent_id, state, self.now)
        elif roll < 0.65:  # a task, often with a requirement never seen before
            if not self.customers or rng.random() < 0.5:
                self.customers.append(Customer(f"c{self.serial}", value=rng.choice([1.0, 8.0])))
            customer = rng.choice(self.customers[-20:])
            task = Task(
                f"t{self.serial}",
                rng.choice(["voice", "chat"]),
                Requirement(self.skills(1, rng.choice([1, 1, 2]))),
                customer=customer,
                sla_target=rng.choice([None, 20.0, 3600.0]),
            )
            self.call("submit", task, self.now)
        elif roll < 0.85 and self.assigned:
            task_id = self.assigned.pop(rng.randrange(len(self.assigned)))
            self.call("complete", task_id, self.now, resolved=rng.random() < 0.5)
        elif roll < 0.95:
            if waiting:
                self.call("cancel", rng.choice(waiting).id, self.now)
        else:
            self.now += rng.choice([10.0, 100.0])
            self.call("advance", self.now)


@pytest.fixture(params=[0, 64], ids=["eager", "default"])
def minimum(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The release thresholds: 0 (release at every chance) or the defaults."""
    value: int = request.param
    if value == 0:
        monkeypatch.setattr(queue_module, "GROUP_MIN", 0)
        monkeypatch.setattr(agents_module, "PROFILE_MIN", 0)
        monkeypatch.setattr(timers_module, "COMPACT_MIN", 0)
    return value


class TestChurn:
    POLICY = Policy(context_ttl=600.0, context_max_issues=3, offer_timeout=30.0)

    def test_released_structures_change_no_decision_and_stay_bounded(self, minimum: int) -> None:
        released, kept = Router(self.POLICY), never_releasing(self.POLICY)
        churn = Churn([released, kept], seed=minimum + 1)
        for step in range(6_000):
            churn.step()
            if step % 500 == 0:
                released.check()
        released.check()
        kept.check()
        small, large = sizes(released), sizes(kept)
        # at most 30 groups hold tasks and 20 profiles have agents: within the slack;
        # the router that never releases keeps every requirement it ever saw
        assert small["groups"] <= 129 and large["groups"] > 5 * 129
        assert small["profiles"] <= 65 and large["profiles"] > 500
        assert small["timers"] <= large["timers"]
        assert small["customers"] == large["customers"] <= 600  # context is bounded anyway

    def test_a_waiting_task_s_group_survives_every_release(self, minimum: int) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 5}, {"voice": 1}), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        router.submit(Task("waits", "voice", Requirement({"billing": 4})), now=0)
        router.add_agent(Agent("bob", dict.fromkeys(SKILLS, 5), {"voice": 1}), now=0)
        for i in range(400):  # 200 requirements bob meets, each task taken at once
            requirement = Requirement({SKILLS[i % 40]: 1 + (i // 40) % 5})
            [offer] = offers_in(router.submit(Task(f"t{i}", "voice", requirement), now=i))
            router.accept(offer.id, now=i)
            router.complete(f"t{i}", now=i)
            router.check()
            assert sizes(router)["groups"] <= 2 * max(64, minimum) + 1
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=400))
        assert offer.task_id == "waits"
        router.check()
