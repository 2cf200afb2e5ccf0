"""Router cost per lifecycle against tasks waiting (1e2 to 1e6), on log-log axes.

    python benchmarks/plot_router_cost.py RESULTS.json [--out PNG]

``RESULTS.json`` is what ``run_all.py`` writes (or ``bench_router.py --json``); its
router figures carry a ``curve``: the lifecycle cost and the bare heapq push+pop cost
measured in the same run at each queue length. ``run_all.py`` draws the plot itself
(``results/router_cost.png`` in a full run). A flat lifecycle line is what the
bucketed queue promises: the cost of a decision does not grow with the tasks waiting.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def router_curve(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The curve from a ``run_all.py`` report or a ``bench_router.py`` payload."""
    router = report.get("benchmarks", {}).get("bench_router", report)
    curve: list[dict[str, Any]] = router.get("curve", [])
    return curve


def plot(curve: Sequence[dict[str, Any]], png: Path, title: str = "") -> Path:
    """Draw lifecycle and heapq cost against tasks waiting to ``png`` (matplotlib Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sizes = [point["waiting"] for point in curve]
    lifecycle = [point["lifecycle_us"] for point in curve]
    heap = [point["heap_pair_ns"] / 1000 for point in curve]
    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.loglog(sizes, lifecycle, "o-", label="router: submit + offer + accept + complete")
    ax.loglog(sizes, heap, "s--", label="bare heapq push + pop (same run)")
    for n, cost in zip(sizes, lifecycle, strict=True):
        ax.annotate(f"{cost:.0f} µs", (n, cost), textcoords="offset points", xytext=(0, 7))
    ax.set_xlabel("tasks waiting")
    ax.set_ylabel("CPU time per operation (µs)")
    ax.set_title(title or "Router cost vs queue length (1,000 agents, 50 skills, 4 channels)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center right")
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    return png


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("results", type=Path, help="a run_all.py or bench_router.py JSON file")
    cli.add_argument("--out", type=Path, default=HERE / "results" / "router_cost.png")
    args = cli.parse_args(argv)
    curve = router_curve(json.loads(args.results.read_text(encoding="utf-8")))
    if not curve:
        print(f"{args.results}: no router cost curve in it", file=sys.stderr)
        return 1
    for point in curve:
        print(
            f"{point['waiting']:>9,} waiting: lifecycle {point['lifecycle_us']:7.1f} us, "
            f"heapq pair {point['heap_pair_ns']:7.0f} ns"
        )
    print(f"wrote {plot(curve, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
