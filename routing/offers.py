"""Offers: a task reserved for one agent until accepted, declined, timed out or cancelled.

An offer holds a slot on its task's channel and the task's units on the agent from the
moment it is made, so an agent is never offered more than it can take; ``accept``
keeps the hold (the task is assigned), every other end gives it back. Each offer
carries the score terms that chose it (``ScoreTerms``), so every decision can be
explained, and with ``Policy.offer_timeout`` it arms a timeout (see ``timers``), so
nothing stays reserved for ever.

:class:`Offers` owns the table of open offers, their ids, how one is made and closed,
and the checks on an offer id a caller passes; the router decides when an offer is
made and what becomes of the task when one ends (DESIGN section 6).
"""

from __future__ import annotations

from routing._state import LiveAgent, LiveTask
from routing.errors import OfferExpiredError, UnknownOfferError
from routing.events import Event, new_offered
from routing.model import Offer, TaskState, new_offer, new_score_terms, shown
from routing.policy import Policy
from routing.timers import Timers

# Enum members as module constants for the hot paths (see ``routing.router``).
_OFFERED = TaskState.OFFERED

OpenOffer = tuple[Offer, LiveTask, LiveAgent]


class Offers:
    """The open offers of one router, by id.

    Args:
        policy: the router's policy (score weights, offer timeout).
        timers: the router's timers, where an offer with a timeout arms it.
    """

    __slots__ = ("_seq", "open", "policy", "timers")

    def __init__(self, policy: Policy, timers: Timers) -> None:
        self.policy = policy
        self.timers = timers
        self.open: dict[int, OpenOffer] = {}
        self._seq = 0

    def get(self, offer_id: int) -> OpenOffer:
        """The open offer ``offer_id`` with its task and agent.

        Raises:
            UnknownOfferError: no open offer has this id.
        """
        found = self.open.get(offer_id)
        if found is None:
            raise UnknownOfferError(f"offer {shown(offer_id)} is not open")
        return found

    def answerable(self, offer_id: int, now: float) -> OpenOffer:
        """The open offer ``offer_id``, which may still be accepted or declined at ``now``.

        Raises:
            UnknownOfferError: no open offer has this id.
            OfferExpiredError: its timeout is at or before ``now``.
        """
        found = self.open.get(offer_id)  # ``get`` inline: once per accept and decline
        if found is None:
            raise UnknownOfferError(f"offer {shown(offer_id)} is not open")
        offer = found[0]
        if offer.expires_at is not None and offer.expires_at <= now:
            raise OfferExpiredError(
                f"offer {offer_id!r} of task {offer.task_id!r} expired at {offer.expires_at!r}"
            )
        if found[1].expired_by(now):
            raise OfferExpiredError(
                f"offer {offer_id!r}: its task {offer.task_id!r} expired at "
                f"{found[1].expires_at!r} (its ttl)"
            )
        return found

    def make(
        self,
        rec: LiveTask,
        agent: LiveAgent,
        fit: float,
        context: float,
        now: float,
        events: list[Event],
    ) -> None:
        """Reserve the dequeued ``rec`` for ``agent`` at ``now`` and report it in
        ``events`` (the caller reindexes the agent). Runtime complexity: O(log n)."""
        policy = self.policy
        task = rec.task
        self._seq += 1
        offer_id = self._seq
        value = task.customer.value if task.customer is not None else 0.0
        # Every timer due by ``now`` has fired, so the task is on its urgency segment
        # for ``now`` and ``urgency_a + slope * now`` is ``policy``'s urgency at ``now``.
        terms = new_score_terms(
            policy.w_value * value,
            policy.w_priority * task.priority,
            rec.urgency_a + rec.slope * now,
            fit,
            context,
        )
        timeout = policy.offer_timeout
        expires_at = None if timeout is None else now + timeout
        offer = new_offer(offer_id, task.id, agent.id, now, expires_at, terms)
        rec.state = _OFFERED
        rec.agent = agent
        rec.offer_id = offer_id
        agent.work[task.id] = rec
        agent.load[task.channel] += 1
        agent.units_used += task.units
        self.open[offer_id] = (offer, rec, agent)
        if expires_at is not None:
            self.timers.push_timeout(expires_at, rec)
        events.append(new_offered(offer))

    def close(self, rec: LiveTask, agent: LiveAgent) -> None:
        """Close ``rec``'s open offer without an answer (cancelled), giving back what it
        held on ``agent`` (the caller reindexes the agent)."""
        assert rec.offer_id is not None
        del self.open[rec.offer_id]
        agent.release(rec)

    def refuse(self, rec: LiveTask, agent: LiveAgent, at: float) -> None:
        """Close ``rec``'s open offer as declined by ``agent`` or timed out at ``at``: as
        :meth:`close`, and ``agent`` is not offered ``rec`` again until
        ``Policy.decline_cooldown`` has passed (a timer lifts the exclusion)."""
        assert rec.offer_id is not None
        del self.open[rec.offer_id]
        agent.release(rec)
        until = at + self.policy.decline_cooldown
        if rec.declined_by is None:
            rec.declined_by = {}
        rec.declined_by[agent.id] = until
        self.timers.push_cooldown(until, rec)

    def check(self) -> None:
        """Assert that every open offer and its task and agent agree. Runtime: O(offers)."""
        for offer_id, (offer, rec, agent) in self.open.items():
            assert offer.id == offer_id and rec.offer_id == offer_id and rec.agent is agent
            assert rec.state is TaskState.OFFERED, (offer_id, rec.state)
            assert agent.work.get(offer.task_id) is rec and rec.task.id == offer.task_id
