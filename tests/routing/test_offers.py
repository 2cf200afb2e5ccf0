"""routing.offers: what an offer holds, how it ends, and the checks on an offer id."""

from __future__ import annotations

import pytest

from routing import Agent, Customer, Offered, OfferExpiredError, Policy, Task, UnknownOfferError
from routing._state import LiveAgent, LiveTask, Profile
from routing.events import Event
from routing.model import ScoreTerms, TaskState
from routing.offers import Offers
from routing.timers import COOLDOWN, OFFER_TIMEOUT, Timers


def live_agent() -> LiveAgent:
    agent = Agent("ann", {"billing": 3}, {"voice": 1, "chat": 3}, max_units=3)
    return LiveAgent(agent, 1, 0, Profile(agent.skills, 0), 0.0)


def live_task(task_id: str = "t1", channel: str = "chat", units: int = 1) -> LiveTask:
    task = Task(task_id, channel, customer=Customer("c1", value=2.0), priority=1.0, units=units)
    rec = LiveTask(task, 1, 0.0, None, 300.0, 3.0, False)
    rec.urgency_a, rec.slope = -1.0, 0.5  # urgency 4.0 at t = 10
    return rec


def made(
    policy: Policy, task_id: str = "t1", units: int = 1
) -> tuple[Offers, LiveTask, LiveAgent, list[Event]]:
    offers = Offers(policy, Timers())
    rec, agent = live_task(task_id, units=units), live_agent()
    events: list[Event] = []
    offers.make(rec, agent, 0.5, 5.0, 10.0, events)
    return offers, rec, agent, events


class TestMake:
    def test_an_offer_holds_a_slot_and_the_units_on_its_agent(self) -> None:
        offers, rec, agent, _ = made(Policy(), units=2)
        assert rec.state is TaskState.OFFERED and rec.agent is agent
        assert agent.work == {"t1": rec}
        assert agent.load == {"chat": 1, "voice": 0}
        assert agent.units_used == 2 and agent.free_units() == 1
        offers.check()

    def test_an_offer_carries_the_terms_that_chose_it(self) -> None:
        _, rec, _, events = made(Policy(w_value=2.0, w_priority=3.0))
        [event] = events
        assert isinstance(event, Offered)
        assert event.offer.terms == ScoreTerms(4.0, 3.0, 4.0, 0.5, 5.0)
        assert (event.offer.task_id, event.offer.agent_id, event.offer.made_at) == (
            "t1",
            "ann",
            10.0,
        )
        assert rec.offer_id == event.offer.id

    def test_ids_count_up_from_one(self) -> None:
        offers = Offers(Policy(), Timers())
        agent = live_agent()
        events: list[Event] = []
        for task_id in ("a", "b"):
            offers.make(live_task(task_id), agent, 0.0, 0.0, 1.0, events)
        assert sorted(offers.open) == [1, 2]

    def test_a_timeout_is_armed_only_when_the_policy_has_one(self) -> None:
        offers, rec, _, _ = made(Policy(offer_timeout=15.0))
        assert offers.get(1)[0].expires_at == 25.0
        assert offers.timers.heap == [(25.0, OFFER_TIMEOUT, 1, 0, rec)]
        untimed, _, _, _ = made(Policy(offer_timeout=None))
        assert untimed.get(1)[0].expires_at is None
        assert len(untimed.timers) == 0


class TestEnds:
    def test_close_gives_back_what_the_offer_held(self) -> None:
        offers, rec, agent, _ = made(Policy())
        offers.close(rec, agent)
        assert offers.open == {}
        assert agent.work == {} and agent.load["chat"] == 0 and agent.units_used == 0
        assert rec.agent is None and rec.offer_id is None and rec.declined_by is None

    def test_refuse_keeps_the_agent_from_the_task_for_the_cooldown(self) -> None:
        offers, rec, agent, _ = made(Policy(decline_cooldown=20.0))
        offers.refuse(rec, agent, 12.0)
        assert offers.open == {} and agent.work == {}
        assert rec.declined("ann") and not rec.declined("bob")
        assert rec.declined_by == {"ann": 32.0}
        assert (32.0, COOLDOWN, rec.seq, 1, rec) in offers.timers.heap  # lifts it then

    def test_an_ended_offer_s_timeout_goes_stale(self) -> None:
        offers, rec, agent, _ = made(Policy(offer_timeout=15.0, decline_cooldown=5.0))
        offers.refuse(rec, agent, 10.0)
        assert offers.timers.next_at() == 15.0  # the cooldown, not the timeout at 25


class TestOfferIds:
    def test_an_unknown_id_is_refused_naming_it(self) -> None:
        offers = Offers(Policy(), Timers())
        with pytest.raises(UnknownOfferError, match=r"^offer 7 is not open$"):
            offers.get(7)
        with pytest.raises(KeyError):
            offers.answerable(7, 0.0)

    def test_an_offer_cannot_be_answered_at_or_after_its_timeout(self) -> None:
        offers, _, _, _ = made(Policy(offer_timeout=15.0))
        assert offers.answerable(1, 24.9)[0].id == 1
        with pytest.raises(OfferExpiredError, match=r"^offer 1 of task 't1' expired at 25\.0$"):
            offers.answerable(1, 25.0)

    def test_check_catches_an_offer_its_task_does_not_know(self) -> None:
        offers, rec, _, _ = made(Policy())
        rec.offer_id = None
        with pytest.raises(AssertionError):
            offers.check()
