"""Events: what a router call caused. Every mutating call returns a ``list[Event]``."""

from __future__ import annotations

from typing import TypeAlias

import attrs

from routing.model import Offer, Skills, slot_setters


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
    due). Either way the agent may not be offered this task again for
    ``Policy.decline_cooldown`` seconds.
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


# Built for every offer and every queued task: see ``routing.model.new_offer``.
_new = object.__new__
(_offered_offer,) = slot_setters(Offered, "offer")
_queued_task_id, _queued_at = slot_setters(Queued, "task_id", "at")


def new_offered(offer: Offer) -> Offered:
    """``Offered(offer)``, without attrs' ``__init__``."""
    event: Offered = _new(Offered)
    _offered_offer(event, offer)
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
)
