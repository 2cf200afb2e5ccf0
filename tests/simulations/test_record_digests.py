"""Refactor safety net: fixed-seed replications must produce bit-identical records.

Every bundled scenario (and the feature-rich test scenario) runs two replications
under each of its ``compare`` policies; a SHA-256 over the ``repr`` of every contact
record, agent record and queue sample (``repr`` of a float round-trips exactly) must
equal the digest committed in ``record_digests.json``. A restructuring that changes
nothing passes; one that changes any record, by one ulp, fails and names the run.

Regenerate the file only in a commit that says which behaviour changed and why::

    .venv/bin/python -m tests.simulations.test_record_digests --write
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import attrs
import pytest

from simulations import ReplicationResult, bundled_scenarios, load_scenario, run_replication

DIGESTS = Path(__file__).with_name("record_digests.json")
FEATURES = Path(__file__).parent / "scenarios" / "features.toml"
REPLICATIONS = (0, 1)


def _scenario_paths() -> dict[str, Path]:
    return {**bundled_scenarios(), "features": FEATURES}


def _runs() -> list[tuple[str, str, int]]:
    runs = []
    for name, path in sorted(_scenario_paths().items()):
        for policy in load_scenario(path).simulation.compare:
            runs.extend((name, policy, r) for r in REPLICATIONS)
    return runs


def digest(result: ReplicationResult) -> str:
    """SHA-256 of every record of one replication, in the order the model made them."""
    h = hashlib.sha256()
    h.update(repr(result.window).encode())
    for records in (result.contacts, result.agents, result.samples):
        h.update(f"|{len(records)}|".encode())
        for record in records:
            h.update(repr(attrs.astuple(record)).encode())
            h.update(b"\n")
    return h.hexdigest()


def _key(name: str, policy: str, replication: int) -> str:
    return f"{name}/{policy}/{replication}"


def _compute(name: str, policy: str, replication: int) -> str:
    scenario = load_scenario(_scenario_paths()[name])
    return digest(run_replication(scenario, policy, replication))


class TestRecordDigests:
    def test_every_bundled_scenario_is_covered(self) -> None:
        committed = json.loads(DIGESTS.read_text())
        assert sorted(committed) == sorted(_key(*run) for run in _runs())

    @pytest.mark.parametrize(
        ("name", "policy", "replication"), _runs(), ids=[_key(*run) for run in _runs()]
    )
    def test_records_are_bit_identical(self, name: str, policy: str, replication: int) -> None:
        committed = json.loads(DIGESTS.read_text())
        assert _compute(name, policy, replication) == committed[_key(name, policy, replication)]

    def test_digest_sees_a_one_ulp_change(self) -> None:
        scenario = load_scenario(_scenario_paths()["mmc"])
        result = run_replication(scenario, "fifo", 0)
        first = result.contacts[0]
        nudged = attrs.evolve(first, handle_time=math.nextafter(first.handle_time, math.inf))
        changed = attrs.evolve(result, contacts=(nudged, *result.contacts[1:]))
        assert digest(changed) != digest(result)


def _write() -> None:
    digests = {_key(*run): _compute(*run) for run in _runs()}
    DIGESTS.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(digests)} digests to {DIGESTS}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.simulations.test_record_digests --write")
    _write()
