"""The router benchmark's measurements: lifecycle cost per setting, memory, the oracle.

A *setting* is a queue length with a centre size and a number of skills
(:class:`Setting`); :func:`measure_settings` keeps one router per setting at its queue
length and times them in turn. The workload is in ``_centre.py``; the figures and the
command line in ``bench_router.py``.
"""

from __future__ import annotations

import cProfile
import gc
import heapq
import importlib
import pstats
import random
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _centre import (
    AGENTS,
    CHANNELS,
    SKILLS,
    START_AT,
    Centre,
    Counts,
    GcClock,
    Spec,
    Workload,
    agent_count,
    built_on_the_fly,
    index_shape,
    new_centre,
    prebuilt,
)
from _common import Stopwatch, median, percentile

from routing import AgentState, Policy, Router

REPO = Path(__file__).resolve().parent.parent


def short(size: int) -> str:
    """``1000`` -> ``"1k"``; sizes that are not whole thousands stay as they are."""
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


@dataclass(frozen=True)
class Setting:
    """A queue length in a centre of ``scale`` times the 1,000 agents and ``skills`` skills."""

    size: int
    scale: float = 1.0
    skills: int = SKILLS

    @property
    def agents(self) -> int:
        """Agents in the centre (teams of ten, at least one team per blend)."""
        return agent_count(self.scale)

    @property
    def default_centre(self) -> bool:
        """Whether this is the 1,000-agent, 50-skill centre of DESIGN.md section 9."""
        return self.scale == 1.0 and self.skills == SKILLS

    @property
    def label(self) -> str:
        """For people: ``"10k"`` in the default centre, ``"10k, 100 agents, 50 skills"``."""
        base = short(self.size)
        where = f"{self.agents} agents, {self.skills} skills"
        return base if self.default_centre else f"{base}, {where}"

    @property
    def tag(self) -> str:
        """Key suffix: ``"10k"`` in the default centre, ``"10k_a100_s50"`` elsewhere."""
        base = short(self.size)
        return base if self.default_centre else f"{base}_a{self.agents}_s{self.skills}"


@dataclass(frozen=True)
class Mode:
    """How much to measure."""

    sizes: tuple[int, ...]  # queue lengths in the default centre (the cost curve)
    sweep: tuple[Setting, ...]  # further settings: fewer agents, fewer skills
    chunk: int  # steps per timed chunk
    repeats: int  # chunks per variant; the median is reported
    warmup: int
    latency_steps: int
    heap_ops: int
    memory_sizes: tuple[int, ...]
    oracle_size: int  # tasks waiting in the oracle comparison
    oracle_scale: float  # share of the 1,000 agents in the oracle comparison
    oracle_warmup: int
    oracle_steps: int

    def settings(self) -> list[Setting]:
        """The default-centre sizes, then the sweep settings not already among them."""
        main = [Setting(size) for size in self.sizes]
        return main + [s for s in self.sweep if s not in main]


FULL = Mode(
    sizes=(100, 1_000, 10_000, 100_000, 1_000_000),
    sweep=(Setting(10_000, scale=0.1), Setting(10_000, skills=10)),
    chunk=6_000,
    repeats=5,
    warmup=20_000,
    latency_steps=20_000,
    heap_ops=200_000,
    memory_sizes=(10_000, 100_000),
    oracle_size=10_000,  # DESIGN.md's setting: about 90 s, mostly filling the oracle
    oracle_scale=1.0,
    oracle_warmup=10,
    oracle_steps=30,
)
QUICK = Mode(  # a smoke run: every code path, small sizes, figures not to be quoted
    sizes=(300, 2_000),
    sweep=(Setting(500, scale=0.1), Setting(500, scale=0.1, skills=10)),
    chunk=400,
    repeats=2,
    warmup=500,
    latency_steps=500,
    heap_ops=10_000,
    memory_sizes=(2_000,),
    oracle_size=100,
    oracle_scale=0.1,
    oracle_warmup=10,
    oracle_steps=10,
)


def heap_pair_ns(size: int, ops: int, rng: random.Random) -> float:
    """CPU nanoseconds per ``heappush`` + ``heappop`` on a heap kept at ``size`` items.

    Items are ``(float, int)`` tuples with uniform random keys, like a timer heap's.
    """
    heap = [(rng.random(), i) for i in range(size)]
    heapq.heapify(heap)
    items = [(rng.random(), size + i) for i in range(ops)]
    push, pop = heapq.heappush, heapq.heappop
    with Stopwatch() as watch:
        for item in items:
            push(heap, item)
            pop(heap)
    return watch.cpu_ns / ops


@dataclass
class SizeResult:
    """Figures for one setting (times in ns of CPU unless named otherwise)."""

    setting: Setting
    lifecycle_ns: float
    lifecycle_built_ns: float
    heap_ns: float
    ratio_heap: float
    latency_us: dict[str, float]
    details: dict[str, Any]

    @property
    def size(self) -> int:
        """Tasks kept waiting."""
        return self.setting.size


def _latency(name: str, values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        f"{name}_p50": percentile(ordered, 0.50) / 1000,
        f"{name}_p99": percentile(ordered, 0.99) / 1000,
        f"{name}_mean": sum(ordered) / max(1, len(ordered)) / 1000,
    }


class SizeRun:
    """One router kept at a setting's queue length, measured a chunk at a time."""

    def __init__(self, setting: Setting, mode: Mode, seed: int) -> None:
        self.setting, self.mode = setting, mode
        self.router = Router(Policy(offer_timeout=None))
        self.centre, workload = new_centre(
            self.router, setting.size, seed, setting.scale, setting.skills
        )
        self.agents = len(workload.agents)
        steps = mode.warmup + 2 * mode.repeats * mode.chunk + mode.latency_steps
        self.specs = workload.live(steps, START_AT)
        self.centre.run(prebuilt(self.specs[: mode.warmup]))
        self.pos = mode.warmup
        self.rng = random.Random(seed + setting.size)
        self.pre: list[float] = []
        self.built: list[float] = []
        self.heap: list[float] = []
        self.ratios: list[float] = []
        self.wall: list[float] = []
        self.totals = Counts()
        self.gc = GcClock()

    def _next(self) -> list[Spec]:
        chunk = self.specs[self.pos : self.pos + self.mode.chunk]
        self.pos += self.mode.chunk
        return chunk

    def chunk(self) -> None:
        """Time a chunk with prebuilt tasks, a chunk building them, and a heapq run."""
        items = prebuilt(self._next())
        with self.gc, Stopwatch() as watch:
            counts = self.centre.run(items)
        self.pre.append(watch.cpu_ns / counts.completes)
        self.wall.append(watch.wall_ns / counts.completes)
        self.totals.add(counts)
        specs = self._next()
        with self.gc, Stopwatch() as watch:
            counts = self.centre.run(built_on_the_fly(specs))
        self.built.append(watch.cpu_ns / counts.completes)
        self.totals.add(counts)
        ops = self.mode.heap_ops // self.mode.repeats
        self.heap.append(heap_pair_ns(self.setting.size, ops, self.rng))
        self.ratios.append(self.pre[-1] / self.heap[-1])

    def finish(self) -> SizeResult:
        """Time every call of a last stretch of steps, and gather the figures."""
        latency: tuple[list[int], list[int]] = ([], [])
        self.totals.add(self.centre.run(prebuilt(self.specs[self.pos :]), latency))
        router, centre, totals = self.router, self.centre, self.totals
        per_k = 1000 / max(1, totals.completes)
        assert router.waiting_count() == len(centre.waiting), "the event count went astray"
        timed = len(self.pre) * self.mode.chunk * 2
        details: dict[str, Any] = {
            "waiting": self.setting.size,
            "agents": self.agents,
            "skills": self.setting.skills,
            "waiting_at_end": router.waiting_count(),
            "waiting_by_channel": {ch: router.waiting_count(ch) for ch in CHANNELS},
            "steps": totals.submits,
            "completes": totals.completes,
            "offers_per_complete": totals.offers / max(1, totals.completes),
            "events_per_1000_completes": {k: round(v * per_k, 1) for k, v in totals.events.items()},
            "simulated_seconds": centre.now - START_AT,
            "gc_wall_ns_per_timed_step": self.gc.ns / max(1, timed),
            "gc_collections_by_generation": self.gc.collections,
            "chunks_lifecycle_cpu_ns": self.pre,
            "chunks_lifecycle_wall_ns": self.wall,
            "chunks_lifecycle_built_cpu_ns": self.built,
            "chunks_heap_cpu_ns": self.heap,
            "index": index_shape(router),
        }
        return SizeResult(
            setting=self.setting,
            lifecycle_ns=median(self.pre),
            lifecycle_built_ns=median(self.built),
            heap_ns=median(self.heap),
            ratio_heap=median(self.ratios),
            latency_us=_latency("submit", latency[0]) | _latency("complete", latency[1]),
            details=details,
        )


def measure_settings(settings: list[Setting], mode: Mode, seed: int) -> list[SizeResult]:
    """Lifecycle cost, heapq cost and latencies for every setting.

    All the routers are built and warmed up first; then, ``mode.repeats`` times, each
    setting in turn times a chunk of steps with prebuilt tasks, a chunk building tasks
    on the fly and a heapq run. Interleaving spreads a machine's drifts over all
    settings alike; each figure is the median over chunks, and the heapq ratio the
    median of the per-chunk ratios. Objects built during setup are frozen
    (``gc.freeze``) so a full collection, whose cost grows with every object in the
    process, is not charged to whichever setting happens to be running; collections
    during timing still count.
    """
    runs = []
    for setting in settings:
        began = time.perf_counter()
        runs.append(SizeRun(setting, mode, seed))
        where = f"{runs[-1].agents} agents, {setting.skills} skills"
        took = time.perf_counter() - began
        print(f"  set up {setting.size:,} waiting ({where}) in {took:.1f}s", flush=True)
    gc.collect()
    gc.freeze()
    try:
        for _ in range(mode.repeats):
            for run in runs:
                run.chunk()
        return [run.finish() for run in runs]
    finally:
        gc.unfreeze()


@dataclass(frozen=True)
class Memory:
    """Bytes per waiting task (``tracemalloc``)."""

    all_in: float  # router growth from agents only to ``size`` waiting, over ``size``
    marginal: float  # growth from size/2 to size waiting, over size/2 (groups exist)
    task_object: float  # the caller's Task objects, built before submitting


def measure_memory(size: int, seed: int) -> Memory:
    """Memory per waiting task. Every agent is away, so every submitted task waits."""
    workload = Workload(seed)
    router = Router(Policy(offer_timeout=None))
    centre = Centre(router, size)
    centre.add_agents(workload.agents, AgentState.AWAY)
    backlog = workload.backlog()
    specs = [next(backlog) for _ in range(size)]
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tasks = [spec.make() for spec in specs]
        built = tracemalloc.get_traced_memory()[0]
        half = size // 2
        for task in tasks[:half]:
            router.submit(task, START_AT)
        gc.collect()
        middle = tracemalloc.get_traced_memory()[0]
        for task in tasks[half:]:
            router.submit(task, START_AT)
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert router.waiting_count() == size
    return Memory(
        all_in=(end - built) / size,
        marginal=(end - middle) / (size - half),
        task_object=(built - start) / size,
    )


def load_oracle() -> Any | None:
    """``tests.oracle.OracleRouter`` if that module exists, else ``None``."""
    # First on the path: a stray top-level ``tests`` package in site-packages must not win.
    sys.path.insert(0, str(REPO))
    try:
        module = importlib.import_module("tests.oracle")
    except ModuleNotFoundError as exc:
        if exc.name not in ("tests.oracle", "tests"):
            raise
        return None
    return getattr(module, "OracleRouter", None)


@dataclass(frozen=True)
class OracleResult:
    """The router and the oracle driven through the same small centre."""

    size: int
    agents: int
    router_ns: float
    oracle_ns: float
    lifecycles: int
    agree: bool  # same tasks waiting and assigned at the end
    setup_s: float

    @property
    def at_target_setting(self) -> bool:
        """Whether this is DESIGN.md's setting: 10k waiting, all 1,000 agents."""
        return (self.size, self.agents) == (10_000, AGENTS)


def measure_oracle(oracle_cls: Any, mode: Mode, seed: int) -> OracleResult:
    """CPU time per lifecycle of the router and of the oracle driven through one centre.

    Both run with ``mode.oracle_size`` waiting and ``mode.oracle_scale`` of the agents
    (``--oracle-size`` and ``--oracle-scale`` change that), from the same seed, through
    the same steps, and must end in the same state. The oracle rescans every agent and
    every waiting task at each decision, so filling it to 10k waiting with all 1,000
    agents takes most of the comparison's time (about 90 s in the full run) and only
    ``mode.oracle_steps`` lifecycles are timed. The router is then timed over
    ``mode.chunk`` more steps, as one timing of a few steps is too coarse.
    """
    began = time.perf_counter()
    finals = []
    cpu_ns: list[float] = []
    completes = 0
    agents = 0
    for cls in (Router, oracle_cls):
        centre, workload = new_centre(
            cls(Policy(offer_timeout=None)), mode.oracle_size, seed, mode.oracle_scale
        )
        agents = len(workload.agents)
        warm, steps = mode.oracle_warmup, mode.oracle_steps
        specs = workload.live(warm + steps + mode.chunk, START_AT)
        centre.run(prebuilt(specs[:warm]))
        items = prebuilt(specs[warm : warm + steps])
        with Stopwatch() as watch:
            counts = centre.run(items)
        finals.append((sorted(centre.waiting), sorted(centre.assigned)))
        if cls is Router:
            more = prebuilt(specs[warm + steps :])
            with Stopwatch() as extra:
                more_counts = centre.run(more)
            total = watch.cpu_ns + extra.cpu_ns
            cpu_ns.append(total / max(1, counts.completes + more_counts.completes))
        else:
            completes = counts.completes
            cpu_ns.append(watch.cpu_ns / max(1, counts.completes))
    return OracleResult(
        size=mode.oracle_size,
        agents=agents,
        router_ns=cpu_ns[0],
        oracle_ns=cpu_ns[1],
        lifecycles=completes,
        agree=finals[0] == finals[1],
        setup_s=time.perf_counter() - began,
    )


def profile(size: int, mode: Mode, seed: int, top: int) -> None:
    """Print the ``top`` functions by own time over the timed steps at ``size`` waiting."""
    centre, workload = new_centre(Router(Policy(offer_timeout=None)), size, seed)
    specs = workload.live(mode.warmup + mode.repeats * mode.chunk, START_AT)
    centre.run(prebuilt(specs[: mode.warmup]))
    items = prebuilt(specs[mode.warmup :])
    profiler = cProfile.Profile()
    profiler.enable()
    counts = centre.run(items)
    profiler.disable()
    print(f"cProfile, {counts.completes} lifecycles with {size:,} waiting:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
