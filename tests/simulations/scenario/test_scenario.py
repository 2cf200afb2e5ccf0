"""Scenario loading: bundled files, precise errors, cross-references and overrides."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from routing import Policy
from simulations.scenario import (
    POLICY_FIELDS_FROM_GROUPS,
    POLICY_KEYS,
    AgentGroup,
    ChurnModel,
    Handling,
    PolicySpec,
    Resolution,
    Scenario,
    ScenarioError,
    Shift,
    apply_override,
    bundled_scenarios,
    load_scenario,
    parse_override,
    parse_scenario,
)
from simulations.scenario.arrivals import BatchArrivals, PoissonArrivals, ProfileArrivals
from simulations.scenario.distributions import Exponential, Fixed

SOURCE = "test.toml"

_BASE: dict[str, Any] = {
    "simulation": {"horizon": 86400},
    "channels": {"voice": {"units": 1, "cost_per_contact": 16.5}, "chat": {}},
    "customers": {
        "tiers": [
            {"name": "standard", "share": 0.7, "value": 1},
            {"name": "gold", "share": 0.3, "value": 5},
        ]
    },
    "contact_types": [
        {
            "name": "billing",
            "channel": "voice",
            "skills": {"billing": 2},
            "relax": [{"after": 30, "skills": {"billing": 1}}],
            "sla_target": 20,
            "arrivals": {"kind": "poisson", "rate": 120},
            "handle_time": {"kind": "exponential", "mean": 300},
            "patience": {"kind": "exponential", "mean": 120},
        },
        {
            "name": "billing_chat",
            "channel": "chat",
            "skills": {"billing": 1},
            "sla_target": 60,
            "arrivals": {"kind": "poisson", "rate": 60},
            "handle_time": 600,
            "repeat": {
                "delay": 3600,
                "contact_types": {"billing": 0.5, "billing_chat": 0.5},
            },
        },
    ],
    "agent_groups": [
        {
            "name": "team",
            "count": 10,
            "skills": {"billing": 3},
            "capacity": {"voice": 1, "chat": 2},
        },
        {
            "name": "juniors",
            "count": 4,
            "skills": {"billing": 1},
            "capacity": {"chat": 3},
            "shift": {"start": "08:00", "end": "16:00"},
        },
    ],
}


def base() -> dict[str, Any]:
    """A fresh, valid scenario mapping to break in one place."""
    return copy.deepcopy(_BASE)


def error_of(spec: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(spec, SOURCE)
    return str(info.value)


def broken(change: Callable[[dict[str, Any]], object]) -> str:
    """The error message after applying ``change`` to a valid mapping."""
    spec = base()
    change(spec)
    return error_of(spec)


class TestBundledScenarios:
    def test_the_three_scenarios_are_bundled(self) -> None:
        assert {"default", "mmc", "large"} <= set(bundled_scenarios())

    @pytest.mark.parametrize("name", sorted(bundled_scenarios()))
    def test_every_bundled_scenario_loads_and_round_trips(self, name: str) -> None:
        scenario = load_scenario(bundled_scenarios()[name])
        assert scenario.simulation.name == name
        assert parse_scenario(scenario.to_spec(), "copy") == scenario

    def test_default_is_a_moderate_blended_day(self) -> None:
        s = load_scenario(bundled_scenarios()["default"])
        assert 60 <= s.agent_count <= 100
        assert set(s.channels) == {"voice", "chat", "email", "backoffice"}
        assert s.simulation.horizon == 86400
        demand = sum(s.arrivals(ct).expected_count(0, 86400) for ct in s.contact_types)
        assert 1_000 < demand < 30_000
        assert any(ct.is_back_office for ct in s.contact_types)
        assert any(ct.repeat is not None for ct in s.contact_types)
        assert all(0.2 <= ct.deflection <= 0.4 for ct in s.contact_types if ct.deflection)
        assert s.channels["voice"].cost_per_contact == 16.5
        assert s.channels["chat"].cost_per_contact < 5
        assert len({g.shifts for g in s.agent_groups}) > 1

    def test_mmc_is_a_single_skill_markovian_model(self) -> None:
        s = load_scenario(bundled_scenarios()["mmc"])
        (ct,) = s.contact_types
        assert s.skills == ("general",)
        assert isinstance(ct.arrivals, PoissonArrivals)
        assert isinstance(ct.handle_time, Exponential) and isinstance(ct.patience, Exponential)
        assert ct.repeat is None and ct.deflection == 0 and ct.wrap_up == Fixed(0.0)
        assert s.resolution.probability(0) == 1.0 and s.handling.factor(0) == 1.0
        assert all(not g.shifts for g in s.agent_groups)

    def test_large_has_500_agents_on_several_skills_and_channels(self) -> None:
        s = load_scenario(bundled_scenarios()["large"])
        assert s.agent_count == 500
        assert len(s.skills) >= 5 and len(s.channels) >= 3


class TestLoadScenario:
    def test_loads_a_file_and_names_it_after_the_stem(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.toml"
        path.write_text(
            (bundled_scenarios()["mmc"]).read_text().replace('name = "mmc"\n', ""),
            encoding="utf-8",
        )
        assert load_scenario(path).simulation.name == "mine"
        assert load_scenario(path).source == str(path)

    def test_invalid_toml_names_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.toml"
        path.write_text("[simulation\nhorizon = 1\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=r"bad\.toml: invalid TOML: .*line 1"):
            load_scenario(path)

    def test_errors_from_a_file_start_with_its_path(self, tmp_path: Path) -> None:
        path = tmp_path / "default.toml"
        path.write_text(
            bundled_scenarios()["default"]
            .read_text()
            .replace("onboarding = 3, billing = 2 }", "onboarding = 3, billing = 7 }", 1),
            encoding="utf-8",
        )
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(info.value) == f"{path}: agent_groups[4].skills.billing: level 7 is outside 1-5"

    def test_scenario_error_is_a_value_error_with_parts_and_pickles(self) -> None:
        err = ScenarioError("f.toml", "a.b", "bad")
        assert isinstance(err, ValueError)
        assert (err.source, err.path, err.problem) == ("f.toml", "a.b", "bad")
        assert str(pickle.loads(pickle.dumps(err))) == "f.toml: a.b: bad"

    def test_a_scenario_pickles_for_worker_processes(self) -> None:
        s = load_scenario(bundled_scenarios()["default"])
        assert pickle.loads(pickle.dumps(s)) == s


class TestUnknownKeys:
    def test_top_level_unknown_key_lists_the_allowed_ones(self) -> None:
        message = broken(lambda s: s.update(agent_group=[]))
        assert message == (
            "test.toml: agent_group: unknown key; did you mean 'agent_groups'? allowed keys: "
            "agent_groups, channels, churn, contact_types, customers, handling, policies, "
            "resolution, simulation, targets"
        )

    def test_a_typo_is_reported_as_the_typo_not_as_the_missing_key(self) -> None:
        def typo(s: dict[str, Any]) -> None:
            s["contact_types"][0]["handel_time"] = s["contact_types"][0].pop("handle_time")

        assert broken(typo).startswith(
            "test.toml: contact_types[0].handel_time: unknown key; did you mean 'handle_time'?"
        )

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda s: s["simulation"].update(seeds=1), "simulation.seeds"),
            (lambda s: s["channels"]["voice"].update(cost=1), "channels.voice.cost"),
            (
                lambda s: s["customers"]["tiers"][1].update(colour="gold"),
                "customers.tiers[1].colour",
            ),
            (
                lambda s: s["agent_groups"][1]["shift"].update(lunch=1),
                "agent_groups[1].shift.lunch",
            ),
            (
                lambda s: s["contact_types"][0]["patience"].update(sd=1),
                "contact_types[0].patience.sd",
            ),
            (
                lambda s: s["contact_types"][1]["repeat"].update(after=1),
                "contact_types[1].repeat.after",
            ),
            (lambda s: s.update(handling={"speedup": 1}), "handling.speedup"),
            (lambda s: s.update(churn={"annual": 0.3}), "churn.annual"),
        ],
    )
    def test_unknown_keys_are_rejected_everywhere(
        self, change: Callable[[dict[str, Any]], object], path: str
    ) -> None:
        assert broken(change).startswith(f"test.toml: {path}: unknown key;")


class TestFieldErrors:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                lambda s: s["agent_groups"][0]["skills"].update(billing=7),
                "agent_groups[0].skills.billing: level 7 is outside 1-5",
            ),
            (
                lambda s: s["agent_groups"][0]["skills"].update(billing=2.5),
                "agent_groups[0].skills.billing: must be a whole number, got 2.5",
            ),
            (
                lambda s: s["agent_groups"][0].update(count=-1),
                "agent_groups[0].count: must be >= 0, got -1",
            ),
            (
                lambda s: s["agent_groups"][0].pop("count"),
                "agent_groups[0].count: missing required key",
            ),
            (lambda s: s.pop("simulation"), "simulation: missing required key"),
            (
                lambda s: s["simulation"].update(horizon="1 day"),
                "simulation.horizon: must be a number, got '1 day'",
            ),
            (
                lambda s: s["simulation"].update(horizon=float("inf")),
                "simulation.horizon: must be finite, got inf",
            ),
            (
                lambda s: s["simulation"].update(warmup=86400),
                "simulation.warmup: must be shorter than the horizon (86400 s)",
            ),
            (
                lambda s: s["simulation"].update(replications=0),
                "simulation.replications: must be >= 1, got 0",
            ),
            (
                lambda s: s["contact_types"][0].update(deflection=1.2),
                "contact_types[0].deflection: must be between 0 and 1, got 1.2",
            ),
            (
                lambda s: s["contact_types"][0].update(complexity=0),
                "contact_types[0].complexity: must be between 1 and 5, got 0",
            ),
            (
                lambda s: s["contact_types"][0].update(skills={}),
                "contact_types[0].skills: must name at least one skill",
            ),
            (
                lambda s: s["contact_types"][0].update(skills={"bill ing": 1}),
                "contact_types[0].skills: skill name 'bill ing' must start with a letter",
            ),
            (
                lambda s: s["contact_types"][0]["handle_time"].update(mean=-5),
                "contact_types[0].handle_time.mean: must be > 0, got -5",
            ),
            (
                lambda s: s["contact_types"][0].update(due_after=3600),
                "contact_types[0].sla_target: give exactly one of sla_target (live work) or "
                "due_after (back office): both given",
            ),
            (
                lambda s: s["contact_types"][0].pop("sla_target"),
                "contact_types[0].sla_target: give exactly one of sla_target (live work) or "
                "due_after (back office): neither given",
            ),
            (
                lambda s: s["contact_types"][0]["relax"].append({"after": 30, "skills": {}}),
                "contact_types[0].relax[1].after: relaxation steps must have increasing 'after': "
                "30.0 then 30.0",
            ),
            (
                lambda s: s["contact_types"][0].update(
                    arrivals={"kind": "batch", "at": ["08:00", "25:00"], "size": 5}
                ),
                "contact_types[0].arrivals.at[1]: the drop is at or after the horizon (86400 s)",
            ),
            (
                lambda s: s["agent_groups"][1].update(shift={"start": "16:00", "end": "08:00"}),
                "agent_groups[1].shift.end: must be after the start (57600 s)",
            ),
            (
                lambda s: s["agent_groups"][1].update(shifts=[{"start": 0, "end": 100}]),
                "agent_groups[1].shifts: give either 'shift' or 'shifts', not both",
            ),
            (
                lambda s: s["agent_groups"][0].update(
                    shifts=[{"start": 0, "end": 100}, {"start": 50, "end": 200}]
                ),
                "agent_groups[0].shifts[1].start: must not be before the previous shift ends",
            ),
            (
                lambda s: s["agent_groups"][1].update(name="team"),
                "agent_groups[1].name: duplicate name 'team' (also agent_groups[0])",
            ),
            (
                lambda s: s["agent_groups"][0].update(name="a.b"),
                "agent_groups[0].name: agent group name 'a.b' must start with a letter",
            ),
            (
                lambda s: s["customers"]["tiers"][1].update(share=0.2),
                "customers.tiers: shares must sum to 1, got 0.9",
            ),
            (
                lambda s: s["contact_types"][1]["repeat"]["contact_types"].update(billing=0.4),
                "contact_types[1].repeat.contact_types: shares must sum to 1, got 0.9",
            ),
            (
                lambda s: (
                    s["channels"]["voice"].update(units=3)
                    or s["agent_groups"][0].update(max_units=2)
                ),
                "agent_groups[0].capacity.voice: a voice task uses 3 units, more than "
                "max_units = 2",
            ),
            (
                lambda s: s["agent_groups"][0].update(capacity={}),
                "agent_groups[0].capacity: must give at least one channel",
            ),
            (lambda s: s.update(contact_types=[]), "contact_types: must hold at least one entry"),
            (lambda s: s.update(channels={}), "channels: declare at least one [channels.NAME]"),
            (
                lambda s: s.update(resolution={"floor": 0.5, "cap": 0.4}),
                "resolution.cap: must be between 0.5 and 1, got 0.4",
            ),
        ],
    )
    def test_message_names_file_field_and_problem(
        self, change: Callable[[dict[str, Any]], object], message: str
    ) -> None:
        assert broken(change).startswith(f"{SOURCE}: {message}")


class TestCrossReferences:
    def test_contact_type_channel_must_be_declared(self) -> None:
        message = broken(lambda s: s["contact_types"][0].update(channel="sms"))
        assert message == (
            "test.toml: contact_types[0].channel: channel 'sms' is not declared in "
            "[channels] (declared: voice, chat)"
        )

    def test_capacity_channel_must_be_declared(self) -> None:
        message = broken(lambda s: s["agent_groups"][0]["capacity"].update(email=2))
        assert message.startswith(
            "test.toml: agent_groups[0].capacity.email: channel 'email' is not declared"
        )

    def test_skill_must_be_held_by_some_agent_group(self) -> None:
        message = broken(lambda s: s["contact_types"][0]["skills"].update(tech=1))
        assert message == (
            "test.toml: contact_types[0].skills.tech: no agent group has skill 'tech' "
            "(skills held: billing)"
        )

    def test_relaxed_skill_must_be_held_by_some_agent_group(self) -> None:
        message = broken(lambda s: s["contact_types"][0]["relax"][0].update(skills={"x": 1}))
        assert message.startswith("test.toml: contact_types[0].relax[0].skills.x: no agent group")

    def test_some_group_must_be_able_to_take_each_contact_type(self) -> None:
        def voice_only(s: dict[str, Any]) -> None:
            s["agent_groups"][0]["capacity"] = {"voice": 1}
            s["agent_groups"][1]["capacity"] = {"voice": 1}

        assert broken(voice_only) == (
            "test.toml: contact_types[1]: no agent group can take 'billing_chat': none has "
            "capacity on channel 'chat' together with billing>=1"
        )

    def test_relaxation_counts_when_deciding_who_can_take_a_type(self) -> None:
        spec = base()
        spec["contact_types"][0]["skills"] = {"billing": 5}
        assert parse_scenario(spec, SOURCE).contact_types[0].skills == {"billing": 5}
        spec["contact_types"][0]["relax"] = []
        assert "together with billing>=5" in error_of(spec)

    def test_repeat_must_target_a_declared_contact_type(self) -> None:
        def retarget(s: dict[str, Any]) -> None:
            s["contact_types"][1]["repeat"]["contact_types"] = {"email": 1.0}

        assert broken(retarget) == (
            "test.toml: contact_types[1].repeat.contact_types.email: unknown contact type "
            "'email' (known: billing, billing_chat)"
        )

    def test_policies_must_be_known(self) -> None:
        assert broken(lambda s: s["simulation"].update(policy="smart")) == (
            "test.toml: simulation.policy: unknown policy 'smart' (known: default, fifo)"
        )
        assert broken(lambda s: s["simulation"].update(compare=["fifo", "x"])).startswith(
            "test.toml: simulation.compare[1]: unknown policy 'x'"
        )

    def test_declared_policy_can_be_used_and_compared(self) -> None:
        spec = base()
        spec["policies"] = {"value_first": {"w_value": 3.0}}
        spec["simulation"].update(policy="value_first", compare=["value_first", "fifo"])
        s = parse_scenario(spec, SOURCE)
        assert s.policy("value_first") == PolicySpec("value_first", "default", {"w_value": 3.0})
        assert s.policy("fifo") == PolicySpec("fifo", "fifo")
        assert s.policy_names == ("default", "fifo", "value_first")

    def test_policy_keys_are_the_fields_of_the_routing_policy(self) -> None:
        fields = {f.name for f in attrs.fields(Policy)}
        assert (
            set(POLICY_KEYS) == fields - POLICY_FIELDS_FROM_GROUPS == fields - {"routing_profiles"}
        )

    def test_every_policy_key_builds_a_routing_policy(self) -> None:
        spec = base()
        overrides: dict[str, Any] = {
            "urgency": "wait",
            "pause_on_timeout": False,
            "high_value_threshold": -1,
            "reserve_agents": 2,
            "interrupts": {"voice": ["chat"]},
        }
        overrides |= {k: 2.0 for k in POLICY_KEYS if k not in overrides}
        spec["policies"] = {"tuned": overrides}
        s = parse_scenario(spec, SOURCE)
        policy = Policy(**s.policy("tuned").overrides)  # type: ignore[arg-type]
        assert policy.urgency == "wait" and policy.reserve_agents == 2
        assert policy.interrupts == (("voice", frozenset({"chat"})),)

    @pytest.mark.parametrize(
        ("policies", "message"),
        [
            ({"fifo": {}}, "policies.fifo: 'fifo' is a built-in policy"),
            ({"p": {"w_valeu": 1}}, "policies.p.w_valeu: unknown key; did you mean 'w_value'?"),
            ({"p": {"base": "smart"}}, "policies.p.base: must be one of default, fifo"),
            ({"p": {"w_sla": -1}}, "policies.p.w_sla: policy w_sla -1.0 must be non-negative"),
            (
                {"p": {"offer_timeout": 0}},
                "policies.p.offer_timeout: policy offer_timeout 0.0 must be positive",
            ),
            (
                {"p": {"urgency": "value"}},
                "policies.p.urgency: policy urgency 'value' must be 'sla' or 'wait'",
            ),
            ({"p": {"pause_on_timeout": 1}}, "policies.p.pause_on_timeout: must be true or false"),
            ({"p": {"reserve_agents": 1.5}}, "policies.p.reserve_agents: must be a whole number"),
            ({"p": {"interrupts": ["chat"]}}, "policies.p.interrupts: must be a table"),
            (
                {"p": {"interrupts": {"voice": "chat"}}},
                "policies.p.interrupts: policy interrupts['voice'] 'chat' must be a list",
            ),
            (
                {"p": {"context_max_issues": 2.5}},
                "policies.p.context_max_issues: must be a whole number, got 2.5",
            ),
            (
                {"p": {"context_max_customers": 0}},
                "policies.p.context_max_customers: policy context_max_customers 0 must be a "
                "positive integer",
            ),
        ],
    )
    def test_policy_tables_are_validated(self, policies: dict[str, Any], message: str) -> None:
        assert broken(lambda s: s.update(policies=policies)).startswith(f"{SOURCE}: {message}")


class TestDefaults:
    def test_optional_tables_and_keys_take_documented_defaults(self) -> None:
        spec = base()
        del spec["customers"]
        s = parse_scenario(spec, "dir/name.toml")
        assert s.simulation.name == "name"
        assert (s.simulation.warmup, s.simulation.interval) == (0.0, 1800.0)
        assert (s.simulation.replications, s.simulation.policy) == (10, "default")
        assert s.simulation.compare == ("default", "fifo")
        assert s.customers.tiers[0].share == 1.0
        assert s.channels["chat"].units == 1
        ct = s.contact_types[0]
        assert ct.complexity == 2  # the highest required level
        assert ct.wrap_up == Fixed(0.0) and ct.priority == 0 and ct.deflection == 0.0
        assert s.contact_types[1].patience is None
        assert (s.handling, s.resolution, s.churn) == (Handling(), Resolution(), None)
        assert s.agent_groups[0].shifts == ()
        assert s.agent_groups[1].shifts == (Shift(28800.0, 57600.0),)


class TestApplyOverride:
    def test_sets_a_group_count_by_name_and_leaves_the_original_alone(self) -> None:
        s = parse_scenario(base(), SOURCE)
        t = apply_override(s, "agent_groups.juniors.count", 40)
        assert t.agent_group("juniors").count == 40
        assert s.agent_group("juniors").count == 4
        assert t.source == SOURCE

    def test_reaches_into_distributions_profiles_and_tiers(self) -> None:
        s = load_scenario(bundled_scenarios()["default"])
        t = apply_override(s, "contact_types.billing_voice.handle_time.mean", 280)
        assert t.contact_type("billing_voice").handle_time.mean == 280
        t = apply_override(s, "contact_types.billing_voice.arrivals.rates.0", 500)
        arrivals = t.contact_type("billing_voice").arrivals
        assert isinstance(arrivals, ProfileArrivals) and arrivals.per_hour[0] == 500
        t = apply_override(s, "simulation.volume", 1.1)
        assert t.simulation.volume == 1.1

    def test_none_removes_a_key_and_restores_its_default(self) -> None:
        s = load_scenario(bundled_scenarios()["mmc"])
        t = apply_override(s, "contact_types.calls.patience", None)
        assert t.contact_types[0].patience is None

    def test_an_invalid_value_is_reported_with_the_override(self) -> None:
        s = parse_scenario(base(), SOURCE)
        with pytest.raises(ScenarioError) as info:
            apply_override(s, "agent_groups.team.count", -3)
        assert str(info.value) == (
            "test.toml (override agent_groups.team.count = -3): "
            "agent_groups[0].count: must be >= 0, got -3"
        )

    def test_an_unknown_name_lists_the_known_ones(self) -> None:
        s = parse_scenario(base(), SOURCE)
        with pytest.raises(
            ScenarioError, match=r"agent_groups has no 'voice' \(has: team, juniors\)"
        ):
            apply_override(s, "agent_groups.voice.count", 4)

    def test_an_unknown_field_is_rejected_by_the_loader(self) -> None:
        s = parse_scenario(base(), SOURCE)
        with pytest.raises(ScenarioError, match=r"agent_groups\[0\]\.size: unknown key"):
            apply_override(s, "agent_groups.team.size", 4)

    def test_a_path_through_a_single_value_is_rejected(self) -> None:
        s = parse_scenario(base(), SOURCE)
        with pytest.raises(ScenarioError, match=r"simulation\.horizon is a single value"):
            apply_override(s, "simulation.horizon.x", 4)

    @pytest.mark.parametrize(
        ("text", "parsed"),
        [
            ("agent_groups.voice.count=40", ("agent_groups.voice.count", 40)),
            ("simulation.policy = fifo", ("simulation.policy", "fifo")),
            ("simulation.volume=1.2", ("simulation.volume", 1.2)),
            ("simulation.compare=['fifo']", ("simulation.compare", ["fifo"])),
        ],
    )
    def test_parse_override_reads_toml_values_or_bare_strings(
        self, text: str, parsed: tuple[str, object]
    ) -> None:
        assert parse_override(text) == parsed

    def test_parse_override_needs_an_equals_sign(self) -> None:
        with pytest.raises(ValueError, match="expected PATH=VALUE"):
            parse_override("simulation.seed")


class TestModelHelpers:
    def test_handling_factor_scales_per_level_and_is_clamped(self) -> None:
        h = Handling(per_level_above=0.9, per_level_below=1.5, min_factor=0.8, max_factor=2.0)
        assert h.factor(0) == 1.0
        assert h.factor(1) == pytest.approx(0.9)
        assert h.factor(3) == 0.8
        assert h.factor(-1) == pytest.approx(1.5)
        assert h.factor(-2) == 2.0

    def test_resolution_probability_is_linear_in_margin_and_clamped(self) -> None:
        r = Resolution(base=0.7, per_level=0.1, floor=0.4, cap=0.9, context_bonus=0.05)
        assert r.probability(0) == pytest.approx(0.7)
        assert r.probability(1, same_agent=True) == pytest.approx(0.85)
        assert r.probability(5) == 0.9
        assert r.probability(-5) == 0.4

    def test_churn_table_parses_into_the_metrics_churn_model(self) -> None:
        churn = load_scenario(bundled_scenarios()["default"]).churn
        assert isinstance(churn, ChurnModel)
        assert churn.base_annual == 0.32 and churn.new_customer_multiplier == 1.5

    def test_churn_probability_adds_experience_and_weighs_new_customers(self) -> None:
        c = ChurnModel(
            base_annual=0.3, wait_threshold=60, per_minute_over=0.01, per_unresolved=0.05
        )
        p = c.probability(minutes_over=2.0, unresolved=1, is_new=False)
        assert p == pytest.approx(0.37)
        assert c.increment(minutes_over=2.0, unresolved=1, is_new=False) == pytest.approx(0.07)
        new = ChurnModel(base_annual=0.3, per_unresolved=0.05, new_customer_multiplier=2.0)
        assert new.probability(minutes_over=0, unresolved=1, is_new=True) == pytest.approx(0.7)
        assert new.probability(minutes_over=0, unresolved=9, is_new=True) == 1.0

    def test_margin_uses_the_lowest_required_skill(self) -> None:
        ct = parse_scenario(base(), SOURCE).contact_types[0]
        assert ct.margin({"billing": 4}) == 2
        assert ct.margin({"tech": 4}) == -2

    def test_groups_for_and_duty(self) -> None:
        s = parse_scenario(base(), SOURCE)
        assert [g.name for g in s.groups_for(s.contact_types[0])] == ["team"]
        assert [g.name for g in s.groups_for(s.contact_types[1])] == ["team", "juniors"]
        juniors = s.agent_group("juniors")
        assert (
            not juniors.on_duty_at(0)
            and juniors.on_duty_at(28800)
            and not juniors.on_duty_at(57600)
        )
        assert juniors.paid_hours(86400) == 32.0
        assert s.agent_group("team").paid_hours(3600) == 10.0

    def test_arrivals_are_scaled_by_volume(self) -> None:
        spec = base()
        spec["simulation"]["volume"] = 1.5
        s = parse_scenario(spec, SOURCE)
        assert s.arrivals(s.contact_types[0]) == PoissonArrivals(180.0)
        assert s.contact_types[0].arrivals == PoissonArrivals(120.0)

    def test_lookups_by_unknown_name_list_the_known_names(self) -> None:
        s = parse_scenario(base(), SOURCE)
        with pytest.raises(KeyError, match="known: billing, billing_chat"):
            s.contact_type("x")
        with pytest.raises(KeyError, match="known: team, juniors"):
            s.agent_group("x")
        with pytest.raises(KeyError, match="known: default, fifo"):
            s.policy("x")

    def test_values_are_frozen(self) -> None:
        g: AgentGroup = parse_scenario(base(), SOURCE).agent_groups[0]
        with pytest.raises(AttributeError):
            g.count = 3  # type: ignore[misc]

    def test_batch_drops_parse_clock_times(self) -> None:
        spec = base()
        spec["contact_types"][0].update(
            arrivals={"kind": "batch", "at": ["13:00", "08:00"], "size": 5}
        )
        s: Scenario = parse_scenario(spec, SOURCE)
        assert s.contact_types[0].arrivals == BatchArrivals((28800.0, 46800.0), 5)
