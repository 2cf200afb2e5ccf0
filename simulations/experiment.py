"""Experiments: independent replications, common random numbers, policy comparison.

Replication ``r`` of every policy uses the same seeds (see ``model.stream``), so the
policies face identical first contacts and their per-replication KPIs can be paired.
Replications run in worker processes when ``workers > 1`` (``simulations.parallel``);
each finished replication is handed to ``on_result`` at once (so a caller can write
it out), and Ctrl-C stops the run at once, keeping every replication already finished.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import attrs

from simulations.centre.replication import run_replication
from simulations.errors import InvalidArgumentError
from simulations.kpi.summary import Comparison, Summary, compare, summarise
from simulations.parallel import run_parallel
from simulations.records import ReplicationResult
from simulations.scenario import Scenario

OnResult = Callable[[ReplicationResult], None]


@attrs.frozen
class Experiment:
    """Every replication of every policy, their summaries and paired comparisons.

    Attributes:
        scenario: what was simulated.
        policies: policy names, in the order they were run.
        baseline: the policy the others are compared with.
        results: every replication result (all policies).
        summaries: per policy, mean and CI of every KPI.
        comparisons: each other policy minus the baseline, paired by replication.
        interrupted: the run was stopped early (Ctrl-C); results hold what finished.
    """

    scenario: Scenario
    policies: tuple[str, ...]
    baseline: str
    results: tuple[ReplicationResult, ...]
    summaries: dict[str, Summary]
    comparisons: tuple[Comparison, ...]
    interrupted: bool = False


def default_baseline(policies: Sequence[str]) -> str:
    """The classic ACD (``fifo``) when it is among ``policies``, else the first one."""
    return "fifo" if "fifo" in policies else policies[0]


def run_experiment(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    baseline: str | None = None,
    workers: int = 1,
    on_result: OnResult | None = None,
) -> Experiment:
    """Run ``replications`` of ``scenario`` under each policy and summarise them.

    Args:
        scenario: the centre to simulate.
        policies: policy names (default: the scenario's ``compare`` list).
        replications: per policy (default: the scenario's).
        seed: base seed (default: the scenario's); replication ``r`` of every policy
            shares its random streams.
        baseline: policy the others are compared with (default: ``fifo`` if run).
        workers: processes to use (1 = in this process).
        on_result: called with each replication as it finishes.

    Raises:
        ValueError: an unknown policy, a baseline not among the policies, or counts < 1.
    """
    names = tuple(policies) if policies else scenario.simulation.compare
    for name in names:
        try:
            scenario.policy(name)
        except KeyError as error:  # as documented: ValueError, naming the known policies
            raise InvalidArgumentError(error.args[0]) from None
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"policies {list(names)!r} repeat a name")
    count = scenario.simulation.replications if replications is None else replications
    if count < 1:
        raise InvalidArgumentError(f"replications {count!r} must be at least 1")
    if workers < 1:
        raise InvalidArgumentError(f"workers {workers!r} must be at least 1")
    base = default_baseline(names) if baseline is None else baseline
    if base not in names:
        raise InvalidArgumentError(f"baseline {base!r} is not among the policies {list(names)!r}")
    run_seed = scenario.simulation.seed if seed is None else seed
    jobs = [(name, r) for r in range(count) for name in names]
    results, interrupted = _run_jobs(scenario, jobs, run_seed, workers, on_result)
    return summarise_experiment(scenario, names, base, results, interrupted=interrupted)


def summarise_experiment(
    scenario: Scenario,
    policies: Sequence[str],
    baseline: str,
    results: Sequence[ReplicationResult],
    *,
    interrupted: bool = False,
) -> Experiment:
    """Summaries and paired comparisons for finished results.

    Only replication indices finished for *every* policy are kept, so comparisons
    stay paired after an interrupted run.
    """
    by_policy = {name: {r.replication: r for r in results if r.policy == name} for name in policies}
    complete = set.intersection(*(set(reps) for reps in by_policy.values()))
    kept = [by_policy[name][r] for r in sorted(complete) for name in policies]
    settings = scenario.simulation
    summaries = {
        name: summarise(
            [r for r in kept if r.policy == name],
            interval=settings.interval,
            churn=scenario.churn,
        )
        for name in policies
        if complete
    }
    comparisons = tuple(
        compare(summaries[baseline], summaries[name])
        for name in policies
        if name != baseline and complete
    )
    return Experiment(
        scenario, tuple(policies), baseline, tuple(kept), summaries, comparisons, interrupted
    )


@attrs.frozen
class _Job:
    """One replication of one policy; picklable, so it can run in a worker process."""

    scenario: Scenario
    policy: str
    replication: int
    seed: int


def _run(job: _Job) -> ReplicationResult:
    return run_replication(job.scenario, job.policy, job.replication, seed=job.seed)


def _run_jobs(
    scenario: Scenario,
    jobs: list[tuple[str, int]],
    seed: int,
    workers: int,
    on_result: OnResult | None,
) -> tuple[list[ReplicationResult], bool]:
    results: list[ReplicationResult] = []

    def done(_: _Job, result: ReplicationResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    interrupted = run_parallel(
        _run,
        [_Job(scenario, name, r, seed) for name, r in jobs],
        workers=workers,
        on_done=done,
    )
    return results, interrupted


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
