"""Tasks no agent can take are reported, once per cause, and listed with the cause."""

from __future__ import annotations

from routing import (
    ALL_DECLINED,
    NO_AVAILABLE_AGENT,
    NO_ELIGIBLE_AGENT,
    Agent,
    AgentState,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    Task,
    Unroutable,
)
from tests.oracle import offers_in


def unroutable(events: list[object]) -> list[object]:
    return [event for event in events if isinstance(event, Unroutable)]


class TestCauses:
    def test_each_cause_is_reported_once_as_it_changes(self) -> None:
        router = Router(Policy(decline_cooldown=60))
        fraud = Requirement({"fraud": 3})
        assert unroutable(router.submit(Task("t1", "voice", fraud), now=0)) == [
            Unroutable("t1", NO_ELIGIBLE_AGENT, 0.0)
        ]
        assert unroutable(router.submit(Task("t2", "voice", fraud), now=1)) == [
            Unroutable("t2", NO_ELIGIBLE_AGENT, 1.0)
        ]
        assert router.advance(5) == []  # the cause persists: not reported again
        router.add_agent(Agent("ann", {"fraud": 4}, {"voice": 1}), now=6)  # takes t1
        router.set_agent_state("ann", AgentState.AWAY, now=7)
        assert router.unroutable_tasks() == {"t2": NO_AVAILABLE_AGENT}
        router.add_agent(Agent("bob", {"fraud": 3}, {"voice": 1}), now=8)  # takes t2
        assert router.unroutable_tasks() == {} and router.agent_tasks("bob") == ["t2"]
        router.check()

    def test_agents_with_too_small_a_cap_or_no_slot_on_the_channel_do_not_count(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1, "chat": 2}, max_units=2), now=0)
        events = router.submit(Task("call", "voice", units=3), now=0)
        assert unroutable(events) == [Unroutable("call", NO_ELIGIBLE_AGENT, 0.0)]
        events = router.submit(Task("mail", "email"), now=0)
        assert unroutable(events) == [Unroutable("mail", NO_ELIGIBLE_AGENT, 0.0)]

    def test_all_declined_until_the_cooldown_ends(self) -> None:
        router = Router(Policy(decline_cooldown=20))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        router.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now=0)
        router.set_agent_state("bob", AgentState.AWAY, now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice"), now=1))
        assert unroutable(router.decline(offer.id, now=2)) == [Unroutable("t1", ALL_DECLINED, 2.0)]
        # bob comes back: he has not declined it, so it is his at once
        [offer] = offers_in(router.set_agent_state("bob", AgentState.AVAILABLE, now=3))
        assert offer.agent_id == "bob" and router.unroutable_tasks() == {}

    def test_a_relaxation_step_can_make_a_task_routable(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"billing": 2}, {"voice": 1}), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        steps = (RelaxStep(after=10, skills={"billing": 2}),)
        router.submit(Task("t1", "voice", Requirement({"billing": 5}, steps=steps)), now=0)
        assert router.unroutable_tasks() == {"t1": NO_ELIGIBLE_AGENT}
        events = router.advance(10)
        assert unroutable(events) == [Unroutable("t1", NO_AVAILABLE_AGENT, 10.0)]

    def test_a_task_waiting_for_its_preferred_agent_is_judged_when_the_window_ends(
        self,
    ) -> None:
        router = Router()
        task = Task("t1", "voice", preferred_agents=("ann",), preferred_window=10.0)
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        assert unroutable(router.submit(task, now=0)) == []
        assert unroutable(router.advance(10)) == [Unroutable("t1", NO_AVAILABLE_AGENT, 10.0)]
