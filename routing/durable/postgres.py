"""A journal in PostgreSQL, for a platform that runs its database as a service.

:class:`PostgresStore` keeps the same three tables as the SQLite store (header,
journal, snapshots; names prefixed, so one database can hold several routers'
journals) and the same record format. Each commit is a PostgreSQL
transaction commit, durable under the server's ``synchronous_commit`` (on by
default). A lost connection raises :class:`~routing.durable.store.StoreError`; the
store reconnects on the next rollback, so the durable router can read the journal
back and carry on.

Needs the ``postgres`` extra (``pip install 'skills-routing[postgres]'``: psycopg 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from routing.durable.store import StoreError, record_crc, snapshot_crc

try:  # the optional extra
    import psycopg
except ImportError:  # pragma: no cover - reported when a store is made
    psycopg = None  # type: ignore[assignment]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


class PostgresStore:
    """A journal in the PostgreSQL database at ``conninfo`` (a ``postgresql://`` URL or
    ``key=value`` pairs), in tables named ``{prefix}_meta``, ``{prefix}_journal`` and
    ``{prefix}_snapshots``."""

    def __init__(self, conninfo: str, *, prefix: str = "routing") -> None:
        if psycopg is None:
            raise StoreError("PostgresStore needs psycopg: pip install 'skills-routing[postgres]'")
        if not _NAME.fullmatch(prefix):
            raise StoreError(f"prefix {prefix!r} must be a lower-case SQL name")
        self.conninfo = conninfo
        self.prefix = prefix
        self._meta, self._journal = f"{prefix}_meta", f"{prefix}_journal"
        self._snapshots = f"{prefix}_snapshots"
        self._db = self._connect()
        try:
            with self._db.cursor() as cursor:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._meta} (key TEXT PRIMARY KEY, value TEXT)"
                )
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._journal} (seq BIGINT PRIMARY KEY, "
                    "op TEXT NOT NULL, args TEXT NOT NULL, crc BIGINT NOT NULL)"
                )
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._snapshots} (seq BIGINT PRIMARY KEY, "
                    "crc BIGINT NOT NULL, data TEXT NOT NULL)"
                )
            self._db.commit()
        except psycopg.Error as error:
            raise self._fail("creating the tables", error) from error

    def _connect(self) -> Any:
        try:
            return psycopg.connect(self.conninfo, autocommit=False)
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to the journal database: {error}") from error

    def _fail(self, doing: str, error: Exception) -> StoreError:
        return StoreError(f"journal {self.prefix!r} in PostgreSQL: {doing} failed: {error}")

    def _run(self, doing: str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall()) if cursor.description else []
        except psycopg.Error as error:
            raise self._fail(doing, error) from error

    def header(self) -> dict[str, str] | None:
        rows = self._run("reading the header", f"SELECT key, value FROM {self._meta}")
        self._db.rollback()  # end the read transaction
        return dict(rows) if rows else None

    def create(self, header: dict[str, str]) -> None:
        try:
            with self._db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self._meta} VALUES (%s, %s)", sorted(header.items())
                )
            self._db.commit()
        except psycopg.Error as error:
            self.rollback()
            raise self._fail("writing the header", error) from error

    def append(self, seq: int, op: str, args: str) -> None:
        self._run(
            f"appending record {seq}",
            f"INSERT INTO {self._journal} VALUES (%s, %s, %s, %s)",
            (seq, op, args, record_crc(seq, op, args)),
        )

    def commit(self) -> None:
        try:
            self._db.commit()
        except psycopg.Error as error:
            raise self._fail("committing", error) from error

    def rollback(self) -> None:
        """Drop what is uncommitted; reconnect if the connection was lost."""
        try:
            if self._db.closed or self._db.broken:
                self._db = self._connect()
            else:
                self._db.rollback()
        except psycopg.Error:
            self._db = self._connect()

    def load(self, after: int = 0) -> Iterator[tuple[int, object, object, object]]:
        try:  # a server-side cursor: the journal streams, whatever its length
            with self._db.cursor(name=f"{self.prefix}_load") as cursor:
                cursor.itersize = 10_000
                cursor.execute(
                    f"SELECT seq, op, args, crc FROM {self._journal} WHERE seq > %s ORDER BY seq",
                    (after,),
                )
                yield from cursor
            self._db.rollback()
        except psycopg.Error as error:
            raise self._fail("reading the journal", error) from error

    def cut(self, seq: int) -> int:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(f"DELETE FROM {self._journal} WHERE seq >= %s", (seq,))
                count = cursor.rowcount
            self._db.commit()
        except psycopg.Error as error:
            self.rollback()
            raise self._fail(f"cutting the journal at {seq}", error) from error
        return int(count)

    def write_snapshot(self, seq: int, data: str, keep: int = 2) -> None:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {self._snapshots} VALUES (%s, %s, %s) ON CONFLICT (seq) "
                    "DO UPDATE SET crc = EXCLUDED.crc, data = EXCLUDED.data",
                    (seq, snapshot_crc(data), data),
                )
                cursor.execute(
                    f"DELETE FROM {self._snapshots} WHERE seq NOT IN "
                    f"(SELECT seq FROM {self._snapshots} ORDER BY seq DESC LIMIT %s)",
                    (keep,),
                )
            self._db.commit()
        except psycopg.Error as error:
            self.rollback()
            raise self._fail(f"writing the snapshot at record {seq}", error) from error

    def snapshots(self) -> Iterator[tuple[int, object, object]]:
        rows = self._run(
            "reading the snapshots",
            f"SELECT seq, crc, data FROM {self._snapshots} ORDER BY seq DESC",
        )
        self._db.rollback()
        yield from rows

    def close(self) -> None:
        try:
            self._db.rollback()
            self._db.close()
        except psycopg.Error:
            pass
