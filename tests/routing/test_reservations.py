"""Large work on unit-capped agents is not starved by a stream of small work.

An agent with ``max_units`` whose best waiting task needs more units than it has free
is reserved for it (``Policy.reserve_agents``), and a channel may interrupt others'
work (``Policy.interrupts``). The bound: from the moment an agent is reserved for a
task, it is offered nothing else until that task is offered (to it, the first moment
its units suffice, or to another agent) or leaves.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event as count_example
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import (
    Agent,
    Offered,
    Policy,
    Reserved,
    Router,
    Task,
)
from tests.oracle import OracleRouter, decisions, offers_in

BLENDED = {"voice": 1, "chat": 3}


def blended(agent_id: str = "ann") -> Agent:
    return Agent(agent_id, {"billing": 3}, BLENDED, max_units=3)


def chat(task_id: str) -> Task:
    return Task(task_id, "chat", sla_target=60.0)


def call(task_id: str = "call") -> Task:
    return Task(task_id, "voice", sla_target=20.0, priority=5.0, units=3)


def busy_on_three_chats(router: Router) -> list[str]:
    """Add the blended agent ann and give her three chats (all her units), accepted."""
    router.add_agent(blended(), now=0)
    held = []
    for i in range(3):
        [offer] = offers_in(router.submit(chat(f"c{i}"), now=0))
        router.accept(offer.id, now=0)
        held.append(offer.task_id)
    return held


def call_wait(policy: Policy, horizon: float = 3000.0) -> float | None:
    """The issue's stream: one blended agent (3 units: a call takes all 3, a chat 1)
    holds three chats; every 10 s its oldest chat ends and a new chat arrives; a
    20 s-target, priority-5 call arrives at 1 s. Returns how long the call waited
    for an offer (``None``: never, within ``horizon``)."""
    router = Router(policy)
    held = busy_on_three_chats(router)
    router.submit(call(), now=1)
    serial = 3
    t = 10.0
    while t <= horizon:
        events = router.complete(held.pop(0), now=t)
        events += router.submit(chat(f"c{serial}"), now=t)
        serial += 1
        for offer in offers_in(events):
            if offer.task_id == "call":
                return offer.made_at - 1.0
            router.accept(offer.id, now=t)
            held.append(offer.task_id)
        router.check()
        t += 10.0
    return None


class TestStarvation:
    def test_without_reservations_a_stream_of_chats_starves_the_call(self) -> None:
        assert call_wait(Policy(reserve_agents=0, offer_timeout=None)) is None

    def test_a_reservation_bounds_the_call_s_wait_by_the_work_already_held(self) -> None:
        """Reserved when the first chat ends (10 s), offered when the last of the three
        chats it held ends (30 s): 29 s after the call arrived, not never."""
        assert call_wait(Policy(offer_timeout=None)) == 29.0

    def test_a_call_that_may_interrupt_chats_is_offered_at_once(self) -> None:
        router = Router(Policy(interrupts={"voice": ("chat",)}))
        busy_on_three_chats(router)
        [offer] = offers_in(router.submit(call(), now=1))
        assert (offer.task_id, offer.agent_id) == ("call", "ann")
        router.accept(offer.id, now=1)
        # chats may not interrupt the call: the agent takes no chat until it ends
        router.complete("c0", now=2)
        assert offers_in(router.submit(chat("c9"), now=3)) == []
        [offer] = offers_in(router.complete("call", now=4))
        assert offer.task_id == "c9"
        router.check()

    def test_the_reservation_is_reported_and_listed(self) -> None:
        router = Router(Policy(offer_timeout=None))
        busy_on_three_chats(router)
        router.submit(call(), now=1)
        router.submit(chat("c3"), now=1)
        events = router.complete("c0", now=2)
        assert decisions(events) == [Reserved("call", "ann", 2.0)]  # not the waiting chat
        assert router.reservations() == {"ann": "call"}

    def test_another_agent_taking_the_task_releases_the_reservation(self) -> None:
        router = Router(Policy(offer_timeout=None))
        busy_on_three_chats(router)
        router.submit(call(), now=1)
        router.submit(chat("c3"), now=1)
        router.complete("c0", now=2)  # ann is reserved for the call
        events = router.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now=3)
        assert [(o.task_id, o.agent_id) for o in offers_in(events)] == [
            ("call", "bob"),
            ("c3", "ann"),  # released, ann takes the chat she was kept from
        ]
        assert router.reservations() == {}


_kinds = st.sampled_from(["chat", "chat", "chat", "call", "complete", "complete", "wait"])


@st.composite
def streams(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "agents": draw(st.integers(1, 3)),
        "reserve": draw(st.sampled_from([1, 1, 2])),
        "interrupts": draw(st.sampled_from([{}, {}, {"voice": ("chat",)}])),
        "moves": draw(
            st.lists(st.tuples(_kinds, st.sampled_from([0.0, 1.0, 5.0])), min_size=20, max_size=60)
        ),
        "priorities": draw(st.lists(st.sampled_from([0.0, 5.0]), min_size=60, max_size=60)),
    }


class TestTheBoundAgainstTheOracle:
    @given(stream=streams())
    @settings(max_examples=3 * settings.default.max_examples)
    def test_a_reserved_agent_takes_nothing_else_and_the_oracle_agrees(
        self, stream: dict[str, Any]
    ) -> None:
        """Random chats and calls on blended agents, every offer accepted at once and
        random completions: the router makes the oracle's decisions, and between an
        agent's ``Reserved`` and the offer of that task, the agent is offered nothing
        else."""
        policy = Policy(
            offer_timeout=None, reserve_agents=stream["reserve"], interrupts=stream["interrupts"]
        )
        router, oracle = Router(policy), OracleRouter(policy)
        for i in range(stream["agents"]):
            agent = blended(f"a{i}")
            assert router.add_agent(agent, now=0) == oracle.add_agent(agent, now=0)
        now = 0.0
        held: dict[str, str] = {}  # agent -> the task it is reserved for
        assigned: list[str] = []
        reservations = 0
        for n, (kind, dt) in enumerate(stream["moves"]):
            now += dt
            if kind == "complete" and assigned:
                task_id = assigned.pop(0)
                args: tuple[Any, ...] = ("complete", task_id, now)
            elif kind in ("chat", "call"):
                priority = stream["priorities"][n]
                task = chat(f"t{n}") if kind == "chat" else call(f"t{n}")
                args = (
                    "submit",
                    Task(
                        task.id,
                        task.channel,
                        sla_target=task.sla_target,
                        priority=priority,
                        units=task.units,
                    ),
                    now,
                )
            else:
                args = ("advance", now)
            events = getattr(router, args[0])(*args[1:])
            assert events == getattr(oracle, args[0])(*args[1:])
            for event in events:
                if isinstance(event, Reserved):
                    held[event.agent_id] = event.task_id
                    reservations += 1
                elif isinstance(event, Offered):
                    offer = event.offer
                    if offer.agent_id in held:
                        assert offer.task_id == held[offer.agent_id], (
                            f"{offer.agent_id} reserved for {held[offer.agent_id]} "
                            f"was offered {offer.task_id}"
                        )
                    for agent_id, task_id in list(held.items()):
                        if task_id == offer.task_id:
                            del held[agent_id]  # the reservation ended with the offer
                    accept = router.accept(offer.id, now)
                    assert accept == oracle.accept(offer.id, now)
                    assigned.append(offer.task_id)
            assert held == router.reservations()
            router.check()
        count_example("reservations made" if reservations else "no reservation")
