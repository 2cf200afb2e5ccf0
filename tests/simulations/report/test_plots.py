"""Tests for simulations.report.plots: the one figure helper."""

from __future__ import annotations

import math
from pathlib import Path

from simulations.kpi.stats import Estimate
from simulations.report import plots


class TestFigure:
    def test_save_creates_the_directory_and_writes_a_png(self, tmp_path: Path) -> None:
        fig = plots.figure(rows=2, height=3.0)
        assert tuple(fig.get_size_inches()) == (9.0, 6.0)
        path = plots.save(fig, tmp_path / "new", "x.png")
        assert path == tmp_path / "new" / "x.png"
        assert path.read_bytes().startswith(b"\x89PNG")

    def test_axis_labels_carry_the_unit(self) -> None:
        assert plots.axis_label("service_level") == "Service level (%)"
        assert plots.axis_label("asa") == "ASA (s)"
        assert plots.axis_label("cost_per_contact") == "Cost per contact"


class TestBand:
    def test_a_rate_band_stays_within_0_and_100_and_a_gap_stays_a_gap(self) -> None:
        ax = plots.figure().add_subplot()
        ests = [Estimate(0.95, 0.1, 3), None, Estimate(0.5, None, 1)]
        plots.band(ax, [0.0, 1.0, 2.0], ests, "service_level", "p")
        (line,) = ax.get_lines()
        ys = list(line.get_ydata())
        assert ys[0] == 95.0 and math.isnan(ys[1]) and ys[2] == 50.0
        (_, top) = ax.collections[0].get_paths()[0].get_extents().intervaly
        assert top <= 100.0


class TestBars:
    def test_bars_scale_rates_and_draw_the_ci(self) -> None:
        ax = plots.figure().add_subplot()
        plots.bars(ax, ["a", "b"], [Estimate(0.8, 0.05, 3), None], "fcr")
        heights = [p.get_height() for p in ax.patches]
        assert heights[0] == 80.0 and math.isnan(heights[1])
