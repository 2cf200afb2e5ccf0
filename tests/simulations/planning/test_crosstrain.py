"""Tests for simulations.planning.crosstrain and the bundled crosstrain scenario."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from simulations.planning.crosstrain import (
    Pattern,
    build_pattern,
    patterns,
    primary_skills,
    run_crosstrain,
)
from simulations.report.crosstrain import crosstrain_table, plot_crosstrain
from simulations.scenario import Scenario, apply_override, bundled_scenarios, load_scenario
from tests.simulations.planning_helpers import calls, group, scenario


def _bundled() -> Scenario:
    return load_scenario(bundled_scenarios()["crosstrain"])


def _three() -> Scenario:
    """Three call types, one small specialist team each, half an hour."""
    return scenario(
        [
            calls("a", skill="a", rate=60.0, handle=120.0),
            calls("b", skill="b", rate=30.0, handle=120.0),
            calls("c", skill="c", rate=20.0, handle=120.0),
        ],
        [
            group("team_a", 3, skills={"a": 3}),
            group("team_b", 2, skills={"b": 3}),
            group("team_c", 1, skills={"c": 3}),
        ],
        horizon=1800,
    )


class TestBundledScenario:
    def test_loads_with_one_specialist_team_per_skill(self) -> None:
        s = _bundled()
        assert [skill for _, skill in primary_skills(s)] == [
            "billing",
            "payments",
            "moving",
            "outages",
        ]
        assert all(g.cost_per_hour > 0 for g in s.agent_groups)

    def test_compares_every_pattern_without_a_budget(self) -> None:
        names = [p.name for p in patterns(_bundled())]
        assert names == ["dedicated", "chain-2", "chain-3", "full"]


class TestPatterns:
    def test_the_budget_limits_the_patterns(self) -> None:
        s = _three()
        assert [p.name for p in patterns(s, 1)] == ["dedicated"]
        assert [p.name for p in patterns(s, 2)] == ["dedicated", "chain-2"]
        assert [p.name for p in patterns(s, 3)] == ["dedicated", "chain-2", "full"]
        with pytest.raises(ValueError, match="at least 1"):
            patterns(s, 0)

    def test_a_chain_adds_the_next_groups_skill_at_the_secondary_level(self) -> None:
        built = build_pattern(_three(), Pattern("chain-2", 2, ""), secondary_level=2)
        assert [dict(g.skills) for g in built.agent_groups] == [
            {"a": 3, "b": 2},
            {"b": 3, "c": 2},
            {"c": 3, "a": 2},  # wraps round: the chain is closed
        ]

    def test_full_flexibility_gives_every_skill(self) -> None:
        built = build_pattern(_three(), Pattern("full", 3, ""), secondary_level=1)
        assert all(set(g.skills) == {"a", "b", "c"} for g in built.agent_groups)
        assert [g.skills["a"] for g in built.agent_groups] == [3, 1, 1]

    def test_staff_and_shifts_are_kept_and_the_premium_is_charged(self) -> None:
        s = _three()
        built = build_pattern(s, Pattern("chain-2", 2, ""), premium_per_skill=0.1)
        assert [g.count for g in built.agent_groups] == [g.count for g in s.agent_groups]
        assert [g.cost_per_hour for g in built.agent_groups] == [pytest.approx(22.0)] * 3
        assert built.contact_types == s.contact_types

    def test_learned_skills_bring_their_channel(self) -> None:
        s = scenario(
            [calls("a", skill="a"), calls("b", skill="b", channel="chat")],
            [
                group("team_a", 2, skills={"a": 3}),
                group("team_b", 2, skills={"b": 3}, capacity={"chat": 2}),
            ],
            channels=("voice", "chat"),
        )
        built = build_pattern(s, Pattern("full", 2, ""))
        assert dict(built.agent_groups[0].capacity) == {"voice": 1, "chat": 2}

    def test_groups_that_are_not_specialists_are_rejected(self) -> None:
        s = _three()
        generalists = attrs.evolve(
            s,
            agent_groups=(
                attrs.evolve(s.agent_groups[0], skills={"a": 3, "b": 3}),
                *s.agent_groups[1:],
            ),
        )
        with pytest.raises(ValueError, match="team_a"):
            primary_skills(generalists)
        with pytest.raises(ValueError, match="within 1-5"):
            build_pattern(s, Pattern("full", 3, ""), secondary_level=0)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("crosstrain")
    result = run_crosstrain(
        _three(),
        out,
        skills_per_agent=2,
        replications=3,
        staffing_replications=2,
        max_evaluations=4,
        workers=1,
    )
    plot_crosstrain(result.as_dict(), out)
    return result, out


class TestRunCrosstrain:
    def test_reports_every_kpi_for_every_pattern(self, compared: tuple[Any, Path]) -> None:
        result, _ = compared
        assert [p.name for p in result.patterns] == ["dedicated", "chain-2"]
        for name in ("dedicated", "chain-2"):
            assert {"service_level", "asa", "fcr", "aht"} <= set(result.estimates[name])

    def test_patterns_face_the_same_customers(self, compared: tuple[Any, Path]) -> None:
        _, out = compared
        rows = list(csv.DictReader((out / "crosstrain_replications.csv").read_text().splitlines()))
        offered = {
            (r["pattern"], r["replication"]): r["value"] for r in rows if r["kpi"] == "arrivals"
        }
        for r in ("0", "1", "2"):
            assert offered["dedicated", r] == offered["chain-2", r]

    def test_pooling_shortens_the_wait(self, compared: tuple[Any, Path]) -> None:
        result, _ = compared
        asa = {name: kpis["asa"].mean for name, kpis in result.estimates.items()}
        assert asa["chain-2"] < asa["dedicated"]

    def test_staff_needed_comes_from_a_staffing_search_per_pattern(
        self, compared: tuple[Any, Path]
    ) -> None:
        result, out = compared
        assert set(result.staffing) == {"dedicated", "chain-2"}
        doc = json.loads((out / "crosstrain.json").read_text())
        assert doc == json.loads(json.dumps(result.as_dict()))
        for row in doc["patterns"]:
            assert row["staff_needed"] == result.staffing[row["pattern"]].total_agents

    def test_writes_the_tidy_csv_and_the_plot(self, compared: tuple[Any, Path]) -> None:
        _, out = compared
        rows = list(csv.DictReader((out / "crosstrain.csv").read_text().splitlines()))
        assert {(r["pattern"], r["kpi"]) for r in rows} >= {
            ("dedicated", "fcr"),
            ("chain-2", "staff_needed"),
        }
        assert (out / "crosstrain.png").read_bytes().startswith(b"\x89PNG")

    def test_the_table_has_one_row_per_pattern(self, compared: tuple[Any, Path]) -> None:
        result, _ = compared
        t = crosstrain_table(result.as_dict())
        assert t.header[:3] == ["pattern", "skills/agent", "agents"] and "staff needed" in t.header
        assert [r[0] for r in t.texts()] == ["dedicated", "chain-2"]


class TestCommand:
    def test_ccsim_crosstrain_on_the_bundled_scenario(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from simulations.cli import main

        short = apply_override(_bundled(), "simulation.horizon", 1800)
        path = tmp_path / "short.toml"
        path.write_text(_toml(short))
        out = tmp_path / "out"
        code = main(
            [
                "crosstrain",
                str(path),
                "-k",
                "2",
                "-r",
                "2",
                "-j",
                "1",
                "--no-staffing",
                "--no-plots",
                "--out",
                str(out),
            ]
        )
        assert code == 0
        assert "Cross-training: crosstrain" in capsys.readouterr().out
        assert {"crosstrain.json", "crosstrain.csv", "crosstrain_replications.csv"} <= {
            p.name for p in out.iterdir()
        }


def _toml(s: Scenario) -> str:
    """The bundled file with a shorter horizon (tomllib cannot write)."""
    text = bundled_scenarios()["crosstrain"].read_text()
    return text.replace("horizon = 28800", f"horizon = {int(s.simulation.horizon)}")
