"""What the Erlang formulas share: result values, argument checks, log-space helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from routing.errors import InvalidDurationError, InvalidInputError

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Steady-state metrics of an M/M/c queue (Erlang C).

    Attributes:
        agents: Number of agents ``c``.
        offered_load: Offered load ``A = arrival_rate * aht`` in Erlangs.
        target: Answer-time threshold of ``service_level``, in seconds.
        p_wait: Probability that a contact waits at all, ``P(wait > 0)``.
        service_level: Probability that a contact is answered within ``target``.
        asa: Average speed of answer: mean wait in seconds (``inf`` when unstable).
        occupancy: Fraction of agent time spent handling, ``min(A / c, 1)``.
    """

    agents: int
    offered_load: float
    target: float
    p_wait: float
    service_level: float
    asa: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state metrics of an M/M/c+M queue (Erlang A).

    Two service levels are reported, matching the simulator's KPIs (DESIGN section 8):
    ``service_level_offered`` counts every arrival in the denominator;
    ``service_level`` leaves out contacts that abandoned within the target ("short
    abandons"), i.e. answered within T / (answered + abandoned after T).

    Attributes:
        agents: Number of agents ``c``.
        offered_load: Offered load ``A = arrival_rate * aht`` in Erlangs.
        target: Answer-time threshold of the service levels, in seconds.
        p_wait: Probability that an arrival finds every agent busy, ``P(wait > 0)``.
        p_abandon: Probability that an arrival abandons before being answered.
        service_level: Answered within ``target`` / (arrivals - abandoned within
            ``target``).
        service_level_offered: Answered within ``target`` / arrivals.
        asa: Mean wait in seconds of answered contacts (zero waits included).
        mean_wait: Mean time in queue in seconds over all arrivals, answered or
            abandoned.
        mean_queue_length: Mean number of contacts waiting.
        throughput: Answered contacts per second, ``arrival_rate * (1 - p_abandon)``.
        occupancy: Fraction of agent time spent handling, ``throughput * aht / c``.
    """

    agents: int
    offered_load: float
    target: float
    p_wait: float
    p_abandon: float
    service_level: float
    service_level_offered: float
    asa: float
    mean_wait: float
    mean_queue_length: float
    throughput: float
    occupancy: float


# ------------------------------------------------------------------------ validation


def _error(unit: str) -> type[InvalidInputError]:
    """The error for a bad value in ``unit``: a time in seconds is a duration."""
    return InvalidDurationError if unit == "seconds" else InvalidInputError


def _real(name: str, value: object, error: type[InvalidInputError] = InvalidInputError) -> float:
    """Return ``value`` as a finite float or raise ``error`` naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise error(f"{name} must be a real number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise error(f"{name} must be finite, got {value!r}")
    return result


def _non_negative(name: str, value: object, unit: str) -> float:
    error = _error(unit)
    result = _real(name, value, error)
    if result < 0.0:
        raise error(f"{name} must be >= 0 ({unit}), got {value!r}")
    return result


def _positive(name: str, value: object, unit: str) -> float:
    error = _error(unit)
    result = _real(name, value, error)
    if result <= 0.0:
        raise error(f"{name} must be > 0 ({unit}), got {value!r}")
    return result


def _fraction(name: str, value: object) -> float:
    """A probability target strictly between 0 and 1."""
    result = _real(name, value)
    if not 0.0 < result < 1.0:
        raise InvalidInputError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return result


def _rate_and_aht(arrival_rate: object, aht: object) -> tuple[float, float]:
    rate = _non_negative("arrival_rate", arrival_rate, "contacts per second")
    return rate, _positive("aht", aht, "seconds")


def _agents(value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInputError(f"agents must be an integer, got {value!r}")
    result = int(value)
    if result < minimum:
        raise InvalidInputError(f"agents must be >= {minimum}, got {value!r}")
    return result


# --------------------------------------------------------------------------- helpers


def _softplus(x: float) -> float:
    """``log(1 + exp(x))`` without overflow; ``-inf`` maps to 0."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def _log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow."""
    high, low = (a, b) if a >= b else (b, a)
    if low == -math.inf:
        return high
    return high + math.log1p(math.exp(low - high))


def _erlang_b(load: float, agents: int) -> float:
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def _erlang_c_from_b(load: float, agents: int, blocking: float) -> float:
    if load >= agents:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def _erlang_c_result(
    load: float, aht: float, agents: int, target: float, blocking: float
) -> ErlangCResult:
    """Erlang C metrics given ``blocking = B(load, agents)``."""
    if load >= agents:
        return ErlangCResult(agents, load, target, 1.0, 0.0, math.inf, 1.0)
    p_wait = _erlang_c_from_b(load, agents, blocking)
    spare = agents - load
    return ErlangCResult(
        agents=agents,
        offered_load=load,
        target=target,
        p_wait=p_wait,
        service_level=1.0 - p_wait * math.exp(-spare * target / aht),
        asa=p_wait * aht / spare,
        occupancy=load / agents,
    )
