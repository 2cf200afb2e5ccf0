"""The durable router with its journal in a real PostgreSQL server (see conftest.py):
recovery, snapshots, a corrupt tail, a lost connection, and SIGKILL crash runs."""

from __future__ import annotations

import random

import psycopg
import pytest

from routing import Policy, Router, TaskState
from routing.durable import DurableRouter, PostgresStore, StoreError
from tests.routing.durable.test_crash import KILLS, kill_one, reference
from tests.routing.durable.test_durable import centre
from tests.routing.durable.workload import POLICY, Workload
from tests.routing.test_router_stateful import TASK_IDS, router_view

IDS = [*TASK_IDS, "t1", "t2", "t3"]


def test_recovery_and_snapshots(postgres: str, prefix: str) -> None:
    durable = DurableRouter(PostgresStore(postgres, prefix=prefix), snapshot_every=4)
    centre(durable)
    twin = Router(Policy())
    centre(twin)  # type: ignore[arg-type]
    durable.close()
    again = DurableRouter(PostgresStore(postgres, prefix=prefix))
    assert (again.recovery.snapshot, again.recovery.replayed) == (4, 2)
    assert router_view(again, IDS) == router_view(twin, IDS)  # type: ignore[arg-type]
    assert again.advance(100.0) == twin.advance(100.0)
    again.close()


def test_a_corrupt_tail_is_cut(postgres: str, prefix: str) -> None:
    durable = DurableRouter(PostgresStore(postgres, prefix=prefix))
    centre(durable)
    durable.close()
    with psycopg.connect(postgres, autocommit=True) as db:
        db.execute(f"UPDATE {prefix}_journal SET args = args || ' ' WHERE seq = 5")
    again = DurableRouter(PostgresStore(postgres, prefix=prefix))
    assert (again.recovery.replayed, again.recovery.cut, again.recovery.cut_from) == (4, 2, 5)
    again.close()


def test_a_lost_connection_raises_and_the_router_stays_what_the_journal_holds(
    postgres: str, prefix: str
) -> None:
    store = PostgresStore(postgres, prefix=prefix)
    durable = DurableRouter(store)
    centre(durable)
    before = router_view(durable, IDS)  # type: ignore[arg-type]
    (pid,) = store._db.execute("SELECT pg_backend_pid()").fetchone()
    store._db.rollback()
    with psycopg.connect(postgres, autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreError, match="PostgreSQL"):
        durable.cancel("t3", 5.0)
    assert durable.task_state("t3") is TaskState.QUEUED  # not applied, read back
    assert router_view(durable, IDS) == before  # type: ignore[arg-type]
    durable.cancel("t3", 5.0)  # reconnected
    durable.close()
    assert DurableRouter(PostgresStore(postgres, prefix=prefix)).journaled == 7


def test_an_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresStore("host=/nonexistent-socket-dir dbname=x connect_timeout=1")
    with pytest.raises(StoreError, match="prefix"):
        PostgresStore("host=/nonexistent", prefix="Bad-Name")


@pytest.mark.slow
def test_recovery_after_sigkill(postgres: str, prefix: str) -> None:
    """As ``test_crash`` does for SQLite, per-command sync, a fifth of the kills."""
    rng = random.Random(20261205)
    lost = 0
    for run in range(max(4, KILLS // 5)):
        seed = rng.randrange(10**6)
        table = f"{prefix}r{run}"
        acknowledged, how = kill_one(
            f"pg:{table}:{postgres}", seed, rng.uniform(0.0, 0.4), "command"
        )
        assert how != "done"
        recovered = DurableRouter(PostgresStore(postgres, prefix=table), POLICY)
        journaled = recovered.journaled
        assert acknowledged <= journaled <= acknowledged + 1, (run, acknowledged, journaled)
        lost += journaled < acknowledged
        expected, workload = reference(seed, journaled)
        recovered.check()
        ids = [f"t{i}" for i in range(1, workload.serial + 1)]
        assert router_view(recovered, ids) == router_view(expected, ids)  # type: ignore[arg-type]
        after, twin = Workload(seed + 1, prefix="n"), Workload(seed + 1, prefix="n")
        for step in range(1000):
            got, want = after.run(recovered), twin.run(expected)
            assert (got[0], repr(got[1])) == (want[0], repr(want[1])), (run, step)
        recovered.close()
        with psycopg.connect(postgres, autocommit=True) as db:
            for name in ("meta", "journal", "snapshots"):
                db.execute(f"DROP TABLE IF EXISTS {table}_{name}")
