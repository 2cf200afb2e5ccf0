"""Frozen value types: skills, requirements and relaxation, tasks, agents, offers."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    Agent,
    Customer,
    CustomerContext,
    Offer,
    Offered,
    Queued,
    RelaxStep,
    Requirement,
    ScoreTerms,
    Task,
)
from routing.errors import (
    InvalidDurationError,
    InvalidIdError,
    InvalidTypeError,
    ScoreOverflowError,
)
from routing.events import new_offered, new_queued
from routing.model import (
    MAX_INSTANT,
    MAX_SCORE,
    MAX_VALUE,
    MIN_DURATION,
    check_duration,
    check_finite,
    check_id,
    check_instant,
    check_value,
    new_offer,
    new_score_terms,
    normalise_skills,
    satisfies,
    slot_setters,
    to_bool,
    to_float,
    to_int,
)
from tests.strategies import agents, half_integers, requirements, tasks

np = pytest.importorskip("numpy", reason="numpy (a dependency of matplotlib) is not installed")


class TestSkills:
    def test_normalised_to_a_sorted_tuple_from_a_mapping_or_pairs(self) -> None:
        expected = (("billing", 3), ("tech", 2))
        assert normalise_skills({"tech": 2, "billing": 3}) == expected
        assert normalise_skills([("tech", 2), ("billing", 3)]) == expected
        assert normalise_skills({}) == ()

    @pytest.mark.parametrize("level", [1, 5])
    def test_levels_one_and_five_are_valid(self, level: int) -> None:
        assert normalise_skills({"tech": level}) == (("tech", level),)

    def test_satisfies_needs_every_skill_at_or_above_its_level(self) -> None:
        agent = {"billing": 3, "tech": 1}
        assert satisfies(agent, (("billing", 3),))
        assert satisfies(agent, (("billing", 2), ("tech", 1)))
        assert not satisfies(agent, (("billing", 4),))
        assert not satisfies(agent, (("fraud", 1),))
        assert satisfies(agent, ())


class TestRequirement:
    steps = (
        RelaxStep(after=30, skills={"billing": 2}),
        RelaxStep(after=60, skills={}),
    )

    def test_skills_at_switches_exactly_at_each_step(self) -> None:
        r = Requirement({"billing": 4}, steps=self.steps)
        assert r.skills_at(100.0, 100.0) == (("billing", 4),)
        assert r.skills_at(100.0, 129.5) == (("billing", 4),)
        assert r.skills_at(100.0, 130.0) == (("billing", 2),)
        assert r.skills_at(100.0, 159.5) == (("billing", 2),)
        assert r.skills_at(100.0, 160.0) == ()
        assert r.skills_at(100.0, 1e9) == ()

    def test_next_step_at_is_strictly_after_now(self) -> None:
        r = Requirement({"billing": 4}, steps=self.steps)
        assert r.next_step_at(100.0, 100.0) == 130.0
        assert r.next_step_at(100.0, 130.0) == 160.0
        assert r.next_step_at(100.0, 160.0) is None

    def test_a_step_at_zero_applies_from_arrival(self) -> None:
        r = Requirement({"billing": 4}, steps=(RelaxStep(after=0, skills={"billing": 1}),))
        assert r.skills_at(5.0, 5.0) == (("billing", 1),)
        assert r.next_step_at(5.0, 5.0) is None

    def test_default_requirement_needs_nothing(self) -> None:
        assert Requirement().skills == () and Requirement().steps == ()

    def test_steps_are_converted_to_a_tuple(self) -> None:
        r = Requirement({"billing": 4}, steps=list(self.steps))
        assert isinstance(r.steps, tuple)
        assert r == Requirement({"billing": 4}, steps=self.steps)
        assert hash(r) == hash(Requirement({"billing": 4}, steps=self.steps))

    @given(
        requirement=requirements,
        arrived_at=half_integers(-100, 100),
        now=half_integers(-100, 200),
    )
    def test_skills_change_only_at_step_instants(
        self, requirement: Requirement, arrived_at: float, now: float
    ) -> None:
        current = requirement.skills_at(arrived_at, now)
        next_at = requirement.next_step_at(arrived_at, now)
        if next_at is None:
            assert requirement.skills_at(arrived_at, now + 1e6) == current
        else:
            assert next_at > now
            step_times = [arrived_at + s.after for s in requirement.steps]
            assert next_at in step_times
            assert requirement.skills_at(arrived_at, (now + next_at) / 2) == current
            applied = [s for s in requirement.steps if arrived_at + s.after <= next_at]
            assert requirement.skills_at(arrived_at, next_at) == applied[-1].skills


class TestTask:
    def test_defaults(self) -> None:
        task = Task("t", "voice")
        assert task.requirement == Requirement()
        assert (task.customer, task.priority, task.units) == (None, 0.0, 1)
        assert (task.sla_target, task.due_at, task.created_at) == (None, None, None)
        assert task.preferred_agents == () and task.preferred_window == 0.0
        assert task.attributes == {}

    def test_preferred_agents_become_a_tuple(self) -> None:
        assert Task("t", "voice", preferred_agents=["ann", "bob"]).preferred_agents == (
            "ann",
            "bob",
        )

    def test_frozen_and_evolvable(self) -> None:
        task = Task("t", "voice")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            task.priority = 3.0  # type: ignore[misc]
        assert attrs.evolve(task, priority=3.0).priority == 3.0

    def test_evolve_validates(self) -> None:
        with pytest.raises(ValueError, match="units 0"):
            attrs.evolve(Task("t", "voice"), units=0)

    def test_due_at_and_created_at_may_be_any_finite_instant(self) -> None:
        task = Task("t", "email", due_at=-1e9, created_at=-5)
        assert (task.due_at, task.created_at) == (-1e9, -5)

    def test_attributes_are_carried_untouched(self) -> None:
        assert Task("t", "voice", attributes={"crm": 42}).attributes == {"crm": 42}

    @given(data=st.data(), now=half_integers(-50, 50))
    def test_strategy_tasks_never_arrive_in_the_future(
        self, data: st.DataObject, now: float
    ) -> None:
        task = data.draw(tasks(now=now))
        assert task.created_at is None or task.created_at <= now


class TestAgent:
    def test_capacity_and_skills_are_normalised(self) -> None:
        agent = Agent("ann", skills={"tech": 2, "billing": 3}, capacity={"voice": 1, "chat": 3})
        assert agent.skills == (("billing", 3), ("tech", 2))
        assert agent.capacity == (("chat", 3), ("voice", 1))
        assert agent.max_units is None

    def test_agents_are_hashable_values(self) -> None:
        one = Agent("ann", skills={"tech": 2}, capacity={"voice": 1})
        two = Agent("ann", skills=[("tech", 2)], capacity={"voice": 1})
        assert one == two and hash(one) == hash(two)

    @given(agent=agents())
    def test_strategy_agents_are_valid(self, agent: Agent) -> None:
        assert 2 <= len(agent.skills) <= 4 and agent.capacity
        assert all(1 <= level <= 5 for _, level in agent.skills)


class TestOtherValues:
    def test_score_terms_total(self) -> None:
        terms = ScoreTerms(value=8.0, priority=2.0, urgency=5.0, fit=-1.5, context=5.0)
        assert terms.total == 18.5

    def test_offer_and_context_are_frozen(self) -> None:
        offer = Offer(1, "t", "ann", 0.0, None, ScoreTerms(0, 0, 0, 0, 0))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            offer.agent_id = "bob"  # type: ignore[misc]

    def test_slot_setters_must_cover_every_field(self) -> None:
        with pytest.raises(TypeError, match="has the fields"):
            slot_setters(Queued, "task_id")  # ``at`` would be left unset
        with pytest.raises(TypeError, match="has the fields"):
            slot_setters(Queued, "task_id", "at", "extra")
        assert len(slot_setters(Queued, "at", "task_id")) == 2
        context = CustomerContext("ann", ("t1",))
        assert context == CustomerContext("ann", ("t1",))

    def test_customer_defaults(self) -> None:
        assert Customer("c") == Customer("c", value=0.0, tier="standard", is_new=False)

    @pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (3, 3.0), (2.5, 2.5)])
    def test_check_duration_accepts_finite_non_negative(
        self, value: float, expected: float
    ) -> None:
        assert check_duration("x", value) == expected
        assert isinstance(check_duration("x", value), float)

    def test_check_finite_accepts_negative(self) -> None:
        assert check_finite("x", -3) == -3.0


class TestNumberAndIdChecks:
    """The one family of checks every constructor uses (``routing.model``)."""

    @pytest.mark.parametrize(
        "value", [2.5, 2, Decimal("2.5"), Fraction(5, 2), np.float64(2.5), np.float32(2.5)]
    )
    def test_any_real_number_becomes_a_plain_float(self, value: object) -> None:
        result = to_float("x", value)
        assert type(result) is float and result == float(value)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (True, "not a number"),
            (np.bool_(False), "not a number"),
            ("1", "not a number"),
            (1j, "not a number"),
            (math.nan, "finite"),
            (Decimal("sNaN"), "finite"),
            (10**400, "too large"),
            (Decimal("1e400"), "too large"),
            (Fraction(10**400, 7), "too large"),
        ],
    )
    def test_what_is_not_a_finite_number_is_refused(self, value: object, text: str) -> None:
        with pytest.raises(InvalidDurationError, match=text):
            to_float("x", value)

    def test_instants_and_durations_have_exact_ranges(self) -> None:
        assert check_instant("t", -MAX_INSTANT + 1) == -MAX_INSTANT + 1
        with pytest.raises(InvalidDurationError, match="MAX_INSTANT"):
            check_instant("t", MAX_INSTANT)
        assert check_duration("d", 0) == 0.0 and check_duration("d", MIN_DURATION) == 1e-3
        with pytest.raises(InvalidDurationError, match="MIN_DURATION"):
            check_duration("d", MIN_DURATION / 2)
        with pytest.raises(InvalidDurationError, match="positive"):
            check_duration("d", 0, zero=False)
        with pytest.raises(InvalidDurationError, match="MAX_INSTANT"):
            check_duration("d", MAX_INSTANT)

    def test_values_are_bounded_so_scores_cannot_overflow(self) -> None:
        assert check_value("v", -MAX_VALUE) == -MAX_VALUE
        assert MAX_VALUE * MAX_VALUE <= MAX_SCORE
        with pytest.raises(ScoreOverflowError, match="MAX_VALUE"):
            check_value("v", 1e160)

    def test_integers_bools_and_ids(self) -> None:
        assert to_int(np.int64(3)) == 3 and type(to_int(np.int64(3))) is int
        assert to_int(True) is None and to_int(3.0) is None and to_int("3") is None
        assert to_bool("b", np.bool_(True)) is True
        with pytest.raises(InvalidTypeError, match="'yes'"):
            to_bool("b", "yes")
        assert type(check_id("i", np.str_("ann"))) is str
        with pytest.raises(InvalidIdError, match="5"):
            check_id("i", 5)


class TestFastConstructors:
    """The router builds offer values by writing their slots (``routing.model.new_offer``)."""

    CLASSES = (ScoreTerms, Offer, Offered, Queued)

    @pytest.mark.parametrize("cls", CLASSES)
    def test_class_has_nothing_the_fast_path_would_skip(self, cls: type) -> None:
        for field in attrs.fields(cls):
            assert field.default is attrs.NOTHING, field.name
            assert field.converter is None and field.validator is None, field.name
        assert not hasattr(cls, "__attrs_post_init__")
        assert not hasattr(cls, "__attrs_pre_init__")

    def test_fast_constructors_build_equal_frozen_values(self) -> None:
        terms = new_score_terms(1.0, 2.0, 3.5, -0.5, 5.0)
        assert terms == ScoreTerms(1.0, 2.0, 3.5, -0.5, 5.0)
        assert terms.total == 11.0
        offer = new_offer(7, "t", "ann", 1.0, None, terms)
        assert offer == Offer(7, "t", "ann", 1.0, None, terms)
        assert hash(offer) == hash(Offer(7, "t", "ann", 1.0, None, terms))
        assert new_offered(offer) == Offered(offer)
        assert new_queued("t", 2.0) == Queued("t", 2.0)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            offer.agent_id = "bob"  # type: ignore[misc]
