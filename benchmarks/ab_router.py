"""A/B of two router engines in one time window: alternating chunks, two processes.

On a shared machine two benchmark runs of the same code minutes apart can differ by
half (BENCHMARKS.md); a change worth a few percent is invisible that way. This runs
the router of this checkout (A) and of another checkout (B, e.g. a ``git worktree``
at an older commit) in two worker processes, each with the benchmark centre of
``_centre.py`` (this checkout's, so the workload is identical) at N waiting, and
times chunks of steps in turn (A B, B A, A B, ...), CPU time per lifecycle. It
prints each side's median and the median of the per-chunk A/B ratios, which drifts
that hit both sides cancel out of.

    git worktree add /tmp/base <commit>
    python benchmarks/ab_router.py /tmp/base                 # 10k waiting, 24 chunks
    python benchmarks/ab_router.py /tmp/base --size 100000 --chunks 30

A ratio below 1 means this checkout is cheaper. Each worker prints which ``routing``
it imported, so a wrong path shows at once.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARMUP = 20_000
SEED = 20_240_611


def worker(size: int, chunk: int, chunks: int) -> None:
    """Build the centre, then time one chunk per ``go`` line read on stdin."""
    sys.path.insert(0, str(HERE))
    from _centre import START_AT, new_centre, prebuilt

    import routing

    centre, workload = new_centre(routing.Router(routing.Policy(offer_timeout=None)), size, SEED)
    specs = workload.live(WARMUP + chunk * chunks, START_AT)
    centre.run(prebuilt(specs[:WARMUP]))
    gc.collect()
    gc.freeze()  # the set-up's objects are not the chunks' to walk
    print(routing.__file__, flush=True)
    pos = WARMUP
    for _ in sys.stdin:
        items = prebuilt(specs[pos : pos + chunk])
        pos += chunk
        began = time.process_time_ns()
        counts = centre.run(items)
        print((time.process_time_ns() - began) / max(1, counts.completes), flush=True)


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("base", type=Path, help="the other checkout (its root folder)")
    cli.add_argument("--size", type=int, default=10_000, help="tasks kept waiting")
    cli.add_argument("--chunks", type=int, default=24, help="timed chunks per side")
    cli.add_argument("--chunk", type=int, default=3_000, help="steps per chunk")
    cli.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = cli.parse_args()
    if args.worker:
        worker(args.size, args.chunk, args.chunks)
        return 0
    if not (args.base / "routing" / "__init__.py").is_file():
        cli.error(f"{args.base} has no routing/ package")
    command = [sys.executable, __file__, "--worker", str(args.base)]
    command += ["--size", str(args.size), "--chunk", str(args.chunk), "--chunks", str(args.chunks)]
    sides = {"A (this checkout)": HERE.parent, "B (base)": args.base.resolve()}
    procs = {
        name: subprocess.Popen(
            command,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, root in sides.items()
    }
    names = list(procs)
    for name, proc in procs.items():
        assert proc.stdout is not None
        print(f"{name}: routing from {proc.stdout.readline().strip()}")
    cost: dict[str, list[float]] = {name: [] for name in names}
    for i in range(args.chunks):
        for name in names if i % 2 == 0 else names[::-1]:
            proc = procs[name]
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
            cost[name].append(float(proc.stdout.readline()) / 1000)
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    for name, values in cost.items():
        median = statistics.median(values)
        print(f"{name}: median {median:.2f} us per lifecycle ({1e6 / median:,.0f}/s)")
    ratios = sorted(a / b for a, b in zip(*cost.values(), strict=True))
    quartiles = statistics.quantiles(ratios, n=4)
    print(
        f"A/B per-chunk ratio: median {statistics.median(ratios):.3f} "
        f"(quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f}; {args.chunks} chunks of "
        f"{args.chunk:,} steps at {args.size:,} waiting)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
