"""Events: what a router call caused. Every mutating call returns a ``list[Event]``."""

from __future__ import annotations

from typing import TypeAlias

import attrs

from routing.model import AgentState, Offer, Skills, Task, slot_setters


@attrs.frozen
class Offered:
    """A task was reserved for an agent; accept or decline it by ``offer.id``."""

    offer: Offer


@attrs.frozen
class Queued:
    """A submitted task found no eligible agent with free capacity and waits."""

    task_id: str
    at: float


@attrs.frozen
class Requeued:
    """An offer ended without acceptance; the task waits again with its original arrival.

    ``reason`` is ``"declined"`` or ``"timeout"`` (then ``at`` is when the offer fell
    due): the agent may not be offered this task again for
    ``Policy.decline_cooldown`` seconds. ``"updated"``: the offer was withdrawn
    because ``Router.update_task`` changed the task at the instant a timer offered
    it; no cooldown.
    """

    task_id: str
    agent_id: str
    reason: str
    at: float


@attrs.frozen
class SlaBreached:
    """A waiting task passed its deadline: ``at`` is the deadline, or, for a task that
    entered the queue already past it (submitted late, or requeued after an offer
    that outlasted it), that instant, so a call's events stay in time order."""

    task_id: str
    at: float


@attrs.frozen
class Relaxed:
    """A waiting task's requirement widened to ``skills`` at ``at``."""

    task_id: str
    skills: Skills
    at: float


@attrs.frozen
class PreferenceExpired:
    """A task's preferred-agent window ended at ``at``; any eligible agent may take it."""

    task_id: str
    at: float


@attrs.frozen
class AgentPaused:
    """An agent stopped receiving work because it let an offer time out (``at`` is
    when the offer fell due)."""

    agent_id: str
    at: float


@attrs.frozen
class Expired:
    """A task's time-to-live ended while it was queued or offered (``at`` is when it
    fell due); it left the router, and an open offer of it was withdrawn."""

    task_id: str
    at: float


NO_ELIGIBLE_AGENT = "no_eligible_agent"
"""No agent in the pool has the task's skills, its channel and enough units."""
NO_AVAILABLE_AGENT = "no_available_agent"
"""Agents with the skills exist, but none is available (all away, offline, paused)."""
ALL_DECLINED = "all_declined"
"""Every available eligible agent declined the task or let it time out, and is in its
cooldown (``Policy.decline_cooldown``); the task goes to them again when it ends."""


@attrs.frozen
class Unroutable:
    """A waiting task that no agent can take, and why (one of :data:`NO_ELIGIBLE_AGENT`,
    :data:`NO_AVAILABLE_AGENT`, :data:`ALL_DECLINED`).

    Reported once per cause, at the end of the call that found it (``at`` is that
    call's ``now``): again only after the cause changed or the task was offered in
    between. ``Router.unroutable_tasks`` lists the tasks in this state now.
    """

    task_id: str
    reason: str
    at: float


@attrs.frozen
class Reserved:
    """A unit-capped agent is held for a waiting task that needs more units than it
    has free: it takes no other work until the task is offered or leaves the queue
    (``Policy.reserve_agents``)."""

    task_id: str
    agent_id: str
    at: float


# -- the lifecycle: with these, a host can mirror every view of the router ---------


@attrs.frozen
class Submitted:
    """A task entered the router (``Router.submit``): ``arrived_at`` is its arrival
    (``created_at``, else ``not_before`` for a scheduled task, else ``at``), the
    instant its SLA clock and place in line count from. One of ``Offered``,
    ``Queued`` or ``Scheduled`` follows in the same call."""

    task: Task
    arrived_at: float
    at: float


@attrs.frozen
class Scheduled:
    """A submitted or updated task has a ``not_before`` still to come (``release_at``):
    it is invisible to routing until then, when it is ``Queued`` or ``Offered``."""

    task_id: str
    release_at: float
    at: float


@attrs.frozen
class Accepted:
    """An offer was accepted: the task is assigned to ``agent_id``. For a warm
    transfer this is the hand-over: the agent that started it lets the task go."""

    task_id: str
    agent_id: str
    offer_id: int
    at: float


@attrs.frozen
class Completed:
    """An assigned task was completed by ``agent_id`` (``resolved``: as the call said).
    With after-contact work,
    ``wrap_up_until`` is when it ends (``inf``: when ``Router.end_wrap_up`` is
    called) and the agent holds the task's slot and units until ``WrapUpEnded``;
    ``None``: the agent let it go at once."""

    task_id: str
    agent_id: str
    resolved: bool
    wrap_up_until: float | None
    at: float


@attrs.frozen
class WrapUpEnded:
    """An agent's after-contact work on a task ended (its duration passed, or
    ``Router.end_wrap_up``): the task left the router and its slot is free."""

    task_id: str
    agent_id: str
    at: float


@attrs.frozen
class Cancelled:
    """A scheduled, queued or offered task was withdrawn (``Router.cancel``)."""

    task_id: str
    at: float


@attrs.frozen
class Transferred:
    """An assigned task left ``from_agent``: to the queue (``to_agent`` ``None``, then
    it is ``Queued`` or ``Offered`` next) or offered to ``to_agent``. With ``warm``,
    ``from_agent`` keeps the task (its slot and units) until the target accepts
    (``Accepted``) or refuses (``TransferDeclined``)."""

    task_id: str
    from_agent: str
    to_agent: str | None
    warm: bool
    at: float


@attrs.frozen
class TransferDeclined:
    """The target of a warm transfer declined it or let the offer time out (``reason``
    ``"declined"`` or ``"timeout"``; ``agent_id`` is the target): the task stays
    assigned to the agent that started the transfer."""

    task_id: str
    agent_id: str
    reason: str
    at: float


@attrs.frozen
class Updated:
    """A scheduled or waiting task was changed in place (``Router.update_task``,
    ``Router.convert_to_callback``): ``task`` is the task as it is now; it keeps its
    arrival, exclusions and sequence."""

    task: Task
    at: float


@attrs.frozen
class ReservationEnded:
    """``agent_id`` is no longer held for ``task_id`` (see :class:`Reserved`): the task
    was offered or left, a relaxation step no longer needs the agent, or the agent
    stopped being available or changed."""

    task_id: str
    agent_id: str
    at: float


@attrs.frozen
class Routable:
    """A waiting task reported :class:`Unroutable` can be taken by an agent again (it
    still waits, or is offered later in the same call)."""

    task_id: str
    at: float


@attrs.frozen
class AgentAdded:
    """An agent joined the pool, available (``Router.add_agent``)."""

    agent_id: str
    at: float


@attrs.frozen
class AgentRemoved:
    """An agent left the pool (``Router.remove_agent``)."""

    agent_id: str
    at: float


@attrs.frozen
class AgentUpdated:
    """An agent's profile (skills, capacity, unit cap) changed (``Router.update_agent``);
    work it holds finishes as it is."""

    agent_id: str
    at: float


@attrs.frozen
class AgentStateChanged:
    """An agent's state or reason code changed (``Router.set_agent_state``); an agent
    paused by an offer timeout is reported by :class:`AgentPaused` instead."""

    agent_id: str
    state: AgentState
    reason: str | None
    at: float


# Built for every offer and every queued task: see ``routing.model.new_offer``.
_new = object.__new__
(_offered_offer,) = slot_setters(Offered, "offer")
_queued_task_id, _queued_at = slot_setters(Queued, "task_id", "at")


def new_offered(offer: Offer) -> Offered:
    """``Offered(offer)``, without attrs' ``__init__``."""
    event: Offered = _new(Offered)
    _offered_offer(event, offer)
    return event


_submitted_task, _submitted_arrived_at, _submitted_at = slot_setters(
    Submitted, "task", "arrived_at", "at"
)
_accepted_task_id, _accepted_agent_id, _accepted_offer_id, _accepted_at = slot_setters(
    Accepted, "task_id", "agent_id", "offer_id", "at"
)
_completed_task_id, _completed_agent_id, _completed_resolved, _completed_until, _completed_at = (
    slot_setters(Completed, "task_id", "agent_id", "resolved", "wrap_up_until", "at")
)


def new_submitted(task: Task, arrived_at: float, at: float) -> Submitted:
    """``Submitted(task, arrived_at, at)``, without attrs' ``__init__`` (every submit)."""
    event: Submitted = _new(Submitted)
    _submitted_task(event, task)
    _submitted_arrived_at(event, arrived_at)
    _submitted_at(event, at)
    return event


def new_accepted(task_id: str, agent_id: str, offer_id: int, at: float) -> Accepted:
    """``Accepted(...)``, without attrs' ``__init__`` (every accept)."""
    event: Accepted = _new(Accepted)
    _accepted_task_id(event, task_id)
    _accepted_agent_id(event, agent_id)
    _accepted_offer_id(event, offer_id)
    _accepted_at(event, at)
    return event


def new_completed(
    task_id: str, agent_id: str, resolved: bool, wrap_up_until: float | None, at: float
) -> Completed:
    """``Completed(...)``, without attrs' ``__init__`` (every completion)."""
    event: Completed = _new(Completed)
    _completed_task_id(event, task_id)
    _completed_agent_id(event, agent_id)
    _completed_resolved(event, resolved)
    _completed_until(event, wrap_up_until)
    _completed_at(event, at)
    return event


def new_queued(task_id: str, at: float) -> Queued:
    """``Queued(task_id, at)``, without attrs' ``__init__``."""
    event: Queued = _new(Queued)
    _queued_task_id(event, task_id)
    _queued_at(event, at)
    return event


Event: TypeAlias = (
    Offered
    | Queued
    | Requeued
    | SlaBreached
    | Relaxed
    | PreferenceExpired
    | AgentPaused
    | Expired
    | Unroutable
    | Reserved
    | Submitted
    | Scheduled
    | Accepted
    | Completed
    | WrapUpEnded
    | Cancelled
    | Transferred
    | TransferDeclined
    | Updated
    | ReservationEnded
    | Routable
    | AgentAdded
    | AgentRemoved
    | AgentUpdated
    | AgentStateChanged
)
