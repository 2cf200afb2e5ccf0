"""Unroutable tasks: waiting work that no agent can take, reported once per cause.

A waiting task is *unroutable* when no agent in the pool has its skills, a slot on its
channel and a unit cap that admits it (``NO_ELIGIBLE_AGENT``), when the agents that
have are all away, offline or paused (``NO_AVAILABLE_AGENT``), or when every available
one is in its cooldown after refusing it (``ALL_DECLINED``). "No eligible agent" is
not an error (the task waits), but a host must be told: the router reports an
``Unroutable`` event when a task enters a cause, once, and lists the tasks in one
(``Router.unroutable_tasks``). A task in its preferred-agent window is judged when the
window ends.

Causes are worked out at the end of every call, cheaply: the first two depend only on
the task's group and the pool, so each group caches them per version of the pool
(``AgentPool.status``: a few mask operations); only tasks with exclusions need more.
After a call that changed no agent only the tasks queued or re-placed in it are
looked at (usually one); after one that did, the tasks of groups whose cause changed,
those with exclusions and those reported before.
"""

from __future__ import annotations

from routing._state import LiveTask
from routing.agents import AgentPool
from routing.events import ALL_DECLINED, Event, Routable, Unroutable
from routing.model import TaskState
from routing.task_queue import TaskQueue

# Enum members as module constants for the hot paths (see ``routing.router``).
_QUEUED = TaskState.QUEUED


class UnroutableTasks:
    """The unroutable causes of one router's waiting tasks.

    Args:
        pool: the router's agents.
        queue: the router's waiting tasks (it keeps the table of those reported).
    """

    __slots__ = ("dirty", "pool", "pool_version", "queue")

    def __init__(self, pool: AgentPool, queue: TaskQueue) -> None:
        self.pool = pool
        self.queue = queue
        self.dirty: list[LiveTask] = []  # queued or re-placed during this call
        self.pool_version = pool.version  # the pool the causes were worked out for

    def queued(self, rec: LiveTask) -> None:
        """Note that ``rec`` was queued or re-placed in this call: its cause is looked at
        when the call ends, unless it plainly has none and had none (its group has
        agents for it in the pool as it is, nobody refused it, nothing was reported)."""
        group = rec.group
        if (
            (group is not None and (group.status_at != self.pool.version or group.status))
            or rec.declined_by
            or rec.unroutable is not None
        ):
            self.dirty.append(rec)

    def report(self, now: float, events: list[Event]) -> None:
        """Report each task whose cause changed in this call, by submission sequence."""
        pool = self.pool
        queue = self.queue
        dirty = self.dirty
        if pool.version == self.pool_version and len(dirty) == 1:
            rec = dirty.pop()  # the usual case: one task queued
            self._update(rec, now, events)
            return
        todo = {rec.seq: rec for rec in dirty}
        dirty.clear()
        if pool.version != self.pool_version:
            self.pool_version = pool.version
            for group in queue.groups.values():
                if not group.buckets:
                    continue
                before = group.status
                if pool.status(group) != before:
                    for bucket in group.buckets.values():
                        for entry in bucket.entries():
                            todo[entry[1]] = entry[2]
            todo.update(queue.declined)
            todo.update(queue.unroutable)
        for seq in sorted(todo):
            self._update(todo[seq], now, events)

    def _update(self, rec: LiveTask, now: float, events: list[Event]) -> None:
        cause = self.cause(rec)
        if cause != rec.unroutable:
            table = self.queue.unroutable
            if cause is None:
                del table[rec.seq]
                events.append(Routable(rec.task.id, now))
            else:
                table[rec.seq] = rec
                events.append(Unroutable(rec.task.id, cause, now))
            rec.unroutable = cause

    def cause(self, rec: LiveTask) -> str | None:
        """Why no agent can take the waiting ``rec``, or ``None``.

        Runtime complexity: O(1) for a task without exclusions (the group's cause,
        cached), O(e) for one with e.
        """
        group = rec.group
        if rec.state is not _QUEUED or group is None:
            return None
        cause = self.pool.status(group)
        if cause is None and rec.declined_by:
            agents = self.pool.agents
            excluded = 0
            for agent_id in rec.declined_by:
                agent = agents.get(agent_id)
                if agent is not None:
                    excluded |= agent.bit
            if not group.reach & ~excluded:
                cause = ALL_DECLINED
        return cause

    def check(self) -> None:
        """Assert that every waiting task is reported with its cause. Runtime: O(n)."""
        assert not self.dirty
        for rec in self.queue.waiting():
            assert rec.unroutable == self.cause(rec), (rec.task.id, rec.unroutable)
