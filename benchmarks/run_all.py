"""Run every benchmark script (``benchmarks/bench_*.py``) and collect their figures.

    python benchmarks/run_all.py            # full: writes results/<date>-<python>.json + .md
    python benchmarks/run_all.py --quick    # CI: small sizes, a few seconds, writes nothing

Each script runs in its own interpreter with ``--json`` (and ``--quick``), so one
crashing cannot take the others down. The exit status is non-zero when any script
crashes, times out or writes no figures; a missed performance target is reported
but does not fail the run (benchmarks measure, tests judge).
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

HERE = Path(__file__).resolve().parent


def scripts(only: Sequence[str] = ()) -> list[Path]:
    """The benchmark scripts, sorted; with ``only``, those whose name contains one of them."""
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [path for path in found if any(word in path.stem for word in only)]
    return found


def run_one(script: Path, quick: bool, timeout: float | None) -> tuple[str, dict[str, Any]]:
    """Run one script; return ``("ok" | "crashed" | "timed out" | "no figures", payload)``."""
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
            return "timed out", {}
        print(f"=== {script.name}: exit {done.returncode} in {time.perf_counter() - began:.1f}s")
        if done.returncode != 0:
            return "crashed", {}
        try:
            return "ok", json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "no figures", {}


def markdown(results: dict[str, dict[str, Any]], info: dict[str, Any], quick: bool) -> str:
    """A Markdown report: the machine, then one table per benchmark."""
    lines = [
        f"# Benchmarks, {time.strftime('%Y-%m-%d')} ({'quick' if quick else 'full'})",
        "",
        f"- Python: `{info['python']}`",
        f"- CPU: {info['cpu']}, {info['nproc']} usable CPUs; {info['platform']}",
        f"- Commit: {info['commit']}",
        f"- Command: `python benchmarks/run_all.py{' --quick' if quick else ''}`",
    ]
    for name, data in results.items():
        figs = []
        for record in data.get("figures", []):
            fields = {k: v for k, v in record.items() if k != "status"}
            figs.append(Figure(**fields))
        lines += ["", f"## {name}", "", table_markdown(figs)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "run every benchmark")
    cli.add_argument("--only", nargs="*", default=(), help="run only scripts matching these")
    cli.add_argument(
        "--timeout", type=float, help="seconds per script (default: 300 quick, none full)"
    )
    cli.add_argument(
        "--out", type=Path, default=HERE / "results", help="where full runs write their report"
    )
    args = cli.parse_args(argv)
    timeout = args.timeout if args.timeout is not None else (300.0 if args.quick else None)
    found = scripts(args.only)
    if not found:
        print("no benchmark scripts found", file=sys.stderr)
        return 2

    statuses: dict[str, str] = {}
    results: dict[str, dict[str, Any]] = {}
    for script in found:
        status, data = run_one(script, args.quick, timeout)
        statuses[script.stem] = status
        if data:
            results[script.stem] = data

    info = machine()
    report = {
        "mode": "quick" if args.quick else "full",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "status": statuses,
        "benchmarks": results,
    }
    if args.json:
        write_json(args.json, report)
    if not args.quick:
        stem = f"{time.strftime('%Y-%m-%d')}-{python_version()}"  # has dots: no with_suffix
        json_path, md_path = args.out / f"{stem}.json", args.out / f"{stem}.md"
        write_json(json_path, report)
        text = markdown(results, info, args.quick)
        md_path.write_text(text, encoding="utf-8")
        print(f"\n{text}\nwrote {json_path} and {md_path}")

    print("\nsummary:")
    for name, status in statuses.items():
        missed = [
            fig["key"]
            for fig in results.get(name, {}).get("figures", [])
            if fig.get("status") == "MISS"
        ]
        note = f"; targets missed: {', '.join(missed)}" if missed else ""
        print(f"  {name}: {status}{note}")
    failed = [name for name, status in statuses.items() if status != "ok"]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
