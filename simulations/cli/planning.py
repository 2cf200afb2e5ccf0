"""The planner subcommands of ``ccsim``: ``staff``, ``sweep``, ``crosstrain``, ``report``.

    ccsim staff SCENARIO [--target voice:80/20 ...] [--per-interval] [--out DIR] [--html F]
    ccsim sweep SCENARIO --param agent_groups.agents.count=30:40:2 [...] [--out DIR]
    ccsim crosstrain [SCENARIO] [--skills-per-agent 2] [--no-staffing] [--out DIR]
    ccsim report DIR [--out report.html]

:mod:`simulations.cli.run` builds the parser with :func:`add_commands` and hands these
commands to :func:`run_command`. Long runs show progress; Ctrl-C stops them keeping
what finished (streamed to the output directory as it finishes) and exits 130.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from simulations.errors import InvalidArgumentError
from simulations.experiment import cpu_count
from simulations.records import ReplicationResult
from simulations.report.console import print_tables, progress, say
from simulations.scenario import Scenario

__all__ = ["COMMANDS", "add_commands", "run_command", "write_meta"]

COMMANDS = ("staff", "sweep", "crosstrain", "report")
ScenarioLoader = Callable[[str | None], Scenario]


def _common(parser: argparse.ArgumentParser, *, replications_help: str) -> None:
    parser.add_argument("--replications", "-r", type=int, help=replications_help)
    parser.add_argument("--seed", "-s", type=int, help="base random seed (the same everywhere)")
    parser.add_argument(
        "--workers", "-j", type=int, help="processes to run replications in (default: all cores)"
    )
    parser.add_argument("--policy", "-p", help="routing policy (default: the scenario's)")
    parser.add_argument("--html", type=Path, help="also write a self-contained HTML report here")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def add_commands(commands: Any) -> None:
    """Add the planner subcommands to ``ccsim``'s subparsers."""
    staff = commands.add_parser(
        "staff",
        help="fewest agents per group (or per interval) meeting service targets",
        description="Start from Erlang C/A, refine by simulation; a target counts as met "
        "only when its confidence interval says so. Targets: SCOPE:PCT/SECONDS "
        "(voice:80/20), asa:SCOPE<=SECONDS, abandon:SCOPE<=PCT%, backoffice:PCT%; "
        "SCOPE is a channel, a contact type or 'all'. Default: the scenario's [targets].",
    )
    staff.add_argument("scenario", help="TOML file or bundled name")
    staff.add_argument("--target", "-t", action="append", default=[], help="a target (repeatable)")
    staff.add_argument(
        "--per-interval", action="store_true", help="one count per group per staffing interval"
    )
    staff.add_argument("--interval", type=float, help="staffing interval, s (default: scenario's)")
    staff.add_argument(
        "--max-evaluations", type=int, default=40, help="most plans to simulate (default 40)"
    )
    staff.add_argument(
        "--step", type=float, default=0.1, help="raise by this share of a group (default 0.1)"
    )
    staff.add_argument(
        "--from-scenario",
        action="store_true",
        help="start from the scenario's counts instead of the Erlang estimate",
    )
    staff.add_argument("--out", "-o", type=Path, help="write CSV/JSON/PNG here (streamed)")
    _common(staff, replications_help="replications per simulated plan (default 5, at least 2)")

    sweep = commands.add_parser(
        "sweep",
        help="a grid of scenario variants, replicated in parallel, to one tidy CSV",
        description="PARAM is PATH=START:STOP:STEP (inclusive), PATH=A,B,C or PATH=VALUE; "
        "PATH as in agent_groups.voice.count or simulation.volume. Several make a grid.",
    )
    sweep.add_argument("scenario", help="TOML file or bundled name")
    sweep.add_argument(
        "--param", action="append", required=True, help="a swept parameter (repeatable)"
    )
    sweep.add_argument("--out", "-o", type=Path, help="output directory (default: sweep-NAME)")
    sweep.add_argument(
        "--resume", action="store_true", help="skip the jobs already in replications.csv"
    )
    sweep.add_argument(
        "--breakdown",
        action="append",
        help="KPI breakdowns to keep (default: overall, channel, contact_type, agent_group)",
    )
    _common(sweep, replications_help="replications per variant (default: the scenario's)")

    ct = commands.add_parser(
        "crosstrain",
        help="compare skill patterns: specialists, a skill chain, all skills",
        description="The scenario's groups are specialists (one skill each); the other "
        "patterns are derived from them and simulated on the same customers.",
    )
    ct.add_argument("scenario", nargs="?", help="TOML file or bundled name (default: crosstrain)")
    ct.add_argument("--skills-per-agent", "-k", type=int, help="budget of skills per agent")
    ct.add_argument("--secondary-level", type=int, default=2, help="level of learned skills")
    ct.add_argument(
        "--premium",
        type=float,
        default=0.0,
        help="extra hourly cost per learned skill (0.05 = 5%%)",
    )
    ct.add_argument("--target", "-t", action="append", default=[], help="staffing target")
    ct.add_argument("--no-staffing", action="store_true", help="skip the staff-needed searches")
    ct.add_argument(
        "--staffing-replications", type=int, default=5, help="per plan in the staffing searches"
    )
    ct.add_argument("--out", "-o", type=Path, help="output directory (default: crosstrain-NAME)")
    _common(ct, replications_help="replications per pattern (default: the scenario's)")

    report = commands.add_parser(
        "report", help="write a self-contained HTML report of a results directory"
    )
    report.add_argument("directory", type=Path, help="what run/compare/staff/sweep wrote")
    report.add_argument("--out", "-o", type=Path, help="the HTML file (default: DIR/report.html)")
    report.add_argument("--title", help="page title")


def run_command(args: argparse.Namespace, load: ScenarioLoader) -> int:
    """Run one planner subcommand; returns the exit code (130 when interrupted)."""
    if args.command == "report":
        from simulations.report.html import write_html

        path = write_html(args.directory, args.out, title=args.title)
        print(f"wrote {path}")
        return 0
    scenario = load(
        args.scenario if args.command != "crosstrain" else args.scenario or "crosstrain"
    )
    if args.workers is not None and args.workers < 1:
        raise InvalidArgumentError(f"--workers {args.workers} must be at least 1")
    handler = {"staff": _staff, "sweep": _sweep, "crosstrain": _crosstrain}[args.command]
    try:
        return handler(args, scenario)
    except KeyboardInterrupt:  # while summarising or plotting: the streamed files stand
        print("ccsim: interrupted; what finished is in the output directory", file=sys.stderr)
        return 130


def write_meta(out_dir: Path, scenario: Scenario, **extra: object) -> Path:
    """``meta.json``: what the HTML report shows about the run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "meta.json"
    document = {
        "scenario": scenario.simulation.name,
        "description": scenario.simulation.description,
        "source": scenario.source,
        "command": " ".join(["ccsim", *sys.argv[1:]]),
        **extra,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def _html(args: argparse.Namespace, out: Path) -> None:
    if args.html is not None:
        from simulations.report.html import write_html

        path = write_html(out, args.html)
        if not args.quiet:
            print(f"wrote {path}")


# --- staff ----------------------------------------------------------------------------


class _StaffLog:
    """Streams every simulated plan (``staffing_log.jsonl``) and every replication's
    target values (``staffing_replications.csv``) as they finish."""

    def __init__(self, out: Path, scenario: Scenario, targets: Sequence[Any]) -> None:
        from simulations.planning.targets import Target

        out.mkdir(parents=True, exist_ok=True)
        self.targets: list[tuple[Target, tuple[str, ...]]] = [
            (t, t.contact_types(scenario)) for t in targets
        ]
        self.window = (scenario.simulation.warmup, scenario.simulation.horizon)
        self.steps: TextIO = (out / "staffing_log.jsonl").open("w")
        self.reps: TextIO = (out / "staffing_replications.csv").open("w", newline="")
        self.writer = csv.writer(self.reps)
        self.writer.writerow(["plan", "replication", "target", "value"])
        self.reps.flush()
        self.plan = 1

    def replication(self, result: ReplicationResult) -> None:
        from simulations.planning.targets import measure

        for target, types in self.targets:
            value = measure(target, result.contacts, types, self.window)
            self.writer.writerow([self.plan, result.replication, target.text, value])
        self.reps.flush()

    def step(self, step: Any) -> None:
        record = {
            "step": step.number,
            "phase": step.phase,
            "agents": step.agents,
            "met": step.met,
            "missed": list(step.missed),
            "action": step.action,
            "simulated": step.simulated,
            "plan": {g: list(ns) for g, ns in step.plan.counts},
        }
        self.steps.write(json.dumps(record) + "\n")
        self.steps.flush()
        self.plan += step.simulated

    def close(self) -> None:
        self.steps.close()
        self.reps.close()


def _staff(args: argparse.Namespace, scenario: Scenario) -> int:
    from simulations.planning.staffing import Plan, result_document, search
    from simulations.planning.targets import default_targets, parse_target
    from simulations.report.staffing import staffing_tables, write_staffing

    targets = [parse_target(t) for t in args.target] or list(default_targets(scenario))
    if not targets:
        raise InvalidArgumentError("the scenario has no [targets] to meet; give --target")
    replications = 5 if args.replications is None else args.replications
    workers = cpu_count() if args.workers is None else args.workers
    start = (
        Plan.of({g.name: (g.count,) for g in scenario.agent_groups})
        if args.from_scenario and not args.per_interval
        else None
    )
    out: Path | None = args.out
    if out is None and args.html is not None:
        import tempfile

        out = Path(tempfile.mkdtemp(prefix="ccsim-staff-"))
    log = _StaffLog(out, scenario, targets) if out is not None else None
    if not args.quiet:
        print(
            f"{scenario.simulation.name}: staffing for {', '.join(t.text for t in targets)}\n"
            f"{replications} replications per plan, {workers} worker(s), "
            f"at most {args.max_evaluations} plans"
        )
    started = time.perf_counter()
    with progress(args.quiet, "simulating plan 1", replications) as update:
        plans = 1

        def on_result(result: ReplicationResult) -> None:
            update()
            if log is not None:
                log.replication(result)

        def on_step(step: Any) -> None:
            nonlocal plans
            if log is not None:
                log.step(step)
            if not args.quiet:
                state = "met" if step.met else "missed " + ", ".join(step.missed)
                seen = "" if step.simulated else " (seen before)"
                say(
                    f"  step {step.number:>2}: {step.agents:>4} agents{seen}, {state}; "
                    f"{step.action}"
                )
            plans += step.simulated
            update(0, description=f"simulating plan {plans}")

        try:
            result = search(
                scenario,
                targets,
                per_interval=args.per_interval,
                interval=args.interval,
                replications=replications,
                seed=args.seed,
                policy=args.policy,
                workers=workers,
                max_evaluations=args.max_evaluations,
                step_fraction=args.step,
                start=start,
                on_step=on_step,
                on_result=on_result,
            )
        finally:
            if log is not None:
                log.close()
    if result.evaluation is None:
        print("ccsim: interrupted before any plan was simulated", file=sys.stderr)
        return 130
    doc = result_document(result)
    if not args.quiet:
        print_tables(staffing_tables(doc))
        elapsed = time.perf_counter() - started
        print(f"{result.evaluations} plans simulated in {elapsed:.1f} s")
        if result.relaxed:
            print(
                "warning: adding agents did not move "
                + ", ".join(result.relaxed)
                + " (e.g. work arriving when no eligible group is on duty); "
                "the plan holds them at the level reached"
            )
        elif not result.feasible:
            print("warning: the targets were not all met; raise --max-evaluations")
        if result.interrupted:
            print(
                "interrupted: this is the best plan simulated so far"
                + (f"; every finished replication is in {out}" if out is not None else "")
            )
    if out is not None:
        write_meta(out, scenario, kind="staffing", replications=replications)
        paths = write_staffing(result, out, plots=not args.no_plots)
        if not args.quiet and args.out is not None:
            print(f"wrote {len(paths) + 3} files to {out}")
        _html(args, out)
    return 130 if result.interrupted else 0


# --- sweep ----------------------------------------------------------------------------


def _sweep(args: argparse.Namespace, scenario: Scenario) -> int:
    from simulations.planning.sweep import DEFAULT_BREAKDOWNS, expand, parse_param, run_sweep
    from simulations.report.sweep import plot_sweep, sweep_table

    params = [parse_param(p) for p in args.param]
    out: Path = args.out or Path(f"sweep-{scenario.simulation.name}")
    replications = (
        scenario.simulation.replications if args.replications is None else args.replications
    )
    workers = cpu_count() if args.workers is None else args.workers
    variants = len(expand(scenario, params))
    if not args.quiet:
        print(
            f"{scenario.simulation.name}: {variants} variants x {replications} replications, "
            f"{workers} worker(s), streaming to {out / 'replications.csv'}"
        )
    started = time.perf_counter()
    with progress(args.quiet, "replications", variants * replications) as update:
        result = run_sweep(
            scenario,
            params,
            out,
            replications=replications,
            seed=args.seed,
            policy=args.policy,
            workers=workers,
            breakdowns=args.breakdown or DEFAULT_BREAKDOWNS,
            resume=args.resume,
            on_job=lambda done, total: update(done),
        )
    paths = [*result.paths, *([] if args.no_plots else plot_sweep(result, out))]
    write_meta(out, scenario, kind="sweep", replications=replications)
    if not args.quiet:
        print_tables([sweep_table(result, scenario.simulation.name)])
        elapsed = time.perf_counter() - started
        print(f"wrote {len(paths)} files to {out} in {elapsed:.1f} s")
        if result.interrupted:
            print("interrupted: finished replications are kept; rerun with --resume")
    _html(args, out)
    return 130 if result.interrupted else 0


# --- crosstrain -----------------------------------------------------------------------


def _crosstrain(args: argparse.Namespace, scenario: Scenario) -> int:
    from simulations.planning.crosstrain import patterns, run_crosstrain
    from simulations.planning.targets import parse_target
    from simulations.report.crosstrain import crosstrain_table, plot_crosstrain

    out: Path = args.out or Path(f"crosstrain-{scenario.simulation.name}")
    kinds = patterns(scenario, args.skills_per_agent)
    replications = (
        scenario.simulation.replications if args.replications is None else args.replications
    )
    workers = cpu_count() if args.workers is None else args.workers
    if not args.quiet:
        print(
            f"{scenario.simulation.name}: patterns {', '.join(p.name for p in kinds)}; "
            f"{replications} replications each, {workers} worker(s)"
            + ("" if args.no_staffing else ", then a staffing search per pattern")
        )
    started = time.perf_counter()
    with progress(args.quiet, "patterns", len(kinds) * replications) as update:

        def on_pattern(name: str) -> None:
            update(0, total=None, description=f"staffing {name}")

        result = run_crosstrain(
            scenario,
            out,
            skills_per_agent=args.skills_per_agent,
            secondary_level=args.secondary_level,
            premium_per_skill=args.premium,
            targets=[parse_target(t) for t in args.target] or None,
            staffing=not args.no_staffing,
            replications=replications,
            staffing_replications=args.staffing_replications,
            seed=args.seed,
            policy=args.policy,
            workers=workers,
            on_job=lambda done, total: update(done),
            on_pattern=on_pattern,
        )
    doc = result.as_dict()
    paths = [*result.paths, *([] if args.no_plots else [plot_crosstrain(doc, out)])]
    write_meta(out, scenario, kind="crosstrain", replications=replications)
    if not args.quiet:
        print_tables([crosstrain_table(doc)])
        elapsed = time.perf_counter() - started
        print(f"wrote {len(paths)} files to {out} in {elapsed:.1f} s")
    _html(args, out)
    return 130 if result.interrupted else 0
