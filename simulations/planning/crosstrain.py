"""Cross-training analysis: which skill pattern, for how many agents?

The scenario describes **dedicated specialists**: each agent group holds exactly one of
the skills the contact types need (its *primary* skill). From it this module derives
the other patterns, with the same agents, shifts and arrivals:

* ``dedicated``: the scenario as written (1 skill per agent);
* ``chain-K`` (2 <= K < number of skills): every group also learns the primary skills
  of the next K - 1 groups in file order, wrapping round, at ``secondary_level``.
  ``chain-2`` is the classic long chain (A+B, B+C, ..., Z+A) that captures most of the
  benefit of full flexibility with one extra skill per agent;
* ``full``: every group learns every skill at ``secondary_level``.

Only patterns within the budget of ``skills_per_agent`` are compared. A learned skill
also brings the channels of the contact types that need it (capacity copied from the
group whose primary skill it is), and may cost more: ``premium_per_skill`` raises a
group's ``cost_per_hour`` by that fraction per extra skill.

Every pattern is simulated with the same seeds (common random numbers, so the same
customers call), giving service level, ASA, abandonment, FCR, AHT and occupancy with
CIs; then, unless disabled, :func:`simulations.planning.staffing.search.search` finds
the agents each pattern needs to meet the targets, and its cost.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from simulations.errors import InvalidArgumentError
from simulations.experiment import cpu_count
from simulations.kpi.stats import Estimate
from simulations.planning.staffing import StaffingResult, search
from simulations.planning.sweep import Param, Variant, run_variants
from simulations.planning.targets import Target, default_targets
from simulations.scenario import AgentGroup, Scenario

__all__ = [
    "COMPARED_KPIS",
    "CrossTrainResult",
    "Pattern",
    "build_pattern",
    "patterns",
    "primary_skills",
    "run_crosstrain",
    "write_crosstrain",
]

COMPARED_KPIS = (
    "service_level",
    "asa",
    "abandonment_rate",
    "fcr",
    "aht",
    "occupancy",
    "cost_per_contact",
)
"""Overall KPIs compared across patterns, in table order."""


@attrs.frozen
class Pattern:
    """A skill pattern: ``skills_per_agent`` skills for every agent."""

    name: str
    skills_per_agent: int
    description: str


def primary_skills(scenario: Scenario) -> list[tuple[str, str]]:
    """``(group, primary skill)`` in file order.

    Raises:
        ValueError: a group holds none or several of the skills the contact types
            need, or two groups share one; the message names them.
    """
    needed = {s for ct in scenario.contact_types for req in ct.requirements() for s, _ in req}
    out: list[tuple[str, str]] = []
    owner: dict[str, str] = {}
    for g in scenario.agent_groups:
        held = sorted(s for s in g.skills if s in needed)
        if len(held) != 1:
            raise InvalidArgumentError(
                f"cross-training starts from specialists: group {g.name!r} holds "
                f"{held or 'none'} of the skills the contact types need ({sorted(needed)}); "
                "give each group exactly one"
            )
        skill = held[0]
        if skill in owner:
            raise InvalidArgumentError(
                f"groups {owner[skill]!r} and {g.name!r} both specialise in {skill!r}; "
                "cross-training needs one group per skill"
            )
        owner[skill] = g.name
        out.append((g.name, skill))
    missing = needed - set(owner)
    if missing:
        raise InvalidArgumentError(f"no specialist group for skills {sorted(missing)}")
    return out


def patterns(scenario: Scenario, skills_per_agent: int | None = None) -> list[Pattern]:
    """The patterns within the budget (default: every pattern).

    Raises:
        ValueError: a budget below 1, or a scenario that is not specialists.
    """
    n = len(primary_skills(scenario))
    budget = n if skills_per_agent is None else skills_per_agent
    if budget < 1:
        raise InvalidArgumentError(f"skills per agent {budget!r} must be at least 1")
    out = [Pattern("dedicated", 1, "one skill per agent (specialists)")]
    for k in range(2, min(budget, n - 1) + 1):
        out.append(Pattern(f"chain-{k}", k, f"{k} skills per agent, chained across groups"))
    if budget >= n and n > 1:
        out.append(Pattern("full", n, "every agent has every skill"))
    return out


def build_pattern(
    scenario: Scenario,
    pattern: Pattern,
    *,
    secondary_level: int = 2,
    premium_per_skill: float = 0.0,
) -> Scenario:
    """The scenario with every group cross-trained as ``pattern`` says.

    Raises:
        ValueError: ``secondary_level`` outside 1-5 or a negative premium.
    """
    if not 1 <= secondary_level <= 5:
        raise InvalidArgumentError(f"secondary level {secondary_level!r} must be within 1-5")
    if not (math.isfinite(premium_per_skill) and premium_per_skill >= 0):
        raise InvalidArgumentError(f"premium per skill {premium_per_skill!r} must be >= 0")
    primaries = primary_skills(scenario)
    groups = {g.name: g for g in scenario.agent_groups}
    n = len(primaries)
    out: list[AgentGroup] = []
    for i, (name, _) in enumerate(primaries):
        g = groups[name]
        skills = dict(g.skills)
        capacity = dict(g.capacity)
        for j in range(1, pattern.skills_per_agent):
            other, skill = primaries[(i + j) % n]
            skills.setdefault(skill, secondary_level)
            for channel, cap in groups[other].capacity.items():
                capacity.setdefault(channel, cap)
        extra = pattern.skills_per_agent - 1
        out.append(
            attrs.evolve(
                g,
                skills=skills,
                capacity=capacity,
                cost_per_hour=g.cost_per_hour * (1.0 + premium_per_skill * extra),
            )
        )
    return attrs.evolve(scenario, agent_groups=tuple(out))


@attrs.frozen
class CrossTrainResult:
    """The comparison.

    Attributes:
        scenario: the specialists' scenario.
        patterns: compared patterns, in order.
        estimates: per pattern, overall KPI estimates at the scenario's staffing.
        staffing: per pattern, the staffing search result (empty when skipped).
        targets: targets the staffing searches met.
        replications: per pattern.
        interrupted: Ctrl-C stopped the run.
        paths: files written.
    """

    scenario: Scenario
    patterns: tuple[Pattern, ...]
    estimates: Mapping[str, Mapping[str, Estimate]]
    staffing: Mapping[str, StaffingResult]
    targets: tuple[Target, ...]
    replications: int
    interrupted: bool
    paths: tuple[Path, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready document (what the HTML report reads)."""
        rows = []
        for p in self.patterns:
            kpis = {k: e.as_dict() for k, e in self.estimates.get(p.name, {}).items()}
            row: dict[str, Any] = {
                "pattern": p.name,
                "skills_per_agent": p.skills_per_agent,
                "description": p.description,
                "agents": self.scenario.agent_count,
                "kpis": kpis,
            }
            staffed = self.staffing.get(p.name)
            if staffed is not None:
                doc = staffed.as_dict()
                row["staff_needed"] = doc["total_agents"]
                row["staff_cost"] = doc["total_cost"]
                row["staff_feasible"] = doc["feasible"]
                row["staff_by_group"] = {g["group"]: g["peak_agents"] for g in doc["groups"]}
            rows.append(row)
        return {
            "kind": "crosstrain",
            "scenario": self.scenario.simulation.name,
            "description": self.scenario.simulation.description,
            "source": self.scenario.source,
            "replications": self.replications,
            "targets": [t.text for t in self.targets],
            "interrupted": self.interrupted,
            "patterns": rows,
        }


def run_crosstrain(
    scenario: Scenario,
    out_dir: str | os.PathLike[str],
    *,
    skills_per_agent: int | None = None,
    secondary_level: int = 2,
    premium_per_skill: float = 0.0,
    targets: Sequence[Target] | None = None,
    staffing: bool = True,
    replications: int | None = None,
    staffing_replications: int = 5,
    max_evaluations: int = 25,
    seed: int | None = None,
    policy: str | None = None,
    workers: int | None = None,
    on_job: Callable[[int, int], None] | None = None,
    on_pattern: Callable[[str], None] | None = None,
) -> CrossTrainResult:
    """Compare the patterns and write ``crosstrain.csv``, ``crosstrain.json`` and the
    streamed ``crosstrain_replications.csv`` (:mod:`simulations.report.crosstrain`
    draws ``crosstrain.png`` and the table).

    Args:
        scenario: specialists (see :func:`primary_skills`).
        out_dir: where the files go.
        skills_per_agent: the budget (default: no limit).
        secondary_level: level of a learned skill (1-5).
        premium_per_skill: extra hourly cost per learned skill, as a fraction.
        targets: for the staffing searches (default: the scenario's ``[targets]``).
        staffing: run a staffing search per pattern.
        replications: per pattern for the comparison (default: the scenario's).
        staffing_replications: per plan in the staffing searches.
        max_evaluations: per staffing search.
        seed: base seed shared by every pattern (default: the scenario's).
        policy: routing policy (default: the scenario's).
        workers: processes (default: every core).
        on_job: progress of the comparison, ``(finished, total)``.
        on_pattern: called with a pattern's name before its staffing search.
    """
    kinds = patterns(scenario, skills_per_agent)
    variants = {
        p.name: build_pattern(
            scenario, p, secondary_level=secondary_level, premium_per_skill=premium_per_skill
        )
        for p in kinds
    }
    count_workers = cpu_count() if workers is None else workers
    param = Param("pattern", tuple(p.name for p in kinds), "pattern")
    grid = [(Variant(i, (("pattern", p.name),)), variants[p.name]) for i, p in enumerate(kinds)]
    run = run_variants(
        scenario,
        [param],
        grid,
        out_dir,
        replications=replications,
        seed=seed,
        policy=policy,
        workers=count_workers,
        breakdowns=("overall",),
        prefix="crosstrain_",
        on_job=on_job,
    )
    estimates = {
        p.name: {k: e for k in COMPARED_KPIS if (e := run.get(i, k)) is not None}
        for i, p in enumerate(kinds)
    }
    goals = tuple(targets) if targets else default_targets(scenario)
    staffed: dict[str, StaffingResult] = {}
    interrupted = run.interrupted
    if staffing and not interrupted:
        for p in kinds:
            if on_pattern is not None:
                on_pattern(p.name)
            found = search(
                variants[p.name],
                goals,
                replications=staffing_replications,
                seed=seed,
                policy=policy,
                workers=count_workers,
                max_evaluations=max_evaluations,
            )
            staffed[p.name] = found
            if found.interrupted:
                interrupted = True
                break
    result = CrossTrainResult(
        scenario, tuple(kinds), estimates, staffed, goals, run.replications, interrupted
    )
    out = Path(out_dir)
    paths = [*run.paths, *write_crosstrain(result, out)]
    return attrs.evolve(result, paths=tuple(paths))


def write_crosstrain(result: CrossTrainResult, out_dir: Path) -> list[Path]:
    """``crosstrain.json`` and ``crosstrain.csv`` (tidy: pattern x KPI)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = result.as_dict()
    paths = [out_dir / "crosstrain.json", out_dir / "crosstrain.csv"]
    paths[0].write_text(json.dumps(doc, indent=2) + "\n")
    with paths[1].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["pattern", "skills_per_agent", "kpi", "mean", "ci_low", "ci_high", "half_width", "n"]
        )
        for row in doc["patterns"]:
            for kpi, est in row["kpis"].items():
                values = [est[k] for k in ("mean", "ci_low", "ci_high", "half_width", "n")]
                w.writerow([row["pattern"], row["skills_per_agent"], kpi, *values])
            if "staff_needed" in row:
                for kpi in ("staff_needed", "staff_cost"):
                    w.writerow(
                        [
                            row["pattern"],
                            row["skills_per_agent"],
                            kpi,
                            row[kpi],
                            None,
                            None,
                            None,
                            None,
                        ]
                    )
    return paths
