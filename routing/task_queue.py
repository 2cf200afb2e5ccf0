"""The global task queue: time-linear keys in buckets, so reprioritising costs nothing.

Every waiting task's score is ``a + b * t`` on its current segment (see ``policy``).
Tasks that share a *group* (channel, required skills, units), a value class and a slope
``b`` keep a fixed relative order while they stay on their segments, so each such
bucket is ordered once, by the immutable key ``(-a, seq, record)``. The best task for
an agent is the best of the *heads* of the buckets the agent is eligible for:
O(B) head evaluations, independent of how many tasks wait. A task leaves its bucket
only at a breakpoint known in advance (deadline, relaxation step, end of a preferred
agent window), which the router's timer heap (``timers``) fires in O(log n).

Tasks inside a preferred-agent window are not in any bucket: they wait in a small
per-agent table and only their preferred agents look at them.

A group outlives its waiting tasks, because creating one costs a link to every agent
profile (``AgentPool.link_group``) and most groups are used again: a voice group whose
calls are all answered at once never holds a task. Groups whose requirement is never
seen again would pile up, though, in memory and in every eligible agent's scan, so the
queue releases them in batches (:meth:`TaskQueue.release_idle`): once the groups number
more than :attr:`TaskQueue.group_limit`, it drops each group that holds no waiting task
and in which no task was located since the last release, and the limit becomes
``max(GROUP_MIN, 2 x the groups kept)``. A release costs O(groups) here and O(links) to
unlink the profiles, and comes only after as many new groups as it keeps, so it is
amortised into the creations. A group that holds a task is never released.

The records (:class:`~routing._state.LiveTask`, ``Group``, ``Bucket``) live in
``routing._state``, which ``agents`` shares; this module owns the algorithms on them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping

from routing._state import Bucket, Group, GroupKey, LiveAgent, LiveTask
from routing.model import Task, TaskState
from routing.policy import Policy

GROUP_MIN = 64
"""The queue never releases groups while it has at most this many (the first limit)."""

# Enum members as module constants for the hot paths (see ``routing.router``).
_QUEUED = TaskState.QUEUED
_NONE: Mapping[str, frozenset[str]] = {}


class TaskQueue:
    """Waiting tasks in groups and buckets, plus the preferred-agent tables.

    Attributes:
        groups: every group by key, with or without waiting tasks.
        group_limit: past this many groups, the router releases unused ones
            (:meth:`release_idle`).
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.groups: dict[GroupKey, Group] = {}
        self.group_limit = GROUP_MIN
        self.preferred: dict[str, dict[str, LiveTask]] = {}
        self.size = 0
        self.by_channel: dict[str, int] = {}
        # tasks in buckets that some agent is excluded from, by sequence
        self.declined: dict[int, LiveTask] = {}
        self.reserved = 0  # waiting tasks holding agents reserved (``reservations``)
        self.unroutable: dict[int, LiveTask] = {}  # waiting tasks reported unroutable
        # whether a routing profile delays work: then each task also has a breakpoint
        # at ``arrived_at + d`` for each delay ``d`` on it (``routing.ordering``)
        self.delays_work = policy.delays_work
        # per channel, a heap of ``(arrived_at, seq, push, record)`` for the oldest
        # waiting task (:meth:`oldest`): a task is pushed when it starts waiting on a
        # channel; entries of tasks no longer waiting there are dropped when they reach
        # the top, or all at once when they outnumber the waiting (amortised O(1)).
        # Kept only once ``oldest`` has been asked (``None`` before): a host that never
        # asks does not pay for it
        self.arrivals: dict[str, list[tuple[float, int, int, LiveTask]]] | None = None
        self._pushes = 0

    def locate(self, rec: LiveTask, t: float) -> tuple[Group | None, float | None]:
        """Put ``rec`` on its segment at ``t`` and find where it would wait, without
        queueing it: ``rec.group`` becomes its group, or ``None`` inside its preferred
        window. (A task that an idle agent takes at once is never queued.)

        Returns the group if this call created it (the caller links it to agent
        profiles, and releases unused groups if there are now too many), and the task's
        next breakpoint after ``t`` (or ``None``).

        Runtime complexity: O(1).
        """
        task = rec.task
        requirement = task.requirement
        next_at: float | None = None
        if requirement.steps:  # most requirements never relax: skip two calls for them
            rec.skills = requirement.skills_at(rec.arrived_at, t)
            next_at = requirement.next_step_at(rec.arrived_at, t)
        a_urgency, b, ends_at = self.policy.urgency_segment(
            rec.arrived_at, rec.deadline, rec.ramp, t
        )
        rec.urgency_a = a_urgency
        rec.slope = b
        if ends_at is not None and (next_at is None or ends_at < next_at):
            next_at = ends_at
        created: Group | None = None
        if rec.preferred and t < rec.preferred_until:  # it waits for its preferred agents
            rec.group = None
            if next_at is None or rec.preferred_until < next_at:
                next_at = rec.preferred_until
        else:
            key = (task.channel, rec.skills, task.units)
            group = self.groups.get(key)
            if group is None:
                group = created = self.groups[key] = Group(key)
                if self.delays_work:
                    group.delays = self.policy.delays_for(task.channel, rec.skills)
            else:
                group.reused = True
            rec.group = group
        if self.delays_work:
            next_at = self.next_delay_at(rec, t, next_at)
        return created, next_at

    def delays_of(self, rec: LiveTask) -> tuple[float, ...]:
        """The delays the routing profiles put on ``rec`` where it is now, ascending."""
        group = rec.group
        if group is not None:
            return group.delays
        return self.policy.delays_for(rec.task.channel, rec.skills)

    def next_delay_at(self, rec: LiveTask, t: float, next_at: float | None) -> float | None:
        """``next_at``, or the first instant after ``t`` at which a delay on ``rec``
        passes (``arrived_at + d``) if that is earlier. Runtime: O(delays on it)."""
        arrived_at = rec.arrived_at
        for delay in self.delays_of(rec):
            at = arrived_at + delay
            if at > t:
                return at if next_at is None or at < next_at else next_at
        return next_at

    def release_idle(self, keep: Group) -> list[Group]:
        """Drop the groups that hold no waiting task and in which no task was located
        since the last release, except ``keep`` (the one just created, whose task is
        located but not yet queued), and set the next :attr:`group_limit`.

        Returns the dropped groups, for the caller to unlink from the agent profiles
        (``AgentPool.unlink_groups``). Routing decisions do not depend on which groups
        exist, only on the tasks in them: a released group that is needed again is
        created and linked afresh.

        Runtime complexity: O(G) for the G groups.
        """
        dropped: list[Group] = []
        kept: dict[GroupKey, Group] = {}
        for key, group in self.groups.items():
            if group.buckets or group.reused or group is keep:
                group.reused = False
                kept[key] = group
            else:
                dropped.append(group)
        if dropped:
            self.groups = kept
        self.group_limit = max(GROUP_MIN, 2 * len(kept))
        return dropped

    def insert(self, rec: LiveTask) -> None:
        """Queue ``rec`` where :meth:`locate` found it belongs. Runtime complexity: O(log n)."""
        task = rec.task
        group = rec.group
        if group is None:
            for agent_id in rec.preferred:
                self.preferred.setdefault(agent_id, {})[task.id] = rec
        else:
            bucket_key = (rec.high_value, rec.slope)
            bucket = group.buckets.get(bucket_key)
            if bucket is None:
                bucket = group.buckets[bucket_key] = Bucket()
            entry = (-(rec.base + rec.urgency_a), rec.seq, rec)
            bucket.push(entry)
            rec.entry = entry
            if rec.declined_by:
                self.declined[rec.seq] = rec
        rec.state = _QUEUED
        self.size += 1
        channel = task.channel
        self.by_channel[channel] = self.by_channel.get(channel, 0) + 1
        if rec.indexed_channel != channel and self.arrivals is not None:
            self._index_arrival(self.arrivals, rec, channel)

    def _index_arrival(
        self,
        arrivals: dict[str, list[tuple[float, int, int, LiveTask]]],
        rec: LiveTask,
        channel: str,
    ) -> None:
        """Push ``rec`` on ``channel``'s arrival heap; rebuild the heap when stale
        entries outnumber the waiting tasks. Runtime: O(log n) amortised."""
        heap = arrivals.get(channel)
        if heap is None:
            heap = arrivals[channel] = []
        self._pushes += 1
        heapq.heappush(heap, (rec.arrived_at, rec.seq, self._pushes, rec))
        rec.indexed_channel = channel
        if len(heap) > 2 * self.by_channel[channel] + 16:
            live: dict[int, tuple[float, int, int, LiveTask]] = {}
            for entry in heap:
                other = entry[3]
                if other.indexed_channel == channel:
                    if other.state is _QUEUED:
                        live[other.seq] = entry
                    else:
                        other.indexed_channel = None
            heap[:] = live.values()
            heapq.heapify(heap)

    def oldest(self, channel: str | None) -> LiveTask | None:
        """The longest-waiting task (smallest arrival, then sequence) on ``channel``, or
        of all, or ``None``. Runtime complexity: O(log n) amortised, times the channels
        for all."""
        arrivals = self.arrivals
        if arrivals is None:  # the first question: index what waits, O(n)
            arrivals = self.arrivals = {}
            for waiting in self.waiting():
                self._index_arrival(arrivals, waiting, waiting.task.channel)
        if channel is None:
            found = [rec for ch in arrivals if (rec := self.oldest(ch)) is not None]
            return min(found, key=lambda rec: (rec.arrived_at, rec.seq), default=None)
        heap = arrivals.get(channel)
        while heap:
            rec = heap[0][3]
            if rec.state is _QUEUED and rec.indexed_channel == channel:
                return rec
            heapq.heappop(heap)
            if rec.indexed_channel == channel:
                rec.indexed_channel = None
        return None

    def remove(self, rec: LiveTask) -> None:
        """Take ``rec`` out of the queue; its pending breakpoint timers go stale.

        Runtime complexity: O(log n).
        """
        group = rec.group
        if group is None:
            task_id = rec.task.id
            for agent_id in rec.preferred:
                table = self.preferred[agent_id]
                del table[task_id]
                if not table:
                    del self.preferred[agent_id]
        else:
            bucket_key = (rec.high_value, rec.slope)
            bucket = group.buckets[bucket_key]
            rec.entry = None
            rec.group = None
            if rec.declined_by:
                del self.declined[rec.seq]
            bucket.discard()
            if not bucket.live:
                del group.buckets[bucket_key]
        rec.version += 1
        self.size -= 1
        self.by_channel[rec.task.channel] -= 1

    def take(self, rec: LiveTask) -> None:
        """Take ``rec`` out of the queue for good or for an offer (:meth:`remove`), and
        forget the unroutable cause it was reported with."""
        self.remove(rec)
        if rec.unroutable is not None:
            del self.unroutable[rec.seq]
            rec.unroutable = None

    def lift(self, rec: LiveTask, at: float) -> None:
        """End every exclusion of ``rec`` whose cooldown ends by ``at``.

        Runtime complexity: O(e) for the task's e exclusions.
        """
        declined_by = rec.declined_by
        assert declined_by is not None
        for agent_id in [a for a, until in declined_by.items() if until <= at]:
            del declined_by[agent_id]
        if not declined_by:
            rec.declined_by = None
            if rec.entry is not None:
                del self.declined[rec.seq]

    def best_for(
        self,
        agent: LiveAgent,
        t: float,
        channels: list[str],
        free: int | None,
        reserve: int = 0,
        interrupts: Mapping[str, frozenset[str]] = _NONE,
    ) -> tuple[LiveTask, float, float] | None:
        """The waiting task ``agent`` should take at ``t``, with its fit and context bonus.

        Considers tasks on ``channels`` (where the agent has a free slot) using at most
        ``free`` units (``None``: the agent has no cap), plus on a channel that may
        interrupt others (``interrupts``) the units of that work. With ``reserve``
        (``Policy.reserve_agents``), tasks needing more units than that, up to the
        agent's cap, compete too, unless ``reserve`` agents are held for them already:
        the caller reserves the agent when one of those wins. The winner maximises
        ``(score + fit + context, a, -seq)``.

        Runtime complexity: O(B) head evaluations for the B eligible buckets, plus the
        agent's own preferred-task table; independent of the queue length.
        """
        agent_id = agent.id
        best: LiveTask | None = None
        best_fit = best_context = 0.0
        best_s = best_a = float("-inf")
        best_seq = 0
        declines = self.declined  # whether any bucketed task was declined by anyone
        held = self.reserved and reserve  # whether reservations may make heads skipped
        groups_by_channel = agent.profile.groups
        max_units = agent.max_units
        for channel in channels:
            room = free
            if free is not None and channel in interrupts:
                room = agent.free_on(channel, interrupts)
            for buckets, fits, units in groups_by_channel.get(channel, ()):
                if not buckets:
                    continue
                large = room is not None and units > room
                if large and (not reserve or units > max_units):  # type: ignore[operator]
                    continue
                for (high_value, b), bucket in buckets.items():
                    entry = bucket.heap[0]  # the head, always live
                    if declines or (large and held):
                        head = entry[2]
                        if (head.declined_by is not None and agent_id in head.declined_by) or (
                            large
                            and head.reserved_by is not None
                            and len(head.reserved_by) >= reserve
                        ):
                            found = bucket.first_not(
                                lambda r, large=large: (
                                    (  # type: ignore[misc]
                                        r.declined_by is not None and agent_id in r.declined_by
                                    )
                                    or (
                                        large
                                        and r.reserved_by is not None
                                        and len(r.reserved_by) >= reserve
                                    )
                                )
                            )
                            if found is None:
                                continue
                            entry = found
                    # a + b * t + fit for a = -entry[0], the same float: x - y is x + (-y)
                    s = b * t - entry[0] + fits[high_value]
                    if s < best_s:  # most heads lose here, so test that first
                        continue
                    a = -entry[0]
                    if s > best_s or a > best_a or (a == best_a and entry[1] < best_seq):
                        best, best_fit = entry[2], fits[high_value]
                        best_s, best_a, best_seq = s, a, entry[1]
        own = self.preferred.get(agent_id)
        if own:
            policy = self.policy
            for rec in own.values():
                task = rec.task
                if task.channel not in channels or rec.declined(agent_id):
                    continue
                room = free
                if free is not None and task.channel in interrupts:
                    room = agent.free_on(task.channel, interrupts)
                if room is not None and task.units > room:
                    if not reserve or task.units > max_units:  # type: ignore[operator]
                        continue
                    if rec.reserved_by is not None and len(rec.reserved_by) >= reserve:
                        continue
                if not agent.satisfies(rec.skills):
                    continue
                fit = policy.fit(agent.skill_map, rec.skills, rec.high_value)
                context = policy.w_context
                a = rec.base + rec.urgency_a
                s = a + rec.slope * t + fit + context
                if s > best_s or (
                    s == best_s and (a > best_a or (a == best_a and rec.seq < best_seq))
                ):
                    best, best_fit, best_context = rec, fit, context
                    best_s, best_a, best_seq = s, a, rec.seq
        if best is None:
            return None
        return best, best_fit, best_context

    def best_for_ranked(
        self,
        agent: LiveAgent,
        t: float,
        channels: list[str],
        free: int | None,
        reserve: int = 0,
        interrupts: Mapping[str, frozenset[str]] = _NONE,
    ) -> tuple[LiveTask, float, float] | None:
        """:meth:`best_for` for an agent with a routing profile (``routing.ordering``):
        the same candidates, less those whose delay for the agent has not passed
        (``arrived_at + delay > t``), and the winner maximises
        ``(-rank, score + fit + context, a, -seq)``: its best rank first.

        Runtime complexity: O(B) head evaluations, as :meth:`best_for`, except in a
        bucket whose head is not yet eligible by its delay: a best-first walk over the
        k tasks above the first eligible one (``Bucket.first_not``), O(k log k). Those
        are tasks that arrived within the delay but outscore it, usually few: a bucket
        shares one slope, so a later arrival outscores an earlier one only by value or
        priority.
        """
        agent_id = agent.id
        profile = agent.profile
        ordering = profile.ordering
        assert ordering is not None
        best: LiveTask | None = None
        best_fit = best_context = 0.0
        best_rank = math.inf
        best_s = best_a = -math.inf
        best_seq = 0
        held = self.reserved and reserve
        max_units = agent.max_units
        for channel in channels:
            room = free
            if free is not None and channel in interrupts:
                room = agent.free_on(channel, interrupts)
            for buckets, fits, units, rank, delay in profile.ranked.get(channel, ()):
                if not buckets or rank > best_rank:
                    continue
                large = room is not None and units > room
                if large and (not reserve or units > max_units):  # type: ignore[operator]
                    continue

                def skip(r: LiveTask, large: bool = large, delay: float = delay) -> bool:
                    return (
                        (r.declined_by is not None and agent_id in r.declined_by)
                        or (large and r.reserved_by is not None and len(r.reserved_by) >= reserve)
                        or (delay > 0 and r.arrived_at + delay > t)
                    )

                for (high_value, b), bucket in buckets.items():
                    entry = bucket.heap[0]
                    head = entry[2]
                    if (
                        (head.declined_by is not None and agent_id in head.declined_by)
                        or (large and held and head.reserved_by is not None)
                        or (delay and head.arrived_at + delay > t)
                    ):
                        found = bucket.first_not(skip)
                        if found is None:
                            continue
                        entry = found
                    s = b * t - entry[0] + fits[high_value]
                    a = -entry[0]
                    if (
                        rank < best_rank
                        or s > best_s
                        or (s == best_s and (a > best_a or (a == best_a and entry[1] < best_seq)))
                    ):
                        best, best_fit, best_context = entry[2], fits[high_value], 0.0
                        best_rank, best_s, best_a, best_seq = rank, s, a, entry[1]
        own = self.preferred.get(agent_id)
        if own:
            policy = self.policy
            for rec in own.values():
                task = rec.task
                if task.channel not in channels or rec.declined(agent_id):
                    continue
                rank, delay = ordering.entry(task.channel, rec.skills)
                if rank > best_rank or rec.arrived_at + delay > t:
                    continue
                room = free
                if free is not None and task.channel in interrupts:
                    room = agent.free_on(task.channel, interrupts)
                if room is not None and task.units > room:
                    if not reserve or task.units > max_units:  # type: ignore[operator]
                        continue
                    if rec.reserved_by is not None and len(rec.reserved_by) >= reserve:
                        continue
                if not agent.satisfies(rec.skills):
                    continue
                fit = policy.fit(agent.skill_map, rec.skills, rec.high_value)
                context = policy.w_context
                a = rec.base + rec.urgency_a
                s = a + rec.slope * t + fit + context
                if (
                    rank < best_rank
                    or s > best_s
                    or (s == best_s and (a > best_a or (a == best_a and rec.seq < best_seq)))
                ):
                    best, best_fit, best_context = rec, fit, context
                    best_rank, best_s, best_a, best_seq = rank, s, a, rec.seq
        if best is None:
            return None
        return best, best_fit, best_context

    def waiting(self) -> list[LiveTask]:
        """Every waiting task, in no particular order. Runtime complexity: O(n)."""
        records: dict[int, LiveTask] = {}
        for group in self.groups.values():
            for bucket in group.buckets.values():
                for entry in bucket.entries():
                    records[entry[1]] = entry[2]
        for table in self.preferred.values():
            for rec in table.values():
                records[rec.seq] = rec
        return list(records.values())

    def waiting_tasks(self, channel: str | None, skill: str | None) -> list[Task]:
        """Waiting tasks, oldest first (by arrival, then submission), on ``channel`` and
        needing ``skill`` now if given. Runtime complexity: O(n log n)."""
        records = [
            rec
            for rec in self.waiting()
            if (channel is None or rec.task.channel == channel)
            and (skill is None or any(name == skill for name, _ in rec.skills))
        ]
        records.sort(key=lambda rec: (rec.arrived_at, rec.seq))
        return [rec.task for rec in records]

    def check(self) -> None:
        """Assert every internal invariant. Runtime complexity: O(n)."""
        count = 0
        per_channel: dict[str, int] = {}
        assert len(self.groups) <= self.group_limit, (len(self.groups), self.group_limit)
        for key, group in self.groups.items():
            assert group.key == key
            for (high_value, b), bucket in group.buckets.items():
                live = bucket.entries()
                assert live and len(live) == bucket.live, f"bucket {b} of {key}: bad count"
                heap = bucket.heap
                assert heap[0][2].entry is heap[0], f"dead head in {key}"
                for i in range(1, len(heap)):
                    assert heap[(i - 1) // 2] <= heap[i], f"heap order broken in {key}"
                for entry in live:
                    rec = entry[2]
                    assert rec.state is TaskState.QUEUED, rec.task.id
                    assert rec.group is group and rec.entry is entry and rec.slope == b
                    assert rec.high_value is high_value
                    assert -entry[0] == rec.base + rec.urgency_a
                    count += 1
                    per_channel[rec.task.channel] = per_channel.get(rec.task.channel, 0) + 1
        seen: set[str] = set()
        for agent_id, table in self.preferred.items():
            assert table, f"empty preferred table kept for {agent_id!r}"
            for task_id, rec in table.items():
                assert rec.group is None and agent_id in rec.preferred
                assert rec.state is TaskState.QUEUED
                if task_id not in seen:
                    seen.add(task_id)
                    count += 1
                    per_channel[rec.task.channel] = per_channel.get(rec.task.channel, 0) + 1
        assert count == self.size, (count, self.size)
        declined = {
            entry[1]: entry[2]
            for group in self.groups.values()
            for bucket in group.buckets.values()
            for entry in bucket.entries()
            if entry[2].declined_by
        }
        assert declined == self.declined, (declined, self.declined)
        for seq, rec in self.unroutable.items():
            assert rec.seq == seq and rec.state is TaskState.QUEUED and rec.unroutable
        for rec in self.waiting():
            assert (rec.unroutable is not None) == (rec.seq in self.unroutable), rec.task.id
        assert self.reserved == sum(1 for rec in self.waiting() if rec.reserved_by), self.reserved
        if self.arrivals is not None:
            indexed = {
                (channel, entry[3].seq) for channel, heap in self.arrivals.items() for entry in heap
            }
            for rec in self.waiting():
                channel = rec.task.channel
                assert rec.indexed_channel == channel, (rec.task.id, rec.indexed_channel)
                assert (channel, rec.seq) in indexed, f"{rec.task.id!r} not in its arrival heap"
        assert {c: n for c, n in self.by_channel.items() if n} == per_channel
