"""Reservations: unit-capped agents held for large waiting work, so it is not starved.

An agent with a unit cap (``Agent.max_units``) that looks for work (it gained
capacity) may find that the best waiting task for it needs more units than it has
free: a call of 3 units while its chats hold 2 of its 3. Taking the best task that
fits instead would let a steady stream of chats keep the call waiting for ever. So
the agent is *reserved* for the call: it takes no other work, and as its chats end
and units free, it is offered the call the moment it fits (``Policy.reserve_agents``
agents at most per task; see ``routing.policy``).

A reservation ends when its task is offered (to the reserved agent or any other),
leaves the queue (cancelled, expired), no longer needs the agent (a relaxation step
it does not meet), or when the agent stops being available. An agent released while
its task is still wanted elsewhere looks for work again at the end of the call
(:attr:`Reservations.released`, in order of release), as it would have had it never
been held.

:class:`Reservations` owns the two-way link (``LiveAgent.reserved``,
``LiveTask.reserved_by``) and the queue's count of waiting tasks holding agents; the
router decides when an agent is reserved and when a reservation ends.
"""

from __future__ import annotations

from routing._state import LiveAgent, LiveTask
from routing.agents import AgentPool
from routing.events import Event, ReservationEnded, Reserved
from routing.model import TaskState
from routing.task_queue import TaskQueue

_QUEUED = TaskState.QUEUED


class Reservations:
    """The reservations of one router's agents for its waiting tasks.

    Args:
        pool: the router's agents (a reserved agent is reindexed: it takes no work).
        queue: the router's waiting tasks (it counts those holding agents).
    """

    __slots__ = ("pool", "queue", "released")

    def __init__(self, pool: AgentPool, queue: TaskQueue) -> None:
        self.pool = pool
        self.queue = queue
        self.released: list[LiveAgent] = []

    def hold(self, agent: LiveAgent, rec: LiveTask, now: float, events: list[Event]) -> None:
        """Reserve ``agent`` for the waiting task ``rec`` (it takes no other work)."""
        assert agent.reserved is None and rec.state is _QUEUED
        agent.reserved = rec
        if rec.reserved_by is None:
            rec.reserved_by = []
            self.queue.reserved += 1
        rec.reserved_by.append(agent)
        self.pool.reindex(agent)
        events.append(Reserved(rec.task.id, agent.id, now))

    def end_for_task(
        self, rec: LiveTask, at: float, events: list[Event], taker: LiveAgent | None = None
    ) -> None:
        """End every reservation for ``rec`` at ``at`` (offered to ``taker``, changed, or
        gone); the agents other than ``taker`` look for work at the end of the call."""
        held = rec.reserved_by
        assert held is not None
        rec.reserved_by = None
        self.queue.reserved -= 1
        for agent in held:
            agent.reserved = None
            events.append(ReservationEnded(rec.task.id, agent.id, at))
            if agent is not taker:
                self.pool.reindex(agent)
                self.released.append(agent)

    def end_for_agent(
        self, agent: LiveAgent, at: float, events: list[Event], *, refill: bool
    ) -> None:
        """End ``agent``'s reservation at ``at`` (it stopped being available or changed,
        or its task no longer needs it); with ``refill`` it looks for work at the end
        of the call."""
        rec = agent.reserved
        assert rec is not None and rec.reserved_by is not None
        agent.reserved = None
        events.append(ReservationEnded(rec.task.id, agent.id, at))
        rec.reserved_by.remove(agent)
        if not rec.reserved_by:
            rec.reserved_by = None
            self.queue.reserved -= 1
        self.pool.reindex(agent)
        if refill:
            self.released.append(agent)

    def check(self) -> None:
        """Assert that both sides of every reservation agree. Runtime: O(agents)."""
        for agent in self.pool.agents.values():
            rec = agent.reserved
            if rec is not None:
                assert rec.reserved_by is not None and rec.reserved_by.count(agent) == 1
                assert rec.state is _QUEUED, (agent.id, rec.task.id)
                assert agent.satisfies(rec.skills), (agent.id, rec.task.id)
