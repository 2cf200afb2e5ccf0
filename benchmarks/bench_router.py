"""Router benchmark: full task lifecycles with 1k, 10k and 100k tasks waiting.

Measures in one run, mostly as ratios (machines are noisy), the DESIGN.md section 9
router targets:

* lifecycles per second (submit, offer, accept, complete) with N tasks kept waiting;
* that cost over a bare ``heapq`` push+pop on a heap of N items, timed in the same run;
* scaling: the cost with the most tasks waiting over the cost with the fewest;
* p50/p99 latency of each ``submit`` and ``complete`` call (each is a routing decision);
* speed over the brute-force oracle (``tests/oracle.py``) when that file exists;
* memory per waiting task (``tracemalloc``), indexes included.

Throughput is CPU time (``time.process_time_ns``), so other processes on a shared
machine do not count; latency is wall time (``time.perf_counter_ns``) per call. Both
include this script's driver (picking the task to complete, accepting offers), about
a tenth of the total by py-spy.

The workload, seeded and the same for every N (see ``Workload``):

* 1,000 agents in 100 teams of 10. 50 skills: 40 topics and 10 languages. A team knows
  4-8 topics (popular ones more often) and 1-2 languages at a base level of 2-4; each
  member's level is the team's +-1 (levels 1-5), so most agents have a skill profile
  of their own.
* 4 channels with capacities voice 1, chat 3, email 5, back office 2, in five team
  blends: voice; voice+chat with ``max_units=3`` (a call, 3 units, blocks chats);
  chat+email; email+back office; back office.
* Contact types, as an ACD's routing points: each team brings 2 per channel it works
  (310 in all; 224 distinct requirements with the default seed), each one of its
  topics at level 1-3 and, 30 % of the time, one of its languages at level 1-3.
  The centre is staffed to its
  forecast: a type's arrival rate is its team's share of the channel's throughput, so
  arrivals total the centre's capacity, 4.96 per second (voice 27 %, chat 30 %, email
  29 %, back office 13 %). Voice and chat types that need a level above 1 relax to
  level 1 once their SLA target has passed.
* 20,000 customers with a log-normal value (median 1.7; 14 % are "high value", >= 5);
  10 % of tasks carry a business priority. SLA targets: voice 20 s, chat 60 s, email
  4 h; back-office items are due 2-48 h after arrival (8 h urgency ramp).
* The N waiting tasks start as an email and back-office backlog that arrived over the
  previous 8 h. Live arrivals are then submitted at their (evenly spaced) arrival
  times, each followed by one completion, the assigned task whose handle time ends
  first (voice 5 min, chat 10, email 20, back office 15, exponential): the centre runs
  at full load and the queue stays at N (a step completes 0 or 2 tasks when the queue
  is more than 2 % off). One completion in five leaves the issue open, so that
  customer's next contact waits 30 s for the same agent. Offers are accepted at once
  (``Policy(offer_timeout=None)``). SLA deadlines, relaxation steps, urgency ramps and
  preferred-agent windows fire as timers; the run prints how often per lifecycle.
  Measuring starts after a warm-up (20,000 steps, 67 simulated minutes, in full mode).

Run ``python benchmarks/bench_router.py`` (full, a minute or two) or ``--quick``;
``--profile N`` prints a cProfile of the loop with N waiting instead.
"""

from __future__ import annotations

import cProfile
import dataclasses
import gc
import heapq
import importlib
import math
import pstats
import random
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from _common import (
    Figure,
    Stopwatch,
    median,
    parser,
    payload,
    percentile,
    print_table,
    write_json,
)

from routing import (
    Agent,
    AgentState,
    Customer,
    Offered,
    Policy,
    Queued,
    RelaxStep,
    Requirement,
    Router,
)
from routing import Task as RoutingTask

REPO = Path(__file__).resolve().parent.parent

# -- the workload ----------------------------------------------------------------------

TOPICS = tuple(f"topic{i:02d}" for i in range(40))
LANGUAGES = tuple(f"lang{i}" for i in range(10))
CHANNELS = ("voice", "chat", "email", "backoffice")
SLA_TARGET = {"voice": 20.0, "chat": 60.0, "email": 4 * 3600.0}
HANDLE_MEAN = {"voice": 300.0, "chat": 600.0, "email": 1200.0, "backoffice": 900.0}
UNITS = {"voice": 3, "chat": 1, "email": 1, "backoffice": 1}
TEAM_SIZE = 10
TEAM_BLENDS: tuple[tuple[int, dict[str, int], int | None], ...] = (
    (30, {"voice": 1}, None),
    (20, {"voice": 1, "chat": 3}, 3),  # a call (3 units) blocks chats
    (20, {"chat": 3, "email": 5}, None),
    (15, {"email": 5, "backoffice": 2}, None),
    (15, {"backoffice": 2}, None),
)
TYPES_PER_TEAM_CHANNEL = 2
START_AT = 86_400.0  # the measurement starts on day 2 of the epoch
BACKLOG_SPAN = 8 * 3600.0
UNRESOLVED_EVERY = 5  # one completion in five leaves the issue open
AGENTS = sum(teams for teams, _, _ in TEAM_BLENDS) * TEAM_SIZE


@dataclass(frozen=True, slots=True)
class Spec:
    """Everything needed to build one task, drawn outside the timed region."""

    id: str
    channel: str
    requirement: Requirement
    customer: Customer
    priority: float
    sla_target: float | None
    due_at: float | None
    created_at: float | None
    handle: float
    at: float  # when it is submitted

    def make(self) -> RoutingTask:
        """Build the Task (validating, as any caller's construction would)."""
        return RoutingTask(
            id=self.id,
            channel=self.channel,
            requirement=self.requirement,
            customer=self.customer,
            priority=self.priority,
            sla_target=self.sla_target,
            due_at=self.due_at,
            created_at=self.created_at,
            units=UNITS[self.channel],
        )


def throughput(capacity: dict[str, int], max_units: int | None) -> dict[str, float]:
    """Tasks per second one agent of this blend completes on each channel when busy.

    An agent whose unit cap lets a call block its chats is counted half on each.
    """
    share = 1.0 / len(capacity) if max_units is not None else 1.0
    return {ch: share * slots / HANDLE_MEAN[ch] for ch, slots in capacity.items()}


class Workload:
    """The seeded agents and task streams described in the module docstring."""

    def __init__(self, seed: int, scale: float = 1.0) -> None:
        self.rng = rng = random.Random(seed)
        topic_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(TOPICS))]
        language_weights = [1 / (rank + 1) for rank in range(len(LANGUAGES))]
        self.agents: list[Agent] = []
        # per channel: the contact types (requirements) and their arrival rates (per s)
        self.types: dict[str, tuple[list[Requirement], list[float]]] = {
            ch: ([], []) for ch in CHANNELS
        }
        for teams, capacity, max_units in TEAM_BLENDS:
            rates = throughput(capacity, max_units)
            for _ in range(max(1, round(teams * scale))):
                team = len(self.agents) // TEAM_SIZE
                topics = set(rng.choices(TOPICS, topic_weights, k=rng.randint(4, 8)))
                languages = set(rng.choices(LANGUAGES, language_weights, k=rng.randint(1, 2)))
                base = {name: rng.randint(2, 4) for name in sorted(topics | languages)}
                for member in range(TEAM_SIZE):
                    skills = {
                        name: min(5, max(1, level + rng.randint(-1, 1)))
                        for name, level in base.items()
                    }
                    agent_id = f"a{team:02d}-{member}"
                    self.agents.append(Agent(agent_id, skills, capacity, max_units=max_units))
                for channel in capacity:
                    requirements, weights = self.types[channel]
                    for _ in range(TYPES_PER_TEAM_CHANNEL):
                        requirements.append(self._contact_type(channel, base, sorted(topics)))
                        weights.append(TEAM_SIZE * rates[channel] / TYPES_PER_TEAM_CHANNEL)
        self.channel_rate = {ch: sum(self.types[ch][1]) for ch in CHANNELS}
        self.arrival_rate = sum(self.channel_rate.values())
        self.customers = [
            Customer(f"c{i:05d}", value=round(rng.lognormvariate(0.5, 1.0), 2))
            for i in range(20_000)
        ]
        self.serial = 0

    def _contact_type(self, channel: str, base: dict[str, int], topics: list[str]) -> Requirement:
        """A requirement the team with ``base`` levels was staffed for: one of its topics
        and, 30 % of the time, one of its languages, each at level 1-3 but below the
        team's base level where it can be (so most members qualify)."""
        rng = self.rng
        topic = rng.choice(topics)
        skills = {topic: rng.randint(1, max(1, min(3, base[topic] - 1)))}
        languages = [name for name in base if name.startswith("lang")]
        if rng.random() < 0.3:
            language = rng.choice(languages)
            skills[language] = rng.randint(1, max(1, min(3, base[language] - 1)))
        steps: tuple[RelaxStep, ...] = ()
        if channel in SLA_TARGET and channel != "email" and max(skills.values()) > 1:
            steps = (RelaxStep(SLA_TARGET[channel], dict.fromkeys(skills, 1)),)
        return Requirement(skills, steps=steps)

    def _spec(self, channel: str, arrived_at: float, at: float) -> Spec:
        rng = self.rng
        self.serial += 1
        due_at = None
        if channel == "backoffice":
            due_at = arrived_at + rng.uniform(2 * 3600.0, 48 * 3600.0)
        draw = rng.random()
        priority = 0.0 if draw < 0.9 else 1.0 if draw < 0.97 else 3.0
        requirements, weights = self.types[channel]
        return Spec(
            id=f"t{self.serial}",
            channel=channel,
            requirement=rng.choices(requirements, weights)[0],
            customer=rng.choice(self.customers),
            priority=priority,
            sla_target=SLA_TARGET.get(channel),
            due_at=due_at,
            created_at=arrived_at if arrived_at < at else None,
            handle=rng.expovariate(1 / HANDLE_MEAN[channel]),
            at=at,
        )

    def backlog(self) -> Iterator[Spec]:
        """Endless email/back-office work that arrived in the 8 h before ``START_AT``."""
        channels = ["email", "backoffice"]
        weights = [self.channel_rate[ch] for ch in channels]
        while True:
            channel = self.rng.choices(channels, weights)[0]
            arrived_at = START_AT - self.rng.uniform(0.0, BACKLOG_SPAN)
            yield self._spec(channel, arrived_at, START_AT)

    def live(self, count: int, start: float) -> list[Spec]:
        """``count`` live arrivals at the centre's capacity rate, evenly spaced after ``start``."""
        channels, weights = list(CHANNELS), [self.channel_rate[ch] for ch in CHANNELS]
        specs = []
        for k in range(1, count + 1):
            at = start + k / self.arrival_rate
            specs.append(self._spec(self.rng.choices(channels, weights)[0], at, at))
        return specs


# -- driving a router ---------------------------------------------------------------------


class RouterLike(Protocol):
    """What the benchmark needs of ``routing.Router`` (and of the test oracle)."""

    def add_agent(self, agent: Agent, now: float) -> Sequence[object]: ...
    def set_agent_state(self, agent_id: str, state: AgentState, now: float) -> Sequence[object]: ...
    def submit(self, task: RoutingTask, now: float) -> Sequence[object]: ...
    def accept(self, offer_id: int, now: float) -> Sequence[object]: ...
    def complete(self, task_id: str, now: float, resolved: bool = True) -> Sequence[object]: ...


@dataclass
class Counts:
    """What a stretch of steps did."""

    submits: int = 0
    completes: int = 0
    offers: int = 0
    events: dict[str, int] = field(default_factory=dict)


class Centre:
    """Drives a router through the workload, keeping ``target`` tasks waiting.

    It counts waiting tasks itself from the events (``Queued`` in, ``Offered`` out), so
    it needs nothing beyond the mutating API and treats the router and the oracle alike.
    """

    def __init__(self, router: RouterLike, target: int) -> None:
        self.router = router
        self.target = target
        self.slack = max(5, target // 50)
        self.assigned: list[tuple[float, int, str]] = []  # (finishes_at, seq, task_id)
        self.handles: dict[str, float] = {}
        self.waiting: set[str] = set()
        self.seq = 0  # tie-breaker in ``assigned``
        self.completed = 0
        self.counts = Counts()
        self.now = START_AT

    def _settle(self, events: Sequence[object], now: float) -> None:
        """Accept every offer at once and note the other events."""
        for event in events:
            if type(event) is Offered:
                offer = event.offer
                self.router.accept(offer.id, now)
                self.waiting.discard(offer.task_id)
                self.seq += 1
                finishes_at = now + self.handles.pop(offer.task_id)
                heapq.heappush(self.assigned, (finishes_at, self.seq, offer.task_id))
                self.counts.offers += 1
            else:
                if type(event) is Queued:
                    self.waiting.add(event.task_id)
                name = type(event).__name__
                self.counts.events[name] = self.counts.events.get(name, 0) + 1

    def add_agents(self, agents: Iterable[Agent], state: AgentState = AgentState.AVAILABLE) -> None:
        for agent in agents:
            self.router.add_agent(agent, self.now)
            if state is not AgentState.AVAILABLE:
                self.router.set_agent_state(agent.id, state, self.now)

    def fill(self, backlog: Iterator[Spec]) -> None:
        """Submit backlog work at ``START_AT`` until ``target`` tasks wait."""
        while len(self.waiting) < self.target:
            spec = next(backlog)
            self.handles[spec.id] = spec.handle
            self._settle(self.router.submit(spec.make(), START_AT), START_AT)

    def run(
        self,
        items: Iterable[tuple[float, RoutingTask, float]],
        latency: tuple[list[int], list[int]] | None = None,
    ) -> Counts:
        """One step per item: submit it at its time, then complete one task (0 or 2 when
        the queue is more than ``slack`` off target). Returns what these steps did.

        With ``latency``, appends the duration (ns) of every submit call to
        ``latency[0]`` and of every complete call to ``latency[1]``.
        """
        counts = self.counts = Counts()
        router = self.router
        submit, complete, waiting = router.submit, router.complete, self.waiting
        settle, handles, assigned = self._settle, self.handles, self.assigned
        low, high = self.target - self.slack, self.target + self.slack
        clock = time.perf_counter_ns
        heappop = heapq.heappop
        at = self.now
        for at, task, handle in items:
            handles[task.id] = handle
            counts.submits += 1
            if latency is None:
                settle(submit(task, at), at)
            else:
                began = clock()
                events = submit(task, at)
                latency[0].append(clock() - began)
                settle(events, at)
            n = len(waiting)
            for _ in range(0 if n < low or not assigned else 2 if n > high else 1):
                self.completed += 1
                task_id = heappop(assigned)[2]
                resolved = self.completed % UNRESOLVED_EVERY != 0
                if latency is None:
                    settle(complete(task_id, at, resolved), at)
                else:
                    began = clock()
                    events = complete(task_id, at, resolved)
                    latency[1].append(clock() - began)
                    settle(events, at)
                counts.completes += 1
        self.now = at
        return counts


def prebuilt(specs: Sequence[Spec]) -> list[tuple[float, RoutingTask, float]]:
    """Tasks built ahead of time (outside the timed region)."""
    return [(s.at, s.make(), s.handle) for s in specs]


def built_on_the_fly(specs: Sequence[Spec]) -> Iterator[tuple[float, RoutingTask, float]]:
    """Tasks built as they are submitted (inside the timed region)."""
    return ((s.at, s.make(), s.handle) for s in specs)


# -- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """How much to measure."""

    sizes: tuple[int, ...]
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


FULL = Mode(
    sizes=(1_000, 10_000, 100_000),
    chunk=6_000,
    repeats=5,
    warmup=20_000,
    latency_steps=20_000,
    heap_ops=200_000,
    memory_sizes=(10_000, 100_000),
    oracle_size=1_000,
    oracle_scale=0.1,
    oracle_warmup=10,
    oracle_steps=30,
)
QUICK = Mode(
    sizes=(300, 3_000),
    chunk=800,
    repeats=3,
    warmup=1_500,
    latency_steps=1_500,
    heap_ops=20_000,
    memory_sizes=(3_000,),
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


def new_centre(
    router: RouterLike, size: int, seed: int, scale: float = 1.0
) -> tuple[Centre, Workload]:
    """A router with the agents (1,000 times ``scale``) and ``size`` tasks waiting."""
    workload = Workload(seed, scale)
    centre = Centre(router, size)
    centre.add_agents(workload.agents)
    centre.fill(workload.backlog())
    return centre, workload


def index_shape(router: Router) -> dict[str, float]:
    """Queue groups and buckets, and how many bucket heads one agent look-up evaluates.

    Reads engine internals, for the record only; returns ``{}`` if they have changed.
    """
    internals: Any = router
    try:
        groups = internals._queue.groups
        heads: list[int] = []
        scanned: list[int] = []
        for rec in internals._pool.agents.values():
            for channel in rec.capacity:
                eligible = rec.profile.groups.get(channel, [])
                scanned.append(len(eligible))
                buckets = (e[0] if isinstance(e[0], dict) else e[0].buckets for e in eligible)
                heads.append(sum(len(b) for b in buckets))
        return {
            "groups": len(groups),
            "buckets": sum(len(g.buckets) for g in groups.values()),
            "groups_per_agent_channel": round(sum(scanned) / len(scanned), 1),
            "heads_per_agent_channel": round(sum(heads) / len(heads), 1),
            "timer_heap": len(internals._timers),
        }
    except (AttributeError, TypeError, IndexError, ZeroDivisionError):
        return {}


@dataclass
class SizeResult:
    """Figures for one queue length (times in ns of CPU unless named otherwise)."""

    size: int
    lifecycle_ns: float
    lifecycle_built_ns: float
    heap_ns: float
    ratio_heap: float
    latency_us: dict[str, float]
    details: dict[str, Any]


def _latency(name: str, values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        f"{name}_p50": percentile(ordered, 0.50) / 1000,
        f"{name}_p99": percentile(ordered, 0.99) / 1000,
        f"{name}_mean": sum(ordered) / max(1, len(ordered)) / 1000,
    }


class GcClock:
    """Wall time the cyclic garbage collector ran while this is entered, per generation."""

    def __init__(self) -> None:
        self.ns = 0
        self.collections = [0, 0, 0]
        self._began = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
        else:
            self.ns += time.perf_counter_ns() - self._began
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


class SizeRun:
    """One router kept at ``size`` waiting, measured a chunk at a time."""

    def __init__(self, size: int, mode: Mode, seed: int) -> None:
        self.size, self.mode = size, mode
        self.router = Router(Policy(offer_timeout=None))
        self.centre, workload = new_centre(self.router, size, seed)
        steps = mode.warmup + 2 * mode.repeats * mode.chunk + mode.latency_steps
        self.specs = workload.live(steps, START_AT)
        self.centre.run(prebuilt(self.specs[: mode.warmup]))
        self.pos = mode.warmup
        self.rng = random.Random(seed + size)
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
        _add(self.totals, counts)
        specs = self._next()
        with self.gc, Stopwatch() as watch:
            counts = self.centre.run(built_on_the_fly(specs))
        self.built.append(watch.cpu_ns / counts.completes)
        _add(self.totals, counts)
        self.heap.append(heap_pair_ns(self.size, self.mode.heap_ops // self.mode.repeats, self.rng))
        self.ratios.append(self.pre[-1] / self.heap[-1])

    def finish(self) -> SizeResult:
        """Time every call of a last stretch of steps, and gather the figures."""
        latency: tuple[list[int], list[int]] = ([], [])
        _add(self.totals, self.centre.run(prebuilt(self.specs[self.pos :]), latency))
        router, centre, totals = self.router, self.centre, self.totals
        per_k = 1000 / max(1, totals.completes)
        assert router.waiting_count() == len(centre.waiting), "the event count went astray"
        timed = sum(1 for _ in self.pre) * self.mode.chunk * 2
        details: dict[str, Any] = {
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
            size=self.size,
            lifecycle_ns=median(self.pre),
            lifecycle_built_ns=median(self.built),
            heap_ns=median(self.heap),
            ratio_heap=median(self.ratios),
            latency_us=_latency("submit", latency[0]) | _latency("complete", latency[1]),
            details=details,
        )


def measure_sizes(mode: Mode, seed: int) -> list[SizeResult]:
    """Lifecycle cost, heapq cost and latencies for every queue length in ``mode``.

    All the routers are built and warmed up first; then, ``mode.repeats`` times, each
    size in turn times a chunk of steps with prebuilt tasks, a chunk building tasks on
    the fly and a heapq run. Interleaving spreads a machine's drifts over all sizes
    alike; each figure is the median over chunks, and the heapq ratio the median of
    the per-chunk ratios. Objects built during setup are frozen (``gc.freeze``) so a
    full collection, whose cost grows with every object in the process, is not charged
    to whichever size happens to be running; collections during timing still count.
    """
    runs = []
    for size in mode.sizes:
        began = time.perf_counter()
        runs.append(SizeRun(size, mode, seed))
        print(f"  set up {size:,} waiting in {time.perf_counter() - began:.1f}s", flush=True)
    gc.collect()
    gc.freeze()
    try:
        for _ in range(mode.repeats):
            for run in runs:
                run.chunk()
        return [run.finish() for run in runs]
    finally:
        gc.unfreeze()


def _add(total: Counts, part: Counts) -> None:
    total.submits += part.submits
    total.completes += part.completes
    total.offers += part.offers
    for name, n in part.events.items():
        total.events[name] = total.events.get(name, 0) + n


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


def measure_oracle(oracle_cls: Any, mode: Mode, seed: int) -> OracleResult:
    """CPU time per lifecycle of the router and of the oracle in one scaled-down centre.

    The oracle recounts an agent's load from the whole task table inside each
    eligibility test, so a pull costs O(waiting x tasks) and a submit O(agents x
    tasks): filling it to 10k waiting with all 1,000 agents takes the better part of
    an hour. By default both therefore run with ``mode.oracle_size`` waiting and
    ``mode.oracle_scale`` of the agents, from the same seed, through the same steps
    (``--oracle-size`` and ``--oracle-scale`` change that). The router is then timed
    over ``mode.chunk`` more steps, as one timing of a few steps is too coarse.
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


# -- the report -------------------------------------------------------------------------------


def _k(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def figures(
    results: list[SizeResult],
    memory: dict[int, Memory],
    oracle: OracleResult | None,
    quick: bool,
) -> list[Figure]:
    """The table: the DESIGN.md section 9 targets first, then the supporting figures."""
    figs: list[Figure] = []
    if results:
        ref = next((r for r in results if r.size == 10_000), results[-1])
        at = _k(ref.size)
        off = "" if ref.size == 10_000 else f"at {at}, not 10k"
        lo, hi = results[0], results[-1]
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
            Figure(
                f"scaling_{_k(hi.size)}_over_{_k(lo.size)}",
                f"cost {_k(hi.size)} / cost {_k(lo.size)} waiting",
                hi.lifecycle_ns / lo.lifecycle_ns,
                "x",
                "<=",
                1.5,
                "" if (lo.size, hi.size) == (1_000, 100_000) else "not 100k/1k",
            ),
        ]
    if oracle is None:
        figs.append(Figure("over_oracle", "speed over oracle", math.nan, "x", note="not measured"))
    else:
        where = f"{_k(oracle.size)} waiting, {oracle.agents} agents"
        exact = (oracle.size, oracle.agents) == (10_000, AGENTS)
        figs.append(
            Figure(
                f"over_oracle_{_k(oracle.size)}_{oracle.agents}",
                f"speed over oracle, {where}",
                oracle.oracle_ns / oracle.router_ns,
                "x",
                ">=",
                100,
                "" if exact else "not 10k/1000",
            )
        )
    for size, mem in memory.items():
        figs.append(
            Figure(
                f"bytes_per_waiting_task_{_k(size)}",
                f"router memory per waiting task, {_k(size)}",
                mem.all_in,
                "B",
                "<=",
                1024,
                "quick size" if quick else "",
            )
        )
    for r in results:
        tag = _k(r.size)
        figs += [
            Figure(f"lifecycles_per_s_{tag}", f"lifecycles/s, {tag}", 1e9 / r.lifecycle_ns, "/s"),
            Figure(
                f"lifecycles_per_s_built_{tag}",
                f"  same, building each Task in the loop, {tag}",
                1e9 / r.lifecycle_built_ns,
                "/s",
            ),
            Figure(
                f"lifecycle_us_{tag}", f"  lifecycle CPU cost, {tag}", r.lifecycle_ns / 1e3, "us"
            ),
            Figure(f"heap_pair_ns_{tag}", f"  heapq push+pop, {tag} heap", r.heap_ns, "ns"),
            Figure(f"lifecycle_over_heapq_{tag}", f"  lifecycle / heapq, {tag}", r.ratio_heap, "x"),
        ]
        figs += [
            Figure(f"{name}_us_{tag}", f"  {name.replace('_', ' ')} latency, {tag}", value, "us")
            for name, value in r.latency_us.items()
            if not name.endswith("mean")
        ]
    if oracle is not None:
        where = f"{_k(oracle.size)} waiting, {oracle.agents} agents"
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
        tag = _k(size)
        figs += [
            Figure(
                f"bytes_per_waiting_task_marginal_{tag}",
                f"router memory per task, {_k(size // 2)} -> {tag} waiting",
                mem.marginal,
                "B",
            ),
            Figure(
                f"bytes_per_task_object_{tag}", f"caller's Task object, {tag}", mem.task_object, "B"
            ),
        ]
    return figs


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
        sizes = tuple(int(n) for n in args.sizes.split(","))
        mode = dataclasses.replace(mode, sizes=sizes, memory_sizes=sizes[-1:])
    if args.oracle_size is not None:
        mode = dataclasses.replace(mode, oracle_size=args.oracle_size)
    if args.oracle_scale is not None:
        mode = dataclasses.replace(mode, oracle_scale=args.oracle_scale)
    if args.oracle_only:
        mode = dataclasses.replace(mode, sizes=(), memory_sizes=())
    if args.profile is not None:
        profile(args.profile, mode, args.seed, top=25)
        return 0

    print(
        f"router benchmark ({'quick' if args.quick else 'full'}): {AGENTS} agents, "
        f"{len(TOPICS) + len(LANGUAGES)} skills, 4 channels, waiting {list(mode.sizes)}"
    )
    probe = Workload(args.seed)
    rates = ", ".join(
        f"{ch} {rate / probe.arrival_rate:.0%}" for ch, rate in probe.channel_rate.items()
    )
    print(f"  arrivals {probe.arrival_rate:.2f}/s ({rates})")
    results = measure_sizes(mode, args.seed) if mode.sizes else []
    for result in results:
        d = result.details
        print(
            f"  {result.size:>7,} waiting: {1e9 / result.lifecycle_ns:>9,.0f} lifecycles/s "
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
                workload=__doc__,
                details={str(r.size): r.details for r in results},
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
