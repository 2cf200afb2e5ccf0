"""Tests for simulations.records' shared rules, and the engine definitions the
scenario uses instead of twins (skill levels, satisfies, relaxation, the window)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import RelaxStep, Requirement
from routing.model import LEVEL_MAX, LEVEL_MIN, satisfies
from simulations.records import in_window
from simulations.scenario import (
    AgentGroup,
    apply_override,
    bundled_scenarios,
    load_scenario,
    schema,
)
from tests.simulations.kpi.test_metrics import contact


class TestInWindow:
    def test_the_window_is_half_open(self) -> None:
        assert in_window(10.0, (10.0, 20.0))
        assert in_window(19.999, (10.0, 20.0))
        assert not in_window(20.0, (10.0, 20.0))
        assert not in_window(9.999, (10.0, 20.0))

    def test_the_scenario_window_is_warmup_to_horizon(self) -> None:
        scenario = load_scenario(bundled_scenarios()["mmc"])
        scenario = apply_override(scenario, "simulation.warmup", 600)
        assert scenario.simulation.window == (600.0, scenario.simulation.horizon)


class TestOnTime:
    def test_completed_by_the_due_date(self) -> None:
        done = contact(0.0, wait=10.0, handle=50.0, sla_target=None, due_at=60.0)
        assert done.on_time

    def test_completed_after_the_due_date(self) -> None:
        late = contact(0.0, wait=10.0, handle=51.0, sla_target=None, due_at=60.0)
        assert not late.on_time

    def test_open_or_live_work_is_not_on_time(self) -> None:
        assert not contact(0.0, wait=10.0, complete=False, sla_target=None, due_at=60.0).on_time
        assert not contact(0.0, wait=10.0).on_time


levels = st.integers(LEVEL_MIN, LEVEL_MAX)
skill_maps = st.dictionaries(st.sampled_from("abcd"), levels, max_size=4)


class TestEngineDefinitions:
    def test_the_scenario_has_the_engines_level_bounds(self) -> None:
        assert (schema.LEVEL_MIN, schema.LEVEL_MAX) == (LEVEL_MIN, LEVEL_MAX)

    @given(held=skill_maps, required=skill_maps)
    def test_a_group_meets_a_requirement_exactly_when_the_router_says(
        self, held: dict[str, int], required: dict[str, int]
    ) -> None:
        group = AgentGroup("g", 1, held, {"voice": 1})
        assert group.meets(required) == satisfies(held, tuple(sorted(required.items())))

    def test_a_contact_type_requirement_is_the_routers(self) -> None:
        scenario = load_scenario(bundled_scenarios()["default"])
        relaxed = [ct for ct in scenario.contact_types if ct.relax]
        assert relaxed, "the default scenario relaxes some contact type"
        for ct in relaxed:
            assert ct.requirement == Requirement(ct.skills, steps=ct.relax)
            assert all(isinstance(step, RelaxStep) for step in ct.relax)

    def test_policy_keys_are_the_policys_fields(self) -> None:
        import attrs

        from routing import Policy

        fields = {f.name for f in attrs.fields(Policy)} - schema.POLICY_FIELDS_FROM_GROUPS
        assert tuple(sorted(fields)) == schema.POLICY_KEYS

    @pytest.mark.parametrize("value", [-1, 0])
    def test_policy_values_are_checked_by_the_router(self, value: int) -> None:
        from simulations import ScenarioError

        scenario = load_scenario(bundled_scenarios()["mmc"])
        with pytest.raises(ScenarioError, match="wait_slope"):
            apply_override(scenario, "policies", {"p": {"wait_slope": value}})
