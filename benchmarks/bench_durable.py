"""Durable router benchmark: what a journal costs a lifecycle, and how long recovery takes.

On the router benchmark's workload (``_centre.py``: 1,000 agents, kept at N waiting,
each step a submit and a completion, offers accepted at once), in one run:

* **lifecycles per second** (wall clock: a commit waits for the disk, which CPU time
  would not show) of the in-memory ``Router`` and of ``DurableRouter`` on SQLite with
  per-command sync (a commit, ``synchronous=FULL``, per command) and with group commit
  (10 ms), and on PostgreSQL with per-command sync where a server is reachable
  (``ROUTING_TEST_POSTGRES``, a libpq conninfo; ``.ci/postgres`` starts one), each
  against the in-memory router;
* **recovery time** of a SQLite journal of 10^5 and 10^6 commands (quick: 5,000) from
  the same workload, replaying the whole journal, and from a snapshot taken within
  the last 1,000 commands (the figure says how many came after it). A snapshot's
  load costs about the same whatever the journal's length, so only from 10^5
  commands is the snapshot held to being the faster way.

    python benchmarks/bench_durable.py                 # 1,000 waiting, 10^5 and 10^6
    python benchmarks/bench_durable.py --quick         # CI: 100 agents, 100 waiting
    ROUTING_TEST_POSTGRES="$(.ci/postgres)" python benchmarks/bench_durable.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _centre import new_centre, prebuilt
from _common import Figure, parser, payload, print_table, write_json

from routing import Policy, Router
from routing.durable import DurableRouter, PostgresStore, SQLiteStore

POLICY = Policy(offer_timeout=None)
SEED = 20_261_204


SCALE = [1.0]  # agents in thousands (quick: 0.1)


def lifecycles_per_s(router: Any, size: int, steps: int) -> float:
    """Wall-clock lifecycles per second over ``steps`` steps at ``size`` waiting."""
    centre, workload = new_centre(router, size, SEED, SCALE[0])
    items = prebuilt(workload.live(steps, centre.now + 1.0))
    began = time.perf_counter()
    counts = centre.run(items)
    return counts.completes / (time.perf_counter() - began)


def build_journal(path: Path, commands: int, size: int) -> None:
    """A SQLite journal of ``commands`` commands of the workload (built fast: group
    commit, no fsync), with a snapshot within the last 1,000 commands."""
    store = SQLiteStore(path, synchronous="OFF")
    durable = DurableRouter(store, POLICY, sync="group", group_ms=1000.0)
    centre, workload = new_centre(durable, size, SEED, SCALE[0])
    snapshot_at = commands - 1000
    snapped = False
    while durable.journaled < commands:
        left = commands - durable.journaled
        chunk = max(1, min(2000, left // 4))
        centre.run(prebuilt(workload.live(chunk, centre.now + 1.0)))
        if not snapped and durable.journaled >= snapshot_at:
            durable.snapshot()
            snapped = True
    durable.close()


def recovery_seconds(path: Path, with_snapshot: bool) -> tuple[float, int]:
    """Wall seconds to open the journal at ``path`` and the records replayed."""
    work = path.with_name(f"{path.stem}-{'s' if with_snapshot else 'j'}.db")
    shutil.copy(path, work)
    if not with_snapshot:
        store = SQLiteStore(work)
        store._db.execute("DELETE FROM snapshots")
        store.close()
    began = time.perf_counter()
    durable = DurableRouter.open(work)
    seconds = time.perf_counter() - began
    replayed = durable.recovery.replayed
    durable.close()
    return seconds, replayed


def main() -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "durable router benchmark")
    cli.add_argument("--size", type=int, help="tasks kept waiting (default 1,000; quick 200)")
    cli.add_argument("--steps", type=int, help="timed steps per router (default 1,000)")
    args = cli.parse_args()
    size = args.size or (100 if args.quick else 1000)
    steps = args.steps or (200 if args.quick else 2000)
    journals = (5_000,) if args.quick else (100_000, 1_000_000)
    SCALE[0] = 0.1 if args.quick else 1.0
    folder = Path(tempfile.mkdtemp(prefix="bench-durable-"))
    figures: list[Figure] = []
    try:
        print(
            f"durable benchmark: {round(1000 * SCALE[0]):,} agents, {size:,} waiting, "
            f"{steps:,} steps per router",
            flush=True,
        )
        memory = lifecycles_per_s(Router(POLICY), size, steps)
        figures.append(Figure("memory_lifecycles_per_s", "in-memory Router", memory, "/s"))
        runs: list[tuple[str, str, Any]] = [
            (
                "sqlite_command",
                "SQLite, per-command sync",
                lambda: DurableRouter.open(folder / "command.db", POLICY),
            ),
            (
                "sqlite_group",
                "SQLite, group commit 10 ms",
                lambda: DurableRouter.open(
                    folder / "group.db", POLICY, sync="group", group_ms=10.0
                ),
            ),
        ]
        conninfo = os.environ.get("ROUTING_TEST_POSTGRES")
        if conninfo:
            runs.append(
                (
                    "postgres_command",
                    "PostgreSQL, per-command sync",
                    lambda: DurableRouter(
                        PostgresStore(conninfo, prefix=f"bench{os.getpid()}"), POLICY
                    ),
                )
            )
        else:
            print("  PostgreSQL: skipped (set ROUTING_TEST_POSTGRES, e.g. from .ci/postgres)")
        for key, label, make in runs:
            durable = make()
            rate = lifecycles_per_s(durable, size, steps)
            durable.close()
            print(f"  {label}: {rate:,.0f} lifecycles/s ({memory / rate:,.1f}x slower)", flush=True)
            figures.append(Figure(f"{key}_lifecycles_per_s", label, rate, "/s"))
            figures.append(
                Figure(f"{key}_slowdown", f"{label}: in-memory / durable", memory / rate, "x")
            )
        rates = {fig.key: fig.value for fig in figures}
        figures.append(
            Figure(
                "group_over_command",
                "SQLite: group commit / per-command sync, lifecycles/s",
                rates["sqlite_group_lifecycles_per_s"] / rates["sqlite_command_lifecycles_per_s"],
                "x",
                ">=",
                1.0,
            )
        )
        if conninfo:
            import psycopg

            with psycopg.connect(conninfo, autocommit=True) as db:
                for table in ("meta", "journal", "snapshots"):
                    db.execute(f"DROP TABLE IF EXISTS bench{os.getpid()}_{table}")
        for commands in journals:
            path = folder / f"journal-{commands}.db"
            began = time.perf_counter()
            build_journal(path, commands, size)
            print(
                f"  a journal of {commands:,} commands built in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
            full, replayed = recovery_seconds(path, with_snapshot=False)
            quick, tail = recovery_seconds(path, with_snapshot=True)
            print(
                f"  recovery of {commands:,}: {full:.2f} s replaying {replayed:,}; "
                f"{quick:.2f} s from a snapshot and {tail:,} records",
                flush=True,
            )
            figures.append(
                Figure(
                    f"recovery_s_{commands}",
                    f"recovery of {commands:,} commands, whole journal",
                    full,
                    "s",
                )
            )
            figures.append(
                Figure(
                    f"recovery_s_{commands}_snapshot",
                    f"recovery of {commands:,} commands, from a snapshot {tail:,} before the end",
                    quick,
                    "s",
                )
            )
            target = {"op": "<=", "target": 1.0} if commands >= 100_000 else {}
            figures.append(
                Figure(
                    f"recovery_snapshot_over_journal_{commands}",
                    f"recovery of {commands:,}: from the snapshot / whole journal",
                    quick / full,
                    "x",
                    **target,  # type: ignore[arg-type]
                )
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table("Durable router: lifecycle cost and recovery time", figures)
    if args.json:
        write_json(args.json, payload("bench_durable", args.quick, figures, size=size, steps=steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
