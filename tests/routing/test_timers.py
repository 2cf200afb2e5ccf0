"""routing.timers: firing order, stale timers, invariants; and the router firing them."""

from __future__ import annotations

import heapq
import math
import random

import pytest

from routing import (
    Agent,
    AgentPaused,
    AgentState,
    Offer,
    Offered,
    Policy,
    Relaxed,
    RelaxStep,
    Requeued,
    Requirement,
    Router,
    SlaBreached,
)
from routing._state import LiveTask
from routing.events import Event
from routing.model import Task, TaskState
from routing.timers import BREAKPOINT, COMPACT_MIN, OFFER_TIMEOUT, Timers


def live_task(seq: int) -> LiveTask:
    """A queued task record with submission sequence ``seq``."""
    return LiveTask(Task(f"t{seq}", "voice"), seq, 0.0, None, 300.0, 0.0, False)


def offered(timers: Timers, seq: int, offer_id: int, expires_at: float) -> LiveTask:
    """A task record on offer ``offer_id``, with the offer's timeout armed."""
    rec = live_task(seq)
    rec.state = TaskState.OFFERED
    rec.offer_id = offer_id
    timers.push_timeout(expires_at, rec)
    return rec


def fired(timers: Timers, now: float) -> list[tuple[float, int, LiveTask]]:
    """Pop the timers due by ``now`` as ``Router._advance`` does: ``(at, kind, obj)`` of
    the current ones, in order."""
    result: list[tuple[float, int, LiveTask]] = []
    heap = timers.heap
    while heap and heap[0][0] <= now:
        timer = heapq.heappop(heap)
        if timers.is_current(timer):
            result.append((timer[0], timer[1], timer[4]))
    return result


class TestFiringOrder:
    def test_timers_fire_by_time(self) -> None:
        timers = Timers()
        late, early = live_task(1), live_task(2)
        timers.push_breakpoint(20.0, late)
        timers.push_breakpoint(10.0, early)
        assert fired(timers, 30.0) == [(10.0, BREAKPOINT, early), (20.0, BREAKPOINT, late)]

    def test_equal_times_fire_in_task_sequence_order_whatever_the_arming_order(self) -> None:
        timers = Timers()
        records = [live_task(seq) for seq in (3, 1, 2)]
        for rec in records:
            timers.push_breakpoint(10.0, rec)
        assert [obj.seq for _, _, obj in fired(timers, 10.0)] == [1, 2, 3]

    def test_breakpoints_fire_before_timeouts_at_equal_times(self) -> None:
        timers = Timers()
        timed_out = offered(timers, 1, offer_id=7, expires_at=10.0)
        rec = live_task(9)
        timers.push_breakpoint(10.0, rec)
        assert fired(timers, 10.0) == [(10.0, BREAKPOINT, rec), (10.0, OFFER_TIMEOUT, timed_out)]

    def test_timeouts_at_equal_times_fire_in_offer_order(self) -> None:
        timers = Timers()
        second = offered(timers, 1, offer_id=2, expires_at=5.0)
        first = offered(timers, 2, offer_id=1, expires_at=5.0)
        assert [obj for _, _, obj in fired(timers, 5.0)] == [first, second]

    def test_nothing_fires_before_its_time_and_it_stays_armed(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        assert fired(timers, 9.999) == []
        assert timers.next_at() == 10.0
        assert fired(timers, 10.0) == [(10.0, BREAKPOINT, rec)]
        assert len(timers) == 0


class TestStaleTimers:
    def test_a_breakpoint_goes_stale_when_its_task_is_requeued(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        rec.version += 1  # removed from the queue, then inserted again
        timers.push_breakpoint(15.0, rec)
        assert fired(timers, 20.0) == [(15.0, BREAKPOINT, rec)]

    def test_a_breakpoint_of_a_task_no_longer_queued_does_not_fire(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        rec.state = TaskState.OFFERED
        assert fired(timers, 10.0) == []
        assert len(timers) == 0  # popped, not kept

    def test_a_timeout_goes_stale_when_its_offer_ends(self) -> None:
        timers = Timers()
        accepted = offered(timers, 1, offer_id=1, expires_at=5.0)
        expired = offered(timers, 2, offer_id=2, expires_at=6.0)
        accepted.offer_id = None  # what every end of an offer does
        assert fired(timers, 10.0) == [(6.0, OFFER_TIMEOUT, expired)]

    def test_a_timeout_of_an_earlier_offer_of_the_same_task_is_stale(self) -> None:
        timers = Timers()
        rec = offered(timers, 1, offer_id=1, expires_at=5.0)
        rec.offer_id = 4  # declined, requeued and offered again
        timers.push_timeout(8.0, rec)
        assert fired(timers, 10.0) == [(8.0, OFFER_TIMEOUT, rec)]

    def test_next_at_drops_stale_timers_on_top_and_keeps_the_current_one(self) -> None:
        timers = Timers()
        stale, current = live_task(1), live_task(2)
        timers.push_breakpoint(5.0, stale)
        timers.push_breakpoint(8.0, current)
        stale.version += 1
        assert len(timers) == 2
        assert timers.next_at() == 8.0
        assert len(timers) == 1
        assert timers.next_at() == 8.0  # asking again changes nothing

    def test_next_at_is_none_when_only_stale_timers_are_left(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        accepted = offered(timers, 2, offer_id=2, expires_at=6.0)
        rec.state = TaskState.CANCELLED
        accepted.offer_id = None
        assert timers.next_at() is None
        assert len(timers) == 0

    def test_is_current_follows_version_state_and_offer(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        on_offer = offered(timers, 2, offer_id=3, expires_at=6.0)
        breakpoint_timer, timeout_timer = sorted(timers.heap, key=lambda timer: timer[0])
        assert timers.is_current(breakpoint_timer) and timers.is_current(timeout_timer)
        rec.version += 1
        on_offer.offer_id = None
        assert not timers.is_current(breakpoint_timer)
        assert not timers.is_current(timeout_timer)


class TestCheck:
    def test_holds_after_a_sequence_of_pushes_and_pops(self) -> None:
        timers = Timers()
        records = [live_task(seq) for seq in range(1, 30)]
        for i, rec in enumerate(records):
            timers.push_breakpoint(float((i * 7) % 11), rec)
            if i % 3 == 0:
                rec.version += 1  # goes stale, then is armed again
                timers.push_breakpoint(float(i), rec)
        on_offer = [offered(timers, 100 + i, offer_id=i, expires_at=4.5) for i in (1, 2, 3)]
        timers.check()
        on_offer[1].offer_id = None
        assert len(fired(timers, 4.5)) > 0
        timers.check()
        timers.next_at()
        timers.check()

    def test_two_current_timers_of_one_task_are_caught(self) -> None:
        timers = Timers()
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        timers.push_breakpoint(6.0, rec)  # armed twice without a removal between
        with pytest.raises(AssertionError, match="two current timers"):
            timers.check()

    def test_a_broken_heap_is_caught(self) -> None:
        timers = Timers()
        for seq in (1, 2, 3):
            timers.push_breakpoint(float(seq), live_task(seq))
        timers.heap.reverse()
        with pytest.raises(AssertionError, match="heap order"):
            timers.check()


def offers_in(events: list[Event]) -> list[Offer]:
    return [event.offer for event in events if isinstance(event, Offered)]


class TestTheRouterFiresTimers:
    """``Router._advance`` pops due timers itself, with ``is_current`` inline."""

    def test_a_breakpoint_armed_while_firing_fires_in_its_turn(self) -> None:
        steps = (RelaxStep(10, {"billing": 2}), RelaxStep(20, {"billing": 1}))
        router = Router(Policy(offer_timeout=None))
        router.submit(Task("t1", "voice", Requirement({"billing": 3}, steps)), now=0)
        events = router.advance(25.0)  # the step at 20 is armed when the one at 10 fires
        relaxed = [(e.at, e.skills) for e in events if isinstance(e, Relaxed)]
        assert relaxed == [(10.0, (("billing", 2),)), (20.0, (("billing", 1),))]
        router.check()

    def test_a_requeued_task_s_old_breakpoint_is_skipped(self) -> None:
        router = Router(Policy(offer_timeout=None))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        router.set_agent_state("ann", AgentState.AWAY, now=0)
        router.submit(Task("t1", "voice", sla_target=20.0), now=0)  # breakpoint at 20
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=5))
        router.decline(offer.id, now=6)  # requeued: a new breakpoint at 20, the old stale
        router.check()  # one current timer per task
        [breached] = router.advance(21.0)
        assert breached == SlaBreached("t1", 20.0)
        assert router.next_timer_at() == 36.0  # ann's cooldown ends (declined at 6, 30 s)
        router.check()

    def test_an_accepted_offer_s_timeout_is_skipped(self) -> None:
        router = Router(Policy(offer_timeout=15.0))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        [offer] = offers_in(router.submit(Task("t1", "voice"), now=0))
        router.accept(offer.id, now=1)
        assert router.advance(20.0) == []
        assert router.task_state("t1") is TaskState.ASSIGNED

    def test_an_open_offer_times_out(self) -> None:
        router = Router(Policy(offer_timeout=15.0))
        router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=0)
        assert len(offers_in(router.submit(Task("t1", "voice"), now=0))) == 1
        assert router.next_timer_at() == 15.0
        events = router.advance(15.0)
        assert Requeued("t1", "ann", "timeout", 15.0) in events
        assert AgentPaused("ann", 15.0) in events
        assert router.task_state("t1") is TaskState.QUEUED
        router.check()


class TestCompaction:
    def test_a_push_past_the_limit_drops_every_stale_timer(self) -> None:
        timers = Timers()
        records = [live_task(seq) for seq in range(1, COMPACT_MIN + 1)]
        for rec in records:
            timers.push_breakpoint(float(rec.seq), rec)
        for rec in records[::2]:
            rec.version += 1  # left the queue: its timer is stale
        assert len(timers) == COMPACT_MIN == timers.limit
        late = live_task(1000)
        timers.push_breakpoint(1.5, late)  # one past the limit
        assert len(timers) == COMPACT_MIN // 2 + 1
        assert timers.limit == max(COMPACT_MIN, 2 * len(timers))
        timers.check()
        fired_at = [at for at, _, _ in fired(timers, math.inf)]
        assert fired_at == sorted([1.5] + [float(rec.seq) for rec in records[1::2]])

    def test_stale_timeouts_are_dropped_and_the_open_one_kept(self) -> None:
        timers = Timers()
        timers.limit = 4
        closed = [offered(timers, seq, offer_id=seq, expires_at=10.0 + seq) for seq in (1, 2)]
        for rec in closed:
            rec.offer_id = None
        still_open = offered(timers, 3, offer_id=3, expires_at=13.0)
        waiting = live_task(4)
        timers.push_breakpoint(20.0, waiting)
        waiting.state = TaskState.OFFERED
        timers.push_breakpoint(5.0, live_task(5))  # the fifth push compacts
        assert sorted(timer[0] for timer in timers.heap) == [5.0, 13.0]
        assert timers.next_at() == 5.0
        assert [obj for _, _, obj in fired(timers, 20.0)][1] is still_open

    def test_compaction_keeps_the_list_the_router_holds(self) -> None:
        timers = Timers()
        heap = timers.heap
        for seq in range(1, 3 * COMPACT_MIN):
            rec = live_task(seq)
            timers.push_breakpoint(float(seq), rec)
            rec.version += 1
        assert timers.heap is heap and len(heap) <= timers.limit

    def test_a_long_soak_keeps_the_heap_within_a_constant_factor_of_live_timers(self) -> None:
        rng = random.Random(7)
        router = Router(Policy(offer_timeout=10.0, pause_on_timeout=False))
        for i in range(6):
            router.add_agent(Agent(f"a{i}", {"billing": 3}, {"voice": 1, "chat": 2}), now=0)
        now, live, worst = 0.0, 0, 0.0
        assigned: list[str] = []
        for step in range(20_000):
            now += rng.choice([0.0, 0.5, 1.0])
            channel = rng.choice(["voice", "chat"])
            # hours-long targets, as for email: most tasks leave the queue long before
            # their breakpoint, which then stays in the heap until compacted
            task = Task(f"t{step}", channel, sla_target=rng.choice([20.0, 3600.0, 14_400.0]))
            events = router.submit(task, now)
            for offer in offers_in(events):
                if rng.random() < 0.8:
                    router.accept(offer.id, now)
                    assigned.append(offer.task_id)
            if assigned and rng.random() < 0.9:
                router.complete(assigned.pop(rng.randrange(len(assigned))), now)
            waiting = router.waiting_tasks()
            if len(waiting) > 40:  # customers abandon: their breakpoints go stale
                for stale in rng.sample(waiting, 20):
                    router.cancel(stale.id, now)
            heap = router._timers.heap
            live = sum(1 for timer in heap if router._timers.is_current(timer))
            worst = max(worst, len(heap) / max(COMPACT_MIN, live))
        assert worst <= 4.0, worst  # about 1.7; without compaction, over 100
        router.check()
