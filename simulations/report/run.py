"""Write simulation results: terminal table, JSON, tidy CSV, raw CSV and PNG plots.

Every writer takes an output directory (created if missing) and returns the paths it
wrote. Inputs are :class:`~simulations.kpi.summary.Summary` objects (one per policy),
optional :class:`~simulations.kpi.summary.Comparison` objects (paired differences) and,
for raw data and queue plots, the :class:`~simulations.records.ReplicationResult`
records themselves.

Files:

* ``summary.json``: every estimate of every policy and comparison; ``null`` where a
  confidence interval is undefined (one replication).
* ``summary.csv``: tidy, one row per policy × breakdown × key × KPI with ``mean``,
  ``ci_low``, ``ci_high``, ``half_width``, ``n``; ``differences.csv`` likewise per
  comparison, with ``significant``.
* ``contacts.csv``, ``agents.csv``, ``queue_samples.csv``: the raw records, one
  ``attrs.asdict`` row each (``None`` is an empty cell); a queue sample is a
  channel's wallboard at an instant, as the router's live statistics gave it
  (waiting, oldest wait, offered, agents free / busy / away, and service level, ASA
  and abandonment over the sample period).
* ``service_level.png`` (per interval with CI bands per policy), ``queue_length.png``
  (mean waiting per channel over the day, one panel per policy), ``fcr.png`` and
  ``aht.png`` (per policy with CI error bars).

Plots are drawn by :mod:`simulations.report.plots`.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from simulations.kpi.metrics import ALL, OVERALL
from simulations.kpi.stats import Estimate
from simulations.kpi.summary import Comparison, Summary, difference_verdict
from simulations.records import AgentRecord, ContactRecord, QueueSample, ReplicationResult
from simulations.report import plots
from simulations.report.console import render_text
from simulations.report.format import estimate_of, estimate_text, kpi_info
from simulations.report.table import Cell, Table, row, table, tone

__all__ = [
    "CHANNEL_KPIS",
    "TABLE_KPIS",
    "kpi_table",
    "plot_kpi_bars",
    "plot_queue_length",
    "plot_service_level",
    "render_table",
    "run_document",
    "write_csv",
    "write_json",
    "write_plots",
    "write_raw_csv",
    "write_report",
]

CHANNEL_KPIS = ("service_level", "asa", "abandonment_rate", "aht", "fcr")
"""KPIs of the per-channel table ``ccsim run`` prints under the overall one."""

TABLE_KPIS = (
    "service_level",
    "service_level_offered",
    "value_weighted_service_level",
    "asa",
    "wait_probability",
    "abandonment_rate",
    "aht",
    "occupancy",
    "fcr",
    "repeat_contact_rate",
    "backoffice_sla",
    "backlog",
    "cost_per_contact",
    "churn_increment_mean",
    "customers_at_risk",
    "offered",
    "deflection_rate",
)
"""Overall KPIs the terminal table shows by default (those present), in this order."""


def run_document(
    summaries: Iterable[Summary], comparisons: Iterable[Comparison] = ()
) -> dict[str, Any]:
    """``{"summaries": [...], "comparisons": [...]}``: what ``summary.json`` holds and
    what :func:`kpi_table` reads, live or saved."""
    return {
        "summaries": [s.as_dict() for s in summaries],
        "comparisons": [c.as_dict() for c in comparisons],
    }


def kpi_table(
    document: Mapping[str, Any], *, kpis: Sequence[str] = TABLE_KPIS, breakdown: str = OVERALL
) -> Table:
    """KPIs per policy side by side, ``mean ± half-width``, plus one column per
    comparison (``candidate − baseline``, paired), from a :func:`run_document`.

    A difference reads by :func:`~simulations.kpi.summary.difference_verdict`: muted
    when its CI holds 0, else green when better, red when worse, bold otherwise. KPIs
    no policy has are left out. With a ``breakdown`` such as ``"channel"``, each of its
    keys gets a section of one row per KPI (``voice: Service level``...).
    """
    summaries, comparisons = document["summaries"], document["comparisons"]
    keys = [ALL] if breakdown == OVERALL else _keys(summaries, breakdown)
    confidence = summaries[0]["confidence"] if summaries else 0.95
    header = [] if breakdown == OVERALL else [breakdown]
    header += ["KPI", *(f"{s['policy']} (n={len(s['replications'])})" for s in summaries)]
    header += [f"Δ {c['candidate']} − {c['baseline']}" for c in comparisons]
    rows = []
    for key in keys:
        shown = [k for k in kpis if any(_get(s, "kpis", k, breakdown, key) for s in summaries)]
        for i, kpi in enumerate(shown):
            cells: list[str | Cell] = [] if breakdown == OVERALL else [key if i == 0 else ""]
            cells.append(kpi_info(kpi).label)
            cells += [estimate_text(_get(s, "kpis", kpi, breakdown, key), kpi) for s in summaries]
            for c in comparisons:
                est = estimate_of(_get(c, "differences", kpi, breakdown, key))
                verdict = difference_verdict(est, kpi)
                cells.append(Cell(estimate_text(est, kpi, difference=True), tone(verdict)))
            rows.append(row(*cells, section=i == 0))
    caption = f"mean ± half-width of the {confidence:.0%} CI over replications"
    if comparisons:
        caption += "; Δ paired by replication, bold when its CI excludes 0: green better, red worse"
    title = "Contact-centre KPIs" + ("" if breakdown == OVERALL else f" by {breakdown}")
    return table(
        title, header, rows, caption=caption, labels=len(header) - len(summaries) - len(comparisons)
    )


def _get(doc: Mapping[str, Any], field: str, kpi: str, breakdown: str, key: str) -> Any:
    return doc.get(field, {}).get(breakdown, {}).get(key, {}).get(kpi)


def _keys(summaries: Sequence[Mapping[str, Any]], breakdown: str) -> list[str]:
    """Every key of ``breakdown`` in any summary, in first-seen display order."""
    keys: dict[str, None] = {}
    for s in summaries:
        keys.update(dict.fromkeys(s.get("kpis", {}).get(breakdown, {})))
    return list(keys)


def render_table(
    summaries: Iterable[Summary],
    comparisons: Iterable[Comparison] = (),
    *,
    kpis: Sequence[str] = TABLE_KPIS,
    breakdown: str = OVERALL,
    width: int = 120,
) -> str:
    """:func:`kpi_table` of live summaries as plain text."""
    document = run_document(summaries, comparisons)
    return render_text([kpi_table(document, kpis=kpis, breakdown=breakdown)], width=width)


def _out(out_dir: str | Path) -> Path:
    path = Path(out_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def json_safe(value: Any) -> Any:
    """``value`` with every NaN/inf replaced by ``None``, so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def write_json(
    summaries: Iterable[Summary], out_dir: str | Path, comparisons: Iterable[Comparison] = ()
) -> Path:
    """Write ``summary.json``: ``{"summaries": [...], "comparisons": [...]}``."""
    path = _out(out_dir) / "summary.json"
    document = run_document(summaries, comparisons)
    path.write_text(json.dumps(json_safe(document), indent=2, allow_nan=False) + "\n")
    return path


_ESTIMATE_COLUMNS = ["mean", "ci_low", "ci_high", "half_width", "n"]


def _estimate_row(est: Estimate) -> list[float | int | None]:
    values = est.as_dict()
    return [values[c] for c in _ESTIMATE_COLUMNS]


def write_csv(
    summaries: Iterable[Summary], out_dir: str | Path, comparisons: Iterable[Comparison] = ()
) -> list[Path]:
    """Write tidy ``summary.csv`` and, with comparisons, ``differences.csv``."""
    out = _out(out_dir)
    path = out / "summary.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["policy", "breakdown", "key", "kpi", *_ESTIMATE_COLUMNS])
        for s in summaries:
            for b, by_key in s.estimates.items():
                for k, kv in by_key.items():
                    for kpi, est in kv.items():
                        writer.writerow([s.policy, b, k, kpi, *_estimate_row(est)])
    paths = [path]
    comparisons = list(comparisons)
    if comparisons:
        path = out / "differences.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            header = ["baseline", "candidate", "breakdown", "key", "kpi"]
            writer.writerow([*header, *_ESTIMATE_COLUMNS, "significant"])
            for c in comparisons:
                for b, by_key in c.differences.items():
                    for k, kv in by_key.items():
                        for kpi, est in kv.items():
                            values = _estimate_row(est)
                            writer.writerow(
                                [c.baseline, c.candidate, b, k, kpi, *values, est.significant]
                            )
        paths.append(path)
    return paths


def write_raw_csv(results: Iterable[ReplicationResult], out_dir: str | Path) -> list[Path]:
    """Write every record: ``contacts.csv``, ``agents.csv``, ``queue_samples.csv``."""
    out = _out(out_dir)
    results = list(results)
    tables: list[tuple[str, type, list[Any]]] = [
        ("contacts.csv", ContactRecord, [c for r in results for c in r.contacts]),
        ("agents.csv", AgentRecord, [a for r in results for a in r.agents]),
        ("queue_samples.csv", QueueSample, [q for r in results for q in r.samples]),
    ]
    paths = []
    for name, cls, records in tables:
        path = out / name
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=[a.name for a in attrs.fields(cls)])
            writer.writeheader()
            writer.writerows(attrs.asdict(r) for r in records)
        paths.append(path)
    return paths


# --- Plots -------------------------------------------------------------------------


def plot_service_level(summaries: Iterable[Summary], out_dir: str | Path) -> Path | None:
    """Service level per reporting interval with its CI band, one line per policy.

    Returns ``None`` (nothing written) when no policy has an interval service level.
    """
    fig = plots.figure()
    ax = fig.add_subplot()
    drawn, confidence = False, 0.95
    for s in summaries:
        keys = s.keys("interval")
        ests = [s.get("service_level", "interval", key) for key in keys]
        if all(e is None for e in ests):
            continue
        drawn, confidence = True, s.confidence
        xs = [(float(key) + s.interval / 2.0) / 3600.0 for key in keys]
        plots.band(ax, xs, ests, "service_level", s.policy)
    if not drawn:
        return None
    ax.set(xlabel="hour (interval midpoint)", ylabel="service level (%)", ylim=(0, 105))
    ax.set_title(f"Service level per interval, {confidence:.0%} CI bands")
    ax.grid(alpha=0.3)
    ax.legend()
    return plots.save(fig, out_dir, "service_level.png")


def plot_queue_length(results: Iterable[ReplicationResult], out_dir: str | Path) -> Path | None:
    """Mean number waiting per channel over time (mean over replications at each
    sample instant), one panel per policy. ``None`` when there are no samples."""
    series: dict[str, dict[str, dict[float, list[int]]]] = {}
    for r in results:
        for q in r.samples:
            series.setdefault(q.policy, {}).setdefault(q.channel, {}).setdefault(q.at, [])
            series[q.policy][q.channel][q.at].append(q.waiting)
    if not series:
        return None
    fig = plots.figure(rows=len(series), height=3.0)
    axes = fig.subplots(len(series), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, (policy, channels) in zip(axes, series.items(), strict=True):
        for channel in sorted(channels):
            points = sorted(channels[channel].items())
            xs = [at / 3600.0 for at, _ in points]
            ys = [sum(w) / len(w) for _, w in points]
            ax.plot(xs, ys, label=channel, linewidth=1.2)
        ax.set(ylabel="waiting", title=f"Queue length: {policy}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small")
    axes[-1].set_xlabel("hour")
    return plots.save(fig, out_dir, "queue_length.png")


def plot_kpi_bars(summaries: Iterable[Summary], out_dir: str | Path, kpi: str) -> Path | None:
    """Bar chart of one overall KPI per policy with CI error bars (``<kpi>.png``).

    ``None`` when no policy has the KPI.
    """
    found = [(s.policy, e) for s in summaries if (e := s.get(kpi)) is not None]
    if not found:
        return None
    fig = plots.figure()
    ax = fig.add_subplot()
    plots.bars(ax, [p for p, _ in found], [e for _, e in found], kpi)
    label = kpi_info(kpi).label
    ax.set(ylabel=plots.axis_label(kpi), title=f"{label} per policy")
    ax.grid(axis="y", alpha=0.3)
    return plots.save(fig, out_dir, f"{kpi}.png")


def write_plots(
    summaries: Iterable[Summary], results: Iterable[ReplicationResult], out_dir: str | Path
) -> list[Path]:
    """All plots that have data: service level, queue length, FCR and AHT bars."""
    summaries = list(summaries)
    candidates = [
        plot_service_level(summaries, out_dir),
        plot_queue_length(results, out_dir),
        plot_kpi_bars(summaries, out_dir, "fcr"),
        plot_kpi_bars(summaries, out_dir, "aht"),
    ]
    return [p for p in candidates if p is not None]


def write_report(
    summaries: Iterable[Summary],
    results: Iterable[ReplicationResult],
    out_dir: str | Path,
    comparisons: Iterable[Comparison] = (),
    *,
    plots: bool = True,
) -> list[Path]:
    """Write JSON, CSV (summary, differences, raw records) and, unless disabled, plots."""
    summaries, results, comparisons = list(summaries), list(results), list(comparisons)
    paths = [write_json(summaries, out_dir, comparisons)]
    paths += write_csv(summaries, out_dir, comparisons)
    paths += write_raw_csv(results, out_dir)
    if plots:
        paths += write_plots(summaries, results, out_dir)
    return paths
