"""The process a crash test kills: a durable router driven by a seeded workload.

    python -m tests.routing.durable.crash_worker JOURNAL SEED COMMANDS SYNC SNAPSHOT_EVERY

``JOURNAL`` is a SQLite path, or ``pg:PREFIX:CONNINFO`` for a journal in PostgreSQL.

It prints ``ready`` once the journal is open, then the number of commands the
durable router has acknowledged after each one it accepted (flushed at once, so the
parent knows what was acknowledged when it killed the process), ``snapshot`` and
``snapshotted`` around each snapshot it takes (every ``SNAPSHOT_EVERY`` acknowledged
commands; 0: none), and ``done`` at the end.
"""

from __future__ import annotations

import sys

from routing.durable import DurableRouter, PostgresStore
from tests.routing.durable.workload import POLICY, Workload


def main() -> None:
    path, seed, commands, sync = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    every = int(sys.argv[5])
    if path.startswith("pg:"):  # pg:PREFIX:CONNINFO, a journal in PostgreSQL
        _, prefix, conninfo = path.split(":", 2)
        store = PostgresStore(conninfo, prefix=prefix)
        durable = DurableRouter(store, POLICY, sync=sync)  # type: ignore[arg-type]
    else:
        durable = DurableRouter.open(path, POLICY, sync=sync)  # type: ignore[arg-type]
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    workload = Workload(seed)
    acknowledged = 0
    for _ in range(commands):
        accepted, _ = workload.run(durable)
        if accepted:
            acknowledged += 1
            out.write(f"{acknowledged}\n")
            out.flush()
            if every and acknowledged % every == 0:
                out.write("snapshot\n")
                out.flush()
                durable.snapshot()
                out.write("snapshotted\n")
                out.flush()
    durable.close()
    out.write("done\n")
    out.flush()


if __name__ == "__main__":
    main()
