"""The benchmarks' quick smoke mode runs, exits 0 and writes a well-formed report.

One ``run_all.py --quick`` in a subprocess (about five seconds) is shared by the tests
of :class:`TestQuickRun`; it writes into a temporary folder, never ``results/``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = (
    "bench_churn",
    "bench_durable",
    "bench_estimate_wait",
    "bench_router",
    "bench_simulator",
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str]:
    """Exit status, output folder and printed text of one quick run."""
    out = tmp_path_factory.mktemp("benchmarks")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return done.returncode, out, done.stdout + done.stderr


def report(out: Path) -> dict[str, Any]:
    (path,) = out.glob("*-quick.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


class TestQuickRun:
    def test_exits_zero(self, quick_run: tuple[int, Path, str]) -> None:
        status, _, text = quick_run
        assert status == 0, text[-3000:]

    def test_every_script_ran_and_reported(self, quick_run: tuple[int, Path, str]) -> None:
        data = report(quick_run[1])
        assert data["mode"] == "quick"
        assert data["status"] == dict.fromkeys(SCRIPTS, "ok")
        assert set(data["benchmarks"]) == set(SCRIPTS)

    def test_figures_are_numbers_with_a_status(self, quick_run: tuple[int, Path, str]) -> None:
        for name, payload in report(quick_run[1])["benchmarks"].items():
            figures = payload["figures"]
            assert figures, name
            for fig in figures:
                assert isinstance(fig["value"], int | float), fig
                assert fig["status"] in ("", "PASS", "MISS"), fig
            targets = [fig for fig in figures if fig["status"]]
            assert targets, f"{name} checks no target"
            assert all(math.isfinite(fig["value"]) for fig in targets), name

    def test_records_the_machine(self, quick_run: tuple[int, Path, str]) -> None:
        machine = report(quick_run[1])["machine"]
        assert machine["nproc"] >= 1
        assert machine["python"] and machine["cpu"]
        assert isinstance(machine["loadavg_1_5_15"], list)

    def test_writes_markdown_and_the_cost_plot(self, quick_run: tuple[int, Path, str]) -> None:
        out = quick_run[1]
        (markdown,) = out.glob("*-quick.md")
        text = markdown.read_text(encoding="utf-8")
        assert "| figure | value | target | status |" in text
        assert (out / "router_cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def test_router_curve_covers_every_size(self, quick_run: tuple[int, Path, str]) -> None:
        curve = report(quick_run[1])["benchmarks"]["bench_router"]["curve"]
        assert len(curve) >= 2
        assert all(point["lifecycle_us"] > 0 and point["heap_pair_ns"] > 0 for point in curve)


class TestReportPlace:
    @pytest.fixture
    def run_all(self, monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        import run_all

        return run_all

    def test_quick_run_defaults_away_from_results(self, run_all: Any) -> None:
        out = run_all.default_out(quick=True)
        assert out.resolve() != run_all.RESULTS.resolve()
        out.rmdir()

    def test_full_run_defaults_to_results(self, run_all: Any) -> None:
        assert run_all.default_out(quick=False) == run_all.RESULTS

    def test_a_second_report_on_the_same_day_gets_a_new_name(
        self, run_all: Any, tmp_path: Path
    ) -> None:
        first = run_all.report_stem(tmp_path, quick=False)
        (tmp_path / f"{first}.json").write_text("{}")
        second = run_all.report_stem(tmp_path, quick=False)
        assert second == f"{first}-2"
        assert run_all.report_stem(tmp_path, quick=True).endswith("-quick")


SMALL_AB = ("--size", "200", "--chunks", "4", "--chunk", "300")


def test_ab_router_compares_two_checkouts() -> None:
    """``ab_router.py`` against this very checkout: both sides run, the ratio is near 1."""
    root = BENCHMARKS.parent
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "ab_router.py"), str(root), *SMALL_AB],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert sum(f"routing from {root / 'routing'}" in line for line in lines) == 2, lines
    (ratio_line,) = [line for line in lines if line.startswith("A/B per-chunk ratio")]
    ratio = float(ratio_line.split("median ")[1].split()[0])
    assert 0.3 < ratio < 3.0, ratio_line  # the same code: far from either bound


def test_ab_router_rejects_a_folder_without_routing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "ab_router.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "has no routing/ package" in done.stderr
