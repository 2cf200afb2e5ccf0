"""Frozen value types: skills, requirements, customers, tasks, agents, offers, context.

Values are immutable (``attrs.frozen``); change one with ``attrs.evolve``. Constructors
validate, so a malformed value never reaches the router. Beside them live only pure
functions on values (``normalise_skills``, ``satisfies``, the number checks) and the
fast constructors of the values the router builds per offer; the router's mutable
bookkeeping is in ``routing._state`` and the modules above it, the events in
``routing.events``.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from routing.errors import InvalidDurationError, InvalidInputError, InvalidLevelError

LEVEL_MIN = 1
LEVEL_MAX = 5

Skills: TypeAlias = tuple[tuple[str, int], ...]
"""Skills as a sorted tuple of ``(skill, level)`` pairs: hashable, so usable as a key."""

SkillsLike: TypeAlias = Mapping[str, int] | Iterable[tuple[str, int]]


def normalise_skills(value: SkillsLike) -> Skills:
    """Return ``value`` as a sorted tuple of ``(skill, level)``, validating every level.

    >>> normalise_skills({"tech": 2, "billing": 3})
    (('billing', 3), ('tech', 2))

    Raises:
        InvalidLevelError: a level is not an integer from 1 to 5.
        InvalidInputError: a skill name is empty or repeated.
    """
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    seen: set[str] = set()
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise InvalidInputError(f"skill entry {pair!r} is not a (skill, level) pair")
        name, level = pair
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"skill name {name!r} must be a non-empty string")
        if name in seen:
            raise InvalidInputError(f"skill {name!r} appears twice")
        seen.add(name)
        if isinstance(level, bool) or not isinstance(level, int):
            raise InvalidLevelError(f"skill {name!r}: level {level!r} is not an integer")
        if not LEVEL_MIN <= level <= LEVEL_MAX:
            raise InvalidLevelError(
                f"skill {name!r}: level {level} is outside {LEVEL_MIN}-{LEVEL_MAX}"
            )
    return tuple(sorted(pairs))


def check_duration(name: str, value: float) -> float:
    """Return ``value`` if it is a finite, non-negative number of seconds.

    Raises:
        InvalidDurationError: naming ``name`` and the bad value.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDurationError(f"{name} {value!r} is not a number")
    if not math.isfinite(value) or value < 0:
        raise InvalidDurationError(f"{name} {value!r} must be finite and non-negative")
    return float(value)


def check_finite(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number: an instant on any epoch, a customer
    value or a priority.

    Raises:
        InvalidDurationError: naming ``name`` and the bad value.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDurationError(f"{name} {value!r} is not a number")
    if not math.isfinite(value):
        raise InvalidDurationError(f"{name} {value!r} must be finite")
    return float(value)


def _finite(value: object) -> bool:
    """Whether ``value`` is a finite plain ``float`` or ``int`` (a fast pre-check: other
    numeric types go through :func:`check_finite`)."""
    cls = value.__class__
    return (cls is float or cls is int) and math.isfinite(value)  # type: ignore[arg-type]


def satisfies(agent_skills: Mapping[str, int], required: Skills) -> bool:
    """Whether an agent with ``agent_skills`` meets every ``(skill, min_level)``."""
    return all(agent_skills.get(skill, 0) >= level for skill, level in required)


def _step_after(value: float) -> float:
    return check_duration("relaxation step after", value)


@attrs.frozen
class RelaxStep:
    """From ``after`` seconds of waiting on, the task requires only ``skills``."""

    after: float = attrs.field(converter=_step_after)
    skills: Skills = attrs.field(converter=normalise_skills)


def _steps(value: Iterable[RelaxStep]) -> tuple[RelaxStep, ...]:
    steps = tuple(value)
    for step in steps:
        if not isinstance(step, RelaxStep):
            raise InvalidInputError(f"relaxation step {step!r} is not a RelaxStep")
    for earlier, later in itertools.pairwise(steps):
        if not later.after > earlier.after:
            raise InvalidInputError(
                f"relaxation steps must have increasing 'after': {earlier.after} then {later.after}"
            )
    return steps


@attrs.frozen
class Requirement:
    """Skills a task needs, each with a minimum level, and optional relaxation steps.

    >>> r = Requirement({"billing": 3}, steps=(RelaxStep(after=30, skills={"billing": 1}),))
    >>> r.skills_at(arrived_at=100.0, now=129.0), r.skills_at(arrived_at=100.0, now=130.0)
    ((('billing', 3),), (('billing', 1),))
    """

    skills: Skills = attrs.field(default=(), converter=normalise_skills)
    steps: tuple[RelaxStep, ...] = attrs.field(default=(), converter=_steps)

    def skills_at(self, arrived_at: float, now: float) -> Skills:
        """The skills required at ``now`` for a task that arrived at ``arrived_at``."""
        current = self.skills
        for step in self.steps:
            if arrived_at + step.after <= now:
                current = step.skills
            else:
                break
        return current

    def next_step_at(self, arrived_at: float, now: float) -> float | None:
        """When the next relaxation step after ``now`` applies, or ``None``."""
        for step in self.steps:
            at = arrived_at + step.after
            if at > now:
                return at
        return None


@attrs.frozen
class Customer:
    """Who a task is for. ``value`` is a relative worth (e.g. 0-10, or revenue)."""

    id: str
    value: float = 0.0
    tier: str = "standard"
    is_new: bool = False

    def __attrs_post_init__(self) -> None:
        check_finite(f"customer {self.id!r} value", self.value)


class AgentState(enum.Enum):
    """Whether an agent may receive new work."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"
    NOT_RESPONDING = "not_responding"


class TaskState(enum.Enum):
    """Where a task is in its lifecycle."""

    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Task:
    """A unit of work: a call, chat, message, email or back-office item.

    Attributes:
        id: unique among active tasks.
        channel: e.g. ``"voice"``, ``"chat"``, ``"email"``, ``"backoffice"``.
        requirement: skills needed, with relaxation steps.
        customer: who it is for; drives value and context (last agent).
        priority: business priority added to the score (weighted by the policy).
        sla_target: seconds after arrival by which it should be answered. With
            ``due_at``, the lead time over which urgency ramps up to the due date.
        due_at: absolute deadline (back-office work), instead of arrival + sla_target.
        created_at: when the work really arrived, if before ``submit`` (defaults to it).
        units: capacity units it uses on an agent with ``max_units``.
        preferred_agents: agents to wait for during ``preferred_window`` seconds.
        ttl: seconds after arrival after which the task, if still queued or offered,
            leaves the router with an ``Expired`` event (TaskRouter's task timeout);
            ``None``: it waits until taken or cancelled.
        attributes: free-form data carried along, never interpreted.
    """

    id: str
    channel: str
    requirement: Requirement = Requirement()
    customer: Customer | None = None
    priority: float = 0.0
    sla_target: float | None = None
    due_at: float | None = None
    created_at: float | None = None
    units: int = 1
    preferred_agents: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    preferred_window: float = 0.0
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    ttl: float | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.channel, str) or not self.channel:
            raise InvalidInputError(f"task {self.id!r}: channel {self.channel!r} is empty")
        # A task is built for every contact: check the usual case (plain finite numbers)
        # without formatting the messages the detailed checks below would need.
        sla_target, due_at, created_at = self.sla_target, self.due_at, self.created_at
        if not (
            _finite(self.priority)
            and (sla_target is None or (_finite(sla_target) and sla_target > 0))
            and (due_at is None or _finite(due_at))
            and (created_at is None or _finite(created_at))
            and _finite(self.preferred_window)
            and self.preferred_window >= 0
            and self.units.__class__ is int
            and self.units >= 1
            and (self.ttl is None or (_finite(self.ttl) and self.ttl > 0))
        ):
            self._check_numbers()

    def _check_numbers(self) -> None:
        """The detailed checks, raising the first problem in field order."""
        check_finite(f"task {self.id!r} priority", self.priority)
        if self.sla_target is not None:
            check_duration(f"task {self.id!r} sla_target", self.sla_target)
            if self.sla_target == 0:
                raise InvalidDurationError(f"task {self.id!r} sla_target must be positive")
        if self.due_at is not None:
            check_finite(f"task {self.id!r} due_at", self.due_at)
        if self.created_at is not None:
            check_finite(f"task {self.id!r} created_at", self.created_at)
        if isinstance(self.units, bool) or not isinstance(self.units, int) or self.units < 1:
            raise InvalidInputError(f"task {self.id!r}: units {self.units!r} must be >= 1")
        check_duration(f"task {self.id!r} preferred_window", self.preferred_window)
        if self.ttl is not None:
            check_duration(f"task {self.id!r} ttl", self.ttl)
            if self.ttl == 0:
                raise InvalidDurationError(f"task {self.id!r} ttl must be positive")


def _capacity(value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    pairs = tuple(sorted(value.items()))
    for channel, slots in pairs:
        if not isinstance(channel, str) or not channel:
            raise InvalidInputError(f"channel name {channel!r} must be a non-empty string")
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise InvalidInputError(f"capacity for channel {channel!r}: {slots!r} must be >= 1")
    return pairs


@attrs.frozen
class Agent:
    """An agent's profile: skills with levels, and how much work it can hold.

    ``capacity`` is the number of concurrent tasks per channel (voice 1, chat 3, ...);
    ``max_units``, if set, caps the total units of all its tasks (a voice task with
    ``units == max_units`` then blocks everything else while it lasts).
    """

    id: str
    skills: Skills = attrs.field(converter=normalise_skills)
    capacity: tuple[tuple[str, int], ...] = attrs.field(converter=_capacity)
    max_units: int | None = None

    def __attrs_post_init__(self) -> None:
        if not self.capacity:
            raise InvalidInputError(f"agent {self.id!r} has no channel capacity")
        if self.max_units is not None and (
            isinstance(self.max_units, bool)
            or not isinstance(self.max_units, int)
            or self.max_units < 1
        ):
            raise InvalidInputError(f"agent {self.id!r}: max_units {self.max_units!r} must be >= 1")


@attrs.frozen
class ScoreTerms:
    """Why an offer was made: the terms of the pair's score at the offer instant."""

    value: float
    priority: float
    urgency: float
    fit: float
    context: float

    @property
    def total(self) -> float:
        """The sum of every term."""
        return self.value + self.priority + self.urgency + self.fit + self.context


@attrs.frozen
class Offer:
    """A reservation of ``task_id`` for ``agent_id``, open until accepted, declined or expired."""

    id: int
    task_id: str
    agent_id: str
    made_at: float
    expires_at: float | None
    terms: ScoreTerms


# -- fast construction of the values the router makes on every offer --------------------
#
# A frozen attrs class's generated ``__init__`` sets each field through
# ``object.__setattr__`` (keyword calls cost more again). The router builds a
# ``ScoreTerms``, an ``Offer`` and an ``Offered`` for every task it routes; writing
# their slots through the slot descriptors builds equal objects in about half the time
# (ScoreTerms 330 ns instead of 630 ns positionally, 930 ns with keywords), a few
# percent of a lifecycle. This is valid only while these classes have no defaults,
# converters, validators or ``__attrs_post_init__``; ``tests/routing/test_model.py``
# checks that and that both ways build equal values.


def slot_setters(cls: type, *names: str) -> tuple[Callable[[Any, Any], None], ...]:
    """The ``__set__`` of the slot descriptors ``names`` of the frozen attrs class ``cls``,
    which must name each of its fields once (so that none is left unset).

    They bypass its frozen ``__setattr__``: use them only on an instance under
    construction (``object.__new__(cls)``), and check its values as its ``__init__``
    would.

    Raises:
        TypeError: ``names`` are not exactly the fields of ``cls``.
    """
    fields = sorted(field.name for field in attrs.fields(cls))
    if sorted(names) != fields:
        raise TypeError(f"{cls.__name__} has the fields {fields}, not {sorted(names)}")
    return tuple(cls.__dict__[name].__set__ for name in names)


_new = object.__new__
_terms_value, _terms_priority, _terms_urgency, _terms_fit, _terms_context = slot_setters(
    ScoreTerms, "value", "priority", "urgency", "fit", "context"
)
_offer_id, _offer_task_id, _offer_agent_id, _offer_made_at, _offer_expires_at, _offer_terms = (
    slot_setters(Offer, "id", "task_id", "agent_id", "made_at", "expires_at", "terms")
)


def new_score_terms(
    value: float, priority: float, urgency: float, fit: float, context: float
) -> ScoreTerms:
    """``ScoreTerms(value, priority, urgency, fit, context)``, without attrs' ``__init__``."""
    terms: ScoreTerms = _new(ScoreTerms)
    _terms_value(terms, value)
    _terms_priority(terms, priority)
    _terms_urgency(terms, urgency)
    _terms_fit(terms, fit)
    _terms_context(terms, context)
    return terms


def new_offer(
    id: int,
    task_id: str,
    agent_id: str,
    made_at: float,
    expires_at: float | None,
    terms: ScoreTerms,
) -> Offer:
    """``Offer(id, task_id, agent_id, made_at, expires_at, terms)``, without attrs' ``__init__``."""
    offer: Offer = _new(Offer)
    _offer_id(offer, id)
    _offer_task_id(offer, task_id)
    _offer_agent_id(offer, agent_id)
    _offer_made_at(offer, made_at)
    _offer_expires_at(offer, expires_at)
    _offer_terms(offer, terms)
    return offer


@attrs.frozen
class CustomerContext:
    """What the router remembers about a customer across channels."""

    last_agent_id: str | None
    open_issues: tuple[str, ...]
