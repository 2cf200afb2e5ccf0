"""Arrival processes: *when* contacts arrive, sampled with an explicit ``random.Random``.

- ``PoissonArrivals``: a constant Poisson rate.
- ``ProfileArrivals``: a Poisson process whose rate is piecewise constant over fixed
  intervals (a day profile, e.g. one rate per 30 minutes), optionally repeating.
- ``BatchArrivals``: back-office drops of ``size`` items at given instants.

Rates are written **per hour** (how planners think); simulation time is in seconds.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable, Iterator
from typing import Final, Protocol

import attrs

from simulations.errors import InvalidArgumentError
from simulations.scenario.distributions import finite_validator, float_tuple
from simulations.scenario.spec import (
    SpecError,
    TableReader,
    check_instant,
    check_kind,
    check_number,
    fmt,
    join_path,
)

__all__ = [
    "SECONDS_PER_HOUR",
    "ArrivalProcess",
    "BatchArrivals",
    "PoissonArrivals",
    "ProfileArrivals",
    "arrivals_from_spec",
]

SECONDS_PER_HOUR: Final = 3600.0


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

    per_hour: float = attrs.field(validator=finite_validator("per_hour", positive=False))

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
        """Arrival instants in ``(start_at, end_at)``: the instants that chaining
        ``next_arrival_at`` gives, with one call per arrival instead of three (the
        simulator draws every arrival through here).

        Runtime complexity: O(1) per arrival.
        """
        if self.per_hour == 0:
            return
        rate = self.per_hour / SECONDS_PER_HOUR
        gap = rng.expovariate
        t = max(start_at, 0.0) + gap(rate)
        while t < end_at:
            yield t
            t += gap(rate)  # max(t, 0.0) is t: every arrival is after time 0

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

    per_hour: tuple[float, ...] = attrs.field(converter=float_tuple)
    interval: float = attrs.field(validator=finite_validator("interval", positive=True))
    start_at: float = attrs.field(
        default=0.0, validator=finite_validator("start_at", positive=False)
    )
    period: float | None = attrs.field(default=None)
    _rates: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)
    _cum: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)

    @per_hour.validator
    def _check_rates(self, attribute: attrs.Attribute[tuple[float, ...]], value: object) -> None:
        if not self.per_hour:
            raise InvalidArgumentError("ProfileArrivals per_hour must not be empty")
        for i, v in enumerate(self.per_hour):
            finite_validator(f"per_hour[{i}]", positive=False)(self, attribute, v)

    @period.validator
    def _check_period(self, attribute: attrs.Attribute[float | None], value: float | None) -> None:
        if value is None:
            return
        finite_validator("period", positive=True)(self, attribute, value)
        if self.end_at > value:
            raise InvalidArgumentError(
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
            raise InvalidArgumentError("BatchArrivals at must not be empty")
        for i, v in enumerate(self.at):
            finite_validator(f"at[{i}]", positive=False)(self, attribute, v)

    @size.validator
    def _check_size(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentError(
                f"BatchArrivals size must be a whole number >= 0, got {value!r}"
            )

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
    kind = check_kind(value, path, _ARRIVAL_KINDS)
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
            f"the profile ends at {fmt(end_at)} s, after the period of {fmt(period)} s",
        )
    return ProfileArrivals(rates, interval, start_at, period)
