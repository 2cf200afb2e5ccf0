"""Frozen value types: skills, requirements, customers, tasks, agents, offers, context.

Values are immutable (``attrs.frozen``); change one with ``attrs.evolve``. Constructors
validate, so a malformed value never reaches the router. Beside them live only pure
functions on values (``normalise_skills``, ``satisfies``, the number checks) and the
fast constructors of the values the router builds per offer; the router's mutable
bookkeeping is in ``routing._state`` and the modules above it, the events in
``routing.events``.
"""

from __future__ import annotations

import decimal
import enum
import itertools
import math
import numbers
import operator
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeAlias

import attrs

from routing.errors import (
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidLevelError,
    InvalidTypeError,
    ScoreOverflowError,
)

LEVEL_MIN = 1
LEVEL_MAX = 5

Skills: TypeAlias = tuple[tuple[str, int], ...]
"""Skills as a sorted tuple of ``(skill, level)`` pairs: hashable, so usable as a key."""

SkillsLike: TypeAlias = Mapping[str, int] | Iterable[tuple[str, int]]


# -- the number and id checks --------------------------------------------------------
#
# Every number a value or the router takes is converted to a plain ``float`` (or
# ``int``) at the boundary: numpy and pandas scalars, ``Decimal`` and ``Fraction``
# are numbers like any other, and nothing but plain floats and ints reaches the
# router's arithmetic (a ``numpy.float64`` customer value once made a numpy bool the
# index of a bucket). The range limits below keep that arithmetic exact enough to be
# right: they are far beyond any real input, and an input beyond them is refused
# with a message that says why, instead of silently routing wrongly.

MAX_INSTANT: Final = 2.0**42
"""Every instant (``now``, ``created_at``, ``due_at``) and every duration is below this
in magnitude: 2**42 s is about 139,000 years, and float seconds below it are exact to
under 1 ms (their spacing is at most 2**-11 s below 2**42 and 2**-10 s below 2**43,
where an instant plus a duration may land). At ``now`` around 1e17 a float cannot
even tell ``now`` from ``now + 5``: an offer timeout there would expire at once."""

MIN_DURATION: Final = 1e-3
"""Every positive duration is at least 1 ms: more than the spacing of float instants
below ``2 * MAX_INSTANT``, so an instant plus a duration is always a later instant, and
an urgency slope ``w_sla / sla_target`` stays finite (``sla_target=5e-324`` makes it
infinite and the task's score NaN: it would never be offered). A duration may also be
exactly 0 where 0 means "none" (a preferred window, a relaxation step at arrival)."""

MAX_SCORE: Final = 2.0**1000
"""Bound on every term of a score: a weight times a customer value or a priority, an
urgency slope times an instant. A task's score and an offer's total are sums of a
handful of such terms (``routing.policy``), so with each term below 2**1000 no sum
overflows the largest float (about 2**1024) and no score is infinite or NaN, which
would leave the task unrankable, never offered. The constructors keep every term
below it (:data:`MAX_VALUE`, and ``Policy``'s bound on its slopes), so the router
never checks a score."""

MAX_VALUE: Final = 2.0**500
"""Bound on the magnitude of a customer value, a task priority and every policy weight
(about 3.3e150, beyond any real figure): a weight times a value is then at most
:data:`MAX_SCORE`."""

_FLOAT_MAX: Final = sys.float_info.max
_MAX_SPAN: Final = math.nextafter(MAX_INSTANT, 0.0)
"""The largest float below ``MAX_INSTANT``: the fast checks' inclusive bound."""
_REALS = (numbers.Real, decimal.Decimal)


def shown(value: object) -> str:
    """``repr(value)`` for an error message, or a description where ``repr`` itself
    fails (an int of more digits than Python turns into text)."""
    try:
        return repr(value)
    except ValueError:
        bits = value.bit_length() if isinstance(value, int) else None
        return f"<{type(value).__name__} of {bits} bits>" if bits else type(value).__name__


def to_float(
    name: str, value: object, error: type[InvalidInputError] = InvalidDurationError
) -> float:
    """``value`` as a finite plain ``float``: any real number (``int``, ``float``, numpy
    and pandas scalars, ``Fraction``: anything ``numbers.Real``; and ``Decimal``), but no
    bool, string or array.

    >>> from decimal import Decimal
    >>> to_float("x", Decimal("2.5")), to_float("x", 3)
    (2.5, 3.0)

    Raises:
        InvalidDurationError (or ``error``): naming ``name``, the value and what is wrong.
    """
    if value.__class__ is float or value.__class__ is int:
        if -_FLOAT_MAX <= value <= _FLOAT_MAX:
            return float(value)
    elif is_bool(value) or not isinstance(value, _REALS):
        raise error(f"{name} {shown(value)} is not a number")
    try:
        result = float(value)
    except OverflowError:  # an int or a Fraction beyond the largest float
        raise error(f"{name} {shown(value)} is too large: beyond the largest float") from None
    except ValueError:  # a signalling Decimal NaN
        raise error(f"{name} {shown(value)} must be finite") from None
    if not math.isfinite(result):
        if isinstance(value, decimal.Decimal) and value.is_finite():
            raise error(f"{name} {shown(value)} is too large: beyond the largest float")
        raise error(f"{name} {shown(value)} must be finite")
    return result


def check_finite(name: str, value: float) -> float:
    """Return ``value`` as a plain float if it is a finite number: a customer value, a
    priority (see :func:`to_float` for what is a number).

    Raises:
        InvalidDurationError: naming ``name`` and the bad value.
    """
    return to_float(name, value)


def check_value(name: str, value: float) -> float:
    """Return ``value`` as a plain float if it is a finite number of magnitude at most
    :data:`MAX_VALUE`: a customer value, a priority, a policy weight.

    Raises:
        InvalidDurationError: ``value`` is not a finite number.
        ScoreOverflowError: it is beyond ``MAX_VALUE``, naming ``name`` and the value.
    """
    result = to_float(name, value)
    if not -MAX_VALUE <= result <= MAX_VALUE:
        raise ScoreOverflowError(
            f"{name} {shown(value)} is beyond MAX_VALUE = 2**500 (~3.3e150): times a policy "
            "weight, a score could overflow to infinity and the task would never be offered"
        )
    return result


def check_instant(name: str, value: float) -> float:
    """Return ``value`` as a plain float if it is an instant: a finite number of seconds,
    on any epoch, below :data:`MAX_INSTANT` in magnitude.

    Raises:
        InvalidDurationError: naming ``name`` and the bad value.
    """
    result = to_float(name, value)
    if not -MAX_INSTANT < result < MAX_INSTANT:
        raise InvalidDurationError(
            f"{name} {shown(value)} is beyond MAX_INSTANT = ±2**42 s (~139,000 years): float "
            "seconds that far out are not exact to 1 ms"
        )
    return result


def check_duration(name: str, value: float, *, zero: bool = True) -> float:
    """Return ``value`` as a plain float if it is a duration in seconds: at least
    :data:`MIN_DURATION` (or exactly 0 when ``zero``) and below :data:`MAX_INSTANT`.

    Raises:
        InvalidDurationError: naming ``name``, the bad value and why.
    """
    result = to_float(name, value)
    if result < 0:
        raise InvalidDurationError(f"{name} {shown(value)} must be finite and non-negative")
    if result == 0 and zero:
        return 0.0
    if result == 0:
        raise InvalidDurationError(f"{name} {shown(value)} must be positive")
    if result < MIN_DURATION:
        raise InvalidDurationError(
            f"{name} {shown(value)} is shorter than MIN_DURATION = 1 ms: added to an instant "
            "it may round away, and a slope over it may overflow"
        )
    if result >= MAX_INSTANT:
        raise InvalidDurationError(
            f"{name} {shown(value)} is not below MAX_INSTANT = 2**42 s (~139,000 years)"
        )
    return result


def is_bool(value: object) -> bool:
    """Whether ``value`` is a bool: Python's or numpy's (``numpy.bool_``)."""
    cls = value.__class__
    return cls is bool or (cls.__name__ in ("bool", "bool_") and cls.__module__ == "numpy")


def to_bool(name: str, value: object) -> bool:
    """``value`` as a plain ``bool`` if it is one (Python's or numpy's).

    Raises:
        InvalidTypeError: ``value`` is not a bool (``1``, ``"yes"`` and ``None`` are not).
    """
    if value is True or value is False:
        return value
    if is_bool(value):
        return bool(value)
    raise InvalidTypeError(f"{name} {shown(value)} must be a bool")


def to_int(value: object) -> int | None:
    """``value`` as a plain ``int`` if it is an integer (``int``, numpy integers:
    anything ``numbers.Integral``) and not a bool; else ``None``."""
    if value.__class__ is int:
        return value
    if is_bool(value) or not isinstance(value, numbers.Integral):
        return None
    return operator.index(value)


def check_id(name: str, value: object) -> str:
    """``value`` as a plain ``str`` if it is a non-empty string (a task, agent, customer,
    channel or skill id; a ``str`` subclass such as ``numpy.str_`` becomes a ``str``).

    Raises:
        InvalidIdError: naming ``name`` and the bad value.
    """
    if isinstance(value, str) and value:
        return value if value.__class__ is str else str.__str__(value)
    raise InvalidIdError(f"{name} {shown(value)} must be a non-empty string")


def _plain_between(value: object, low: float, high: float) -> bool:
    """Whether ``value`` is a plain ``float`` or ``int`` with ``low <= value <= high``: the
    fast pre-check of the constructors (any other type, NaN, infinities and huge ints
    fail it and go through the detailed checks above). Comparisons of an ``int`` with a
    ``float`` are exact in Python, so no conversion can overflow here."""
    cls = value.__class__
    return (cls is float or cls is int) and low <= value <= high  # type: ignore[operator]


def normalise_skills(value: SkillsLike) -> Skills:
    """Return ``value`` as a sorted tuple of ``(skill, level)``, validating every level.

    >>> normalise_skills({"tech": 2, "billing": 3})
    (('billing', 3), ('tech', 2))

    Raises:
        InvalidLevelError: a level is not an integer from 1 to 5.
        InvalidIdError: a skill name is not a non-empty string.
        InvalidInputError: a skill name is repeated, or an entry is not a pair.
        InvalidTypeError: ``value`` is neither a mapping nor an iterable of pairs.
    """
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidTypeError(f"skills {shown(value)} must be a mapping of skill to level")
    else:
        pairs = list(value)
    seen: set[str] = set()
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise InvalidInputError(f"skill entry {pair!r} is not a (skill, level) pair")
        name, level = pair
        if not (name.__class__ is str and name):
            name = check_id("skill name", name)
        if name in seen:
            raise InvalidInputError(f"skill {name!r} appears twice")
        seen.add(name)
        if level.__class__ is not int:
            converted = to_int(level)
            if converted is None:
                raise InvalidLevelError(f"skill {name!r}: level {level!r} is not an integer")
            level = converted
        if not LEVEL_MIN <= level <= LEVEL_MAX:
            raise InvalidLevelError(
                f"skill {name!r}: level {level} is outside {LEVEL_MIN}-{LEVEL_MAX}"
            )
        pairs[i] = (name, level)
    return tuple(sorted(pairs))


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
    if value.__class__ is tuple and not value:
        return ()  # the usual case
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidTypeError(f"relaxation steps {shown(value)} must be an iterable of RelaxStep")
    steps = tuple(value)
    for step in steps:
        if not isinstance(step, RelaxStep):
            raise InvalidTypeError(f"relaxation step {step!r} is not a RelaxStep")
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
    """Who a task is for. ``value`` is a relative worth (e.g. 0-10, or revenue): any
    real number of magnitude at most ``MAX_VALUE``, stored as a plain float (see
    :func:`to_float`)."""

    id: str
    value: float = 0.0
    tier: str = "standard"
    is_new: bool = False

    def __attrs_post_init__(self) -> None:
        if not (
            self.id.__class__ is str
            and self.id
            and _plain_between(self.value, -MAX_VALUE, MAX_VALUE)
            and self.tier.__class__ is str
            and self.is_new.__class__ is bool
        ):
            _set = object.__setattr__
            _set(self, "id", check_id("customer id", self.id))
            _set(self, "value", check_value(f"customer {self.id!r} value", self.value))
            if not isinstance(self.tier, str):
                raise InvalidTypeError(f"customer {self.id!r}: tier {self.tier!r} is not a string")
            _set(self, "is_new", to_bool(f"customer {self.id!r} is_new", self.is_new))


class AgentState(enum.Enum):
    """Whether an agent may receive new work."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"
    NOT_RESPONDING = "not_responding"


class TaskState(enum.Enum):
    """Where a task is in its lifecycle."""

    SCHEDULED = "scheduled"
    """Submitted with a ``not_before`` still to come: invisible to routing until then."""
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    WRAP_UP = "wrap_up"
    """Completed with after-contact work: its agent still holds its slot and units."""
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    if value.__class__ is tuple and not value:
        return ()  # the usual case
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidTypeError(
            f"preferred_agents {shown(value)} must be an iterable of agent ids, not a single id"
        )
    ids = tuple(value)
    if not all(agent_id.__class__ is str and agent_id for agent_id in ids):
        ids = tuple(check_id("preferred agent id", agent_id) for agent_id in ids)
    return ids


@attrs.frozen
class Task:
    """A unit of work: a call, chat, message, email or back-office item.

    Numbers may be any real type (numpy, ``Decimal``, ``Fraction``); they are stored as
    plain floats. Instants are below ``MAX_INSTANT`` in magnitude and positive
    durations at least ``MIN_DURATION`` (see those constants for why).

    Attributes:
        id: unique among active tasks; a non-empty string.
        channel: e.g. ``"voice"``, ``"chat"``, ``"email"``, ``"backoffice"``.
        requirement: skills needed, with relaxation steps.
        customer: who it is for; drives value and context (last agent).
        priority: business priority added to the score (weighted by the policy).
        sla_target: seconds after arrival by which it should be answered. With
            ``due_at``, the lead time over which urgency ramps up to the due date.
        due_at: absolute deadline (back-office work), instead of arrival + sla_target.
        created_at: when the work really arrived, if before ``submit`` (defaults to it).
        units: capacity units it uses on an agent with ``max_units``.
        preferred_agents: agents to wait for during ``preferred_window`` seconds (an
            iterable of agent ids, not one id).
        ttl: seconds after arrival after which the task, if still queued or offered,
            leaves the router with an ``Expired`` event (TaskRouter's task timeout);
            ``None``: it waits until taken or cancelled. It ends once the task is
            accepted.
        not_before: an instant before which the task is invisible to routing
            (``TaskState.SCHEDULED``: a callback, a follow-up, back-office work released
            at a time); ``None`` or a past instant: routed at once. Its arrival (the
            SLA clock and its place in line) is ``created_at`` if given, else
            ``not_before``.
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
    not_before: float | None = None

    def __attrs_post_init__(self) -> None:
        # A task is built for every contact: check the usual case (plain finite numbers,
        # plain strings, exact types) without formatting the messages, or converting the
        # values, that the detailed checks below would need.
        sla_target, due_at, created_at = self.sla_target, self.due_at, self.created_at
        window = self.preferred_window
        customer = self.customer
        if not (
            self.id.__class__ is str
            and self.id
            and self.channel.__class__ is str
            and self.channel
            and self.requirement.__class__ is Requirement
            and (customer is None or customer.__class__ is Customer)
            and _plain_between(self.priority, -MAX_VALUE, MAX_VALUE)
            and (sla_target is None or _plain_between(sla_target, MIN_DURATION, _MAX_SPAN))
            and (due_at is None or _plain_between(due_at, -_MAX_SPAN, _MAX_SPAN))
            and (created_at is None or _plain_between(created_at, -_MAX_SPAN, _MAX_SPAN))
            and self.units.__class__ is int
            and self.units >= 1
            and (window.__class__ is float or window.__class__ is int)
            and (window == 0 or MIN_DURATION <= window <= _MAX_SPAN)
            and self.attributes.__class__ is dict
            and (self.ttl is None or _plain_between(self.ttl, MIN_DURATION, _MAX_SPAN))
            and (self.not_before is None or _plain_between(self.not_before, -_MAX_SPAN, _MAX_SPAN))
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        """The detailed checks, raising the first problem in field order, and storing
        every number as a plain float (or int)."""
        _set = object.__setattr__
        _set(self, "id", check_id("task id", self.id))
        name = f"task {self.id!r}"
        _set(self, "channel", check_id(f"{name} channel", self.channel))
        if not isinstance(self.requirement, Requirement):
            raise InvalidTypeError(f"{name}: requirement {self.requirement!r} is not a Requirement")
        if self.customer is not None and not isinstance(self.customer, Customer):
            raise InvalidTypeError(f"{name}: customer {self.customer!r} is not a Customer")
        _set(self, "priority", check_value(f"{name} priority", self.priority))
        if self.sla_target is not None:
            sla = check_duration(f"{name} sla_target", self.sla_target, zero=False)
            _set(self, "sla_target", sla)
        if self.due_at is not None:
            _set(self, "due_at", check_instant(f"{name} due_at", self.due_at))
        if self.created_at is not None:
            _set(self, "created_at", check_instant(f"{name} created_at", self.created_at))
        units = to_int(self.units)
        if units is None or units < 1:
            raise InvalidInputError(f"{name}: units {self.units!r} must be >= 1")
        _set(self, "units", units)
        window = check_duration(f"{name} preferred_window", self.preferred_window)
        _set(self, "preferred_window", window)
        if not isinstance(self.attributes, Mapping):
            raise InvalidTypeError(f"{name}: attributes {self.attributes!r} is not a mapping")
        if self.ttl is not None:
            _set(self, "ttl", check_duration(f"{name} ttl", self.ttl, zero=False))
        if self.not_before is not None:
            _set(self, "not_before", check_instant(f"{name} not_before", self.not_before))


def _capacity(value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    if isinstance(value, tuple) and all(
        isinstance(pair, tuple) and len(pair) == 2 for pair in value
    ):  # the stored form itself (``attrs.evolve`` of an agent)
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidTypeError(f"capacity {shown(value)} must be a mapping of channel to slots")
    pairs = []
    for channel, slots in value.items():
        if not (channel.__class__ is str and channel):
            channel = check_id("channel name", channel)
        count = to_int(slots)
        if count is None or count < 1:
            raise InvalidInputError(f"capacity for channel {channel!r}: {slots!r} must be >= 1")
        pairs.append((channel, count))
    return tuple(sorted(pairs))


@attrs.frozen
class Agent:
    """An agent's profile: skills with levels, and how much work it can hold.

    ``capacity`` is the number of concurrent tasks per channel (voice 1, chat 3, ...);
    ``max_units``, if set, caps the total units of all its tasks (a voice task with
    ``units == max_units`` then blocks everything else while it lasts). Its ``id`` is
    a non-empty string. ``routing_profile`` names one of the policy's routing profiles
    (``Policy.routing_profiles``: how the agent ranks and delays work, see
    ``routing.ordering``), or is ``None``: no ranks, no delays.
    """

    id: str
    skills: Skills = attrs.field(converter=normalise_skills)
    capacity: tuple[tuple[str, int], ...] = attrs.field(converter=_capacity)
    max_units: int | None = None
    routing_profile: str | None = None

    def __attrs_post_init__(self) -> None:
        if not (self.id.__class__ is str and self.id):
            object.__setattr__(self, "id", check_id("agent id", self.id))
        if self.routing_profile is not None and not (
            self.routing_profile.__class__ is str and self.routing_profile
        ):
            name = check_id(f"agent {self.id!r}: routing_profile", self.routing_profile)
            object.__setattr__(self, "routing_profile", name)
        if not self.capacity:
            raise InvalidInputError(f"agent {self.id!r} has no channel capacity")
        if self.max_units is not None and self.max_units.__class__ is not int:
            units = to_int(self.max_units)
            if units is None:
                raise InvalidInputError(
                    f"agent {self.id!r}: max_units {self.max_units!r} must be >= 1"
                )
            object.__setattr__(self, "max_units", units)
        if self.max_units is not None and self.max_units < 1:
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


@attrs.frozen
class AgentStatus:
    """One agent as the router sees it now (``Router.agent_status``).

    Attributes:
        id: the agent's id.
        state: its ``AgentState``.
        reason: the reason code given with the state (``"break"``, ``"training"``:
            free-form), or ``None``.
        since: when it entered ``state`` (for ``AVAILABLE``: when it was added or
            last made available).
        idle: available and holding no work at all (nothing offered, assigned or in
            wrap-up): the agents a supervisor counts as waiting for work.
        tasks: ids of the tasks it holds offered or assigned, sorted.
        wrap_up: ids of the tasks it is wrapping up (after-contact work), sorted.
        consulting: ids of the tasks it is transferring warm (it holds them until
            the target accepts), sorted.
    """

    id: str
    state: AgentState
    reason: str | None
    since: float
    idle: bool
    tasks: tuple[str, ...]
    wrap_up: tuple[str, ...]
    consulting: tuple[str, ...]
