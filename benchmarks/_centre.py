"""The router benchmark's workload and driver: a seeded 1,000-agent centre kept at N waiting.

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
  preferred-agent windows fire as timers; the benchmark prints how often per lifecycle.

``Workload(seed, scale, skills)`` shrinks the centre to ``scale`` of its teams or to
``skills`` skills (four topics to each language) for the agents and skills sweep; the
defaults are the centre above. :class:`Centre` drives any router with the mutating
``Router`` API (the real one or the test oracle) through it.
"""

from __future__ import annotations

import gc
import heapq
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from routing import (
    Agent,
    AgentState,
    Customer,
    Offered,
    Queued,
    RelaxStep,
    Requirement,
    Router,
)
from routing import Task as RoutingTask

# -- the workload ----------------------------------------------------------------------

SKILLS = 50  # 40 topics and 10 languages
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


def agent_count(scale: float = 1.0) -> int:
    """Agents in a centre of ``scale`` times the teams (at least one team per blend)."""
    return sum(max(1, round(teams * scale)) for teams, _, _ in TEAM_BLENDS) * TEAM_SIZE


def throughput(capacity: dict[str, int], max_units: int | None) -> dict[str, float]:
    """Tasks per second one agent of this blend completes on each channel when busy.

    An agent whose unit cap lets a call block its chats is counted half on each.
    """
    share = 1.0 / len(capacity) if max_units is not None else 1.0
    return {ch: share * slots / HANDLE_MEAN[ch] for ch, slots in capacity.items()}


class Workload:
    """The seeded agents and task streams described in the module docstring."""

    def __init__(self, seed: int, scale: float = 1.0, skills: int = SKILLS) -> None:
        self.rng = rng = random.Random(seed)
        language_count = max(1, skills // 5)
        topic_names = [f"topic{i:02d}" for i in range(skills - language_count)]
        language_names = [f"lang{i}" for i in range(language_count)]
        self.skills = skills
        topic_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(topic_names))]
        language_weights = [1 / (rank + 1) for rank in range(len(language_names))]
        self.agents: list[Agent] = []
        # per channel: the contact types (requirements) and their arrival rates (per s)
        self.types: dict[str, tuple[list[Requirement], list[float]]] = {
            ch: ([], []) for ch in CHANNELS
        }
        for teams, capacity, max_units in TEAM_BLENDS:
            rates = throughput(capacity, max_units)
            for _ in range(max(1, round(teams * scale))):  # as agent_count()
                team = len(self.agents) // TEAM_SIZE
                topics = set(rng.choices(topic_names, topic_weights, k=rng.randint(4, 8)))
                languages = set(rng.choices(language_names, language_weights, k=rng.randint(1, 2)))
                base = {name: rng.randint(2, 4) for name in sorted(topics | languages)}
                for member in range(TEAM_SIZE):
                    levels = {
                        name: min(5, max(1, level + rng.randint(-1, 1)))
                        for name, level in base.items()
                    }
                    agent_id = f"a{team:02d}-{member}"
                    self.agents.append(Agent(agent_id, levels, capacity, max_units=max_units))
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

    def add(self, part: Counts) -> None:
        """Add what another stretch of steps did to these counts."""
        self.submits += part.submits
        self.completes += part.completes
        self.offers += part.offers
        for name, n in part.events.items():
            self.events[name] = self.events.get(name, 0) + n


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


def new_centre(
    router: RouterLike, size: int, seed: int, scale: float = 1.0, skills: int = SKILLS
) -> tuple[Centre, Workload]:
    """A router with the agents (1,000 times ``scale``, knowing ``skills`` skills between
    them) and ``size`` tasks waiting."""
    workload = Workload(seed, scale, skills)
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
