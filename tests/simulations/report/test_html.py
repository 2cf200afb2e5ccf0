"""Tests for simulations.report.html: a self-contained page per kind of result, and that
headless Chromium renders it (tables in the DOM, embedded plots on screen)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simulations.cli import main
from simulations.planning.staffing import search
from simulations.planning.sweep import parse_param, run_sweep
from simulations.planning.targets import parse_target
from simulations.report.html import Page, page_for, write_html
from simulations.report.staffing import write_staffing
from simulations.report.sweep import plot_sweep
from simulations.report.table import Cell, table
from tests.simulations.planning_helpers import calls, scenario

CHROMIUM = shutil.which("chromium")
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (apt-get install chromium chromium-driver); "
    "CI installs it",
)
TINY = Path(__file__).parents[1] / "scenarios" / "tiny.toml"


def _red_png() -> bytes:
    """A PNG that is pure red, to find on the screenshot."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2), facecolor=(1.0, 0.0, 0.0))
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50, facecolor=(1.0, 0.0, 0.0))
    return buffer.getvalue()


def _external_references(text: str) -> list[str]:
    return re.findall(r'(?:src|href)="(?!data:)([^"]*)"', text)


class TestPage:
    def test_text_is_escaped_and_images_are_embedded(self, tmp_path: Path) -> None:
        page = Page("Q3 <plan>", "a & b")
        page.table(table("<b>", ["KPI", "value"], [["<script>", Cell("80.0%", "good")]]))
        page.image(_red_png(), "red")
        svg = tmp_path / "p.svg"
        svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
        page.image(svg, "vector")
        text = page.render()
        assert "Q3 &lt;plan&gt;" in text and "a &amp; b" in text
        assert "&lt;script&gt;" in text and "<script" not in text and "&lt;b&gt;" in text
        assert 'class="num good"' in text
        assert "data:image/png;base64," in text and "data:image/svg+xml;base64," in text
        assert _external_references(text) == []

    def test_an_empty_directory_is_an_error_naming_it(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=str(tmp_path)):
            page_for(tmp_path)
        assert main(["report", str(tmp_path)]) == 2


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory holding a run, a staffing result and a sweep of the tiny centre."""
    out = tmp_path_factory.mktemp("results")
    s = scenario([calls(rate=90.0)], horizon=3600)
    staffed = search(s, [parse_target("voice:80/20")], replications=2, workers=1, max_evaluations=3)
    write_staffing(staffed, out)
    swept = run_sweep(
        s, [parse_param("agent_groups.team.count=4,6")], out, replications=2, workers=1
    )
    plot_sweep(swept, out)
    assert (
        main(
            [
                "run",
                str(TINY),
                "-r",
                "2",
                "-q",
                "-j",
                "1",
                "--out",
                str(out),
                "--html",
                str(out / "run.html"),
            ]
        )
        == 0
    )
    return out


class TestReports:
    def test_run_report_holds_the_kpi_table_and_plots(self, results: Path) -> None:
        text = (results / "run.html").read_text()
        assert "Policy comparison" in text and "Service level" in text
        assert "Δ default − fifo" in text
        assert text.count("data:image/png;base64,") >= 2
        assert _external_references(text) == []

    def test_one_page_covers_every_result_in_the_directory(self, results: Path) -> None:
        path = write_html(results)
        text = path.read_text()
        for heading in ("Staffing", "Targets", "Sweep", "Policy comparison"):
            assert f">{heading}<" in text
        assert "voice: service level ≥ 80% in 20 s" in text
        assert "Search history" in text and "KPIs at this staffing" in text

    def test_ccsim_report_writes_the_page(
        self, results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        target = tmp_path / "nested" / "page.html"
        assert main(["report", str(results), "--out", str(target), "--title", "Plan A"]) == 0
        assert "<title>Plan A</title>" in target.read_text()
        assert str(target) in capsys.readouterr().out


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@NEEDS_CHROMIUM
class TestHeadlessChromium:
    def test_the_dom_holds_the_report_tables(self, results: Path, tmp_path: Path) -> None:
        page = write_html(results, tmp_path / "report.html")
        done = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
        assert done.returncode == 0, done.stderr[-2000:]
        dom = done.stdout
        assert "<table>" in dom and "Search history" in dom
        assert "voice: service level ≥ 80% in 20 s" in dom
        assert dom.count('src="data:image/png;base64,') >= 3

    def test_the_screenshot_shows_the_embedded_plot(self, tmp_path: Path) -> None:
        import numpy as np
        from matplotlib.image import imread

        page = Page("Render check")
        page.table(table("", ["check", "value"], [["table text", "42"]]))
        page.image(_red_png(), "a red plot")
        path = page.write(tmp_path / "page.html")
        shot = tmp_path / "shot.png"
        done = _chromium(f"--screenshot={shot}", path.as_uri(), profile=tmp_path / "profile")
        assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
        pixels = np.asarray(imread(shot))[..., :3]
        assert pixels.std() > 0.05  # not blank
        red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.1) & (pixels[..., 2] < 0.1)
        assert red.sum() > 1000  # the data-URI image decoded and was drawn
