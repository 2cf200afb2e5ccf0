"""The durable router against the oracle: the stateful machine of
``test_router_stateful`` with a ``DurableRouter`` on a SQLite journal as the router
under test (a snapshot every 7 journaled commands), and two more rules: *take a
snapshot*, and *crash and recover*: the router is dropped without being closed and a
new one is opened on the same journal, starting from the newest snapshot. Every view
must be as before, ``check()`` must pass, and every later decision must still equal
the oracle's; a rejected call must journal nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, cast

from hypothesis import event, settings
from hypothesis.stateful import rule

from routing import Policy, Router
from routing.durable import DurableRouter, SQLiteStore
from tests.routing.test_router_stateful import TASK_IDS, RouterVersusOracle, router_view


class DurableRouterVersusOracle(RouterVersusOracle):
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="durable-"))
        self.opened = 0
        self.snapshot_at = 0  # the record the last explicit snapshot followed
        super().__init__()

    def new_router(self, policy: Policy) -> Router:
        self.opened += 1
        self.snapshot_at = 0
        self.path = self.folder / f"journal-{self.opened}.db"
        return self._open(policy)

    def _open(self, policy: Policy | None) -> Router:
        store = SQLiteStore(self.path, synchronous="OFF")  # a process crash loses nothing
        return cast(Router, DurableRouter(store, policy, snapshot_every=7))

    @property
    def durable(self) -> DurableRouter:
        return cast(DurableRouter, self.router)

    def both(self, method: str, *args: Any, **kwargs: Any) -> list[Any] | None:
        before = self.durable.journaled
        events = super().both(method, *args, **kwargs)
        accepted = events is not None or method == "forget_customer"
        assert self.durable.journaled == before + (1 if accepted else 0), method
        return events

    @rule()
    def take_a_snapshot(self) -> None:
        """A snapshot now: the next recovery starts from it (or a later one)."""
        event("snapshot")
        before = router_view(self.router, list(TASK_IDS))
        self.durable.snapshot()
        self.snapshot_at = self.durable.journaled
        assert router_view(self.router, list(TASK_IDS)) == before

    @rule()
    def crash_and_recover(self) -> None:
        """Drop the router as a crash would (no close, no flush) and reopen the journal."""
        event("crash and recover")
        before = router_view(self.router, list(TASK_IDS))
        journaled = self.durable.journaled
        self.router = self._open(None)
        recovery = self.durable.recovery
        start = recovery.snapshot or 0
        assert start == max(self.snapshot_at, journaled // 7 * 7), (recovery, journaled)
        assert recovery.replayed == journaled - start and recovery.cut == 0
        assert recovery.skipped == ()
        if start:
            event("recovered from a snapshot")
        self.router.check()
        assert router_view(self.router, list(TASK_IDS)) == before

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


DurableRouterVersusOracle.TestCase.settings = settings(
    max_examples=settings.default.max_examples, stateful_step_count=40
)
TestDurableRouterAgainstOracle = DurableRouterVersusOracle.TestCase
