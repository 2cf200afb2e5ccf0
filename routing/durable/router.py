"""DurableRouter: a Router whose every accepted command is journaled, so that a
process that dies loses nothing it acknowledged.

The router is deterministic given the sequence of calls (it reads no clock and draws
no random number), so the journal of the commands it accepted is its state: opening
a durable router on an existing journal replays it into a fresh in-memory router,
which then equals the one that died, down to offer ids, idle clocks and customer
context, and makes the same decisions from there on.

A command is handled in this order: its values are checked to be journalable
(:mod:`routing.durable.codec`), the in-memory router runs it (bad input raises there,
before anything changes, and nothing is journaled), its record is appended with the
canonical arguments the router used (``now`` as the float it kept, ids as given), and
the call returns only once the record is as durable as the sync mode promises:

* ``sync="command"`` (the default): each record is committed before the call returns.
  Nothing acknowledged is ever lost; each call pays one commit (an ``fsync``).
* ``sync="group"``: records are committed together, at most ``group_ms`` after the
  first of them (by the next call, or by a background flusher when calls stop), and at
  :meth:`DurableRouter.flush` and :meth:`DurableRouter.close`. A crash loses at most
  the commands acknowledged in the last ``group_ms`` milliseconds (plus the one in
  flight); in exchange a commit is shared by every command in the group.

If the store fails (disk full, file locked, connection lost), the call raises
:class:`~routing.durable.store.StoreError` and the in-memory router is rebuilt from
what the store holds, so it stays consistent with the journal: the failed command is
not applied, and under group commit neither are the uncommitted ones before it (they
were in the loss window). If the store cannot even be read, the durable router is
closed and every later call raises ``StoreError``.

Recovery (:meth:`DurableRouter.open` on an existing journal, or :meth:`recover`)
replays every good record; a torn or corrupt tail (a record missing, out of
sequence or failing its CRC) is cut and reported in :attr:`recovery`, never replayed.
"""

from __future__ import annotations

import decimal
import json
import math
import numbers
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import attrs

from routing.durable import snapshot
from routing.durable.codec import UnjournalableError, decode, dumps, encode, loads
from routing.durable.postgres import PostgresStore
from routing.durable.store import (
    FORMAT,
    VERSION,
    SQLiteStore,
    Store,
    StoreError,
    record_crc,
    snapshot_crc,
)
from routing.errors import InvalidInputError, RoutingError
from routing.events import Event
from routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    CustomerContext,
    Offer,
    Requirement,
    Task,
    TaskState,
    check_id,
    check_instant,
    is_bool,
    to_bool,
    to_int,
)
from routing.policy import Policy
from routing.router import Router
from routing.stats import QueueStats, ServiceStats, WaitEstimate

__all__ = ["DurableRouter", "Recovery"]

Sync = Literal["command", "group"]


@attrs.frozen
class Recovery:
    """What opening or recovering a durable router found.

    Attributes:
        replayed: journal records replayed.
        cut: records of a torn or corrupt tail that were deleted (0 if none).
        cut_from: the first record cut, or ``None``.
        seconds: wall-clock time the recovery took.
        snapshot: the record the snapshot it started from was taken after, or
            ``None`` (the whole journal was replayed).
        skipped: why newer snapshots were not used (damaged, another engine's).
    """

    replayed: int
    cut: int
    cut_from: int | None
    seconds: float
    snapshot: int | None = None
    skipped: tuple[str, ...] = ()


class DurableRouter:
    """A :class:`~routing.router.Router` with a journal (see the module docstring).

    It offers every method of ``Router``: the mutating ones are journaled, the views
    answer from the in-memory router. Like ``Router`` it is single-threaded by
    contract (wrap it in your own lock to share it).

    >>> import tempfile, os
    >>> from routing import Agent, Task
    >>> path = os.path.join(tempfile.mkdtemp(), "router.db")
    >>> durable = DurableRouter.open(path)
    >>> _ = durable.add_agent(Agent("ann", {"billing": 2}, {"voice": 1}), 0.0)
    >>> [type(e).__name__ for e in durable.submit(Task("t1", "voice"), 1.0)]
    ['Submitted', 'Offered']
    >>> durable.close()
    >>> again = DurableRouter.open(path)  # as after a crash: the journal is replayed
    >>> again.task_state("t1"), again.recovery.replayed
    (<TaskState.OFFERED: 'offered'>, 2)
    >>> again.close()
    """

    def __init__(
        self,
        store: Store,
        policy: Policy | None = None,
        *,
        sync: Sync = "command",
        group_ms: float = 10.0,
        snapshot_every: int | None = None,
    ) -> None:
        if sync not in ("command", "group"):
            raise InvalidInputError(f"sync {sync!r} must be 'command' or 'group'")
        if not (isinstance(group_ms, int | float) and 0 < group_ms < math.inf):
            raise InvalidInputError(f"group_ms {group_ms!r} must be a positive number")
        if policy is not None and not isinstance(policy, Policy):
            raise InvalidInputError(f"policy {policy!r} is not a Policy")
        if snapshot_every is not None and not (
            snapshot_every.__class__ is int and snapshot_every > 0
        ):
            raise InvalidInputError(f"snapshot_every {snapshot_every!r} must be a positive int")
        self.snapshot_every = snapshot_every
        self._store = store
        self.sync: Sync = sync
        self.group_ms = float(group_ms)
        self._lock = threading.Lock()  # the store, between calls and the flusher
        self._closed: str | None = None  # why, once closed
        self._pending_since: float | None = None  # monotonic time of the oldest uncommitted
        header = store.header()
        if header is None:
            self.policy = policy if policy is not None else Policy()
            store.create({"format": FORMAT, "version": str(VERSION), "policy": dumps(self.policy)})
        else:
            self.policy = self._read_header(header, policy)
        self._router = Router(self.policy)
        self._seq = 0
        self.recovery = self._replay()
        self.snapshot_error: str | None = None  # why the last scheduled snapshot failed
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()  # set by close: the flusher ends
        if sync == "group":
            self._flusher = threading.Thread(target=self._flush_loop, daemon=True)
            self._flusher.start()

    @classmethod
    def open(
        cls,
        target: str | Path,
        policy: Policy | None = None,
        *,
        sync: Sync = "command",
        group_ms: float = 10.0,
        snapshot_every: int | None = None,
    ) -> DurableRouter:
        """A durable router on the journal at ``target``: a SQLite file path, or a
        ``postgresql://`` URL (:class:`~routing.durable.postgres.PostgresStore`, with
        the ``postgres`` extra); a new journal (with ``policy``, or the default) if
        none is there, else the one there, recovered. ``policy``, if given for an
        existing journal, must be the one it was written with.

        Raises:
            StoreError: the journal cannot be opened or read, or was written by an
                engine whose journal format this one does not read.
            InvalidInputError: ``policy`` differs from the journal's.
        """
        store: Store
        if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
            store = PostgresStore(target)
        else:
            store = SQLiteStore(target)
        return cls(store, policy, sync=sync, group_ms=group_ms, snapshot_every=snapshot_every)

    @staticmethod
    def _read_header(header: dict[str, str], policy: Policy | None) -> Policy:
        if header.get("format") != FORMAT:
            raise StoreError(f"not a routing journal: its format is {header.get('format')!r}")
        if header.get("version") != str(VERSION):
            raise StoreError(
                f"journal format version {header.get('version')!r}; this engine reads "
                f"version {VERSION}"
            )
        try:
            stored = loads(header["policy"])
        except (KeyError, ValueError, TypeError) as error:
            raise StoreError(f"the journal's policy cannot be read: {error}") from error
        if not isinstance(stored, Policy):
            raise StoreError(f"the journal's policy is a {type(stored).__name__}")
        if policy is not None and policy != stored:
            raise InvalidInputError(
                "the journal was written with another policy; open it without one (to "
                "use its own) or with the same"
            )
        return stored

    # -- recovery ------------------------------------------------------------------

    def _replay(self) -> Recovery:
        """Load the newest snapshot that reads, then replay the good records after it
        into the in-memory router (the whole journal into a fresh one if none reads)."""
        began = time.perf_counter()
        store = self._store
        skipped: list[str] = []
        start, used = 0, None
        for seq, crc, data in store.snapshots():
            if not isinstance(data, str) or crc != snapshot_crc(data):
                skipped.append(f"snapshot at record {seq}: fails its CRC")
                continue
            try:
                restored = snapshot.loads(data)
            except snapshot.SnapshotError as error:
                skipped.append(f"snapshot at record {seq}: {error}")
                continue
            if restored.policy != self.policy:
                skipped.append(f"snapshot at record {seq}: another policy")
                continue
            self._router, start, used = restored, seq, seq
            break
        self._seq = start
        router = self._router
        count = 0
        bad = None  # the first record missing, out of sequence or failing its CRC
        for seq, op, args, crc in store.load(after=start):
            expected = start + count + 1
            if (
                seq != expected
                or not isinstance(op, str)
                or not isinstance(args, str)
                or crc != record_crc(seq, op, args)
            ):
                bad = expected
                break
            try:
                getattr(router, op)(**_decoded(args))
            except Exception as error:
                raise StoreError(
                    f"journal record {seq} ({op}) does not replay: {error!r}; the journal "
                    "was written by another engine or altered"
                ) from error
            count += 1
            self._seq = seq
        cut = store.cut(bad) if bad is not None else 0
        return Recovery(
            count,
            cut,
            bad if cut else None,
            time.perf_counter() - began,
            used,
            tuple(skipped),
        )

    def recover(self) -> Recovery:
        """Rebuild the in-memory router from the journal (what :meth:`open` does),
        dropping anything not committed."""
        with self._lock:
            self._store.rollback()
            self._pending_since = None
            self._router = Router(self.policy)
            self._seq = 0
            self.recovery = self._replay()
            return self.recovery

    # -- the journaled commands ----------------------------------------------------

    def _check_open(self) -> None:
        if self._closed is not None:
            raise StoreError(f"the durable router is closed: {self._closed}")

    def _run(self, op: str, **args: tuple[Any, Callable[[Any], Any]]) -> Any:
        """Journal and run command ``op``.

        Each argument comes with its conversion to the form the router keeps it in
        (``now`` a plain float, ids plain strings: the router's own conversions). They are
        encoded (refused here, before anything changes, if the journal cannot hold
        them), decoded again, and the router runs *the decoded* arguments: what it ran
        is exactly what a replay will run (a ``Task``'s attributes are the journal's
        copy, not the caller's dict, which it may change later). Where a conversion
        refuses the arguments, the router is called with them as given, so it raises
        its own precise error.
        """
        self._check_open()
        try:
            kwargs = {name: convert(value) for name, (value, convert) in args.items()}
        except (RoutingError, TypeError, ValueError, OverflowError) as error:
            getattr(self._router, op)(**{name: value for name, (value, _) in args.items()})
            # that raised the router's own error; had it not: undo, and refuse
            with self._lock:
                self._rebuild_after_failure()
            raise UnjournalableError(f"{op}: its arguments cannot be journaled") from error
        text = json.dumps(
            {name: encode(value, name) for name, value in kwargs.items()}, separators=(",", ":")
        )
        result = getattr(self._router, op)(**_decoded(text))  # bad input raises here
        with self._lock:
            seq = self._seq + 1
            try:
                self._store.append(seq, op, text)
                if self.sync == "command":
                    self._store.commit()
                else:
                    now = time.monotonic()
                    if self._pending_since is None:
                        self._pending_since = now
                    elif now - self._pending_since >= self.group_ms / 1000:
                        self._store.commit()
                        self._pending_since = None
            except BaseException:
                self._rebuild_after_failure()
                raise
            self._seq = seq
            if self.snapshot_every is not None and seq % self.snapshot_every == 0:
                try:
                    self._snapshot_now()
                    self.snapshot_error = None
                except StoreError as error:  # the command stands; only the snapshot failed
                    self.snapshot_error = str(error)
                except snapshot.SnapshotError as error:
                    self.snapshot_error = str(error)
        return result

    def _snapshot_now(self) -> None:
        """Commit what is pending, then write a snapshot after record ``_seq`` in a
        transaction of its own (lock held). A failed commit rebuilds the router from
        the store and raises; a failed snapshot raises and changes nothing."""
        try:
            self._store.commit()
            self._pending_since = None
        except StoreError:
            self._rebuild_after_failure()
            raise
        text = snapshot.dumps(snapshot.take(self._router))
        try:
            self._store.write_snapshot(self._seq, text)
        except StoreError:
            self._store.rollback()  # only the snapshot was in the transaction
            raise

    def snapshot(self) -> None:
        """Snapshot the router now (committing every journaled command first), so
        that recovery replays only what comes after. ``snapshot_every`` does this every
        so many commands, where a failure does not fail the command that triggered
        it: it is kept in :attr:`snapshot_error` (``None`` after a snapshot succeeds).

        Raises:
            StoreError: the store failed; if the commit failed, the router is rebuilt
                from the store, else nothing changed.
            SnapshotError: the router holds a value a snapshot cannot write.
        """
        self._check_open()
        with self._lock:
            self._snapshot_now()

    def _rebuild_after_failure(self) -> None:
        """A command failed after the router ran it: make the router what the store
        holds (or close, if the store cannot be read)."""
        self._store.rollback()
        self._pending_since = None
        try:
            self._router = Router(self.policy)
            self._seq = 0
            self.recovery = self._replay()
        except StoreError as error:
            self._close_for(f"the store failed and could not be read back: {error}")

    def _close_for(self, reason: str) -> None:
        self._closed = reason
        self._router = _Closed(reason)  # type: ignore[assignment]

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.group_ms / 1000 / 2):
            with self._lock:
                since = self._pending_since
                if since is None or time.monotonic() - since < self.group_ms / 1000:
                    continue
                try:
                    self._store.commit()
                    self._pending_since = None
                except StoreError:
                    pass  # the next call meets the failure and rebuilds

    def add_agent(self, agent: Agent, now: float) -> list[Event]:
        """:meth:`Router.add_agent`, journaled."""
        return self._run("add_agent", agent=(agent, _same), now=(now, _now))  # type: ignore[no-any-return]

    def remove_agent(self, agent_id: str, now: float) -> list[Event]:
        """:meth:`Router.remove_agent`, journaled."""
        return self._run(  # type: ignore[no-any-return]
            "remove_agent", agent_id=(agent_id, _agent_id), now=(now, _now)
        )

    def set_agent_state(
        self, agent_id: str, state: AgentState, now: float, reason: str | None = None
    ) -> list[Event]:
        """:meth:`Router.set_agent_state`, journaled."""
        return self._run(  # type: ignore[no-any-return]
            "set_agent_state",
            agent_id=(agent_id, _agent_id),
            state=(state, _same),
            now=(now, _now),
            reason=(reason, _reason),
        )

    def update_agent(self, agent: Agent, now: float) -> list[Event]:
        """:meth:`Router.update_agent`, journaled."""
        return self._run("update_agent", agent=(agent, _same), now=(now, _now))  # type: ignore[no-any-return]

    def submit(self, task: Task, now: float) -> list[Event]:
        """:meth:`Router.submit`, journaled. ``task.attributes`` must be journalable
        (:mod:`routing.durable.codec`), or it is refused before anything changes; the
        router keeps the journal's copy of them."""
        return self._run("submit", task=(task, _same), now=(now, _now))  # type: ignore[no-any-return]

    def accept(self, offer_id: int, now: float) -> list[Event]:
        """:meth:`Router.accept`, journaled."""
        return self._run("accept", offer_id=(offer_id, _offer), now=(now, _now))  # type: ignore[no-any-return]

    def decline(self, offer_id: int, now: float) -> list[Event]:
        """:meth:`Router.decline`, journaled."""
        return self._run("decline", offer_id=(offer_id, _offer), now=(now, _now))  # type: ignore[no-any-return]

    def complete(
        self, task_id: str, now: float, resolved: bool = True, wrap_up: float | None = None
    ) -> list[Event]:
        """:meth:`Router.complete`, journaled."""
        return self._run(  # type: ignore[no-any-return]
            "complete",
            task_id=(task_id, _task_id),
            now=(now, _now),
            resolved=(resolved, _resolved),
            wrap_up=(wrap_up, _optional_real),
        )

    def end_wrap_up(self, task_id: str, now: float) -> list[Event]:
        """:meth:`Router.end_wrap_up`, journaled."""
        return self._run("end_wrap_up", task_id=(task_id, _task_id), now=(now, _now))  # type: ignore[no-any-return]

    def transfer(
        self,
        task_id: str,
        now: float,
        to_agent: str | None = None,
        *,
        requirement: Requirement | None = None,
        warm: bool = False,
        window: float = 30.0,
    ) -> list[Event]:
        """:meth:`Router.transfer`, journaled."""
        return self._run(  # type: ignore[no-any-return]
            "transfer",
            task_id=(task_id, _task_id),
            now=(now, _now),
            to_agent=(to_agent, _optional_agent_id),
            requirement=(requirement, _same),
            warm=(warm, _warm),
            window=(window, _real),
        )

    def update_task(self, task: Task, now: float) -> list[Event]:
        """:meth:`Router.update_task`, journaled."""
        return self._run("update_task", task=(task, _same), now=(now, _now))  # type: ignore[no-any-return]

    def convert_to_callback(
        self, task_id: str, now: float, channel: str = "callback", not_before: float | None = None
    ) -> list[Event]:
        """:meth:`Router.convert_to_callback`, journaled."""
        return self._run(  # type: ignore[no-any-return]
            "convert_to_callback",
            task_id=(task_id, _task_id),
            now=(now, _now),
            channel=(channel, _channel),
            not_before=(not_before, _optional_real),
        )

    def cancel(self, task_id: str, now: float) -> list[Event]:
        """:meth:`Router.cancel`, journaled."""
        return self._run("cancel", task_id=(task_id, _task_id), now=(now, _now))  # type: ignore[no-any-return]

    def advance(self, now: float) -> list[Event]:
        """:meth:`Router.advance`, journaled."""
        return self._run("advance", now=(now, _now))  # type: ignore[no-any-return]

    def forget_customer(self, customer_id: str) -> None:
        """:meth:`Router.forget_customer`, journaled."""
        self._run("forget_customer", customer_id=(customer_id, _customer_id))

    # -- durability ------------------------------------------------------------------

    def flush(self) -> None:
        """Commit every journaled command now (under ``sync="group"``; a no-op else)."""
        self._check_open()
        with self._lock:
            try:
                self._store.commit()
            except StoreError:
                self._rebuild_after_failure()
                raise
            self._pending_since = None

    def close(self) -> None:
        """Commit what is pending and release the store; later calls raise StoreError."""
        if self._closed is not None:
            return
        try:
            self.flush()
        finally:
            self._close_for("close() was called")
            self._stop.set()
            if self._flusher is not None:
                self._flusher.join()
            self._store.close()

    @property
    def journaled(self) -> int:
        """How many commands the journal holds (the last record's number)."""
        return self._seq

    # -- views (the in-memory router's) ----------------------------------------------

    @property
    def now(self) -> float:
        """:attr:`Router.now`."""
        return self._router.now

    def next_timer_at(self) -> float | None:
        """:meth:`Router.next_timer_at`."""
        return self._router.next_timer_at()

    def task_state(self, task_id: str) -> TaskState:
        """:meth:`Router.task_state`."""
        return self._router.task_state(task_id)

    def offer(self, offer_id: int) -> Offer:
        """:meth:`Router.offer`."""
        return self._router.offer(offer_id)

    def explain(self, offer: Offer | int) -> dict[str, float]:
        """:meth:`Router.explain`."""
        return self._router.explain(offer)

    def waiting_count(self, channel: str | None = None) -> int:
        """:meth:`Router.waiting_count`."""
        return self._router.waiting_count(channel)

    def waiting_tasks(self, channel: str | None = None, skill: str | None = None) -> list[Task]:
        """:meth:`Router.waiting_tasks`."""
        return self._router.waiting_tasks(channel, skill)

    def oldest_wait(self, now: float, channel: str | None = None) -> float:
        """:meth:`Router.oldest_wait`."""
        return self._router.oldest_wait(now, channel)

    def queue_stats(
        self, now: float, channel: str | None = None, skill: str | None = None
    ) -> QueueStats:
        """:meth:`Router.queue_stats`."""
        return self._router.queue_stats(now, channel, skill)

    def service_stats(self, now: float, window: float, channel: str | None = None) -> ServiceStats:
        """:meth:`Router.service_stats`."""
        return self._router.service_stats(now, window, channel)

    def estimate_wait(self, task: Task, now: float) -> WaitEstimate:
        """:meth:`Router.estimate_wait`."""
        return self._router.estimate_wait(task, now)

    def agents_by_state(self) -> dict[AgentState, list[str]]:
        """:meth:`Router.agents_by_state`."""
        return self._router.agents_by_state()

    def agent_tasks(self, agent_id: str) -> list[str]:
        """:meth:`Router.agent_tasks`."""
        return self._router.agent_tasks(agent_id)

    def agent_status(self, agent_id: str) -> AgentStatus:
        """:meth:`Router.agent_status`."""
        return self._router.agent_status(agent_id)

    def agent_statuses(self) -> list[AgentStatus]:
        """:meth:`Router.agent_statuses`."""
        return self._router.agent_statuses()

    def unroutable_tasks(self) -> dict[str, str]:
        """:meth:`Router.unroutable_tasks`."""
        return self._router.unroutable_tasks()

    def reservations(self) -> dict[str, str]:
        """:meth:`Router.reservations`."""
        return self._router.reservations()

    def customer_context(self, customer_id: str) -> CustomerContext:
        """:meth:`Router.customer_context`."""
        return self._router.customer_context(customer_id)

    def check(self) -> None:
        """:meth:`Router.check`."""
        self._router.check()


def _decoded(text: str) -> dict[str, Any]:
    """The keyword arguments a journal record's text holds."""
    return {name: decode(value) for name, value in json.loads(text).items()}


def _same(value: object) -> object:
    """A model value or enum: the router takes it as it is (the codec checks it)."""
    return value


def _now(value: object) -> float:
    return check_instant("now", value)  # type: ignore[arg-type]


def _real(value: object) -> float:
    """A real number as the plain float the router keeps (inf allowed: the router
    decides what it accepts)."""
    if value.__class__ is float:
        return value
    if is_bool(value) or not isinstance(value, numbers.Real | decimal.Decimal):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _optional_real(value: object) -> float | None:
    return None if value is None else _real(value)


def _offer(value: object) -> int:
    found = to_int(value)
    if found is None:
        raise TypeError(f"offer id {value!r} is not an integer")
    return found


def _agent_id(value: object) -> str:
    return check_id("agent id", value)


def _optional_agent_id(value: object) -> str | None:
    return None if value is None else check_id("agent id", value)


def _task_id(value: object) -> str:
    return check_id("task id", value)


def _customer_id(value: object) -> str:
    return check_id("customer id", value)


def _channel(value: object) -> str:
    return check_id("channel", value)


def _reason(value: object) -> str | None:
    return None if value is None else check_id("reason", value)


def _resolved(value: object) -> bool:
    return to_bool("resolved", value)


def _warm(value: object) -> bool:
    return to_bool("warm", value)


class _Closed:
    """Stands in for the router of a closed durable router: every use raises."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def __getattr__(self, name: str) -> Any:
        raise StoreError(f"the durable router is closed: {self._reason}")
