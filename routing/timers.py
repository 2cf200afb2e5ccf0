"""The router's timers: task breakpoints, cooldowns, expiries, offer timeouts, releases
of scheduled tasks and ends of wrap-up.

A waiting task leaves its bucket only at a breakpoint known in advance (an urgency
segment ends, a relaxation step applies, a preferred-agent window ends), an agent's
exclusion from a task it refused ends after the policy's cooldown, a task with a
time-to-live expires, an offer ends by itself at its timeout, a scheduled task is
released and a wrap-up ends: all are timers, in one heap. A timer is the tuple
``(at, kind, seq, version, obj)`` on a binary heap (``heapq``), so they fire in order of
``(at, kind, seq)``:

* kind :data:`BREAKPOINT` (0): ``obj`` is the task's :class:`~routing._state.LiveTask`,
  ``seq`` its submission sequence and ``version`` the record's ``version`` when the
  timer was armed. Removing a task from the queue bumps its version, so the timers it
  had go *stale* instead of being searched for and deleted; a stale timer is skipped
  when it reaches the top. A task has at most one current timer: one is armed per
  insertion into the queue, and a removal separates two insertions.
* kind :data:`COOLDOWN` (1): ``obj`` is a task some agent refused, ``seq`` its
  submission sequence and ``version`` a counter of refusals (unique). When it fires
  it lifts every exclusion of the task that has ended (``LiveTask.declined_by`` maps
  agent id to when its exclusion ends). It is stale once the task is neither
  scheduled, queued nor offered, or has no exclusion ending by then (an earlier timer
  lifted it).
* kind :data:`EXPIRY` (2): ``obj`` is a task with a time-to-live, ``seq`` its
  submission sequence, ``version`` 0; stale once the task is neither scheduled,
  queued nor offered (assigned, completed, cancelled), or its expiry moved
  (``LiveTask.expires_at`` is no longer the timer's time: accepted, or updated).
* kind :data:`OFFER_TIMEOUT` (3): ``obj`` is the offered task's ``LiveTask``, ``seq``
  the offer's id and ``version`` 0. It is stale once the task's ``offer_id`` is no
  longer that id: every end of an offer (accepted, declined, cancelled, timed out)
  clears it, so the timers need no look-up in the router's offer table.
* kind :data:`RELEASE` (4): ``obj`` is a scheduled task, ``seq`` its submission
  sequence, ``version`` its record's ``version``; stale once the task is no longer
  scheduled or was rescheduled (an update bumps the version).
* kind :data:`WRAP_UP` (5): ``obj`` is a task in wrap-up, ``seq`` its submission
  sequence, ``version`` 0; stale once the task is no longer in wrap-up (ended early).

At equal times the kinds fire in that order (an expiring task is not offered again
first, and a task whose offer times out as it expires just expires), each kind by
its ``seq`` (task submission order, offer order): ties are broken by counters, like SimPy's
``(time, priority, eid)``. ``(at, kind, seq, version)`` is unique, so the heap never
compares two ``obj``.

A stale timer never becomes current again (versions and offer ids only grow), so it
may be dropped at any moment. Those on top are dropped as they surface; the others
would stay until their time came, each holding its dead task's record, so the heap is
*compacted* as it grows: when a push takes it past :attr:`Timers.limit`, every stale
timer is filtered out and the rest re-heapified in place, and the limit becomes
``max(COMPACT_MIN, 2 x the timers kept)``. A compaction costs O(n) and comes at least
n/2 pushes after the last one, so a push stays amortised O(log n); the heap never holds
more than twice the current timers it held at its last compaction (or
:data:`COMPACT_MIN`), whatever went stale before. Compacting in place keeps the list the
router holds, and it keeps the heap order, so it is safe even while ``Router._advance``
is popping due timers (a breakpoint that fires arms the task's next one).

This module owns the timers' shape, arming them (:meth:`Timers.push_breakpoint`,
:meth:`Timers.push_timeout`), the staleness rule (:meth:`Timers.is_current`),
compaction (:meth:`Timers.compact`), :meth:`Timers.next_at` and the invariants
(:meth:`Timers.check`). The router reads :attr:`Timers.heap`, a plain list, directly on
its hot path: every call first asks *is anything due by now?* (``heap and heap[0][0] <=
now``), and ``Router._advance`` pops the due timers itself, applying ``is_current``
inline, because a generator or a call per timer here measurably slowed a lifecycle
(``benchmarks/ab_router.py``). The tests of this module pin the rule; the stateful test
against the oracle pins the router's copy.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, TypeAlias

from routing._state import LiveTask
from routing.model import TaskState

BREAKPOINT = 0
"""Timer kind of a task breakpoint (fires first at equal times)."""
COOLDOWN = 1
"""Timer kind of the end of an agent's exclusion from a task it refused."""
EXPIRY = 2
"""Timer kind of a task's time-to-live."""
OFFER_TIMEOUT = 3
"""Timer kind of an offer timeout."""
RELEASE = 4
"""Timer kind of a scheduled task's ``not_before``."""
WRAP_UP = 5
"""Timer kind of the end of a wrap-up (fires last at equal times)."""

Timer: TypeAlias = tuple[float, int, int, int, Any]
"""``(at, kind, seq, version, obj)``; see the module docstring."""

COMPACT_MIN = 64
"""The heap is never compacted below this many timers (a new router's :attr:`Timers.limit`)."""

# Enum members as module constants for the hot paths (see ``routing.router``).
_QUEUED = TaskState.QUEUED
_OFFERED = TaskState.OFFERED
_SCHEDULED = TaskState.SCHEDULED
_WRAP_UP = TaskState.WRAP_UP


def expiry_due(rec: LiveTask, at: float) -> bool:
    """Whether an expiry timer of ``rec`` at ``at`` is current: the task is scheduled,
    queued or offered and still expires then."""
    state = rec.state
    return rec.expires_at == at and (state is _QUEUED or state is _OFFERED or state is _SCHEDULED)


def cooldown_due(rec: LiveTask, at: float) -> bool:
    """Whether a cooldown timer of ``rec`` at ``at`` is current: the task is scheduled,
    queued or offered and one of its exclusions ends by ``at``."""
    declined_by = rec.declined_by
    state = rec.state
    if not declined_by or not (state is _QUEUED or state is _OFFERED or state is _SCHEDULED):
        return False
    return min(declined_by.values()) <= at


class Timers:
    """The heap of the timers of one router (breakpoints, cooldowns, expiries, timeouts).

    Attributes:
        heap: the timers, a binary heap (``heapq``); the router pops it directly.
        limit: a push that takes the heap past this many timers compacts it.
    """

    __slots__ = ("_refusals", "heap", "limit")

    def __init__(self) -> None:
        self.heap: list[Timer] = []
        self.limit = COMPACT_MIN
        self._refusals = 0

    def __len__(self) -> int:
        """Timers in the heap, stale ones included."""
        return len(self.heap)

    def push_breakpoint(self, at: float, rec: LiveTask) -> None:
        """Arm the breakpoint of queued ``rec`` at ``at``, for its current version.

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        heap = self.heap
        heappush(heap, (at, BREAKPOINT, rec.seq, rec.version, rec))
        if len(heap) > self.limit:
            self.compact()

    def push_timeout(self, at: float, rec: LiveTask) -> None:
        """Arm the timeout at ``at`` of the open offer of ``rec`` (its ``offer_id``).

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        offer_id = rec.offer_id
        assert offer_id is not None, rec.task.id
        heap = self.heap
        heappush(heap, (at, OFFER_TIMEOUT, offer_id, 0, rec))
        if len(heap) > self.limit:
            self.compact()

    def compact(self) -> None:
        """Drop every stale timer, in place, and set the next :attr:`limit`.

        The push methods call it when the heap outgrows :attr:`limit`. The list stays
        the same object and a heap, so the router's reference to it and a pop loop in
        progress stay valid; only timers that can never fire are dropped.

        Runtime complexity: O(n), at most once per n/2 pushes.
        """
        heap = self.heap
        # ``is_current(timer)``, inline for the usual kinds as in ``next_at``
        is_current = self.is_current
        heap[:] = [
            timer
            for timer in heap
            if (
                timer[4].version == timer[3] and timer[4].state is _QUEUED
                if timer[1] == BREAKPOINT
                else timer[4].offer_id == timer[2]
                if timer[1] == OFFER_TIMEOUT
                else is_current(timer)
            )
        ]
        heapify(heap)
        self.limit = max(COMPACT_MIN, 2 * len(heap))

    def push_cooldown(self, at: float, rec: LiveTask) -> None:
        """Arm the end at ``at`` of an exclusion of ``rec`` (an agent refused it).

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        self._refusals += 1
        heap = self.heap
        heappush(heap, (at, COOLDOWN, rec.seq, self._refusals, rec))
        if len(heap) > self.limit:
            self.compact()

    def push_expiry(self, at: float, rec: LiveTask) -> None:
        """Arm the time-to-live of ``rec``, ending at ``at``.

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        heap = self.heap
        heappush(heap, (at, EXPIRY, rec.seq, 0, rec))
        if len(heap) > self.limit:
            self.compact()

    def push_release(self, at: float, rec: LiveTask) -> None:
        """Arm the release at ``at`` of the scheduled ``rec``, for its current version.

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        heap = self.heap
        heappush(heap, (at, RELEASE, rec.seq, rec.version, rec))
        if len(heap) > self.limit:
            self.compact()

    def push_wrap_up(self, at: float, rec: LiveTask) -> None:
        """Arm the end at ``at`` of the wrap-up of ``rec``.

        Runtime complexity: amortised O(log n) (see :meth:`compact`).
        """
        heap = self.heap
        heappush(heap, (at, WRAP_UP, rec.seq, 0, rec))
        if len(heap) > self.limit:
            self.compact()

    @staticmethod
    def is_current(timer: Timer) -> bool:
        """Whether ``timer`` would still fire (see the module docstring)."""
        at, kind, seq, version, obj = timer
        if kind == BREAKPOINT:
            return bool(obj.version == version and obj.state is _QUEUED)
        if kind == COOLDOWN:
            return cooldown_due(obj, at)
        if kind == EXPIRY:
            return expiry_due(obj, at)
        if kind == OFFER_TIMEOUT:
            return bool(obj.offer_id == seq)
        if kind == RELEASE:
            return bool(obj.version == version and obj.state is _SCHEDULED)
        return bool(obj.state is _WRAP_UP and obj.wrap_until == at)

    def next_at(self) -> float | None:
        """When the next current timer fires, or ``None``; drops stale timers on top.

        Runtime complexity: O(1) amortised (each stale timer is dropped once).
        """
        heap = self.heap
        while heap:
            # ``is_current(heap[0])`` inline for the usual kinds: the simulator asks
            # after every router call
            timer = heap[0]
            at, kind, seq, version, obj = timer
            if kind == BREAKPOINT:
                if obj.version == version and obj.state is _QUEUED:
                    return at
            elif kind == OFFER_TIMEOUT:
                if obj.offer_id == seq:
                    return at
            elif self.is_current(timer):
                return at
            heappop(heap)
        return None

    def check(self) -> None:
        """Assert the heap invariant, the bound on its size, the timers' shapes and that
        no queued task has two current timers. Runtime complexity: O(n)."""
        heap = self.heap
        assert len(heap) <= self.limit, f"{len(heap)} timers, over the limit {self.limit}"
        for i in range(1, len(heap)):
            assert heap[(i - 1) // 2] <= heap[i], f"timer heap order broken at {i}"
        armed: set[tuple[int, int]] = set()
        for timer in heap:
            _, kind, seq, version, obj = timer
            assert kind in (BREAKPOINT, COOLDOWN, EXPIRY, OFFER_TIMEOUT, RELEASE, WRAP_UP), timer
            assert isinstance(obj, LiveTask), timer
            if kind in (BREAKPOINT, RELEASE):
                assert seq == obj.seq and version <= obj.version, timer
            elif kind == COOLDOWN:
                assert seq == obj.seq and 0 < version <= self._refusals, timer
                continue  # one per refusal: several may be current for one task
            elif kind == EXPIRY:
                assert seq == obj.seq and version == 0, timer
                continue  # an update may move a ttl back to a time armed before
            else:
                assert version == 0, timer
                if kind != OFFER_TIMEOUT:
                    assert seq == obj.seq, timer
            if self.is_current(timer):
                assert (kind, seq) not in armed, f"task {obj.task.id!r} has two current timers"
                armed.add((kind, seq))
