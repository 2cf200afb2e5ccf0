"""Erlang B, C and A formulas and staffing solvers.

Pure mathematics on the standard library: no clock, no randomness, no simulator.
Planners use it to size a single-skill queue and the simulator's validation tests
compare against it (DESIGN section 8).

Conventions, used by every function here:

* ``arrival_rate`` is in contacts **per second**; ``aht`` (mean handle time),
  ``patience`` (mean time a caller is willing to wait), ``target`` (the service-level
  answer-time threshold) and ASA targets are in **seconds**.
* ``load`` is the offered load in Erlangs, ``arrival_rate * aht``.
* Handle times and patience are exponential; arrivals are Poisson; service is FCFS.

Models:

* **Erlang B** (M/M/c/c): blocked contacts are lost.
* **Erlang C** (M/M/c): contacts wait as long as needed. With ``load >= agents`` the
  queue grows without bound; the functions report that as ``p_wait == 1``,
  ``service_level == 0`` and ``asa == inf`` instead of raising.
* **Erlang A** (M/M/c+M): waiting contacts abandon after an exponential patience with
  mean ``patience``. It is stable at every load.

Numerics: Erlang B uses its recursion, Erlang A sums its birth-death chain in log
space with a running maximum, so nothing overflows for thousands of agents and no
factorial of a large number is ever formed. The infinite queue sum of Erlang A is
truncated once a geometric bound on the remaining terms is below ``e**-50`` of the
largest term.

Every invalid argument raises :class:`~routing.errors.InvalidInputError` (a
``ValueError``) whose message names the argument and repeats the offending value: its
subclass :class:`~routing.errors.InvalidDurationError` for a time in seconds (``aht``,
``patience``, ``target``, ``max_asa``), :class:`~routing.errors.InvalidInputError`
itself for the rest (rates, loads, agent counts, probability targets, a missing or
half-given target). This module imports nothing of ``routing`` but its errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

from routing.errors import InvalidDurationError, InvalidInputError

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "agents_for_asa",
    "agents_for_erlang_a",
    "agents_for_service_level",
    "average_speed_of_answer",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "offered_load",
    "service_level",
]

# The Erlang A queue sum stops once the bound on the remaining terms is below
# exp(-_TAIL_LOG_MARGIN) times the largest term: far below double precision.
_TAIL_LOG_MARGIN = 50.0

# Guard against parameter sets whose queue distribution is too wide to sum in
# reasonable time (patience enormous compared with the inter-arrival time).
_MAX_QUEUE_STATES = 2_000_000


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


# ----------------------------------------------------------------- Erlang B and C


def offered_load(arrival_rate: float, aht: float) -> float:
    """Offered load in Erlangs: arrivals per second times mean handle time in seconds.

    >>> round(offered_load(57 / 3600, 1110), 3)
    17.575

    Raises:
        InvalidInputError: ``arrival_rate`` is negative or not a finite number.
        InvalidDurationError: ``aht`` is not a positive finite number.
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    return rate * handle


def erlang_b(load: float, agents: int) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B).

    Uses the recursion ``B(k) = A B(k-1) / (k + A B(k-1))``, which is stable for any
    number of agents. ``B(A, 0) = 1``.

    >>> round(erlang_b(10.0, 10), 4)
    0.2146

    Runtime complexity: O(agents).

    Args:
        load: Offered load in Erlangs, finite and >= 0.
        agents: Number of servers, an integer >= 0.

    Raises:
        InvalidInputError: ``load`` or ``agents`` is out of range.
    """
    a = _non_negative("load", load, "Erlangs")
    c = _agents(agents, 0)
    return _erlang_b(a, c)


def erlang_c(load: float, agents: int) -> float:
    """Probability of waiting, ``P(wait > 0)``, in an M/M/c queue (Erlang C).

    Returns 1.0 when ``load >= agents`` (the queue is unstable and every contact
    eventually waits). Computed from Erlang B as ``c B / (c - A (1 - B))``.

    >>> erlang_c(0.5, 1)
    0.5

    Runtime complexity: O(agents).

    Raises:
        InvalidInputError: ``load`` or ``agents`` is out of range.
    """
    a = _non_negative("load", load, "Erlangs")
    c = _agents(agents, 0)
    return _erlang_c_from_b(a, c, _erlang_b(a, c))


def erlang_c_metrics(arrival_rate: float, aht: float, agents: int, target: float) -> ErlangCResult:
    """All Erlang C metrics of an M/M/c queue at once.

    ``service_level = 1 - C exp(-(c - A) target / aht)``, ``asa = C aht / (c - A)``.

    Runtime complexity: O(agents).

    Args:
        arrival_rate: Contacts per second, >= 0.
        aht: Mean handle time in seconds, > 0.
        agents: Number of agents, >= 1.
        target: Service-level answer-time threshold in seconds, >= 0.

    Raises:
        InvalidInputError: An argument is out of range (InvalidDurationError for a
            time in seconds).
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    c = _agents(agents, 1)
    threshold = _non_negative("target", target, "seconds")
    load = rate * handle
    return _erlang_c_result(load, handle, c, threshold, _erlang_b(load, c))


def service_level(arrival_rate: float, aht: float, agents: int, target: float) -> float:
    """Erlang C probability that a contact is answered within ``target`` seconds.

    >>> round(service_level(57 / 3600, 1110, 21, 180), 3)
    0.807

    Runtime complexity: O(agents).
    """
    return erlang_c_metrics(arrival_rate, aht, agents, target).service_level


def average_speed_of_answer(arrival_rate: float, aht: float, agents: int) -> float:
    """Erlang C mean wait (ASA) in seconds; ``inf`` when ``load >= agents``.

    Runtime complexity: O(agents).
    """
    return erlang_c_metrics(arrival_rate, aht, agents, 0.0).asa


def _first_stable_agents_meeting(
    load: float, aht: float, meets: Callable[[ErlangCResult], bool], target: float
) -> int:
    """Fewest agents whose Erlang C metrics satisfy ``meets`` (monotone in agents).

    Walks Erlang B upward one agent at a time, so the whole search costs O(answer).
    """
    blocking = 1.0
    agents = 0
    while True:
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
        if agents > load and meets(_erlang_c_result(load, aht, agents, target, blocking)):
            return agents


def agents_for_service_level(arrival_rate: float, aht: float, target: float, level: float) -> int:
    """Fewest agents for which the Erlang C service level reaches ``level``.

    >>> agents_for_service_level(57 / 3600, 1110, target=20, level=0.8)
    23

    Returns 0 when ``arrival_rate`` is 0.

    Runtime complexity: O(answer); a few hundred Erlangs take well under a millisecond.

    Args:
        arrival_rate: Contacts per second, >= 0.
        aht: Mean handle time in seconds, > 0.
        target: Answer-time threshold in seconds, >= 0.
        level: Required fraction answered within ``target``, strictly in (0, 1).

    Raises:
        InvalidInputError: An argument is out of range (InvalidDurationError for a
            time in seconds).
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    threshold = _non_negative("target", target, "seconds")
    required = _fraction("level", level)
    if rate == 0.0:
        return 0
    return _first_stable_agents_meeting(
        rate * handle, handle, lambda r: r.service_level >= required, threshold
    )


def agents_for_asa(arrival_rate: float, aht: float, max_asa: float) -> int:
    """Fewest agents for which the Erlang C average speed of answer is <= ``max_asa``.

    Returns 0 when ``arrival_rate`` is 0.

    Runtime complexity: O(answer).

    Args:
        arrival_rate: Contacts per second, >= 0.
        aht: Mean handle time in seconds, > 0.
        max_asa: Largest acceptable mean wait in seconds, > 0.

    Raises:
        InvalidInputError: An argument is out of range (InvalidDurationError for a
            time in seconds).
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    limit = _positive("max_asa", max_asa, "seconds")
    if rate == 0.0:
        return 0
    return _first_stable_agents_meeting(rate * handle, handle, lambda r: r.asa <= limit, 0.0)


# -------------------------------------------------------------------------- Erlang A


def _log_lower_states(load: float, agents: int) -> float:
    """``log(sum_{n<c} pi_n / pi_c)`` for the M/M/c part of the chain (load > 0).

    Equals ``log(1/B(A, c) - 1)``; computed in log space through
    ``R_k = (R_{k-1} + 1) k / A`` so that it never underflows or overflows.
    """
    log_load = math.log(load)
    log_ratio = -math.inf
    for k in range(1, agents + 1):
        log_ratio = math.log(k) - log_load + _softplus(log_ratio)
    return log_ratio


def _erlang_a(
    arrival_rate: float, aht: float, agents: int, patience: float, target: float
) -> ErlangAResult:
    """Erlang A metrics for validated arguments.

    State ``c + j`` (``j`` waiting) has stationary weight
    ``pi_c * prod_{k=1..j} lambda / (c mu + k theta)``. An arrival that finds ``j``
    waiting is answered after the *virtual wait* ``V_j``, a sum of exponential phases
    with rates ``c mu + m theta`` (m = j..0), unless its own patience ``tau`` runs out
    first. Tilting by ``exp(-theta V)`` gives closed forms:

    * ``P(answered | j) = c mu / (c mu + (j+1) theta)``;
    * ``E[V; answered | j] = P(answered | j) * sum_{k=1..j+1} 1 / (c mu + k theta)``;
    * ``P(answered, V <= T | j) = P(answered | j) * P(NB(c mu/theta + 1) >= j + 1)``;
    * ``P(left the queue by T | j) = 1 - exp(-theta T) P(NB(c mu/theta) <= j)``;

    Tilting turns phase ``m`` into one of rate ``c mu + (m+1) theta``. A sum does not
    depend on the order of its phases, so for every ``j`` the (tilted) virtual wait is
    the time of the ``(j+1)``-th birth of one pure-birth process with rates
    ``theta (r + k)``, k = 0, 1, ...; its births by time T are ``NB(r)``, negative
    binomial with success probability ``exp(-theta T)``. Both pmfs are stepped in log
    space alongside the queue states.
    """
    load = arrival_rate * aht
    if arrival_rate == 0.0:
        return ErlangAResult(agents, 0.0, target, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    mu_c = agents / aht
    theta = 1.0 / patience
    log_lambda = math.log(arrival_rate)
    log_low = _log_lower_states(load, agents)

    # Negative binomial cdfs at j: "served" phases (r = c mu/theta + 1) and the
    # virtual wait (r = c mu/theta). With target == 0 both are degenerate at 0.
    stepping = target > 0.0
    log_u = math.log(-math.expm1(-theta * target) / theta) if stepping else 0.0
    log_pmf_served = -(mu_c + theta) * target
    log_pmf_virtual = -mu_c * target
    cdf_served = math.exp(log_pmf_served)
    cdf_virtual = math.exp(log_pmf_virtual)
    patience_survives = math.exp(-theta * target)

    # Sums over queue states, each term scaled by exp(-log_max).
    log_term = 0.0
    log_max = 0.0
    mass = answered = abandoned = answered_in_time = abandoned_in_time = 0.0
    wait_answered = queue = harmonic = 0.0
    j = 0
    while True:
        if stepping and j > 0:
            log_pmf_served += math.log((mu_c + j * theta) / j) + log_u
            log_pmf_virtual += math.log((mu_c + (j - 1) * theta) / j) + log_u
            cdf_served += math.exp(log_pmf_served)
            cdf_virtual += math.exp(log_pmf_virtual)
        leave_rate = mu_c + (j + 1) * theta
        p_answer = mu_c / leave_rate
        harmonic += 1.0 / leave_rate
        answered_by_target = p_answer * max(0.0, 1.0 - cdf_served)
        left_by_target = 1.0 - patience_survives * min(1.0, cdf_virtual)

        if log_term > log_max:
            rescale = math.exp(log_max - log_term)
            mass *= rescale
            answered *= rescale
            abandoned *= rescale
            answered_in_time *= rescale
            abandoned_in_time *= rescale
            wait_answered *= rescale
            queue *= rescale
            log_max = log_term
        weight = math.exp(log_term - log_max)
        mass += weight
        answered += weight * p_answer
        abandoned += weight * ((j + 1) * theta / leave_rate)
        answered_in_time += weight * answered_by_target
        abandoned_in_time += weight * max(0.0, left_by_target - answered_by_target)
        wait_answered += weight * p_answer * harmonic
        queue += weight * j

        ratio = arrival_rate / leave_rate  # pi_{c+j+1} / pi_{c+j}
        if ratio < 1.0:
            # Ratios decrease with j, so sum_{i>j} max(i, 1) pi_i <= pi_j * bound.
            bound = ratio / (1.0 - ratio) * (j + 1.0 / (1.0 - ratio))
            if log_term + math.log(bound) < log_max + math.log(mass) - _TAIL_LOG_MARGIN:
                break
        log_term += log_lambda - math.log(leave_rate)
        j += 1
        if j > _MAX_QUEUE_STATES:
            raise InvalidInputError(
                f"Erlang A queue distribution too wide to sum (over {_MAX_QUEUE_STATES} "
                f"states) for arrival_rate={arrival_rate!r}, aht={aht!r}, "
                f"agents={agents!r}, patience={patience!r}; patience is extreme "
                "compared with the inter-arrival time (use erlang_c_metrics)"
            )

    log_total = _log_add(log_low, log_max + math.log(mass))
    p_low = math.exp(log_low - log_total)
    scale = math.exp(log_max - log_total)
    p_answered = p_low + answered * scale
    answered_within = min(1.0, p_low + answered_in_time * scale)
    abandoned_within = min(1.0, abandoned_in_time * scale)
    denominator = 1.0 - abandoned_within
    mean_queue = queue * scale
    throughput = arrival_rate * p_answered
    return ErlangAResult(
        agents=agents,
        offered_load=load,
        target=target,
        p_wait=min(1.0, mass * scale),
        p_abandon=min(1.0, abandoned * scale),
        service_level=min(1.0, answered_within / denominator) if denominator > 0 else 0.0,
        service_level_offered=answered_within,
        asa=wait_answered * scale / p_answered,
        mean_wait=mean_queue / arrival_rate,
        mean_queue_length=mean_queue,
        throughput=throughput,
        occupancy=min(1.0, throughput * aht / agents),
    )


def erlang_a_metrics(
    arrival_rate: float, aht: float, agents: int, patience: float, target: float
) -> ErlangAResult:
    """All Erlang A metrics of an M/M/c+M queue (exponential patience).

    Exact up to the truncation of the queue sum (relative error below ``e**-50`` per
    term), so results are accurate to near double precision; stable at any load,
    including ``load >= agents``.

    Runtime complexity: O(agents + J), where J is the number of queue lengths with
    non-negligible probability: tens to a few thousand for realistic inputs, growing
    with ``arrival_rate * patience``.

    Args:
        arrival_rate: Contacts per second, >= 0.
        aht: Mean handle time in seconds, > 0.
        agents: Number of agents, >= 1.
        patience: Mean patience (time to abandon) in seconds, finite and > 0. For
            infinite patience use :func:`erlang_c_metrics`.
        target: Service-level answer-time threshold in seconds, >= 0.

    Raises:
        InvalidInputError: An argument is out of range (InvalidDurationError for
            ``aht``, ``patience`` or ``target``), or the queue distribution is too
            wide to sum (patience astronomically long compared with the
            inter-arrival time).
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    c = _agents(agents, 1)
    mean_patience = _positive("patience", patience, "seconds")
    threshold = _non_negative("target", target, "seconds")
    return _erlang_a(rate, handle, c, mean_patience, threshold)


def agents_for_erlang_a(
    arrival_rate: float,
    aht: float,
    patience: float,
    *,
    target: float | None = None,
    level: float | None = None,
    max_abandon: float | None = None,
    max_asa: float | None = None,
) -> int:
    """Fewest agents for which the Erlang A metrics meet every given target.

    Targets (give at least one; all given ones must hold):

    * ``target`` and ``level`` together: ``service_level >= level``, where
      ``service_level`` excludes contacts that abandon within ``target`` (see
      :class:`ErlangAResult`);
    * ``max_abandon``: ``p_abandon <= max_abandon``;
    * ``max_asa``: ``asa <= max_asa`` (mean wait of answered contacts).

    Every metric improves as agents are added, so the answer is found by doubling
    then bisection. Returns 0 when ``arrival_rate`` is 0.

    Runtime complexity: O((answer + J) log answer); hundreds of Erlangs take
    milliseconds.

    Raises:
        InvalidInputError: An argument is out of range (InvalidDurationError for a
            time in seconds), no target was given, or only one of
            ``target`` and ``level`` was given.
    """
    rate, handle = _rate_and_aht(arrival_rate, aht)
    mean_patience = _positive("patience", patience, "seconds")
    if (target is None) != (level is None):
        raise InvalidInputError(
            f"target and level must be given together, got target={target!r}, level={level!r}"
        )
    if target is None and max_abandon is None and max_asa is None:
        raise InvalidInputError("give at least one of target/level, max_abandon or max_asa")
    threshold = 0.0 if target is None else _non_negative("target", target, "seconds")
    required = None if level is None else _fraction("level", level)
    abandon_limit = None if max_abandon is None else _fraction("max_abandon", max_abandon)
    asa_limit = None if max_asa is None else _positive("max_asa", max_asa, "seconds")
    if rate == 0.0:
        return 0

    def meets(agents: int) -> bool:
        result = _erlang_a(rate, handle, agents, mean_patience, threshold)
        return (
            (required is None or result.service_level >= required)
            and (abandon_limit is None or result.p_abandon <= abandon_limit)
            and (asa_limit is None or result.asa <= asa_limit)
        )

    low, high = 0, max(1, math.ceil(rate * handle))  # meets(low) is False by convention
    while not meets(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high
