"""Churn benchmark: memory and lifecycle cost over 10^6 operations of churn.

DESIGN.md section 9 asks that the router's memory be "flat under churn of agents,
requirements and customers (nothing grows with what has left)", and a lifecycle must
not slow down with what has passed through. This drives one router through a steady
centre whose agents, requirements and customers keep changing, and reports at each
checkpoint (every 10^5 router calls; 15,000 with ``--quick``) what it holds and what a
lifecycle costs:

* **the centre**: 100 agents in 20 teams of five (a team shares one skill profile),
  each team knowing 12 of 40 skills at levels 3-5 and working one or two of voice
  (capacity 1), chat (2) and email (3); 60 common contact types (one or two of a
  team's skills at level 1-2). Arrivals every 0.25 s; 500 tasks are kept waiting by
  completing 0, 1 or 2 of the assigned tasks (the oldest first) per arrival; offers
  are accepted at once. SLA targets: voice 20 s, chat 60 s, email 4 h.
* **agent churn**: every 500 arrivals an agent with a skill profile never seen before
  (a team's skills at new levels plus a skill of its own) joins; ten churn agents
  are kept, so the oldest goes offline and leaves as soon as it holds no work;
* **requirement churn**: a tenth of the tasks need a requirement never seen before
  (three of a team's skills at levels 1-3, enumerated so none repeats);
* **customer churn**: half the tasks come from customers never seen before, the
  others from 2,000 returning ones; one completion in four leaves the issue open,
  and 1 % of tasks come from one caller whose issues are never resolved.

The policy is the default with ``offer_timeout=None`` and ``context_ttl=900`` (a
quarter of an hour, where the default is a day), so that the run (about 24 simulated hours
for 10^6 calls) spans many TTLs; on an engine without that field (before the bound
existed) the script runs with what it has, so its decisions differ a little.

Memory is the router's own: the bytes of every object reachable from it
(``gc.get_referents``, ``sys.getsizeof``; types, modules and functions excluded),
measured at each checkpoint outside the timing, beside the process's resident set
(RSS, from ``/proc/self/statm``; it includes the driver and never gives memory back
to the system, so only its growth means anything). Cost is CPU time per lifecycle
(submit, offer, accept, complete) over each checkpoint's window, churn calls and the
driver included. ``tracemalloc`` is not used for the figures, as it would slow every
allocation the timing measures; ``--validate`` compares the walk with it instead.

    python benchmarks/bench_churn.py                  # 10^6 calls, checkpoints every 10^5
    python benchmarks/bench_churn.py --quick          # CI: 45,000 calls, two seconds
    python benchmarks/bench_churn.py --ops 300000 --checkpoint 50000
    PYTHONPATH=/tmp/base python benchmarks/bench_churn.py   # another checkout's engine
    python benchmarks/bench_churn.py --validate       # the memory walk against tracemalloc

Reading engine internals for the counts (groups, profiles, timers, customers) is for
the record only: a count an engine does not have is printed as ``n/a``.
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import sys
import tracemalloc
import types
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from _common import Figure, Stopwatch, parser, payload, print_table, write_json

import routing
from routing import (
    Agent,
    AgentState,
    Customer,
    Offered,
    Policy,
    Queued,
    Requirement,
    Router,
    Task,
)

SKILLS = tuple(f"k{i:02d}" for i in range(40))
TEAMS = 20
TEAM_SIZE = 5
TEAM_SKILLS = 12
CAPACITY = {"voice": 1, "chat": 2, "email": 3}
BLENDS = (("voice",), ("voice", "chat"), ("chat", "email"), ("email",))
SLA_TARGET = {"voice": 20.0, "chat": 60.0, "email": 4 * 3600.0}
COMMON_TYPES = 60
STEP = 0.25  # seconds between arrivals
WAITING = 500
CHURN_EVERY = 500  # arrivals between two new churn agents
CHURN_AGENTS = 10
NEW_REQUIREMENT = 0.1
NEW_CUSTOMER = 0.5
RETURNING = 2_000
NOISY_CALLER = 0.01
UNRESOLVED_EVERY = 4
TRIPLES = tuple(itertools.combinations(range(TEAM_SKILLS), 3))  # 220 per team
CODES = len(TRIPLES) * 27  # x 3^3 levels: 5,940 requirements per team
STRIDE = 4_003  # prime, coprime to CODES: n -> n * STRIDE % CODES never repeats
CONTEXT_TTL = 900.0


def policy() -> Policy:
    """The benchmark's policy; without ``context_ttl`` on engines that predate it."""
    try:
        return Policy(offer_timeout=None, context_ttl=CONTEXT_TTL)  # type: ignore[call-arg]
    except TypeError:
        return Policy(offer_timeout=None)


@dataclass(frozen=True)
class Team:
    skills: tuple[str, ...]
    levels: dict[str, int]
    channels: tuple[str, ...]


class ChurnCentre:
    """The workload of the module docstring, driving one router; counts router calls."""

    def __init__(self, router: Router, seed: int) -> None:
        self.router = router
        self.rng = rng = random.Random(seed)
        self.now = 0.0
        self.ops = 0
        self.serial = 0
        self.completed = 0
        self.lifecycles = 0
        self.teams = []
        for team in range(TEAMS):
            skills = tuple(sorted(rng.sample(SKILLS, TEAM_SKILLS)))
            levels = {name: rng.randint(3, 5) for name in skills}
            self.teams.append(Team(skills, levels, BLENDS[team % len(BLENDS)]))
        self.common: list[tuple[str, Requirement]] = []
        for _ in range(COMMON_TYPES):
            team = rng.choice(self.teams)
            names = rng.sample(team.skills, rng.randint(1, 2))
            requirement = Requirement({name: rng.randint(1, 2) for name in names})
            self.common.append((rng.choice(team.channels), requirement))
        self.returning = [
            Customer(f"r{i}", value=round(rng.lognormvariate(0.5, 1.0), 2))
            for i in range(RETURNING)
        ]
        self.noisy = Customer("noisy", value=1.0)
        self.assigned: deque[str] = deque()
        self.waiting: set[str] = set()
        self.noisy_tasks: set[str] = set()
        self.churners: deque[str] = deque()
        self.leaving: list[str] = []
        self.new_requirements = 0
        for team_no, team in enumerate(self.teams):
            capacity = {channel: CAPACITY[channel] for channel in team.channels}
            for member in range(TEAM_SIZE):
                agent = Agent(f"a{team_no:02d}-{member}", team.levels, capacity)
                self._settle(router.add_agent(agent, self.now))

    def _settle(self, events: Iterable[object]) -> None:
        """Count the call, accept every offer at once, track what waits."""
        self.ops += 1
        for event in events:
            if type(event) is Offered:
                offer = event.offer
                self.router.accept(offer.id, self.now)
                self.ops += 1
                self.waiting.discard(offer.task_id)
                self.assigned.append(offer.task_id)
            elif type(event) is Queued:
                self.waiting.add(event.task_id)

    def _requirement(self) -> tuple[str, Requirement]:
        rng = self.rng
        if rng.random() >= NEW_REQUIREMENT:
            return rng.choice(self.common)
        n = self.new_requirements
        self.new_requirements += 1
        team = self.teams[n % TEAMS]
        code = (n // TEAMS) * STRIDE % CODES  # distinct for 20 x 5,940 requirements
        triple, levels = divmod(code, 27)
        names = [team.skills[i] for i in TRIPLES[triple]]
        skills = {name: 1 + levels // 3**i % 3 for i, name in enumerate(names)}
        return rng.choice(team.channels), Requirement(skills)

    def _customer(self) -> Customer:
        rng = self.rng
        roll = rng.random()
        if roll < NOISY_CALLER:
            return self.noisy
        if roll < NOISY_CALLER + NEW_CUSTOMER:
            return Customer(f"n{self.serial}", value=round(rng.lognormvariate(0.5, 1.0), 2))
        return rng.choice(self.returning)

    def _churn_agents(self) -> None:
        rng, router = self.rng, self.router
        self.leaving = [a for a in self.leaving if not self._try_remove(a)]
        if self.serial % CHURN_EVERY:
            return
        team = rng.choice(self.teams)
        levels = {name: rng.randint(3, 5) for name in team.skills}
        levels[f"own{self.serial}"] = 1  # a profile never seen before
        capacity = {channel: CAPACITY[channel] for channel in team.channels}
        agent_id = f"x{self.serial}"
        self._settle(router.add_agent(Agent(agent_id, levels, capacity), self.now))
        self.churners.append(agent_id)
        if len(self.churners) > CHURN_AGENTS:
            old = self.churners.popleft()
            self._settle(router.set_agent_state(old, AgentState.OFFLINE, self.now))
            if not self._try_remove(old):
                self.leaving.append(old)

    def _try_remove(self, agent_id: str) -> bool:
        if self.router.agent_tasks(agent_id):
            return False
        self._settle(self.router.remove_agent(agent_id, self.now))
        return True

    def step(self) -> None:
        """One arrival, its offer if any, 0-2 completions, and agent churn."""
        router = self.router
        self.serial += 1
        self.now += STEP
        channel, requirement = self._requirement()
        customer = self._customer()
        task = Task(
            f"t{self.serial}",
            channel,
            requirement,
            customer=customer,
            sla_target=SLA_TARGET[channel],
        )
        if customer is self.noisy:
            self.noisy_tasks.add(task.id)
        self._settle(router.submit(task, self.now))
        n = len(self.waiting)
        count = 0 if n < WAITING - 10 else 2 if n > WAITING + 10 else 1
        for _ in range(min(count, len(self.assigned))):
            task_id = self.assigned.popleft()
            self.completed += 1
            resolved = self.completed % UNRESOLVED_EVERY != 0
            if task_id in self.noisy_tasks:
                self.noisy_tasks.discard(task_id)
                resolved = False
            self._settle(router.complete(task_id, self.now, resolved))
            self.lifecycles += 1
        self._churn_agents()


# -- measuring ----------------------------------------------------------------------------

_SKIP = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)


def retained_bytes(root: object) -> tuple[int, int]:
    """Bytes and count of the objects reachable from ``root`` (types, modules and
    functions excluded): what ``root`` keeps alive, shared objects counted once."""
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total, len(seen)


def rss_bytes() -> int:
    """The process's resident set size, or 0 where ``/proc`` is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def counts(router: Router) -> dict[str, float]:
    """How many groups, profiles, timers and remembered customers the router holds
    (engine internals, for the record; ``nan`` where an engine has no such thing)."""
    internals: Any = router
    found: dict[str, float] = {}
    for key, read in (
        ("groups", lambda: len(internals._queue.groups)),
        ("profiles", lambda: len(internals._pool.profiles)),
        ("timers", lambda: len(internals._timers)),
        ("customers", lambda: len(internals._customers)),
        ("noisy_issues", lambda: len(router.customer_context("noisy").open_issues)),
    ):
        try:
            found[key] = float(read())
        except (AttributeError, TypeError):
            found[key] = float("nan")
    return found


@dataclass(frozen=True)
class Checkpoint:
    ops: int
    simulated_h: float
    lifecycle_us: float  # CPU per lifecycle over the window since the last checkpoint
    router_kb: float
    router_objects: int
    rss_mb: float
    waiting: int
    groups: float
    profiles: float
    timers: float
    customers: float
    noisy_issues: float


def run(total: int, every: int, seed: int) -> list[Checkpoint]:
    router = Router(policy())
    centre = ChurnCentre(router, seed)
    checkpoints: list[Checkpoint] = []
    target = every
    while target <= total:
        ops, lifecycles = centre.ops, centre.lifecycles
        with Stopwatch() as watch:
            while centre.ops < target:
                centre.step()
        done = max(1, centre.lifecycles - lifecycles)
        nbytes, objects = retained_bytes(router)
        found = counts(router)
        checkpoints.append(
            Checkpoint(
                ops=centre.ops,
                simulated_h=centre.now / 3600,
                lifecycle_us=watch.cpu_ns / done / 1000,
                router_kb=nbytes / 1024,
                router_objects=objects,
                rss_mb=rss_bytes() / 2**20,
                waiting=router.waiting_count(),
                groups=found["groups"],
                profiles=found["profiles"],
                timers=found["timers"],
                customers=found["customers"],
                noisy_issues=found["noisy_issues"],
            )
        )
        point = checkpoints[-1]
        print(
            f"  {point.ops:>9,} calls ({point.simulated_h:4.1f} h): "
            f"{point.lifecycle_us:6.1f} us/lifecycle "
            f"(window {centre.ops - ops:,} calls), router {point.router_kb:9,.0f} KB in "
            f"{objects:,} objects, RSS {point.rss_mb:6.1f} MB; groups {_n(point.groups)}, "
            f"profiles {_n(point.profiles)}, timers {_n(point.timers)}, customers "
            f"{_n(point.customers)}, noisy caller's issues {_n(point.noisy_issues)}",
            flush=True,
        )
        target += every
    return checkpoints


def _n(value: float) -> str:
    return "n/a" if value != value else f"{value:,.0f}"


def figures(points: list[Checkpoint]) -> list[Figure]:
    """Growth from the first checkpoint to the last, and the end state."""
    first, last = points[0], points[-1]
    at = f"{first.ops:,} -> {last.ops:,} calls"
    return [
        Figure(
            "lifecycle_us_first",
            f"lifecycle CPU, window to {first.ops:,}",
            first.lifecycle_us,
            "us",
        ),
        Figure(
            "lifecycle_us_last", f"lifecycle CPU, window to {last.ops:,}", last.lifecycle_us, "us"
        ),
        Figure(
            "lifecycle_growth",
            f"lifecycle cost last / first window ({at})",
            last.lifecycle_us / first.lifecycle_us,
            "x",
            "<=",
            1.5,
        ),
        Figure("router_kb_first", f"router memory at {first.ops:,}", first.router_kb, "KB"),
        Figure("router_kb_last", f"router memory at {last.ops:,}", last.router_kb, "KB"),
        Figure(
            "memory_growth",
            f"router memory last / first ({at})",
            last.router_kb / first.router_kb,
            "x",
            "<=",
            1.25,
        ),
        Figure("rss_growth", f"process RSS last / first ({at})", last.rss_mb / first.rss_mb, "x"),
        Figure("groups_last", "task groups held at the end", last.groups),
        Figure("profiles_last", "skill profiles held at the end", last.profiles),
        Figure("timers_last", "timers in the heap at the end", last.timers),
        Figure("customers_last", "customers remembered at the end", last.customers),
        Figure("noisy_issues_last", "open issues of the never-resolved caller", last.noisy_issues),
    ]


def validate(ops: int, seed: int) -> None:
    """Compare :func:`retained_bytes` with ``tracemalloc`` over ``ops`` calls: the walk
    from the driver (which holds the router) against all memory allocated since."""
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        router = Router(policy())
        centre = ChurnCentre(router, seed)
        while centre.ops < ops:
            centre.step()
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    walked, _ = retained_bytes(centre)
    print(
        f"after {centre.ops:,} calls: tracemalloc {traced / 1024:,.0f} KB allocated and kept, "
        f"walk from the driver {walked / 1024:,.0f} KB ({walked / traced:.3f} x), of which "
        f"the router {retained_bytes(router)[0] / 1024:,.0f} KB"
    )


def main() -> int:
    cli = parser(__doc__.splitlines()[0] if __doc__ else "churn benchmark")
    cli.add_argument("--ops", type=int, help="router calls in all (default 10^6; quick 45,000)")
    cli.add_argument("--checkpoint", type=int, help="calls between checkpoints")
    cli.add_argument("--seed", type=int, default=20_261_201, help="workload seed")
    cli.add_argument(
        "--validate",
        action="store_true",
        help="instead, check the memory walk against tracemalloc over --ops calls",
    )
    args = cli.parse_args()
    if args.validate:
        validate(args.ops or 45_000, args.seed)
        return 0
    total = args.ops or (45_000 if args.quick else 1_000_000)
    every = args.checkpoint or (15_000 if args.quick else 100_000)
    print(
        f"churn benchmark ({'quick' if args.quick else 'full'}): {total:,} router calls, "
        f"checkpoints every {every:,}; engine {routing.__file__}; policy {policy()!r}"
    )
    points = run(total, every, args.seed)
    figs = figures(points)
    print_table("Churn: memory and lifecycle cost under agent, requirement, customer churn", figs)
    if args.json:
        write_json(
            args.json,
            payload(
                "bench_churn",
                args.quick,
                figs,
                checkpoints=[asdict(point) for point in points],
                engine=routing.__file__,
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
