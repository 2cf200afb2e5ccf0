"""Experiments: replications of several policies, paired comparisons, worker processes,
input checks, progress callbacks and interrupted runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulations.centre.replication import run_replication
from simulations.experiment import (
    Experiment,
    default_baseline,
    run_experiment,
    summarise_experiment,
)
from simulations.records import ReplicationResult
from simulations.scenario import Scenario, load_scenario

TINY = Path(__file__).parent / "scenarios" / "tiny.toml"
POLICIES = ("default", "fifo")


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def serial(tiny: Scenario) -> Experiment:
    return run_experiment(tiny, POLICIES, replications=3, workers=1)


def _keys(results: tuple[ReplicationResult, ...]) -> list[tuple[int, str]]:
    return [(r.replication, r.policy) for r in results]


class TestRunExperiment:
    def test_every_policy_runs_every_replication_in_order(self, serial: Experiment) -> None:
        assert serial.policies == POLICIES
        assert _keys(serial.results) == [(r, p) for r in range(3) for p in POLICIES]
        assert not serial.interrupted

    def test_each_policy_gets_a_summary_over_its_replications(self, serial: Experiment) -> None:
        assert list(serial.summaries) == list(POLICIES)
        for name, summary in serial.summaries.items():
            assert summary.policy == name
            assert [r.replication for r in summary.replications] == [0, 1, 2]
            offered = summary.get("offered")
            assert offered is not None and offered.n == 3 and offered.mean > 0

    def test_comparisons_pair_each_policy_with_the_fifo_baseline(self, serial: Experiment) -> None:
        assert serial.baseline == "fifo"
        (comparison,) = serial.comparisons
        assert (comparison.baseline, comparison.candidate) == ("fifo", "default")
        asa = comparison.get("asa")
        assert asa is not None and asa.n == 3
        base, cand = serial.summaries["fifo"], serial.summaries["default"]
        expected = sum(
            (c.get("asa") or 0.0) - (b.get("asa") or 0.0)
            for b, c in zip(base.replications, cand.replications, strict=True)
        )
        assert asa.mean == pytest.approx(expected / 3)

    def test_policies_face_the_same_arrivals(self, serial: Experiment) -> None:
        for r in range(3):
            default, fifo = (
                next(x for x in serial.results if (x.replication, x.policy) == (r, p))
                for p in POLICIES
            )
            firsts = [
                sorted((c.arrived_at, c.customer_id) for c in res.contacts if c.attempt == 1)
                for res in (default, fifo)
            ]
            assert firsts[0] == firsts[1]

    def test_an_explicit_baseline_is_the_one_compared_against(self, tiny: Scenario) -> None:
        experiment = run_experiment(tiny, POLICIES, replications=2, baseline="default")
        assert experiment.baseline == "default"
        assert [(c.baseline, c.candidate) for c in experiment.comparisons] == [("default", "fifo")]

    def test_defaults_come_from_the_scenario(self, tiny: Scenario, serial: Experiment) -> None:
        experiment = run_experiment(tiny)
        assert experiment.policies == tiny.simulation.compare == POLICIES
        replications = tiny.simulation.replications
        assert _keys(experiment.results) == [(r, p) for r in range(replications) for p in POLICIES]
        # the scenario's seed is the default seed: the first replications are the same
        assert experiment.results == serial.results[: len(experiment.results)]

    def test_a_seed_changes_every_replication(self, tiny: Scenario, serial: Experiment) -> None:
        reseeded = run_experiment(tiny, POLICIES, replications=3, seed=tiny.simulation.seed + 1)
        same = run_experiment(tiny, POLICIES, replications=3, seed=tiny.simulation.seed)
        assert same.results == serial.results
        for a, b in zip(reseeded.results, serial.results, strict=True):
            assert a.contacts != b.contacts

    def test_worker_processes_give_identical_results(
        self, tiny: Scenario, serial: Experiment
    ) -> None:
        parallel = run_experiment(tiny, POLICIES, replications=3, workers=2)
        assert parallel.results == serial.results
        assert parallel.summaries == serial.summaries
        assert parallel.comparisons == serial.comparisons

    @pytest.mark.parametrize("workers", [1, 2])
    def test_on_result_is_called_once_per_replication(self, tiny: Scenario, workers: int) -> None:
        seen: list[tuple[int, str]] = []
        experiment = run_experiment(
            tiny,
            POLICIES,
            replications=2,
            workers=workers,
            on_result=lambda r: seen.append((r.replication, r.policy)),
        )
        assert sorted(seen) == [(r, p) for r in range(2) for p in POLICIES]
        assert sorted(seen) == sorted(_keys(experiment.results))

    def test_an_interrupt_keeps_the_finished_paired_replications(self, tiny: Scenario) -> None:
        calls = 0

        def stop_at_third(_: ReplicationResult) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise KeyboardInterrupt

        experiment = run_experiment(
            tiny, POLICIES, replications=3, workers=1, on_result=stop_at_third
        )
        assert experiment.interrupted
        assert calls == 3
        # (default, 1) finished too, but fifo's replication 1 did not: not paired
        assert _keys(experiment.results) == [(0, "default"), (0, "fifo")]
        assert [r.replication for r in experiment.summaries["fifo"].replications] == [0]


class TestBadInputs:
    def _never(self, _: ReplicationResult) -> None:
        raise AssertionError("nothing may run before the inputs are checked")

    def test_an_unknown_policy_is_named_with_the_known_ones(self, tiny: Scenario) -> None:
        with pytest.raises(ValueError, match=r"^unknown policy 'nope' \(known: default, fifo\)$"):
            run_experiment(tiny, ["default", "nope"], on_result=self._never)

    @pytest.mark.parametrize("count", [0, -1])
    def test_replications_must_be_at_least_one(self, tiny: Scenario, count: int) -> None:
        with pytest.raises(ValueError, match=rf"^replications {count} must be at least 1$"):
            run_experiment(tiny, POLICIES, replications=count, on_result=self._never)

    def test_workers_must_be_at_least_one(self, tiny: Scenario) -> None:
        with pytest.raises(ValueError, match=r"^workers 0 must be at least 1$"):
            run_experiment(tiny, POLICIES, replications=1, workers=0, on_result=self._never)

    def test_the_baseline_must_be_one_of_the_policies(self, tiny: Scenario) -> None:
        with pytest.raises(
            ValueError,
            match=r"^baseline 'value_first' is not among the policies \['default', 'fifo'\]$",
        ):
            run_experiment(tiny, POLICIES, baseline="value_first", on_result=self._never)

    def test_a_policy_may_not_be_listed_twice(self, tiny: Scenario) -> None:
        with pytest.raises(ValueError, match=r"repeat a name"):
            run_experiment(tiny, ["fifo", "fifo"], on_result=self._never)


@pytest.fixture(scope="module")
def ragged(tiny: Scenario) -> list[ReplicationResult]:
    """default finished replications 0, 1 and 2; fifo only 2 and 0."""
    done = [("default", 0), ("fifo", 2), ("default", 1), ("default", 2), ("fifo", 0)]
    return [run_replication(tiny, p, r) for p, r in done]


class TestSummariseExperiment:
    def test_keeps_only_replications_finished_for_every_policy(
        self, tiny: Scenario, ragged: list[ReplicationResult]
    ) -> None:
        experiment = summarise_experiment(tiny, POLICIES, "fifo", ragged, interrupted=True)
        assert _keys(experiment.results) == [
            (0, "default"),
            (0, "fifo"),
            (2, "default"),
            (2, "fifo"),
        ]
        for summary in experiment.summaries.values():
            assert [r.replication for r in summary.replications] == [0, 2]
        (comparison,) = experiment.comparisons
        offered = comparison.get("offered")
        assert offered is not None and offered.n == 2
        assert experiment.interrupted

    def test_nothing_paired_means_no_summaries(
        self, tiny: Scenario, ragged: list[ReplicationResult]
    ) -> None:
        only_default = [r for r in ragged if r.policy == "default"]
        experiment = summarise_experiment(tiny, POLICIES, "fifo", only_default)
        assert experiment.results == ()
        assert experiment.summaries == {}
        assert experiment.comparisons == ()


def test_default_baseline_is_fifo_when_run_else_the_first_policy() -> None:
    assert default_baseline(["default", "fifo"]) == "fifo"
    assert default_baseline(["value_first", "default"]) == "value_first"
