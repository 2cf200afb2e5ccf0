"""Agent-side ordering: routing profiles that rank and delay work, per agent group.

Amazon Connect's *routing profiles* (and Genesys' *bullseye by agent*, TaskRouter's
worker-side *task queue ordering*) let a group of agents say which work they take
first and which only once it has waited: "chat before email; email only after 60 s".
A :class:`RoutingProfile` says it here, on top of the global score:

* each entry maps a channel, or a ``(channel, skill)`` pair, to a **rank** (an
  integer, lower first; unlisted work has rank 0) and a **delay** (seconds, 0 by
  default): a task on that entry is eligible for the profile's agents only once it
  has waited ``delay`` seconds, i.e. at ``arrived_at + delay <= now`` (the same float
  sum as the timer instant, so the timer and the check never disagree);
* the entry that applies to a task is, among the ``(channel, skill)`` entries whose
  skill the task currently requires (its requirement after relaxation steps), the
  one with the lowest ``(rank, delay)``; failing that, the channel's own entry;
  failing that, rank 0 and no delay. It depends only on the task's channel and
  current skills, so it is fixed per task group (``routing._state.Group``).

How it composes with the score (``routing.router`` states the rules):

* an agent looking for work takes, among the waiting tasks eligible for it (skills,
  capacity, cooldowns *and* delays), those of its lowest rank that has any, and of
  those the one with the best ``score + fit + context``: rank first, score second;
* a task looking for an idle agent ignores ranks (an idle agent with a free slot has
  no other eligible work, by work conservation, so its ranks could only pick this
  task anyway) but not delays: an agent whose delay for the task has not passed is
  not eligible for it yet.

Profiles are declared by name in the policy (``Policy.routing_profiles``) and an agent
names its own (``Agent.routing_profile``), as in Amazon Connect, where agents share a
profile rather than each carrying one. That is not only shorter: it fixes, for every
task, the instants at which it becomes eligible for more agents (``arrived_at + d`` for
each delay ``d`` some profile of the policy has on it), whoever is in the pool, so the
router arms them as ordinary breakpoints when the task is placed, and a task waiting
when a delay passes is routed at that instant, exactly, with no re-arming when agents
come and go (``TaskQueue.locate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from routing.errors import InvalidInputError, InvalidTypeError
from routing.model import Skills, check_duration, check_id, is_bool, to_int

OrderingEntry: TypeAlias = tuple[str, str | None, int, float]
"""``(channel, skill or None, rank, delay)``: one entry of a routing profile."""

UNLISTED: tuple[int, float] = (0, 0.0)
"""The ``(rank, delay)`` of work no entry of a profile matches."""


def _key(key: object) -> tuple[str, str | None]:
    if isinstance(key, str):
        return check_id("routing profile channel", key), None
    if isinstance(key, tuple) and len(key) == 2:
        channel, skill = key
        return (
            check_id("routing profile channel", channel),
            check_id(f"routing profile entry {key!r}: skill", skill),
        )
    raise InvalidInputError(
        f"routing profile entry {key!r} must be a channel or a (channel, skill) pair"
    )


def _rank_and_delay(key: tuple[str, str | None], value: object) -> tuple[int, float]:
    where = f"routing profile entry {key[0] if key[1] is None else key!r}"
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise InvalidInputError(f"{where}: {value!r} must be a rank or a (rank, delay) pair")
        rank_value, delay_value = value
    else:
        rank_value, delay_value = value, 0.0
    rank = None if is_bool(rank_value) else to_int(rank_value)
    if rank is None:
        raise InvalidInputError(f"{where}: rank {rank_value!r} must be an integer")
    return rank, check_duration(f"{where}: delay", delay_value)


def _entries(value: Any) -> tuple[OrderingEntry, ...]:
    """The entries as sorted ``(channel, skill, rank, delay)``, validated."""
    if isinstance(value, tuple) and all(isinstance(e, tuple) and len(e) == 4 for e in value):
        pairs: Iterable[tuple[object, object]] = [
            (c if s is None else (c, s), (r, d)) for c, s, r, d in value
        ]
    elif isinstance(value, Mapping):
        pairs = value.items()
    else:
        raise InvalidTypeError(
            f"routing profile {value!r} must map a channel or a (channel, skill) pair to "
            "a rank or a (rank, delay) pair"
        )
    entries: dict[tuple[str, str | None], tuple[int, float]] = {}
    for raw_key, raw_value in pairs:
        key = _key(raw_key)
        if key in entries:
            raise InvalidInputError(f"routing profile entry {raw_key!r} appears twice")
        entries[key] = _rank_and_delay(key, raw_value)
    return tuple(
        sorted(
            ((channel, skill, rank, delay) for (channel, skill), (rank, delay) in entries.items()),
            key=lambda e: (e[0], e[1] or "", e[1] is not None),
        )
    )


@attrs.frozen
class RoutingProfile:
    """How a group of agents ranks and delays work (see the module docstring).

    >>> profile = RoutingProfile({"chat": 1, "email": (2, 60), ("email", "vip"): 0})
    >>> profile.entry("email", (("billing", 2),)), profile.entry("email", (("vip", 1),))
    ((2, 60.0), (0, 0.0))
    >>> profile.entry("voice", ())
    (0, 0.0)

    Attributes:
        entries: ``(channel, skill or None, rank, delay)``, sorted; given as a mapping
            from a channel or a ``(channel, skill)`` pair to a rank (an integer) or a
            ``(rank, delay)`` pair (the delay in seconds: 0, or at least
            ``MIN_DURATION``).
    """

    entries: tuple[OrderingEntry, ...] = attrs.field(converter=_entries)

    def entry(self, channel: str, skills: Skills) -> tuple[int, float]:
        """``(rank, delay)`` for a task on ``channel`` that requires ``skills`` now.

        Runtime complexity: O(entries).
        """
        found: tuple[int, float] | None = None
        fallback = UNLISTED
        for entry_channel, skill, rank, delay in self.entries:
            if entry_channel != channel:
                continue
            if skill is None:
                fallback = (rank, delay)
            elif any(name == skill for name, _ in skills) and (
                found is None or (rank, delay) < found
            ):
                found = (rank, delay)
        return fallback if found is None else found

    @property
    def delays(self) -> frozenset[float]:
        """Every positive delay of an entry."""
        return frozenset(delay for _, _, _, delay in self.entries if delay > 0)


def routing_profiles(value: Any) -> tuple[tuple[str, RoutingProfile], ...]:
    """``{name: RoutingProfile or its entries}`` (or its pairs) as sorted pairs: the
    converter of ``Policy.routing_profiles``."""
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            f"policy routing_profiles {value!r} must map a name to a routing profile"
        )
    result: dict[str, RoutingProfile] = {}
    for name, profile in value.items():
        name = check_id("policy routing_profiles: name", name)
        if not isinstance(profile, RoutingProfile):
            try:
                profile = RoutingProfile(profile)
            except InvalidInputError as error:
                raise type(error)(f"policy routing_profiles[{name!r}]: {error}") from None
        result[name] = profile
    return tuple(sorted(result.items()))
