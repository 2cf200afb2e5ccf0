"""Router behaviour with concrete numbers: lifecycle, offers, agents, context, views."""

from __future__ import annotations

import math

import pytest

from routing import (
    ALL_DECLINED,
    NO_AVAILABLE_AGENT,
    NO_ELIGIBLE_AGENT,
    Agent,
    AgentPaused,
    AgentState,
    Customer,
    CustomerContext,
    Offer,
    Offered,
    Policy,
    PreferenceExpired,
    Queued,
    Relaxed,
    RelaxStep,
    Requeued,
    Requirement,
    Router,
    SlaBreached,
    Task,
    TaskState,
    UnknownOfferError,
    UnknownTaskError,
    Unroutable,
)
from tests.oracle import decisions, offers_in


def agent(agent_id: str, skills: dict[str, int] | None = None, **capacity: int) -> Agent:
    """An agent with ``billing`` 3 and one voice slot unless told otherwise."""
    return Agent(agent_id, skills=skills or {"billing": 3}, capacity=capacity or {"voice": 1})


def task(task_id: str, channel: str = "voice", **fields: object) -> Task:
    return Task(task_id, channel, **fields)  # type: ignore[arg-type]


def pairs(events: list[object]) -> list[tuple[str, str]]:
    """``(task_id, agent_id)`` of every offer among ``events``."""
    return [(o.task_id, o.agent_id) for o in offers_in(events)]


class TestSubmit:
    def test_offers_at_once_to_an_idle_eligible_agent(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [event] = decisions(
            router.submit(task("t1", requirement=Requirement({"billing": 2})), now=4)
        )
        assert isinstance(event, Offered)
        offer = event.offer
        assert (offer.id, offer.task_id, offer.agent_id) == (1, "t1", "ann")
        assert offer.made_at == 4.0
        assert offer.expires_at == 4.0 + Policy().offer_timeout  # type: ignore[operator]
        assert router.task_state("t1") is TaskState.OFFERED
        assert decisions(router.agent_tasks("ann")) == ["t1"]
        assert router.waiting_count() == 0

    def test_queues_when_no_agent_meets_the_skills(self) -> None:
        router = Router()
        router.add_agent(agent("ann", {"billing": 2}), now=0)
        events = router.submit(task("t1", requirement=Requirement({"billing": 3})), now=1)
        assert decisions(events) == [Queued("t1", 1.0), Unroutable("t1", NO_ELIGIBLE_AGENT, 1.0)]
        assert router.task_state("t1") is TaskState.QUEUED
        assert [t.id for t in router.waiting_tasks()] == ["t1"]

    def test_queues_when_the_agent_has_no_slot_on_the_channel(self) -> None:
        router = Router()
        router.add_agent(agent("ann", chat=3), now=0)
        assert decisions(router.submit(task("t1", "voice"), now=0)) == [
            Queued("t1", 0.0),
            Unroutable("t1", NO_ELIGIBLE_AGENT, 0.0),
        ]

    def test_queues_when_the_task_needs_more_units_than_the_agent_has(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 2}, max_units=2), now=0)
        assert decisions(router.submit(task("big", units=3), now=0)) == [
            Queued("big", 0.0),
            Unroutable("big", NO_ELIGIBLE_AGENT, 0.0),
        ]
        assert pairs(router.submit(task("small", units=2), now=0)) == [("small", "ann")]

    def test_a_task_id_can_be_reused_once_the_task_is_finished(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offered] = decisions(router.submit(task("t1"), now=0))
        assert isinstance(offered, Offered)
        router.accept(offered.offer.id, now=1)
        router.complete("t1", now=2)
        assert pairs(router.submit(task("t1"), now=3)) == [("t1", "ann")]

    def test_created_at_in_the_past_counts_as_the_arrival(self) -> None:
        router = Router()
        router.submit(task("old", sla_target=20, created_at=-30), now=0)
        router.submit(task("new", sla_target=20), now=0)
        assert router.oldest_wait(now=0) == 30.0
        assert [t.id for t in router.waiting_tasks()] == ["old", "new"]
        # The old one is already past its 20 s target and steeper, so it goes first.
        assert pairs(router.add_agent(agent("ann"), now=1)) == [("old", "ann")]

    def test_a_due_date_already_past_is_breached_at_submission(self) -> None:
        router = Router()
        events = router.submit(task("late", "email", due_at=-5.0), now=0)
        assert decisions(events) == [
            SlaBreached("late", 0.0),  # when it was found late, so events keep time order
            Queued("late", 0.0),
            Unroutable("late", NO_ELIGIBLE_AGENT, 0.0),
        ]

    def test_best_fit_idle_agent_wins_after_agents_join_and_leave(self) -> None:
        # The pool masks a group's idle agents by fit once a task first needs it; agents
        # (and new profiles, with new fits) that join or leave later keep those masks true.
        router = Router()
        needs = Requirement({"billing": 1})
        router.add_agent(agent("wide", {"billing": 3, "tech": 3}), now=0)
        router.add_agent(agent("busy", {"billing": 2, "tech": 1}), now=0)
        assert pairs(router.submit(task("t1", requirement=needs), now=1)) == [("t1", "busy")]
        router.add_agent(agent("narrow", {"billing": 2}), now=2)  # the least spare capability
        router.add_agent(agent("late", {"billing": 2}), now=3)
        [offered] = decisions(router.submit(task("t2", requirement=needs), now=4))
        assert isinstance(offered, Offered)
        assert offered.offer.agent_id == "narrow"
        router.decline(offered.offer.id, now=5)  # t2 goes to "late", same fit, idle less long
        assert decisions(router.agent_tasks("late")) == ["t2"]
        router.remove_agent("narrow", now=6)
        router.check()
        assert pairs(router.submit(task("t3", requirement=needs), now=7)) == [("t3", "wide")]
        router.check()

    def test_explained_fit_keeps_the_sign_of_zero_both_ways(self) -> None:
        # The pool stores each distinct fit once; -0.0 (a routine task, no spare
        # capability) and 0.0 (a high-value one, no excess) must not be merged.
        exact = Requirement({"billing": 3})
        vip = Customer("vip", value=9.0)
        for customer, sign in ((None, -1.0), (vip, 1.0)):
            router = Router()
            router.add_agent(agent("ann"), now=0)
            router.add_agent(agent("bob"), now=0)
            [offer_to_idle] = decisions(
                router.submit(task("t1", requirement=exact, customer=customer), 1)
            )
            router.submit(task("t2", "chat", requirement=exact, customer=customer), now=1)
            [offer_on_join] = decisions(router.add_agent(agent("cy", chat=1), now=2))
            for event in (offer_to_idle, offer_on_join):
                assert isinstance(event, Offered)
                fit = router.explain(event.offer)["fit"]
                assert fit == 0.0 and math.copysign(1.0, fit) == sign


class TestAcceptAndComplete:
    def test_accept_assigns_and_complete_frees_the_agent_for_waiting_work(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [first] = offers_in(router.submit(task("t1"), now=0))
        assert decisions(router.submit(task("t2"), now=1)) == [Queued("t2", 1.0)]
        assert decisions(router.accept(first.id, now=2)) == []
        assert router.task_state("t1") is TaskState.ASSIGNED
        with pytest.raises(UnknownOfferError):
            router.offer(first.id)
        events = router.complete("t1", now=10)
        assert pairs(events) == [("t2", "ann")]
        with pytest.raises(UnknownTaskError):
            router.task_state("t1")
        assert decisions(router.agent_tasks("ann")) == ["t2"]

    def test_complete_restarts_the_idle_clock(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=5)
        [offer] = offers_in(router.submit(task("t1"), now=6))
        assert offer.agent_id == "ann"  # idle since 0, longer than bob
        router.accept(offer.id, now=6)
        router.complete("t1", now=7)
        # ann became idle again at 7: bob (idle since 5) has now waited longer.
        assert pairs(router.submit(task("t2"), now=8)) == [("t2", "bob")]

    def test_unresolved_completion_records_an_open_issue(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        customer = Customer("c1", value=3.0)
        [offer] = offers_in(router.submit(task("t1", customer=customer), now=0))
        router.accept(offer.id, now=0)
        router.complete("t1", now=5, resolved=False)
        assert router.customer_context("c1") == CustomerContext("ann", ("t1",))
        [offer] = offers_in(router.submit(task("t2", customer=customer), now=6))
        router.accept(offer.id, now=6)
        router.complete("t2", now=7, resolved=True)
        assert router.customer_context("c1") == CustomerContext("ann", ())

    def test_forget_customer_drops_the_context(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1", customer=Customer("c1")), now=0))
        router.accept(offer.id, now=0)
        router.complete("t1", now=1, resolved=False)
        router.forget_customer("c1")
        assert router.customer_context("c1") == CustomerContext(None, ())
        router.forget_customer("never-seen")  # no error

    def test_an_agent_with_chat_slots_takes_several_tasks_at_once(self) -> None:
        router = Router()
        for i in range(4):
            router.submit(task(f"c{i}", "chat"), now=i)
        events = router.add_agent(agent("ann", chat=3), now=10)
        assert pairs(events) == [("c0", "ann"), ("c1", "ann"), ("c2", "ann")]
        assert [t.id for t in router.waiting_tasks()] == ["c3"]


class TestDecline:
    def test_decline_requeues_and_offers_to_someone_else(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=1)
        [offer] = offers_in(router.submit(task("t1"), now=2))
        assert offer.agent_id == "ann"
        events = router.decline(offer.id, now=3)
        assert events[0] == Requeued("t1", "ann", "declined", 3.0)
        assert pairs(events) == [("t1", "bob")]

    def test_the_decliner_is_never_offered_the_same_task_again(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        assert pairs(router.decline(offer.id, now=1)) == []
        assert router.task_state("t1") is TaskState.QUEUED
        assert router.agents_by_state()[AgentState.AVAILABLE] == ["ann"]
        # ann stays available and takes other work, but never t1.
        assert pairs(router.submit(task("t2"), now=2)) == [("t2", "ann")]
        [second] = offers_in(router.add_agent(agent("bob"), now=3))
        assert (second.task_id, second.agent_id) == ("t1", "bob")

    def test_the_decliner_takes_other_waiting_work(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1", priority=5), now=0))
        router.submit(task("t2"), now=1)
        assert pairs(router.decline(offer.id, now=2)) == [("t2", "ann")]

    def test_requeued_task_keeps_its_arrival_and_score(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("first", sla_target=20), now=0))
        router.submit(task("second", sla_target=20), now=5)
        assert pairs(router.decline(offer.id, now=10)) == [("second", "ann")]
        assert [t.id for t in router.waiting_tasks()] == ["first"]
        assert router.oldest_wait(now=10) == 10.0
        [taken] = offers_in(router.add_agent(agent("bob"), now=11))
        assert taken.task_id == "first"
        assert taken.terms.urgency == pytest.approx(10.0 * 11 / 20)


class TestOfferTimeout:
    def test_timeout_requeues_and_pauses_the_agent(self) -> None:
        router = Router(Policy(offer_timeout=10))
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob", chat=1), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        assert router.next_timer_at() == 10.0
        assert decisions(router.advance(9.5)) == []
        events = router.advance(10)
        assert events[:2] == [Requeued("t1", "ann", "timeout", 10.0), AgentPaused("ann", 10.0)]
        assert events[2:] == [Unroutable("t1", NO_AVAILABLE_AGENT, 10.0)]  # bob: no voice
        assert router.agents_by_state()[AgentState.NOT_RESPONDING] == ["ann"]
        assert router.task_state("t1") is TaskState.QUEUED
        with pytest.raises(UnknownOfferError):
            router.accept(offer.id, now=10)

    def test_a_paused_agent_gets_nothing_until_made_available_again(self) -> None:
        router = Router(Policy(offer_timeout=10))
        router.add_agent(agent("ann"), now=0)
        router.submit(task("t1"), now=0)
        router.advance(10)
        assert decisions(router.submit(task("t2"), now=11)) == [
            Queued("t2", 11.0),
            Unroutable("t2", NO_AVAILABLE_AGENT, 11.0),
        ]
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=12)
        # t1 was let go by ann: not before its cooldown ends at 10 + 30
        assert pairs(events) == [("t2", "ann")]
        assert router.unroutable_tasks() == {"t1": ALL_DECLINED}

    def test_without_pausing_the_agent_takes_other_work_at_once(self) -> None:
        router = Router(Policy(offer_timeout=10, pause_on_timeout=False))
        router.add_agent(agent("ann"), now=0)
        router.submit(task("t1"), now=0)
        router.submit(task("t2"), now=1)
        events = router.advance(10)
        assert events[0] == Requeued("t1", "ann", "timeout", 10.0)
        assert pairs(events) == [("t2", "ann")]
        assert not any(isinstance(e, AgentPaused) for e in events)

    def test_offers_without_timeout_never_expire(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        assert offer.expires_at is None
        assert router.next_timer_at() is None
        assert decisions(router.advance(1e9)) == []
        router.accept(offer.id, now=1e9)
        assert router.task_state("t1") is TaskState.ASSIGNED

    def test_accept_just_before_the_timeout_succeeds(self) -> None:
        router = Router(Policy(offer_timeout=10))
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        assert decisions(router.accept(offer.id, now=9.5)) == []
        assert decisions(router.advance(100)) == []
        assert router.task_state("t1") is TaskState.ASSIGNED


class TestCancel:
    def test_cancel_a_queued_task(self) -> None:
        router = Router()
        router.submit(task("t1"), now=0)
        assert decisions(router.cancel("t1", now=1)) == []
        assert router.waiting_count() == 0
        with pytest.raises(UnknownTaskError):
            router.task_state("t1")

    def test_cancel_an_offered_task_frees_the_agent_for_the_next(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.submit(task("t1"), now=0)
        router.submit(task("t2"), now=1)
        assert pairs(router.cancel("t1", now=2)) == [("t2", "ann")]

    def test_cancelling_drops_the_offer_and_its_timer(self) -> None:
        router = Router(Policy(offer_timeout=10))
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        router.cancel("t1", now=1)
        assert router.next_timer_at() is None
        assert decisions(router.advance(20)) == []
        with pytest.raises(UnknownOfferError):
            router.accept(offer.id, now=20)


class TestAgentStates:
    def test_an_away_agent_receives_nothing_and_takes_work_when_back(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=1)
        assert decisions(router.submit(task("t1"), now=2)) == [
            Queued("t1", 2.0),
            Unroutable("t1", NO_AVAILABLE_AGENT, 2.0),
        ]
        assert pairs(router.set_agent_state("ann", AgentState.AVAILABLE, now=3)) == [("t1", "ann")]
        assert router.unroutable_tasks() == {}

    def test_going_away_keeps_the_work_already_held(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        router.set_agent_state("ann", AgentState.OFFLINE, now=1)
        router.accept(offer.id, now=2)
        router.submit(task("t2"), now=3)
        assert decisions(router.complete("t1", now=4)) == []  # offline: t2 keeps waiting
        assert decisions(router.agent_tasks("ann")) == []

    def test_setting_the_same_state_again_changes_nothing(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=1)
        router.set_agent_state("ann", AgentState.AVAILABLE, now=2)  # no idle-clock restart
        assert pairs(router.submit(task("t1"), now=3)) == [("t1", "ann")]

    def test_becoming_available_restarts_the_idle_clock(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=1)
        router.set_agent_state("ann", AgentState.AWAY, now=2)
        router.set_agent_state("ann", AgentState.AVAILABLE, now=3)
        assert pairs(router.submit(task("t1"), now=4)) == [("t1", "bob")]


class TestRemoveAgent:
    def test_removed_agent_is_gone(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        assert decisions(router.remove_agent("ann", now=1)) == []
        assert all(ids == [] for ids in router.agents_by_state().values())
        assert decisions(router.submit(task("t1"), now=2)) == [
            Queued("t1", 2.0),
            Unroutable("t1", NO_ELIGIBLE_AGENT, 2.0),
        ]

    def test_tasks_waiting_only_for_the_removed_agent_fall_back_at_once(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        follow_up = task("t1", preferred_agents=("ann",), preferred_window=60)
        assert decisions(router.submit(follow_up, now=1)) == [Queued("t1", 1.0)]
        assert pairs(router.remove_agent("ann", now=2)) == [("t1", "bob")]

    def test_a_task_still_preferring_another_present_agent_keeps_waiting(self) -> None:
        router = Router()
        for name in ("ann", "bob", "cat"):
            router.add_agent(agent(name), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        router.set_agent_state("bob", AgentState.AWAY, now=0)
        router.submit(task("t1", preferred_agents=("ann", "bob"), preferred_window=60), now=1)
        assert decisions(router.remove_agent("ann", now=2)) == []
        assert router.task_state("t1") is TaskState.QUEUED
        # The window still ends on time and the task falls back to cat.
        events = router.advance(61)
        assert PreferenceExpired("t1", 61.0) in events
        assert pairs(events) == [("t1", "cat")]

    def test_the_leaving_agent_is_not_offered_work_that_falls_due_during_the_call(self) -> None:
        """Regression (fixed in df19115): ``remove_agent`` checked that the agent held
        no work, then advanced the clock, which could route a relaxed task to that very
        agent, and then removed it anyway, leaving the task offered to an agent no
        longer in the pool. The agent leaves at ``now``: nothing due by ``now`` may go
        to it."""
        router = Router()
        router.add_agent(agent("ann", {"billing": 1}), now=0)
        relaxing = Requirement({"billing": 3}, steps=(RelaxStep(after=10, skills={"billing": 1}),))
        router.submit(task("t1", requirement=relaxing), now=0)
        events = router.remove_agent("ann", now=20)
        assert pairs(events) == []
        assert router.task_state("t1") is TaskState.QUEUED
        assert router.agents_by_state() == {state: [] for state in AgentState}

    def test_the_leaving_agent_is_not_offered_a_task_requeued_during_the_call(self) -> None:
        """The same regression, reached through another agent's offer timeout."""
        router = Router(Policy(offer_timeout=10))
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=1)
        router.submit(task("t1"), now=2)  # to ann, expires at 12
        events = router.remove_agent("bob", now=15)
        assert Requeued("t1", "ann", "timeout", 12.0) in events  # when it fell due
        assert pairs(events) == []
        assert router.task_state("t1") is TaskState.QUEUED

    def test_tasks_released_by_a_removal_are_routed_in_submission_order(self) -> None:
        """Engine bug (ordering): ``remove_agent`` routes the tasks that were waiting
        only for the leaving agent in the order of its per-agent table, i.e. the order
        they were last *re-filed* (a deadline breakpoint re-files a task), not an
        order any rule states. Here t1 (older, and overdue) is re-filed at its
        deadline after t2 was submitted, so t2 got the better agent."""
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        router.set_agent_state("bob", AgentState.AWAY, now=0)
        waiting_for_ann = {"preferred_agents": ("ann",), "preferred_window": 60}
        router.submit(task("t1", sla_target=5, **waiting_for_ann), now=1)
        router.submit(task("t2", **waiting_for_ann), now=2)
        router.advance(10)  # t1's deadline (6) passes
        router.set_agent_state("bob", AgentState.AVAILABLE, now=11)
        router.add_agent(agent("cat"), now=11)  # idle as long as bob, added later
        assert pairs(router.remove_agent("ann", now=12)) == [("t1", "bob"), ("t2", "cat")]

    def test_a_removed_agent_is_forgotten_alike_by_waiting_and_offered_tasks(self) -> None:
        """Engine bug (inconsistency): ``remove_agent`` drops the agent from the
        preferred sets of *waiting* tasks only. A task that was on offer to another
        preferred agent at that moment still prefers the removed id, so if an agent
        with that id is added again and the offer is declined, the task waits for and
        goes to it with the context bonus, which a waiting task would not do."""

        def run(offered_when_bob_leaves: bool) -> list[tuple[str, str]]:
            router = Router()
            for name in ("ann", "bob", "cat"):
                router.add_agent(agent(name), now=0)
            router.set_agent_state("bob", AgentState.AWAY, now=0)
            router.set_agent_state("cat", AgentState.AWAY, now=0)
            if not offered_when_bob_leaves:
                router.set_agent_state("ann", AgentState.AWAY, now=0)
            follow_up = task("t1", preferred_agents=("ann", "bob", "cat"), preferred_window=60)
            events = router.submit(follow_up, now=1)
            router.remove_agent("bob", now=2)
            router.add_agent(agent("bob"), now=3)
            if offered_when_bob_leaves:
                [offer] = offers_in(events)
                events = router.decline(offer.id, now=4)
            else:
                events = router.set_agent_state("ann", AgentState.AVAILABLE, now=4)
                [offer] = offers_in(events)
                events = router.decline(offer.id, now=4)
            return pairs(events)

        assert run(offered_when_bob_leaves=False) == []  # waits for cat: bob was dropped
        assert run(offered_when_bob_leaves=True) == []


class TestCustomerContext:
    def _with_open_issue(self, policy: Policy | None = None) -> Router:
        router = Router(policy)
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=0)
        [offer] = offers_in(router.submit(task("t1", customer=Customer("c1")), now=0))
        assert offer.agent_id == "ann"
        router.accept(offer.id, now=0)
        router.complete("t1", now=10, resolved=False)
        router.set_agent_state("ann", AgentState.AWAY, now=10)
        return router

    def test_a_follow_up_waits_for_the_last_agent_during_the_context_window(self) -> None:
        router = self._with_open_issue()  # bob idle, ann away
        assert decisions(router.submit(task("t2", customer=Customer("c1")), now=11)) == [
            Queued("t2", 11.0)
        ]
        router.add_agent(agent("cat"), now=12)
        assert router.agents_by_state()[AgentState.AVAILABLE] == ["bob", "cat"]
        assert router.task_state("t2") is TaskState.QUEUED
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=20))
        assert offer.task_id == "t2" and offer.agent_id == "ann"
        assert offer.terms.context == Policy().w_context
        assert router.explain(offer)["context"] == Policy().w_context

    def test_a_follow_up_falls_back_when_the_context_window_ends(self) -> None:
        router = self._with_open_issue()
        router.submit(task("t2", customer=Customer("c1")), now=11)
        window_end = 11 + Policy().context_window
        assert router.next_timer_at() == window_end
        assert decisions(router.advance(window_end - 0.5)) == []
        events = router.advance(window_end)
        assert events[0] == PreferenceExpired("t2", window_end)
        [offer] = offers_in(events)
        assert offer.agent_id == "bob" and offer.terms.context == 0.0

    def test_no_context_routing_without_an_open_issue_or_with_fifo(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        router.add_agent(agent("bob"), now=0)
        [offer] = offers_in(router.submit(task("t1", customer=Customer("c1")), now=0))
        router.accept(offer.id, now=0)
        router.complete("t1", now=10, resolved=True)
        router.set_agent_state("ann", AgentState.AWAY, now=10)
        assert pairs(router.submit(task("t2", customer=Customer("c1")), now=11)) == [("t2", "bob")]
        fifo = self._with_open_issue(Policy.fifo())
        assert pairs(fifo.submit(task("t2", customer=Customer("c1")), now=11)) == [("t2", "bob")]

    def test_no_context_routing_when_the_last_agent_left(self) -> None:
        router = self._with_open_issue()
        router.remove_agent("ann", now=10)
        assert pairs(router.submit(task("t2", customer=Customer("c1")), now=11)) == [("t2", "bob")]

    def test_explicit_preferred_agents_override_the_customer_context(self) -> None:
        router = self._with_open_issue()
        router.add_agent(agent("cat"), now=10)
        router.set_agent_state("cat", AgentState.AWAY, now=10)
        follow_up = task(
            "t2", customer=Customer("c1"), preferred_agents=("cat",), preferred_window=5
        )
        router.submit(follow_up, now=11)
        [offer] = offers_in(router.set_agent_state("cat", AgentState.AVAILABLE, now=12))
        assert (offer.task_id, offer.agent_id) == ("t2", "cat")


class TestRelaxation:
    def test_relaxation_is_reported_and_routes_the_task(self) -> None:
        router = Router()
        router.add_agent(agent("ann", {"billing": 2}), now=0)
        steps = (RelaxStep(after=30, skills={"billing": 2}),)
        router.submit(task("t1", requirement=Requirement({"billing": 4}, steps=steps)), now=0)
        events = router.advance(30)
        assert events[0] == Relaxed("t1", (("billing", 2),), 30.0)
        assert pairs(events) == [("t1", "ann")]


class TestViews:
    def test_now_starts_at_minus_infinity_and_follows_calls(self) -> None:
        router = Router()
        assert router.now == -math.inf
        router.advance(3)
        assert router.now == 3.0
        router.submit(task("t1"), now=7.5)
        assert router.now == 7.5

    def test_waiting_tasks_filter_by_channel_and_skill_oldest_first(self) -> None:
        router = Router()
        router.submit(task("e1", "email", requirement=Requirement({"tech": 1})), now=0)
        router.submit(task("v1", requirement=Requirement({"billing": 2})), now=1)
        router.submit(task("v0", requirement=Requirement({"tech": 2}), created_at=-5), now=2)
        assert [t.id for t in router.waiting_tasks()] == ["v0", "e1", "v1"]
        assert [t.id for t in router.waiting_tasks(channel="voice")] == ["v0", "v1"]
        assert [t.id for t in router.waiting_tasks(skill="tech")] == ["v0", "e1"]
        assert [t.id for t in router.waiting_tasks("voice", "tech")] == ["v0"]
        assert decisions(router.waiting_tasks(channel="chat")) == []
        assert router.waiting_count() == 3
        assert router.waiting_count("voice") == 2
        assert router.waiting_count("chat") == 0

    def test_oldest_wait_per_channel(self) -> None:
        router = Router()
        assert router.oldest_wait(now=5) == 0.0
        router.submit(task("v1"), now=1)
        router.submit(task("e1", "email"), now=4)
        assert router.oldest_wait(now=10) == 9.0
        assert router.oldest_wait(now=10, channel="email") == 6.0
        assert router.oldest_wait(now=10, channel="chat") == 0.0

    def test_agents_by_state_lists_every_state_sorted(self) -> None:
        router = Router(Policy(offer_timeout=5))
        for name in ("ann", "dan", "cat", "bob"):
            router.add_agent(agent(name), now=0)
        router.set_agent_state("cat", AgentState.AWAY, now=1)
        router.set_agent_state("bob", AgentState.OFFLINE, now=1)
        router.submit(task("t1"), now=1)  # to ann: idle as long as dan, added first
        router.advance(6)  # ann lets it time out; dan gets it
        assert router.agents_by_state() == {
            AgentState.AVAILABLE: ["dan"],
            AgentState.AWAY: ["cat"],
            AgentState.OFFLINE: ["bob"],
            AgentState.NOT_RESPONDING: ["ann"],
        }
        assert decisions(router.agent_tasks("dan")) == ["t1"]

    def test_explain_lists_the_terms_and_their_total(self) -> None:
        router = Router()
        router.add_agent(agent("ann", {"billing": 4}), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        customer = Customer("vip", value=8.0)
        t = task("t1", customer=customer, priority=2, requirement=Requirement({"billing": 2}))
        router.submit(t, now=0)
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=150))
        terms = router.explain(offer.id)
        assert terms == router.explain(offer)
        assert terms["value"] == 8.0
        assert terms["priority"] == 2.0
        assert terms["urgency"] == pytest.approx(10.0 * 150 / 300)
        assert terms["fit"] == 0.5 * 2  # high value: rewarded for 2 levels of excess
        assert terms["context"] == 0.0
        assert terms["total"] == pytest.approx(8 + 2 + 5 + 1)

    def test_offer_view_returns_the_open_offer(self) -> None:
        router = Router()
        router.add_agent(agent("ann"), now=0)
        [offer] = offers_in(router.submit(task("t1"), now=0))
        assert router.offer(offer.id) == offer
        assert isinstance(offer, Offer)

    def test_next_timer_at_is_the_earliest_breakpoint_or_timeout(self) -> None:
        router = Router(Policy(offer_timeout=15))
        assert router.next_timer_at() is None
        router.submit(task("t1", sla_target=20), now=0)  # deadline at 20
        assert router.next_timer_at() == 20.0
        steps = (RelaxStep(after=7, skills={}),)
        router.submit(task("t2", requirement=Requirement({"tech": 5}, steps=steps)), now=1)
        assert router.next_timer_at() == 8.0
        router.add_agent(agent("ann"), now=2)  # takes t1: expiry at 17
        assert router.next_timer_at() == 8.0
        router.advance(8)  # t2 relaxes, but ann is busy
        assert router.next_timer_at() == 17.0

    def test_due_date_work_has_a_breakpoint_where_its_ramp_starts(self) -> None:
        policy = Policy(due_ramp=100)
        router = Router(policy)
        router.submit(task("claim", "backoffice", due_at=1000), now=0)
        assert router.next_timer_at() == 900.0
        router.advance(900)
        assert router.next_timer_at() == 1000.0
        assert decisions(router.advance(1000)) == [SlaBreached("claim", 1000.0)]
        assert router.next_timer_at() is None
