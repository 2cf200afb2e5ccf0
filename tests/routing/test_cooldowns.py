"""Declines and offer timeouts exclude an agent from a task for a cooldown, never for
good: nothing is stranded while eligible agents are idle."""

from __future__ import annotations

import pytest

from routing import (
    ALL_DECLINED,
    Agent,
    AgentState,
    Offered,
    Policy,
    Requeued,
    Router,
    Task,
    Unroutable,
)
from tests.oracle import OracleRouter, decisions, offers_in


def two_agents(policy: Policy) -> Router:
    router = Router(policy)
    router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
    router.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now=0)
    return router


class TestNothingStranded:
    def test_one_decline_and_one_timeout_do_not_strand_the_task(self) -> None:
        """The issue's case: with two eligible agents, one declines and the other lets
        the offer time out. Before, the task then waited for ever with ann idle and no
        event; now it is reported, and offered to ann again when her cooldown ends."""
        policy = Policy(offer_timeout=10, pause_on_timeout=False, decline_cooldown=30)
        router = two_agents(policy)
        [first] = offers_in(router.submit(Task("t1", "voice"), now=1))
        assert first.agent_id == "ann"
        events = router.decline(first.id, now=2)
        [second] = offers_in(events)
        assert second.agent_id == "bob"
        events = router.advance(12)  # bob's offer times out at 12
        assert decisions(events) == [
            Requeued("t1", "bob", "timeout", 12.0),
            Unroutable("t1", ALL_DECLINED, 12.0),
        ]
        assert router.unroutable_tasks() == {"t1": ALL_DECLINED}
        assert router.next_timer_at() == 32.0  # ann's exclusion ends (declined at 2)
        assert offers_in(router.advance(31.9)) == []
        [again] = offers_in(router.advance(32.0))
        assert (again.agent_id, again.made_at) == ("ann", 32.0)
        assert router.unroutable_tasks() == {}
        router.check()

    def test_an_agent_busy_when_its_cooldown_ends_takes_the_task_when_free(self) -> None:
        router = Router(Policy(decline_cooldown=5))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice"), now=0))
        router.decline(offer.id, now=1)  # ann may not have t1 until 6
        [other] = offers_in(router.submit(Task("t2", "voice"), now=2))
        assert other.task_id == "t2"
        router.accept(other.id, now=2)
        assert offers_in(router.advance(10)) == []  # the cooldown ended; ann is busy
        [offer] = offers_in(router.complete("t2", now=11))
        assert offer.task_id == "t1"

    def test_the_exclusion_lasts_exactly_the_cooldown(self) -> None:
        router = Router(Policy(decline_cooldown=7.5))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice"), now=0))
        router.decline(offer.id, now=2.5)
        router.set_agent_state("ann", AgentState.AWAY, now=3)
        router.set_agent_state("ann", AgentState.AVAILABLE, now=9.9)
        assert router.task_state("t1").value == "queued"  # still excluded at 9.9
        [offer] = offers_in(router.advance(10.0))
        assert offer.made_at == 10.0

    def test_accepting_forgets_the_exclusions(self) -> None:
        router = two_agents(Policy(decline_cooldown=50))
        [offer] = offers_in(router.submit(Task("t1", "voice"), now=0))
        [offer] = offers_in(router.decline(offer.id, now=1))
        router.accept(offer.id, now=2)
        assert router.next_timer_at() is None  # the cooldown's timer went stale
        router.check()


class TestAgainstTheOracle:
    @pytest.mark.parametrize("pause", [True, False])
    def test_declines_and_timeouts_in_a_loop_keep_agreeing(self, pause: bool) -> None:
        """Agents that keep refusing: every refusal's cooldown ends, the task returns,
        the same decisions as the brute-force oracle throughout."""
        policy = Policy(offer_timeout=4, pause_on_timeout=pause, decline_cooldown=6)
        router, oracle = Router(policy), OracleRouter(policy)
        for both in (router, oracle):
            both.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
            both.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now=0)
            both.submit(Task("t1", "voice"), now=0)
        offers = 0
        for step in range(1, 200):
            now = step * 1.5
            if step % 7 == 0:
                for agent_id in ("ann", "bob"):
                    assert router.set_agent_state(
                        agent_id, AgentState.AVAILABLE, now
                    ) == oracle.set_agent_state(agent_id, AgentState.AVAILABLE, now)
            events = router.advance(now)
            assert events == oracle.advance(now)
            for event in events:
                if isinstance(event, Offered) and step % 2 == 0:
                    offers += 1
                    assert router.decline(event.offer.id, now) == oracle.decline(
                        event.offer.id, now
                    )
            router.check()
        assert offers >= 5
