"""The scoring policy: piecewise-linear urgency, deadlines and ramps, fit, presets."""

from __future__ import annotations

import math

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import Policy
from tests.strategies import half_integers, policies


def urgency(
    policy: Policy, arrived_at: float, deadline: float | None, ramp: float, t: float
) -> float:
    a, b, _ = policy.urgency_segment(arrived_at, deadline, ramp, t)
    return a + b * t


class TestDefaults:
    def test_default_weights(self) -> None:
        policy = Policy()
        assert (policy.w_value, policy.w_priority, policy.w_sla) == (1.0, 1.0, 10.0)
        assert policy.overdue_factor == 4.0
        assert policy.urgency == "sla"
        assert policy.offer_timeout == 15.0
        assert policy.pause_on_timeout is True
        assert policy.context_window == 30.0

    def test_fifo_switches_off_value_priority_fit_and_context(self) -> None:
        fifo = Policy.fifo()
        assert (fifo.w_value, fifo.w_priority, fifo.w_fit) == (0.0, 0.0, 0.0)
        assert (fifo.context_window, fifo.w_context) == (0.0, 0.0)
        assert fifo.urgency == "wait"

    def test_fifo_accepts_overrides(self) -> None:
        fifo = Policy.fifo(offer_timeout=None, wait_slope=2.0)
        assert fifo.offer_timeout is None and fifo.wait_slope == 2.0 and fifo.w_value == 0.0

    def test_policies_are_frozen_values(self) -> None:
        policy = Policy()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            policy.w_sla = 3.0  # type: ignore[misc]
        assert attrs.evolve(policy, w_sla=3.0).w_sla == 3.0
        assert Policy() == Policy() and hash(Policy()) == hash(Policy())

    def test_evolve_validates(self) -> None:
        with pytest.raises(ValueError, match="w_sla -1"):
            attrs.evolve(Policy(), w_sla=-1)


class TestDeadlineAndRamp:
    def test_contact_with_sla_target(self) -> None:
        assert Policy().deadline_and_ramp(100.0, 20.0, None) == (120.0, 20.0)

    def test_due_date_work_ramps_over_sla_target(self) -> None:
        assert Policy().deadline_and_ramp(100.0, 3600.0, 5000.0) == (5000.0, 3600.0)

    def test_due_date_work_without_target_ramps_over_due_ramp(self) -> None:
        assert Policy(due_ramp=600).deadline_and_ramp(0.0, None, 5000.0) == (5000.0, 600.0)

    def test_no_target_no_deadline_uses_the_default_ramp(self) -> None:
        assert Policy(default_sla_target=90).deadline_and_ramp(5.0, None, None) == (None, 90.0)


class TestSlaUrgency:
    policy = Policy()  # w_sla 10, overdue_factor 4

    def test_contact_urgency_is_the_share_of_its_target_used(self) -> None:
        # Arrived at 100, 20 s target: deadline 120, ramp 20.
        assert urgency(self.policy, 100, 120, 20, 100) == 0.0
        assert urgency(self.policy, 100, 120, 20, 110) == 5.0
        assert urgency(self.policy, 100, 120, 20, 120) == 10.0
        # Overdue: four times steeper: 10 + 4 * 10 * 5 / 20.
        assert urgency(self.policy, 100, 120, 20, 125) == 20.0

    def test_segments_and_their_ends(self) -> None:
        assert self.policy.urgency_segment(100, 120, 20, 100) == (-50.0, 0.5, 120)
        assert self.policy.urgency_segment(100, 120, 20, 119.5) == (-50.0, 0.5, 120)
        a, b, ends = self.policy.urgency_segment(100, 120, 20, 120)
        assert (b, ends) == (2.0, None)
        assert a + b * 120 == 10.0

    def test_due_date_work_is_flat_until_its_ramp_starts(self) -> None:
        # Due at 5000 with a 3600 s ramp: nothing before 1400.
        assert self.policy.urgency_segment(0, 5000, 3600, 0) == (0.0, 0.0, 1400)
        assert urgency(self.policy, 0, 5000, 3600, 1399.5) == 0.0
        assert urgency(self.policy, 0, 5000, 3600, 3200) == 5.0
        assert self.policy.urgency_segment(0, 5000, 3600, 1400)[2] == 5000

    def test_without_deadline_urgency_grows_forever_on_the_default_ramp(self) -> None:
        _, b, ends = self.policy.urgency_segment(10, None, 300, 10)
        assert ends is None and b == 10 / 300
        assert urgency(self.policy, 10, None, 300, 610) == pytest.approx(20.0)

    def test_an_arrival_after_the_ramp_start_starts_part_way_up(self) -> None:
        # created at 4000 but due at 5000 with a 3600 s ramp: already 3400/3600 used.
        assert urgency(self.policy, 4000, 5000, 3600, 4000) == pytest.approx(10 * 2600 / 3600)


class TestWaitUrgency:
    def test_fifo_urgency_is_the_waiting_time_times_the_slope(self) -> None:
        fifo = Policy.fifo(wait_slope=2.0)
        assert fifo.urgency_segment(10, 30, 20, 10) == (-20.0, 2.0, None)
        assert urgency(fifo, 10, 30, 20, 50) == 80.0  # deadline ignored

    def test_fifo_orders_by_arrival_only(self) -> None:
        fifo = Policy.fifo()
        older = urgency(fifo, 0, None, 300, 100) + fifo.base_score(10.0, 5.0)
        newer = urgency(fifo, 1, None, 300, 100) + fifo.base_score(0.0, 0.0)
        assert older > newer


class TestUrgencyIsPiecewiseLinear:
    @given(
        policy=policies(),
        arrived_at=half_integers(-50, 50),
        timing=st.sampled_from(["sla", "due", "none"]),
        target=st.sampled_from([1.0, 20.0, 300.0]),
        due_in=half_integers(-100, 400),
        t=half_integers(-50, 600),
    )
    def test_segments_are_continuous_and_valid_until_they_end(
        self,
        policy: Policy,
        arrived_at: float,
        timing: str,
        target: float,
        due_in: float,
        t: float,
    ) -> None:
        sla = target if timing != "none" else None
        due = arrived_at + due_in if timing == "due" else None
        deadline, ramp = policy.deadline_and_ramp(arrived_at, sla, due)
        a, b, ends = policy.urgency_segment(arrived_at, deadline, ramp, t)
        assert b >= 0
        if ends is None:
            later = t + 1000.0
        else:
            assert ends > t
            later = ends
            # Continuous at the breakpoint: the next segment starts where this one ends.
            a2, b2, _ = policy.urgency_segment(arrived_at, deadline, ramp, ends)
            assert a2 + b2 * ends == pytest.approx(a + b * ends, abs=1e-9)
            assert b2 >= 0
            if policy.overdue_factor >= 1:
                assert b2 >= b  # urgency only ever steepens
        # The same segment everywhere in [t, ends).
        middle = (t + later) / 2
        if middle < later:
            assert policy.urgency_segment(arrived_at, deadline, ramp, middle)[:2] == (a, b)

    @given(
        arrived_at=half_integers(0, 100),
        sla=st.sampled_from([5.0, 20.0, 60.0]),
        t1=half_integers(0, 400),
        dt=half_integers(0, 100),
    )
    def test_urgency_never_decreases(
        self, arrived_at: float, sla: float, t1: float, dt: float
    ) -> None:
        policy = Policy()
        deadline, ramp = policy.deadline_and_ramp(arrived_at, sla, None)
        assert (
            urgency(policy, arrived_at, deadline, ramp, t1 + dt)
            >= urgency(policy, arrived_at, deadline, ramp, t1) - 1e-9
        )


class TestFit:
    def test_high_value_rewards_excess_proficiency_in_the_required_skills(self) -> None:
        policy = Policy(w_fit=0.5)
        # (5 - 2) + (3 - 3); the unrequired fraud skill does not count.
        agent = {"billing": 5, "tech": 3, "fraud": 4}
        assert policy.fit(agent, (("billing", 2), ("tech", 3)), True) == 1.5

    def test_routine_work_penalises_all_spare_capability(self) -> None:
        policy = Policy(w_fit=0.5)
        # Levels 5 + 3 + 4 = 12 against 2 + 3 = 5 required: 7 levels spare.
        agent = {"billing": 5, "tech": 3, "fraud": 4}
        assert policy.fit(agent, (("billing", 2), ("tech", 3)), False) == -3.5

    def test_routine_work_prefers_the_exact_single_skilled_match(self) -> None:
        policy = Policy()
        need = (("billing", 2),)
        specialist = policy.fit({"billing": 2, "onboarding": 5}, need, False)
        generalist = policy.fit({"billing": 3}, need, False)
        exact = policy.fit({"billing": 2}, need, False)
        assert exact == 0.0 > generalist == -0.5 > specialist == -2.5

    def test_no_requirement_high_value_fits_everyone_equally(self) -> None:
        assert Policy().fit({"billing": 5}, (), True) == 0.0
        assert Policy().fit({"billing": 1, "tech": 1}, (), True) == 0.0

    def test_no_requirement_routine_work_goes_to_the_least_skilled(self) -> None:
        assert Policy().fit({"billing": 5}, (), False) == -2.5
        assert Policy().fit({"billing": 1}, (), False) == -0.5

    def test_zero_weight_ignores_proficiency(self) -> None:
        assert Policy(w_fit=0.0).fit({"billing": 5}, (("billing", 1),), True) == 0.0
        assert Policy(w_fit=0.0).fit({"billing": 5}, (("billing", 1),), False) == 0.0

    @pytest.mark.parametrize(
        ("threshold", "value", "high"),
        [
            (5.0, 5.0, True),
            (5.0, 4.999, False),
            (5.0, 9.0, True),
            (0.0, 0.0, True),
            (-1.0, -2.0, False),
        ],
    )
    def test_high_value_threshold_is_inclusive(
        self, threshold: float, value: float, high: bool
    ) -> None:
        assert Policy(high_value_threshold=threshold).is_high_value(value) is high


class TestContextWindow:
    def test_a_contact_waits_at_most_a_share_of_its_sla_target(self) -> None:
        assert Policy().context_window_for(sla_target=20.0, due_at=None) == 5.0
        assert Policy(context_sla_share=0.5).context_window_for(20.0, None) == 10.0

    def test_the_cap_never_lengthens_the_window(self) -> None:
        assert Policy(context_window=3.0).context_window_for(20.0, None) == 3.0
        assert Policy().context_window_for(sla_target=3600.0, due_at=None) == 30.0

    def test_without_a_target_or_with_a_due_date_the_full_window_applies(self) -> None:
        assert Policy().context_window_for(sla_target=None, due_at=None) == 30.0
        assert Policy().context_window_for(sla_target=20.0, due_at=500.0) == 30.0

    def test_a_zero_share_switches_context_waits_off_for_contacts(self) -> None:
        assert Policy(context_sla_share=0.0).context_window_for(20.0, None) == 0.0

    def test_fifo_has_no_context_window(self) -> None:
        assert Policy.fifo().context_window_for(None, None) == 0.0


class TestBaseScore:
    def test_weights_value_and_priority(self) -> None:
        assert Policy(w_value=2.0, w_priority=3.0).base_score(4.0, 1.0) == 11.0

    def test_is_zero_for_fifo(self) -> None:
        assert Policy.fifo().base_score(100.0, 100.0) == 0.0

    def test_infinite_offer_timeout_is_rejected_but_none_is_allowed(self) -> None:
        assert Policy(offer_timeout=None).offer_timeout is None
        with pytest.raises(ValueError, match="offer_timeout inf"):
            Policy(offer_timeout=math.inf)


class TestContextBounds:
    def test_defaults_forget_a_customer_after_a_day_and_keep_twenty_issues(self) -> None:
        policy = Policy()
        assert (policy.context_ttl, policy.context_max_issues) == (86_400.0, 20)
        assert policy.context_max_customers is None

    def test_none_switches_the_age_and_customer_bounds_off(self) -> None:
        policy = Policy(context_ttl=None, context_max_customers=None)
        assert policy.context_ttl is None and policy.context_max_customers is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("context_ttl", 0.0),
            ("context_ttl", -1.0),
            ("context_ttl", math.inf),
            ("context_max_issues", 0),
            ("context_max_issues", 2.0),
            ("context_max_issues", True),
            ("context_max_issues", None),
            ("context_max_customers", 0),
            ("context_max_customers", "5"),
        ],
    )
    def test_bad_bounds_are_refused_naming_the_field(self, field: str, value: object) -> None:
        with pytest.raises(ValueError, match=f"policy {field} {value!r}"):
            Policy(**{field: value})
