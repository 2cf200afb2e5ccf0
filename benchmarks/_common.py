"""Shared helpers for the benchmark scripts: timing, figures with targets, tables, JSON.

A benchmark script builds a list of :class:`Figure` values, prints them with
:func:`print_table` and, given ``--json FILE``, writes them with :func:`write_json`.
A figure may carry a target (``>=`` or ``<=`` a threshold); a missed target is
printed as ``MISS`` but never makes the script fail: benchmarks measure, tests judge.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class Figure:
    """One measured number, with its unit and, optionally, the target it is held to.

    Attributes:
        key: stable identifier used in JSON (``"lifecycles_per_s_10k"``).
        label: what the number is, for people.
        value: the measurement.
        unit: e.g. ``"/s"``, ``"us"``, ``"x"``, ``"B"``.
        op: ``">="`` or ``"<="`` when the figure has a target, else ``None``.
        target: the threshold the value is compared with.
        note: a short qualifier printed after the status.
    """

    key: str
    label: str
    value: float
    unit: str = ""
    op: Comparison | None = None
    target: float | None = None
    note: str = ""

    @property
    def status(self) -> str:
        """``"PASS"`` or ``"MISS"`` against the target; ``""`` without one."""
        if self.op is None or self.target is None:
            return ""
        met = self.value >= self.target if self.op == ">=" else self.value <= self.target
        return "PASS" if met else "MISS"

    def as_dict(self) -> dict[str, Any]:
        """The figure as a flat JSON-ready record, with its status."""
        record = asdict(self)
        record["status"] = self.status
        return record


def fmt(value: float) -> str:
    """A number with three significant figures and thousands separators when large."""
    if math.isnan(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _rows(figures: Iterable[Figure]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for fig in figures:
        target = "" if fig.op is None or fig.target is None else f"{fig.op} {fmt(fig.target)}"
        status = fig.status + (f" ({fig.note})" if fig.note else "")
        rows.append((fig.label, f"{fmt(fig.value)} {fig.unit}".rstrip(), target, status, fig.key))
    return rows


def table_text(figures: Sequence[Figure]) -> str:
    """The figures as an aligned plain-text table."""
    header = ("figure", "value", "target", "status", "key")
    rows = [header, *_rows(figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        cells += [row[2].ljust(widths[2]), row[3].ljust(widths[3])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table_markdown(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = ["| figure | value | target | status |", "|---|---:|---|---|"]
    for label, value, target, status, _ in _rows(figures):
        lines.append(f"| {label} | {value} | {target} | {status} |")
    return "\n".join(lines)


def print_table(title: str, figures: Sequence[Figure]) -> None:
    """Print a titled table and a one-line verdict counting missed targets."""
    print(f"\n{title}")
    print(table_text(figures))
    missed = [fig.key for fig in figures if fig.status == "MISS"]
    checked = sum(1 for fig in figures if fig.status)
    if missed:
        print(f"\n*** {len(missed)} of {checked} targets MISSED: {', '.join(missed)} ***")
    else:
        print(f"\nall {checked} targets met")


def python_version() -> str:
    """Interpreter and version, e.g. ``"cpython-3.11.7"``."""
    return f"{platform.python_implementation().lower()}-{platform.python_version()}"


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo``, or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def usable_cpus() -> int:
    """CPUs this process may run on (what ``nproc`` prints)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _git(*args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except OSError:
        return None


def commit() -> str:
    """The short commit of this checkout, with ``+dirty`` when the engine, the simulator
    or the benchmarks differ from it; ``"unknown"`` outside git."""
    head = _git("rev-parse", "--short", "HEAD")
    if head is None or head.returncode != 0:
        return "unknown"
    diff = _git("diff", "--quiet", "HEAD", "--", "../routing", "../simulations", ".")
    return head.stdout.strip() + ("+dirty" if diff is not None and diff.returncode else "")


def machine() -> dict[str, Any]:
    """Where the figures came from: interpreter, CPUs, CPU model, OS, git commit, and the
    load averages at this moment (the machine may be shared with other jobs)."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not available on this platform
        load = []
    return {
        "python": sys.version.replace("\n", " "),
        "loadavg_1_5_15": load,
        "implementation": python_version(),
        "nproc": usable_cpus(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "commit": commit(),
    }


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON, creating parent folders."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def payload(name: str, quick: bool, figures: Sequence[Figure], **extra: Any) -> dict[str, Any]:
    """The JSON document a benchmark script writes."""
    return {
        "benchmark": name,
        "mode": "quick" if quick else "full",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "figures": [fig.as_dict() for fig in figures],
        **extra,
    }


def parser(description: str) -> argparse.ArgumentParser:
    """The command line every benchmark script accepts: ``--quick`` and ``--json FILE``."""
    cli = argparse.ArgumentParser(description=description)
    cli.add_argument(
        "--quick", action="store_true", help="small sizes and few operations (a few seconds, CI)"
    )
    cli.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    return cli


class Stopwatch:
    """CPU time and wall time of a stretch of code, in nanoseconds.

    Throughput figures use CPU time (``time.process_time_ns``): on a shared machine the
    wall clock also counts the time other processes held the core. Both are recorded.

    >>> with Stopwatch() as watch:
    ...     _ = sum(range(1000))
    >>> watch.cpu_ns >= 0 and watch.wall_ns > 0
    True
    """

    def __init__(self) -> None:
        self.cpu_ns = 0
        self.wall_ns = 0

    def __enter__(self) -> Stopwatch:
        self._cpu = time.process_time_ns()
        self._wall = time.perf_counter_ns()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_ns = time.perf_counter_ns() - self._wall
        self.cpu_ns = time.process_time_ns() - self._cpu


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0-1) of already sorted values, by the nearest-rank method."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(q * len(sorted_values))))
    return float(sorted_values[rank - 1])
