"""A seeded random workload of every router operation, for the crash tests.

:class:`Workload` picks each next command from what the router's views show (agents
present, tasks active, offers open) and its own random stream, so the same seed
against routers in the same state gives the same commands: a crash test replays it
against an in-memory router to know what the dead process had acknowledged. About
one command in ten is invalid on purpose (an unknown id, time going backwards), so
rejected commands, which must journal nothing, are part of every run.
"""

from __future__ import annotations

import math
import random
from typing import Any, Protocol

from routing import (
    Agent,
    AgentState,
    Customer,
    Offered,
    Policy,
    RelaxStep,
    Requirement,
    RoutingError,
    Task,
    TaskState,
)

POLICY = Policy(offer_timeout=20.0, decline_cooldown=10.0, context_ttl=3600.0)
SKILLS = ("billing", "tech", "sales")
CHANNELS = ("voice", "chat", "email")
CUSTOMERS = tuple(
    Customer(f"c{i}", value=float(i % 7), tier="gold" if i % 5 == 0 else "standard")
    for i in range(12)
)


class RouterLike(Protocol):
    def __getattr__(self, name: str) -> Any: ...


class Workload:
    """The next command for a router, by seed (see the module docstring)."""

    def __init__(self, seed: int, prefix: str = "") -> None:
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.now = 0.0
        self.serial = 0
        self.offers: dict[int, str] = {}  # open offer id -> task id, from the events

    def _task(self) -> Task:
        rng = self.rng
        self.serial += 1
        skill = rng.choice(SKILLS)
        steps = (RelaxStep(rng.choice([5.0, 30.0]), {skill: 1}),) if rng.random() < 0.3 else ()
        return Task(
            f"{self.prefix}t{self.serial}",
            rng.choice(CHANNELS),
            Requirement({skill: rng.randint(1, 3)}, steps=steps),
            rng.choice(CUSTOMERS) if rng.random() < 0.7 else None,
            priority=float(rng.choice([0, 0, 1, 2])),
            sla_target=rng.choice([None, 20.0, 60.0]),
            ttl=rng.choice([None, None, 120.0]),
            not_before=self.now + 15.0 if rng.random() < 0.05 else None,
            attributes={"n": self.serial, "tags": ["a", "b"]} if rng.random() < 0.2 else {},
        )

    def _agent(self, agent_id: str) -> Agent:
        rng = self.rng
        skills = {name: rng.randint(1, 4) for name in rng.sample(SKILLS, rng.randint(1, 3))}
        capacity = {c: rng.randint(1, 3) for c in rng.sample(CHANNELS, rng.randint(1, 3))}
        return Agent(agent_id, skills, capacity, rng.choice([None, None, 3]))

    def next(self, router: RouterLike) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """``(method, args, kwargs)`` of the next command."""
        rng = self.rng
        self.now += rng.choice([0.0, 0.0, 0.5, 1.0, 2.0, 5.0])
        now = self.now
        by_state = router.agents_by_state()
        agents = sorted(a for ids in by_state.values() for a in ids)
        active = [t.id for t in router.waiting_tasks()] + [
            t for a in agents for t in router.agent_tasks(a)
        ]
        assigned = [t for t in active if router.task_state(t) is TaskState.ASSIGNED]
        roll = rng.random()
        if roll < 0.05:  # invalid on purpose
            return rng.choice(
                [
                    ("cancel", ("nobody", now), {}),
                    ("advance", (now - 100.0,), {}),
                    ("accept", (10**9, now), {}),
                    ("remove_agent", ("ghost", now), {}),
                ]
            )
        if len(agents) < 3 or roll < 0.08:
            return ("add_agent", (self._agent(f"{self.prefix}a{rng.randint(0, 7)}"), now), {})
        if roll < 0.35:
            return ("submit", (self._task(), now), {})
        if roll < 0.5 and self.offers:
            offer_id = rng.choice(sorted(self.offers))
            return (rng.choice(["accept", "accept", "decline"]), (offer_id, now), {})
        if roll < 0.62 and assigned:
            wrap = rng.choice([None, None, 3.0, math.inf])
            return ("complete", (rng.choice(sorted(assigned)), now, rng.random() < 0.8, wrap), {})
        if roll < 0.65:
            wrapping = [t for t in active if router.task_state(t) is TaskState.WRAP_UP]
            if wrapping:
                return ("end_wrap_up", (rng.choice(sorted(wrapping)), now), {})
        if roll < 0.69 and assigned:
            kwargs: dict[str, Any] = {"warm": rng.random() < 0.5, "window": 10.0}
            if rng.random() < 0.5:
                kwargs["requirement"] = Requirement({rng.choice(SKILLS): 1})
            target = rng.choice([None, rng.choice(agents)])
            return ("transfer", (rng.choice(sorted(assigned)), now, target), kwargs)
        waiting = [t.id for t in router.waiting_tasks()]
        if roll < 0.73 and waiting:
            return ("cancel", (rng.choice(waiting), now), {})
        if roll < 0.76 and waiting:
            return ("convert_to_callback", (rng.choice(waiting), now), {})
        if roll < 0.79 and waiting:
            pick = rng.choice(waiting)
            task = next(t for t in router.waiting_tasks() if t.id == pick)
            changed = Task(
                task.id,
                task.channel,
                task.requirement,
                task.customer,
                priority=float(rng.randint(0, 3)),
                sla_target=task.sla_target,
                due_at=task.due_at,
                units=task.units,
                preferred_agents=task.preferred_agents,
                preferred_window=task.preferred_window,
                attributes=task.attributes,
                ttl=task.ttl,
            )
            return ("update_task", (changed, now), {})
        if roll < 0.86:
            state = rng.choice(list(AgentState))
            reason = rng.choice([None, "break", "training"])
            return ("set_agent_state", (rng.choice(agents), state, now, reason), {})
        if roll < 0.89:
            return ("update_agent", (self._agent(rng.choice(agents)), now), {})
        if roll < 0.91:
            return ("remove_agent", (rng.choice(agents), now), {})
        if roll < 0.92:
            return ("forget_customer", (rng.choice(CUSTOMERS).id,), {})
        return ("advance", (now,), {})

    def run(self, router: RouterLike) -> tuple[bool, Any]:
        """Send the next command; ``(accepted, events or the error)``."""
        method, args, kwargs = self.next(router)
        try:
            events = getattr(router, method)(*args, **kwargs)
        except RoutingError as error:
            return False, error
        for event in events or ():
            if isinstance(event, Offered):
                self.offers[event.offer.id] = event.offer.task_id
        self.offers = {
            offer_id: task_id
            for offer_id, task_id in self.offers.items()
            if _open(router, task_id, offer_id)
        }
        return True, events


def _open(router: RouterLike, task_id: str, offer_id: int) -> bool:
    try:
        return (
            router.task_state(task_id) is TaskState.OFFERED and router.offer(offer_id) is not None
        )
    except RoutingError:
        return False
