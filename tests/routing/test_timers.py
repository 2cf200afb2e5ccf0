"""routing.timers: firing order, stale timers skipped, timers armed while firing."""

from __future__ import annotations

import pytest

from routing._state import LiveTask
from routing.model import Offer, ScoreTerms, Task, TaskState
from routing.timers import BREAKPOINT, OFFER_TIMEOUT, Timers

TERMS = ScoreTerms(0.0, 0.0, 0.0, 0.0, 0.0)


def live_task(seq: int) -> LiveTask:
    """A queued task record with submission sequence ``seq``."""
    return LiveTask(Task(f"t{seq}", "voice"), seq, 0.0, None, 300.0, 0.0, False)


def offer(offer_id: int, expires_at: float) -> Offer:
    return Offer(offer_id, f"t{offer_id}", "ann", 0.0, expires_at, TERMS)


def fired(timers: Timers, now: float) -> list[tuple[float, int, object]]:
    return list(timers.due(now))


class TestFiringOrder:
    def test_timers_fire_by_time(self) -> None:
        timers = Timers(set())
        late, early = live_task(1), live_task(2)
        timers.push_breakpoint(20.0, late)
        timers.push_breakpoint(10.0, early)
        assert fired(timers, 30.0) == [(10.0, BREAKPOINT, early), (20.0, BREAKPOINT, late)]

    def test_equal_times_fire_in_task_sequence_order_whatever_the_arming_order(self) -> None:
        timers = Timers(set())
        records = [live_task(seq) for seq in (3, 1, 2)]
        for rec in records:
            timers.push_breakpoint(10.0, rec)
        assert [obj.seq for _, _, obj in timers.due(10.0)] == [1, 2, 3]

    def test_breakpoints_fire_before_timeouts_at_equal_times(self) -> None:
        timers = Timers({7})
        rec, timed_out = live_task(9), offer(7, 10.0)
        timers.push_timeout(timed_out)
        timers.push_breakpoint(10.0, rec)
        assert fired(timers, 10.0) == [(10.0, BREAKPOINT, rec), (10.0, OFFER_TIMEOUT, timed_out)]

    def test_timeouts_at_equal_times_fire_in_offer_order(self) -> None:
        timers = Timers({1, 2})
        second, first = offer(2, 5.0), offer(1, 5.0)
        timers.push_timeout(second)
        timers.push_timeout(first)
        assert [obj for _, _, obj in timers.due(5.0)] == [first, second]

    def test_nothing_fires_before_its_time_and_it_stays_armed(self) -> None:
        timers = Timers(set())
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        assert fired(timers, 9.999) == []
        assert timers.next_at() == 10.0
        assert fired(timers, 10.0) == [(10.0, BREAKPOINT, rec)]
        assert len(timers) == 0

    def test_a_timer_armed_while_firing_fires_in_its_turn(self) -> None:
        """A breakpoint's handler arms the task's next breakpoint, itself due by ``now``:
        it fires after the earlier timer and before a later one."""
        timers = Timers(set())
        first, other = live_task(1), live_task(2)
        timers.push_breakpoint(10.0, first)
        timers.push_breakpoint(30.0, other)
        order = []
        for at, _, obj in timers.due(40.0):
            order.append((at, obj))
            if at == 10.0:
                first.version += 1  # the router re-queues the task on its next segment
                timers.push_breakpoint(20.0, first)
        assert order == [(10.0, first), (20.0, first), (30.0, other)]


class TestStaleTimers:
    def test_a_breakpoint_goes_stale_when_its_task_is_requeued(self) -> None:
        timers = Timers(set())
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        rec.version += 1  # removed from the queue, then inserted again
        timers.push_breakpoint(15.0, rec)
        assert fired(timers, 20.0) == [(15.0, BREAKPOINT, rec)]

    def test_a_breakpoint_of_a_task_no_longer_queued_does_not_fire(self) -> None:
        timers = Timers(set())
        rec = live_task(1)
        timers.push_breakpoint(10.0, rec)
        rec.state = TaskState.OFFERED
        assert fired(timers, 10.0) == []
        assert len(timers) == 0  # popped, not kept

    def test_a_timeout_goes_stale_when_its_offer_closes(self) -> None:
        open_offers = {1, 2}
        timers = Timers(open_offers)
        accepted, expired = offer(1, 5.0), offer(2, 6.0)
        timers.push_timeout(accepted)
        timers.push_timeout(expired)
        open_offers.discard(1)  # the router's table, read live
        assert fired(timers, 10.0) == [(6.0, OFFER_TIMEOUT, expired)]

    def test_next_at_drops_stale_timers_on_top_and_keeps_the_current_one(self) -> None:
        timers = Timers(set())
        stale, current = live_task(1), live_task(2)
        timers.push_breakpoint(5.0, stale)
        timers.push_breakpoint(8.0, current)
        stale.version += 1
        assert len(timers) == 2
        assert timers.next_at() == 8.0
        assert len(timers) == 1
        assert timers.next_at() == 8.0  # asking again changes nothing

    def test_next_at_is_none_when_only_stale_timers_are_left(self) -> None:
        timers = Timers({1})
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        timers.push_timeout(offer(2, 6.0))  # offer 2 is not open
        rec.state = TaskState.CANCELLED
        assert timers.next_at() is None
        assert len(timers) == 0

    def test_is_current_follows_version_state_and_open_offers(self) -> None:
        open_offers = {3}
        timers = Timers(open_offers)
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        timers.push_timeout(offer(3, 6.0))
        breakpoint_timer, timeout_timer = sorted(timers.heap)
        assert timers.is_current(breakpoint_timer) and timers.is_current(timeout_timer)
        rec.version += 1
        open_offers.clear()
        assert not timers.is_current(breakpoint_timer)
        assert not timers.is_current(timeout_timer)


class TestCheck:
    def test_holds_after_a_sequence_of_pushes_and_pops(self) -> None:
        open_offers = {1, 2, 3}
        timers = Timers(open_offers)
        records = [live_task(seq) for seq in range(1, 30)]
        for i, rec in enumerate(records):
            timers.push_breakpoint(float((i * 7) % 11), rec)
            if i % 3 == 0:
                rec.version += 1  # goes stale, then is armed again
                timers.push_breakpoint(float(i), rec)
        for offer_id in sorted(open_offers):
            timers.push_timeout(offer(offer_id, 4.5))
        timers.check()
        open_offers.discard(2)
        assert len(fired(timers, 4.5)) > 0
        timers.check()
        timers.next_at()
        timers.check()

    def test_two_current_timers_of_one_task_are_caught(self) -> None:
        timers = Timers(set())
        rec = live_task(1)
        timers.push_breakpoint(5.0, rec)
        timers.push_breakpoint(6.0, rec)  # armed twice without a removal between
        with pytest.raises(AssertionError, match="two current timers"):
            timers.check()

    def test_a_broken_heap_is_caught(self) -> None:
        timers = Timers(set())
        for seq in (1, 2, 3):
            timers.push_breakpoint(float(seq), live_task(seq))
        timers.heap.reverse()
        with pytest.raises(AssertionError, match="heap order"):
            timers.check()
