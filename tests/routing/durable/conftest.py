"""A PostgreSQL server for the durable router's PostgreSQL tests.

``ROUTING_TEST_POSTGRES`` (a libpq conninfo) names a server to use; without it the
tests start a throwaway one with ``.ci/postgres`` (PostgreSQL from the Debian
packages, on a Unix socket in a temporary folder) and stop and delete it afterwards. Where
neither works they skip, saying why, unless ``ROUTING_REQUIRE_POSTGRES=1`` (as
``.ci/run`` sets), which makes that a failure: CI must test against the real server.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_prefixes = itertools.count()


def _unavailable(reason: str) -> None:
    if os.environ.get("ROUTING_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (ROUTING_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"no PostgreSQL server for the durable router's tests: {reason}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A conninfo of a PostgreSQL server the tests may create tables in."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (the 'postgres' extra)")
    given = os.environ.get("ROUTING_TEST_POSTGRES")
    folder = None
    if given is None:
        folder = tempfile.mkdtemp(prefix="routing-pg-")
        os.chmod(folder, 0o777)
        started = subprocess.run(
            [str(ROOT / ".ci" / "postgres")],
            env={**os.environ, "ROUTING_PG_DIR": folder},
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            _unavailable(f".ci/postgres could not start one: {started.stderr.strip()[-300:]}")
        given = started.stdout.strip()
    try:
        psycopg.connect(given).close()
    except psycopg.Error as error:
        _unavailable(f"cannot connect to {given!r}: {error}")
    yield given
    if folder is not None:
        subprocess.run(
            [str(ROOT / ".ci" / "postgres"), "stop"],
            env={**os.environ, "ROUTING_PG_DIR": folder},
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def prefix(postgres: str) -> Iterator[str]:
    """A fresh table prefix (dropped afterwards), so each test has its own journal."""
    import psycopg

    name = f"t{os.getpid()}_{next(_prefixes)}"
    yield name
    with psycopg.connect(postgres, autocommit=True) as db:
        for table in ("meta", "journal", "snapshots"):
            db.execute(f"DROP TABLE IF EXISTS {name}_{table}")
