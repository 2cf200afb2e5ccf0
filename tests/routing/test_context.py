"""Customer context across contacts: the wait for the last agent and its SLA cap."""

from __future__ import annotations

from routing import Agent, Customer, Offered, Policy, Router, Task
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
