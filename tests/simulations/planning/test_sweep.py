"""Tests for simulations.planning.sweep: grammar, grid, parallel jobs, streaming, resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from simulations.kpi.stats import estimate
from simulations.planning.sweep import (
    Param,
    expand,
    load_sweep,
    parse_param,
    run_parallel,
    run_sweep,
)
from simulations.report.sweep import plot_sweep, sweep_table
from simulations.scenario import ScenarioError
from tests.simulations.planning_helpers import calls, scenario

COUNT = "agent_groups.team.count"


def _small() -> Any:
    return scenario([calls(rate=90.0)], horizon=3600)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _square(x: int) -> int:
    return x * x


class TestParseParam:
    def test_a_range_includes_its_stop(self) -> None:
        p = parse_param("agent_groups.voice.count=40:60:2")
        assert p.path == "agent_groups.voice.count"
        assert p.values == tuple(range(40, 61, 2))

    def test_float_ranges_and_descending_steps(self) -> None:
        assert parse_param("simulation.volume=0.8:1.2:0.2").values == (0.8, 1.0, 1.2)
        assert parse_param("x=10:4:-3").values == (10, 7, 4)

    def test_lists_read_toml_values_or_bare_strings(self) -> None:
        assert parse_param("simulation.policy=default,fifo").values == ("default", "fifo")
        assert parse_param("a.b=1, 2.5,true").values == (1, 2.5, True)
        assert parse_param("a.b=7").values == (7,)

    @pytest.mark.parametrize("text", ["count", "=1:2:1", "a=1:5:0", "a=5:1:1", "a=x:2:1", "a="])
    def test_bad_parameters_are_rejected_naming_the_text(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"sweep parameter|not a number"):
            parse_param(text)


class TestExpand:
    def test_the_grid_is_the_product_with_the_first_parameter_slowest(self) -> None:
        grid = expand(
            _small(), [parse_param(f"{COUNT}=5:6:1"), parse_param("simulation.volume=0.5,1.0")]
        )
        assert [v.assignments for v, _ in grid] == [
            ((COUNT, 5), ("simulation.volume", 0.5)),
            ((COUNT, 5), ("simulation.volume", 1.0)),
            ((COUNT, 6), ("simulation.volume", 0.5)),
            ((COUNT, 6), ("simulation.volume", 1.0)),
        ]
        assert [(s.agent_count, s.simulation.volume) for _, s in grid][1] == (5, 1.0)
        assert grid[0][0].label == f"{COUNT}=5; simulation.volume=0.5"

    def test_bad_paths_and_values_name_the_override(self) -> None:
        with pytest.raises(ScenarioError, match=r"agent_groups\.nobody\.count"):
            expand(_small(), [parse_param("agent_groups.nobody.count=1,2")])
        with pytest.raises(ScenarioError, match="count"):
            expand(_small(), [parse_param(f"{COUNT}=-1,2")])
        with pytest.raises(ValueError, match="repeat"):
            expand(_small(), [parse_param(f"{COUNT}=1"), parse_param(f"{COUNT}=2")])


class TestRunParallel:
    def test_results_arrive_through_on_done_in_any_order(self) -> None:
        got: dict[int, int] = {}
        interrupted = run_parallel(
            _square, [1, 2, 3, 4], workers=2, on_done=lambda j, r: got.__setitem__(j, r)
        )
        assert not interrupted and got == {1: 1, 2: 4, 3: 9, 4: 16}

    def test_ctrl_c_stops_and_keeps_what_finished(self) -> None:
        got: list[int] = []

        def done(job: int, result: int) -> None:
            got.append(result)
            if len(got) == 2:
                raise KeyboardInterrupt

        assert run_parallel(_square, [1, 2, 3, 4], workers=1, on_done=done)
        assert got == [1, 4]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("sweep")
    result = run_sweep(_small(), [parse_param(f"{COUNT}=3:5:2")], out, replications=3, workers=2)
    plot_sweep(result, out)
    return result, out


class TestRunSweep:
    def test_writes_the_streamed_rows_the_summary_and_plots(self, swept: tuple[Any, Path]) -> None:
        # run_sweep writes the data files, report.sweep.plot_sweep the PNGs
        result, out = swept
        names = {p.name for p in out.iterdir()}
        assert {"replications.csv", "sweep.csv", "sweep.json", "sweep_service_level.png"} <= names
        assert not result.interrupted and result.done == {0: 3, 1: 3}
        rows = _rows(out / "replications.csv")
        assert {(r["variant"], r["replication"]) for r in rows} == {
            (v, r) for v in ("0", "1") for r in ("0", "1", "2")
        }
        assert {r[COUNT] for r in rows} == {"3", "5"}

    def test_the_summary_is_the_estimate_over_the_replications(
        self, swept: tuple[Any, Path]
    ) -> None:
        result, out = swept
        rows = _rows(out / "replications.csv")
        values = [
            float(r["value"])
            for r in rows
            if (r["variant"], r["breakdown"], r["kpi"]) == ("1", "overall", "asa")
        ]
        expected = estimate(values)
        assert result.get(1, "asa").mean == pytest.approx(expected.mean)
        summary = next(
            r
            for r in _rows(out / "sweep.csv")
            if (r["variant"], r["breakdown"], r["kpi"]) == ("1", "overall", "asa")
        )
        assert float(summary["half_width"]) == pytest.approx(expected.half_width)

    def test_more_agents_answer_faster(self, swept: tuple[Any, Path]) -> None:
        result, _ = swept
        assert result.get(1, "asa").mean < result.get(0, "asa").mean

    def test_variants_share_their_customers(self, swept: tuple[Any, Path]) -> None:
        result, _ = swept
        assert result.get(0, "arrivals").mean == result.get(1, "arrivals").mean

    def test_load_sweep_reads_back_the_same_estimates(self, swept: tuple[Any, Path]) -> None:
        result, out = swept
        loaded = load_sweep(out)
        assert loaded.params == result.params
        assert loaded.get(1, "asa") == result.get(1, "asa")
        assert sweep_table(loaded, "x", ["asa"]) == sweep_table(result, "x", ["asa"])

    def test_resume_runs_only_the_missing_jobs(self, tmp_path: Path) -> None:
        params = [parse_param(f"{COUNT}=3:5:2")]
        first = run_sweep(_small(), params, tmp_path, replications=2, workers=1)
        path = tmp_path / "replications.csv"
        rows = _rows(path)
        kept = [r for r in rows if not (r["variant"] == "1" and r["replication"] == "1")]
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)
            f.write("1,cut short by a crash")  # a partial last line is dropped
        calls_seen: list[int] = []
        again = run_sweep(
            _small(),
            params,
            tmp_path,
            replications=2,
            workers=1,
            resume=True,
            on_job=lambda done, total: calls_seen.append(done),
        )
        assert calls_seen == [4]  # one job ran, the fourth of four
        assert again.get(1, "asa") == first.get(1, "asa")
        assert len(_rows(path)) == len(rows)

    def test_resume_refuses_another_sweeps_file(self, tmp_path: Path) -> None:
        run_sweep(_small(), [parse_param(f"{COUNT}=3")], tmp_path, replications=1)
        with pytest.raises(ValueError, match="different sweep"):
            run_sweep(
                _small(),
                [parse_param("simulation.volume=1.0")],
                tmp_path,
                replications=1,
                resume=True,
            )

    def test_non_numeric_parameters_plot_as_categories(self, tmp_path: Path) -> None:
        result = run_sweep(
            _small(),
            [Param("simulation.policy", ("fifo", "default"))],
            tmp_path,
            replications=2,
            workers=1,
        )
        plot_sweep(result, tmp_path)
        assert (tmp_path / "sweep_service_level.png").exists()
        assert json.loads((tmp_path / "sweep.json").read_text())["variants"][1]["values"] == {
            "simulation.policy": "default"
        }
        assert result.done == {0: 2, 1: 2}


class TestCommand:
    def test_ccsim_sweep_prints_the_table_and_writes_the_files(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from simulations.cli import main

        scenario_file = tmp_path / "tiny.toml"
        scenario_file.write_text(_TINY_TOML)
        out = tmp_path / "out"
        code = main(
            [
                "sweep",
                str(scenario_file),
                "--param",
                "agent_groups.team.count=4,6",
                "-r",
                "2",
                "-j",
                "1",
                "--out",
                str(out),
                "--no-plots",
            ]
        )
        assert code == 0
        printed = capsys.readouterr().out
        assert "Sweep: tiny" in printed
        assert {"replications.csv", "sweep.csv", "sweep.json", "meta.json"} <= {
            p.name for p in out.iterdir()
        }


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
arrivals = { kind = "poisson", rate = 80 }
handle_time = { kind = "exponential", mean = 180 }

[[agent_groups]]
name = "team"
count = 5
skills = { general = 1 }
capacity = { voice = 1 }
"""


def _fail(x: int) -> int:
    if x == 3:
        raise ValueError(f"job {x} failed")
    return x


def test_a_failing_job_stops_the_run_with_its_error() -> None:
    with pytest.raises(ValueError, match="job 3 failed"):
        run_parallel(_fail, [1, 2, 3, 4], workers=2, on_done=lambda j, r: None)
