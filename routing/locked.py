"""LockedRouter: a router for hosts that call it from several threads.

A :class:`~routing.router.Router` is single-threaded by contract: overlapping calls
are refused with :class:`~routing.errors.ConcurrentCallError` (the router is left
unchanged), never run together. A host whose calls come from several threads (a web
server's workers, a callback thread beside a timer thread) wraps it here instead:
every public method takes one lock for the length of its call, so calls run one at
a time, in the order they get the lock. ``exclusive()`` holds the lock across
several calls that must not interleave (read ``next_timer_at``, then ``advance`` to
it).

The lock is a ``threading.RLock``, so a thread may call the wrapper inside its own
``exclusive()`` block. It costs a lock acquire and release per call (a fraction of a
microsecond); a single-threaded host uses the plain ``Router``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from routing.errors import InvalidTypeError
from routing.events import Event
from routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    CustomerContext,
    Offer,
    Requirement,
    Task,
    TaskState,
)
from routing.policy import Policy
from routing.router import Router
from routing.stats import QueueStats, ServiceStats, WaitEstimate

__all__ = ["LockedRouter"]


class LockedRouter:
    """A :class:`Router` behind a lock: every public method of ``Router``, each call
    holding the lock, so several threads may share it.

    >>> from routing import Agent, LockedRouter, Task
    >>> router = LockedRouter()
    >>> _ = router.add_agent(Agent("ann", skills={"billing": 3}, capacity={"voice": 1}), now=0)
    >>> _, offered = router.submit(Task("t1", "voice"), now=1)
    >>> [type(e).__name__ for e in router.accept(offered.offer.id, now=2)]
    ['Accepted']
    >>> router.task_state("t1").value
    'assigned'

    Args:
        router: the router to serve (a new ``Router()`` if omitted). Once wrapped, call
            it only through the wrapper (or inside :meth:`exclusive`): a direct call
            from another thread would take no lock, and would meet
            ``ConcurrentCallError`` whenever it overlapped a wrapped one.
    """

    __slots__ = ("_lock", "_router")

    def __init__(self, router: Router | None = None) -> None:
        if router is not None and not isinstance(router, Router):
            raise InvalidTypeError(f"router {router!r} is not a Router")
        self._router = router if router is not None else Router()
        self._lock = threading.RLock()

    @contextmanager
    def exclusive(self) -> Iterator[Router]:
        """Hold the lock across several calls; yields the wrapped router.

        >>> router = LockedRouter()
        >>> with router.exclusive() as inner:
        ...     _ = inner.advance(5.0)
        ...     inner.next_timer_at() is None
        True
        """
        with self._lock:
            yield self._router

    # -- attributes ----------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The wrapped router's policy (a frozen value)."""
        return self._router.policy

    @property
    def now(self) -> float:
        """The latest ``now`` the router has seen (``-inf`` before any call)."""
        with self._lock:
            return self._router.now

    # -- the mutating API ----------------------------------------------------------

    def add_agent(self, agent: Agent, now: float) -> list[Event]:
        """:meth:`Router.add_agent`, holding the lock."""
        with self._lock:
            return self._router.add_agent(agent, now)

    def remove_agent(self, agent_id: str, now: float) -> list[Event]:
        """:meth:`Router.remove_agent`, holding the lock."""
        with self._lock:
            return self._router.remove_agent(agent_id, now)

    def set_agent_state(
        self, agent_id: str, state: AgentState, now: float, reason: str | None = None
    ) -> list[Event]:
        """:meth:`Router.set_agent_state`, holding the lock."""
        with self._lock:
            return self._router.set_agent_state(agent_id, state, now, reason)

    def update_agent(self, agent: Agent, now: float) -> list[Event]:
        """:meth:`Router.update_agent`, holding the lock."""
        with self._lock:
            return self._router.update_agent(agent, now)

    def submit(self, task: Task, now: float) -> list[Event]:
        """:meth:`Router.submit`, holding the lock."""
        with self._lock:
            return self._router.submit(task, now)

    def accept(self, offer_id: int, now: float) -> list[Event]:
        """:meth:`Router.accept`, holding the lock."""
        with self._lock:
            return self._router.accept(offer_id, now)

    def decline(self, offer_id: int, now: float) -> list[Event]:
        """:meth:`Router.decline`, holding the lock."""
        with self._lock:
            return self._router.decline(offer_id, now)

    def complete(
        self, task_id: str, now: float, resolved: bool = True, wrap_up: float | None = None
    ) -> list[Event]:
        """:meth:`Router.complete`, holding the lock."""
        with self._lock:
            return self._router.complete(task_id, now, resolved, wrap_up)

    def end_wrap_up(self, task_id: str, now: float) -> list[Event]:
        """:meth:`Router.end_wrap_up`, holding the lock."""
        with self._lock:
            return self._router.end_wrap_up(task_id, now)

    def transfer(
        self,
        task_id: str,
        now: float,
        to_agent: str | None = None,
        *,
        requirement: Requirement | None = None,
        warm: bool = False,
        window: float = 30.0,
    ) -> list[Event]:
        """:meth:`Router.transfer`, holding the lock."""
        with self._lock:
            return self._router.transfer(
                task_id, now, to_agent, requirement=requirement, warm=warm, window=window
            )

    def update_task(self, task: Task, now: float) -> list[Event]:
        """:meth:`Router.update_task`, holding the lock."""
        with self._lock:
            return self._router.update_task(task, now)

    def convert_to_callback(
        self,
        task_id: str,
        now: float,
        channel: str = "callback",
        not_before: float | None = None,
    ) -> list[Event]:
        """:meth:`Router.convert_to_callback`, holding the lock."""
        with self._lock:
            return self._router.convert_to_callback(task_id, now, channel, not_before)

    def cancel(self, task_id: str, now: float) -> list[Event]:
        """:meth:`Router.cancel`, holding the lock."""
        with self._lock:
            return self._router.cancel(task_id, now)

    def advance(self, now: float) -> list[Event]:
        """:meth:`Router.advance`, holding the lock."""
        with self._lock:
            return self._router.advance(now)

    def next_timer_at(self) -> float | None:
        """:meth:`Router.next_timer_at`, holding the lock."""
        with self._lock:
            return self._router.next_timer_at()

    def forget_customer(self, customer_id: str) -> None:
        """:meth:`Router.forget_customer`, holding the lock."""
        with self._lock:
            self._router.forget_customer(customer_id)

    # -- views -----------------------------------------------------------------------

    def task_state(self, task_id: str) -> TaskState:
        """:meth:`Router.task_state`, holding the lock."""
        with self._lock:
            return self._router.task_state(task_id)

    def offer(self, offer_id: int) -> Offer:
        """:meth:`Router.offer`, holding the lock."""
        with self._lock:
            return self._router.offer(offer_id)

    def explain(self, offer: Offer | int) -> dict[str, float]:
        """:meth:`Router.explain`, holding the lock."""
        with self._lock:
            return self._router.explain(offer)

    def waiting_count(self, channel: str | None = None) -> int:
        """:meth:`Router.waiting_count`, holding the lock."""
        with self._lock:
            return self._router.waiting_count(channel)

    def waiting_tasks(self, channel: str | None = None, skill: str | None = None) -> list[Task]:
        """:meth:`Router.waiting_tasks`, holding the lock."""
        with self._lock:
            return self._router.waiting_tasks(channel, skill)

    def oldest_wait(self, now: float, channel: str | None = None) -> float:
        """:meth:`Router.oldest_wait`, holding the lock."""
        with self._lock:
            return self._router.oldest_wait(now, channel)

    def queue_stats(
        self, now: float, channel: str | None = None, skill: str | None = None
    ) -> QueueStats:
        """:meth:`Router.queue_stats`, holding the lock."""
        with self._lock:
            return self._router.queue_stats(now, channel, skill)

    def service_stats(self, now: float, window: float, channel: str | None = None) -> ServiceStats:
        """:meth:`Router.service_stats`, holding the lock."""
        with self._lock:
            return self._router.service_stats(now, window, channel)

    def estimate_wait(self, task: Task, now: float) -> WaitEstimate:
        """:meth:`Router.estimate_wait`, holding the lock."""
        with self._lock:
            return self._router.estimate_wait(task, now)

    def agents_by_state(self) -> dict[AgentState, list[str]]:
        """:meth:`Router.agents_by_state`, holding the lock."""
        with self._lock:
            return self._router.agents_by_state()

    def agent_tasks(self, agent_id: str) -> list[str]:
        """:meth:`Router.agent_tasks`, holding the lock."""
        with self._lock:
            return self._router.agent_tasks(agent_id)

    def agent_status(self, agent_id: str) -> AgentStatus:
        """:meth:`Router.agent_status`, holding the lock."""
        with self._lock:
            return self._router.agent_status(agent_id)

    def agent_statuses(self) -> list[AgentStatus]:
        """:meth:`Router.agent_statuses`, holding the lock."""
        with self._lock:
            return self._router.agent_statuses()

    def unroutable_tasks(self) -> dict[str, str]:
        """:meth:`Router.unroutable_tasks`, holding the lock."""
        with self._lock:
            return self._router.unroutable_tasks()

    def reservations(self) -> dict[str, str]:
        """:meth:`Router.reservations`, holding the lock."""
        with self._lock:
            return self._router.reservations()

    def customer_context(self, customer_id: str) -> CustomerContext:
        """:meth:`Router.customer_context`, holding the lock."""
        with self._lock:
            return self._router.customer_context(customer_id)

    def check(self) -> None:
        """:meth:`Router.check`, holding the lock."""
        with self._lock:
            self._router.check()
