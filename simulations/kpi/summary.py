"""KPIs across replications: a mean and confidence interval per policy, and paired
policy comparisons.

Each KPI of :mod:`simulations.kpi.metrics` gets a mean and a Student-t confidence interval
(:mod:`simulations.kpi.stats`) with n - 1 degrees of freedom, n counting the replications
where it is defined; with n = 1 the half-width is ``None``. :func:`compare` pairs two
policies replication by replication (common random numbers) and gives the CI of the
mean difference, and :func:`difference_verdict` the one rule for reading it: a difference
is significant when its CI excludes 0, then better or worse by the KPI's direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

from simulations.errors import InvalidArgumentError
from simulations.kpi.metrics import (
    ALL,
    BREAKDOWNS,
    KPIS,
    OVERALL,
    Nested,
    ReplicationKPIs,
    replication_kpis,
)
from simulations.kpi.stats import Estimate, estimate
from simulations.records import ReplicationResult
from simulations.scenario import ChurnModel

__all__ = [
    "Comparison",
    "Summary",
    "Verdict",
    "compare",
    "difference_verdict",
    "summarise",
    "summarise_by_policy",
]

Verdict: TypeAlias = Literal["better", "worse", "changed", "same"]


def _cells(reps: Iterable[ReplicationKPIs]) -> dict[tuple[str, str], list[str]]:
    """Every (breakdown, key) seen in any replication, with the KPI names seen there."""
    cells: dict[tuple[str, str], dict[str, None]] = {}
    for rep in reps:
        for breakdown, by_key in rep.values.items():
            for key, kv in by_key.items():
                cells.setdefault((breakdown, key), {}).update(dict.fromkeys(kv))
    order = {b: i for i, b in enumerate(BREAKDOWNS)}
    rank = {k: i for i, k in enumerate(KPIS)}

    def sort_key(cell: tuple[str, str]) -> tuple[int, str, float, str]:
        b, k = cell
        return (order.get(b, len(order)), b, float(k) if b == "interval" else 0.0, k)

    return {
        cell: sorted(cells[cell], key=lambda n: (rank.get(n, len(rank)), n))
        for cell in sorted(cells, key=sort_key)
    }


def _nest(
    flat: Mapping[tuple[str, str, str], Estimate],
) -> dict[str, dict[str, dict[str, Estimate]]]:
    nested: dict[str, dict[str, dict[str, Estimate]]] = {}
    for (b, k, kpi), est in flat.items():
        nested.setdefault(b, {}).setdefault(k, {})[kpi] = est
    return nested


def _as_dict(nested: Mapping[str, Mapping[str, Mapping[str, Estimate]]]) -> Nested:
    return {
        b: {k: {kpi: e.as_dict() for kpi, e in kv.items()} for k, kv in by_key.items()}
        for b, by_key in nested.items()
    }


@attrs.frozen
class Summary:
    """One policy's KPIs over its replications: ``estimates[breakdown][key][kpi]``."""

    policy: str
    confidence: float
    interval: float
    replications: tuple[ReplicationKPIs, ...]
    estimates: dict[str, dict[str, dict[str, Estimate]]]

    def get(self, kpi: str, breakdown: str = OVERALL, key: str = ALL) -> Estimate | None:
        """The estimate, or ``None`` if the KPI was undefined in every replication."""
        return self.estimates.get(breakdown, {}).get(key, {}).get(kpi)

    def keys(self, breakdown: str) -> list[str]:
        """Keys of a breakdown in display order (intervals chronological)."""
        return list(self.estimates.get(breakdown, {}))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``None`` where a CI is undefined."""
        return {
            "policy": self.policy,
            "confidence": self.confidence,
            "interval": self.interval,
            "replications": [r.replication for r in self.replications],
            "kpis": _as_dict(self.estimates),
        }


def summarise(
    results: Sequence[ReplicationResult],
    *,
    interval: float = 1800.0,
    churn: ChurnModel | None = None,
    confidence: float = 0.95,
) -> Summary:
    """Mean and CI of every KPI over the replications of **one** policy.

    Runtime complexity: O(R·C log C) for R replications of C contacts.

    Raises:
        ValueError: no results, several policies, or a replication index repeated.
    """
    if not results:
        raise InvalidArgumentError("cannot summarise zero replications")
    policies = sorted({r.policy for r in results})
    if len(policies) > 1:
        raise InvalidArgumentError(f"results mix policies {policies!r}; use summarise_by_policy")
    seen = [r.replication for r in results]
    if len(set(seen)) != len(seen):
        raise InvalidArgumentError(f"replication indices {sorted(seen)!r} repeat")
    reps = tuple(replication_kpis(r, interval=interval, churn=churn) for r in results)
    flat: dict[tuple[str, str, str], Estimate] = {}
    for (b, k), kpis in _cells(reps).items():
        for kpi in kpis:
            values = [v for r in reps if (v := r.get(kpi, b, k)) is not None]
            if values:
                flat[b, k, kpi] = estimate(values, confidence)
    return Summary(policies[0], confidence, interval, reps, _nest(flat))


def summarise_by_policy(
    results: Iterable[ReplicationResult],
    *,
    interval: float = 1800.0,
    churn: ChurnModel | None = None,
    confidence: float = 0.95,
) -> dict[str, Summary]:
    """:func:`summarise` each policy, in order of first appearance."""
    groups: dict[str, list[ReplicationResult]] = {}
    for r in results:
        groups.setdefault(r.policy, []).append(r)
    return {
        p: summarise(rs, interval=interval, churn=churn, confidence=confidence)
        for p, rs in groups.items()
    }


@attrs.frozen
class Comparison:
    """Paired differences ``candidate - baseline``: ``differences[breakdown][key][kpi]``.

    ``Estimate.significant`` says whether the CI of the difference excludes zero.
    """

    baseline: str
    candidate: str
    confidence: float
    differences: dict[str, dict[str, dict[str, Estimate]]]

    def get(self, kpi: str, breakdown: str = OVERALL, key: str = ALL) -> Estimate | None:
        return self.differences.get(breakdown, {}).get(key, {}).get(kpi)

    def as_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "candidate": self.candidate,
            "confidence": self.confidence,
            "differences": _as_dict(self.differences),
        }


def compare(
    baseline: Summary, candidate: Summary, *, confidence: float | None = None
) -> Comparison:
    """Paired comparison across replications run with common random numbers.

    For each KPI, ``d_i = candidate_i - baseline_i`` over the replications where both
    are defined; the result is the mean of ``d`` with its Student-t CI. Pairing removes
    the variance the policies share, so it detects smaller differences than two
    independent intervals.

    Raises:
        ValueError: the two summaries do not cover the same replication indices.
    """
    base = {r.replication: r for r in baseline.replications}
    cand = {r.replication: r for r in candidate.replications}
    if base.keys() != cand.keys():
        raise InvalidArgumentError(
            f"cannot pair replications {sorted(base)!r} of {baseline.policy!r} "
            f"with {sorted(cand)!r} of {candidate.policy!r}"
        )
    level = baseline.confidence if confidence is None else confidence
    flat: dict[tuple[str, str, str], Estimate] = {}
    for (b, k), kpis in _cells([*base.values(), *cand.values()]).items():
        for kpi in kpis:
            diffs = []
            for i in sorted(base):
                x, y = base[i].get(kpi, b, k), cand[i].get(kpi, b, k)
                if x is not None and y is not None:
                    # equal up to rounding counts as equal, so noise is never "significant"
                    diffs.append(0.0 if math.isclose(x, y, rel_tol=1e-12) else y - x)
            if diffs:
                flat[b, k, kpi] = estimate(diffs, level)
    return Comparison(baseline.policy, candidate.policy, level, _nest(flat))


def difference_verdict(difference: Estimate | None, kpi: str) -> Verdict:
    """How a paired difference ``candidate - baseline`` of ``kpi`` reads.

    ``same`` unless the difference is significant (its CI excludes 0, see
    :attr:`Estimate.significant`; never with one replication); then ``better`` or
    ``worse`` by the direction :data:`~simulations.kpi.metrics.KPIS` gives the KPI, and
    ``changed`` for a KPI with no better side (occupancy, counts) or an unknown one.
    Every table, terminal or HTML, and ``differences.csv`` (its ``significant``
    column) read differences by this rule.

    >>> difference_verdict(Estimate(-12.0, 5.0, 10), "asa")  # waits 12 s shorter
    'better'
    """
    if difference is None or not difference.significant:
        return "same"
    info = KPIS.get(kpi)
    direction = 0 if info is None else info.better * (1 if difference.mean > 0 else -1)
    return "better" if direction > 0 else "worse" if direction < 0 else "changed"
