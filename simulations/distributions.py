"""Random durations and arrival processes, sampled with an explicit ``random.Random``.

Distributions are frozen values in the style of Ciw (``Exponential(mean=300)``): each
validates its parameters in the constructor, exposes ``mean`` and ``sd``, and draws with
``sample(rng)``. Nothing here touches the global ``random`` module, so every simulator
component can own its own seeded stream (common random numbers across policies).

All distributions describe non-negative durations in seconds (handle time, wrap-up,
patience, repeat delay), so every one of them is supported on ``[0, inf)``.

Arrival processes say *when* contacts arrive:

- ``PoissonArrivals``: a constant Poisson rate.
- ``ProfileArrivals``: a Poisson process whose rate is piecewise constant over fixed
  intervals (a day profile, e.g. one rate per 30 minutes), optionally repeating.
- ``BatchArrivals``: back-office drops of ``size`` items at given instants.

Rates are written **per hour** (how planners think); simulation time is in seconds.

The module also holds the small table reader the scenario loader shares
(``TableReader``, ``SpecError``): it checks types, ranges and unknown keys and names the
field path of every problem, e.g. ``contact_types[2].handle_time.sd: must be >= 0, got -1``.
"""

from __future__ import annotations

import bisect
import difflib
import math
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, Protocol

import attrs

__all__ = [
    "ArrivalProcess",
    "BatchArrivals",
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "PoissonArrivals",
    "ProfileArrivals",
    "SpecError",
    "TableReader",
    "Uniform",
    "arrivals_from_spec",
    "check_instant",
    "check_int",
    "check_number",
    "describe",
    "from_spec",
    "join_path",
]

SECONDS_PER_HOUR: Final = 3600.0

# --------------------------------------------------------------------------------------
# Reading TOML tables with precise, path-naming errors
# --------------------------------------------------------------------------------------


class SpecError(ValueError):
    """A spec table holds a bad value. ``str(err)`` is ``"<path>: <problem>"``.

    Attributes:
        path: Dotted field path, lists indexed from 0 (``agent_groups[3].skills.billing``).
        problem: What is wrong, naming the offending value.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)

    def __reduce__(self) -> tuple[object, ...]:
        return (SpecError, (self.path, self.problem))


def join_path(path: str, key: str | int) -> str:
    """Extend a field path by a key (``a.b``) or a list index (``a[3]``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: object) -> str:
    """Render a TOML value for an error message (strings quoted, booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


def _fmt(x: float) -> str:
    """Format a number without a spurious ``.0`` (``300`` not ``300.0``)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def check_number(
    value: object,
    path: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a finite float within the bounds, or raise ``SpecError``.

    Args:
        value: The raw TOML value.
        path: Field path used in the error message.
        low: Inclusive lower bound (exclusive when ``low_open``), if any.
        high: Inclusive upper bound, if any.
        low_open: Make ``low`` exclusive (``> 0`` rather than ``>= 0``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(path, f"must be a number, got {describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise SpecError(path, f"must be finite, got {describe(value)}")
    if low is not None and high is not None and not low_open and not low <= x <= high:
        raise SpecError(path, f"must be between {_fmt(low)} and {_fmt(high)}, got {_fmt(x)}")
    if low is not None and (x <= low if low_open else x < low):
        raise SpecError(path, f"must be {'>' if low_open else '>='} {_fmt(low)}, got {_fmt(x)}")
    if high is not None and x > high:
        raise SpecError(path, f"must be <= {_fmt(high)}, got {_fmt(x)}")
    return x


def check_int(value: object, path: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within ``[low, high]`` (``3.0`` is accepted as 3)."""
    x = check_number(value, path)
    if not x.is_integer():
        raise SpecError(path, f"must be a whole number, got {_fmt(x)}")
    return int(check_number(x, path, low=low, high=high))


_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


def check_instant(value: object, path: str) -> float:
    """Read an instant: seconds since time 0, or a clock string ``"HH:MM[:SS]"``.

    Time 0 is the start of the simulated day, so ``"08:30"`` is 30600 s and ``"32:00"``
    is 08:00 on the second day.
    """
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m is None:
            raise SpecError(path, f"must be seconds or a clock time 'HH:MM', got {value!r}")
        return int(m[1]) * 3600.0 + int(m[2]) * 60.0 + int(m[3] or 0)
    return check_number(value, path, low=0.0)


class TableReader:
    """Reads one TOML table whose allowed keys are known up front.

    Unknown keys are rejected at construction, before any value is read, so a typo is
    reported as the typo (with a suggestion) rather than as the missing key it
    shadows. Absent keys read as ``None`` (TOML has no null).
    """

    def __init__(self, value: object, path: str, keys: Iterable[str]) -> None:
        if not isinstance(value, Mapping):
            raise SpecError(path, f"must be a table, got {describe(value)}")
        self.path = path
        self.keys = tuple(keys)
        self._table: Mapping[str, object] = value
        for key in sorted(value, key=str):
            if key not in self.keys:
                hint = difflib.get_close_matches(str(key), self.keys, n=1)
                suggestion = f"did you mean {hint[0]!r}? " if hint else ""
                raise SpecError(
                    join_path(path, str(key)),
                    f"unknown key; {suggestion}allowed keys: {', '.join(sorted(self.keys))}",
                )

    def at(self, key: str) -> str:
        """The field path of ``key`` in this table."""
        return join_path(self.path, key)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return self.get(key) is not None

    def get(self, key: str) -> object | None:
        """The raw value of ``key``, or ``None`` when absent."""
        assert key in self.keys, f"{key!r} not declared for {self.path}"
        return self._table.get(key)

    def require(self, key: str) -> object:
        """The raw value of ``key``; ``SpecError`` when absent."""
        value = self.get(key)
        if value is None:
            raise SpecError(self.at(key), "missing required key")
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> float:
        """A float field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        return check_number(value, self.at(key), low=low, high=high, low_open=low_open)

    def optional_number(
        self, key: str, *, low: float | None = None, low_open: bool = False
    ) -> float | None:
        """A float field that may be absent."""
        value = self.get(key)
        if value is None:
            return None
        return check_number(value, self.at(key), low=low, low_open=low_open)

    def whole(
        self,
        key: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int:
        """An integer field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        return check_int(value, self.at(key), low=low, high=high)

    def text(self, key: str, default: str | None = None) -> str:
        """A string field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        if not isinstance(value, str):
            raise SpecError(self.at(key), f"must be a string, got {describe(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean field."""
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise SpecError(self.at(key), f"must be true or false, got {describe(value)}")
        return value

    def items(self, key: str, *, required: bool = False) -> list[object]:
        """A list field (empty when absent and not required)."""
        value = self.require(key) if required else self.get(key)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise SpecError(self.at(key), f"must be a list, got {describe(value)}")
        return list(value)

    def mapping(self, key: str, *, required: bool = False) -> Mapping[str, object]:
        """A sub-table as a raw mapping (empty when absent and not required)."""
        value = self.require(key) if required else self.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise SpecError(self.at(key), f"must be a table, got {describe(value)}")
        return value


# --------------------------------------------------------------------------------------
# Distributions of durations
# --------------------------------------------------------------------------------------


class Distribution(Protocol):
    """A distribution of non-negative durations in seconds."""

    @property
    def mean(self) -> float:
        """The distribution's mean."""
        ...

    @property
    def sd(self) -> float:
        """The distribution's standard deviation."""
        ...

    def sample(self, rng: random.Random) -> float:
        """Draw one value from ``rng``."""
        ...

    def to_spec(self) -> dict[str, object]:
        """The TOML table that ``from_spec`` turns back into this distribution."""
        ...


def _finite(name: str, *, positive: bool) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: a finite number, ``> 0`` when ``positive`` else ``>= 0``."""

    def check(instance: object, attribute: object, value: Any) -> None:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and (value > 0 if positive else value >= 0)
        )
        if not ok:
            bound = "> 0" if positive else ">= 0"
            raise ValueError(
                f"{type(instance).__name__} {name} must be a finite number {bound}, got {value!r}"
            )

    return check


@attrs.frozen
class Exponential:
    """Exponential durations with the given mean (memoryless; Erlang C/A's assumption)."""

    mean: float = attrs.field(validator=_finite("mean", positive=True))

    @property
    def sd(self) -> float:
        """Standard deviation (equal to the mean)."""
        return float(self.mean)

    def sample(self, rng: random.Random) -> float:
        """Draw one value. Runtime complexity: O(1)."""
        return rng.expovariate(1.0 / self.mean)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "exponential", "mean": self.mean}


@attrs.frozen
class Fixed:
    """Always the same duration (draws no random number)."""

    value: float = attrs.field(validator=_finite("value", positive=False))

    @property
    def mean(self) -> float:
        """The fixed value."""
        return float(self.value)

    @property
    def sd(self) -> float:
        """Zero."""
        return 0.0

    def sample(self, rng: random.Random) -> float:
        """Return the value; ``rng`` is untouched."""
        return float(self.value)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "fixed", "value": self.value}


@attrs.frozen
class Lognormal:
    """Lognormal durations given by **their own** mean and standard deviation.

    Not the parameters of the underlying normal: ``Lognormal(mean=300, sd=120)`` draws
    values whose mean is 300 s and whose sd is 120 s. Internally
    ``sigma² = ln(1 + sd²/mean²)`` and ``mu = ln(mean) - sigma²/2``.
    """

    mean: float = attrs.field(validator=_finite("mean", positive=True))
    sd: float = attrs.field(validator=_finite("sd", positive=False))
    mu: float = attrs.field(init=False, repr=False, eq=False)
    sigma: float = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        object.__setattr__(self, "sigma", math.sqrt(sigma2))
        object.__setattr__(self, "mu", math.log(self.mean) - sigma2 / 2.0)

    def sample(self, rng: random.Random) -> float:
        """Draw one value. Runtime complexity: O(1)."""
        return rng.lognormvariate(self.mu, self.sigma)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "lognormal", "mean": self.mean, "sd": self.sd}


@attrs.frozen
class Gamma:
    """Gamma durations given by mean and coefficient of variation ``cv = sd / mean``.

    ``cv = 1`` is exponential; ``cv = 1/sqrt(k)`` is Erlang-k; small ``cv`` approaches
    a fixed value.
    """

    mean: float = attrs.field(validator=_finite("mean", positive=True))
    cv: float = attrs.field(validator=_finite("cv", positive=True))

    @property
    def sd(self) -> float:
        """Standard deviation, ``cv * mean``."""
        return self.cv * self.mean

    def sample(self, rng: random.Random) -> float:
        """Draw one value. Runtime complexity: O(1) expected."""
        shape = 1.0 / (self.cv * self.cv)
        return rng.gammavariate(shape, self.mean / shape)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "gamma", "mean": self.mean, "cv": self.cv}


@attrs.frozen
class Uniform:
    """Durations spread evenly over ``[low, high]``."""

    low: float = attrs.field(validator=_finite("low", positive=False))
    high: float = attrs.field(validator=_finite("high", positive=False))

    @high.validator
    def _check_order(self, attribute: attrs.Attribute[float], value: float) -> None:
        if value < self.low:
            raise ValueError(f"Uniform high must be >= low ({self.low!r}), got {value!r}")

    @property
    def mean(self) -> float:
        """Midpoint of the range."""
        return (self.low + self.high) / 2.0

    @property
    def sd(self) -> float:
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / math.sqrt(12.0)

    def sample(self, rng: random.Random) -> float:
        """Draw one value. Runtime complexity: O(1)."""
        return rng.uniform(self.low, self.high)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "uniform", "low": self.low, "high": self.high}


def _float_tuple(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(values)


@attrs.frozen
class Empirical:
    """Observed durations, each drawn with equal probability (e.g. from a log export)."""

    values: tuple[float, ...] = attrs.field(converter=_float_tuple)

    @values.validator
    def _check_values(self, attribute: attrs.Attribute[tuple[float, ...]], value: object) -> None:
        if not self.values:
            raise ValueError("Empirical values must not be empty")
        for i, v in enumerate(self.values):
            _finite(f"values[{i}]", positive=False)(self, attribute, v)

    @property
    def mean(self) -> float:
        """Mean of the values."""
        return math.fsum(self.values) / len(self.values)

    @property
    def sd(self) -> float:
        """Population standard deviation of the values (the sampling distribution's sd)."""
        m = self.mean
        return math.sqrt(math.fsum((v - m) ** 2 for v in self.values) / len(self.values))

    def sample(self, rng: random.Random) -> float:
        """Draw one value. Runtime complexity: O(1)."""
        return float(rng.choice(self.values))

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``from_spec``."""
        return {"kind": "empirical", "values": list(self.values)}


_DISTRIBUTION_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "exponential": ("mean",),
    "fixed": ("value",),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "cv"),
    "uniform": ("low", "high"),
    "empirical": ("values",),
}


def _kind(value: object, path: str, kinds: Iterable[str]) -> str:
    """Read the ``kind`` key of a spec table before its other keys are known."""
    if not isinstance(value, Mapping):
        raise SpecError(path, f"must be a table, got {describe(value)}")
    kind = value.get("kind")
    allowed = ", ".join(kinds)
    if kind is None:
        raise SpecError(join_path(path, "kind"), f"missing required key (one of: {allowed})")
    if kind not in kinds:
        raise SpecError(
            join_path(path, "kind"), f"unknown kind {describe(kind)} (one of: {allowed})"
        )
    return str(kind)


def from_spec(value: object, path: str) -> Distribution:
    """Build a distribution from a TOML value.

    A bare number means ``Fixed``; otherwise a table with a ``kind``:
    ``{ kind = "lognormal", mean = 300, sd = 120 }``, ``exponential`` (mean),
    ``fixed`` (value), ``gamma`` (mean, cv), ``uniform`` (low, high),
    ``empirical`` (values).

    Raises:
        SpecError: naming ``path`` and the bad field.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Fixed(check_number(value, path, low=0.0))
    kind = _kind(value, path, _DISTRIBUTION_KEYS)
    r = TableReader(value, path, ("kind", *_DISTRIBUTION_KEYS[kind]))
    if kind == "exponential":
        return Exponential(r.number("mean", low=0.0, low_open=True))
    if kind == "fixed":
        return Fixed(r.number("value", low=0.0))
    if kind == "lognormal":
        return Lognormal(r.number("mean", low=0.0, low_open=True), r.number("sd", low=0.0))
    if kind == "gamma":
        return Gamma(
            r.number("mean", low=0.0, low_open=True), r.number("cv", low=0.0, low_open=True)
        )
    if kind == "uniform":
        low = r.number("low", low=0.0)
        return Uniform(low, r.number("high", low=low))
    raw = r.items("values", required=True)
    if not raw:
        raise SpecError(r.at("values"), "must not be empty")
    return Empirical(
        check_number(v, join_path(r.at("values"), i), low=0.0) for i, v in enumerate(raw)
    )


# --------------------------------------------------------------------------------------
# Arrival processes
# --------------------------------------------------------------------------------------


class ArrivalProcess(Protocol):
    """When contacts of one type arrive. Time 0 is the start of the simulated day."""

    def arrival_times(
        self, rng: random.Random, start_at: float = 0.0, end_at: float = math.inf
    ) -> Iterator[float]:
        """Arrival instants in ``[start_at, end_at)``, non-decreasing."""
        ...

    def expected_count(self, start_at: float, end_at: float) -> float:
        """Expected number of arrivals in ``[start_at, end_at)``."""
        ...

    def scaled(self, factor: float) -> ArrivalProcess:
        """The same process with volume multiplied by ``factor`` (what-if on demand)."""
        ...

    def to_spec(self) -> dict[str, object]:
        """The TOML table that ``arrivals_from_spec`` turns back into this process."""
        ...


def _poisson_times(
    process: PoissonArrivals | ProfileArrivals, rng: random.Random, start_at: float, end_at: float
) -> Iterator[float]:
    t = process.next_arrival_at(start_at, rng)
    while t is not None and t < end_at:
        yield t
        t = process.next_arrival_at(t, rng)


@attrs.frozen
class PoissonArrivals:
    """A Poisson process with a constant rate from time 0 on.

    Attributes:
        per_hour: Arrivals per hour (>= 0).
    """

    per_hour: float = attrs.field(validator=_finite("per_hour", positive=False))

    def rate_at(self, t: float) -> float:
        """Arrival rate per **second** at instant ``t``."""
        return self.per_hour / SECONDS_PER_HOUR if t >= 0 else 0.0

    def next_arrival_at(self, now: float, rng: random.Random) -> float | None:
        """The next arrival strictly after ``now``; ``None`` if there is none.

        Runtime complexity: O(1).
        """
        if self.per_hour == 0:
            return None
        return max(now, 0.0) + rng.expovariate(self.per_hour / SECONDS_PER_HOUR)

    def arrival_times(
        self, rng: random.Random, start_at: float = 0.0, end_at: float = math.inf
    ) -> Iterator[float]:
        """Arrival instants in ``(start_at, end_at)``."""
        return _poisson_times(self, rng, start_at, end_at)

    def expected_count(self, start_at: float, end_at: float) -> float:
        """Expected arrivals in ``[start_at, end_at)``."""
        return max(0.0, end_at - max(start_at, 0.0)) * self.per_hour / SECONDS_PER_HOUR

    def scaled(self, factor: float) -> PoissonArrivals:
        """Rate multiplied by ``factor``."""
        return PoissonArrivals(self.per_hour * factor)

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``arrivals_from_spec``."""
        return {"kind": "poisson", "rate": self.per_hour}


@attrs.frozen
class ProfileArrivals:
    """A Poisson process whose rate is constant within each interval (a day profile).

    Interval ``i`` covers ``[start_at + i*interval, start_at + (i+1)*interval)`` and has
    rate ``per_hour[i]`` per hour. Before ``start_at`` and after the last interval the
    rate is 0, unless ``period`` is set: then the whole pattern on ``[0, period)``
    repeats every ``period`` seconds (``period = 86400`` repeats it daily). Zero-rate
    intervals are allowed and produce no arrivals.

    Sampling is exact by inversion of the cumulative rate ``Λ(t)``: the next arrival
    after ``now`` is ``Λ⁻¹(Λ(now) + E)`` with ``E ~ Exp(1)``, so rate changes and gaps
    are crossed without thinning or rejected draws.
    """

    per_hour: tuple[float, ...] = attrs.field(converter=_float_tuple)
    interval: float = attrs.field(validator=_finite("interval", positive=True))
    start_at: float = attrs.field(default=0.0, validator=_finite("start_at", positive=False))
    period: float | None = attrs.field(default=None)
    _rates: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)
    _cum: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)

    @per_hour.validator
    def _check_rates(self, attribute: attrs.Attribute[tuple[float, ...]], value: object) -> None:
        if not self.per_hour:
            raise ValueError("ProfileArrivals per_hour must not be empty")
        for i, v in enumerate(self.per_hour):
            _finite(f"per_hour[{i}]", positive=False)(self, attribute, v)

    @period.validator
    def _check_period(self, attribute: attrs.Attribute[float | None], value: float | None) -> None:
        if value is None:
            return
        _finite("period", positive=True)(self, attribute, value)
        if self.end_at > value:
            raise ValueError(
                f"ProfileArrivals period {value!r} is shorter than the profile, "
                f"which ends at {self.end_at!r}"
            )

    def __attrs_post_init__(self) -> None:
        rates = tuple(r / SECONDS_PER_HOUR for r in self.per_hour)
        cum = [0.0]
        for r in rates:
            cum.append(cum[-1] + r * self.interval)
        object.__setattr__(self, "_rates", rates)
        object.__setattr__(self, "_cum", tuple(cum))

    @property
    def end_at(self) -> float:
        """End of the last interval (of the first cycle when periodic)."""
        return self.start_at + len(self.per_hour) * self.interval

    def _index(self, x: float) -> int:
        """Interval holding phase ``x`` (``start_at <= x < end_at``), robust to rounding."""
        i = min(int((x - self.start_at) // self.interval), len(self._rates) - 1)
        return max(i, 0)

    def _phase(self, t: float) -> tuple[int, float]:
        """Split ``t`` into (completed cycles, phase within the cycle)."""
        if self.period is None:
            return 0, t
        cycles = math.floor(t / self.period)
        return cycles, t - cycles * self.period

    def rate_at(self, t: float) -> float:
        """Arrival rate per **second** at instant ``t``. Runtime complexity: O(1)."""
        if t < 0:
            return 0.0
        _, x = self._phase(t)
        if not self.start_at <= x < self.end_at:
            return 0.0
        return self._rates[self._index(x)]

    def cumulative(self, t: float) -> float:
        """Expected arrivals in ``[0, t)``: ``Λ(t)``. Runtime complexity: O(1)."""
        if t <= 0:
            return 0.0
        cycles, x = self._phase(t)
        mass = self._cum[-1]
        if x <= self.start_at:
            within = 0.0
        elif x >= self.end_at:
            within = mass
        else:
            i = self._index(x)
            within = self._cum[i] + self._rates[i] * (x - self.start_at - i * self.interval)
        return cycles * mass + within

    def _inverse(self, y: float) -> float | None:
        """Smallest ``t`` with ``Λ(t) >= y`` for ``y > 0``; ``None`` when never reached."""
        mass = self._cum[-1]
        if mass <= 0:
            return None
        if self.period is None:
            if y > mass:
                return None
            cycles, rem = 0, y
        else:
            cycles = math.floor(y / mass)
            rem = y - cycles * mass
            if rem <= 0:  # exactly at a cycle boundary, or rounding just below it
                cycles, rem = cycles - 1, rem + mass
        k = min(max(bisect.bisect_left(self._cum, rem), 1), len(self._rates))
        while self._rates[k - 1] == 0 and k > 1:  # only reachable through rounding
            k -= 1
        j = k - 1
        x = self.start_at + j * self.interval + (rem - self._cum[j]) / self._rates[j]
        return cycles * (self.period or 0.0) + x

    def next_arrival_at(self, now: float, rng: random.Random) -> float | None:
        """The next arrival strictly after ``now``; ``None`` if the rate stays 0 forever.

        Runtime complexity: O(log n) for n intervals, one random draw.
        """
        t = self._inverse(self.cumulative(now) + rng.expovariate(1.0))
        return None if t is None else max(t, math.nextafter(now, math.inf))

    def arrival_times(
        self, rng: random.Random, start_at: float = 0.0, end_at: float = math.inf
    ) -> Iterator[float]:
        """Arrival instants in ``(start_at, end_at)``."""
        return _poisson_times(self, rng, start_at, end_at)

    def expected_count(self, start_at: float, end_at: float) -> float:
        """Expected arrivals in ``[start_at, end_at)``: ``Λ(end_at) - Λ(start_at)``."""
        return max(0.0, self.cumulative(end_at) - self.cumulative(start_at))

    def scaled(self, factor: float) -> ProfileArrivals:
        """Every rate multiplied by ``factor``."""
        return attrs.evolve(self, per_hour=tuple(r * factor for r in self.per_hour))

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``arrivals_from_spec``."""
        spec: dict[str, object] = {
            "kind": "poisson",
            "rates": list(self.per_hour),
            "interval": self.interval,
            "start": self.start_at,
        }
        if self.period is not None:
            spec["period"] = self.period
        return spec


def _sorted_instants(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(sorted(values))


@attrs.frozen
class BatchArrivals:
    """Back-office drops: ``size`` items arrive together at each instant in ``at``."""

    at: tuple[float, ...] = attrs.field(converter=_sorted_instants)
    size: int = attrs.field()

    @at.validator
    def _check_at(self, attribute: attrs.Attribute[tuple[float, ...]], value: object) -> None:
        if not self.at:
            raise ValueError("BatchArrivals at must not be empty")
        for i, v in enumerate(self.at):
            _finite(f"at[{i}]", positive=False)(self, attribute, v)

    @size.validator
    def _check_size(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"BatchArrivals size must be a whole number >= 0, got {value!r}")

    def arrival_times(
        self, rng: random.Random, start_at: float = 0.0, end_at: float = math.inf
    ) -> Iterator[float]:
        """Each drop instant in ``[start_at, end_at)``, repeated ``size`` times."""
        for t in self.at:
            if start_at <= t < end_at:
                yield from (t for _ in range(self.size))

    def expected_count(self, start_at: float, end_at: float) -> float:
        """Items dropped in ``[start_at, end_at)`` (deterministic)."""
        return float(self.size * sum(1 for t in self.at if start_at <= t < end_at))

    def scaled(self, factor: float) -> BatchArrivals:
        """Batch size multiplied by ``factor``, rounded to whole items."""
        return attrs.evolve(self, size=round(self.size * factor))

    def to_spec(self) -> dict[str, object]:
        """TOML table for ``arrivals_from_spec``."""
        return {"kind": "batch", "at": list(self.at), "size": self.size}


_ARRIVAL_KINDS: Final = ("poisson", "batch")


def arrivals_from_spec(value: object, path: str) -> ArrivalProcess:
    """Build an arrival process from a TOML table.

    - ``{ kind = "poisson", rate = 120 }``: constant, 120 per **hour**.
    - ``{ kind = "poisson", rates = [...], interval = 1800, start = "08:00", period = 86400 }``:
      per-interval rates per hour; ``start`` (default 0) and ``period`` optional.
    - ``{ kind = "batch", at = ["08:00", "13:00"], size = 100 }``: back-office drops.

    Raises:
        SpecError: naming ``path`` and the bad field.
    """
    kind = _kind(value, path, _ARRIVAL_KINDS)
    if kind == "batch":
        r = TableReader(value, path, ("kind", "at", "size"))
        raw = r.items("at", required=True)
        if not raw:
            raise SpecError(r.at("at"), "must not be empty")
        at = [check_instant(v, join_path(r.at("at"), i)) for i, v in enumerate(raw)]
        return BatchArrivals(at, r.whole("size", low=1))
    r = TableReader(value, path, ("kind", "rate", "rates", "interval", "start", "period"))
    if r.has("rate"):
        for key in ("rates", "interval", "start", "period"):
            if r.has(key):
                raise SpecError(r.at(key), "only applies with 'rates'; drop it or use 'rates'")
        return PoissonArrivals(r.number("rate", low=0.0))
    if not r.has("rates"):
        raise SpecError(r.at("rate"), "give 'rate' (per hour) or 'rates' (per hour per interval)")
    raw = r.items("rates")
    if not raw:
        raise SpecError(r.at("rates"), "must not be empty")
    rates = [check_number(v, join_path(r.at("rates"), i), low=0.0) for i, v in enumerate(raw)]
    interval = r.number("interval", low=0.0, low_open=True)
    raw_start = r.get("start")
    start_at = 0.0 if raw_start is None else check_instant(raw_start, r.at("start"))
    period = r.optional_number("period", low=0.0, low_open=True)
    end_at = start_at + len(rates) * interval
    if period is not None and end_at > period:
        raise SpecError(
            r.at("period"),
            f"the profile ends at {_fmt(end_at)} s, after the period of {_fmt(period)} s",
        )
    return ProfileArrivals(rates, interval, start_at, period)
