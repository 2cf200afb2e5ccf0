"""The one figure helper: every PNG of :mod:`simulations.report` is drawn here.

Plots draw on an explicit Agg canvas, never through ``pyplot``: no global state, no
display needed, safe in threads. matplotlib is imported only when a figure is made.
A KPI's values are scaled by its unit (rates as percentages) and labelled with it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulations.kpi.stats import Estimate
from simulations.report.format import kpi_info, scale

__all__ = ["axis_label", "band", "bars", "figure", "save"]


def figure(rows: int = 1, *, height: float = 4.0, width: float = 9.0) -> Any:
    """A figure of ``width`` by ``height`` inches per row, laid out by constraint."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, out_dir: str | os.PathLike[str], name: str) -> Path:
    """Write ``fig`` as ``out_dir/name`` (the directory is created) at 100 dpi."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=100)
    return path


def axis_label(kpi: str) -> str:
    """The KPI's label with its unit: ``Service level (%)``, ``ASA (s)``."""
    info = kpi_info(kpi)
    return info.label + {"rate": " (%)", "seconds": " (s)"}.get(info.unit, "")


def band(
    ax: Any, xs: Sequence[float], estimates: Sequence[Estimate | None], kpi: str, label: str
) -> None:
    """A line of means with its CI as a shaded band; an undefined point is a gap, a
    rate's band stays within 0-100 %."""
    info = kpi_info(kpi)
    k = scale(info.unit)
    low, high = (0.0, 1.0) if info.unit == "rate" else (-math.inf, math.inf)
    points = []
    for e in estimates:
        if e is None:
            points.append((math.nan, math.nan, math.nan))
        else:
            hw = e.half_width or 0.0
            points.append((e.mean, max(low, e.mean - hw), min(high, e.mean + hw)))
    ys, lows, highs = ([p[i] * k for p in points] for i in range(3))
    (line,) = ax.plot(xs, ys, marker="o", markersize=3, label=label)
    ax.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.2, linewidth=0)


def bars(
    ax: Any,
    names: Sequence[str],
    estimates: Sequence[Estimate | None],
    kpi: str,
    *,
    color: str = "tab:blue",
    alpha: float = 0.8,
    capsize: float = 6,
) -> None:
    """One bar per name at the mean, with the CI as an error bar (none when undefined)."""
    k = scale(kpi_info(kpi).unit)
    means = [math.nan if e is None else e.mean * k for e in estimates]
    errors = [0.0 if e is None else (e.half_width or 0.0) * k for e in estimates]
    ax.bar(names, means, yerr=errors, capsize=capsize, color=color, alpha=alpha)
