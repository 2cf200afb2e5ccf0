"""The durable router case by case: the value codec, the SQLite store and its tail
checks, bad input and store failures (nothing journaled, nothing changed), sync
modes, and what opening an existing journal checks."""

from __future__ import annotations

import functools
import math
import pickle
import sqlite3
import time
import types
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from routing import (
    Agent,
    AgentState,
    Customer,
    InvalidInputError,
    Policy,
    RelaxStep,
    Requirement,
    Router,
    Task,
    TaskState,
    UnknownTaskError,
)
from routing.durable import DurableRouter, SQLiteStore, StoreError, UnjournalableError, snapshot
from routing.durable.codec import decode, dumps, encode, loads
from routing.durable.store import FORMAT, record_crc
from tests.oracle import offers_in
from tests.routing.test_router_stateful import TASK_IDS, router_view
from tests.strategies import agents, policies, policies_with_routing_profiles, tasks


class TestCodec:
    @given(task=tasks(now=10.0))
    def test_a_task_comes_back_equal(self, task: Task) -> None:
        assert loads(dumps(task)) == task

    @given(agent=agents())
    def test_an_agent_comes_back_equal(self, agent: Agent) -> None:
        assert loads(dumps(agent)) == agent

    @given(policy=policies() | policies_with_routing_profiles())
    def test_a_policy_comes_back_equal(self, policy: Policy) -> None:
        assert loads(dumps(policy)) == policy

    def test_values_keep_their_types_exactly(self) -> None:
        value = {
            "t": (1, 2.5, -0.0),
            "f": frozenset({"a", "b"}),
            "l": [None, True, math.inf],
            3: AgentState.AWAY,
            "x": 0.1 + 0.2,
        }
        back = loads(dumps(value))
        assert back == value
        assert type(back["t"]) is tuple and type(back["f"]) is frozenset
        assert math.copysign(1.0, back["t"][2]) == -1.0
        assert back["x"] == 0.30000000000000004
        task = Task(
            "t",
            "voice",
            Requirement({"billing": 3}, steps=(RelaxStep(30.0, {"billing": 1}),)),
            Customer("c", value=2.5, tier="gold", is_new=True),
            attributes={"order": [1, 2], "vip": True},
        )
        assert loads(dumps(task)) == task

    def test_an_arbitrary_object_is_refused_with_its_path(self) -> None:
        with pytest.raises(UnjournalableError, match=r"task\.attributes\['when'\]"):
            encode(Task("t", "voice", attributes={"when": object()}), "task")
        assert isinstance(UnjournalableError("x"), InvalidInputError)

    def test_what_is_not_a_journal_value_is_refused(self) -> None:
        for data in ({"$": "Router"}, {"$enum": "Policy", "value": 1}, {"?": 1}, b"x"):
            with pytest.raises(ValueError):
                decode(data)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


def centre(durable: DurableRouter) -> None:
    """ann and bob on voice; t1 assigned to one, t2 offered to the other, t3 waiting."""
    for name in ("ann", "bob"):
        durable.add_agent(Agent(name, {"billing": 2}, {"voice": 1}), 0.0)
    [first] = offers_in(durable.submit(Task("t1", "voice", sla_target=20.0), 1.0))
    durable.accept(first.id, 2.0)
    durable.submit(Task("t2", "voice", customer=Customer("c1", 3.0)), 3.0)
    durable.submit(Task("t3", "voice", ttl=600.0), 4.0)


class TestRecovery:
    def test_reopening_gives_the_same_router_and_the_same_next_decisions(self, path: Path) -> None:
        durable = DurableRouter.open(path, Policy(offer_timeout=30.0))
        centre(durable)
        twin = Router(Policy(offer_timeout=30.0))
        centre(twin)  # type: ignore[arg-type]
        durable.close()
        again = DurableRouter.open(path)
        assert again.policy == Policy(offer_timeout=30.0)
        assert again.recovery.replayed == 6 and again.recovery.cut == 0
        ids = [*TASK_IDS, "t1", "t2", "t3"]
        assert router_view(again, ids) == router_view(twin, ids)  # type: ignore[arg-type]
        # the offer timed out in both (at 33), offer ids continue, not restart
        assert again.advance(40.0) == twin.advance(40.0)
        assert again.complete("t1", 41.0) == twin.complete("t1", 41.0)
        again.check()

    def test_a_rejected_call_journals_nothing_and_changes_nothing(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        centre(durable)
        before = router_view(durable, list(TASK_IDS))  # type: ignore[arg-type]
        with pytest.raises(UnknownTaskError):
            durable.cancel("nope", 5.0)
        with pytest.raises(UnjournalableError):
            durable.submit(Task("t9", "voice", attributes={"f": print}), 5.0)
        assert durable.journaled == 6
        assert router_view(durable, list(TASK_IDS)) == before  # type: ignore[arg-type]
        durable.close()
        assert DurableRouter.open(path).journaled == 6

    def test_a_corrupt_tail_is_cut_never_replayed(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        centre(durable)
        durable.close()
        db = sqlite3.connect(path)
        db.execute("UPDATE journal SET args = args || ' ' WHERE seq = 5")  # still JSON
        db.commit()
        db.close()
        again = DurableRouter.open(path)
        assert (again.recovery.replayed, again.recovery.cut, again.recovery.cut_from) == (4, 2, 5)
        assert again.task_state("t1") is TaskState.ASSIGNED
        for gone in ("t2", "t3"):
            with pytest.raises(UnknownTaskError):
                again.task_state(gone)
        again.submit(Task("t3", "voice"), 6.0)  # the journal goes on from record 5
        again.close()
        assert DurableRouter.open(path).journaled == 5

    def test_a_gap_in_the_journal_ends_what_is_replayed(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        centre(durable)
        durable.close()
        db = sqlite3.connect(path)
        db.execute("DELETE FROM journal WHERE seq = 3")
        db.commit()
        db.close()
        again = DurableRouter.open(path)
        assert (again.recovery.replayed, again.recovery.cut_from) == (2, 3)

    def test_a_journal_of_another_policy_or_version_is_refused(self, path: Path) -> None:
        DurableRouter.open(path, Policy()).close()
        with pytest.raises(InvalidInputError, match="another policy"):
            DurableRouter.open(path, Policy.fifo())
        db = sqlite3.connect(path)
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
        db.commit()
        db.close()
        with pytest.raises(StoreError, match="version '99'; this engine reads version 1"):
            DurableRouter.open(path)

    def test_a_record_that_does_not_replay_is_a_store_error(self, path: Path) -> None:
        store = SQLiteStore(path)
        store.create({"format": FORMAT, "version": "1", "policy": dumps(Policy())})
        args = '{"now":0.0,"agent_id":"ghost"}'
        store.append(1, "remove_agent", args)
        store.commit()
        store.close()
        with pytest.raises(StoreError, match=r"record 1 \(remove_agent\) does not replay"):
            DurableRouter.open(path)

    def test_the_crc_covers_the_number_the_op_and_the_arguments(self) -> None:
        base = record_crc(1, "advance", '{"now":1.0}')
        assert base != record_crc(2, "advance", '{"now":1.0}')
        assert base != record_crc(1, "cancel", '{"now":1.0}')
        assert base != record_crc(1, "advance", '{"now":2.0}')


class FailingStore(SQLiteStore):
    """A SQLite store whose next commits fail, as on a full disk."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, synchronous="OFF")
        self.fail = 0

    def commit(self) -> None:
        if self.fail:
            self.fail -= 1
            self.rollback()
            raise StoreError("journal: committing failed: database or disk is full")
        super().commit()


class TestStoreFailure:
    def test_the_call_raises_and_the_router_is_what_the_journal_holds(self, path: Path) -> None:
        store = FailingStore(path)
        durable = DurableRouter(store)
        centre(durable)
        before = router_view(durable, list(TASK_IDS))  # type: ignore[arg-type]
        store.fail = 1
        with pytest.raises(StoreError, match="disk is full"):
            durable.cancel("t3", 5.0)
        assert durable.task_state("t3") is TaskState.QUEUED  # not applied
        assert router_view(durable, list(TASK_IDS)) == before  # type: ignore[arg-type]
        durable.check()
        durable.cancel("t3", 5.0)  # the disk has room again
        assert durable.journaled == 7

    def test_under_group_commit_the_uncommitted_commands_go_too(self, path: Path) -> None:
        store = FailingStore(path)
        durable = DurableRouter(store, sync="group", group_ms=60_000.0)
        centre(durable)  # in the loss window: appended, not committed
        store.fail = 1
        with pytest.raises(StoreError):
            durable.flush()
        assert durable.journaled == 0 and durable.agents_by_state()[AgentState.AVAILABLE] == []
        durable.close()


class TestGroupCommit:
    def test_records_are_durable_after_flush_and_close(self, path: Path) -> None:
        durable = DurableRouter.open(path, sync="group", group_ms=60_000.0)
        centre(durable)
        reader = SQLiteStore(path)
        assert list(reader.load()) == []  # nothing committed yet
        durable.flush()
        assert len(list(reader.load())) == 6
        durable.submit(Task("t4", "voice"), 7.0)
        durable.close()
        assert len(list(reader.load())) == 7
        reader.close()

    def test_the_flusher_commits_within_the_window_when_calls_stop(self, path: Path) -> None:
        durable = DurableRouter.open(path, sync="group", group_ms=20.0)
        centre(durable)
        reader = SQLiteStore(path)
        for _ in range(200):  # up to 2 s, well past 20 ms
            if len(list(reader.load())) == 6:
                break
            time.sleep(0.01)
        assert len(list(reader.load())) == 6
        reader.close()
        durable.close()

    def test_bad_settings_are_refused(self, path: Path) -> None:
        store = SQLiteStore(path)
        for kwargs in ({"sync": "never"}, {"group_ms": 0}, {"group_ms": math.inf}):
            with pytest.raises(InvalidInputError):
                DurableRouter(store, **kwargs)  # type: ignore[arg-type]
        assert store.header() is None  # nothing written
        with pytest.raises(StoreError):
            SQLiteStore(path, synchronous="SOMETIMES")

    def test_a_closed_router_refuses_calls(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        durable.close()
        durable.close()  # twice is fine
        with pytest.raises(StoreError, match="closed"):
            durable.advance(1.0)


def test_an_unopenable_journal_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the journal"):
        SQLiteStore(tmp_path / "missing" / "journal.db")


class TestSnapshots:
    def test_recovery_starts_from_the_newest_snapshot(self, path: Path) -> None:
        durable = DurableRouter.open(path, snapshot_every=4)
        centre(durable)  # 6 commands: a snapshot after record 4
        durable.close()
        again = DurableRouter.open(path)
        assert (again.recovery.snapshot, again.recovery.replayed) == (4, 2)
        again.snapshot()
        again.advance(50.0)
        again.close()
        third = DurableRouter.open(path)
        assert (third.recovery.snapshot, third.recovery.replayed) == (6, 1)
        third.check()

    def test_a_damaged_snapshot_falls_back_to_the_one_before(self, path: Path) -> None:
        durable = DurableRouter.open(path, snapshot_every=2)
        centre(durable)  # snapshots after records 2, 4 and 6; the two newest are kept
        twin = Router(Policy())
        centre(twin)  # type: ignore[arg-type]
        durable.close()
        db = sqlite3.connect(path)
        assert [seq for (seq,) in db.execute("SELECT seq FROM snapshots ORDER BY seq")] == [4, 6]
        db.execute("UPDATE snapshots SET data = replace(data, '\"T\"', '\"L\"') WHERE seq = 6")
        db.commit()
        db.close()
        again = DurableRouter.open(path)
        assert (again.recovery.snapshot, again.recovery.replayed) == (4, 2)
        assert again.recovery.skipped == ("snapshot at record 6: fails its CRC",)
        ids = ["t1", "t2", "t3"]
        assert router_view(again, ids) == router_view(twin, ids)  # type: ignore[arg-type]

    def test_another_engines_snapshot_is_refused_and_the_journal_replayed(self, path: Path) -> None:
        durable = DurableRouter.open(path, snapshot_every=3)
        centre(durable)
        durable.close()
        db = sqlite3.connect(path)
        for seq, data in db.execute("SELECT seq, data FROM snapshots").fetchall():
            changed = data.replace('"fingerprint":"', '"fingerprint":"0', 1)
            db.execute(
                "UPDATE snapshots SET data = ?, crc = ? WHERE seq = ?",
                (changed, zlib.crc32(changed.encode()), seq),
            )
        db.commit()
        db.close()
        again = DurableRouter.open(path)
        assert (again.recovery.snapshot, again.recovery.replayed) == (None, 6)
        assert len(again.recovery.skipped) == 2
        assert "another record layout" in again.recovery.skipped[0]

    def test_a_large_router_snapshots_where_pickle_recurses_too_deep(self) -> None:
        # 100 agent profiles x 100 waiting requirement groups (issue 12's case)
        # (each of 100 distinct profiles eligible for each of the 100 groups)
        router = Router(Policy(offer_timeout=None))
        common = {f"s{j}": 3 for j in range(100)}
        for i in range(100):
            router.add_agent(Agent(f"a{i}", {**common, f"own{i}": 1}, {"chat": 1}), 0.0)
            router.set_agent_state(f"a{i}", AgentState.AWAY, 0.0)
        for j in range(100):
            router.submit(Task(f"t{j}", "chat", Requirement({f"s{j}": 2})), 1.0)
        with pytest.raises(RecursionError):
            pickle.dumps(router)
        copy = snapshot.loads(snapshot.dumps(snapshot.take(router)))
        copy.check()
        for i in range(100):
            assert copy.set_agent_state(f"a{i}", AgentState.AVAILABLE, 2.0) == (
                router.set_agent_state(f"a{i}", AgentState.AVAILABLE, 2.0)
            )

    def test_an_object_a_snapshot_cannot_write_is_named(self) -> None:
        router = Router()
        router.submit(Task("t1", "voice", attributes={"callback": print}), 0.0)
        with pytest.raises(snapshot.SnapshotError, match="builtin_function_or_method"):
            snapshot.take(router)

    def test_what_is_not_a_snapshot_is_refused(self) -> None:
        for text in ("[", "{}", '{"format": "skills-routing snapshot", "version": 2}'):
            with pytest.raises(snapshot.SnapshotError):
                snapshot.loads(text)
        good = snapshot.take(Router())
        good["objects"][0] = ["I", "os.system", []]
        with pytest.raises(snapshot.SnapshotError, match=r"unknown engine class 'os\.system'"):
            snapshot.restore(good)

    def test_a_bad_cadence_is_refused(self, path: Path) -> None:
        for every in (0, -1, 2.5, True):
            with pytest.raises(InvalidInputError, match="snapshot_every"):
                DurableRouter(SQLiteStore(path), snapshot_every=every)  # type: ignore[arg-type]


class TestWhatIsJournaledIsWhatRan:
    """Found by an adversarial review: each once left the router changed with no
    record, or a record that does not replay."""

    def test_a_numpy_string_id_is_journaled_as_the_string(self, path: Path) -> None:
        np = pytest.importorskip("numpy")
        durable = DurableRouter.open(path)
        durable.add_agent(Agent("ann", {"billing": 1}, {"voice": 1}), 0.0)
        durable.set_agent_state(np.str_("ann"), AgentState.AWAY, 1.0, reason=np.str_("break"))
        durable.close()
        again = DurableRouter.open(path)
        assert again.agent_status("ann").reason == "break"
        assert again.agents_by_state()[AgentState.AWAY] == ["ann"]

    @pytest.mark.parametrize(
        "attributes",
        [{"n": 10**5000}, {"deep": functools.reduce(lambda inner, _: [inner], range(100), [])}],
    )
    def test_what_would_not_read_back_is_refused_before_anything_changes(
        self, path: Path, attributes: dict[str, Any]
    ) -> None:
        durable = DurableRouter.open(path)
        with pytest.raises(UnjournalableError):
            durable.submit(Task("t1", "voice", attributes=attributes), 1.0)
        assert durable.journaled == 0 and durable.waiting_count() == 0
        assert durable.now == -math.inf

    def test_the_router_keeps_the_journals_copy_of_the_attributes(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        mine = {"tags": ["vip"]}
        durable.submit(Task("t1", "voice", attributes=types.MappingProxyType(mine)), 1.0)
        mine["tags"].append("escalated")  # the caller's dict, changed afterwards
        [task] = durable.waiting_tasks()
        assert task.attributes == {"tags": ["vip"]} and type(task.attributes) is dict
        durable.snapshot()
        durable.close()
        again = DurableRouter.open(path)
        assert again.recovery.snapshot == 1 and again.recovery.skipped == ()
        assert again.waiting_tasks()[0].attributes == {"tags": ["vip"]}

    def test_a_frozenset_of_model_values_snapshots_and_loads(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        held = frozenset({Customer("c1", 2.0), Requirement({"billing": 1})})
        durable.submit(Task("t1", "voice", attributes={"x": held}), 1.0)
        durable.snapshot()
        durable.close()
        again = DurableRouter.open(path)
        assert again.recovery.skipped == () and again.recovery.snapshot == 1
        assert again.waiting_tasks()[0].attributes == {"x": held}

    def test_a_failed_scheduled_snapshot_does_not_fail_its_command(self, path: Path) -> None:
        class NoSnapshots(SQLiteStore):
            def write_snapshot(self, seq: int, data: str, keep: int = 2) -> None:
                raise StoreError("journal: writing the snapshot failed: disk is full")

        durable = DurableRouter(NoSnapshots(path), snapshot_every=1)
        durable.submit(Task("t1", "voice"), 1.0)  # journaled; its snapshot failed
        assert durable.journaled == 1 and "disk is full" in (durable.snapshot_error or "")
        with pytest.raises(StoreError, match="disk is full"):
            durable.snapshot()
        assert durable.task_state("t1") is TaskState.QUEUED
        durable.close()
        assert DurableRouter.open(path).journaled == 1

    def test_a_snapshot_after_no_command_is_reported(self, path: Path) -> None:
        durable = DurableRouter.open(path)
        durable.snapshot()
        durable.close()
        assert DurableRouter.open(path).recovery.snapshot == 0

    def test_a_router_closed_by_a_store_it_cannot_read_answers_nothing(self, path: Path) -> None:
        store = FailingStore(path)
        durable = DurableRouter(store)
        centre(durable)
        store.fail = 1

        def unreadable() -> Iterator[tuple[int, str | None]]:
            raise StoreError("journal: reading the snapshots failed: disk gone")
            yield  # pragma: no cover

        store.snapshots = unreadable  # type: ignore[method-assign]
        with pytest.raises(StoreError):
            durable.cancel("t3", 5.0)
        for view in (lambda: durable.task_state("t1"), durable.agents_by_state):
            with pytest.raises(StoreError, match="closed: the store failed"):
                view()
