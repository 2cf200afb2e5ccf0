"""A host's mirror of a router, built from its events alone.

:class:`Mirror` applies the events every router call returns, in order, and keeps
what a platform would keep in its own store: tasks and their states, who holds what,
agents with their states and reason codes, unroutable tasks and reservations. Its
views have the keys and shapes of the stateful test's ``router_view`` (plus the
waiting count per channel), so that test can require, after every step, that a
consumer of the events alone sees exactly what the router's views say.

Not mirrored, by design: customer context (it is forgotten by the policy's age and
count bounds, which a host applies itself) and the router's timer schedule
(``next_timer_at``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routing import (
    Accepted,
    AgentAdded,
    AgentPaused,
    AgentRemoved,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    Cancelled,
    Completed,
    Expired,
    Offered,
    Queued,
    Requeued,
    ReservationEnded,
    Reserved,
    Routable,
    Scheduled,
    Submitted,
    Task,
    TaskState,
    TransferDeclined,
    Transferred,
    Unroutable,
    Updated,
    WrapUpEnded,
)


@dataclass
class MirroredTask:
    task: Task
    arrived_at: float
    seq: int
    state: TaskState | None = None
    agent: str | None = None
    holder: str | None = None


@dataclass
class MirroredAgent:
    state: AgentState = AgentState.AVAILABLE
    reason: str | None = None
    since: float = 0.0


@dataclass
class Mirror:
    """The router's state as the events tell it."""

    tasks: dict[str, MirroredTask] = field(default_factory=dict)
    agents: dict[str, MirroredAgent] = field(default_factory=dict)
    unroutable: dict[str, str] = field(default_factory=dict)
    reserved: dict[str, str] = field(default_factory=dict)
    """Agent id -> the task it is held for."""
    submitted: int = 0

    def apply(self, events: list[Any]) -> None:
        for event in events:
            self._apply(event)

    def _apply(self, event: Any) -> None:
        tasks = self.tasks
        if isinstance(event, Submitted):
            self.submitted += 1
            tasks[event.task.id] = MirroredTask(event.task, event.arrived_at, self.submitted)
        elif isinstance(event, Scheduled):
            tasks[event.task_id].state = TaskState.SCHEDULED
            self.unroutable.pop(event.task_id, None)
        elif isinstance(event, Queued | Requeued):
            tasks[event.task_id].state = TaskState.QUEUED
            tasks[event.task_id].agent = None
        elif isinstance(event, Offered):
            t = tasks[event.offer.task_id]
            t.state, t.agent = TaskState.OFFERED, event.offer.agent_id
            self.unroutable.pop(t.task.id, None)
        elif isinstance(event, Accepted):
            t = tasks[event.task_id]
            t.state, t.holder = TaskState.ASSIGNED, None
        elif isinstance(event, TransferDeclined):
            t = tasks[event.task_id]
            t.state, t.agent, t.holder = TaskState.ASSIGNED, t.holder, None
        elif isinstance(event, Transferred):
            t = tasks[event.task_id]
            t.holder = event.from_agent if event.warm else None
            t.agent = None
        elif isinstance(event, Completed):
            if event.wrap_up_until is None:
                del tasks[event.task_id]
            else:
                tasks[event.task_id].state = TaskState.WRAP_UP
        elif isinstance(event, WrapUpEnded | Cancelled | Expired):
            del tasks[event.task_id]
            self.unroutable.pop(event.task_id, None)
        elif isinstance(event, Updated):
            tasks[event.task.id].task = event.task
        elif isinstance(event, Unroutable):
            self.unroutable[event.task_id] = event.reason
        elif isinstance(event, Routable):
            del self.unroutable[event.task_id]
        elif isinstance(event, Reserved):
            self.reserved[event.agent_id] = event.task_id
        elif isinstance(event, ReservationEnded):
            assert self.reserved.pop(event.agent_id) == event.task_id
        elif isinstance(event, AgentAdded):
            self.agents[event.agent_id] = MirroredAgent(since=event.at)
        elif isinstance(event, AgentRemoved):
            del self.agents[event.agent_id]
        elif isinstance(event, AgentStateChanged | AgentPaused):
            agent = self.agents[event.agent_id]
            state = getattr(event, "state", AgentState.NOT_RESPONDING)
            if state is not agent.state:
                agent.since = event.at
            agent.state, agent.reason = state, getattr(event, "reason", None)

    # -- the router's views, from the mirror --------------------------------------

    def held_by(self, agent_id: str) -> list[MirroredTask]:
        return [t for t in self.tasks.values() if agent_id in (t.agent, t.holder)]

    def views(self, task_ids: list[str]) -> dict[str, Any]:
        waiting = sorted(
            (t for t in self.tasks.values() if t.state is TaskState.QUEUED),
            key=lambda t: (t.arrived_at, t.seq),
        )
        by_state: dict[AgentState, list[str]] = {state: [] for state in AgentState}
        for agent_id, agent in sorted(self.agents.items()):
            by_state[agent.state].append(agent_id)
        return {
            "waiting": [t.task.id for t in waiting],
            "waiting_count": len(waiting),
            "waiting_per_channel": {
                channel: sum(t.task.channel == channel for t in waiting)
                for channel in sorted({t.task.channel for t in self.tasks.values()})
            },
            "agents": by_state,
            "agent_tasks": {
                a: sorted(t.task.id for t in self.held_by(a)) for a in sorted(self.agents)
            },
            "task_states": {
                task_id: self.tasks[task_id].state if task_id in self.tasks else None
                for task_id in task_ids
            },
            "unroutable": {
                t.task.id: self.unroutable[t.task.id]
                for t in sorted(self.tasks.values(), key=lambda t: t.seq)
                if t.task.id in self.unroutable
            },
            "reservations": dict(sorted(self.reserved.items())),
            "statuses": [self.status(a) for a in sorted(self.agents)],
        }

    def status(self, agent_id: str) -> AgentStatus:
        agent = self.agents[agent_id]
        held = self.held_by(agent_id)
        return AgentStatus(
            agent_id,
            agent.state,
            agent.reason,
            agent.since,
            agent.state is AgentState.AVAILABLE and not held,
            tuple(
                sorted(
                    t.task.id
                    for t in held
                    if t.agent == agent_id and t.state is not TaskState.WRAP_UP
                )
            ),
            tuple(sorted(t.task.id for t in held if t.state is TaskState.WRAP_UP)),
            tuple(sorted(t.task.id for t in held if t.holder == agent_id)),
        )
