"""Live statistics and the estimated wait, case by case, with hand-computed
expectations; the stateful test compares them with the oracle's recount at every step.
"""

from __future__ import annotations

import math

import pytest

from routing import (
    Agent,
    AgentState,
    InvalidDurationError,
    InvalidIdError,
    InvalidTypeError,
    Policy,
    QueueStats,
    Requirement,
    Router,
    ServiceStats,
    Task,
    TimeWentBackwardsError,
    WaitEstimate,
)
from routing.stats import expected_wait
from tests.oracle import offers_in
from tests.routing.populated import populated, snapshot

BILLING = Requirement({"billing": 1})


def accept_all(router: Router, events: list[object], now: float) -> list[str]:
    """Accept every offer in ``events`` at ``now``; the agents' ids."""
    offers = offers_in(events)  # type: ignore[arg-type]
    for offer in offers:
        router.accept(offer.id, now)
    return [offer.agent_id for offer in offers]


def centre() -> Router:
    """ann and bob take voice (bob chat too, but one task of any kind at a time), cat
    takes chat and is on a break, dan takes voice and is logged out. At 0 two voice
    tasks are offered and answered at 1, two more voice tasks and a chat task wait."""
    router = Router(Policy.fifo(offer_timeout=None))
    router.add_agent(Agent("ann", {"billing": 2}, {"voice": 1}), 0.0)
    router.add_agent(Agent("bob", {"billing": 1, "tech": 1}, {"voice": 1, "chat": 2}, 1), 0.0)
    router.add_agent(Agent("cat", {"tech": 2}, {"chat": 1}), 0.0)
    router.add_agent(Agent("dan", {"billing": 1}, {"voice": 1}), 0.0)
    router.set_agent_state("cat", AgentState.AWAY, 0.0, reason="break")
    router.set_agent_state("dan", AgentState.OFFLINE, 0.0)
    events = [e for i in (1, 2) for e in router.submit(Task(f"v{i}", "voice", BILLING), 0.0)]
    assert sorted(accept_all(router, events, 1.0)) == ["ann", "bob"]
    for i in (3, 4):
        assert not offers_in(router.submit(Task(f"v{i}", "voice", BILLING), float(i)))
    assert not offers_in(router.submit(Task("c1", "chat", Requirement({"tech": 1})), 5.0))
    return router


class TestQueueStats:
    def test_per_channel_skill_and_all(self) -> None:
        router = centre()
        assert router.queue_stats(10.0, "voice") == QueueStats(
            waiting=2,
            oldest_wait=7.0,
            oldest_task="v3",
            oldest_score=7.0,  # FIFO: the score is the wait
            offered=0,
            agents_free=0,
            agents_busy=2,  # ann and bob
            agents_away=0,  # cat takes no voice
            agents_offline=1,  # dan
        )
        chat = router.queue_stats(10.0, "chat")
        assert (chat.waiting, chat.oldest_task, chat.oldest_wait) == (1, "c1", 5.0)
        assert (chat.agents_free, chat.agents_busy, chat.agents_away) == (0, 1, 1)
        tech = router.queue_stats(10.0, skill="tech")
        assert (tech.waiting, tech.oldest_task) == (1, "c1")
        assert (tech.agents_busy, tech.agents_away, tech.agents_offline) == (1, 1, 0)
        everything = router.queue_stats(10.0)
        assert (everything.waiting, everything.oldest_task, everything.oldest_wait) == (
            3,
            "v3",
            7.0,
        )
        assert (everything.agents_busy, everything.agents_away) == (2, 1)
        assert everything.agents_offline == 1
        nothing = router.queue_stats(10.0, "email")
        assert nothing == QueueStats(0, 0.0, None, None, 0, 0, 0, 0, 0)

    def test_an_offer_counts_as_offered_not_waiting_and_a_free_agent_as_free(self) -> None:
        router = centre()
        router.complete("v1", 10.0)  # v3 is offered to the agent who freed
        voice = router.queue_stats(10.0, "voice")
        assert (voice.waiting, voice.oldest_task, voice.offered) == (1, "v4", 1)
        assert (voice.agents_free, voice.agents_busy) == (0, 2)  # an offer takes the slot
        router.set_agent_state("dan", AgentState.AVAILABLE, 11.0)  # dan takes v4
        router.set_agent_state("cat", AgentState.AVAILABLE, 11.0)  # cat takes c1
        assert router.queue_stats(11.0, "voice").waiting == 0
        chat = router.queue_stats(11.0, "chat")
        assert (chat.waiting, chat.offered, chat.agents_free, chat.agents_away) == (0, 1, 0, 0)


class TestServiceStats:
    @staticmethod
    def history() -> Router:
        """One voice agent, three tasks at 0 with a 20 s target: v1 answered at 5
        (in target) and done at 10, v2 answered at 30 (late) and done at 50, v3 hung
        up at 40 (after its target)."""
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), 0.0)
        events = [
            e
            for i in (1, 2, 3)
            for e in router.submit(Task(f"v{i}", "voice", BILLING, sla_target=20.0), 0.0)
        ]
        accept_all(router, events, 5.0)
        accept_all(router, router.complete("v1", 10.0), 30.0)
        router.cancel("v3", 40.0)
        router.complete("v2", 50.0)
        return router

    def test_over_a_window_holding_everything(self) -> None:
        stats = self.history().service_stats(50.0, 100.0)
        assert stats == ServiceStats(
            window=100.0,
            answered=2,
            answered_in_target=1,
            targeted=2,
            abandoned=1,
            abandoned_after_target=1,
            expired=0,
            completed=2,
            service_level=1 / 3,  # 1 in target of 2 answered + 1 abandoned late
            asa=17.5,  # (5 + 30) / 2
            abandonment=1 / 3,
            mean_agent_time=12.5,  # (5 + 20) / 2
        )
        assert self.history().service_stats(50.0, 100.0, "voice") == stats
        assert self.history().service_stats(50.0, 100.0, "chat").answered == 0

    def test_a_window_holds_what_happened_after_its_start_up_to_now(self) -> None:
        router = self.history()
        recent = router.service_stats(50.0, 20.0)  # (30, 50]: the answer at 30 is out
        assert (recent.answered, recent.abandoned, recent.completed) == (0, 1, 1)
        assert (recent.service_level, recent.asa, recent.abandonment) == (0.0, None, 1.0)
        assert recent.mean_agent_time == 20.0
        later = router.service_stats(95.0, 50.0)  # (45, 95]
        assert (later.answered, later.abandoned, later.completed) == (0, 0, 1)
        assert later.service_level is None and later.abandonment is None

    def test_expiry_is_abandonment_and_a_task_without_target_is_not_in_the_level(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.submit(Task("gone", "voice", ttl=30.0, sla_target=10.0), 0.0)
        router.submit(Task("plain", "voice"), 0.0)
        router.advance(30.0)
        accept_all(router, router.add_agent(Agent("ann", {}, {"voice": 1}), 31.0), 32.0)
        stats = router.service_stats(40.0, 40.0)
        assert (stats.abandoned, stats.expired, stats.abandoned_after_target) == (1, 1, 1)
        assert (stats.answered, stats.targeted, stats.service_level) == (1, 0, 0.0)

    def test_agent_time_leaves_out_the_wait_after_a_cold_transfer(self) -> None:
        # ann holds t1 from 1 to 2 and sends it back to the queue; bob takes it at
        # 1,000 and completes at 1,010: agents held it 11 s, not 1,009
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {}, {"voice": 1}), 0.0)
        accept_all(router, router.submit(Task("t1", "voice"), 1.0), 1.0)
        router.set_agent_state("ann", AgentState.AWAY, 2.0)  # her work goes on
        assert not offers_in(router.transfer("t1", 2.0, warm=False))
        accept_all(router, router.add_agent(Agent("bob", {}, {"voice": 1}), 1000.0), 1000.0)
        router.complete("t1", 1010.0)
        stats = router.service_stats(1010.0, 2000.0)
        assert (stats.answered, stats.completed, stats.mean_agent_time) == (1, 1, 11.0)

    def test_the_window_is_a_positive_duration_within_the_horizon(self) -> None:
        router = Router(Policy(stats_horizon=60.0))
        assert router.service_stats(0.0, 60.0).window == 60.0
        for window in (0.0, -1.0, math.nan, 61.0, "10"):
            with pytest.raises(InvalidDurationError):
                router.service_stats(0.0, window)  # type: ignore[arg-type]


class TestEstimateWait:
    @staticmethod
    def busy() -> Router:
        """One voice agent: v1 answered at 0 and done at 10, v2 answered at 10, v3
        waiting since 0 and v4 hung up at 12, so mu = 1/10 and theta = 1 abandonment
        over 0 + 10 + 12 s waited."""
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), 0.0)
        events = [e for i in (1, 2, 3, 4) for e in router.submit(Task(f"v{i}", "voice"), 0.0)]
        accept_all(router, events, 0.0)
        accept_all(router, router.complete("v1", 10.0), 10.0)
        router.cancel("v4", 12.0)
        return router

    def test_behind_the_waiting_task_at_the_agents_recent_rate(self) -> None:
        estimate = self.busy().estimate_wait(Task("new", "voice"), 12.0)
        theta = 1 / 22
        assert estimate == WaitEstimate(
            seconds=pytest.approx(10.0 + 1 / (0.1 + theta)),  # type: ignore[arg-type]
            ahead=1,
            servers=1,
            service_rate=0.1,
            abandon_rate=pytest.approx(theta),  # type: ignore[arg-type]
        )

    def test_a_higher_score_goes_ahead_and_waits_for_the_next_free_slot(self) -> None:
        estimate = self.busy().estimate_wait(Task("vip", "voice", priority=100.0), 12.0)
        assert (estimate.ahead, estimate.seconds) == (0, pytest.approx(10.0))

    def test_nothing_to_wait_for_when_an_eligible_agent_is_free(self) -> None:
        router = self.busy()
        router.add_agent(Agent("bob", {"billing": 1}, {"voice": 1, "chat": 1}), 12.0)
        assert router.estimate_wait(Task("new", "chat"), 12.0).seconds == 0.0
        # bob took v3; ann and bob are busy on voice and the next voice task is first
        voice = router.estimate_wait(Task("new", "voice"), 12.0)
        assert (voice.ahead, voice.servers, voice.seconds) == (0, 2, pytest.approx(5.0))

    def test_unknown_without_completions_infinite_without_agents(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {}, {"voice": 1}), 0.0)
        router.submit(Task("v1", "voice"), 0.0)
        unknown = router.estimate_wait(Task("new", "voice"), 1.0)
        assert (unknown.seconds, unknown.service_rate, unknown.servers) == (None, None, 1)
        assert expected_wait(3, 0, 0.1, 0.0) == math.inf
        assert expected_wait(1, 0, 0.1, 0.5) == math.inf  # abandonment serves nobody
        assert expected_wait(1, 1, 0.1, 0.5) == pytest.approx(1 / 0.6 + 1 / 0.1)

    def test_infinite_without_a_server_even_before_any_completion(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {}, {"chat": 1}), 0.0)
        estimate = router.estimate_wait(Task("new", "voice"), 1.0)
        assert (estimate.seconds, estimate.service_rate, estimate.servers) == (math.inf, None, 0)

    def test_preferred_agents_not_in_the_pool_do_not_hold_it_back(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {}, {"voice": 1}), 0.0)
        ghost = Task("new", "voice", preferred_agents=("ghost",), preferred_window=30.0)
        assert router.estimate_wait(ghost, 1.0).seconds == 0.0  # submit offers it to ann
        bob = Task("new", "voice", preferred_agents=("ghost", "bob"), preferred_window=30.0)
        router.add_agent(Agent("bob", {}, {"chat": 1}), 1.0)
        assert router.estimate_wait(bob, 1.0).seconds != 0.0  # it waits for bob
        assert offers_in(router.submit(ghost, 1.0))[0].agent_id == "ann"

    def test_the_requirement_decides_who_serves_it(self) -> None:
        estimate = self.busy().estimate_wait(Task("new", "voice", Requirement({"tech": 1})), 12.0)
        assert estimate.servers == 0 and estimate.seconds == math.inf


class TestBadInput:
    @pytest.mark.parametrize(
        ("call", "error"),
        [
            (lambda r, now: r.queue_stats(now - 1.0), TimeWentBackwardsError),
            (lambda r, now: r.queue_stats(now, ""), InvalidIdError),
            (lambda r, now: r.queue_stats(now, skill=5), InvalidIdError),
            (lambda r, now: r.service_stats(now - 1.0, 10.0), TimeWentBackwardsError),
            (lambda r, now: r.service_stats(now, 10.0, b"voice"), InvalidIdError),
            (lambda r, now: r.service_stats(now, math.inf), InvalidDurationError),
            (lambda r, now: r.estimate_wait("t1", now), InvalidTypeError),
            (lambda r, now: r.estimate_wait(Task("t", "voice"), now - 1.0), TimeWentBackwardsError),
        ],
    )
    def test_refused_and_nothing_changed(self, call: object, error: type[Exception]) -> None:
        router, _ = populated()
        before = snapshot(router)
        with pytest.raises(error):
            call(router, router.now)  # type: ignore[operator]
        router.check()
        assert snapshot(router) == before
