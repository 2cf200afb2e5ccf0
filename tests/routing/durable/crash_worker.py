"""The process a crash test kills: a durable router driven by a seeded workload.

    python -m tests.routing.durable.crash_worker JOURNAL SEED COMMANDS SYNC

It prints ``ready`` once the journal is open, then the number of commands the
durable router has acknowledged after each one it accepted (flushed at once, so the
parent knows what was acknowledged when it killed the process), and ``done`` at the
end.
"""

from __future__ import annotations

import sys

from routing.durable import DurableRouter
from tests.routing.durable.workload import POLICY, Workload


def main() -> None:
    path, seed, commands, sync = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
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
    durable.close()
    out.write("done\n")
    out.flush()


if __name__ == "__main__":
    main()
