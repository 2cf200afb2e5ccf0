"""Router benchmark: full task lifecycles with 1e2 to 1e6 tasks waiting.

Measures in one run, mostly as ratios (machines are noisy), the DESIGN.md section 9
router targets:

* lifecycles per second (submit, offer, accept, complete) with N tasks kept waiting;
* that cost over a bare ``heapq`` push+pop on a heap of N items, timed in the same run;
* scaling: the cost with 100k tasks waiting over the cost with 1k;
* p50/p99 latency of each ``submit`` and ``complete`` call (each is a routing decision);
* speed over the brute-force oracle (``tests/oracle.py``) when that file exists;
* memory per waiting task (``tracemalloc``), indexes included;

and, beyond the targets, the cost curve from 100 to 1,000,000 waiting (the plot in
BENCHMARKS.md) and a sweep at 10k waiting over the centre's size (100 or 1,000 agents)
and its skills (10 or 50).

Throughput is CPU time (``time.process_time_ns``), so other processes on a shared
machine do not count; latency is wall time (``time.perf_counter_ns``) per call. Both
include this script's driver (picking the task to complete, accepting offers), about
a tenth of the total by py-spy. The workload, seeded and the same for every N, is
described in ``_centre.py``: 1,000 agents, 50 skills, 4 channels, run at full load
with the queue held at N. Every size gets the same operation counts, 1e6 included.

    python benchmarks/bench_router.py             # full: a few minutes (1e6 takes most)
    python benchmarks/bench_router.py --quick     # CI: small sizes, a few seconds
    python benchmarks/bench_router.py --sizes 1000,10000 --no-sweep --no-oracle
    python benchmarks/bench_router.py --profile 10000   # cProfile of the loop instead
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Sequence
from typing import Any

from _centre import AGENTS, CHANNELS, SKILLS, Workload
from _common import Figure, parser, payload, print_table, write_json
from _router_measure import (
    FULL,
    QUICK,
    Memory,
    OracleResult,
    Setting,
    SizeResult,
    load_oracle,
    measure_memory,
    measure_oracle,
    measure_settings,
    profile,
    short,
)

import routing

TARGET_SIZE = 10_000  # DESIGN.md section 9: throughput and heapq ratio at 10k waiting
SCALING = (1_000, 100_000)  # ... and 100k waiting costs at most 1.5x what 1k costs


def target_figures(
    main: list[SizeResult], memory: dict[int, Memory], oracle: OracleResult | None, quick: bool
) -> list[Figure]:
    """The DESIGN.md section 9 router targets, each at its setting where it was measured.

    A figure measured elsewhere (a quick run's sizes) says so in its note.
    """
    figs: list[Figure] = []
    if main:
        ref = next((r for r in main if r.size == TARGET_SIZE), main[-1])
        at = short(ref.size)
        off = "" if ref.size == TARGET_SIZE else f"at {at}, not 10k"
        figs += [
            Figure(
                f"lifecycles_per_s_{at}",
                f"lifecycles/s, {at} waiting",
                1e9 / ref.lifecycle_ns,
                "/s",
                ">=",
                50_000,
                off,
            ),
            Figure(
                f"lifecycle_over_heapq_{at}",
                f"lifecycle / heapq push+pop, {at}",
                ref.ratio_heap,
                "x",
                "<=",
                30,
                off,
            ),
        ]
        by_size = {r.size: r for r in main}
        if all(n in by_size for n in SCALING):
            lo, hi, note = by_size[SCALING[0]], by_size[SCALING[1]], ""
        else:
            lo, hi, note = main[0], main[-1], "not 100k/1k"
        if lo is not hi:
            figs.append(
                Figure(
                    f"scaling_{short(hi.size)}_over_{short(lo.size)}",
                    f"cost {short(hi.size)} / cost {short(lo.size)} waiting",
                    hi.lifecycle_ns / lo.lifecycle_ns,
                    "x",
                    "<=",
                    1.5,
                    note,
                )
            )
    if oracle is None:
        figs.append(Figure("over_oracle", "speed over oracle", math.nan, "x", note="not measured"))
    else:
        where = f"{short(oracle.size)} waiting, {oracle.agents} agents"
        figs.append(
            Figure(
                f"over_oracle_{short(oracle.size)}_{oracle.agents}",
                f"speed over oracle, {where}",
                oracle.oracle_ns / oracle.router_ns,
                "x",
                ">=",
                100,
                "" if oracle.at_target_setting else "not 10k/1000",
            )
        )
    for size, mem in memory.items():
        figs.append(
            Figure(
                f"bytes_per_waiting_task_{short(size)}",
                f"router memory per waiting task, {short(size)}",
                mem.all_in,
                "B",
                "<=",
                1024,
                "quick size" if quick else "",
            )
        )
    return figs


def setting_figures(r: SizeResult) -> list[Figure]:
    """Throughput, cost, the heapq baseline and latencies for one setting."""
    tag = r.setting.tag
    where = r.setting.label
    figs = [
        Figure(f"lifecycles_per_s_{tag}", f"lifecycles/s, {where}", 1e9 / r.lifecycle_ns, "/s"),
        Figure(
            f"lifecycles_per_s_built_{tag}",
            f"  same, building each Task in the loop, {where}",
            1e9 / r.lifecycle_built_ns,
            "/s",
        ),
        Figure(f"lifecycle_us_{tag}", f"  lifecycle CPU cost, {where}", r.lifecycle_ns / 1e3, "us"),
        Figure(f"heap_pair_ns_{tag}", f"  heapq push+pop, {short(r.size)} heap", r.heap_ns, "ns"),
        Figure(f"lifecycle_over_heapq_{tag}", f"  lifecycle / heapq, {where}", r.ratio_heap, "x"),
    ]
    figs += [
        Figure(f"{name}_us_{tag}", f"  {name.replace('_', ' ')} latency, {where}", value, "us")
        for name, value in r.latency_us.items()
        if not name.endswith("mean")
    ]
    return figs


def figures(
    results: list[SizeResult],
    memory: dict[int, Memory],
    oracle: OracleResult | None,
    quick: bool,
) -> list[Figure]:
    """The table: the DESIGN.md section 9 targets first, then the supporting figures."""
    main = [r for r in results if r.setting.default_centre]
    figs = target_figures(main, memory, oracle, quick)
    for r in results:
        figs += setting_figures(r)
    if oracle is not None:
        where = f"{short(oracle.size)} waiting, {oracle.agents} agents"
        figs += [
            Figure(
                "oracle_lifecycle_us",
                f"oracle lifecycle CPU cost, {where}",
                oracle.oracle_ns / 1e3,
                "us",
            ),
            Figure(
                "oracle_router_lifecycle_us", "  router, same centre", oracle.router_ns / 1e3, "us"
            ),
        ]
    for size, mem in memory.items():
        tag = short(size)
        figs += [
            Figure(
                f"bytes_per_waiting_task_marginal_{tag}",
                f"router memory per task, {short(size // 2)} -> {tag} waiting",
                mem.marginal,
                "B",
            ),
            Figure(
                f"bytes_per_task_object_{tag}", f"caller's Task object, {tag}", mem.task_object, "B"
            ),
        ]
    return figs


def curve(results: list[SizeResult]) -> list[dict[str, Any]]:
    """Cost per lifecycle and per heapq push+pop against tasks waiting, default centre."""
    return [
        {
            "waiting": r.size,
            "lifecycle_us": r.lifecycle_ns / 1e3,
            "heap_pair_ns": r.heap_ns,
            "sla_breached_per_1000": r.details["events_per_1000_completes"].get("SlaBreached", 0),
            "gc_us_per_step": r.details["gc_wall_ns_per_timed_step"] / 1e3,
        }
        for r in results
        if r.setting.default_centre
    ]


def report_run(results: list[SizeResult]) -> None:
    """Print what each setting's steps did, for the record."""
    for result in results:
        d = result.details
        print(
            f"  {result.setting.tag:>12}: {1e9 / result.lifecycle_ns:>9,.0f} lifecycles/s "
            f"({result.ratio_heap:.1f}x heapq); {d['completes']:,} lifecycles, "
            f"{d['offers_per_complete']:.2f} offers each, {d['waiting_at_end']:,} waiting at end"
        )
        print(f"           events per 1000 lifecycles: {d['events_per_1000_completes']}")
        print(f"           waiting by channel at end: {d['waiting_by_channel']}")
        print(
            f"           gc: {d['gc_wall_ns_per_timed_step'] / 1000:.2f} us per step, "
            f"collections by generation {d['gc_collections_by_generation']}"
        )
        if d["index"]:
            print(f"           index: {d['index']}")


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "router benchmark")
    cli.add_argument("--seed", type=int, default=20_240_611, help="workload seed")
    cli.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of measuring, cProfile the lifecycle loop with N tasks waiting",
    )
    cli.add_argument("--no-oracle", action="store_true", help="skip the oracle comparison")
    cli.add_argument("--no-sweep", action="store_true", help="skip the agents/skills sweep")
    cli.add_argument("--no-memory", action="store_true", help="skip the tracemalloc figures")
    cli.add_argument(
        "--sizes", help="comma-separated queue lengths to measure instead of the mode's"
    )
    cli.add_argument("--oracle-size", type=int, help="tasks waiting in the oracle comparison")
    cli.add_argument(
        "--oracle-scale", type=float, help="share of the 1,000 agents in the oracle comparison"
    )
    cli.add_argument("--oracle-only", action="store_true", help="run only the oracle comparison")
    args = cli.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.sizes:
        mode = dataclasses.replace(mode, sizes=tuple(int(n) for n in args.sizes.split(",")))
    if args.no_sweep:
        mode = dataclasses.replace(mode, sweep=())
    if args.no_memory:
        mode = dataclasses.replace(mode, memory_sizes=())
    if args.oracle_size is not None:
        mode = dataclasses.replace(mode, oracle_size=args.oracle_size)
    if args.oracle_scale is not None:
        mode = dataclasses.replace(mode, oracle_scale=args.oracle_scale)
    if args.oracle_only:
        mode = dataclasses.replace(mode, sizes=(), sweep=(), memory_sizes=())
    if args.profile is not None:
        profile(args.profile, mode, args.seed, top=25)
        return 0

    settings: list[Setting] = mode.settings()
    print(
        f"router benchmark ({'quick' if args.quick else 'full'}): {AGENTS} agents, "
        f"{SKILLS} skills, {len(CHANNELS)} channels, waiting {list(mode.sizes)}; "
        f"sweep {[s.tag for s in mode.sweep]}"
    )
    probe = Workload(args.seed)
    rates = ", ".join(
        f"{ch} {rate / probe.arrival_rate:.0%}" for ch, rate in probe.channel_rate.items()
    )
    print(f"  arrivals {probe.arrival_rate:.2f}/s ({rates}); engine {routing.__file__}")
    results = measure_settings(settings, mode, args.seed) if settings else []
    report_run(results)
    memory = {}
    for size in mode.memory_sizes:
        memory[size] = mem = measure_memory(size, args.seed)
        print(
            f"  memory with {size:,} waiting: {mem.all_in:,.0f} B per task all in, "
            f"{mem.marginal:,.0f} B marginal, Task objects {mem.task_object:,.0f} B"
        )
    oracle: OracleResult | None = None
    oracle_cls = None if args.no_oracle else load_oracle()
    if oracle_cls is not None:
        oracle = measure_oracle(oracle_cls, mode, args.seed)
        print(
            f"  oracle, {oracle.size:,} waiting, {oracle.agents} agents: "
            f"{oracle.oracle_ns / 1e6:.1f} ms per lifecycle, "
            f"router {oracle.router_ns / 1e3:.1f} us; "
            f"{'same' if oracle.agree else 'DIFFERENT'} end state after {oracle.lifecycles} "
            f"lifecycles; {oracle.setup_s:.1f}s"
        )
    elif not args.no_oracle:
        print("  oracle: tests/oracle.py not found, not measured")

    figs = figures(results, memory, oracle, args.quick)
    print_table("Router (DESIGN.md section 9 targets; a MISS does not fail the run)", figs)
    if args.json:
        write_json(
            args.json,
            payload(
                "router",
                args.quick,
                figs,
                engine=routing.__file__,
                curve=curve(results),
                details={r.setting.tag: r.details for r in results},
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
