"""Staffing search: the fewest agents per group (optionally per interval) meeting targets.

Two steps, both documented because planners must be able to trust the answer.

**1. Erlang starting point**: :func:`simulations.planning.staffing.erlang_start.erlang_estimate`
(Erlang A or C per contact type and staffing interval, shared over the groups on duty
that take it; see that module).

**2. Refinement by simulation** (:func:`search`). Each candidate plan is simulated
with ``replications`` replications under one policy, all with the same seed (common
random numbers: every plan faces the same customers, so plans differ only by
staffing). Every target is checked over the measured window (with ``per_interval``,
in every staffing interval instead; back-office targets always over the window) and
counts as met only when its confidence interval is on the right side of the bound
(:meth:`~simulations.planning.targets.Target.met_by`). The greedy rules:

* *up*: while the plan misses a target, each missed target (per interval: each missed
  interval) names the worst-served contact type in its scope that some group on duty
  can take while it arrives, and the group taking it with the highest occupancy
  (ties: the cheaper, then by name) gains ``max(1, ceil(step_fraction * count))``
  agents (per interval: in that interval);
* *down*: once every target is met, one group (per interval: one group in every
  measured interval at once) loses agents, the most expensive group first, then the
  one with the lowest occupancy. The first decrease of a group is 1, doubled after
  each decrease that keeps every target met; a decrease that misses a target is
  undone (per interval: only in the intervals that missed, or everywhere for a
  window-wide target), halved for the next try and never doubled again, and a group
  (and interval) that fails at 1 is never lowered again;
* it stops when no decrease is left to try, after ``max_evaluations`` simulated plans
  (``converged`` is then false), or on Ctrl-C (``interrupted``). The result is the
  cheapest plan seen (cost per hour, then agents) that met every target, or the last
  plan when none did.

A target that adding agents does not move (two raises in a row each move its mean by
under 5 % of the gap to the bound) or that no group on duty can serve is *unreachable*
by staffing, e.g. repeat contacts arriving after closing time: it is relaxed to the
level reached then (reported in ``relaxed``; the result is then not ``feasible``), so
the search can still settle the other targets and keep that one from getting worse.

Plans are simulated once each (results are cached by plan), so a trial that returns
to a known plan costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import attrs

from simulations.errors import InvalidArgumentError
from simulations.experiment import OnResult, cpu_count, run_experiment
from simulations.kpi.stats import Estimate
from simulations.planning.staffing.erlang_start import (
    erlang_estimate,
    expected_contacts,
    initial_plan,
    takers,
)
from simulations.planning.staffing.evaluation import (
    Check,
    Evaluation,
    check_targets,
    group_occupancy,
    measured_intervals,
)
from simulations.planning.staffing.plan import (
    Interval,
    Plan,
    build_scenario,
    on_duty,
    staffing_intervals,
)
from simulations.planning.staffing.result import StaffingResult, Step
from simulations.planning.targets import Target
from simulations.scenario import Scenario

__all__ = ["STALL_GAIN", "STALL_STRIKES", "search"]

STALL_GAIN = 0.05
"""A raise that moves a missed target's mean by less than this share of its gap (from
the mean to the bound) is a strike."""
STALL_STRIKES = 2
"""Strikes in a row after which a target is unreachable by staffing (and relaxed)."""


OnStep = Callable[[Step], None]


Cell = tuple[str, int]
"""``(group, interval index)``; index 0 when counts are per group."""


class _Search:
    """The greedy rules; see the module docstring."""

    def __init__(
        self,
        scenario: Scenario,
        targets: Sequence[Target],
        intervals: Sequence[Interval],
        per_interval: bool,
        run: Callable[[Plan], Evaluation | None],
        step_fraction: float,
    ) -> None:
        self.scenario = scenario
        self.run = run
        self.step_fraction = step_fraction
        self.cache: dict[Plan, Evaluation] = {}
        window = scenario.simulation.window
        horizon = (0.0, scenario.simulation.horizon)
        self.periods = list(intervals) if per_interval else [horizon]
        volumes = expected_contacts(scenario, intervals)
        # per contact type and cell: the intervals of the cell in which it arrives
        self.when = {
            ct.name: (
                [[p] if volumes[ct.name][j] > 0 else [] for j, p in enumerate(intervals)]
                if per_interval
                else [[p for j, p in enumerate(intervals) if volumes[ct.name][j] > 0]]
            )
            for ct in scenario.contact_types
        }
        self.measured = (
            [i for i, _ in measured_intervals(intervals, window)] if per_interval else [0]
        )
        self.types = {t: t.contact_types(scenario) for t in targets}
        self.cost = {g.name: g.cost_per_hour for g in scenario.agent_groups}
        self.steps: dict[Cell, int] = {}
        self.capped: set[Cell] = set()
        self.fixed: set[Cell] = set()
        self.relaxed: dict[CheckKey, float] = {}
        self.strikes: dict[CheckKey, int] = {}

    def ok(self, check: Check) -> bool:
        """Met, against the relaxed bound when the target was found unreachable."""
        bound = self.relaxed.get(_key(check))
        if bound is None:
            return check.met
        return attrs.evolve(check.target, bound=bound).met_by(check.estimate)

    def missed(self, ev: Evaluation) -> list[Check]:
        """Checks not :meth:`ok`."""
        return [c for c in ev.checks if not self.ok(c)]

    def relax_stalled(self, before: Evaluation, after: Evaluation) -> list[str]:
        """Relax checks that adding agents did not move (see the module docstring)."""
        previous = {_key(c): c for c in self.missed(before)}
        out = []
        for check in self.missed(after):
            old = previous.get(_key(check))
            if old is None:
                continue
            sign = 1.0 if check.target.higher_is_better else -1.0
            before_mean, after_mean = _mean(old.estimate), _mean(check.estimate)
            gap = (check.target.bound - before_mean) * sign
            gain = (after_mean - before_mean) * sign  # means: steadier than CI bounds
            key = _key(check)
            if gain >= STALL_GAIN * gap:
                self.strikes.pop(key, None)
                continue
            # no real progress (also when the values are infinite or undefined: nan)
            self.strikes[key] = self.strikes.get(key, 0) + 1
            if self.strikes[key] >= STALL_STRIKES:
                out.append(self.relax(check))
        return out

    def relax(self, check: Check) -> str:
        """Accept what the check reaches now as its bound; returns a description."""
        edge = _edge(check.estimate, check.target.higher_is_better)
        self.relaxed[_key(check)] = edge
        return f"{_check_label(check)} unreachable, relaxed to {edge:.4g}"

    def evaluate(self, plan: Plan) -> Evaluation | None:
        """The plan's evaluation, simulated once; ``None`` when interrupted."""
        if plan not in self.cache:
            ev = self.run(plan)
            if ev is None:
                return None
            self.cache[plan] = ev
        return self.cache[plan]

    def _serving(self, check: Check, i: int) -> list[str]:
        """Groups that can take the worst-performing type in the check's scope that any
        group on duty can take while it arrives (``[]`` when no type can be helped)."""
        for name in check.worst_types or self.types[check.target]:
            ct = self.scenario.contact_type(name)
            groups = {g.name for p in self.when[name][i] for g in takers(self.scenario, ct, p)}
            if groups:
                return sorted(groups)
        return []

    def _occupancy(self, group: str, ev: Evaluation) -> float:
        occ = ev.occupancy.get(group)
        return occ.mean if occ is not None else 0.0

    def increases(self, plan: Plan, ev: Evaluation) -> dict[Cell, int]:
        """Cells to raise, with the amount, for every missed check."""
        ups: dict[Cell, int] = {}
        for check in self.missed(ev):
            cells = self.measured if check.interval is None else [check.interval]
            for i in cells:
                candidates = self._serving(check, i)
                if not candidates:
                    self.relax(check)  # nobody on duty can take it
                else:
                    best = max(candidates, key=lambda g: (self._occupancy(g, ev), -self.cost[g], g))
                    n = plan.get(best)[i]
                    ups[best, i] = max(1, math.ceil(self.step_fraction * n))
        return ups

    def decreases(self, plan: Plan, ev: Evaluation) -> dict[Cell, int]:
        """One cell per measured interval (one group overall) to lower, with the amount:
        1 at first, doubled after each success, halved after a failure (then no longer
        doubled); a cell that fails at 1 is never lowered again."""
        out: dict[Cell, int] = {}
        for i in self.measured:
            candidates = [
                g.name
                for g in self.scenario.agent_groups
                if (g.name, i) not in self.fixed
                and plan.get(g.name)[i] > 0
                and on_duty(g, self.periods[i])
            ]
            if candidates:
                # the most expensive first, then the most slack (lowest occupancy)
                chosen = min(candidates, key=lambda g: (-self.cost[g], self._occupancy(g, ev), g))
                out[chosen, i] = min(self.steps.get((chosen, i), 1), plan.get(chosen)[i])
        return out

    def succeeded(self, cells: Mapping[Cell, int]) -> None:
        """The decreases held: try bigger ones next time (unless capped)."""
        for cell, n in cells.items():
            if cell not in self.capped:
                self.steps[cell] = 2 * n

    def failed(self, ev: Evaluation, pending: Mapping[Cell, int]) -> dict[Cell, int]:
        """The pending decreases to undo for the missed checks (all when none is
        plausibly to blame); updates steps and the fixed cells."""
        blamed: dict[Cell, int] = {}
        for (g, i), n in pending.items():
            if any(
                (check.interval is None or check.interval == i) and g in self._serving(check, i)
                for check in self.missed(ev)
            ):
                blamed[g, i] = n
        blamed = blamed or dict(pending)
        for cell, n in blamed.items():
            self.capped.add(cell)
            if n == 1:
                self.fixed.add(cell)
            else:
                self.steps[cell] = n // 2
        return blamed


def search(
    scenario: Scenario,
    targets: Sequence[Target],
    *,
    per_interval: bool = False,
    interval: float | None = None,
    replications: int = 5,
    seed: int | None = None,
    policy: str | None = None,
    workers: int | None = None,
    max_evaluations: int = 40,
    step_fraction: float = 0.1,
    confidence: float = 0.95,
    start: Plan | None = None,
    on_step: OnStep | None = None,
    on_result: OnResult | None = None,
) -> StaffingResult:
    """Find the fewest agents meeting every target (see the module docstring).

    Args:
        scenario: the centre; its agent groups' skills, capacity, shifts and costs are
            kept, only counts change.
        targets: the goals (:func:`simulations.planning.targets.parse_target`); at least one.
        per_interval: one count per group per staffing interval instead of per group.
        interval: staffing interval in seconds (default: the scenario's).
        replications: per simulated plan, at least 2 (a CI needs two).
        seed: base seed (default: the scenario's); the same for every plan.
        policy: routing policy (default: the scenario's ``simulation.policy``).
        workers: processes per plan (default: every core).
        max_evaluations: most plans simulated.
        step_fraction: an increase adds ``max(1, ceil(step_fraction * count))``.
        confidence: level of the CIs the targets are judged by.
        start: the first plan (default: the Erlang estimate).
        on_step: called after each simulated plan.
        on_result: called with every finished replication.

    Raises:
        ValueError: no targets, a target naming nothing in the scenario, fewer than two
            replications, or a bad interval.
    """
    if not targets:
        raise InvalidArgumentError("give at least one target")
    if replications < 2:
        raise InvalidArgumentError(f"replications {replications!r} must be at least 2 for a CI")
    if max_evaluations < 1:
        raise InvalidArgumentError(f"max_evaluations {max_evaluations!r} must be at least 1")
    for t in targets:
        t.contact_types(scenario)  # raises on a bad scope
    name = scenario.simulation.policy if policy is None else policy
    scenario.policy(name)
    intervals = staffing_intervals(scenario, interval)
    need = erlang_estimate(scenario, targets, intervals)
    erlang = initial_plan(scenario, need, intervals, per_interval)
    count_workers = cpu_count() if workers is None else workers
    interrupted = False

    def run(plan: Plan) -> Evaluation | None:
        nonlocal interrupted
        staffed = build_scenario(scenario, plan, intervals)
        experiment = run_experiment(
            staffed,
            [name],
            replications=replications,
            seed=seed,
            workers=count_workers,
            on_result=on_result,
        )
        if experiment.interrupted:
            interrupted = True
            return None
        results = experiment.results
        return Evaluation(
            plan,
            check_targets(staffed, targets, results, intervals, per_interval, confidence),
            group_occupancy(results, confidence),
            experiment.summaries.get(name),
            len(results),
        )

    loop = _Search(scenario, targets, intervals, per_interval, run, step_fraction)
    plan = start or erlang
    best: Plan | None = None
    history: list[Step] = []
    pending: dict[Cell, int] = {}
    converged = False

    def note(ev: Evaluation, action: str, fresh: bool = True) -> None:
        missed = loop.missed(ev)
        step = Step(
            len(history) + 1,
            "down" if best is not None else "up",
            ev.plan,
            sum(max(ns) for _, ns in ev.plan.counts),
            not missed,
            tuple(_check_label(c) for c in missed),
            action,
            fresh,
        )
        history.append(step)
        if on_step is not None:
            on_step(step)

    previous: Evaluation | None = None
    try:
        while len(loop.cache) < max_evaluations or plan in loop.cache:
            fresh = plan not in loop.cache
            ev = loop.evaluate(plan)
            if ev is None:
                break
            relaxed = loop.relax_stalled(previous, ev) if previous is not None else []
            previous = None
            prefix = "; ".join(relaxed) + "; " if relaxed else ""
            if not loop.missed(ev):
                if best is None or _cost_key(scenario, plan) < _cost_key(scenario, best):
                    best = plan
                loop.succeeded(pending)
                pending = loop.decreases(plan, ev)
                if not pending:
                    note(ev, prefix + "done", fresh)
                    converged = True
                    break
                note(ev, prefix + "lower " + _cells(pending, per_interval, -1), fresh)
                for (g, i), n in pending.items():
                    plan = plan.changed(g, i, -n)
            elif pending:
                blamed = loop.failed(ev, pending)
                note(ev, prefix + "undo " + _cells(blamed, per_interval, +1), fresh)
                for (g, i), n in blamed.items():
                    plan = plan.changed(g, i, n)
                    del pending[g, i]
            else:
                ups = loop.increases(plan, ev)
                if not loop.missed(ev):  # increases() relaxed every missed check
                    note(ev, prefix + "no group on duty can take the missed work", fresh)
                    continue
                if not ups:
                    note(ev, prefix + "stuck: no group can be raised", fresh)
                    break
                note(ev, prefix + "raise " + _cells(ups, per_interval, +1), fresh)
                previous = ev
                for (g, i), n in ups.items():
                    plan = plan.changed(g, i, n)
    except KeyboardInterrupt:
        interrupted = True

    chosen = best if best is not None else plan
    evaluation = loop.cache.get(chosen)
    if evaluation is None and loop.cache:
        chosen = list(loop.cache)[-1]
        evaluation = loop.cache[chosen]
    return StaffingResult(
        scenario=scenario,
        staffed=build_scenario(scenario, chosen, intervals),
        targets=tuple(targets),
        policy=name,
        intervals=intervals,
        per_interval=per_interval,
        erlang=erlang,
        erlang_need={g: tuple(v) for g, v in need.items()},
        plan=chosen,
        evaluation=evaluation,
        history=tuple(history),
        feasible=best is not None and not loop.relaxed,
        relaxed={f"{t}@{i}" if i is not None else t: v for (t, i), v in loop.relaxed.items()},
        evaluations=len(loop.cache),
        converged=converged,
        interrupted=interrupted,
    )


def _cost_key(scenario: Scenario, plan: Plan) -> tuple[float, int]:
    cost = {g.name: g.cost_per_hour for g in scenario.agent_groups}
    counts = plan.as_dict()
    return (
        math.fsum(cost[g] * sum(ns) for g, ns in counts.items()),
        sum(sum(ns) for ns in counts.values()),
    )


def _cells(cells: Mapping[Cell, int], per_interval: bool, sign: int) -> str:
    mark = "+" if sign > 0 else "-"
    return ", ".join(
        f"{g}[{i}] {mark}{n}" if per_interval else f"{g} {mark}{n}" for (g, i), n in cells.items()
    )


CheckKey = tuple[str, int | None]


def _key(check: Check) -> CheckKey:
    return (check.target.text, check.interval)


def _edge(est: Estimate | None, higher: bool) -> float:
    """The CI bound a target is judged by (the mean without a CI)."""
    if est is None:
        return math.inf if higher else -math.inf
    hw = est.half_width or 0.0
    return est.mean - hw if higher else est.mean + hw


def _mean(est: Estimate | None) -> float:
    return math.nan if est is None else est.mean


def _check_label(check: Check) -> str:
    return check.target.text + (f" @{check.interval}" if check.interval is not None else "")
