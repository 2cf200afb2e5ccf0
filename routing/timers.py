"""The router's timers: task breakpoints and offer timeouts, in one heap.

A waiting task leaves its bucket only at a breakpoint known in advance (an urgency
segment ends, a relaxation step applies, a preferred-agent window ends), and an offer
ends by itself at its timeout: both are timers. A timer is the tuple
``(at, kind, seq, version, obj)`` on a binary heap (``heapq``), so they fire in order of
``(at, kind, seq)``:

* kind :data:`BREAKPOINT` (0): ``obj`` is the task's :class:`~routing._state.LiveTask`,
  ``seq`` its submission sequence and ``version`` the record's ``version`` when the
  timer was armed. Removing a task from the queue bumps its version, so the timers it
  had go *stale* instead of being searched for and deleted; a stale timer is skipped
  when it reaches the top. A task has at most one current timer: one is armed per
  insertion into the queue, and a removal separates two insertions.
* kind :data:`OFFER_TIMEOUT` (1): ``obj`` is the :class:`~routing.model.Offer`, ``seq``
  its id and ``version`` 0. It is stale once the offer is no longer open (accepted,
  declined or cancelled before it expired).

At equal times breakpoints fire before timeouts, breakpoints in task submission order
and timeouts in offer order: ties are broken by counters, like SimPy's
``(time, priority, eid)``. ``(at, kind, seq, version)`` is unique, so the heap never
compares two ``obj``.

The router reads :attr:`Timers.heap` directly for its one hot question, *is anything
due by now?* (``heap and heap[0][0] <= now``), asked at the start of every call; the
rest goes through the methods here.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from heapq import heappop, heappush
from typing import Any, TypeAlias

from routing._state import LiveTask
from routing.model import Offer, TaskState

BREAKPOINT = 0
"""Timer kind of a task breakpoint (fires first at equal times)."""
OFFER_TIMEOUT = 1
"""Timer kind of an offer timeout."""

Timer: TypeAlias = tuple[float, int, int, int, Any]
"""``(at, kind, seq, version, obj)``; see the module docstring."""

# Enum members as module constants for the hot paths (see ``routing.router``).
_QUEUED = TaskState.QUEUED


class Timers:
    """The heap of breakpoint and offer-timeout timers of one router.

    Args:
        open_offers: the ids of the open offers (the router's offer table, read, never
            changed here): an offer's timeout is current while its id is in it.
    """

    __slots__ = ("_open_offers", "heap")

    def __init__(self, open_offers: Container[int]) -> None:
        self.heap: list[Timer] = []
        self._open_offers = open_offers

    def __len__(self) -> int:
        """Timers in the heap, stale ones included."""
        return len(self.heap)

    def push_breakpoint(self, at: float, rec: LiveTask) -> None:
        """Arm the breakpoint of queued ``rec`` at ``at``, for its current version.

        Runtime complexity: O(log n).
        """
        heappush(self.heap, (at, BREAKPOINT, rec.seq, rec.version, rec))

    def push_timeout(self, offer: Offer) -> None:
        """Arm the timeout of the open ``offer``, which must have an ``expires_at``.

        Runtime complexity: O(log n).
        """
        at = offer.expires_at
        assert at is not None, offer
        heappush(self.heap, (at, OFFER_TIMEOUT, offer.id, 0, offer))

    def is_current(self, timer: Timer) -> bool:
        """Whether ``timer`` would still fire: its task is queued with the version it
        was armed for, or its offer is open."""
        _, kind, _, version, obj = timer
        if kind == BREAKPOINT:
            return bool(obj.version == version and obj.state is _QUEUED)
        return obj.id in self._open_offers

    def due(self, now: float) -> Iterator[tuple[float, int, Any]]:
        """Pop the current timers due by ``now``, in firing order, as ``(at, kind, obj)``,
        dropping stale ones.

        Each timer is checked as it reaches the top, after the caller has handled the
        previous one, so a timer armed meanwhile (a task's next breakpoint, itself due
        by ``now``) fires in its turn and one made stale meanwhile does not fire.

        Runtime complexity: O(log n) per timer popped.
        """
        heap = self.heap
        open_offers = self._open_offers
        while heap and heap[0][0] <= now:
            at, kind, _, version, obj = heappop(heap)
            if kind == BREAKPOINT:
                if obj.version == version and obj.state is _QUEUED:
                    yield at, kind, obj
            elif obj.id in open_offers:
                yield at, kind, obj

    def next_at(self) -> float | None:
        """When the next current timer fires, or ``None``; drops stale timers on top.

        Runtime complexity: O(1) amortised (each stale timer is dropped once).
        """
        heap = self.heap
        open_offers = self._open_offers
        while heap:
            # ``is_current(heap[0])`` inline: the simulator asks after every router call
            at, kind, _, version, obj = heap[0]
            if kind == BREAKPOINT:
                if obj.version == version and obj.state is _QUEUED:
                    return at
            elif obj.id in open_offers:
                return at
            heappop(heap)
        return None

    def check(self) -> None:
        """Assert the heap invariant, the timers' shapes and that no queued task has two
        current timers. Runtime complexity: O(n)."""
        heap = self.heap
        for i in range(1, len(heap)):
            assert heap[(i - 1) // 2] <= heap[i], f"timer heap order broken at {i}"
        armed: set[int] = set()
        for timer in heap:
            at, kind, seq, version, obj = timer
            if kind == BREAKPOINT:
                assert isinstance(obj, LiveTask) and seq == obj.seq, timer
                assert version <= obj.version, timer
                if self.is_current(timer):
                    assert seq not in armed, f"task {obj.task.id!r} has two current timers"
                    armed.add(seq)
            else:
                assert kind == OFFER_TIMEOUT, timer
                assert isinstance(obj, Offer) and seq == obj.id and version == 0, timer
                assert at == obj.expires_at, timer
