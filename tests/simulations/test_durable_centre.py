"""The simulator on a durable router: the same records come out, bit for bit, and the
journal it wrote recovers the router it ended with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from routing import Policy, Router
from routing.durable import DurableRouter, SQLiteStore
from simulations import load_scenario
from simulations.centre.replication import ContactCentre
from tests.routing.test_router_stateful import router_view
from tests.simulations.test_record_digests import DIGESTS, _key, _scenario_paths, digest


def test_a_replication_on_a_durable_router_gives_the_committed_records(tmp_path: Path) -> None:
    path = tmp_path / "centre.db"
    made: list[DurableRouter] = []

    def durable(policy: Policy) -> Router:
        made.append(DurableRouter(SQLiteStore(path, synchronous="OFF"), policy, snapshot_every=500))
        return cast(Router, made[0])

    scenario = load_scenario(_scenario_paths()["mmc"])
    result = ContactCentre(scenario, "fifo", 0, router=durable).run()
    assert digest(result) == json.loads(DIGESTS.read_text())[_key("mmc", "fifo", 0)]
    [router] = made
    journaled = router.journaled
    assert journaled > 2 * len(result.contacts)  # submit and complete at least, each
    ids = [c.contact_id for c in result.contacts[-50:]]
    ended_with = router_view(router, ids)  # type: ignore[arg-type]
    router.close()
    again = DurableRouter(SQLiteStore(path))
    assert again.journaled == journaled and again.recovery.snapshot is not None
    assert router_view(again, ids) == ended_with  # type: ignore[arg-type]
    again.check()
