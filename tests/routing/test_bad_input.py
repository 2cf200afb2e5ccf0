"""Bad input of every class, at every public entry point: the exact error class, a
message naming the bad value, and a router left bit-for-bit as it was, with the timer
that was due at the call's ``now`` not fired (DESIGN section 7).

Every call is made at ``LATE``, when bob's offer timeout is due: a method that fired
due timers before it validated its arguments would show it in the snapshot (``now``,
the open offers, ``next_timer_at``), and afterwards ``advance(LATE)`` must produce
exactly the events it produces on an untouched router.

A second part pins the other side of the rule: real numbers of any type (numpy,
``Decimal``, ``Fraction``) are accepted, stored as plain floats and ints, and route
exactly as the plain floats do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from routing import (
    Agent,
    AgentState,
    Customer,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidLevelError,
    InvalidTypeError,
    Offered,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    RoutingError,
    ScoreOverflowError,
    Task,
)
from routing.model import MAX_INSTANT, MIN_DURATION
from tests.oracle import offers_in
from tests.routing.populated import LATE, NOW, populated, snapshot

np = pytest.importorskip("numpy", reason="numpy (a dependency of matplotlib) is not installed")

Call = Callable[[Router, dict[str, int]], Any]


def _task(**fields: Any) -> Task:
    return Task(**{"id": "new", "channel": "voice", **fields})


def _agent(**fields: Any) -> Agent:
    return Agent(**{"id": "dan", "skills": {"billing": 2}, "capacity": {"voice": 1}, **fields})


def submit(**fields: Any) -> Call:
    """Submit at ``LATE`` a task built with ``fields`` (which may fail to build)."""
    return lambda r, o: r.submit(_task(**fields), LATE)


def built(build: Callable[[], Task]) -> Call:
    """Submit at ``LATE`` the task ``build`` builds (its values may fail to build)."""
    return lambda r, o: r.submit(build(), LATE)


def add(**fields: Any) -> Call:
    """Add at ``LATE`` an agent built with ``fields`` (which may fail to build)."""
    return lambda r, o: r.add_agent(_agent(**fields), LATE)


HUGE = 10**400
"""An int no float can hold: ``math.isfinite`` and ``float()`` raise ``OverflowError``."""

# (id, call, exact error class, text the message must contain: the bad value)
CASES: list[tuple[str, Call, type[RoutingError], str]] = [
    # -- now: not a number, or beyond what float seconds hold exactly
    ("now a numpy bool", lambda r, o: r.advance(np.bool_(True)), InvalidDurationError, "True"),
    ("now a huge int", lambda r, o: r.submit(_task(), HUGE), InvalidDurationError, "too large"),
    (
        "now beyond MAX_INSTANT",
        lambda r, o: r.submit(_task(), 1e17),
        InvalidDurationError,
        "now 1e+17 is beyond MAX_INSTANT",
    ),
    (
        "now exactly MAX_INSTANT",
        lambda r, o: r.advance(MAX_INSTANT),
        InvalidDurationError,
        repr(MAX_INSTANT),
    ),
    ("now a Decimal NaN", lambda r, o: r.advance(Decimal("NaN")), InvalidDurationError, "NaN"),
    (
        "now a Decimal beyond the floats",
        lambda r, o: r.accept(o["offered"], Decimal("1e400")),
        InvalidDurationError,
        "too large",
    ),
    (
        "now a huge Fraction",
        lambda r, o: r.complete("assigned", Fraction(HUGE, 3)),
        InvalidDurationError,
        "too large",
    ),
    ("now a complex", lambda r, o: r.cancel("queued", 1j), InvalidDurationError, "1j"),
    ("now None", lambda r, o: r.decline(o["offered"], None), InvalidDurationError, "None"),
    (
        "now a numpy array",
        lambda r, o: r.remove_agent("cat", np.array([LATE])),
        InvalidDurationError,
        "array",
    ),
    # -- ids: non-empty strings (offer ids: integers), checked before any look-up
    ("task id an int", submit(id=5), InvalidIdError, "task id 5"),
    ("task id empty", submit(id=""), InvalidIdError, "task id ''"),
    ("task id unhashable", submit(id=["t"]), InvalidIdError, "['t']"),
    ("channel None", submit(channel=None), InvalidIdError, "channel None"),
    ("agent id an int", add(id=7), InvalidIdError, "agent id 7"),
    ("channel name empty", add(capacity={"": 1}), InvalidIdError, "''"),
    ("skill name an int", add(skills={3: 2}), InvalidIdError, "skill name 3"),
    (
        "customer id unhashable",
        built(lambda: _task(customer=Customer(["c1"]))),  # type: ignore[arg-type]
        InvalidIdError,
        "['c1']",
    ),
    (
        "customer id empty",
        built(lambda: _task(customer=Customer(""))),
        InvalidIdError,
        "customer id ''",
    ),
    (
        "preferred agent id unhashable",
        submit(preferred_agents=[["ann"]], preferred_window=5),
        InvalidIdError,
        "['ann']",
    ),
    (
        "preferred agent id an int",
        submit(preferred_agents=("ann", 2), preferred_window=5),
        InvalidIdError,
        "preferred agent id 2",
    ),
    (
        "remove agent by a list",
        lambda r, o: r.remove_agent(["cat"], LATE),
        InvalidIdError,
        "['cat']",
    ),
    (
        "set state of agent None",
        lambda r, o: r.set_agent_state(None, AgentState.AVAILABLE, LATE),
        InvalidIdError,
        "None",
    ),
    ("complete a dict id", lambda r, o: r.complete({}, LATE), InvalidIdError, "{}"),
    ("cancel a bytes id", lambda r, o: r.cancel(b"queued", LATE), InvalidIdError, "b'queued'"),
    ("accept offer id a str", lambda r, o: r.accept("2", LATE), InvalidIdError, "'2'"),
    ("accept offer id a bool", lambda r, o: r.accept(True, LATE), InvalidIdError, "True"),
    ("decline offer id a float", lambda r, o: r.decline(2.0, LATE), InvalidIdError, "2.0"),
    ("decline offer id a list", lambda r, o: r.decline([2], LATE), InvalidIdError, "[2]"),
    ("explain a list", lambda r, o: r.explain([2]), InvalidIdError, "[2]"),  # type: ignore[arg-type]
    ("explain a str", lambda r, o: r.explain("2"), InvalidIdError, "'2'"),  # type: ignore[arg-type]
    ("offer None", lambda r, o: r.offer(None), InvalidIdError, "None"),  # type: ignore[arg-type]
    ("task_state of an int", lambda r, o: r.task_state(5), InvalidIdError, "5"),  # type: ignore[arg-type]
    ("agent_tasks of a list", lambda r, o: r.agent_tasks(["ann"]), InvalidIdError, "['ann']"),  # type: ignore[arg-type]
    ("customer_context of a dict", lambda r, o: r.customer_context({}), InvalidIdError, "{}"),  # type: ignore[arg-type]
    ("forget_customer None", lambda r, o: r.forget_customer(None), InvalidIdError, "None"),  # type: ignore[arg-type]
    ("waiting_count of an int", lambda r, o: r.waiting_count(5), InvalidIdError, "5"),  # type: ignore[arg-type]
    (
        "waiting_tasks needing a list",
        lambda r, o: r.waiting_tasks(skill=["tech"]),  # type: ignore[arg-type]
        InvalidIdError,
        "['tech']",
    ),
    ("oldest_wait on channel 1", lambda r, o: r.oldest_wait(LATE, 1), InvalidIdError, "1"),  # type: ignore[arg-type]
    # -- arguments of the wrong type
    (
        "submit a dict",
        lambda r, o: r.submit({"id": "new"}, LATE),
        InvalidTypeError,
        "{'id': 'new'}",
    ),  # type: ignore[arg-type]
    ("add an agent id", lambda r, o: r.add_agent("dan", LATE), InvalidTypeError, "'dan'"),  # type: ignore[arg-type]
    (
        "agent state a str, unknown agent",
        lambda r, o: r.set_agent_state("zed", "away", LATE),  # type: ignore[arg-type]
        InvalidTypeError,
        "'away'",
    ),
    ("resolved a str", lambda r, o: r.complete("assigned", LATE, "no"), InvalidTypeError, "'no'"),  # type: ignore[arg-type]
    ("resolved None", lambda r, o: r.complete("assigned", LATE, None), InvalidTypeError, "None"),  # type: ignore[arg-type]
    ("resolved 0", lambda r, o: r.complete("assigned", LATE, 0), InvalidTypeError, "resolved 0"),  # type: ignore[arg-type]
    (
        "preferred_agents a bare string",
        submit(preferred_agents="ann", preferred_window=5),
        InvalidTypeError,
        "'ann'",
    ),
    ("preferred_agents an int", submit(preferred_agents=5), InvalidTypeError, "5"),
    (
        "requirement a dict",
        submit(requirement={"billing": 2}),
        InvalidTypeError,
        "{'billing': 2}",
    ),
    ("customer a str", submit(customer="c1"), InvalidTypeError, "'c1'"),
    ("attributes a list", submit(attributes=[("crm", 1)]), InvalidTypeError, "[('crm', 1)]"),
    (
        "skills a bare string",
        built(lambda: _task(requirement=Requirement("billing"))),  # type: ignore[arg-type]
        InvalidTypeError,
        "'billing'",
    ),
    (
        "steps not iterable",
        built(lambda: _task(requirement=Requirement(steps=5))),
        InvalidTypeError,
        "5",
    ),  # type: ignore[arg-type]
    ("capacity a str", add(capacity="voice"), InvalidTypeError, "'voice'"),
    (
        "customer tier not a str",
        built(lambda: _task(customer=Customer("c9", tier=3))),  # type: ignore[arg-type]
        InvalidTypeError,
        "tier 3",
    ),
    (
        "customer is_new a str",
        built(lambda: _task(customer=Customer("c9", is_new="yes"))),  # type: ignore[arg-type]
        InvalidTypeError,
        "'yes'",
    ),
    ("a policy that is not one", lambda r, o: Router("fifo"), InvalidTypeError, "'fifo'"),  # type: ignore[arg-type]
    (
        "pause_on_timeout a str",
        lambda r, o: Policy(pause_on_timeout="yes"),  # type: ignore[arg-type]
        InvalidTypeError,
        "'yes'",
    ),
    # -- numbers that are not numbers, or not integers
    (
        "customer value a numpy bool",
        built(lambda: _task(customer=Customer("c9", value=np.bool_(True)))),
        InvalidDurationError,
        "True",
    ),
    (
        "customer value a str",
        built(lambda: _task(customer=Customer("c9", value="8"))),  # type: ignore[arg-type]
        InvalidDurationError,
        "'8'",
    ),
    (
        "customer value a huge int",
        built(lambda: _task(customer=Customer("c9", value=HUGE))),
        InvalidDurationError,
        "too large",
    ),
    ("priority a huge int", submit(priority=HUGE), InvalidDurationError, "too large"),
    (
        "priority Decimal infinity",
        submit(priority=Decimal("Infinity")),
        InvalidDurationError,
        "Infinity",
    ),
    (
        "units a numpy float",
        submit(units=np.float64(2.0)),
        InvalidInputError,
        f"units {np.float64(2.0)!r}",
    ),
    ("units True", submit(units=True), InvalidInputError, "units True"),
    ("max_units 2.5", add(max_units=2.5), InvalidInputError, "max_units 2.5"),
    (
        "level a numpy float",
        built(lambda: _task(requirement=Requirement({"billing": np.float64(2.0)}))),
        InvalidLevelError,
        f"level {np.float64(2.0)!r}",
    ),
    # -- durations and instants whose arithmetic cannot be exact enough
    ("sla_target 5e-324", submit(sla_target=5e-324), InvalidDurationError, "5e-324"),
    ("sla_target under 1 ms", submit(sla_target=1e-4), InvalidDurationError, "MIN_DURATION"),
    (
        "sla_target 10 million years",
        submit(sla_target=3e14),
        InvalidDurationError,
        "300000000000000.0 is not below MAX_INSTANT",
    ),
    (
        "preferred_window under 1 ms",
        submit(preferred_agents=("ann",), preferred_window=1e-9),
        InvalidDurationError,
        "1e-09",
    ),
    (
        "relaxation step after 10 us",
        built(lambda: _task(requirement=Requirement(steps=(RelaxStep(1e-5, {}),)))),
        InvalidDurationError,
        "1e-05",
    ),
    ("due_at beyond MAX_INSTANT", submit(due_at=1e17), InvalidDurationError, "due_at 1e+17"),
    ("created_at before -MAX_INSTANT", submit(created_at=-1e17), InvalidDurationError, "-1e+17"),
    (
        "policy offer_timeout 1 us",
        lambda r, o: Policy(offer_timeout=1e-6),
        InvalidDurationError,
        "offer_timeout 1e-06",
    ),
    (
        "policy context_window under 1 ms",
        lambda r, o: Policy(context_window=1e-4),
        InvalidDurationError,
        "context_window 0.0001",
    ),
    (
        "policy due_ramp a numpy bool",
        lambda r, o: Policy(due_ramp=np.bool_(True)),
        InvalidDurationError,
        f"due_ramp {np.bool_(True)!r}",
    ),
    # -- score terms that could overflow: infinite or NaN scores, a task never offered
    # (checked by the constructors: every term is bounded, so submit checks no score)
    (
        "customer value 1e308",
        built(lambda: _task(customer=Customer("c9", value=1e308), priority=1e308)),
        ScoreOverflowError,
        "customer 'c9' value 1e+308 is beyond MAX_VALUE",
    ),
    (
        "customer value a numpy 1e200",
        built(lambda: _task(customer=Customer("c9", value=np.float64(1e200)))),
        ScoreOverflowError,
        "1e+200",
    ),
    ("priority 1e302", submit(priority=1e302), ScoreOverflowError, "priority 1e+302"),
    (
        "policy w_value 1e302",
        lambda r, o: Policy(w_value=1e302),
        ScoreOverflowError,
        "w_value 1e+302",
    ),
    (
        "policy w_sla 1e300",
        lambda r, o: Policy(w_sla=1e300),
        ScoreOverflowError,
        "w_sla 1e+300",
    ),
    (
        "policy urgency slopes too steep",
        lambda r, o: Policy(w_sla=1e150, overdue_factor=1e150),
        ScoreOverflowError,
        "w_sla 1e+150 with overdue_factor 1e+150",
    ),
    (
        "policy wait_slope 1e290",
        lambda r, o: Policy.fifo(wait_slope=1e290),
        ScoreOverflowError,
        "1e+290",
    ),
    (
        "policy w_priority a huge int",
        lambda r, o: Policy(w_priority=HUGE),
        InvalidInputError,
        "too large",
    ),
]


class TestEveryBadInputIsRefusedBeforeAnythingChanges:
    def test_the_table_covers_at_least_forty_classes(self) -> None:
        assert len(CASES) >= 40
        assert len({case[0] for case in CASES}) == len(CASES)

    @pytest.mark.parametrize(
        ("call", "error", "text"),
        [pytest.param(*case[1:], id=case[0]) for case in CASES],
    )
    def test_precise_error_and_no_change(
        self, call: Call, error: type[RoutingError], text: str
    ) -> None:
        router, offers = populated()
        before = snapshot(router)
        with pytest.raises(RoutingError) as raised:
            call(router, offers)
        assert type(raised.value) is error, repr(raised.value)
        assert text in str(raised.value)
        router.check()
        assert snapshot(router) == before
        # bob's offer, due at LATE, did not time out; it does now, as on a fresh router
        assert router.now == NOW
        untouched, _ = populated()
        assert router.advance(LATE) == untouched.advance(LATE)
        router.check()

    def test_every_new_error_is_also_its_natural_builtin(self) -> None:
        assert issubclass(InvalidIdError, ValueError)
        assert issubclass(InvalidTypeError, TypeError) and issubclass(InvalidTypeError, ValueError)
        assert issubclass(ScoreOverflowError, OverflowError)
        assert issubclass(ScoreOverflowError, InvalidInputError)


class TestTheRangesAreDocumentedAndTight:
    def test_max_instant_keeps_a_millisecond_exact(self) -> None:
        below = math.nextafter(MAX_INSTANT, 0.0)
        assert below + MIN_DURATION > below
        # an instant plus a duration is below 2 * MAX_INSTANT, where floats are closer still
        assert math.ulp(math.nextafter(2 * MAX_INSTANT, 0.0)) < MIN_DURATION

    def test_the_largest_accepted_values_still_route(self) -> None:
        policy = Policy(offer_timeout=MIN_DURATION)
        router = Router(policy)
        now = math.nextafter(MAX_INSTANT, 0.0)
        router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), now)
        [offer] = offers_in(router.submit(Task("t", "voice", sla_target=MIN_DURATION), now))
        assert offer.expires_at is not None and offer.expires_at > now
        assert all(math.isfinite(v) for v in router.explain(offer).values())
        router.check()


def _plain_run() -> tuple[list[Any], dict[str, Any]]:
    return _run(
        policy=Policy(w_value=2.0, w_sla=10.0, offer_timeout=15.0),
        value=0.1,
        priority=2.5,
        sla_target=20.0,
        due_at=400.0,
        created_at=95.0,
        window=5.0,
        units=2,
        level=3,
        now=lambda t: t,
        offer_id=lambda i: i,
    )


def _run(
    *,
    policy: Policy,
    value: Any,
    priority: Any,
    sla_target: Any,
    due_at: Any,
    created_at: Any,
    window: Any,
    units: Any,
    level: Any,
    now: Callable[[float], Any],
    offer_id: Callable[[int], Any],
) -> tuple[list[Any], dict[str, Any]]:
    """The same story with numbers of the given types: its events and final views."""
    router = Router(policy)
    events: list[Any] = []
    events += router.add_agent(
        Agent("ann", {"billing": level}, {"voice": 2}, max_units=units), now(90.0)
    )
    events += router.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now(90.0))
    customer = Customer("c1", value=value)
    first = Task(
        "t1",
        "voice",
        Requirement({"billing": level}, steps=(RelaxStep(after=window, skills={}),)),
        customer,
        priority=priority,
        sla_target=sla_target,
        created_at=created_at,
        units=units,
    )
    second = Task(
        "t2",
        "voice",
        priority=priority,
        due_at=due_at,
        preferred_agents=["bob"],
        preferred_window=window,
    )
    third = Task("t3", "voice", customer=customer, sla_target=sla_target)
    events += router.submit(first, now(100.0))
    events += router.submit(second, now(100.0))
    events += router.submit(third, now(101.5))
    offers = offers_in(events)
    events += router.decline(offer_id(offers[0].id), now(102.0))
    for event in list(events):
        if isinstance(event, Offered) and event.offer.id > offers[0].id:
            events += router.accept(offer_id(event.offer.id), now(103.0))
            break
    events += router.advance(now(200.0))
    views = {
        "now": router.now,
        "waiting": router.waiting_tasks(),
        "agents": router.agents_by_state(),
        "ann": router.agent_tasks("ann"),
        "bob": router.agent_tasks("bob"),
        "next": router.next_timer_at(),
        "oldest": router.oldest_wait(now(250.0)),
    }
    router.check()
    return events, views


def _exotic_run(kind: str) -> tuple[list[Any], dict[str, Any]]:
    if kind == "numpy":
        return _run(
            policy=Policy(
                w_value=np.float64(2.0), w_sla=np.int64(10), offer_timeout=np.float32(15.0)
            ),
            value=np.float64(0.1),
            priority=np.float32(2.5),
            sla_target=np.int64(20),
            due_at=np.float64(400.0),
            created_at=np.int32(95),
            window=np.float16(5.0),
            units=np.int64(2),
            level=np.int8(3),
            now=np.float64,
            offer_id=np.int64,
        )
    if kind == "decimal":
        return _run(
            policy=Policy(w_value=Decimal(2), w_sla=Decimal("10"), offer_timeout=Decimal("15.0")),
            value=Decimal("0.1"),
            priority=Decimal("2.5"),
            sla_target=Decimal(20),
            due_at=Decimal("400"),
            created_at=Decimal("95.0"),
            window=Decimal("5"),
            units=2,
            level=3,
            now=lambda t: Decimal(str(t)),
            offer_id=lambda i: i,
        )
    assert kind == "fraction"
    return _run(
        policy=Policy(w_value=Fraction(2), w_sla=Fraction(10), offer_timeout=Fraction(15)),
        value=Fraction(1, 10),
        priority=Fraction(5, 2),
        sla_target=Fraction(20),
        due_at=Fraction(400),
        created_at=Fraction(95),
        window=Fraction(5),
        units=2,
        level=3,
        now=Fraction,
        offer_id=lambda i: i,
    )


def _plain_types(value: Any) -> bool:
    """Whether every number inside ``value`` (events, offers, tasks...) is a plain one."""
    if isinstance(value, bool | str | None.__class__):
        return True
    if isinstance(value, int | float):
        return type(value) in (int, float)
    if isinstance(value, dict):
        return all(_plain_types(k) and _plain_types(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return all(_plain_types(v) for v in value)
    if attrs.has(type(value)):
        return all(_plain_types(getattr(value, f.name)) for f in attrs.fields(type(value)))
    return True  # enums and the like


class TestAnyRealNumberTypeIsANumber:
    @pytest.mark.parametrize("kind", ["numpy", "decimal", "fraction"])
    def test_routes_exactly_as_plain_floats(self, kind: str) -> None:
        expected_events, expected_views = _plain_run()
        events, views = _exotic_run(kind)
        assert events == expected_events
        assert views == expected_views
        assert any(isinstance(e, Offered) for e in events)

    @pytest.mark.parametrize("kind", ["numpy", "decimal", "fraction"])
    def test_nothing_but_plain_numbers_reaches_the_router(self, kind: str) -> None:
        events, views = _exotic_run(kind)
        assert _plain_types(events) and _plain_types(views)

    def test_values_store_plain_numbers(self) -> None:
        task = Task(
            "t",
            "voice",
            customer=Customer("c", value=np.float64(7.5)),
            priority=Decimal("1.5"),
            sla_target=Fraction(40, 2),
            due_at=np.int64(500),
            units=np.int64(2),
            preferred_agents=np.array(["ann", "bob"]),
            preferred_window=np.float32(2.5),
        )
        assert _plain_types(task)
        assert task.customer is not None and type(task.customer.value) is float
        assert task.preferred_agents == ("ann", "bob")
        assert [type(a) for a in task.preferred_agents] == [str, str]
        assert type(task.units) is int and task.units == 2
        assert _plain_types(Policy(w_fit=np.float64(0.5), pause_on_timeout=np.bool_(False)))
        assert Policy(pause_on_timeout=np.bool_(False)).pause_on_timeout is False

    def test_a_numpy_customer_value_leaves_the_router_consistent(self) -> None:
        # once, a numpy bool from ``value >= threshold`` indexed the fit tuple and the
        # task was queued in no bucket
        router = Router()
        router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), now=0.0)
        router.set_agent_state("ann", AgentState.AWAY, now=0.0)
        router.submit(Task("t", "voice", customer=Customer("c", value=np.float64(7))), now=1.0)
        router.check()
        [offer] = offers_in(router.set_agent_state("ann", AgentState.AVAILABLE, now=2.0))
        assert offer.task_id == "t" and type(offer.terms.value) is float
        router.check()
