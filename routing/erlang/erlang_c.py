"""Erlang B and C: blocking, waiting probability, service level, ASA, staffing."""

from __future__ import annotations

from collections.abc import Callable

from routing.erlang._common import (
    ErlangCResult,
    _agents,
    _erlang_b,
    _erlang_c_from_b,
    _erlang_c_result,
    _fraction,
    _non_negative,
    _positive,
    _rate_and_aht,
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
