"""The mutable bookkeeping that ``task_queue`` and ``agents`` share.

The queue and the agent pool index each other's records: a waiting task's
:class:`Group` holds the agent profiles eligible for it (best fit first) and the
masks of their agents' bits, and an agent's :class:`Profile` holds, per channel, the
bucket dicts of the groups it may take. Keeping every such record here, below both
modules, lets each import only what lies beneath it:

* :class:`LiveTask`: one active task (queued, offered or assigned): its segment,
  its group and bucket entry, its exclusions (cooldowns), its expiry, its timer
  version, the agent holding it, the agents reserved for it, its unroutable cause;
* :class:`Bucket`: the waiting tasks of one group on one slope, a heap of
  ``(-a, seq, record)``;
* :class:`Group`: the waiting tasks that any given agent may either all take or none,
  by value class and slope, with the profiles and agents eligible for them;
* :class:`Profile`: agents with one set of skills, with the groups they may take and
  their idle agents per channel;
* :class:`LiveAgent`: one agent in the pool: state, load per channel, units,
  idle clock, idle-index entries and the tasks it holds.

Nothing here decides anything: ``task_queue``, ``agents``, ``offers``, ``timers`` and
``context`` own the algorithms that read and update these records, ``router`` the
lifecycle that ties them together.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping

from sortedcontainers import SortedList

from routing.model import Agent, AgentState, Skills, Task, TaskState, satisfies
from routing.ordering import RoutingProfile

# Enum members as module constants for the hot paths (see ``routing.router``).
_QUEUED = TaskState.QUEUED
_AVAILABLE = AgentState.AVAILABLE
GroupKey = tuple[str, Skills, int]
BucketKey = tuple[bool, float]
"""``(high_value, slope)``: the value class decides the sign of the agent fit."""
Entry = tuple[float, int, "LiveTask"]
Fits = tuple[float, float]
"""An agent's fit for a group's routine tasks and for its high-value tasks."""
RankedLink = tuple[dict[BucketKey, "Bucket"], Fits, int, int, float]
"""A group as an ordered profile sees it: its buckets, fits and units, and the profile's
``(rank, delay)`` for it (``routing.ordering``)."""
ProfileKey = Skills | tuple[Skills, str]
"""A profile's key in the pool: its skills, or its skills and routing profile name."""
_NOBODY: frozenset[str] = frozenset()


class LiveTask:
    """The router's mutable bookkeeping for one active task, while it is active.

    Live state, not a record of what happened (``simulations.ContactRecord`` is that):
    it leaves the router when its task completes or is cancelled.
    """

    __slots__ = (
        "agent",
        "agent_time",
        "answered_at",
        "arrived_at",
        "base",
        "breached",
        "came_back",
        "deadline",
        "declined_by",
        "entry",
        "expires_at",
        "group",
        "held_since",
        "high_value",
        "holder",
        "indexed_channel",
        "offer_id",
        "preferred",
        "preferred_until",
        "ramp",
        "reserved_by",
        "seq",
        "skills",
        "slope",
        "state",
        "task",
        "unroutable",
        "urgency_a",
        "version",
        "wrap_until",
    )

    def __init__(
        self,
        task: Task,
        seq: int,
        arrived_at: float,
        deadline: float | None,
        ramp: float,
        base: float,
        high_value: bool,
    ) -> None:
        self.task = task
        self.seq = seq
        self.arrived_at = arrived_at
        self.deadline = deadline
        self.ramp = ramp
        self.base = base
        self.high_value = high_value
        self.state = _QUEUED
        self.skills: Skills = task.requirement.skills
        self.preferred: set[str] | frozenset[str] = _NOBODY
        self.preferred_until = arrived_at
        # agent id -> when its exclusion ends (it declined or let an offer time out)
        self.declined_by: dict[str, float] | None = None
        self.expires_at: float | None = None
        self.reserved_by: list[LiveAgent] | None = None  # agents held for this task
        self.unroutable: str | None = None  # the cause last reported, while queued
        self.breached = False
        # urgency on the current segment is ``urgency_a + slope * t`` (``policy``); the
        # score is ``base`` plus that
        self.urgency_a = 0.0
        self.slope = 0.0
        self.group: Group | None = None
        self.entry: Entry | None = None
        self.version = 0
        self.agent: LiveAgent | None = None
        self.offer_id: int | None = None
        # the agent that started a warm transfer of this task: it holds the task's slot
        # and units (``work``) until the target accepts or refuses
        self.holder: LiveAgent | None = None
        # assigned again to that agent after the transfer's offer went unanswered: its
        # requirement is the transfer's, which that agent need not meet
        self.came_back = False
        self.wrap_until: float | None = None  # the end of its wrap-up, in WRAP_UP
        self.answered_at: float | None = None  # its first accept (``routing.stats``)
        # agent time (``routing.stats``): since when agents have held it without a
        # break, and the agent-seconds before that (held until a cold transfer)
        self.held_since = 0.0
        self.agent_time = 0.0
        # the channel whose arrival heap holds an entry for it (``TaskQueue.oldest``)
        self.indexed_channel: str | None = None

    def expired_by(self, now: float) -> bool:
        """Whether the task's time-to-live ends at or before ``now``."""
        return self.expires_at is not None and self.expires_at <= now

    def declined(self, agent_id: str) -> bool:
        """Whether ``agent_id`` is excluded from this task: it declined or let an offer
        of it time out, and its cooldown has not ended."""
        return self.declined_by is not None and agent_id in self.declined_by


class Bucket:
    """Waiting tasks of one group on one slope: a heap of ``(-a, seq, record)``.

    A bucket is a binary heap with lazy deletion rather than DESIGN.md's ``SortedList``:
    routing only ever reads a bucket's head, and ``heapq`` (C) pushes, pops and reads the
    head several times faster than ``SortedList`` (pure Python) adds, removes and indexes.
    An entry is live while its record's ``entry`` attribute *is* that tuple; removal just
    clears the attribute, and dead entries are dropped as soon as they reach the head (so
    a bucket's head is always live and reading it needs no check) or when they outnumber
    the live ones (an O(n) rebuild, amortised O(1)).
    """

    __slots__ = ("heap", "live")

    def __init__(self) -> None:
        self.heap: list[Entry] = []
        self.live = 0

    def push(self, entry: Entry) -> None:
        """Add a live entry. Runtime complexity: O(log n)."""
        heapq.heappush(self.heap, entry)
        self.live += 1

    def discard(self) -> None:
        """Account for one entry that just went dead (its record's ``entry`` was cleared),
        dropping dead entries from the head so the head stays live.

        Runtime complexity: amortised O(log n) (each entry is dropped once).
        """
        self.live -= 1
        if not self.live:
            return  # the caller drops the bucket
        heap = self.heap
        entry = heap[0]
        while entry[2].entry is not entry:
            heapq.heappop(heap)
            entry = heap[0]
        if len(heap) > 2 * self.live + 32:
            heap[:] = [entry for entry in heap if entry[2].entry is entry]
            heapq.heapify(heap)

    def first_not(self, skip: Callable[[LiveTask], bool]) -> Entry | None:
        """The best live entry whose task ``skip`` does not reject (one the agent
        declined, or one reserved by as many agents as the policy allows).

        A best-first walk down the heap from its root, on a small frontier of
        ``(entry, index)``: the heap itself is not touched.

        Runtime complexity: O(k log k) for the k entries above the one found.
        """
        heap = self.heap
        size = len(heap)
        frontier = [(heap[0], 0)]
        while frontier:
            entry, i = heapq.heappop(frontier)
            rec = entry[2]
            if rec.entry is entry and not skip(rec):
                return entry
            child = 2 * i + 1
            if child < size:
                heapq.heappush(frontier, (heap[child], child))
                if child + 1 < size:
                    heapq.heappush(frontier, (heap[child + 1], child + 1))
        return None

    def entries(self) -> list[Entry]:
        """The live entries, in no particular order. Runtime complexity: O(n)."""
        return [entry for entry in self.heap if entry[2].entry is entry]


class Group:
    """Waiting tasks that any given agent either may all take or none.

    ``buckets`` maps ``(high_value, slope)`` to the bucket of those tasks (an agent's
    fit is the same for every task of one value class in a group); it is empty when no
    task waits in the group. For routing a task to idle agents, for value class ``hv``:
    ``profiles[hv]`` lists the eligible agent profiles best fit first, and
    ``fit_masks[hv]`` maps each fit they have, best first, to the bits of their agents
    (``None`` until a task of the group first looks among idle agents by their bits).
    ``reused`` says whether a task was located in the group since the queue last
    released unused groups (``TaskQueue.release_idle``).
    """

    __slots__ = (
        "buckets",
        "channel",
        "delay_masks",
        "delays",
        "eligible",
        "fit_masks",
        "key",
        "profiles",
        "reach",
        "reused",
        "skills",
        "status",
        "status_at",
        "units",
    )

    def __init__(self, key: GroupKey) -> None:
        self.key = key
        self.channel, self.skills, self.units = key
        self.eligible = 0  # bits of the agents whose profile may take these tasks
        self.buckets: dict[BucketKey, Bucket] = {}
        self.profiles: tuple[list[tuple[float, int, Profile]], ...] = ([], [])
        self.fit_masks: tuple[dict[float, int], ...] | None = None
        # whether any agent could take these tasks (see ``Router.unroutable_tasks``):
        # the cause if none could, the bits of the available agents that could, and
        # the pool version they were worked out for (-1: never)
        self.status: str | None = None
        self.reach = 0
        self.status_at = -1
        self.reused = False
        # agent-side ordering (``routing.ordering``): the distinct positive delays the
        # policy's routing profiles put on these tasks, ascending (each a breakpoint of
        # every task here), and per delay the bits of the agents in the pool that have it
        self.delays: tuple[float, ...] = ()
        self.delay_masks: dict[float, int] = {}


class Profile:
    """Agents sharing one set of skills and levels, and one routing profile if any
    (``mask`` is 0 once none is left).

    ``seq`` is unique among the pool's profiles, past and present (a released profile's
    number is never reused), so ``(-fit, seq, profile)`` keys never compare profiles.
    ``key`` is its key in the pool: ``skills``, or ``(skills, routing profile name)``.
    An ordered profile (``ordering`` set) also keeps, per channel, its links with its
    ``(rank, delay)`` for each group (``ranked``), and the delay of each group it
    delays (``delays``).
    """

    __slots__ = (
        "delays",
        "fits",
        "groups",
        "idle",
        "key",
        "mask",
        "ordering",
        "ranked",
        "seq",
        "skill_map",
        "skills",
    )

    def __init__(
        self,
        skills: Skills,
        seq: int,
        key: ProfileKey | None = None,
        ordering: RoutingProfile | None = None,
    ) -> None:
        self.key: ProfileKey = skills if key is None else key
        self.ordering = ordering
        self.ranked: dict[str, list[RankedLink]] = {}
        self.delays: dict[Group, float] = {}
        self.skills = skills
        self.skill_map = dict(skills)
        self.seq = seq
        # per channel: (group buckets, (routine fit, high-value fit), units) of every
        # eligible group
        self.groups: dict[str, list[tuple[dict[BucketKey, Bucket], Fits, int]]] = {}
        self.fits: dict[Group, Fits] = {}
        self.idle: dict[str, SortedList] = {}
        self.mask = 0  # bits of this profile's agents


class LiveAgent:
    """The router's mutable bookkeeping for one agent, while it is in the pool.

    Live state, not a record of what happened (``simulations.AgentRecord`` is that):
    it leaves the router with ``remove_agent``.
    """

    __slots__ = (
        "agent",
        "bit",
        "capacity",
        "entry",
        "free_key",
        "id",
        "idle_since",
        "indexed",
        "load",
        "max_units",
        "plain",
        "profile",
        "reason",
        "reserved",
        "reshaped",
        "seq",
        "since",
        "skill_map",
        "slot",
        "state",
        "units_used",
        "work",
    )

    def __init__(self, agent: Agent, seq: int, slot: int, profile: Profile, now: float) -> None:
        self.agent = agent
        self.id = agent.id
        self.seq = seq
        self.slot = slot
        self.bit = 1 << slot
        self.profile = profile
        self.skill_map = profile.skill_map
        self.capacity = dict(agent.capacity)
        self.max_units = agent.max_units
        # neither a unit cap nor a routing profile: the router's shortest path (``_fill``)
        self.plain = agent.max_units is None and profile.ordering is None
        self.state = _AVAILABLE
        self.reason: str | None = None  # the reason code given with its state
        self.since = now  # when it entered its state
        self.load = dict.fromkeys(self.capacity, 0)
        self.units_used = 0
        self.free_key: int | None = None  # free units it is masked under (capped agents)
        self.idle_since = now
        self.entry = (now, seq, self)
        self.indexed: dict[str, tuple[float, int, LiveAgent]] = {}
        self.work: dict[str, LiveTask] = {}
        self.reserved: LiveTask | None = None  # the waiting task it is held for
        # ids of the tasks it held when its profile last changed (they may exceed it)
        self.reshaped: frozenset[str] = frozenset()

    def satisfies(self, required: Skills) -> bool:
        """Whether this agent meets every ``(skill, min_level)`` in ``required``."""
        return satisfies(self.skill_map, required)

    def free_units(self) -> int | None:
        """Units still free, or ``None`` when the agent has no total cap."""
        return None if self.max_units is None else self.max_units - self.units_used

    def free_on(self, channel: str, interrupts: Mapping[str, frozenset[str]]) -> int | None:
        """Units free for a task on ``channel``: the free units plus those of the work
        it holds on channels ``channel`` may interrupt (``Policy.interrupts``), or
        ``None`` when the agent has no total cap."""
        if self.max_units is None:
            return None
        free = self.max_units - self.units_used
        interrupted = interrupts.get(channel)
        if interrupted:
            for rec in self.work.values():
                if rec.task.channel in interrupted:
                    free += rec.task.units
        return free

    def free_channels(self, interrupts: Mapping[str, frozenset[str]]) -> list[str]:
        """Channels on which the agent may take one more task now (empty if not routable)."""
        if self.state is not _AVAILABLE:
            return []
        load = self.load
        channels = [channel for channel, cap in self.capacity.items() if load[channel] < cap]
        if self.max_units is None or self.units_used < self.max_units:
            return channels
        return [c for c in channels if c in interrupts and (self.free_on(c, interrupts) or 0) > 0]

    def release(self, rec: LiveTask) -> None:
        """Give back the slot and units ``rec`` held here and detach it from this agent
        and its offer (the caller reindexes the agent)."""
        self.let_go(rec)
        rec.agent = None
        rec.offer_id = None

    def let_go(self, rec: LiveTask) -> None:
        """Give back the slot and units ``rec`` held here (a task this agent offered,
        assigned, wrapped up or held through a warm transfer); the caller reindexes."""
        task = rec.task
        del self.work[task.id]
        self.load[task.channel] -= 1
        self.units_used -= task.units

    def can_take(self, channel: str, units: int, interrupts: Mapping[str, frozenset[str]]) -> bool:
        """Whether the agent may take a task of ``units`` on ``channel`` now (it is
        available, held for no other task, with a free slot and enough units)."""
        if self.state is not _AVAILABLE or self.reserved is not None:
            return False
        cap = self.capacity.get(channel)
        if cap is None or self.load[channel] >= cap:
            return False
        if self.max_units is None or self.units_used + units <= self.max_units:
            return True
        return (self.free_on(channel, interrupts) or 0) >= units
