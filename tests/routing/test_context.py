"""Customer context across contacts: the wait for the last agent and its SLA cap, and
``routing.context.CustomerMemory`` on its own."""

from __future__ import annotations

from routing import Agent, Customer, CustomerContext, Offered, Policy, Router, Task
from routing._state import LiveAgent, LiveTask, Profile
from routing.context import CustomerMemory
from routing.events import Event

CUSTOMER = Customer("c1", value=1.0)


def offers(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.offer.task_id, e.offer.agent_id) for e in events if isinstance(e, Offered)]


def router_with_open_issue(policy: Policy) -> Router:
    """``ann`` handled c1's first contact without resolving it and is now busy; ``bob``
    is idle."""
    router = Router(policy)
    router.add_agent(Agent("ann", skills={"billing": 3}, capacity={"voice": 1}), now=0)
    [first] = router.submit(Task("first", "voice", customer=CUSTOMER, sla_target=20.0), now=0)
    assert isinstance(first, Offered)
    router.accept(first.offer.id, now=1)
    router.complete("first", now=10, resolved=False)
    [busy] = router.submit(Task("busy", "voice", sla_target=20.0), now=10)
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
        assert memory.context("nobody") == CustomerContext(None, ())
        assert len(memory) == 0

    def test_unresolved_completions_add_open_issues_and_a_resolved_one_clears_them(
        self,
    ) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False)
        memory.completed("c1", "bob", "t2", resolved=False)
        assert memory.context("c1") == CustomerContext("bob", ("t1", "t2"))
        memory.completed("c1", "cat", "t3", resolved=True)
        assert memory.context("c1") == CustomerContext("cat", ())

    def test_forget_drops_the_customer_and_nothing_else(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False)
        memory.completed("c2", "ann", "t2", resolved=False)
        memory.forget("c1")
        memory.forget("never-seen")
        assert len(memory) == 1
        assert memory.context("c1") == CustomerContext(None, ())
        assert memory.context("c2").open_issues == ("t2",)

    def test_the_returned_context_is_a_snapshot(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False)
        before = memory.context("c1")
        memory.completed("c1", "ann", "t2", resolved=True)
        assert before.open_issues == ("t1",)

    def test_an_open_issue_prefers_the_last_agent_for_the_capped_window(self) -> None:
        memory = CustomerMemory(Policy(context_window=30.0, context_sla_share=0.25))
        memory.completed("c1", "ann", "t1", resolved=False)
        rec = live_task(Task("t2", "voice", customer=CUSTOMER, sla_target=20.0))
        memory.prefer(rec, pool("ann", "bob"))
        assert rec.preferred == {"ann"}
        assert rec.preferred_until == 105.0  # 0.25 * 20 s after arrival at 100

    def test_no_preference_without_an_open_issue_or_when_the_last_agent_left(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=True)
        resolved = live_task(Task("t2", "voice", customer=CUSTOMER))
        memory.prefer(resolved, pool("ann"))
        memory.completed("c1", "ann", "t2", resolved=False)
        gone = live_task(Task("t3", "voice", customer=CUSTOMER))
        memory.prefer(gone, pool("bob"))
        assert not resolved.preferred and not gone.preferred

    def test_no_preference_from_context_without_a_context_window(self) -> None:
        memory = CustomerMemory(Policy(context_window=0.0))
        memory.completed("c1", "ann", "t1", resolved=False)
        rec = live_task(Task("t2", "voice", customer=CUSTOMER))
        memory.prefer(rec, pool("ann"))
        assert not memory.follow_ups and not rec.preferred

    def test_a_task_s_own_preferred_agents_win_over_the_customer_s_last_agent(self) -> None:
        memory = CustomerMemory(Policy())
        memory.completed("c1", "ann", "t1", resolved=False)
        task = Task(
            "t2",
            "voice",
            customer=CUSTOMER,
            preferred_agents=("bob", "gone"),
            preferred_window=12.0,
        )
        rec = live_task(task)
        memory.prefer(rec, pool("ann", "bob"))
        assert rec.preferred == {"bob"}  # agents not in the pool are dropped
        assert rec.preferred_until == 112.0
