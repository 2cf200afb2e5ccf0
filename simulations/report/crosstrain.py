"""Cross-training results out: the pattern tables and ``crosstrain.png``.

Both read the document of :meth:`~simulations.planning.crosstrain.CrossTrainResult.as_dict`
(what ``crosstrain.json`` holds), so a saved result draws the same as a live one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulations.planning.crosstrain import COMPARED_KPIS
from simulations.report import plots
from simulations.report.format import UNDEFINED, estimate_of, estimate_text, kpi_info, number
from simulations.report.table import Column, Table, table

__all__ = ["crosstrain_table", "patterns_table", "plot_crosstrain"]


def crosstrain_table(doc: Mapping[str, Any]) -> Table:
    """One row per pattern: KPIs ``mean ± half-width`` and, after the staffing
    searches, the staff and cost each pattern needs."""
    header = ["pattern", "skills/agent", "agents"]
    header += [kpi_info(k).label for k in COMPARED_KPIS]
    staffed = any("staff_needed" in p for p in doc["patterns"])
    if staffed:
        header += ["staff needed", "cost needed"]
    rows = []
    for p in doc["patterns"]:
        cells = [p["pattern"], str(p["skills_per_agent"]), str(p["agents"])]
        cells += [estimate_text(p["kpis"].get(k), k) for k in COMPARED_KPIS]
        if staffed and "staff_needed" in p:
            mark = "" if p["staff_feasible"] else " (targets not all met)"
            cells += [f"{p['staff_needed']}{mark}", number(p["staff_cost"], "money", decimals=0)]
        elif staffed:
            cells += [UNDEFINED, UNDEFINED]
        rows.append(cells)
    caption = (
        "same customers for every pattern (common random numbers); mean ± 95% CI "
        "half-width" + ("; staff needed: fewest agents meeting every target" if staffed else "")
    )
    return table(f"Cross-training: {doc['scenario']}", header, rows, caption=caption)


def patterns_table(doc: Mapping[str, Any]) -> Table:
    """What each pattern means."""
    rows = [[p["pattern"], str(p["skills_per_agent"]), p["description"]] for p in doc["patterns"]]
    header: list[str | Column] = ["pattern", "skills per agent"]
    header.append(Column("what it means", numeric=False))
    return table("Skill patterns", header, rows)


_PANELS = (
    ("service_level", "tab:blue", 0.8),
    ("asa", "tab:blue", 0.8),
    ("fcr", "tab:blue", 0.8),
    ("aht", "tab:blue", 0.8),
    ("abandonment_rate", "tab:red", 0.7),
)
"""The KPI panels of ``crosstrain.png``: KPI, bar colour and opacity."""


def plot_crosstrain(doc: Mapping[str, Any], out_dir: Path) -> Path:
    """``crosstrain.png``: one panel per KPI (bars with CI error bars) plus staff needed."""
    staffed = any("staff_needed" in row for row in doc["patterns"])
    fig = plots.figure(height=6.5, width=10.0)
    axes = fig.subplots(2, 3).flatten()
    names = [row["pattern"] for row in doc["patterns"]]
    for ax, (kpi, color, alpha) in zip(axes, _PANELS, strict=False):
        ests = [estimate_of(row["kpis"].get(kpi)) for row in doc["patterns"]]
        plots.bars(ax, names, ests, kpi, color=color, alpha=alpha, capsize=5)
        ax.set_title(plots.axis_label(kpi))
        ax.grid(axis="y", alpha=0.3)
    ax = axes[5]
    if staffed:
        ax.bar(
            names,
            [row.get("staff_needed", math.nan) for row in doc["patterns"]],
            color="tab:green",
            alpha=0.8,
        )
        ax.set_title("Agents needed for the targets")
    else:
        ax.bar(names, [row["agents"] for row in doc["patterns"]], color="tab:gray")
        ax.set_title("Agents simulated")
    ax.grid(axis="y", alpha=0.3)
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=20)
    fig.suptitle(f"Cross-training patterns: {doc['scenario']} (95% CI)")
    return plots.save(fig, out_dir, "crosstrain.png")
