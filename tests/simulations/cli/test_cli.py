"""The ``ccsim`` command: run, compare, validate and scenarios, called through
``main(argv)`` (and once as ``python -m simulations``) on tiny scenarios."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulations.cli import main
from simulations.experiment import run_experiment
from simulations.scenario import bundled_scenarios, load_scenario

SCENARIOS = Path(__file__).parents[1] / "scenarios"
TINY = SCENARIOS / "tiny.toml"
BAD = SCENARIOS / "bad_level.toml"
REPORT_FILES = {
    "summary.json",
    "summary.csv",
    "differences.csv",
    "contacts.csv",
    "agents.csv",
    "queue_samples.csv",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, Path]:
    """``ccsim run tiny.toml -r 2 -q --out DIR --json FILE``, run once for the class."""
    base = tmp_path_factory.mktemp("run")
    out, json_file = base / "report", base / "elsewhere" / "kpis.json"
    argv = ["run", str(TINY), "-r", "2", "-q", "-j", "1"]
    code = main([*argv, "--out", str(out), "--json", str(json_file)])
    return code, out, json_file


class TestRun:
    def test_quiet_run_exits_0_and_prints_nothing(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(TINY), "-r", "1", "-q", "-j", "1"]) == 0
        assert capsys.readouterr() == ("", "")

    def test_out_writes_the_report_files_and_plots(self, run_out: tuple[int, Path, Path]) -> None:
        code, out, _ = run_out
        assert code == 0
        names = {p.name for p in out.iterdir()}
        assert names >= REPORT_FILES
        assert any(name.endswith(".png") for name in names)

    def test_json_file_holds_both_policies_and_the_comparison(
        self, run_out: tuple[int, Path, Path]
    ) -> None:
        _, out, json_file = run_out
        document = json.loads(json_file.read_text())
        assert [s["policy"] for s in document["summaries"]] == ["default", "fifo"]
        assert [s["replications"] for s in document["summaries"]] == [[0, 1], [0, 1]]
        assert [(c["baseline"], c["candidate"]) for c in document["comparisons"]] == [
            ("fifo", "default")
        ]
        assert document == json.loads((out / "summary.json").read_text())

    def test_csvs_hold_the_experiment_records_and_estimates(
        self, run_out: tuple[int, Path, Path]
    ) -> None:
        _, out, _ = run_out
        expected = run_experiment(load_scenario(TINY), replications=2)
        contacts = _rows(out / "contacts.csv")
        assert len(contacts) == sum(len(r.contacts) for r in expected.results)
        assert {(int(c["replication"]), c["policy"]) for c in contacts} == {
            (r, p) for r in (0, 1) for p in ("default", "fifo")
        }
        assert len(_rows(out / "agents.csv")) == 2 * 2 * 4
        summary = _rows(out / "summary.csv")
        asa = next(
            r
            for r in summary
            if (r["policy"], r["breakdown"], r["kpi"]) == ("fifo", "overall", "asa")
        )
        estimate = expected.summaries["fifo"].get("asa")
        assert estimate is not None and float(asa["mean"]) == pytest.approx(estimate.mean)
        assert int(asa["n"]) == 2
        differences = _rows(out / "differences.csv")
        assert {(d["baseline"], d["candidate"]) for d in differences} == {("fifo", "default")}

    def test_json_next_to_the_report_leaves_its_summary_json(self, tmp_path: Path) -> None:
        argv = ["run", str(TINY), "-r", "1", "-q", "-j", "1", "--no-plots"]
        assert main([*argv, "--out", str(tmp_path), "--json", str(tmp_path / "kpis.json")]) == 0
        assert (tmp_path / "summary.json").exists()
        assert json.loads((tmp_path / "kpis.json").read_text()) == json.loads(
            (tmp_path / "summary.json").read_text()
        )
        assert not any(p.name.startswith("tmp") for p in tmp_path.iterdir())

    def test_no_plots_writes_no_png(self, tmp_path: Path) -> None:
        argv = ["run", str(TINY), "-r", "1", "-q", "-j", "1", "--no-plots", "--out", str(tmp_path)]
        assert main(argv) == 0
        names = {p.name for p in tmp_path.iterdir()}
        assert names == REPORT_FILES

    def test_a_verbose_run_prints_the_kpi_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(TINY), "-r", "2", "-j", "1"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("tiny: Tiny test centre")
        assert "2 policies x 2 replications, 4 agents, 1 worker(s)" in out
        assert "default" in out and "fifo" in out and "simulated contacts in" in out

    def test_zero_replications_is_an_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(TINY), "-r", "0", "-q", "-j", "1"]) == 2
        assert capsys.readouterr().err == "ccsim: error: replications 0 must be at least 1\n"

    def test_an_unknown_policy_is_an_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(TINY), "-p", "nope", "-q", "-j", "1"]) == 2
        err = capsys.readouterr().err
        assert err == "ccsim: error: unknown policy 'nope' (known: default, fifo)\n"

    def test_a_missing_file_is_an_error_naming_it(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        missing = tmp_path / "missing.toml"
        assert main(["run", str(missing), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("ccsim: error: ") and str(missing) in err


class TestCompare:
    def test_compare_uses_the_given_policies_and_baseline(self, tmp_path: Path) -> None:
        json_file = tmp_path / "cmp.json"
        argv = ["compare", str(TINY), "-p", "fifo", "-p", "default", "--baseline", "default"]
        assert main([*argv, "-r", "2", "-q", "-j", "1", "--json", str(json_file)]) == 0
        document = json.loads(json_file.read_text())
        assert [s["policy"] for s in document["summaries"]] == ["fifo", "default"]
        assert [(c["baseline"], c["candidate"]) for c in document["comparisons"]] == [
            ("default", "fifo")
        ]

    def test_compare_requires_a_policy(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as exit_info:
            main(["compare", str(TINY)])
        assert exit_info.value.code == 2
        assert "--policy" in capsys.readouterr().err


class TestValidate:
    def test_good_files_and_bundled_names_are_ok(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", str(TINY), "mmc"]) == 0
        assert capsys.readouterr().out.splitlines() == [
            f"{TINY}: ok (2 contact types, 4 agents)",
            "mmc: ok (1 contact types, 33 agents)",
        ]

    def test_a_bad_file_exits_2_naming_file_and_field(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", str(BAD)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            f"ccsim: error: {BAD}: agent_groups[0].skills.general: level 7 is outside 1-5\n"
        )

    def test_invalid_toml_exits_2_naming_the_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        broken = tmp_path / "broken.toml"
        broken.write_text("[simulation\nname = 'x'\n")
        assert main(["validate", str(broken)]) == 2
        assert capsys.readouterr().err.startswith(f"ccsim: error: {broken}: invalid TOML")


class TestScenarios:
    def test_lists_every_bundled_scenario_with_its_description(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["scenarios"]) == 0
        lines = capsys.readouterr().out.splitlines()
        bundled = sorted(bundled_scenarios())
        assert {"default", "large", "mmc"} <= set(bundled)
        assert [line.split()[0] for line in lines] == bundled
        mmc = load_scenario(bundled_scenarios()["mmc"])
        assert lines[bundled.index("mmc")].endswith(mmc.simulation.description)


def test_python_m_simulations_runs_the_bundled_mmc(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "simulations", "run", "mmc", "-r", "1", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
