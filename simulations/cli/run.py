"""The ``ccsim`` command (also ``python -m simulations``).

    ccsim run [SCENARIO] [--replications N] [--seed S] [--out DIR] [--json FILE]
    ccsim compare SCENARIO --policy default --policy fifo ...
    ccsim validate SCENARIO...
    ccsim scenarios
    ccsim staff SCENARIO --target voice:80/20 ...     (see simulations.cli.planning)
    ccsim sweep SCENARIO --param PATH=START:STOP:STEP ...
    ccsim crosstrain [SCENARIO] [--skills-per-agent K]
    ccsim report DIR [--out report.html]

With no scenario, ``run`` simulates the bundled default centre (one day, voice,
chat, email and back office) under its ``compare`` policies and prints the KPIs side
by side with paired differences against the classic ACD (FIFO). ``--html FILE`` also
writes a self-contained HTML report (with ``--out``, from that directory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import simulations
from simulations.cli.planning import COMMANDS, add_commands, run_command, write_meta
from simulations.errors import SimulationError
from simulations.experiment import Experiment, cpu_count, run_experiment
from simulations.report.console import progress
from simulations.report.run import CHANNEL_KPIS, render_table, write_json, write_report
from simulations.scenario import Scenario, bundled_scenarios, load_scenario


def _scenario(value: str | None) -> Scenario:
    """A scenario file path, or the name of a bundled scenario (``default``, ``mmc``...)."""
    bundled = bundled_scenarios()
    if value is None:
        return load_scenario(bundled["default"])
    if value in bundled and not Path(value).exists():
        return load_scenario(bundled[value])
    return load_scenario(value)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replications", "-r", type=int, help="replications per policy")
    parser.add_argument("--seed", "-s", type=int, help="base random seed")
    parser.add_argument(
        "--workers",
        "-j",
        type=int,
        default=None,
        help="processes to run replications in (default: all cores)",
    )
    parser.add_argument("--baseline", help="policy the others are compared with")
    parser.add_argument("--out", "-o", type=Path, help="write JSON, CSV and PNG plots here")
    parser.add_argument("--json", type=Path, help="write the summary JSON to this file")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    parser.add_argument("--no-plots", action="store_true", help="with --out: skip the PNGs")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ccsim``."""
    parser = argparse.ArgumentParser(
        prog="ccsim",
        description="Contact-centre simulator driving the skills-routing engine.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {simulations.__version__}"
    )
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser(
        "run", help="simulate a scenario under its policies (default: bundled default)"
    )
    run.add_argument(
        "scenario", nargs="?", help="TOML file or bundled name (default: the bundled default)"
    )
    run.add_argument(
        "--policy", "-p", action="append", help="policy to run (repeatable; default: compare)"
    )
    _add_run_options(run)

    cmp = commands.add_parser("compare", help="compare several policies on one scenario")
    cmp.add_argument("scenario", help="TOML file or bundled name")
    cmp.add_argument(
        "--policy", "-p", action="append", required=True, help="policy to compare (repeatable)"
    )
    _add_run_options(cmp)

    validate = commands.add_parser("validate", help="check scenario files and report errors")
    validate.add_argument("scenarios", nargs="+", help="TOML files or bundled names")

    commands.add_parser("scenarios", help="list the bundled scenarios")
    add_commands(commands)
    return parser


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the process exit code.

    The entry point is :func:`simulations.cli.run`, which reports a missing extra.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    if args.command is None:
        args = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    try:
        if command == "scenarios":
            for name, path in sorted(bundled_scenarios().items()):
                scenario = load_scenario(path)
                print(f"{name:12} {scenario.simulation.description}")
            return 0
        if command == "validate":
            for value in args.scenarios:
                scenario = _scenario(value)
                print(
                    f"{value}: ok ({len(scenario.contact_types)} contact types, "
                    f"{scenario.agent_count} agents)"
                )
            return 0
        if command in COMMANDS:
            return run_command(args, _scenario)
        return _run(args)
    except (SimulationError, OSError) as error:
        print(f"ccsim: error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    scenario = _scenario(args.scenario)
    policies = tuple(args.policy) if args.policy else scenario.simulation.compare
    replications = (
        scenario.simulation.replications if args.replications is None else args.replications
    )
    workers = args.workers if args.workers is not None else cpu_count()
    total = replications * len(policies)
    started = time.perf_counter()
    if not args.quiet:
        print(
            f"{scenario.simulation.name}: {scenario.simulation.description}\n"
            f"{len(policies)} policies x {replications} replications, "
            f"{scenario.agent_count} agents, {workers} worker(s)"
        )
    with progress(args.quiet, "replications", total) as update:
        experiment = run_experiment(
            scenario,
            policies,
            replications=replications,
            seed=args.seed,
            baseline=args.baseline,
            workers=workers,
            on_result=lambda _: update(),
        )
    elapsed = time.perf_counter() - started
    if not experiment.summaries:
        print("ccsim: interrupted before any replication finished", file=sys.stderr)
        return 130
    if not args.quiet:
        summaries = experiment.summaries.values()
        print(render_table(summaries, experiment.comparisons))
        print(
            render_table(summaries, experiment.comparisons, kpis=CHANNEL_KPIS, breakdown="channel")
        )
        contacts = sum(len(r.contacts) for r in experiment.results)
        print(f"{contacts:,} simulated contacts in {elapsed:.1f} s")
    _write_outputs(args, experiment)
    return 130 if experiment.interrupted else 0


def _write_outputs(args: argparse.Namespace, experiment: Experiment) -> None:
    summaries = list(experiment.summaries.values())
    out: Path | None = args.out
    if out is None and args.html is not None:
        out = Path(tempfile.mkdtemp(prefix="ccsim-run-"))  # the report's plots and data
    if out is not None:
        paths = write_report(
            summaries,
            experiment.results,
            out,
            experiment.comparisons,
            plots=not args.no_plots,
        )
        if not args.quiet and args.out is not None:
            print(f"wrote {len(paths)} files to {out}")
    if args.html is not None and out is not None:
        from simulations.report.html import write_html

        write_meta(
            out,
            experiment.scenario,
            kind="run",
            policies=list(experiment.policies),
            replications=len({r.replication for r in experiment.results}),
            interrupted=experiment.interrupted,
        )
        write_html(out, args.html)
        if not args.quiet:
            print(f"wrote {args.html}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        # write_json names its file summary.json: write it aside, so that a
        # summary.json already in that directory (--out) is not overwritten and moved
        with tempfile.TemporaryDirectory(dir=args.json.parent) as tmp:
            write_json(summaries, tmp, experiment.comparisons).replace(args.json)
        if not args.quiet:
            print(f"wrote {args.json}")
