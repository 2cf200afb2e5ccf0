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

    ``reason`` is ``"declined"``, ``"timeout"`` or ``"agent_removed"``.
    """

    task_id: str
    agent_id: str
    reason: str
    at: float


@attrs.frozen
class SlaBreached:
    """A waiting task passed its deadline (``at`` is the deadline itself)."""

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
    """An agent stopped receiving work because it let an offer time out."""

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
    Offered | Queued | Requeued | SlaBreached | Relaxed | PreferenceExpired | AgentPaused
)
