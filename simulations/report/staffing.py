"""Staffing results out: a JSON document, tidy CSVs, terminal tables and plots.

Everything is rendered from the result's JSON document
(:func:`simulations.planning.staffing.result.result_document`), so a saved
``staffing.json`` renders the same tables and HTML page as a live result
(``ccsim report DIR``).

Files written by :func:`write_staffing`:

* ``staffing.json``: the whole document (targets, plan, checks, KPIs, history);
* ``staffing.csv``: one row per group (per group and interval with ``--per-interval``):
  Erlang estimate, agents, occupancy with CI, paid hours, cost per hour and in total;
* ``staffing_targets.csv``: one row per target check, with the CI and ``met``;
* ``staffed_scenario.json``: the staffed scenario as a TOML-shaped mapping
  (``parse_scenario(json.load(f), "staffed")`` loads it back);
* ``staffing.png`` (agents per group, Erlang vs simulated) and, per interval,
  ``staffing_profile.png``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulations.planning.staffing.result import result_document
from simulations.report import plots
from simulations.report.console import render_text
from simulations.report.format import UNDEFINED, estimate_of, estimate_text, kpi_info, number
from simulations.report.run import json_safe
from simulations.report.table import Cell, Column, Table, row, table

if TYPE_CHECKING:
    from simulations.planning.staffing import StaffingResult

__all__ = [
    "clock",
    "history_table",
    "intervals_table",
    "kpis_table",
    "plot_staffing",
    "render_staffing",
    "staffing_table",
    "staffing_tables",
    "targets_table",
    "write_staffing",
]

Doc = dict[str, Any]


def clock(seconds: float) -> str:
    """``HH:MM`` from seconds since time 0 (``d2 08:00`` after the first day)."""
    day, rest = divmod(round(seconds), 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"d{day + 1} {text}" if day else text


# --- tables -----------------------------------------------------------------------


def cost_label(doc: Mapping[str, Any]) -> str:
    """``cost/day`` for a one-day horizon, else ``cost/<hours>h``."""
    hours = doc["horizon"] / 3600.0
    return "cost/day" if math.isclose(hours, 24.0) else f"cost/{hours:g}h"


def _confidence(doc: Mapping[str, Any]) -> str:
    return f"{doc['confidence']:.0%}"


def staffing_table(doc: Mapping[str, Any]) -> Table:
    """One row per group, plus a total.

    ``cost/h`` is the agent cost over the horizon divided by its hours (what the plan
    costs per hour on average, shifts and per-interval counts included)."""
    header = ["group", "Erlang", "agents", "occupancy", "paid hours", "cost/h", cost_label(doc)]
    if doc["per_interval"]:
        header[1:3] = ["Erlang peak", "peak agents"]
    hours = doc["horizon"] / 3600.0
    rows = [
        row(
            g["group"],
            str(max(g["erlang"])),
            str(g["peak_agents"]),
            estimate_text(g["occupancy"], "occupancy"),
            number(g["paid_hours"], "count"),
            number(g["cost"] / hours, "money"),
            number(g["cost"], "money"),
        )
        for g in doc["groups"]
    ]
    rows.append(
        row(
            "total",
            str(doc["erlang_agents"]),
            str(doc["total_agents"]),
            "",
            number(doc["paid_hours"], "count"),
            number(doc["cost_per_hour"], "money"),
            number(doc["total_cost"], "money"),
            total=True,
        )
    )
    status = "all targets met" if doc["feasible"] else "targets NOT met"
    caption = (
        f"policy {doc['policy']}, {doc['replications']} replications per plan, "
        f"{doc['evaluations']} plans simulated; Erlang = the analytic start"
    )
    return table(f"Staffing: {doc['scenario']} ({status})", header, rows, caption=caption)


def targets_table(doc: Mapping[str, Any]) -> Table:
    """One row per target; per interval, its worst interval."""
    by_target: dict[str, list[Mapping[str, Any]]] = {}
    for c in doc["checks"]:
        by_target.setdefault(c["target"], []).append(c)
    rows = []
    for t in doc["targets"]:
        checks = by_target.get(t["text"], [])
        if not checks:
            continue
        kpi = t["kpi"]
        higher = kpi in ("service_level", "backoffice_sla")
        worst = min(checks, key=lambda c: _edge(c, higher) * (1 if higher else -1))
        met = sum(c["met"] for c in checks)
        label = t["label"]
        if len(checks) > 1:
            label += f" (worst: {clock(worst['interval_start'])})"
        verdict = "yes" if met == len(checks) else "NO"
        relaxed = [k for k in doc.get("relaxed", {}) if k.split("@")[0] == t["text"]]
        if relaxed:
            verdict += " (unreachable by staffing)"
        if len(checks) > 1:
            verdict += f" ({met}/{len(checks)} intervals)"
        est = worst["estimate"]
        achieved = estimate_text(est, kpi)
        if est is not None and est.get("infinite"):
            achieved += " (none answered)"
        edge = number(_edge(worst, higher), kpi_info(kpi).unit) if est is not None else UNDEFINED
        rows.append(
            row(label, achieved, edge, Cell(verdict, "good" if met == len(checks) else "bad"))
        )
    return table(
        "Targets",
        ["target", "achieved (mean ± CI)", "CI bound", "met"],
        rows,
        caption=f"met only when the {_confidence(doc)} CI bound is on the right side of the target",
    )


def _edge(check: Mapping[str, Any], higher: bool) -> float:
    """The CI bound a target is judged by: the lower one when higher is better."""
    est = estimate_of(check["estimate"])
    if est is None:
        return math.inf if higher else -math.inf
    hw = est.half_width or 0.0
    return est.mean - hw if higher else est.mean + hw


KPI_COLUMNS = (
    ("service_level", "service level"),
    ("asa", "ASA"),
    ("abandonment_rate", "abandonment"),
    ("aht", "AHT"),
    ("fcr", "FCR"),
    ("cost_per_contact", "cost/contact"),
)
"""The KPI table's columns: KPI and header."""


def kpis_table(doc: Mapping[str, Any]) -> Table:
    """KPIs of the chosen plan per channel and overall (mean ± CI half-width)."""
    kpis = doc.get("kpis", {})
    cells = [(ch, v, False) for ch, v in kpis.get("channel", {}).items()]
    cells += [("all", kpis.get("overall", {}).get("all", {}), True)]
    rows = [
        row(name, *(estimate_text(values.get(kpi), kpi) for kpi, _ in KPI_COLUMNS), total=total)
        for name, values, total in cells
    ]
    caption = f"mean ± half-width of the {_confidence(doc)} CI over replications"
    caption += "; service level at each contact type's sla_target"
    other = [
        t["text"]
        for t in doc["targets"]
        if t["threshold"] is not None and t.get("sla_targets", [t["threshold"]]) != [t["threshold"]]
    ]
    if other:
        caption += f" (the Targets table judges {', '.join(other)} at its own threshold)"
    return table(
        "KPIs at this staffing",
        ["channel", *(label for _, label in KPI_COLUMNS)],
        rows,
        caption=caption,
    )


def intervals_table(doc: Mapping[str, Any]) -> Table:
    """Per-interval plan: one row per interval, one column per group."""
    rows = []
    for i, (start, _) in enumerate(doc["intervals"]):
        counts = [g["agents"][i] for g in doc["groups"]]
        rows.append(row(clock(start), *(str(n) for n in counts), str(sum(counts))))
    header = ["interval", *(g["group"] for g in doc["groups"]), "total"]
    return table("Agents per interval", header, rows)


def history_table(doc: Mapping[str, Any]) -> Table:
    """The search, one row per step."""
    header = [
        Column(h, h == "agents") for h in ("step", "phase", "agents", "all met", "missed", "next")
    ]
    rows = [
        row(
            str(s["step"]) + ("" if s.get("simulated", True) else " (seen)"),
            s["phase"],
            str(s["agents"]),
            "yes" if s["met"] else "no",
            ", ".join(s["missed"]) or UNDEFINED,
            s["action"],
        )
        for s in doc["history"]
    ]
    return table("Search history", header, rows)


def staffing_tables(doc: Mapping[str, Any]) -> list[Table]:
    """The tables ``ccsim staff`` prints: staffing per group, targets, KPIs (when
    simulated) and, per interval, the interval plan."""
    tables = [staffing_table(doc), targets_table(doc)]
    if doc.get("kpis"):
        tables.append(kpis_table(doc))
    if doc["per_interval"]:
        tables.append(intervals_table(doc))
    return tables


def render_staffing(doc: Mapping[str, Any], *, width: int = 120) -> str:
    """The tables as plain text."""
    return render_text(staffing_tables(doc), width=width)


# --- files --------------------------------------------------------------------------


def plot_staffing(doc: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """``staffing.png`` (Erlang vs simulated agents per group) and, per interval,
    ``staffing_profile.png`` (agents per interval, stacked by group)."""
    names = [g["group"] for g in doc["groups"]]
    fig = plots.figure()
    ax = fig.add_subplot()
    xs = list(range(len(names)))
    ax.bar([x - 0.2 for x in xs], [max(g["erlang"]) for g in doc["groups"]], 0.4, label="Erlang")
    ax.bar(
        [x + 0.2 for x in xs], [g["peak_agents"] for g in doc["groups"]], 0.4, label="simulation"
    )
    ax.set_xticks(xs, names, rotation=30, ha="right")
    ax.set(
        ylabel="agents" + (" (peak)" if doc["per_interval"] else ""),
        title=f"Agents per group: {doc['scenario']}",
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    paths = [plots.save(fig, out_dir, "staffing.png")]
    if doc["per_interval"]:
        fig = plots.figure()
        ax = fig.add_subplot()
        hours = [s / 3600.0 for s, _ in doc["intervals"]]
        step = (doc["intervals"][0][1] - doc["intervals"][0][0]) / 3600.0
        ax.stackplot(
            [h + step / 2 for h in hours],
            [g["agents"] for g in doc["groups"]],
            labels=names,
            step=None,
            alpha=0.8,
        )
        ax.set(xlabel="hour", ylabel="agents", title="Agents per interval")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small", ncols=2)
        paths.append(plots.save(fig, out_dir, "staffing_profile.png"))
    return paths


def _estimate_cells(est: Mapping[str, Any] | None) -> list[Any]:
    if est is None:
        return [None, None, None, None, None]
    if est.get("infinite"):
        return ["inf", None, None, None, est.get("n")]
    return [est["mean"], est["ci_low"], est["ci_high"], est["half_width"], est["n"]]


def write_staffing(
    result: StaffingResult | Mapping[str, Any], out_dir: str | Path, *, plots: bool = True
) -> list[Path]:
    """Write the files listed in the module docstring; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = result if isinstance(result, Mapping) else result_document(result)
    paths = [out / "staffing.json", out / "staffing.csv", out / "staffing_targets.csv"]
    paths[0].write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    with paths[1].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "group",
                "interval_start",
                "interval_end",
                "erlang_need",
                "erlang_agents",
                "agents",
                "cost_per_hour",
                "paid_hours",
                "cost",
                "occupancy_mean",
                "occupancy_ci_low",
                "occupancy_ci_high",
            ]
        )
        for g in doc["groups"]:
            occ = g["occupancy"] or {}
            rate = g["cost_per_hour_per_agent"]
            tail = [occ.get("mean"), occ.get("ci_low"), occ.get("ci_high")]
            if doc["per_interval"]:
                for i, (start, end) in enumerate(doc["intervals"]):
                    n = g["agents"][i]
                    hours = n * (end - start) / 3600.0
                    w.writerow(
                        [
                            g["group"],
                            start,
                            end,
                            g["erlang_need"][i],
                            g["erlang"][i],
                            n,
                            n * rate,
                            hours,
                            hours * rate,
                            *tail,
                        ]
                    )
            else:
                n = g["agents"][0]
                w.writerow(
                    [
                        g["group"],
                        "",
                        "",
                        max(g["erlang_need"]),
                        g["erlang"][0],
                        n,
                        n * rate,
                        g["paid_hours"],
                        g["cost"],
                        *tail,
                    ]
                )
    with paths[2].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "target",
                "kpi",
                "bound",
                "interval_start",
                "mean",
                "ci_low",
                "ci_high",
                "half_width",
                "n",
                "met",
            ]
        )
        for c in doc["checks"]:
            start = "" if c["interval_start"] is None else c["interval_start"]
            w.writerow(
                [
                    c["target"],
                    c["kpi"],
                    c["bound"],
                    start,
                    *_estimate_cells(c["estimate"]),
                    c["met"],
                ]
            )
    if not isinstance(result, Mapping):
        spec = result.staffed.to_spec()
        path = out / "staffed_scenario.json"
        path.write_text(json.dumps(json_safe(spec), indent=2) + "\n")
        paths.append(path)
    if plots:
        paths += plot_staffing(doc, out)
    return paths
