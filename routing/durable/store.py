"""Where a durable router keeps its journal: one small interface, and SQLite.

A store holds a header (the journal format's version and the router's policy, as
:mod:`routing.durable.codec` text), the last few snapshots (:mod:`routing.durable.
snapshot`, each with the number of the last record it includes and a CRC-32) and the
journal: records ``(seq, op, args, crc)``
numbered from 1 without gaps, ``crc`` the CRC-32 of ``f"{seq}|{op}|{args}"``
(:func:`record_crc`). Records are added by :meth:`Store.append` and become durable at
:meth:`Store.commit`; a crash before the commit loses them, never part of one.
:meth:`Store.load` reads the records back in order, as stored; the durable router
checks them (:func:`record_crc`) and stops at the first that is missing, out of
sequence or fails its CRC (a torn or corrupt tail), and :meth:`Store.cut` deletes
from there on, so a corrupt tail is never replayed as garbage. Snapshots carry a
CRC-32 of their text too (:func:`snapshot_crc`).

:class:`SQLiteStore` is the embedded default: one file, WAL mode, nothing to start.
``synchronous="FULL"`` (the default) makes each commit survive power loss; ``"NORMAL"``
and ``"OFF"`` survive a crash of the process (the operating system still holds what
it was given) but not of the machine: for tests and for hosts that replicate.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from routing.errors import RoutingError

FORMAT = "skills-routing journal"
"""The store header's ``format``: what a store holds."""
VERSION = 1
"""The journal format version this engine writes and reads."""


class StoreError(RoutingError, RuntimeError):
    """The store failed (disk full, file locked, connection lost) or holds something
    this engine cannot read; the message says which and where."""


def record_crc(seq: int, op: str, args: str) -> int:
    """The CRC-32 a journal record carries."""
    return zlib.crc32(f"{seq}|{op}|{args}".encode())


def snapshot_crc(data: str) -> int:
    """The CRC-32 a stored snapshot carries."""
    return zlib.crc32(data.encode())


class Store(Protocol):
    """What a durable router needs of its storage."""

    def header(self) -> dict[str, str] | None:
        """The header (``format``, ``version``, ``policy``), or ``None`` if new."""

    def create(self, header: dict[str, str]) -> None:
        """Write the header of a new journal, durably."""

    def append(self, seq: int, op: str, args: str) -> None:
        """Add record ``seq`` (durable at the next :meth:`commit`)."""

    def commit(self) -> None:
        """Make every appended record durable."""

    def rollback(self) -> None:
        """Drop the records appended since the last commit."""

    def load(self, after: int = 0) -> Iterator[tuple[int, object, object, object]]:
        """``(seq, op, args, crc)`` of each record after ``after``, in ``seq`` order, as
        stored (the caller checks them)."""

    def cut(self, seq: int) -> int:
        """Delete record ``seq`` and every later one, durably; how many went."""

    def write_snapshot(self, seq: int, data: str, keep: int = 2) -> None:
        """Store a snapshot taken after record ``seq`` (and commit what is appended)."""

    def snapshots(self) -> Iterator[tuple[int, object, object]]:
        """``(seq, crc, data)`` of each snapshot, newest first, as stored."""

    def close(self) -> None:
        """Release the store (commits nothing)."""


class SQLiteStore:
    """A journal in one SQLite file (WAL mode).

    >>> import tempfile, os
    >>> store = SQLiteStore(os.path.join(tempfile.mkdtemp(), "j.db"))
    >>> store.create({"format": FORMAT, "version": "1", "policy": "{}"})
    >>> store.append(1, "advance", '{"now":0.0}'); store.commit()
    >>> [row[:3] for row in store.load()]
    [(1, 'advance', '{"now":0.0}')]
    """

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL", "OFF"):
            raise StoreError(f"synchronous {synchronous!r} must be FULL, NORMAL or OFF")
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master")}
            if not {"meta", "journal", "snapshots"} <= tables:  # new (a reader writes nothing)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
                )
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS journal "
                    "(seq INTEGER PRIMARY KEY, op TEXT NOT NULL, args TEXT NOT NULL, "
                    "crc INTEGER NOT NULL)"
                )
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS snapshots "
                    "(seq INTEGER PRIMARY KEY, crc INTEGER NOT NULL, data TEXT NOT NULL)"
                )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the journal {str(self.path)!r}: {error}") from error
        self._open = False  # a write transaction is open

    def _fail(self, doing: str, error: sqlite3.Error) -> StoreError:
        return StoreError(f"journal {str(self.path)!r}: {doing} failed: {error}")

    def header(self) -> dict[str, str] | None:
        try:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.Error as error:
            raise self._fail("reading the header", error) from error
        return dict(rows) if rows else None

    def create(self, header: dict[str, str]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(header.items()))
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._abort()
            raise self._fail("writing the header", error) from error

    def append(self, seq: int, op: str, args: str) -> None:
        try:
            if not self._open:
                self._db.execute("BEGIN IMMEDIATE")
                self._open = True
            self._db.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?)",
                (seq, op, args, record_crc(seq, op, args)),
            )
        except sqlite3.Error as error:
            raise self._fail(f"appending record {seq}", error) from error

    def commit(self) -> None:
        if not self._open:
            return
        try:
            self._db.execute("COMMIT")
            self._open = False
        except sqlite3.Error as error:
            raise self._fail("committing", error) from error

    def rollback(self) -> None:
        self._abort()

    def _abort(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is gone: nothing was committed either way
        self._open = False

    def load(self, after: int = 0) -> Iterator[tuple[int, object, object, object]]:
        try:
            yield from self._db.execute(
                "SELECT seq, op, args, crc FROM journal WHERE seq > ? ORDER BY seq", (after,)
            )
        except sqlite3.Error as error:
            raise self._fail("reading the journal", error) from error

    def cut(self, seq: int) -> int:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            cut = self._db.execute("DELETE FROM journal WHERE seq >= ?", (seq,)).rowcount
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._abort()
            raise self._fail(f"cutting the journal at {seq}", error) from error
        return int(cut)

    def write_snapshot(self, seq: int, data: str, keep: int = 2) -> None:
        """Store the snapshot taken after record ``seq`` with what is appended, in one
        transaction (a crash leaves it whole or absent), keeping the ``keep`` newest."""
        try:
            if not self._open:
                self._db.execute("BEGIN IMMEDIATE")
                self._open = True
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                (seq, snapshot_crc(data), data),
            )
            self._db.execute(
                "DELETE FROM snapshots WHERE seq NOT IN "
                "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
                (keep,),
            )
            self._db.execute("COMMIT")
            self._open = False
        except sqlite3.Error as error:
            self._abort()
            raise self._fail(f"writing the snapshot at record {seq}", error) from error

    def snapshots(self) -> Iterator[tuple[int, object, object]]:
        try:
            rows = self._db.execute(
                "SELECT seq, crc, data FROM snapshots ORDER BY seq DESC"
            ).fetchall()
        except sqlite3.Error as error:
            raise self._fail("reading the snapshots", error) from error
        yield from rows

    def close(self) -> None:
        self._abort()
        self._db.close()
