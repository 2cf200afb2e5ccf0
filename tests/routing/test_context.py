"""Customer context across contacts: the wait for the last agent and its SLA cap, and
``routing.context.CustomerMemory`` on its own."""

from __future__ import annotations

from typing import Any

import pytest

from routing import Agent, Customer, CustomerContext, Offered, Policy, Router, Task
from routing._state import LiveAgent, LiveTask, Profile
from routing.context import CustomerMemory
from routing.events import Event
from tests.oracle import decisions

CUSTOMER = Customer("c1", value=1.0)


def offers(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.offer.task_id, e.offer.agent_id) for e in events if isinstance(e, Offered)]


def router_with_open_issue(policy: Policy) -> Router:
    """``ann`` handled c1's first contact without resolving it and is now busy; ``bob``
    is idle."""
    router = Router(policy)
    router.add_agent(Agent("ann", skills={"billing": 3}, capacity={"voice": 1}), now=0)
    [first] = decisions(
        router.submit(Task("first", "voice", customer=CUSTOMER, sla_target=20.0), now=0)
    )
    assert isinstance(first, Offered)
    router.accept(first.offer.id, now=1)
    router.complete("first", now=10, resolved=False)
    [busy] = decisions(router.submit(Task("busy", "voice", sla_target=20.0), now=10))
    assert isinstance(busy, Offered)
    router.accept(busy.offer.id, now=10)
    router.add_agent(Agent("bob", skills={"billing": 3}, capacity={"voice": 1}), now=10)
    return router


class TestContextWindowCap:
    def test_a_follow_up_waits_for_its_last_agent_only_a_share_of_its_sla(self) -> None:
        policy = Policy(context_window=30.0, context_sla_share=0.25, offer_timeout=None)
        router = router_with_open_issue(policy)
        events = router.submit(Task("again", "voice", customer=CUSTOMER, sla_target=20.0), 20)
        assert offers(events) == []  # ann is busy: wait for her, up to 0.25 * 20 s = 5 s
        assert offers(router.advance(24.5)) == []
        assert offers(router.advance(25.0)) == [("again", "bob")]

    def test_without_an_sla_target_the_full_context_window_applies(self) -> None:
        policy = Policy(context_window=30.0, context_sla_share=0.25, offer_timeout=None)
        router = router_with_open_issue(policy)
        assert offers(router.submit(Task("again", "voice", customer=CUSTOMER), 20)) == []
        assert offers(router.advance(49.5)) == []
        assert offers(router.advance(50.0)) == [("again", "bob")]

    def test_the_last_agent_takes_the_follow_up_when_it_frees_inside_the_window(self) -> None:
        policy = Policy(context_window=30.0, context_sla_share=0.25, offer_timeout=None)
        router = router_with_open_issue(policy)
        router.submit(Task("again", "voice", customer=CUSTOMER, sla_target=20.0), 20)
        events = router.complete("busy", now=23)
        assert offers(events) == [("again", "ann")]

    def test_without_a_context_window_a_follow_up_does_not_wait_for_its_last_agent(
        self,
    ) -> None:
        policy = Policy(context_window=0.0, offer_timeout=None)
        router = router_with_open_issue(policy)
        events = router.submit(Task("again", "voice", customer=CUSTOMER, sla_target=20.0), 20)
        assert offers(events) == [("again", "bob")]
        assert router.customer_context("c1").open_issues == ("first",)  # still remembered


def live_task(task: Task, seq: int = 1, arrived_at: float = 100.0) -> LiveTask:
    return LiveTask(task, seq, arrived_at, None, 300.0, 0.0, False)


def pool(*agent_ids: str) -> dict[str, LiveAgent]:
    """Agents in a pool, as ``CustomerMemory.prefer`` sees them (only the ids matter)."""
    profile = Profile((), 0)
    return {
        agent_id: LiveAgent(Agent(agent_id, {}, {"voice": 1}), seq, seq, profile, 0.0)
        for seq, agent_id in enumerate(agent_ids)
    }


class TestCustomerMemory:
    def test_an_unknown_customer_has_an_empty_context(self) -> None:
        memory = CustomerMemory(Policy())
        assert memory.context("nobody", now=1.0) == CustomerContext(None, ())
        assert len(memory) == 0

    def test_unresolved_completions_add_open_issues_and_a_resolved_one_clears_them(
        self,
    ) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c1", "bob", "t2", resolved=False, now=0.0)
        assert memory.context("c1", now=1.0) == CustomerContext("bob", ("t1", "t2"))
        memory.completed("c1", "cat", "t3", resolved=True, now=0.0)
        assert memory.context("c1", now=1.0) == CustomerContext("cat", ())

    def test_forget_drops_the_customer_and_nothing_else(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c2", "ann", "t2", resolved=False, now=0.0)
        memory.forget("c1")
        memory.forget("never-seen")
        assert len(memory) == 1
        assert memory.context("c1", now=1.0) == CustomerContext(None, ())
        assert memory.context("c2", now=1.0).open_issues == ("t2",)

    def test_the_returned_context_is_a_snapshot(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        before = memory.context("c1", now=1.0)
        memory.completed("c1", "ann", "t2", resolved=True, now=0.0)
        assert before.open_issues == ("t1",)

    def test_an_open_issue_prefers_the_last_agent_for_the_capped_window(self) -> None:
        memory = CustomerMemory(Policy(context_window=30.0, context_sla_share=0.25))
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        rec = live_task(Task("t2", "voice", customer=CUSTOMER, sla_target=20.0))
        memory.prefer(rec, pool("ann", "bob"), now=100.0)
        assert rec.preferred == {"ann"}
        assert rec.preferred_until == 105.0  # 0.25 * 20 s after arrival at 100

    def test_no_preference_without_an_open_issue_or_when_the_last_agent_left(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=True, now=0.0)
        resolved = live_task(Task("t2", "voice", customer=CUSTOMER))
        memory.prefer(resolved, pool("ann"), now=100.0)
        memory.completed("c1", "ann", "t2", resolved=False, now=0.0)
        gone = live_task(Task("t3", "voice", customer=CUSTOMER))
        memory.prefer(gone, pool("bob"), now=100.0)
        assert not resolved.preferred and not gone.preferred

    def test_no_preference_from_context_without_a_context_window(self) -> None:
        memory = CustomerMemory(Policy(context_window=0.0))
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        rec = live_task(Task("t2", "voice", customer=CUSTOMER))
        memory.prefer(rec, pool("ann"), now=100.0)
        assert not memory.follow_ups and not rec.preferred

    def test_a_task_s_own_preferred_agents_win_over_the_customer_s_last_agent(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        task = Task(
            "t2",
            "voice",
            customer=CUSTOMER,
            preferred_agents=("bob", "gone"),
            preferred_window=12.0,
        )
        rec = live_task(task)
        memory.prefer(rec, pool("ann", "bob"), now=100.0)
        assert rec.preferred == {"bob"}  # agents not in the pool are dropped
        assert rec.preferred_until == 112.0


def bounded(**bounds: Any) -> CustomerMemory:
    return CustomerMemory(Policy(**bounds))


class TestBoundByAge:
    def test_a_context_reads_as_empty_once_its_ttl_has_passed(self) -> None:
        memory = bounded(context_ttl=100.0)
        memory.completed("c1", "ann", "t1", resolved=False, now=10.0)
        assert memory.context("c1", now=109.5) == CustomerContext("ann", ("t1",))
        assert memory.context("c1", now=110.0) == CustomerContext(None, ())
        assert len(memory) == 1  # not purged yet, but already forgotten

    def test_an_expired_context_gives_no_preferred_agent_before_it_is_purged(self) -> None:
        memory = bounded(context_ttl=100.0)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        early = live_task(Task("t2", "voice", customer=CUSTOMER), arrived_at=99.0)
        memory.prefer(early, pool("ann"), now=99.0)
        late = live_task(Task("t3", "voice", customer=CUSTOMER), arrived_at=100.0)
        memory.prefer(late, pool("ann"), now=100.0)
        assert early.preferred == {"ann"} and not late.preferred

    def test_each_completion_restarts_the_customer_s_clock(self) -> None:
        memory = bounded(context_ttl=100.0)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c1", "bob", "t2", resolved=False, now=60.0)
        assert memory.context("c1", now=159.0) == CustomerContext("bob", ("t1", "t2"))
        assert memory.context("c1", now=160.0) == CustomerContext(None, ())

    def test_a_completion_after_expiry_starts_a_fresh_context(self) -> None:
        memory = bounded(context_ttl=100.0)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c1", "bob", "t2", resolved=False, now=100.0)
        assert memory.context("c1", now=100.0) == CustomerContext("bob", ("t2",))

    def test_completions_purge_the_expired_customers(self) -> None:
        memory = bounded(context_ttl=100.0)
        for i in range(10_000):  # a new customer every second
            memory.completed(f"c{i}", "ann", f"t{i}", resolved=False, now=float(i))
            assert len(memory) <= 100
        memory.check()
        assert memory.context("c9899", now=9999.0) == CustomerContext(None, ())
        assert memory.context("c9900", now=9999.0).open_issues == ("t9900",)

    def test_without_a_ttl_nothing_is_forgotten_by_age(self) -> None:
        memory = bounded(context_ttl=None)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c2", "ann", "t2", resolved=False, now=1e12)
        assert memory.context("c1", now=1e12).open_issues == ("t1",)


class TestBoundByCount:
    def test_only_the_newest_open_issues_are_kept(self) -> None:
        memory = bounded(context_max_issues=3)
        for i in range(1, 6):
            memory.completed("c1", "ann", f"t{i}", resolved=False, now=float(i))
        assert memory.context("c1", now=5.0).open_issues == ("t3", "t4", "t5")
        memory.check()

    def test_an_open_issue_is_still_open_after_older_ones_are_dropped(self) -> None:
        memory = bounded(context_max_issues=1)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c1", "bob", "t2", resolved=False, now=1.0)
        rec = live_task(Task("t3", "voice", customer=CUSTOMER))
        memory.prefer(rec, pool("ann", "bob"), now=100.0)
        assert rec.preferred == {"bob"}

    def test_past_the_customer_cap_the_least_recently_served_is_forgotten(self) -> None:
        memory = bounded(context_max_customers=2)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory.completed("c2", "ann", "t2", resolved=False, now=1.0)
        memory.completed("c1", "bob", "t3", resolved=True, now=2.0)  # c1 served again
        memory.completed("c3", "ann", "t4", resolved=False, now=3.0)
        assert len(memory) == 2
        assert memory.context("c2", now=3.0) == CustomerContext(None, ())
        assert memory.context("c1", now=3.0) == CustomerContext("bob", ())
        assert memory.context("c3", now=3.0).open_issues == ("t4",)
        memory.check()

    def test_check_catches_a_customer_over_the_issue_bound(self) -> None:
        memory = bounded(context_max_issues=1)
        memory.completed("c1", "ann", "t1", resolved=False, now=0.0)
        memory._customers["c1"].open_issues.append("t0")
        with pytest.raises(AssertionError):
            memory.check()


class TestTheRouterReportsTheBound:
    def test_customer_context_is_empty_once_expired_and_a_follow_up_does_not_wait(
        self,
    ) -> None:
        policy = Policy(context_ttl=3600.0, offer_timeout=None)
        router = router_with_open_issue(policy)  # c1's issue left open by ann at 10
        assert router.customer_context("c1") == CustomerContext("ann", ("first",))
        router.advance(3610.0)
        assert router.customer_context("c1") == CustomerContext(None, ())
        events = router.submit(Task("again", "voice", customer=CUSTOMER, sla_target=20.0), 3610)
        assert offers(events) == [("again", "bob")]  # ann is busy, and nobody is waited for
        router.check()

    def test_forget_customer_drops_the_context_at_once(self) -> None:
        router = router_with_open_issue(Policy(offer_timeout=None))
        router.forget_customer("c1")
        assert router.customer_context("c1") == CustomerContext(None, ())
        events = router.submit(Task("again", "voice", customer=CUSTOMER, sla_target=20.0), 20)
        assert offers(events) == [("again", "bob")]
