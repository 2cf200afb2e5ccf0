"""Random durations, sampled with an explicit ``random.Random``.

Distributions are frozen values in the style of Ciw (``Exponential(mean=300)``): each
validates its parameters in the constructor, exposes ``mean`` and ``sd``, and draws with
``sample(rng)``. Nothing here touches the global ``random`` module, so every simulator
component can own its own seeded stream (common random numbers across policies).

All distributions describe non-negative durations in seconds (handle time, wrap-up,
patience, repeat delay), so every one of them is supported on ``[0, inf)``. Arrival
processes are in :mod:`simulations.scenario.arrivals`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol

import attrs

from simulations.errors import InvalidArgumentError
from simulations.scenario.spec import (
    SpecError,
    TableReader,
    check_kind,
    check_number,
    join_path,
)

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Uniform",
    "finite_validator",
    "float_tuple",
    "from_spec",
]


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


def finite_validator(name: str, *, positive: bool) -> Callable[[Any, Any, Any], None]:
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
            raise InvalidArgumentError(
                f"{type(instance).__name__} {name} must be a finite number {bound}, got {value!r}"
            )

    return check


@attrs.frozen
class Exponential:
    """Exponential durations with the given mean (memoryless; Erlang C/A's assumption)."""

    mean: float = attrs.field(validator=finite_validator("mean", positive=True))

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

    value: float = attrs.field(validator=finite_validator("value", positive=False))

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

    mean: float = attrs.field(validator=finite_validator("mean", positive=True))
    sd: float = attrs.field(validator=finite_validator("sd", positive=False))
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

    mean: float = attrs.field(validator=finite_validator("mean", positive=True))
    cv: float = attrs.field(validator=finite_validator("cv", positive=True))

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

    low: float = attrs.field(validator=finite_validator("low", positive=False))
    high: float = attrs.field(validator=finite_validator("high", positive=False))

    @high.validator
    def _check_order(self, attribute: attrs.Attribute[float], value: float) -> None:
        if value < self.low:
            raise InvalidArgumentError(f"Uniform high must be >= low ({self.low!r}), got {value!r}")

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


def float_tuple(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(values)


@attrs.frozen
class Empirical:
    """Observed durations, each drawn with equal probability (e.g. from a log export)."""

    values: tuple[float, ...] = attrs.field(converter=float_tuple)

    @values.validator
    def _check_values(self, attribute: attrs.Attribute[tuple[float, ...]], value: object) -> None:
        if not self.values:
            raise InvalidArgumentError("Empirical values must not be empty")
        for i, v in enumerate(self.values):
            finite_validator(f"values[{i}]", positive=False)(self, attribute, v)

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
    kind = check_kind(value, path, _DISTRIBUTION_KEYS)
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
