"""Tests for planning.targets, planning.staffing.search and report.staffing."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest

from routing.erlang import agents_for_erlang_a, agents_for_service_level
from simulations.centre.replication import run_replication
from simulations.kpi.metrics import replication_kpis
from simulations.kpi.stats import Estimate
from simulations.planning.staffing import (
    Plan,
    Step,
    build_scenario,
    erlang_estimate,
    result_document,
    search,
    staffing_intervals,
)
from simulations.planning.targets import Target, default_targets, measure, parse_target
from simulations.report.staffing import (
    kpis_table,
    render_staffing,
    targets_table,
    write_staffing,
)
from simulations.scenario import bundled_scenarios, load_scenario
from simulations.scenario.schema import DRAIN
from tests.simulations.planning_helpers import calls, group, scenario


class TestTargetGrammar:
    def test_service_level_shorthand_reads_percent_and_seconds(self) -> None:
        t = parse_target("voice:80/20")
        assert (t.kpi, t.scope, t.bound, t.threshold) == ("service_level", "voice", 0.8, 20.0)
        assert t.higher_is_better

    @pytest.mark.parametrize("text", ["sl:voice>=80/20", "voice: 80% / 20s", "sl:voice>=80%/20"])
    def test_service_level_long_forms_and_spaces(self, text: str) -> None:
        t = parse_target(text)
        assert (t.kpi, t.scope, t.bound, t.threshold) == ("service_level", "voice", 0.8, 20.0)

    def test_asa_abandonment_and_backoffice(self) -> None:
        asa = parse_target("asa:chat<=30s")
        assert (asa.kpi, asa.scope, asa.bound, asa.higher_is_better) == ("asa", "chat", 30, False)
        ab = parse_target("abandon:voice<=5%")
        assert (ab.kpi, ab.bound) == ("abandonment_rate", 0.05)
        assert parse_target("abandon:voice<=5").bound == 0.05  # always a percentage
        bo = parse_target("backoffice:95%")
        assert (bo.kpi, bo.scope, bo.bound) == ("backoffice_sla", "all", 0.95)
        assert parse_target("backoffice:claims>=90").scope == "claims"

    @pytest.mark.parametrize(
        "text", ["voice", "voice:80", "asa:voice>=30", "abandon:voice<=0", "voice:120/20", "x:y"]
    )
    def test_malformed_targets_are_rejected_naming_the_text(self, text: str) -> None:
        with pytest.raises(ValueError, match="target"):
            parse_target(text)

    def test_keywords_are_not_scopes(self) -> None:
        with pytest.raises(ValueError):
            parse_target("asa:80/20")

    def test_labels_read_naturally(self) -> None:
        assert parse_target("voice:80/20").label == "voice: service level ≥ 80% in 20 s"
        assert parse_target("asa:voice<=30").label == "voice: ASA ≤ 30 s"


class TestTargetJudgement:
    def test_higher_is_better_needs_the_ci_lower_bound_at_the_target(self) -> None:
        t = parse_target("voice:80/20")
        assert t.met_by(Estimate(0.85, 0.04, 5))
        assert not t.met_by(Estimate(0.85, 0.06, 5))  # mean above, CI reaches below

    def test_lower_is_better_needs_the_ci_upper_bound_under_the_target(self) -> None:
        t = parse_target("asa:voice<=30")
        assert t.met_by(Estimate(25.0, 4.0, 5))
        assert not t.met_by(Estimate(25.0, 6.0, 5))

    def test_undefined_is_vacuous_and_one_replication_uses_the_mean(self) -> None:
        t = parse_target("voice:80/20")
        assert t.met_by(None)
        assert t.met_by(Estimate(0.81, None, 1))
        assert not t.met_by(Estimate(0.79, None, 1))

    def test_scopes_resolve_to_channels_types_or_all(self) -> None:
        s = load_scenario(bundled_scenarios()["default"])
        voice = parse_target("voice:80/20").contact_types(s)
        assert set(voice) == {ct.name for ct in s.contact_types if ct.channel == "voice"}
        assert parse_target("billing_chat:80/60").contact_types(s) == ("billing_chat",)
        assert parse_target("backoffice:95%").contact_types(s) == ("billing_dispute",)
        with pytest.raises(ValueError, match="neither a channel"):
            parse_target("fax:80/20").contact_types(s)
        with pytest.raises(ValueError, match="no live contact types"):
            parse_target("abandon:backoffice<=5").contact_types(s)

    def test_default_targets_follow_the_scenario_targets_table(self) -> None:
        s = load_scenario(bundled_scenarios()["default"])
        texts = [t.text for t in default_targets(s)]
        assert "voice:80/20" in texts and "abandon:voice<=5%" in texts
        assert "backoffice:95%" in texts


class TestMeasure:
    def test_service_level_matches_metrics_when_nothing_is_left_waiting(self) -> None:
        s = scenario()
        result = run_replication(s, "fifo", 0)
        kpis = replication_kpis(result)
        t = Target("service_level", "voice", 0.8, 20.0, "voice:80/20")
        value = measure(t, result.contacts, ("calls",), result.window)
        assert value == pytest.approx(kpis.get("service_level"))
        ab = Target("abandonment_rate", "voice", 0.05, None, "x")
        assert measure(ab, result.contacts, ("calls",), result.window) == pytest.approx(
            kpis.get("abandonment_rate")
        )

    def test_contacts_left_waiting_count_against_the_target(self) -> None:
        # nobody on duty and no patience: every call waits until the run ends
        s = scenario([calls(patience=None)], [group(count=0)])
        result = run_replication(s, "fifo", 0)
        sl = Target("service_level", "voice", 0.8, 20.0, "x")
        asa = Target("asa", "voice", 30.0, None, "y")
        assert measure(sl, result.contacts, ("calls",), result.window) == 0.0
        assert measure(asa, result.contacts, ("calls",), result.window) == math.inf
        assert replication_kpis(result).get("service_level") == 0.0  # the KPI's rule too

    def test_an_empty_period_is_undefined(self) -> None:
        s = scenario()
        result = run_replication(s, "fifo", 0)
        t = parse_target("voice:80/20")
        assert measure(t, result.contacts, ("calls",), (1e9, 2e9)) is None


class TestErlangEstimate:
    def test_single_skill_with_patience_is_erlang_a(self) -> None:
        s = scenario()
        need = erlang_estimate(s, [parse_target("voice:80/20")], staffing_intervals(s))
        expected = agents_for_erlang_a(120 / 3600, 180, 300, target=20, level=0.8)
        assert need["team"] == [pytest.approx(expected)] * 4

    def test_without_patience_it_is_erlang_c(self) -> None:
        s = scenario([calls(patience=None)])
        need = erlang_estimate(s, [parse_target("voice:80/20")], staffing_intervals(s))
        assert need["team"][0] == agents_for_service_level(120 / 3600, 180, 20, 0.8)

    def test_a_multi_contact_agent_counts_as_several_servers(self) -> None:
        s = scenario(
            [calls(channel="chat", patience=None, sla=60)],
            [group(capacity={"chat": 3})],
            channels=("chat",),
        )
        need = erlang_estimate(s, [parse_target("chat:80/60")], staffing_intervals(s))
        servers = agents_for_service_level(120 / 3600, 180, 60, 0.8)
        assert need["team"][0] == pytest.approx(servers / 3)

    def test_the_load_is_shared_by_the_groups_that_take_it(self) -> None:
        s = scenario(groups=[group("a", 6), group("b", 2)])
        need = erlang_estimate(s, [parse_target("voice:80/20")], staffing_intervals(s))
        assert need["a"][0] == pytest.approx(3 * need["b"][0])

    def test_arrival_profiles_give_one_estimate_per_interval(self) -> None:
        s = scenario([calls(rate=[60, 240, 120, 60])])
        need = erlang_estimate(s, [parse_target("voice:80/20")], staffing_intervals(s))
        assert need["team"][1] > need["team"][2] > need["team"][0] == need["team"][3]

    def test_groups_off_duty_take_no_load(self) -> None:
        late = group("late", 4, shift={"start": 3600, "end": 7200})
        s = scenario(groups=[group("all_day", 4), late])
        need = erlang_estimate(s, [parse_target("voice:80/20")], staffing_intervals(s))
        assert need["late"][:2] == [0.0, 0.0] and need["late"][2] > 0


class TestBuildScenario:
    def test_one_count_per_group_replaces_the_counts(self) -> None:
        s = scenario(groups=[group("a", 6), group("b", 2)])
        built = build_scenario(s, Plan.of({"a": (9,), "b": (0,)}))
        assert [(g.name, g.count) for g in built.agent_groups] == [("a", 9), ("b", 0)]

    def test_counts_per_interval_become_layered_shifts(self) -> None:
        s = scenario(horizon=5400)
        intervals = staffing_intervals(s)
        built = build_scenario(s, Plan.of({"team": (2, 3, 1)}), intervals)
        for i, (start, end) in enumerate(intervals):
            mid = (start + end) / 2
            on_duty = sum(g.count for g in built.agent_groups if g.on_duty_at(mid))
            assert on_duty == (2, 3, 1)[i]
        assert all(g.name.startswith("team@") for g in built.agent_groups)
        # the layer that works the last interval stays through the drain
        assert max(s.end_at for g in built.agent_groups for s in g.shifts) == 5400 + DRAIN

    def test_layers_stay_within_the_groups_own_shifts(self) -> None:
        s = scenario(groups=[group(shift={"start": 0, "end": 2700})], horizon=5400)
        built = build_scenario(s, Plan.of({"team": (2, 2, 0)}), staffing_intervals(s))
        assert [(x.start_at, x.end_at) for g in built.agent_groups for x in g.shifts] == [
            (0.0, 2700.0)
        ]


class TestSearch:
    def test_finds_the_fewest_agents_whose_ci_meets_the_target(self) -> None:
        s = scenario()
        target = parse_target("voice:80/20")
        result = search(s, [target], replications=3, workers=1)
        assert result.feasible and result.converged and not result.interrupted
        assert result.evaluation is not None and result.evaluation.met
        n = result.plan.get("team")[0]
        fewer = search(
            s,
            [target],
            replications=3,
            workers=1,
            start=Plan.of({"team": (n - 1,)}),
            max_evaluations=1,
        )
        assert fewer.evaluation is not None and not fewer.evaluation.met
        assert abs(n - result.erlang.get("team")[0]) <= 3

    def test_starting_high_it_removes_agents(self) -> None:
        s = scenario()
        result = search(
            s,
            [parse_target("voice:80/20")],
            replications=3,
            workers=1,
            start=Plan.of({"team": (16,)}),
        )
        assert result.feasible and result.plan.get("team")[0] < 16
        assert result.history[0].phase == "down"

    def test_unreachable_targets_are_relaxed_and_reported(self) -> None:
        # the second call type arrives while its only group is off duty
        s = scenario(
            [calls(), calls("late", skill="night", channel="chat", rate=[0, 0, 60, 60])],
            [
                group(),
                group(
                    "night_team",
                    2,
                    skills={"night": 1},
                    capacity={"chat": 1},
                    shift={"start": 0, "end": 1800},
                ),
            ],
            channels=("voice", "chat"),
        )
        result = search(
            s,
            [parse_target("voice:80/20"), parse_target("late:80/20")],
            replications=3,
            workers=1,
            max_evaluations=12,
        )
        assert not result.feasible
        assert "late:80/20" in result.relaxed
        assert result.evaluation is not None
        met = {c.target.text: c.met for c in result.evaluation.checks}
        assert met["voice:80/20"] and not met["late:80/20"]

    def test_per_interval_counts_follow_the_arrival_profile(self) -> None:
        s = scenario([calls(rate=[40, 200, 200, 40])])
        result = search(
            s,
            [parse_target("voice:80/20")],
            per_interval=True,
            replications=3,
            workers=1,
            max_evaluations=12,
        )
        counts = result.plan.get("team")
        assert len(counts) == 4 and counts[1] > counts[0] and counts[2] > counts[3]
        assert result.evaluation is not None
        assert {c.interval for c in result.evaluation.checks} == {0, 1, 2, 3}

    def test_ctrl_c_keeps_the_plans_already_simulated(self) -> None:
        seen: list[Step] = []

        def stop(step: Step) -> None:
            seen.append(step)
            raise KeyboardInterrupt

        result = search(
            scenario(), [parse_target("voice:80/20")], replications=2, workers=1, on_step=stop
        )
        assert result.interrupted and result.evaluation is not None
        assert len(seen) == 1 and result.plan == seen[0].plan

    def test_bad_arguments_are_rejected(self) -> None:
        s = scenario()
        with pytest.raises(ValueError, match="at least one target"):
            search(s, [])
        with pytest.raises(ValueError, match="at least 2"):
            search(s, [parse_target("voice:80/20")], replications=1)
        with pytest.raises(ValueError, match="neither a channel"):
            search(s, [parse_target("chat:80/20")])


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """A small staffing result and the directory it was written to."""
    s = scenario(groups=[group("a", 4), group("b", 2, cost=30.0)])
    result = search(
        s,
        [parse_target("voice:80/20"), parse_target("asa:voice<=20")],
        replications=2,
        workers=1,
        max_evaluations=6,
    )
    out = tmp_path_factory.mktemp("staffing")
    write_staffing(result, out)
    return result_document(result), out


class TestStaffingReport:
    def test_writes_json_csv_and_plots(self, written: tuple[dict[str, Any], Path]) -> None:
        doc, out = written
        names = {p.name for p in out.iterdir()}
        assert {"staffing.json", "staffing.csv", "staffing_targets.csv", "staffing.png"} <= names
        assert json.loads((out / "staffing.json").read_text()) == json.loads(json.dumps(doc))
        with (out / "staffing.csv").open() as f:
            rows = list(csv.DictReader(f))
        assert [r["group"] for r in rows] == ["a", "b"]
        agents = {g["group"]: g["agents"][0] for g in doc["groups"]}
        assert {r["group"]: int(r["agents"]) for r in rows} == agents

    def test_costs_are_agents_times_rate_over_the_horizon(
        self, written: tuple[dict[str, Any], Path]
    ) -> None:
        doc, _ = written
        for g in doc["groups"]:
            assert g["cost"] == pytest.approx(g["agents"][0] * 2.0 * g["cost_per_hour_per_agent"])

    def test_the_terminal_tables_name_groups_and_targets(
        self, written: tuple[dict[str, Any], Path]
    ) -> None:
        doc, _ = written
        text = render_staffing(doc)
        assert "Staffing: tiny" in text and "voice: ASA ≤ 20 s" in text and "total" in text
        assert "KPIs at this staffing" in text


@pytest.fixture(scope="module")
def waiting_doc() -> dict[str, Any]:
    """A staffing result with calls still waiting when the run ends."""
    # the team leaves 10 minutes before the horizon and calls never give up: the
    # last calls are still waiting when the run ends, where the two used to differ
    s = scenario(
        [calls(patience=None, rate=100.0)],
        [group(count=5, shift={"start": 0, "end": 3000})],
        horizon=3600,
    )
    result = search(s, [parse_target("voice:50/20")], replications=3, workers=1, max_evaluations=2)
    assert result.evaluation is not None
    waiting = [
        c
        for r in (run_replication(result.staffed, "fifo", i) for i in range(3))
        for c in r.contacts
        if c.answered_at is None and c.arrived_at < 3600
    ]
    assert waiting  # the case under test happens
    return result_document(result)


class TestOneServiceLevel:
    """The KPI table and the target table measure service level the same way."""

    def test_the_kpi_tables_service_level_is_the_targets_achieved_value(
        self, waiting_doc: dict[str, Any]
    ) -> None:
        doc = waiting_doc
        achieved = targets_table(doc).texts()[0][1]
        voice = next(r for r in kpis_table(doc).texts() if r[0] == "voice")
        assert voice[1] == achieved
        kpi = doc["kpis"]["channel"]["voice"]["service_level"]
        check = doc["checks"][0]["estimate"]
        assert kpi["mean"] == pytest.approx(check["mean"])
        assert kpi["half_width"] == pytest.approx(check["half_width"])

    def test_a_target_at_another_threshold_is_named_under_the_kpi_table(
        self, waiting_doc: dict[str, Any]
    ) -> None:
        doc = waiting_doc
        assert "judges" not in kpis_table(doc).caption
        other = {**doc, "targets": [{**doc["targets"][0], "threshold": 30.0, "text": "v:50/30"}]}
        assert "judges v:50/30 at its own threshold" in kpis_table(other).caption


class TestCommand:
    def test_ccsim_staff_prints_and_writes_the_result(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from simulations.cli import main

        path = tmp_path / "tiny.toml"
        path.write_text(_TINY_TOML)
        code = main(
            [
                "staff",
                str(path),
                "-t",
                "voice:80/20",
                "-r",
                "2",
                "-j",
                "1",
                "--out",
                str(tmp_path / "out"),
                "--max-evaluations",
                "4",
                "--no-plots",
            ]
        )
        assert code == 0
        printed = capsys.readouterr().out
        assert "Staffing: tiny" in printed and "step  1" in printed
        log = (tmp_path / "out" / "staffing_log.jsonl").read_text().splitlines()
        assert json.loads(log[0])["step"] == 1
        with (tmp_path / "out" / "staffing_replications.csv").open() as f:
            assert {r["target"] for r in csv.DictReader(f)} == {"voice:80/20"}


_TINY_TOML = """
[simulation]
name = "tiny"
horizon = 3600
replications = 2
policy = "fifo"
compare = ["fifo"]

[channels.voice]

[[contact_types]]
name = "calls"
channel = "voice"
skills = { general = 1 }
sla_target = 20
arrivals = { kind = "poisson", rate = 100 }
handle_time = { kind = "exponential", mean = 180 }
patience = { kind = "exponential", mean = 300 }

[[agent_groups]]
name = "team"
count = 6
skills = { general = 1 }
capacity = { voice = 1 }
"""
