"""Router cost per lifecycle against tasks waiting, 1e2 to 1e6, on log-log axes.

    python benchmarks/plot_router_cost.py   # writes results/router_cost.json and .png

Runs ``bench_router.py --sizes 100,...,1000000 --no-oracle`` in a subprocess, then
plots the lifecycle cost and the bare heapq push+pop cost measured in the same run.
A flat lifecycle line is what the bucketed queue promises: the cost of a decision
does not grow with the number of tasks waiting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)


def label(size: int) -> str:
    """The suffix bench_router.py gives a size's figures (``1k``, ``1000k``...)."""
    return f"{size // 1000}k" if size >= 1000 else str(size)


def main() -> int:
    out = HERE / "results" / "router_cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    sizes = ",".join(str(n) for n in SIZES)
    command = [sys.executable, str(HERE / "bench_router.py"), "--sizes", sizes, "--no-oracle"]
    subprocess.run([*command, "--json", str(out)], cwd=HERE, check=True)
    figures = {f["key"]: f["value"] for f in json.loads(out.read_text())["figures"]}
    lifecycle = [figures[f"lifecycle_us_{label(n)}"] for n in SIZES]
    heap = [figures[f"heap_pair_ns_{label(n)}"] / 1000 for n in SIZES]

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.loglog(SIZES, lifecycle, "o-", label="router: submit + offer + accept + complete")
    ax.loglog(SIZES, heap, "s--", label="bare heapq push + pop (same run)")
    ax.set_xlabel("tasks waiting")
    ax.set_ylabel("CPU time per operation (µs)")
    ax.set_title("Router cost vs queue length (1,000 agents, 50 skills, 4 channels)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    png = HERE / "results" / "router_cost.png"
    fig.savefig(png, dpi=110, bbox_inches="tight")
    for n, cost, base in zip(SIZES, lifecycle, heap, strict=True):
        print(f"{n:>9,} waiting: lifecycle {cost:7.1f} us, heapq pair {base * 1000:7.0f} ns")
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
