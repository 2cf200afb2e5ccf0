"""Tests for simulations.errors: the tree, and that entry points raise from it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import simulations
from simulations import (
    InvalidArgumentError,
    MissingResultsError,
    ResultsError,
    ScenarioError,
    SimulationError,
    SpecError,
    UnknownNameError,
    bundled_scenarios,
    load_scenario,
    run_experiment,
)
from simulations.kpi.stats import estimate
from simulations.planning.sweep import load_sweep, parse_param
from simulations.planning.targets import parse_target
from simulations.report.html import write_html


class TestTree:
    @pytest.mark.parametrize(
        ("error", "builtin"),
        [
            (InvalidArgumentError, ValueError),
            (SpecError, ValueError),
            (ScenarioError, ValueError),
            (UnknownNameError, KeyError),
            (ResultsError, ValueError),
            (MissingResultsError, FileNotFoundError),
        ],
    )
    def test_every_error_is_a_simulation_error_and_its_builtin(
        self, error: type[Exception], builtin: type[Exception]
    ) -> None:
        assert issubclass(error, SimulationError)
        assert issubclass(error, builtin)

    def test_scenario_error_is_a_spec_error(self) -> None:
        assert issubclass(ScenarioError, SpecError)

    def test_the_docstring_draws_every_error(self) -> None:
        doc = simulations.errors.__doc__ or ""
        for name in simulations.errors.__all__:
            assert name in doc, name

    def test_unknown_name_prints_its_message_unquoted(self) -> None:
        assert str(UnknownNameError("unknown policy 'x'")) == "unknown policy 'x'"

    def test_spec_errors_survive_pickling(self) -> None:
        error = ScenarioError("a.toml", "simulation.horizon", "must be > 0")
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), str(back)) == (ScenarioError, str(error))


class TestEntryPointsRaiseFromTheTree:
    def test_a_scenario_file_that_does_not_parse(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.toml"
        bad.write_text("[simulation\n")
        with pytest.raises(ScenarioError, match=r"bad\.toml"):
            load_scenario(bad)

    def test_an_unknown_policy(self) -> None:
        scenario = load_scenario(bundled_scenarios()["mmc"])
        with pytest.raises(SimulationError, match="unknown policy 'nope'"):
            run_experiment(scenario, ["nope"], replications=1)
        with pytest.raises(UnknownNameError):
            scenario.policy("nope")

    def test_bad_counts(self) -> None:
        scenario = load_scenario(bundled_scenarios()["mmc"])
        with pytest.raises(InvalidArgumentError, match="replications 0"):
            run_experiment(scenario, replications=0)

    @pytest.mark.parametrize("text", ["voice:80", "asa:voice<=0", "sl:voice:180%/20"])
    def test_a_target_that_does_not_parse(self, text: str) -> None:
        with pytest.raises(InvalidArgumentError, match="target"):
            parse_target(text)

    def test_a_sweep_parameter_that_does_not_parse(self) -> None:
        with pytest.raises(InvalidArgumentError, match="sweep parameter"):
            parse_param("agent_groups.agents.count")

    def test_an_estimate_of_nothing(self) -> None:
        with pytest.raises(InvalidArgumentError):
            estimate([])

    def test_a_folder_with_no_results(self, tmp_path: Path) -> None:
        with pytest.raises(MissingResultsError):
            write_html(tmp_path, tmp_path / "r.html")

    def test_a_file_that_is_not_a_sweep(self, tmp_path: Path) -> None:
        (tmp_path / "sweep.json").write_text('{"kind": "staffing"}')
        with pytest.raises(ResultsError, match="not a sweep"):
            load_sweep(tmp_path)
