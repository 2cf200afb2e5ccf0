"""Sweep results out: the table (``ccsim sweep`` prints it, the HTML report shows it)
and the plots against the first parameter.

:func:`~simulations.planning.sweep.run_sweep` writes the data (``replications.csv``,
``sweep.csv``, ``sweep.json``); this module draws from its
:class:`~simulations.planning.sweep.SweepResult`, live or read back with
:func:`~simulations.planning.sweep.load_sweep`:

* ``sweep_<kpi>.png``, one per KPI of :data:`PLOT_KPIS` that has data, against the
  first parameter with CI bands: one line per channel for a one-parameter sweep, else
  one line per combination of the other parameters.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from simulations.kpi.metrics import OVERALL
from simulations.kpi.stats import Estimate
from simulations.planning.sweep import SweepResult, Variant, value_text
from simulations.report import plots
from simulations.report.format import estimate_text, kpi_info
from simulations.report.table import Table, table

__all__ = ["PLOT_KPIS", "TABLE_KPIS", "plot_sweep", "sweep_table"]

PLOT_KPIS = (
    "service_level",
    "asa",
    "abandonment_rate",
    "occupancy",
    "fcr",
    "aht",
    "cost_per_contact",
)
"""KPIs :func:`plot_sweep` draws when present."""


def _numeric(values: Iterable[object]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _series(result: SweepResult, kpi: str) -> Iterator[tuple[str, list[tuple[int, Estimate]]]]:
    """Lines to draw: ``(label, [(variant index, estimate)])``."""
    first, rest = result.params[0], result.params[1:]
    if not rest:
        keys = sorted({k for (_, b, k, q) in result.estimates if b == "channel" and q == kpi})
        lines = [(OVERALL, "all", "all")] + [("channel", k, k) for k in keys]
        if len(keys) <= 1:
            lines = lines[:1]
        for breakdown, key, label in lines:
            points = [
                (v.index, e)
                for v in result.variants
                if (e := result.get(v.index, kpi, breakdown, key)) is not None
            ]
            if points:
                yield label, points
        return
    groups: dict[tuple[object, ...], list[Variant]] = {}
    for v in result.variants:
        groups.setdefault(tuple(x for p, x in v.assignments if p != first.path), []).append(v)
    for combo, members in groups.items():
        label = ", ".join(
            f"{p.path.rsplit('.', 1)[-1]}={value_text(x)}" for p, x in zip(rest, combo, strict=True)
        )
        points = [(v.index, e) for v in members if (e := result.get(v.index, kpi)) is not None]
        if points:
            yield label, points


def plot_sweep(
    result: SweepResult, out_dir: str | os.PathLike[str], kpis: Sequence[str] = PLOT_KPIS
) -> list[Path]:
    """One PNG per KPI against the first parameter, with CI bands (see module docs)."""
    first = result.params[0]
    numeric = _numeric(first.values)
    positions = {v: i for i, v in enumerate(first.values)} if not numeric else {}
    variants = {v.index: v for v in result.variants}
    paths = []
    for kpi in kpis:
        series = list(_series(result, kpi))
        if not series:
            continue
        fig = plots.figure(height=4.5)
        ax = fig.add_subplot()
        for label, points in series:
            xs: list[float] = []
            for index, _ in points:
                x = variants[index].value(first.path)
                xs.append(float(x) if numeric else float(positions[x]))  # type: ignore[arg-type]
            plots.band(ax, xs, [e for _, e in points], kpi, label)
        if not numeric:
            ax.set_xticks(range(len(first.values)), [value_text(v) for v in first.values])
        name = kpi_info(kpi).label
        ax.set(
            xlabel=first.path, ylabel=plots.axis_label(kpi), title=f"{name} vs {first.path}, 95% CI"
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        paths.append(plots.save(fig, out_dir, f"sweep_{kpi}.png"))
    return paths


TABLE_KPIS = ("service_level", "asa", "abandonment_rate", "occupancy", "cost_per_contact")
"""Overall KPIs :func:`sweep_table` shows when present, in this order."""


def sweep_table(result: SweepResult, name: str, kpis: Sequence[str] = TABLE_KPIS) -> Table:
    """One row per variant: its parameter values, finished replications ``n`` and the
    overall KPIs ``mean ± half-width``; ``name`` is the scenario's."""
    header = [*(p.path.rsplit(".", 1)[-1] for p in result.params), "n"]
    shown = [k for k in kpis if any(result.get(v.index, k) for v in result.variants)]
    header += [kpi_info(k).label for k in shown]
    rows = [
        [
            *(value_text(x) for _, x in v.assignments),
            str(result.done.get(v.index, 0)),
            *(estimate_text(result.get(v.index, k), k) for k in shown),
        ]
        for v in result.variants
    ]
    caption = "overall KPIs, mean ± half-width of the 95% CI; n = replications finished"
    return table(f"Sweep: {name}", header, rows, caption=caption, labels=len(result.params))
