"""Run every benchmark script (``benchmarks/bench_*.py``) and collect their figures.

    python benchmarks/run_all.py            # full: results/<date>-<python>.json and .md,
                                            # results/router_cost.png
    python benchmarks/run_all.py --quick    # CI: small sizes, a few seconds, into a
                                            # fresh temporary folder (or --out DIR)

Each script runs in its own interpreter with ``--json`` (and ``--quick``), so one
crashing cannot take the others down. The report (JSON and a Markdown table) records
the machine, its load averages before and after, and every figure with its target.
A full run never overwrites an earlier report: a second one on the same day gets a
``-2`` suffix. A quick run writes ``...-quick.json`` and never to ``results/`` unless
told to with ``--out``.

The exit status is non-zero when any script crashes, times out or writes no figures,
or the plot cannot be drawn; a missed performance target is reported but does not
fail the run (benchmarks measure, tests judge).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import Figure, machine, parser, python_version, table_markdown, write_json
from plot_router_cost import plot, router_curve

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def scripts(only: Sequence[str] = ()) -> list[Path]:
    """The benchmark scripts, sorted; with ``only``, those whose name contains one of them."""
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [path for path in found if any(word in path.stem for word in only)]
    return found


def run_one(script: Path, quick: bool, timeout: float | None) -> tuple[str, float, dict[str, Any]]:
    """Run one script: ``("ok" | "crashed" | "timed out" | "no figures", seconds, payload)``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, str(script), "--json", str(out)]
        if quick:
            command.append("--quick")
        print(f"\n=== {script.name}: {' '.join(command[1:])}", flush=True)
        began = time.perf_counter()
        try:
            done = subprocess.run(command, cwd=HERE, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return "timed out", time.perf_counter() - began, {}
        took = time.perf_counter() - began
        print(f"=== {script.name}: exit {done.returncode} in {took:.1f}s", flush=True)
        if done.returncode != 0:
            return "crashed", took, {}
        try:
            return "ok", took, json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "no figures", took, {}


def default_out(quick: bool) -> Path:
    """``results/`` for a full run; a fresh temporary folder for a quick one, so a smoke
    run never lands beside the committed figures."""
    return Path(tempfile.mkdtemp(prefix="benchmarks-quick-")) if quick else RESULTS


def report_stem(out: Path, quick: bool) -> str:
    """``<date>-<python>`` (``-quick`` for quick runs), with ``-2``, ``-3``... if taken."""
    stem = f"{time.strftime('%Y-%m-%d')}-{python_version()}" + ("-quick" if quick else "")
    candidate, n = stem, 1
    while (out / f"{candidate}.json").exists() or (out / f"{candidate}.md").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def markdown(report: dict[str, Any], command: str) -> str:
    """A Markdown report: the machine and the command, then one table per benchmark."""
    info, after = report["machine"], report["machine_after"]
    lines = [
        f"# Benchmarks, {report['when'][:10]} ({report['mode']})",
        "",
        f"- Command: `{command}` ({report['seconds']:.0f} s)",
        f"- Python: `{info['python']}`",
        f"- CPU: {info['cpu']}, {info['nproc']} usable CPUs; {info['platform']}",
        f"- Load average (1, 5, 15 min): {info['loadavg_1_5_15']} before, "
        f"{after['loadavg_1_5_15']} after; the machine may be shared with other jobs",
        f"- Commit: {info['commit']}",
        "- Scripts: " + ", ".join(f"{name} {status}" for name, status in report["status"].items()),
    ]
    for name, data in report["benchmarks"].items():
        figs = []
        for record in data.get("figures", []):
            fields = {k: v for k, v in record.items() if k != "status"}
            figs.append(Figure(**fields))
        took = report["seconds_by_script"].get(name, 0.0)
        lines += ["", f"## {name} ({took:.0f} s)", "", table_markdown(figs)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "run every benchmark")
    cli.add_argument("--only", nargs="*", default=(), help="run only scripts matching these")
    cli.add_argument(
        "--timeout", type=float, help="seconds per script (default: 120 quick, none full)"
    )
    cli.add_argument(
        "--out",
        type=Path,
        help="folder for the report and plot (default: results/ full, a temporary one quick)",
    )
    args = cli.parse_args(argv)
    timeout = args.timeout if args.timeout is not None else (120.0 if args.quick else None)
    out: Path = args.out or default_out(args.quick)
    found = scripts(args.only)
    if not found:
        print("no benchmark scripts found", file=sys.stderr)
        return 2

    before = machine()
    began = time.perf_counter()
    statuses: dict[str, str] = {}
    seconds: dict[str, float] = {}
    results: dict[str, dict[str, Any]] = {}
    for script in found:
        status, took, data = run_one(script, args.quick, timeout)
        statuses[script.stem], seconds[script.stem] = status, took
        if data:
            results[script.stem] = data
    report = {
        "mode": "quick" if args.quick else "full",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": time.perf_counter() - began,
        "seconds_by_script": seconds,
        "machine": before,
        "machine_after": machine(),
        "status": statuses,
        "benchmarks": results,
    }

    stem = report_stem(out, args.quick)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    write_json(json_path, report)
    if args.json:
        write_json(args.json, report)
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    md_path.write_text(markdown(report, command), encoding="utf-8")
    print(f"\nwrote {json_path} and {md_path}")
    curve = router_curve(results.get("bench_router", {}))
    if curve:
        try:
            title = "" if not args.quick else "Router cost, quick smoke run (not for quoting)"
            print(f"wrote {plot(curve, out / 'router_cost.png', title)}")
        except Exception as exc:  # any failure to draw fails the run, as a crash would
            print(f"router cost plot: {exc!r}", file=sys.stderr)
            statuses["plot_router_cost"] = "crashed"

    print("\nsummary:")
    for name, status in statuses.items():
        missed = [
            fig["key"]
            for fig in results.get(name, {}).get("figures", [])
            if fig.get("status") == "MISS"
        ]
        note = f"; targets missed: {', '.join(missed)}" if missed else ""
        print(f"  {name}: {status} ({seconds.get(name, 0.0):.1f}s){note}")
    failed = [name for name, status in statuses.items() if status != "ok"]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
