"""A task's time-to-live: when it passes, the task leaves with an ``Expired`` event."""

from __future__ import annotations

import pytest

from routing import (
    Agent,
    AgentState,
    Expired,
    InvalidDurationError,
    InvalidInputError,
    OfferExpiredError,
    Policy,
    Router,
    Task,
    TaskExpiredError,
    TaskState,
    UnknownOfferError,
    UnknownTaskError,
)
from tests.oracle import offers_in


def away_agent(router: Router) -> None:
    router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
    router.set_agent_state("ann", AgentState.AWAY, now=0)


class TestExpiry:
    def test_a_queued_task_leaves_when_its_ttl_passes(self) -> None:
        router = Router()
        away_agent(router)
        router.submit(Task("t1", "voice", ttl=30.0, created_at=-5.0), now=0)
        assert router.next_timer_at() == 25.0  # 30 s after it arrived
        events = router.advance(40.0)
        assert events == [Expired("t1", 25.0)]  # at when it fell due, not 40
        assert router.waiting_count() == 0 and router.unroutable_tasks() == {}
        with pytest.raises(UnknownTaskError):
            router.task_state("t1")
        router.check()

    def test_an_offered_task_expires_and_its_agent_takes_other_work(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice", ttl=10.0), now=0))
        router.submit(Task("t2", "voice"), now=1)
        events = router.advance(12.0)
        assert events[0] == Expired("t1", 10.0)
        [next_offer] = offers_in(events)
        assert (next_offer.task_id, next_offer.agent_id, next_offer.made_at) == ("t2", "ann", 12)
        with pytest.raises(UnknownOfferError, match="offer 1 is not open"):
            router.accept(offer.id, now=12.0)
        router.check()

    def test_an_assigned_task_never_expires(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice", ttl=10.0), now=0))
        router.accept(offer.id, now=1)
        assert router.advance(100.0) == []
        assert router.task_state("t1") is TaskState.ASSIGNED
        assert router.next_timer_at() is None

    def test_answering_or_cancelling_at_or_after_the_ttl_is_refused(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice", ttl=10.0), now=0))
        router.submit(Task("t2", "voice", ttl=5.0), now=0)
        for call in (
            lambda: router.accept(offer.id, now=10.0),
            lambda: router.decline(offer.id, 11),
        ):
            with pytest.raises(OfferExpiredError, match=r"task 't1' expired at 10.0 \(its ttl\)"):
                call()
        with pytest.raises(TaskExpiredError, match=r"task 't2' expired at 5.0"):
            router.cancel("t2", now=5.0)
        assert router.now == 0.0  # refused before any timer fired
        router.check()

    def test_a_task_already_past_its_ttl_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match=r"ttl 10.0 after its arrival ended"):
            Router().submit(Task("t1", "voice", ttl=10.0, created_at=-20.0), now=0)

    @pytest.mark.parametrize("ttl", [0.0, -1.0, float("nan"), float("inf")])
    def test_a_ttl_must_be_a_positive_finite_number(self, ttl: float) -> None:
        with pytest.raises(InvalidDurationError, match="ttl"):
            Task("t1", "voice", ttl=ttl)
