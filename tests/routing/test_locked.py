"""Threads: a plain ``Router`` refuses overlapping calls (``ConcurrentCallError``, the
router unchanged) instead of being corrupted, and ``LockedRouter`` serialises them.

The threaded workload is deterministic in what matters: each thread works in its own
universe (its own channel, agents, customers and tasks), every call is at the same
``now`` and nothing has a timer, so whatever the interleaving, each thread's events
(offer ids aside, which are numbered across threads) and the final views equal those
of the threads' scripts replayed one after another on one router.
"""

from __future__ import annotations

import inspect
import random
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from routing import (
    Accepted,
    Agent,
    AgentState,
    ConcurrentCallError,
    Customer,
    InvalidTypeError,
    LockedRouter,
    Offered,
    Policy,
    Router,
    RoutingError,
    Task,
    TaskState,
)
from tests.oracle import decisions
from tests.routing.populated import NOW, populated, snapshot

THREADS = 4
STEPS = 300

Caller = Callable[..., Any]
"""How a script calls the router: ``call(method_name, *args)``."""


def _public(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


# -- the workload ------------------------------------------------------------------


def script(call: Caller, i: int, steps: int = STEPS) -> list[Any]:
    """Thread ``i``'s calls, in its own universe, choosing each call from what it saw
    (seeded, so the same in every run). Returns what it saw, offer ids left out."""
    rng = random.Random(i)
    channel, customer = f"ch{i}", Customer(f"c{i}", value=float(i))
    seen: list[Any] = []
    offers: dict[str, int] = {}  # task id -> open offer id, from the events
    for k in range(2):
        seen += normalised(
            call("add_agent", Agent(f"a{i}-{k}", {"billing": 1 + k}, {channel: 1}), 0.0)
        )
    submitted = 0
    for _ in range(steps):
        held = [t for k in range(2) for t in call("agent_tasks", f"a{i}-{k}")]
        assigned = [t for t in held if call("task_state", t) is TaskState.ASSIGNED]
        waiting = [t.id for t in call("waiting_tasks", channel)]
        roll = rng.random()
        if roll < 0.35 or not (offers or assigned or waiting):
            task = Task(
                f"t{i}-{submitted}", channel, customer=customer, priority=rng.choice([0, 2])
            )
            submitted += 1
            events = call("submit", task, 0.0)
        elif roll < 0.55 and offers:
            events = call("accept", offers.pop(min(offers)), 0.0)
        elif roll < 0.65 and offers:
            events = call("decline", offers.pop(min(offers)), 0.0)
        elif roll < 0.85 and assigned:
            events = call("complete", min(assigned), 0.0, rng.random() < 0.5)
        elif waiting:
            events = call("cancel", waiting[0], 0.0)
        else:
            state = rng.choice([AgentState.AWAY, AgentState.AVAILABLE])
            events = call("set_agent_state", f"a{i}-{rng.randrange(2)}", state, 0.0)
        for event in events:
            if isinstance(event, Offered):
                offers[event.offer.task_id] = event.offer.id
        seen += normalised(events)
        seen.append((call("waiting_count", channel), call("customer_context", customer.id)))
    return seen


def normalised(events: list[Any]) -> list[Any]:
    """Events with offer ids left out (they are numbered across all threads)."""
    return [
        ("Offered", e.offer.task_id, e.offer.agent_id, e.offer.terms)
        if isinstance(e, Offered)
        else ("Accepted", e.task_id, e.agent_id, e.at)
        if isinstance(e, Accepted)
        else e
        for e in events
    ]


def final_views(router: Router | LockedRouter) -> dict[str, Any]:
    """The views, per thread's universe (the order of waiting tasks across channels
    depends on the interleaving; within one channel it does not)."""
    return {
        "agents": router.agents_by_state(),
        "per thread": [
            (
                [t.id for t in router.waiting_tasks(f"ch{i}")],
                [router.agent_tasks(f"a{i}-{k}") for k in range(2)],
                router.customer_context(f"c{i}"),
                router.oldest_wait(0.0, f"ch{i}"),
                router.queue_stats(0.0, f"ch{i}"),
                router.service_stats(0.0, 1.0, f"ch{i}"),
                router.estimate_wait(Task("probe", f"ch{i}"), 0.0),
            )
            for i in range(THREADS)
        ],
        "waiting": router.waiting_count(),
        "next_timer_at": router.next_timer_at(),
    }


def sequential() -> tuple[list[list[Any]], dict[str, Any]]:
    """The scripts one after another on one router, in one thread."""
    router = Router(Policy(offer_timeout=None))
    logs = [script(lambda name, *args: getattr(router, name)(*args), i) for i in range(THREADS)]
    router.check()
    return logs, final_views(router)


@contextmanager
def switching_often() -> Iterator[None]:
    """Make the interpreter switch threads every microsecond, so calls overlap."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def in_threads(make_call: Callable[[int], Caller]) -> list[list[Any]]:
    """Run every script in its own thread at once; re-raise the first failure."""
    logs: list[list[Any]] = [[] for _ in range(THREADS)]
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(i: int) -> None:
        try:
            call = make_call(i)
            start.wait()
            logs[i] = script(call, i)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    with switching_often():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if failures:
        raise failures[0]
    return logs


# -- the tests -----------------------------------------------------------------------


class TestAPlainRouterRefusesOverlappingCalls:
    def test_threads_see_concurrent_call_errors_and_never_corrupt_it(self) -> None:
        expected_logs, expected_views = sequential()
        router = Router(Policy(offer_timeout=None))
        refused = [0] * THREADS

        def patient(i: int) -> Caller:
            def call(name: str, *args: Any) -> Any:
                while True:  # a refused call changed nothing: try it again
                    try:
                        return getattr(router, name)(*args)
                    except ConcurrentCallError:
                        refused[i] += 1

            return call

        logs = in_threads(patient)
        router.check()
        assert sum(refused) > 0, "the threads never overlapped: the test shows nothing"
        assert logs == expected_logs
        assert final_views(router) == expected_views

    @pytest.mark.parametrize(
        ("name", "call"),
        [
            (
                "add_agent",
                lambda r, o: r.add_agent(Agent("dan", {"billing": 1}, {"voice": 1}), NOW),
            ),
            ("remove_agent", lambda r, o: r.remove_agent("cat", NOW)),
            ("set_agent_state", lambda r, o: r.set_agent_state("cat", AgentState.AVAILABLE, NOW)),
            ("submit", lambda r, o: r.submit(Task("new", "voice"), NOW)),
            ("accept", lambda r, o: r.accept(o["offered"], NOW)),
            ("decline", lambda r, o: r.decline(o["offered"], NOW)),
            ("complete", lambda r, o: r.complete("assigned", NOW)),
            ("cancel", lambda r, o: r.cancel("queued", NOW)),
            ("end_wrap_up", lambda r, o: r.end_wrap_up("wrapping", NOW)),
            ("transfer", lambda r, o: r.transfer("assigned", NOW)),
            (
                "update_task",
                lambda r, o: r.update_task(Task("queued", "voice", customer=Customer("c1")), NOW),
            ),
            ("convert_to_callback", lambda r, o: r.convert_to_callback("queued", NOW)),
            (
                "update_agent",
                lambda r, o: r.update_agent(Agent("cat", {"billing": 1}, {"voice": 1}), NOW),
            ),
            ("agent_status", lambda r, o: r.agent_status("ann")),
            ("agent_statuses", lambda r, o: r.agent_statuses()),
            ("advance", lambda r, o: r.advance(NOW)),
            ("next_timer_at", lambda r, o: r.next_timer_at()),
            ("task_state", lambda r, o: r.task_state("queued")),
            ("offer", lambda r, o: r.offer(o["offered"])),
            ("explain", lambda r, o: r.explain(o["offered"])),
            ("waiting_count", lambda r, o: r.waiting_count()),
            ("waiting_tasks", lambda r, o: r.waiting_tasks()),
            ("oldest_wait", lambda r, o: r.oldest_wait(NOW)),
            ("queue_stats", lambda r, o: r.queue_stats(NOW, "voice")),
            ("service_stats", lambda r, o: r.service_stats(NOW, 60.0)),
            ("estimate_wait", lambda r, o: r.estimate_wait(Task("new", "voice"), NOW)),
            ("agents_by_state", lambda r, o: r.agents_by_state()),
            ("agent_tasks", lambda r, o: r.agent_tasks("ann")),
            ("unroutable_tasks", lambda r, o: r.unroutable_tasks()),
            ("reservations", lambda r, o: r.reservations()),
            ("customer_context", lambda r, o: r.customer_context("c1")),
            ("forget_customer", lambda r, o: r.forget_customer("c2")),
        ],
    )
    def test_every_public_method_refuses_while_another_is_in_progress(
        self, name: str, call: Callable[[Router, dict[str, int]], Any]
    ) -> None:
        router, offers = populated()
        before = snapshot(router)
        router._busy = "submit"  # as if another thread were inside submit
        with pytest.raises(ConcurrentCallError) as raised:
            call(router, offers)
        assert isinstance(raised.value, RuntimeError) and isinstance(raised.value, RoutingError)
        assert f"Router.{name} was called while Router.submit" in str(raised.value)
        assert router._busy == "submit"  # the refused call did not release the claim
        router._busy = None
        router.check()
        assert snapshot(router) == before
        call(router, offers)  # and it works once the router is free

    def test_the_list_above_is_every_public_method(self) -> None:
        params = self.test_every_public_method_refuses_while_another_is_in_progress
        marks = params.pytestmark  # type: ignore[attr-defined]
        names = {param[0] for param in marks[0].args[1]}
        assert names == _public(Router) - {"check", "now"}

    def test_a_failed_call_releases_the_router(self) -> None:
        router, _ = populated()
        with pytest.raises(RoutingError):
            router.complete("nobody", NOW)
        assert router._busy is None
        router.check()


class TestLockedRouter:
    def test_threads_through_the_lock_end_as_a_sequential_replay(self) -> None:
        expected_logs, expected_views = sequential()
        locked = LockedRouter(Router(Policy(offer_timeout=None)))

        def direct(_: int) -> Caller:
            return lambda name, *args: getattr(locked, name)(*args)

        logs = in_threads(direct)  # any ConcurrentCallError would fail the test
        locked.check()
        assert logs == expected_logs
        assert final_views(locked) == expected_views

    def test_forwards_every_public_method_with_its_signature(self) -> None:
        assert _public(Router) <= _public(LockedRouter)
        for name in _public(Router):
            ours, theirs = getattr(Router, name), getattr(LockedRouter, name)
            if isinstance(ours, property):
                assert isinstance(theirs, property), name
                continue
            assert inspect.signature(theirs) == inspect.signature(ours), name

    def test_exclusive_holds_the_lock_across_calls_and_may_nest(self) -> None:
        locked = LockedRouter()
        with locked.exclusive() as router:
            router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), 0.0)
            [event] = decisions(
                locked.submit(Task("t", "voice"), 1.0)
            )  # the same thread: no deadlock
            assert isinstance(event, Offered)
            other: list[bool] = []
            thread = threading.Thread(target=lambda: other.append(locked._lock.acquire(False)))
            thread.start()
            thread.join()
            assert other == [False]  # another thread must wait
        assert locked.task_state("t") is TaskState.OFFERED and locked.now == 1.0
        assert locked.policy == Policy()

    def test_refuses_what_is_not_a_router(self) -> None:
        with pytest.raises(InvalidTypeError, match="'fifo'"):
            LockedRouter("fifo")  # type: ignore[arg-type]
