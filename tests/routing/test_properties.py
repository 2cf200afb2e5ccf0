"""Routing properties the design promises, each shown with concrete numbers.

No starvation, overdue work overtaking, relaxation and preferred windows firing at
their exact instants, value-aware proficiency matching, longest-idle fairness,
blended capacity, and back-office work interleaving with calls by share of SLA used.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    Agent,
    AgentState,
    Customer,
    Offer,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    Task,
)
from tests.oracle import OracleRouter, offers_in
from tests.strategies import half_integers

LOW = Customer("low", value=0.0)
HIGH = Customer("high", value=9.0)


def just_before(t: float) -> float:
    """The largest float below ``t``."""
    return math.nextafter(t, -math.inf)


def voice_agent(agent_id: str, billing: int = 3) -> Agent:
    return Agent(agent_id, skills={"billing": billing}, capacity={"voice": 1})


def serve_one_agent(
    policy: Policy, arrivals: list[tuple[float, Task]], handle: float, until: float
) -> list[tuple[float, str]]:
    """One agent accepts every offer at once and completes each after ``handle``
    seconds; tasks arrive at the given times. Returns ``(offered_at, task_id)``."""
    router = Router(policy)
    router.add_agent(voice_agent("ann"), now=0)
    router.set_agent_state("ann", AgentState.AWAY, now=0)
    offered: list[tuple[float, str]] = []
    busy_until: float | None = None
    current: str | None = None
    pending = sorted(arrivals, key=lambda item: item[0])

    def record(events: list[object], now: float) -> None:
        nonlocal busy_until, current
        for offer in offers_in(events):
            offered.append((now, offer.task_id))
            router.accept(offer.id, now)
            busy_until, current = now + handle, offer.task_id

    record(router.set_agent_state("ann", AgentState.AVAILABLE, now=0), 0.0)
    while True:
        next_arrival = pending[0][0] if pending else math.inf
        next_free = busy_until if busy_until is not None else math.inf
        now = min(next_arrival, next_free)
        if now > until:
            return offered
        if next_free <= next_arrival:
            assert current is not None
            busy_until, done = None, current
            record(router.complete(done, now), now)
        else:
            _, new = pending.pop(0)
            record(router.submit(new, now), now)


class TestNoStarvation:
    """A routine task keeps gaining urgency, so high-value arrivals cannot hold it off."""

    def _stream(self) -> list[tuple[float, Task]]:
        # The routine task first, then a high-value call every 5 s: more than one
        # agent with 10 s handling can serve, so high-value work piles up too.
        arrivals = [(0.5, Task("routine", "voice", customer=LOW, sla_target=20))]
        arrivals += [
            (2.0 + 5 * k, Task(f"vip{k}", "voice", customer=HIGH, sla_target=20)) for k in range(20)
        ]
        return arrivals

    def test_default_policy_serves_the_routine_task_once_it_is_overdue(self) -> None:
        blocker = (0.0, Task("first", "voice", sla_target=20))
        offered = serve_one_agent(Policy(), [blocker, *self._stream()], handle=10, until=100)
        # At 10: routine scores 0 + 10*9.5/20 = 4.75, vip0 9 + 10*8/20 = 13: vip0.
        # At 20: routine 0 + 10*19.5/20 = 9.75, vip1 (13 s) 15.5: vip1.
        # At 30: routine is 9.5 s overdue: 10 + 4*10*9.5/20 = 29 > vip2 (18 s) 18.
        assert offered[:4] == [(0.0, "first"), (10.0, "vip0"), (20.0, "vip1"), (30.0, "routine")]

    def test_fifo_serves_the_routine_task_in_arrival_order(self) -> None:
        blocker = (0.0, Task("first", "voice", sla_target=20))
        offered = serve_one_agent(Policy.fifo(), [blocker, *self._stream()], handle=10, until=100)
        assert offered[:3] == [(0.0, "first"), (10.0, "routine"), (20.0, "vip0")]

    def test_value_alone_would_starve_it(self) -> None:
        """The control: without urgency the routine task is never served."""
        blocker = (0.0, Task("first", "voice", sla_target=20))
        no_urgency = Policy(w_sla=0.0)
        offered = serve_one_agent(no_urgency, [blocker, *self._stream()], handle=10, until=200)
        assert "routine" not in [task_id for _, task_id in offered]

    @given(
        gaps=st.lists(half_integers(1, 8), min_size=1, max_size=40),
        values=st.lists(st.sampled_from([5.0, 8.0, 10.0]), min_size=40, max_size=40),
    )
    def test_a_routine_task_is_served_within_a_bound_whatever_the_vip_stream(
        self, gaps: list[float], values: list[float]
    ) -> None:
        """Both tasks have a 20 s target. Once overdue, the routine task (arrived at 0)
        outscores any overdue VIP of value v that arrived after v / 2 s (their scores
        differ by 2 * arrival - v), and any VIP still within its target (<= 20) from
        25 s on. So only VIPs arriving by 5 s can go first after t = 25."""
        arrivals = [(0.0, Task("routine", "voice", customer=LOW, sla_target=20))]
        t = 0.0
        for k, gap in enumerate(gaps):
            t += gap
            vip = Customer(f"v{k}", value=values[k])
            arrivals.append((t, Task(f"vip{k}", "voice", customer=vip, sla_target=20)))
        early = sum(1 for at, _ in arrivals[1:] if at <= 5.0)
        blocker = (0.0, Task("first", "voice", customer=HIGH, sla_target=20))
        bound = 30.0 + 10.0 * early
        offered = serve_one_agent(Policy(), [blocker, *arrivals], handle=10, until=bound)
        assert "routine" in [task_id for _, task_id in offered]


class TestOverdueOvertakes:
    """Equal value; the other task has more priority and a long target. Before the
    deadline that priority keeps it ahead; past the deadline the overdue task's
    steeper slope overtakes it."""

    def _router(self, policy: Policy) -> Router:
        router = Router(policy)
        router.add_agent(voice_agent("ann"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        customer = Customer("c", value=5.0)
        router.submit(Task("due", "voice", customer=customer, sla_target=20), now=0)
        router.submit(Task("later", "voice", customer=customer, priority=12, sla_target=300), now=0)
        return router

    @pytest.mark.parametrize(("free_at", "winner"), [(20.0, "later"), (22.0, "due")])
    def test_overdue_task_overtakes_after_its_deadline(self, free_at: float, winner: str) -> None:
        # At 20: due = 5 + 10 = 15, later = 5 + 12 + 10*20/300 = 17.67.
        # At 22: due = 5 + 10 + 4*10*2/20 = 19, later = 17.73.
        router = self._router(Policy())
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=free_at))
        assert offer.task_id == winner

    def test_without_the_steeper_overdue_slope_it_would_not(self) -> None:
        router = self._router(Policy(overdue_factor=1.0))  # at 22: due = 16 < 17.73
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=22))
        assert offer.task_id == "later"

    def test_overdue_task_overtakes_when_the_agent_is_freed_by_an_offer_timeout(self) -> None:
        """Engine bug: a timeout at 10 frees ann (pause_on_timeout=False) while the
        router advances to 22; ann then picks by ``score(22)`` but sees ``due`` on
        the segment it was on at 10 (before its deadline at 20), extrapolated to 22:
        15.5 instead of 19, so ``later`` (17.73) wins. Decisions made at ``now`` must
        see every waiting task as it is at ``now``."""
        router = Router(Policy(offer_timeout=10, pause_on_timeout=False))
        router.add_agent(voice_agent("ann"), now=0)
        router.submit(Task("ignored", "voice"), now=0)  # offered to ann, expires at 10
        customer = Customer("c", value=5.0)
        router.submit(Task("due", "voice", customer=customer, sla_target=20), now=0)
        router.submit(Task("later", "voice", customer=customer, priority=12, sla_target=300), now=0)
        [offer] = offers_in(router.advance(22))
        assert offer.task_id == "due"
        assert offer.terms.urgency == pytest.approx(14.0)


class TestRelaxationTiming:
    def _router(self) -> Router:
        router = Router()
        router.add_agent(voice_agent("ann", billing=2), now=0)
        steps = (RelaxStep(after=30, skills={"billing": 2}),)
        requirement = Requirement({"billing": 4}, steps=steps)
        router.submit(Task("t1", "voice", requirement=requirement), now=100.5)
        return router

    def test_nothing_is_offered_a_moment_before_the_step(self) -> None:
        router = self._router()
        assert router.next_timer_at() == 130.5
        assert offers_in(router.advance(just_before(130.5))) == []
        assert router.next_timer_at() == 130.5

    def test_the_pool_widens_exactly_at_the_step(self) -> None:
        router = self._router()
        router.advance(just_before(130.5))
        [offer] = offers_in(router.advance(130.5))
        assert (offer.task_id, offer.agent_id, offer.made_at) == ("t1", "ann", 130.5)

    def test_an_agent_added_later_sees_the_relaxed_requirement(self) -> None:
        router = Router()
        steps = (RelaxStep(after=30, skills={"billing": 2}),)
        router.submit(
            Task("t1", "voice", requirement=Requirement({"billing": 4}, steps=steps)), now=0
        )
        assert offers_in(router.add_agent(voice_agent("ann", billing=2), now=29.5)) == []
        router.remove_agent("ann", now=29.5)
        assert [o.task_id for o in offers_in(router.add_agent(voice_agent("bob", 2), 30))] == ["t1"]

    def test_a_step_may_also_drop_a_skill(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"tech": 1}, {"chat": 1}), now=0)
        steps = (RelaxStep(after=5, skills={"tech": 1}), RelaxStep(after=60, skills={}))
        requirement = Requirement({"tech": 3, "billing": 2}, steps=steps)
        router.submit(Task("t1", "chat", requirement=requirement), now=0)
        [offer] = offers_in(router.advance(5))
        assert offer.agent_id == "ann"


class TestPreferredWindow:
    """A follow-up waits for the last agent, then any agent takes it at the window end."""

    def _router(self) -> Router:
        router = Router()
        router.add_agent(voice_agent("ann"), now=0)
        router.add_agent(voice_agent("bob"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        follow_up = Task("t2", "voice", preferred_agents=("ann",), preferred_window=30)
        router.submit(follow_up, now=10)
        return router

    def test_waits_for_the_preferred_agent_until_just_before_the_window_ends(self) -> None:
        router = self._router()
        assert router.next_timer_at() == 40.0
        assert offers_in(router.advance(just_before(40.0))) == []

    def test_falls_back_to_another_agent_exactly_at_the_window_end(self) -> None:
        router = self._router()
        router.advance(just_before(40.0))
        [offer] = offers_in(router.advance(40.0))
        assert (offer.agent_id, offer.made_at, offer.terms.context) == ("bob", 40.0, 0.0)

    def test_the_preferred_agent_takes_it_when_free_within_the_window(self) -> None:
        router = self._router()
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=39.5))
        assert (offer.agent_id, offer.terms.context) == ("ann", Policy().w_context)

    def test_the_preferred_agent_prefers_its_follow_up_over_more_urgent_work(self) -> None:
        router = self._router()
        router.submit(Task("other", "voice", priority=3), now=11)  # bob takes it
        router.submit(Task("other2", "voice", priority=3), now=11)
        # ann: follow-up scores w_context = 5 plus its urgency; other2 scores 3 + urgency.
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=12))
        assert offer.task_id == "t2"

    def test_a_window_that_ended_before_submission_does_not_hold_the_task(self) -> None:
        router = Router()
        router.add_agent(voice_agent("ann"), now=0)
        router.add_agent(voice_agent("bob"), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        late = Task("t", "voice", preferred_agents=("ann",), preferred_window=5, created_at=90)
        [offer] = offers_in(router.submit(late, now=100))
        assert offer.agent_id == "bob"


class TestProficiencyByValue:
    """Eligible agents with billing 2, 3 and 5; the task needs billing 2."""

    def _offer(self, value: float, policy: Policy | None = None) -> Offer:
        router = Router(policy)
        # The expert is added first and has been idle longest: only fit can beat it.
        router.add_agent(voice_agent("expert", billing=5), now=0)
        router.add_agent(voice_agent("senior", billing=3), now=1)
        router.add_agent(voice_agent("junior", billing=2), now=2)
        task = Task(
            "t", "voice", customer=Customer("c", value), requirement=Requirement({"billing": 2})
        )
        [offer] = offers_in(router.submit(task, now=3))
        return offer

    def test_high_value_customer_gets_the_most_proficient_agent(self) -> None:
        offer = self._offer(8.0)
        assert offer.agent_id == "expert"
        assert offer.terms.fit == 0.5 * 3

    def test_a_customer_exactly_at_the_threshold_counts_as_high_value(self) -> None:
        assert self._offer(Policy().high_value_threshold).agent_id == "expert"

    def test_routine_customer_gets_the_least_over_qualified_agent(self) -> None:
        offer = self._offer(just_before(Policy().high_value_threshold))
        assert offer.agent_id == "junior"
        assert offer.terms.fit == 0.0

    def test_fifo_ignores_proficiency_and_takes_the_longest_idle(self) -> None:
        assert self._offer(0.0, Policy.fifo()).agent_id == "expert"
        assert self._offer(9.0, Policy.fifo()).agent_id == "expert"

    def test_a_freed_expert_takes_the_high_value_task_over_a_routine_one(self) -> None:
        router = Router()
        router.add_agent(voice_agent("expert", billing=5), now=0)
        router.set_agent_state("expert", AgentState.AWAY, now=0)
        need = Requirement({"billing": 2})
        router.submit(Task("routine", "voice", customer=Customer("r", 4.5), requirement=need), 0)
        router.submit(Task("vip", "voice", customer=Customer("v", 5.0), requirement=need), 0)
        # routine: 4.5 - 0.5*3 = 3.0; vip: 5 + 0.5*3 = 6.5 (same urgency).
        [offer] = offers_in(router.set_agent_state("expert", AgentState.AVAILABLE, now=1))
        assert offer.task_id == "vip"


class TestLongestIdleWinsTies:
    def test_the_agent_idle_longest_gets_the_task(self) -> None:
        router = Router()
        for agent_id in ("ann", "bob", "cat"):
            router.add_agent(voice_agent(agent_id), now=0)
            router.set_agent_state(agent_id, AgentState.AWAY, now=0)
        for agent_id, since in (("bob", 1.0), ("cat", 3.0), ("ann", 5.0)):
            router.set_agent_state(agent_id, AgentState.AVAILABLE, now=since)
        got = [
            offers_in(router.submit(Task(f"t{i}", "voice"), now=10))[0].agent_id for i in range(3)
        ]
        assert got == ["bob", "cat", "ann"]

    def test_equal_idle_time_goes_to_the_agent_added_first(self) -> None:
        router = Router()
        for agent_id in ("cat", "ann", "bob"):
            router.add_agent(voice_agent(agent_id), now=0)
        got = [
            offers_in(router.submit(Task(f"t{i}", "voice"), now=1))[0].agent_id for i in range(3)
        ]
        assert got == ["cat", "ann", "bob"]

    def test_fit_beats_idle_time(self) -> None:
        router = Router()
        router.add_agent(voice_agent("expert", billing=5), now=0)
        router.add_agent(voice_agent("junior", billing=2), now=10)
        need = Requirement({"billing": 2})
        [offer] = offers_in(router.submit(Task("t", "voice", requirement=need), now=11))
        assert offer.agent_id == "junior"


class TestBlending:
    """One agent: voice 1, chat 3, at most 3 units; a call uses 3 units, a chat 1."""

    def _router(self) -> Router:
        router = Router(Policy(offer_timeout=None))
        blended = Agent("ann", {"billing": 3}, {"voice": 1, "chat": 3}, max_units=3)
        router.add_agent(blended, now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        return router

    def _take_all(self, router: Router, events: list[object], now: float) -> list[str]:
        taken = []
        for offer in offers_in(events):
            router.accept(offer.id, now)
            taken.append(offer.task_id)
        return taken

    def test_a_call_blocks_chats_and_chats_block_a_call(self) -> None:
        router = self._router()
        router.submit(Task("call", "voice", units=3, sla_target=20), now=0)
        for i in range(4):
            router.submit(Task(f"chat{i}", "chat", sla_target=60), now=1 + i)
        # At 10 the call has used half its target, the chats a sixth or less.
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=10)
        assert self._take_all(router, events, 10) == ["call"]
        router.submit(Task("call2", "voice", units=3, sla_target=20), now=11)
        # The call ends at 40: call2 is 9 s overdue (10 + 4*10*9/20 = 28), chat0 has
        # used 39 s of 60 (6.5): call2 first, and it fills all three units.
        events = router.complete("call", now=40)
        assert self._take_all(router, events, 40) == ["call2"]
        events = router.complete("call2", now=45)
        # No call waits: three chats fill the three units, the fourth waits.
        assert self._take_all(router, events, 45) == ["chat0", "chat1", "chat2"]
        assert [t.id for t in router.waiting_tasks()] == ["chat3"]
        router.submit(Task("call3", "voice", units=3, sla_target=20), now=46)
        # One chat ends: one unit frees, not enough for the call: chat3 takes it.
        assert self._take_all(router, router.complete("chat0", now=50), 50) == ["chat3"]
        assert router.agent_tasks("ann") == ["chat1", "chat2", "chat3"]
        for i in (1, 2):
            assert offers_in(router.complete(f"chat{i}", now=51)) == []
        assert self._take_all(router, router.complete("chat3", now=52), 52) == ["call3"]

    def test_a_one_unit_call_fits_beside_two_chats(self) -> None:
        router = self._router()
        for i in range(3):
            router.submit(Task(f"chat{i}", "chat", sla_target=60), now=i)
        router.submit(Task("call", "voice", units=1, sla_target=20), now=3)
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=10)
        # call: 10*7/20 = 3.5; chats: 10*(10 - i)/60 <= 1.67. Call first, then two chats.
        assert self._take_all(router, events, 10) == ["call", "chat0", "chat1"]
        assert router.agent_tasks("ann") == ["call", "chat0", "chat1"]


class TestBackOfficeInterleaving:
    """Calls (20 s target) and back-office claims (due in hours) share one list and one
    agent; whichever has used the larger share of its SLA goes first."""

    def _router(self) -> Router:
        router = Router()
        router.add_agent(
            Agent("ann", {"claims": 2}, {"voice": 1, "backoffice": 1}, max_units=1), now=0
        )
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        # Due at 4000 with a 3600 s ramp: urgency starts at 400, half of it is used at 2200.
        claim = Task("claim", "backoffice", sla_target=3600, due_at=4000)
        router.submit(claim, now=0)
        return router

    @pytest.mark.parametrize(
        ("call_age", "first"),
        [(8.0, "claim"), (12.0, "call")],  # claim at 50 %; call at 40 % or 60 %
    )
    def test_the_larger_share_of_sla_used_goes_first(self, call_age: float, first: str) -> None:
        router = self._router()
        router.submit(Task("call", "voice", sla_target=20), now=2200 - call_age)
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=2200))
        assert offer.task_id == first

    def test_claims_and_calls_interleave_by_share_of_sla_used(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(
            Agent("ann", {"claims": 2}, {"voice": 1, "backoffice": 1}, max_units=1), now=0
        )
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        router.submit(Task("claimA", "backoffice", sla_target=3600, due_at=4000), now=0)
        router.submit(Task("claimB", "backoffice", sla_target=3600, due_at=3100), now=0)
        router.submit(Task("call1", "voice", sla_target=20), now=2188)
        router.submit(Task("call2", "voice", sla_target=20), now=2199)
        order = []
        events = router.set_agent_state("ann", AgentState.AVAILABLE, now=2200)
        for now in (2200.0, 2201.0, 2202.0, 2203.0):
            [offer] = offers_in(events)
            order.append(offer.task_id)
            router.accept(offer.id, now)
            events = router.complete(offer.task_id, now + 1)
        # Shares used at 2200: claimB 75 %, call1 60 %, claimA 50 %, call2 5 %.
        # At 2201 call1 has 65 % > claimA; at 2202 claimA (50.06 %) > call2 (15 %).
        assert order == ["claimB", "call1", "claimA", "call2"]


def test_the_oracle_is_not_the_router() -> None:
    """Guard for the stateful test: the oracle shares no machinery with the engine."""
    import tests.oracle as oracle

    with open(oracle.__file__, encoding="utf-8") as file:
        source = file.read()
    for machinery in ("_state", "task_queue", "agents", "offers", "timers", "context"):
        assert f"from routing.{machinery}" not in source, machinery
        assert f"import routing.{machinery}" not in source, machinery
    assert OracleRouter().policy == Policy()
