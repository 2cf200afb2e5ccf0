"""Every bad input: the precise error, its built-in base, a message naming the bad
value, and a router left exactly as it was (validate first, then mutate)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from routing import (
    Agent,
    AgentBusyError,
    AgentState,
    ConcurrentCallError,
    Customer,
    DuplicateAgentError,
    DuplicateIdError,
    DuplicateTaskError,
    IllegalTransitionError,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidLevelError,
    InvalidTypeError,
    OfferExpiredError,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    RoutingError,
    ScoreOverflowError,
    Task,
    TimeWentBackwardsError,
    UnknownAgentError,
    UnknownIdError,
    UnknownOfferError,
    UnknownRoutingProfileError,
    UnknownTaskError,
)
from tests.oracle import decisions
from tests.routing.populated import NOW, populated, snapshot

Call = Callable[[Router, dict[str, int]], Any]

# (id, call, error class, built-in it must also be, text the message must contain)
ROUTER_CASES: list[tuple[str, Call, type[RoutingError], type[Exception], str]] = [
    # -- duplicates
    (
        "duplicate queued task",
        lambda r, o: r.submit(Task("queued", "voice"), NOW),
        DuplicateTaskError,
        ValueError,
        "'queued' is already queued",
    ),
    (
        "duplicate offered task",
        lambda r, o: r.submit(Task("offered", "chat"), NOW),
        DuplicateTaskError,
        ValueError,
        "'offered' is already offered",
    ),
    (
        "duplicate assigned task",
        lambda r, o: r.submit(Task("assigned", "voice"), NOW),
        DuplicateTaskError,
        ValueError,
        "'assigned' is already assigned",
    ),
    (
        "duplicate agent",
        lambda r, o: r.add_agent(Agent("cat", {"tech": 1}, {"chat": 2}), NOW),
        DuplicateAgentError,
        ValueError,
        "'cat'",
    ),
    # -- unknown ids
    (
        "complete unknown task",
        lambda r, o: r.complete("nobody", NOW),
        UnknownTaskError,
        KeyError,
        "'nobody'",
    ),
    (
        "cancel unknown task",
        lambda r, o: r.cancel("nobody", NOW),
        UnknownTaskError,
        KeyError,
        "'nobody'",
    ),
    (
        "state of unknown task",
        lambda r, o: r.task_state("nobody"),
        UnknownTaskError,
        KeyError,
        "'nobody'",
    ),
    (
        "remove unknown agent",
        lambda r, o: r.remove_agent("zed", NOW),
        UnknownAgentError,
        KeyError,
        "'zed'",
    ),
    (
        "set state of unknown agent",
        lambda r, o: r.set_agent_state("zed", AgentState.AWAY, NOW),
        UnknownAgentError,
        KeyError,
        "'zed'",
    ),
    (
        "tasks of unknown agent",
        lambda r, o: r.agent_tasks("zed"),
        UnknownAgentError,
        KeyError,
        "'zed'",
    ),
    (
        "accept unknown offer",
        lambda r, o: r.accept(99, NOW),
        UnknownOfferError,
        KeyError,
        "99",
    ),
    (
        "decline unknown offer",
        lambda r, o: r.decline(99, NOW),
        UnknownOfferError,
        KeyError,
        "99",
    ),
    (
        "accept an offer already accepted",
        lambda r, o: r.accept(o["assigned"], NOW),
        UnknownOfferError,
        KeyError,
        f"offer {1!r}",
    ),
    ("view unknown offer", lambda r, o: r.offer(99), UnknownOfferError, KeyError, "99"),
    ("explain unknown offer", lambda r, o: r.explain(99), UnknownOfferError, KeyError, "99"),
    # -- illegal transitions
    (
        "complete a queued task",
        lambda r, o: r.complete("queued", NOW),
        IllegalTransitionError,
        RuntimeError,
        "'queued' is queued",
    ),
    (
        "complete an offered task",
        lambda r, o: r.complete("offered", NOW),
        IllegalTransitionError,
        RuntimeError,
        "'offered' is offered",
    ),
    (
        "cancel an assigned task",
        lambda r, o: r.cancel("assigned", NOW),
        IllegalTransitionError,
        RuntimeError,
        "'assigned' is assigned",
    ),
    (
        "accept an offer exactly when it expires",
        lambda r, o: r.accept(o["offered"], 105.0),
        OfferExpiredError,
        RuntimeError,
        "expired at 105.0",
    ),
    (
        "accept an offer after it expired",
        lambda r, o: r.accept(o["offered"], 200.0),
        OfferExpiredError,
        RuntimeError,
        f"offer {2!r}",
    ),
    (
        "decline an offer after it expired",
        lambda r, o: r.decline(o["offered"], 105.5),
        OfferExpiredError,
        RuntimeError,
        "'offered'",
    ),
    (
        "remove an agent holding an assigned task",
        lambda r, o: r.remove_agent("ann", NOW),
        AgentBusyError,
        RuntimeError,
        "'ann' still holds tasks ['assigned']",
    ),
    (
        "remove an agent holding an offer",
        lambda r, o: r.remove_agent("bob", NOW),
        AgentBusyError,
        RuntimeError,
        "['offered']",
    ),
    # -- bad values
    (
        "created_at in the future",
        lambda r, o: r.submit(Task("new", "voice", created_at=NOW + 1), NOW),
        InvalidInputError,
        ValueError,
        "created_at 101.0",
    ),
    (
        "submit something that is not a task",
        lambda r, o: r.submit("new", NOW),  # type: ignore[arg-type]
        InvalidInputError,
        ValueError,
        "'new'",
    ),
    (
        "add something that is not an agent",
        lambda r, o: r.add_agent("dan", NOW),  # type: ignore[arg-type]
        InvalidInputError,
        ValueError,
        "'dan'",
    ),
    (
        "agent state that is not an AgentState",
        lambda r, o: r.set_agent_state("cat", "available", NOW),  # type: ignore[arg-type]
        InvalidInputError,
        ValueError,
        "'available'",
    ),
]

BAD_NOWS: list[tuple[str, Any, type[RoutingError], str]] = [
    ("nan", math.nan, InvalidDurationError, "nan"),
    ("inf", math.inf, InvalidDurationError, "inf"),
    ("-inf", -math.inf, InvalidDurationError, "-inf"),
    ("a string", "100", InvalidDurationError, "'100'"),
    ("a bool", True, InvalidDurationError, "True"),
    ("earlier than the last call", NOW - 0.5, TimeWentBackwardsError, "99.5"),
]

# Every mutating call, given ``now``: bad ``now`` must be rejected by each of them.
MUTATORS: list[tuple[str, Callable[[Router, dict[str, int], Any], Any]]] = [
    ("advance", lambda r, o, now: r.advance(now)),
    ("submit", lambda r, o, now: r.submit(Task("new", "voice"), now)),
    ("add_agent", lambda r, o, now: r.add_agent(Agent("dan", {"billing": 1}, {"voice": 1}), now)),
    ("remove_agent", lambda r, o, now: r.remove_agent("cat", now)),
    ("set_agent_state", lambda r, o, now: r.set_agent_state("cat", AgentState.AVAILABLE, now)),
    ("accept", lambda r, o, now: r.accept(o["offered"], now)),
    ("decline", lambda r, o, now: r.decline(o["offered"], now)),
    ("complete", lambda r, o, now: r.complete("assigned", now)),
    ("cancel", lambda r, o, now: r.cancel("queued", now)),
]


class TestRouterRejectsBadCalls:
    @pytest.mark.parametrize(
        ("call", "error", "builtin", "text"),
        [pytest.param(*case[1:], id=case[0]) for case in ROUTER_CASES],
    )
    def test_raises_precise_error_and_changes_nothing(
        self, call: Call, error: type[RoutingError], builtin: type[Exception], text: str
    ) -> None:
        router, offers = populated()
        before = snapshot(router)
        with pytest.raises(error) as raised:
            call(router, offers)
        assert isinstance(raised.value, builtin)
        assert isinstance(raised.value, RoutingError)
        assert text in str(raised.value)
        router.check()
        assert snapshot(router) == before

    @pytest.mark.parametrize(("name", "call"), MUTATORS, ids=[m[0] for m in MUTATORS])
    @pytest.mark.parametrize(
        ("now", "error", "text"),
        [pytest.param(*case[1:], id=case[0]) for case in BAD_NOWS],
    )
    def test_every_mutating_call_rejects_a_bad_now(
        self,
        name: str,
        call: Callable[[Router, dict[str, int], Any], Any],
        now: Any,
        error: type[RoutingError],
        text: str,
    ) -> None:
        router, offers = populated()
        before = snapshot(router)
        with pytest.raises(error) as raised:
            call(router, offers, now)
        assert isinstance(raised.value, ValueError)
        assert text in str(raised.value)
        router.check()
        assert snapshot(router) == before

    def test_the_same_now_as_the_last_call_is_fine(self) -> None:
        router, _ = populated()
        router.advance(NOW)
        router.submit(Task("new", "voice"), NOW)
        assert router.now == NOW

    def test_a_rejected_call_does_not_fire_due_timers(self) -> None:
        router, offers = populated()
        # bob's offer expires at 105; a bad call at 200 must not time it out.
        with pytest.raises(UnknownTaskError):
            router.complete("nobody", 200.0)
        assert router.now == NOW
        assert router.offer(offers["offered"]).agent_id == "bob"
        assert router.next_timer_at() == 105.0

    def test_unknown_id_messages_are_not_quoted_twice(self) -> None:
        router, _ = populated()
        with pytest.raises(KeyError) as raised:
            router.task_state("nobody")
        assert str(raised.value) == "task 'nobody' is not active"


def _agent(**overrides: Any) -> Agent:
    fields: dict[str, Any] = {"id": "dan", "skills": {"billing": 3}, "capacity": {"voice": 1}}
    fields.update(overrides)
    return Agent(**fields)


def _task(**overrides: Any) -> Task:
    fields: dict[str, Any] = {"id": "t", "channel": "voice"}
    fields.update(overrides)
    return Task(**fields)


# (id, constructor, error class, built-in, text the message must contain)
VALUE_CASES: list[tuple[str, Callable[[], Any], type[RoutingError], type[Exception], str]] = [
    # levels
    ("level 0", lambda: Requirement({"billing": 0}), InvalidLevelError, ValueError, "level 0"),
    ("level 6", lambda: _agent(skills={"tech": 6}), InvalidLevelError, ValueError, "level 6"),
    (
        "level -1 in a step",
        lambda: RelaxStep(after=5, skills={"billing": -1}),
        InvalidLevelError,
        ValueError,
        "level -1",
    ),
    ("level 2.5", lambda: Requirement({"billing": 2.5}), InvalidLevelError, ValueError, "2.5"),
    ("level '3'", lambda: Requirement({"billing": "3"}), InvalidLevelError, ValueError, "'3'"),
    ("level True", lambda: Requirement({"billing": True}), InvalidLevelError, ValueError, "True"),
    ("empty skill name", lambda: Requirement({"": 1}), InvalidInputError, ValueError, "''"),
    (
        "skill listed twice",
        lambda: Requirement([("tech", 1), ("tech", 2)]),
        InvalidInputError,
        ValueError,
        "'tech' appears twice",
    ),
    (
        "skill entry not a pair",
        lambda: Requirement([("tech",)]),
        InvalidInputError,
        ValueError,
        "('tech',)",
    ),
    # task durations and instants
    ("sla_target nan", lambda: _task(sla_target=math.nan), InvalidDurationError, ValueError, "nan"),
    ("sla_target inf", lambda: _task(sla_target=math.inf), InvalidDurationError, ValueError, "inf"),
    ("sla_target -5", lambda: _task(sla_target=-5.0), InvalidDurationError, ValueError, "-5.0"),
    ("sla_target 0", lambda: _task(sla_target=0), InvalidDurationError, ValueError, "sla_target"),
    ("sla_target '20'", lambda: _task(sla_target="20"), InvalidDurationError, ValueError, "'20'"),
    (
        "preferred_window nan",
        lambda: _task(preferred_window=math.nan),
        InvalidDurationError,
        ValueError,
        "preferred_window nan",
    ),
    (
        "preferred_window -1",
        lambda: _task(preferred_window=-1),
        InvalidDurationError,
        ValueError,
        "preferred_window -1",
    ),
    (
        "preferred_window inf",
        lambda: _task(preferred_window=math.inf),
        InvalidDurationError,
        ValueError,
        "inf",
    ),
    ("due_at nan", lambda: _task(due_at=math.nan), InvalidDurationError, ValueError, "due_at nan"),
    (
        "created_at -inf",
        lambda: _task(created_at=-math.inf),
        InvalidDurationError,
        ValueError,
        "created_at -inf",
    ),
    ("priority nan", lambda: _task(priority=math.nan), InvalidDurationError, ValueError, "nan"),
    ("units 0", lambda: _task(units=0), InvalidInputError, ValueError, "units 0"),
    ("units 1.5", lambda: _task(units=1.5), InvalidInputError, ValueError, "units 1.5"),
    ("empty channel", lambda: _task(channel=""), InvalidInputError, ValueError, "''"),
    (
        "customer value nan",
        lambda: Customer("c", value=math.nan),
        InvalidDurationError,
        ValueError,
        "nan",
    ),
    # relaxation steps
    (
        "step after -1",
        lambda: RelaxStep(after=-1, skills={}),
        InvalidDurationError,
        ValueError,
        "after -1",
    ),
    (
        "step after nan",
        lambda: RelaxStep(after=math.nan, skills={}),
        InvalidDurationError,
        ValueError,
        "after nan",
    ),
    (
        "step after inf",
        lambda: RelaxStep(after=math.inf, skills={}),
        InvalidDurationError,
        ValueError,
        "after inf",
    ),
    (
        "steps not increasing",
        lambda: Requirement(
            {"tech": 3}, steps=(RelaxStep(after=10, skills={}), RelaxStep(after=10, skills={}))
        ),
        InvalidInputError,
        ValueError,
        "10.0 then 10.0",
    ),
    (
        "step not a RelaxStep",
        lambda: Requirement({"tech": 3}, steps=((10, {}),)),
        InvalidInputError,
        ValueError,
        "(10, {})",
    ),
    # agents
    ("capacity 0", lambda: _agent(capacity={"voice": 0}), InvalidInputError, ValueError, "0"),
    ("no capacity", lambda: _agent(capacity={}), InvalidInputError, ValueError, "'dan'"),
    ("max_units 0", lambda: _agent(max_units=0), InvalidInputError, ValueError, "max_units 0"),
    # policy weights and durations
    ("offer_timeout 0", lambda: Policy(offer_timeout=0), InvalidInputError, ValueError, "0"),
    (
        "offer_timeout -1",
        lambda: Policy(offer_timeout=-1.0),
        InvalidInputError,
        ValueError,
        "offer_timeout -1.0",
    ),
    (
        "offer_timeout nan",
        lambda: Policy(offer_timeout=math.nan),
        InvalidInputError,
        ValueError,
        "offer_timeout nan",
    ),
    (
        "offer_timeout inf",
        lambda: Policy(offer_timeout=math.inf),
        InvalidInputError,
        ValueError,
        "offer_timeout inf",
    ),
    ("w_value -1", lambda: Policy(w_value=-1), InvalidInputError, ValueError, "w_value -1"),
    ("w_sla nan", lambda: Policy(w_sla=math.nan), InvalidInputError, ValueError, "w_sla nan"),
    ("w_fit inf", lambda: Policy(w_fit=math.inf), InvalidInputError, ValueError, "w_fit inf"),
    (
        "w_priority '1'",
        lambda: Policy(w_priority="1"),
        InvalidInputError,
        ValueError,
        "w_priority '1'",
    ),
    (
        "context_window -30",
        lambda: Policy(context_window=-30),
        InvalidInputError,
        ValueError,
        "context_window -30",
    ),
    (
        "overdue_factor nan",
        lambda: Policy(overdue_factor=math.nan),
        InvalidInputError,
        ValueError,
        "overdue_factor nan",
    ),
    (
        "context_sla_share -0.5",
        lambda: Policy(context_sla_share=-0.5),
        InvalidInputError,
        ValueError,
        "context_sla_share -0.5",
    ),
    (
        "context_sla_share nan",
        lambda: Policy(context_sla_share=math.nan),
        InvalidInputError,
        ValueError,
        "context_sla_share nan",
    ),
    ("wait_slope 0", lambda: Policy(wait_slope=0), InvalidInputError, ValueError, "wait_slope 0"),
    (
        "default_sla_target inf",
        lambda: Policy(default_sla_target=math.inf),
        InvalidInputError,
        ValueError,
        "default_sla_target inf",
    ),
    ("due_ramp -1", lambda: Policy(due_ramp=-1), InvalidInputError, ValueError, "due_ramp -1"),
    (
        "high_value_threshold nan",
        lambda: Policy(high_value_threshold=math.nan),
        InvalidInputError,
        ValueError,
        "nan",
    ),
    (
        "urgency 'lifo'",
        lambda: Policy(urgency="lifo"),  # type: ignore[arg-type]
        InvalidInputError,
        ValueError,
        "'lifo'",
    ),
    (
        "fifo with a bad override",
        lambda: Policy.fifo(wait_slope=-1),
        InvalidInputError,
        ValueError,
        "wait_slope -1",
    ),
]


class TestValuesRejectBadFields:
    @pytest.mark.parametrize(
        ("build", "error", "builtin", "text"),
        [pytest.param(*case[1:], id=case[0]) for case in VALUE_CASES],
    )
    def test_raises_precise_error(
        self,
        build: Callable[[], Any],
        error: type[RoutingError],
        builtin: type[Exception],
        text: str,
    ) -> None:
        with pytest.raises(error) as raised:
            build()
        assert isinstance(raised.value, builtin)
        assert text in str(raised.value)


class TestHierarchy:
    @pytest.mark.parametrize(
        ("error", "bases"),
        [
            (InvalidInputError, (RoutingError, ValueError)),
            (InvalidLevelError, (InvalidInputError, ValueError)),
            (InvalidDurationError, (InvalidInputError, ValueError)),
            (TimeWentBackwardsError, (RoutingError, ValueError)),
            (DuplicateIdError, (RoutingError, ValueError)),
            (DuplicateTaskError, (DuplicateIdError,)),
            (DuplicateAgentError, (DuplicateIdError,)),
            (UnknownIdError, (RoutingError, KeyError)),
            (UnknownTaskError, (UnknownIdError, KeyError)),
            (UnknownAgentError, (UnknownIdError, KeyError)),
            (UnknownOfferError, (UnknownIdError, KeyError)),
            (UnknownRoutingProfileError, (UnknownIdError, KeyError)),
            (IllegalTransitionError, (RoutingError, RuntimeError)),
            (AgentBusyError, (IllegalTransitionError, RuntimeError)),
            (OfferExpiredError, (IllegalTransitionError, RuntimeError)),
            (InvalidIdError, (InvalidInputError, ValueError)),
            (InvalidTypeError, (InvalidInputError, ValueError, TypeError)),
            (ScoreOverflowError, (InvalidInputError, ValueError, OverflowError)),
            (ConcurrentCallError, (RoutingError, RuntimeError)),
        ],
    )
    def test_error_subclasses_its_parents(
        self, error: type[Exception], bases: tuple[type[Exception], ...]
    ) -> None:
        for base in bases:
            assert issubclass(error, base)

    def test_no_eligible_agent_is_not_an_error(self) -> None:
        router = Router()
        router.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), now=0)
        events = router.submit(Task("t", "voice", requirement=Requirement({"fraud": 5})), now=0)
        assert [type(e).__name__ for e in decisions(events)] == ["Queued", "Unroutable"]
        assert router.unroutable_tasks() == {"t": "no_eligible_agent"}
