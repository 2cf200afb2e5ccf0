"""Erlang A (M/M/c+M): customers abandon after exponential patience."""

from __future__ import annotations

import math

from routing.erlang._common import (
    ErlangAResult,
    _agents,
    _fraction,
    _log_add,
    _non_negative,
    _positive,
    _rate_and_aht,
    _softplus,
)
from routing.errors import InvalidInputError

# The Erlang A queue sum stops once the bound on the remaining terms is below
# exp(-_TAIL_LOG_MARGIN) times the largest term: far below double precision.
_TAIL_LOG_MARGIN = 50.0

# Guard against parameter sets whose queue distribution is too wide to sum in
# reasonable time (patience enormous compared with the inter-arrival time).
_MAX_QUEUE_STATES = 2_000_000


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
