"""The lifecycle operations, case by case, with hand-computed expectations: wrap-up,
transfers (cold, named, warm), updates in place, scheduled tasks, callbacks, live
profile changes and agent states with reason codes. The stateful test drives them all
at random against the oracle; these pin what each one means."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from routing import (
    Accepted,
    Agent,
    AgentState,
    AgentStateChanged,
    AgentUnavailableError,
    Cancelled,
    Completed,
    Customer,
    IllegalTransitionError,
    InvalidDurationError,
    InvalidInputError,
    InvalidTypeError,
    Offered,
    Policy,
    Queued,
    Requeued,
    Requirement,
    Router,
    Scheduled,
    SlaBreached,
    Submitted,
    Task,
    TaskState,
    TransferDeclined,
    Transferred,
    UnknownAgentError,
    Updated,
    WrapUpEnded,
)
from tests.oracle import decisions, offers_in
from tests.routing.populated import populated, snapshot


def voice_agent(agent_id: str, **skills: int) -> Agent:
    return Agent(agent_id, skills or {"billing": 3}, {"voice": 1})


def assigned(router: Router, task: Task, now: float) -> str:
    """Submit ``task`` and accept its offer at ``now``; the agent's id."""
    [offer] = offers_in(router.submit(task, now))
    router.accept(offer.id, now)
    return offer.agent_id


def router_with(*agents: Agent) -> Router:
    router = Router(Policy(offer_timeout=None))
    for agent in agents:
        router.add_agent(agent, 0.0)
    return router


class TestWrapUp:
    def test_the_agent_takes_nothing_until_its_wrap_up_ends(self) -> None:
        router = router_with(voice_agent("ann"))
        assigned(router, Task("t1", "voice"), 1.0)
        router.submit(Task("t2", "voice"), 2.0)
        events = router.complete("t1", 10.0, wrap_up=30.0)
        assert events == [Completed("t1", "ann", True, 40.0, 10.0)]
        assert router.task_state("t1") is TaskState.WRAP_UP
        assert router.agent_status("ann").wrap_up == ("t1",)
        assert router.next_timer_at() == 40.0
        assert offers_in(router.advance(39.5)) == []
        events = router.advance(40.0)
        assert events[0] == WrapUpEnded("t1", "ann", 40.0)
        [offer] = offers_in(events)
        assert (offer.task_id, offer.made_at) == ("t2", 40.0)

    def test_an_open_ended_wrap_up_lasts_until_it_is_ended(self) -> None:
        router = router_with(voice_agent("ann"))
        assigned(router, Task("t1", "voice"), 1.0)
        router.complete("t1", 5.0, wrap_up=math.inf)
        assert router.next_timer_at() is None
        router.submit(Task("t2", "voice"), 6.0)
        events = router.end_wrap_up("t1", 20.0)
        assert events[0] == WrapUpEnded("t1", "ann", 20.0)
        assert [o.task_id for o in offers_in(events)] == ["t2"]
        with pytest.raises(Exception, match="not active"):
            router.task_state("t1")

    def test_the_idle_clock_restarts_when_the_wrap_up_ends(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        assigned(router, Task("t1", "voice"), 1.0)  # ann, idle longest
        assigned(router, Task("t2", "voice"), 1.0)  # bob
        router.complete("t1", 5.0, wrap_up=10.0)  # ann free at 15
        router.complete("t2", 12.0)  # bob free at 12
        router.advance(15.0)
        [offer] = offers_in(router.submit(Task("t3", "voice"), 16.0))
        assert offer.agent_id == "bob"  # idle since 12, ann only since 15

    @pytest.mark.parametrize("wrap_up", [-1.0, math.nan, 1e-4, "5", -math.inf])
    def test_a_bad_wrap_up_is_refused_and_changes_nothing(self, wrap_up: Any) -> None:
        router, _ = populated()
        before = snapshot(router)
        with pytest.raises(InvalidDurationError, match="wrap_up"):
            router.complete("assigned", router.now, wrap_up=wrap_up)
        assert snapshot(router) == before

    def test_ending_a_wrap_up_that_is_not_one_is_refused(self) -> None:
        router, _ = populated()
        before = snapshot(router)
        with pytest.raises(IllegalTransitionError, match="not in wrap-up"):
            router.end_wrap_up("assigned", router.now)
        assert snapshot(router) == before


class TestTransfer:
    def test_a_cold_transfer_to_the_queue_keeps_the_arrival_and_the_sla_clock(self) -> None:
        router = router_with(voice_agent("ann", billing=3), voice_agent("bob", fraud=3))
        router.set_agent_state("bob", AgentState.AWAY, 0.0)
        task = Task("t1", "voice", Requirement({"billing": 1}), sla_target=20.0)
        assert assigned(router, task, 5.0) == "ann"
        router.submit(Task("t2", "voice", Requirement({"billing": 1})), 6.0)
        events = router.transfer("t1", 30.0, requirement=Requirement({"fraud": 2}))
        # queued again past its deadline (5 + 20): breached at once; ann takes t2
        assert decisions(events)[:3] == [
            Transferred("t1", "ann", None, False, 30.0),
            SlaBreached("t1", 30.0),
            Queued("t1", 30.0),
        ]
        assert [o.task_id for o in offers_in(events)] == ["t2"]
        [waiting] = router.waiting_tasks()
        assert waiting.requirement == Requirement({"fraud": 2})
        assert router.oldest_wait(30.0) == 25.0  # counted from the first arrival
        [offer] = offers_in(router.set_agent_state("bob", AgentState.AVAILABLE, 31.0))
        assert offer.task_id == "t1" and offer.agent_id == "bob"

    def test_a_named_transfer_goes_to_that_agent_when_it_frees_within_the_window(
        self,
    ) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"), voice_agent("cat"))
        assigned(router, Task("t1", "voice"), 1.0)  # ann
        assigned(router, Task("t2", "voice"), 1.0)  # bob
        events = router.transfer("t1", 10.0, "bob", window=30.0)
        assert offers_in(events) == []  # bob is busy; cat is idle but not named
        assert router.task_state("t1") is TaskState.QUEUED
        [offer] = offers_in(router.complete("t2", 20.0))
        assert (offer.task_id, offer.agent_id) == ("t1", "bob")
        assert offer.terms.context == router.policy.w_context

    def test_a_named_transfer_falls_back_to_anyone_when_its_window_ends(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"), voice_agent("cat"))
        assigned(router, Task("t1", "voice"), 1.0)
        assigned(router, Task("t2", "voice"), 1.0)
        router.transfer("t1", 10.0, "bob", window=5.0)
        [offer] = offers_in(router.advance(15.0))
        assert (offer.task_id, offer.agent_id, offer.made_at) == ("t1", "cat", 15.0)

    def test_a_warm_transfer_keeps_the_first_agent_until_the_hand_over(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        assigned(router, Task("t1", "voice"), 1.0)  # ann
        router.set_agent_state("bob", AgentState.AWAY, 1.0)
        router.transfer("t1", 10.0, "bob", warm=True)
        router.submit(Task("t2", "voice"), 11.0)
        status = router.agent_status("ann")
        assert status.consulting == ("t1",) and not status.idle  # holds it: t2 waits
        [offer] = offers_in(router.set_agent_state("bob", AgentState.AVAILABLE, 12.0))
        events = router.accept(offer.id, 13.0)
        assert events[0] == Accepted("t1", "bob", offer.id, 13.0)
        assert [o.task_id for o in offers_in(events)] == ["t2"]  # ann let go
        assert router.agent_tasks("ann") == ["t2"] and router.agent_tasks("bob") == ["t1"]

    def test_a_declined_warm_transfer_returns_to_the_first_agent(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        assigned(router, Task("t1", "voice"), 1.0)
        [offer] = offers_in(router.transfer("t1", 10.0, "bob", warm=True))
        events = router.decline(offer.id, 12.0)
        assert events == [TransferDeclined("t1", "bob", "declined", 12.0)]
        assert router.task_state("t1") is TaskState.ASSIGNED
        assert router.agent_tasks("ann") == ["t1"] and router.agent_tasks("bob") == []
        router.complete("t1", 20.0)  # ann finishes it as before

    def test_a_customer_hanging_up_during_a_warm_transfer_frees_both(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        assigned(router, Task("t1", "voice"), 1.0)
        router.transfer("t1", 10.0, "bob", warm=True)
        assert router.cancel("t1", 11.0) == [Cancelled("t1", 11.0)]
        assert all(status.idle for status in router.agent_statuses())

    def test_a_hang_up_as_the_transfer_times_out_frees_the_first_agent_too(self) -> None:
        # The offer to bob times out at 25, the instant the customer hangs up: the
        # task goes back to ann, then the cancel takes it from her (it was waiting
        # when called); nothing is left assigned.
        router = Router(Policy(offer_timeout=15.0, pause_on_timeout=False))
        for agent in (voice_agent("ann"), voice_agent("bob")):
            router.add_agent(agent, 0.0)
        assigned(router, Task("t1", "voice"), 1.0)
        router.transfer("t1", 10.0, "bob", warm=True)
        events = router.cancel("t1", 25.0)
        assert events == [
            TransferDeclined("t1", "bob", "timeout", 25.0),
            Cancelled("t1", 25.0),
        ]
        assert all(status.idle for status in router.agent_statuses())
        router.check()

    def test_back_from_an_unanswered_transfer_with_a_requirement_its_agent_lacks(self) -> None:
        # ann hands t1 to the queue for a fraud specialist; bob, the only one, lets the
        # offer time out: t1 is ann's again, with the requirement she asked for, and
        # a cold transfer later keeps it.
        router = Router(Policy(offer_timeout=15.0, pause_on_timeout=False))
        router.add_agent(voice_agent("ann"), 0.0)
        router.add_agent(voice_agent("bob", fraud=5), 0.0)
        router.set_agent_state("bob", AgentState.AWAY, 0.0)
        assert assigned(router, Task("t1", "voice"), 1.0) == "ann"
        router.set_agent_state("bob", AgentState.AVAILABLE, 2.0)
        fraud = Requirement({"fraud": 5})
        [offer] = offers_in(router.transfer("t1", 10.0, requirement=fraud, warm=True))
        assert offer.agent_id == "bob"
        assert router.advance(25.0)[0] == TransferDeclined("t1", "bob", "timeout", 25.0)
        assert router.task_state("t1") is TaskState.ASSIGNED
        assert router.agent_tasks("ann") == ["t1"]
        router.check()
        [again] = offers_in(router.transfer("t1", 30.0))
        assert again.agent_id == "bob"  # still the fraud requirement
        router.check()

    def test_a_target_that_could_never_take_it_is_refused_and_changes_nothing(
        self,
    ) -> None:
        router, _ = populated()
        before = snapshot(router)
        with pytest.raises(AgentUnavailableError, match="no capacity"):
            router.transfer("assigned", router.now, "dee")  # email only
        with pytest.raises(AgentUnavailableError, match="already"):
            router.transfer("assigned", router.now, "ann")
        with pytest.raises(UnknownAgentError):
            router.transfer("assigned", router.now, "zed")
        with pytest.raises(IllegalTransitionError, match="only an assigned task"):
            router.transfer("queued", router.now)
        with pytest.raises(InvalidTypeError, match="not a Requirement"):
            router.transfer("assigned", router.now, requirement={"billing": 1})  # type: ignore[arg-type]
        assert snapshot(router) == before


class TestUpdate:
    def test_a_higher_priority_moves_a_waiting_task_ahead_exactly(self) -> None:
        router = router_with(voice_agent("ann"))
        router.set_agent_state("ann", AgentState.AWAY, 0.0)
        router.submit(Task("old", "voice"), 1.0)
        router.submit(Task("new", "voice"), 2.0)
        events = router.update_task(Task("new", "voice", priority=50.0), 3.0)
        assert events == [Updated(Task("new", "voice", priority=50.0), 3.0)]
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, 4.0))
        assert offer.task_id == "new"
        assert offer.terms.priority == 50.0 * router.policy.w_priority

    def test_a_widened_requirement_is_offered_at_once(self) -> None:
        router = router_with(voice_agent("ann", billing=1))
        router.submit(Task("t1", "voice", Requirement({"fraud": 4})), 1.0)
        events = router.update_task(Task("t1", "voice", Requirement({"billing": 1})), 5.0)
        [offer] = offers_in(events)
        assert (offer.task_id, offer.agent_id, offer.made_at) == ("t1", "ann", 5.0)

    def test_what_a_task_keeps_cannot_change_and_nothing_does(self) -> None:
        router, _ = populated()
        before = snapshot(router)
        queued = Task("queued", "voice", customer=Customer("c1"))
        with pytest.raises(InvalidInputError, match="customer"):
            router.update_task(attrs.evolve(queued, customer=None), router.now)
        with pytest.raises(InvalidInputError, match="keeps the arrival"):
            router.update_task(attrs.evolve(queued, created_at=0.0), router.now)
        with pytest.raises(IllegalTransitionError, match="only a scheduled or waiting"):
            router.update_task(Task("offered", "voice"), router.now)
        with pytest.raises(InvalidTypeError):
            router.update_task("queued", router.now)  # type: ignore[arg-type]
        assert snapshot(router) == before


class TestScheduled:
    def test_a_scheduled_task_is_invisible_until_its_time_then_offered_then(self) -> None:
        router = router_with(voice_agent("ann"))
        task = Task("cb", "voice", not_before=100.0, sla_target=20.0)
        events = router.submit(task, 10.0)
        assert events == [Submitted(task, 100.0, 10.0), Scheduled("cb", 100.0, 10.0)]
        assert router.waiting_count() == 0 and router.task_state("cb") is TaskState.SCHEDULED
        assert router.next_timer_at() == 100.0
        events = router.advance(100.0)
        assert events[0] == Queued("cb", 100.0)
        [offer] = offers_in(events)
        assert offer.made_at == 100.0
        assert offer.terms.urgency == 0.0  # its SLA clock starts at not_before, not at 10

    def test_a_ttl_that_ends_before_the_release_is_refused(self) -> None:
        router = router_with(voice_agent("ann"))
        with pytest.raises(InvalidInputError, match="expire before it is routed"):
            router.submit(Task("cb", "voice", not_before=100.0, created_at=0.0, ttl=50.0), 10.0)
        assert router.waiting_count() == 0 and router.next_timer_at() is None


class TestCallback:
    def test_callbacks_keep_their_place_in_line(self) -> None:
        router = router_with(Agent("out", {"billing": 1}, {"callback": 1}))
        router.set_agent_state("out", AgentState.AWAY, 0.0)
        router.submit(Task("first", "voice"), 1.0)
        router.submit(Task("second", "voice"), 2.0)
        router.convert_to_callback("second", 3.0)
        router.convert_to_callback("first", 4.0)
        assert [t.id for t in router.waiting_tasks("callback")] == ["first", "second"]
        assert router.waiting_count("voice") == 0
        [offer] = offers_in(router.set_agent_state("out", AgentState.AVAILABLE, 5.0))
        assert offer.task_id == "first"

    def test_a_callback_at_a_time_waits_until_then(self) -> None:
        router = router_with(Agent("out", {"billing": 1}, {"callback": 1}))
        router.set_agent_state("out", AgentState.AWAY, 0.0)
        router.submit(Task("c", "voice"), 1.0)
        events = router.convert_to_callback("c", 2.0, not_before=60.0)
        assert events[-1] == Scheduled("c", 60.0, 2.0)
        router.set_agent_state("out", AgentState.AVAILABLE, 3.0)
        assert router.task_state("c") is TaskState.SCHEDULED
        [offer] = offers_in(router.advance(60.0))
        assert offer.task_id == "c"


class TestLiveProfileChange:
    def test_work_in_hand_finishes_and_new_work_follows_the_new_profile(self) -> None:
        router = router_with(Agent("ann", {"billing": 3}, {"chat": 3}))
        for k in range(3):
            assigned(router, Task(f"c{k}", "chat"), 1.0)
        router.update_agent(Agent("ann", {"billing": 3}, {"chat": 1}), 2.0)
        router.submit(Task("c3", "chat"), 3.0)
        assert offers_in(router.complete("c0", 4.0)) == []  # two chats left, cap 1
        assert offers_in(router.complete("c1", 5.0)) == []
        [offer] = offers_in(router.complete("c2", 6.0))
        assert offer.task_id == "c3"

    def test_a_new_skill_takes_waiting_work_at_once(self) -> None:
        router = router_with(voice_agent("ann", billing=1))
        router.submit(Task("t1", "voice", Requirement({"fraud": 2})), 1.0)
        [offer] = offers_in(router.update_agent(voice_agent("ann", fraud=2), 2.0))
        assert offer.task_id == "t1"


class TestAgentStates:
    def test_reason_codes_and_idle_versus_busy(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        assigned(router, Task("t1", "voice"), 1.0)  # ann busy
        events = router.set_agent_state("bob", AgentState.AWAY, 2.0, reason="break")
        assert events == [AgentStateChanged("bob", AgentState.AWAY, "break", 2.0)]
        events = router.set_agent_state("bob", AgentState.AWAY, 3.0, reason="training")
        assert events == [AgentStateChanged("bob", AgentState.AWAY, "training", 3.0)]
        assert router.set_agent_state("bob", AgentState.AWAY, 4.0, reason="training") == []
        ann, bob = router.agent_statuses()
        assert (ann.state, ann.idle, ann.tasks) == (AgentState.AVAILABLE, False, ("t1",))
        assert (bob.reason, bob.since, bob.idle) == ("training", 2.0, False)
        with pytest.raises(Exception, match="reason"):
            router.set_agent_state("bob", AgentState.AWAY, 5.0, reason="")

    def test_an_update_wins_over_an_offer_a_timer_made_at_the_same_instant(self) -> None:
        router = router_with(voice_agent("ann"), voice_agent("bob"))
        router.set_agent_state("bob", AgentState.AWAY, 0.0)
        task = Task("t1", "voice", preferred_agents=("bob",), preferred_window=5.0)
        router.submit(task, 0.0)  # waits for bob until 5, though ann is idle
        events = router.update_task(attrs.evolve(task, priority=3.0), 5.0)
        # the window ends at 5 and ann is offered t1 by that timer; the update, at
        # the same instant, withdraws the offer and routes the task as it now is
        assert [type(e).__name__ for e in events] == [
            "PreferenceExpired",
            "Offered",
            "Requeued",
            "Updated",
            "Offered",
        ]
        assert events[2] == Requeued("t1", "ann", "updated", 5.0)
        assert isinstance(events[-1], Offered) and events[-1].offer.terms.priority == 3.0
