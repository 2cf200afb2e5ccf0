"""The agent pool: states, capacity per channel, idle indexes by skill profile.

Agents with identical skills share a :class:`Profile`. A profile knows, per channel,
the task groups it is eligible for with its fit for each (so an agent looking for
work evaluates only those buckets), and keeps per channel a ``SortedList`` of its
agents that can take one more task there, keyed ``(idle_since, seq, record)``:
longest idle first. Eligibility of a profile for a group is computed once, when
either of them appears.

For the other direction, a task looking for an idle agent, every agent owns one bit
(a recycled slot number): each group keeps the mask of agents eligible for it and the
pool keeps, per channel, the mask of agents with a free slot there. Their ``&`` is
exactly the eligible idle agents, in a few machine words, however many agents are
idle but unfit. Agents with a unit cap are also masked by how many units they have
free, so a task of ``u`` units drops those with fewer in the same few words (a call
of 3 units is not offered to each agent whose chats leave it only 2).

Profiles and groups are released when they are no longer used, in batches, so the
pool's memory and an agent's scan follow the agents and requirements present, not every
one ever seen. A profile whose last agent left stays (its agents may come back) until
a new profile takes the pool past :attr:`AgentPool.profile_limit`; then every other
profile without agents is released (unlinked from its groups) and the limit becomes
``max(PROFILE_MIN, 2 x the profiles kept)``, so the cost, O(links of the released
profiles), is amortised into the profiles created. The queue decides which groups to
release (``TaskQueue.release_idle``); :meth:`AgentPool.unlink_groups` takes them out of
every profile. Neither changes a decision: a profile's ``seq`` only orders profiles of
equal fit in a group's lists, and the agents of equal fit are then compared by idle time
and agent sequence, whichever profile they belong to.

The records (:class:`~routing._state.LiveAgent`, ``Profile``) live in
``routing._state``, which ``task_queue`` shares; this module owns the algorithms on them.
"""

from __future__ import annotations

import heapq
import math
from bisect import insort
from collections.abc import Iterable

from sortedcontainers import SortedList

from routing._state import Fits, Group, LiveAgent, LiveTask, Profile, ProfileKey
from routing.errors import UnknownAgentError
from routing.events import NO_AVAILABLE_AGENT, NO_ELIGIBLE_AGENT
from routing.model import Agent, AgentState, Skills, satisfies
from routing.policy import Policy

PROFILE_MIN = 64
"""The pool never releases profiles while it has at most this many (the first limit)."""

# Enum members as module constants for the hot paths (see ``routing.router``).
_AVAILABLE = AgentState.AVAILABLE
_OFFLINE = AgentState.OFFLINE


class AgentPool:
    """Agents by id, their profiles, and the idle indexes.

    Attributes:
        agents: the agents in the pool, by id.
        profiles: the profiles by key (``Profile.key``: the skills, with the routing
            profile's name if the agents have one); some may have no agent left
            (``mask`` 0).
        profile_limit: a new profile that takes ``profiles`` past this many releases
            the others without agents.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.agents: dict[str, LiveAgent] = {}
        self.profiles: dict[ProfileKey, Profile] = {}
        self.profile_limit = PROFILE_MIN
        self._profile_seq = 0
        self.idle_mask: dict[str, int] = {}
        # free units -> bits of the agents with a unit cap that have that many free
        self.free_units_mask: dict[int, int] = {}
        self.by_slot: dict[int, LiveAgent] = {}
        # one object per fit value and per fits pair, keyed with the sign (``link``)
        self._shared_floats: dict[tuple[float, float], float] = {}
        self._shared_fits: dict[tuple[float, float, float, float], Fits] = {}
        self._free_slots: list[int] = []
        self._seq = 0
        self.interrupts = dict(policy.interrupts)
        # who could ever take what, for ``status``: bits of the agents with capacity on
        # each channel, of the available agents, and of capped agents by their cap;
        # ``version`` counts the changes to them
        self.on_channel: dict[str, int] = {}
        self.available = 0
        self.offline = 0  # bits of the agents offline (``Router.queue_stats``)
        self.by_max_units: dict[int, int] = {}
        self.version = 0

    def get(self, agent_id: str) -> LiveAgent:
        """The agent ``agent_id``.

        Raises:
            UnknownAgentError: no agent in the pool has this id.
        """
        rec = self.agents.get(agent_id)
        if rec is None:
            raise UnknownAgentError(f"agent {agent_id!r} is not in the pool")
        return rec

    def by_state(self) -> dict[AgentState, list[str]]:
        """Agent ids per state (every state present, possibly empty), sorted.

        Runtime complexity: O(a log a) for the a agents.
        """
        result: dict[AgentState, list[str]] = {state: [] for state in AgentState}
        for rec in self.agents.values():
            result[rec.state].append(rec.id)
        for ids in result.values():
            ids.sort()
        return result

    def add(self, agent: Agent, now: float, groups: Iterable[Group]) -> LiveAgent:
        """Add an available agent; link a new profile to every existing group.

        Runtime complexity: O(c log n) for the agent's c channels, plus O(groups) for a
        new profile (amortised, with the release of profiles without agents).
        """
        profile = self._profile(agent, groups)
        self._seq += 1
        rec = LiveAgent(agent, self._seq, 0, profile, now)
        self._enter(rec)
        return rec

    def update(self, rec: LiveAgent, agent: Agent, groups: Iterable[Group]) -> None:
        """Give the agent ``rec`` a new profile (skills, capacity, unit cap), keeping its
        state, idle clock, sequence and the work it holds (which may now exceed the
        new capacity: it finishes; new work respects the new profile). The caller has
        ended any reservation it held.

        Runtime complexity: that of :meth:`remove` plus :meth:`add`.
        """
        assert rec.reserved is None
        state = rec.state
        self.remove(rec)
        rec.agent = agent
        rec.profile = self._profile(agent, groups)
        rec.skill_map = rec.profile.skill_map
        rec.capacity = dict(agent.capacity)
        rec.max_units = agent.max_units
        rec.plain = agent.max_units is None and rec.profile.ordering is None
        load = dict.fromkeys(rec.capacity, 0)
        for task_rec in rec.work.values():
            channel = task_rec.task.channel
            load[channel] = load.get(channel, 0) + 1
        rec.load = load
        rec.reshaped = frozenset(rec.work)
        rec.state = state
        self._enter(rec)

    def _profile(self, agent: Agent, groups: Iterable[Group]) -> Profile:
        """The profile of agents with ``agent``'s skills and routing profile, created
        (and linked to every group) if none exists."""
        name = agent.routing_profile
        key: ProfileKey = agent.skills if name is None else (agent.skills, name)
        profile = self.profiles.get(key)
        if profile is None:
            self._profile_seq += 1
            ordering = None if name is None else self.policy.routing_profile(name)
            profile = Profile(agent.skills, self._profile_seq, key, ordering)
            self.profiles[key] = profile
            if len(self.profiles) > self.profile_limit:
                self.release_vacant(keep=profile)
            for group in groups:
                self.link(profile, group)
        return profile

    def _enter(self, rec: LiveAgent) -> None:
        """Put ``rec`` in the pool, on a free slot, in every mask and index."""
        slot = heapq.heappop(self._free_slots) if self._free_slots else len(self.by_slot)
        rec.slot = slot
        rec.bit = 1 << slot
        self.agents[rec.id] = rec
        self.by_slot[slot] = rec
        profile = rec.profile
        profile.mask |= rec.bit
        for channel in rec.capacity:
            self.on_channel[channel] = self.on_channel.get(channel, 0) | rec.bit
        if rec.max_units is not None:
            self.by_max_units[rec.max_units] = self.by_max_units.get(rec.max_units, 0) | rec.bit
        if rec.state is _AVAILABLE:
            self.available |= rec.bit
        elif rec.state is _OFFLINE:
            self.offline |= rec.bit
        self.version += 1
        for group, fits in profile.fits.items():
            group.eligible |= rec.bit
            if group.fit_masks is not None:
                for high_value, fit in enumerate(fits):
                    group.fit_masks[high_value][fit] |= rec.bit
        for group, delay in profile.delays.items():
            group.delay_masks[delay] = group.delay_masks.get(delay, 0) | rec.bit
        self.reindex(rec)

    def remove(self, rec: LiveAgent) -> None:
        """Drop an agent that holds no work. Runtime complexity: O(groups it may take)."""
        rec.state = _OFFLINE
        self.reindex(rec)
        if rec.free_key is not None:
            self.free_units_mask[rec.free_key] &= ~rec.bit
            rec.free_key = None
        del self.agents[rec.id]
        del self.by_slot[rec.slot]
        heapq.heappush(self._free_slots, rec.slot)
        clear = ~rec.bit
        rec.profile.mask &= clear
        for channel in rec.capacity:
            self.on_channel[channel] &= clear
        if rec.max_units is not None:
            self.by_max_units[rec.max_units] &= clear
        self.available &= clear
        self.offline &= clear
        self.version += 1
        for group, fits in rec.profile.fits.items():
            group.eligible &= clear
            if group.fit_masks is not None:
                for high_value, fit in enumerate(fits):
                    group.fit_masks[high_value][fit] &= clear
        for group, delay in rec.profile.delays.items():
            bits = group.delay_masks[delay] & clear
            if bits:
                group.delay_masks[delay] = bits
            else:
                del group.delay_masks[delay]

    def release_vacant(self, keep: Profile | None = None) -> list[Profile]:
        """Release every profile without agents but ``keep`` (one just created, before
        its first agent joins): drop it from :attr:`profiles` and from its groups'
        profile lists, and set the next :attr:`profile_limit`. Returns them.

        The groups' fit masks are rebuilt when next needed (``_build_fit_classes``): a
        released profile's agents are gone, so its fit class may be empty.

        Runtime complexity: O(G x P) for the G groups the released profiles were linked
        to and the P profiles linked to those.
        """
        vacant = [p for p in self.profiles.values() if not p.mask and p is not keep]
        if vacant:
            released = set(vacant)
            self.profiles = {
                key: profile for key, profile in self.profiles.items() if profile not in released
            }
            touched: dict[Group, None] = {}
            for profile in vacant:
                touched.update(dict.fromkeys(profile.fits))
            for group in touched:
                for entries in group.profiles:
                    entries[:] = [entry for entry in entries if entry[2] not in released]
                group.fit_masks = None
        self.profile_limit = max(PROFILE_MIN, 2 * len(self.profiles))
        return vacant

    def unlink_groups(self, groups: list[Group]) -> None:
        """Take released groups (``TaskQueue.release_idle``) out of every profile's
        group lists and fits.

        Runtime complexity: O(L) for the L links of the profiles linked to them.
        """
        per_profile: dict[Profile, list[Group]] = {}
        for group in groups:
            for _, _, profile in group.profiles[0]:
                per_profile.setdefault(profile, []).append(group)
        for profile, linked in per_profile.items():
            dead = {id(group.buckets) for group in linked}
            for group in linked:
                del profile.fits[group]
                profile.delays.pop(group, None)
            for channel in {group.channel for group in linked}:
                kept = [entry for entry in profile.groups[channel] if id(entry[0]) not in dead]
                if kept:
                    profile.groups[channel] = kept
                else:
                    del profile.groups[channel]
                if profile.ordering is not None:
                    ranked = [e for e in profile.ranked[channel] if id(e[0]) not in dead]
                    if ranked:
                        profile.ranked[channel] = ranked
                    else:
                        del profile.ranked[channel]

    def link(self, profile: Profile, group: Group) -> None:
        """Record that ``profile`` may take ``group``'s tasks, if it may."""
        if not satisfies(profile.skill_map, group.skills):
            return
        # Every (profile, group) pair that may match keeps its fits here and, negated, in
        # the group's profile lists: tens of thousands of pairs in a large centre, but
        # few distinct values, so each float and fits pair is stored once (``_share``).
        # This saves about a fifth of the router's memory per waiting task.
        routine = self._share(self.policy.fit(profile.skill_map, group.skills, False))
        high = self._share(self.policy.fit(profile.skill_map, group.skills, True))
        fits = self._shared_fits.setdefault(
            (routine, high, math.copysign(1.0, routine), math.copysign(1.0, high)),
            (routine, high),
        )
        profile.groups.setdefault(group.channel, []).append((group.buckets, fits, group.units))
        profile.fits[group] = fits
        group.eligible |= profile.mask
        if profile.ordering is not None:
            rank, delay = profile.ordering.entry(group.channel, group.skills)
            profile.ranked.setdefault(group.channel, []).append(
                (group.buckets, fits, group.units, rank, delay)
            )
            if delay > 0:
                profile.delays[group] = delay
                if profile.mask:
                    masks = group.delay_masks
                    masks[delay] = masks.get(delay, 0) | profile.mask
        for high_value, fit in enumerate(fits):
            insort(group.profiles[high_value], (self._share(-fit), profile.seq, profile))
        if group.fit_masks is not None:
            for high_value, fit in enumerate(fits):
                self._add_to_fit_class(group.fit_masks[high_value], fit, profile.mask)

    def _share(self, value: float) -> float:
        """The one stored float equal to ``value``, sign of zero included."""
        return self._shared_floats.setdefault((value, math.copysign(1.0, value)), value)

    @staticmethod
    def _add_to_fit_class(masks: dict[float, int], fit: float, bits: int) -> None:
        """Add ``bits`` to the class of ``fit`` in ``masks``, kept best fit first."""
        if fit not in masks:
            masks[fit] = 0
            ordered = sorted(masks.items(), reverse=True)
            masks.clear()
            masks.update(ordered)
        masks[fit] |= bits

    def _build_fit_classes(self, group: Group) -> tuple[dict[float, int], ...]:
        """Mask ``group``'s eligible agents by fit, the first time a task needs it.

        Built lazily because most groups never need them (their tasks wait for busy
        agents), and each class is a mask as wide as the pool: built for every group,
        they would cost some 40 bytes per waiting task in the benchmark's centre.
        Runtime complexity: O(P) for its P eligible profiles.
        """
        fit_masks: tuple[dict[float, int], ...] = ({}, {})
        for high_value, masks in enumerate(fit_masks):
            for neg_fit, _, profile in group.profiles[high_value]:  # best fit first
                masks[-neg_fit] = masks.get(-neg_fit, 0) | profile.mask
        group.fit_masks = fit_masks
        return fit_masks

    def link_group(self, group: Group) -> None:
        """Link a newly created group to every profile."""
        for profile in self.profiles.values():
            self.link(profile, group)

    def set_state(
        self, rec: LiveAgent, state: AgentState, now: float, reason: str | None = None
    ) -> None:
        """Change an agent's state and reason code at ``now`` (the caller reindexes it)."""
        if state is not rec.state:
            rec.since = now
        rec.state = state
        rec.reason = reason
        if state is _AVAILABLE:
            self.available |= rec.bit
        else:
            self.available &= ~rec.bit
        if state is _OFFLINE:
            self.offline |= rec.bit
        else:
            self.offline &= ~rec.bit
        self.version += 1

    def status(self, group: Group) -> str | None:
        """Why no agent could take ``group``'s tasks (``NO_ELIGIBLE_AGENT``,
        ``NO_AVAILABLE_AGENT``), or ``None``; ``group.reach`` is then the bits of the
        available agents that could. Worked out once per change of the pool.

        Runtime complexity: O(1) (a few mask operations; O(distinct caps) for tasks
        of more than one unit).
        """
        if group.status_at == self.version:
            return group.status
        able = group.eligible & self.on_channel.get(group.channel, 0)
        if group.units > 1:
            for cap, bits in self.by_max_units.items():
                if cap < group.units:
                    able &= ~bits
        reach = able & self.available
        group.reach = reach
        group.status = NO_ELIGIBLE_AGENT if not able else None if reach else NO_AVAILABLE_AGENT
        group.status_at = self.version
        return group.status

    def set_idle_since(self, rec: LiveAgent, now: float) -> None:
        """Restart the agent's idle clock (it finished work or became available)."""
        rec.idle_since = now
        rec.entry = (now, rec.seq, rec)

    def reindex(self, rec: LiveAgent) -> None:
        """Bring the agent's idle-index entries in line with its state and load.

        Runtime complexity: O(c log n) for the agent's c channels.
        """
        max_units = rec.max_units
        routable = rec.state is _AVAILABLE and rec.reserved is None
        free = 1
        if max_units is not None:
            free = max_units - rec.units_used
            if free != rec.free_key:
                masks = self.free_units_mask
                if rec.free_key is not None:
                    masks[rec.free_key] &= ~rec.bit
                masks[free] = masks.get(free, 0) | rec.bit
                rec.free_key = free
        entry = rec.entry
        indexed = rec.indexed
        load = rec.load
        interrupts = self.interrupts
        for channel, cap in rec.capacity.items():
            have = indexed.get(channel)
            if (
                routable
                and load[channel] < cap
                and (
                    free > 0
                    or (channel in interrupts and (rec.free_on(channel, interrupts) or 0) > 0)
                )
            ):
                if have is entry:
                    continue  # indexed already, with its current idle clock
                idle = rec.profile.idle
                if have is None:
                    self.idle_mask[channel] = self.idle_mask.get(channel, 0) | rec.bit
                else:
                    idle[channel].remove(have)  # its idle clock restarted
                bucket = idle.get(channel)
                if bucket is None:
                    bucket = idle[channel] = SortedList()
                bucket.add(entry)
                indexed[channel] = entry
            elif have is not None:
                rec.profile.idle[channel].remove(have)
                del indexed[channel]
                self.idle_mask[channel] &= ~rec.bit

    def slots(self, among: int, channel: str) -> int:
        """The capacity on ``channel`` of the agents of the mask ``among``.

        Runtime complexity: O(a) for the a agents of the mask.
        """
        total = 0
        while among:
            low = among & -among
            among ^= low
            total += self.by_slot[low.bit_length() - 1].capacity.get(channel, 0)
        return total

    def takes_at_once(self, among: int, channel: str, units: int, skills: Skills) -> bool:
        """Whether an agent of the mask ``among`` (assumed to have ``skills``) could be
        offered a new task of ``units`` on ``channel`` at once: idle on the channel,
        with the units free and no routing-profile delay on such a task.

        Runtime complexity: O(E) for the E such agents idle on the channel.
        """
        candidates = self.idle_mask.get(channel, 0) & among
        while candidates:
            low = candidates & -candidates
            candidates ^= low
            rec = self.by_slot[low.bit_length() - 1]
            ordering = rec.profile.ordering
            if rec.can_take(channel, units, self.interrupts) and (
                ordering is None or ordering.entry(channel, skills)[1] <= 0.0
            ):
                return True
        return False

    def best_for(self, task_rec: LiveTask, now: float) -> tuple[LiveAgent, float, float] | None:
        """The idle agent a waiting task should go to at ``now``, with its fit and
        context bonus.

        The winner maximises ``(fit + context, -idle_since, -seq)``. In a preferred
        window only the preferred agents are considered. An agent whose routing
        profile delays the task (``routing.ordering``) is not eligible before
        ``arrived_at + delay <= now``; its ranks play no part here (see there).

        Runtime complexity: O(min(P, F + E)) for the P eligible profiles of the task's
        group, its F distinct fits and the E eligible agents idle on its channel with
        enough free units (a mask ``&``): each profile costs an O(1) head look-up (more
        only when heads declined this task or lack units), each fit class a mask ``&``,
        and each eligible idle agent of the best fit class that has one an O(1) key.
        """
        task = task_rec.task
        channel = task.channel
        group = task_rec.group
        if group is not None and not self.idle_mask.get(channel, 0) & group.eligible:
            return None  # the usual case when work waits: no eligible agent is idle
        units = task.units
        policy = self.policy
        best: tuple[float, float, int] | None = None
        winner: tuple[LiveAgent, float, float] | None = None
        if group is None:  # waiting for preferred agents
            for agent_id in sorted(task_rec.preferred):
                rec = self.agents.get(agent_id)
                if rec is None or not rec.can_take(channel, units, self.interrupts):
                    continue
                if task_rec.declined(agent_id) or not rec.satisfies(task_rec.skills):
                    continue
                ordering = rec.profile.ordering
                if (
                    ordering is not None
                    and task_rec.arrived_at + ordering.entry(channel, task_rec.skills)[1] > now
                ):
                    continue  # its delay for the task has not passed
                fit = policy.fit(rec.skill_map, task_rec.skills, task_rec.high_value)
                key = (fit + policy.w_context, -rec.idle_since, -rec.seq)
                if best is None or key > best:
                    best, winner = key, (rec, fit, policy.w_context)
            return winner
        candidates = self.idle_mask.get(channel, 0) & group.eligible
        if group.delay_masks:  # some agents here take these tasks only after a delay
            arrived_at = task_rec.arrived_at
            for delay, bits in group.delay_masks.items():
                if arrived_at + delay > now:
                    candidates &= ~bits
        if candidates and units > 1:
            interrupts = self.interrupts if channel in self.interrupts else None
            for free, bits in self.free_units_mask.items():
                if free < units:
                    short = candidates & bits
                    candidates &= ~bits
                    while interrupts is not None and short:  # may interrupt their work?
                        low = short & -short
                        short ^= low
                        rec = self.by_slot[low.bit_length() - 1]
                        if (rec.free_on(channel, interrupts) or 0) >= units:
                            candidates |= low
        if not candidates:
            return None
        high_value = task_rec.high_value
        profiles = group.profiles[high_value]
        if candidates.bit_count() <= len(profiles):
            # Few eligible idle agents: look at them rather than at every profile, one fit
            # class at a time, best fit first, so only agents of the best fit with one
            # idle are compared. The masks guarantee each can take the task (available,
            # a free slot on the channel, enough free units), so only idle time, seq and
            # declines are read.
            by_slot = self.by_slot
            declined_by = task_rec.declined_by
            fit_masks = group.fit_masks
            if fit_masks is None:
                fit_masks = self._build_fit_classes(group)
            for fit, mask in fit_masks[high_value].items():
                in_class = candidates & mask
                if not in_class:
                    continue
                found: LiveAgent | None = None
                best_since = 0.0
                best_seq = 0
                while in_class:
                    low = in_class & -in_class
                    in_class ^= low
                    rec = by_slot[low.bit_length() - 1]
                    since = rec.idle_since
                    if found is not None and (
                        since > best_since or (since == best_since and rec.seq > best_seq)
                    ):
                        continue  # idle for less long than the best so far
                    if declined_by is not None and rec.id in declined_by:
                        continue
                    found, best_since, best_seq = rec, since, rec.seq
                if found is not None:
                    return found, fit, 0.0
                candidates &= ~mask
                if not candidates:
                    break
            return None
        declined_by = task_rec.declined_by
        for neg_fit, _, profile in profiles:
            fit = -neg_fit
            if best is not None and fit < best[0]:
                break
            idle = profile.idle.get(channel)
            if not idle:
                continue
            for idle_since, seq, rec in idle:
                # ``candidates`` holds exactly the idle agents that can take the task
                # (``rec.can_take(channel, units)``), without a call per agent
                if not candidates & rec.bit or (declined_by is not None and rec.id in declined_by):
                    continue
                key = (fit, -idle_since, -seq)
                if best is None or key > best:
                    best, winner = key, (rec, fit, 0.0)
                break
        return winner

    def check(self) -> None:
        """Assert every internal invariant. Runtime complexity: O(agents x channels)."""
        counts: dict[str, int] = {}
        for agent_id, rec in self.agents.items():
            assert rec.id == agent_id
            assert rec.entry == (rec.idle_since, rec.seq, rec)
            units = 0
            load = dict.fromkeys(rec.capacity, 0)
            for task_rec in rec.work.values():
                assert task_rec.agent is rec or task_rec.holder is rec
                load[task_rec.task.channel] = load.get(task_rec.task.channel, 0) + 1
                units += task_rec.task.units
            assert {c: n for c, n in load.items() if n or c in rec.capacity} == {
                c: n for c, n in rec.load.items() if n or c in rec.capacity
            }, (agent_id, load, rec.load)
            assert units == rec.units_used
            # over capacity only with work held since its profile shrank (``update``)
            reshaped = not rec.reshaped.isdisjoint(rec.work)
            for channel, cap in rec.capacity.items():
                assert rec.load[channel] <= cap or reshaped, (
                    f"agent {agent_id!r} over capacity on {channel}"
                )
            if rec.max_units is not None and rec.work and not reshaped:
                # over the cap only by work some held task's channel may interrupt
                assert (
                    min(
                        rec.max_units - (rec.free_on(t.task.channel, self.interrupts) or 0)
                        for t in rec.work.values()
                    )
                    <= rec.max_units
                ), rec.id
            routable = rec.state is AgentState.AVAILABLE and rec.reserved is None
            for channel, cap in rec.capacity.items():
                free = rec.free_on(channel, self.interrupts)
                want = routable and rec.load[channel] < cap and (free is None or free > 0)
                assert (channel in rec.indexed) == want, (agent_id, channel)
                if want:
                    assert rec.indexed[channel] is rec.entry
                    assert rec.entry in rec.profile.idle[channel]
                    counts[channel] = counts.get(channel, 0) | rec.bit
        for profile in self.profiles.values():
            for bucket in profile.idle.values():
                bucket._check()
        assert {c: m for c, m in self.idle_mask.items() if m} == counts
        by_free: dict[int, int] = {}
        for rec in self.agents.values():
            if rec.max_units is None:
                assert rec.free_key is None
            else:
                assert rec.free_key == rec.max_units - rec.units_used, rec.id
                by_free[rec.free_key] = by_free.get(rec.free_key, 0) | rec.bit
        assert {k: m for k, m in self.free_units_mask.items() if m} == by_free
        assert {rec.slot: rec for rec in self.agents.values()} == self.by_slot
        on_channel: dict[str, int] = {}
        by_max: dict[int, int] = {}
        for rec in self.agents.values():
            for channel in rec.capacity:
                on_channel[channel] = on_channel.get(channel, 0) | rec.bit
            if rec.max_units is not None:
                by_max[rec.max_units] = by_max.get(rec.max_units, 0) | rec.bit
            if rec.reserved is not None:
                assert rec.state is AgentState.AVAILABLE, rec.id
                assert rec.reserved.reserved_by and rec in rec.reserved.reserved_by
        assert {c: m for c, m in self.on_channel.items() if m} == on_channel
        assert {k: m for k, m in self.by_max_units.items() if m} == by_max
        assert self.available == sum(
            rec.bit for rec in self.agents.values() if rec.state is AgentState.AVAILABLE
        )
        assert self.offline == sum(
            rec.bit for rec in self.agents.values() if rec.state is AgentState.OFFLINE
        )
        assert len(self.profiles) <= self.profile_limit, (len(self.profiles), self.profile_limit)
        assert len({profile.seq for profile in self.profiles.values()}) == len(self.profiles)
        for rec in self.agents.values():
            assert self.profiles.get(rec.profile.key) is rec.profile, rec.id
            assert rec.plain == (rec.max_units is None and rec.profile.ordering is None)
        for key, profile in self.profiles.items():
            assert profile.key == key
            skills = profile.skills
            assert key == skills or key == (skills, key[1]), key
            self._check_ordering(profile)
            members = [rec for rec in self.agents.values() if rec.profile is profile]
            assert profile.mask == sum(rec.bit for rec in members)
            links = sorted(
                (group.channel, id(group.buckets), fits, group.units)
                for group, fits in profile.fits.items()
            )
            listed = sorted(
                (channel, id(buckets), fits, units)
                for channel, entries in profile.groups.items()
                for buckets, fits, units in entries
            )
            assert links == listed, f"profile {skills!r}: group lists and fits disagree"
            for group, fits in profile.fits.items():
                assert group.eligible & profile.mask == profile.mask
                if group.fit_masks is None:
                    continue  # not built yet
                for high_value, fit in enumerate(fits):
                    masks = group.fit_masks[high_value]
                    assert list(masks) == sorted(masks, reverse=True)
                    assert masks[fit] & profile.mask == profile.mask
                    assert sum(masks.values()) == group.eligible  # disjoint classes

    @staticmethod
    def _check_ordering(profile: Profile) -> None:
        """Assert that an ordered profile's ranked links and delays are its links with
        its routing profile's entries, and that a plain profile has none."""
        ordering = profile.ordering
        if ordering is None:
            assert not profile.ranked and not profile.delays, profile.key
            return
        ranked = sorted(
            (channel, id(buckets), fits, units, rank, delay)
            for channel, entries in profile.ranked.items()
            for buckets, fits, units, rank, delay in entries
        )
        expected = sorted(
            (
                group.channel,
                id(group.buckets),
                fits,
                group.units,
                *ordering.entry(group.channel, group.skills),
            )
            for group, fits in profile.fits.items()
        )
        assert ranked == expected, f"profile {profile.key!r}: ranked links"
        delays = {group: ordering.entry(group.channel, group.skills)[1] for group in profile.fits}
        assert profile.delays == {g: d for g, d in delays.items() if d > 0}, profile.key

    def check_links(self, groups: Iterable[Group]) -> None:
        """Assert that ``groups`` (all the queue's) and the pool's profiles are linked
        exactly when the profile meets the group's skills, both ways, and that no group
        lists a profile the pool released. Runtime complexity: O(G x P)."""
        groups = list(groups)
        known = {id(group) for group in groups}
        for profile in self.profiles.values():
            for group in profile.fits:
                assert id(group) in known, f"profile linked to released group {group.key!r}"
        for group in groups:
            expected = {
                id(profile)
                for profile in self.profiles.values()
                if satisfies(profile.skill_map, group.skills)
            }
            for high_value, entries in enumerate(group.profiles):
                assert entries == sorted(entries), f"group {group.key!r}: profiles unsorted"
                listed = [id(profile) for _, _, profile in entries]
                assert len(listed) == len(set(listed)) and set(listed) == expected, (
                    f"group {group.key!r}: profiles {high_value} are not the eligible ones"
                )
                for neg_fit, seq, profile in entries:
                    assert profile.fits[group][high_value] == -neg_fit and profile.seq == seq
            assert group.eligible == sum(profile.mask for _, _, profile in group.profiles[0]), (
                f"group {group.key!r}: eligible mask"
            )
            delay_masks: dict[float, int] = {}
            for _, _, profile in group.profiles[0]:
                delay = profile.delays.get(group)
                if delay is not None and profile.mask:
                    delay_masks[delay] = delay_masks.get(delay, 0) | profile.mask
            assert group.delay_masks == delay_masks, f"group {group.key!r}: delay masks"
