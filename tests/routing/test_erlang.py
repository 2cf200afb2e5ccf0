"""Tests for routing.erlang: published values, independent methods, limits, errors.

Bad arguments raise routing's errors (``InvalidInputError``, ``InvalidDurationError`` for
a time in seconds), which are ``ValueError`` too.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
import statistics
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from typing import TypedDict

import pytest

from routing import InvalidDurationError, InvalidInputError, RoutingError
from routing.erlang import (
    ErlangAResult,
    agents_for_asa,
    agents_for_erlang_a,
    agents_for_service_level,
    average_speed_of_answer,
    erlang_a,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    service_level,
)

# A published worked example: 57 calls an hour, 18.5 minutes handle time.
PUBLISHED_RATE = 57 / 3600
PUBLISHED_AHT = 1110.0


class QueueCase(TypedDict):
    arrival_rate: float
    aht: float
    agents: int
    patience: float


# A moderate Erlang A case used by several independent checks.
MODERATE = QueueCase(arrival_rate=9.5 / 300, aht=300.0, agents=10, patience=120.0)


# ------------------------------------------------------------- independent references


def erlang_b_by_factorials(load: float, agents: int) -> float:
    """Textbook definition, fine for small agents."""
    terms = [load**k / math.factorial(k) for k in range(agents + 1)]
    return terms[-1] / math.fsum(terms)


def erlang_c_by_factorials(load: float, agents: int) -> float:
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    below = math.fsum(load**k / math.factorial(k) for k in range(agents))
    return top / (below + top)


def erlang_c_by_lgamma(load: float, agents: int) -> float:
    """Erlang C from log-space terms, a different route from the B recursion."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    log_top = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    peak = max([*logs, log_top])
    below = math.fsum(math.exp(x - peak) for x in logs)
    top = math.exp(log_top - peak)
    return top / (below + top)


def mmc_m_stationary(
    arrival_rate: float, aht: float, agents: int, patience: float, states: int
) -> list[float]:
    """P(N = n) of M/M/c+M by the plain product formula (small cases only)."""
    mu, theta = 1.0 / aht, 1.0 / patience
    weights = [1.0]
    for n in range(1, agents + states + 1):
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        weights.append(weights[-1] * arrival_rate / death)
    total = math.fsum(weights)
    return [w / total for w in weights]


def erlang_a_by_uniformisation(
    arrival_rate: float, aht: float, agents: int, patience: float, target: float
) -> tuple[float, float]:
    """(answered within target, abandoned within target) as fractions of arrivals.

    Follows a tagged arrival through the CTMC "m contacts ahead of me": from m it
    moves to m-1 (or is answered from m = 0) at rate c mu + m theta and abandons at
    rate theta; the arrival's starting m is drawn from the stationary distribution.
    Transient probabilities at time `target` come from uniformisation.
    """
    states = 200
    probs = mmc_m_stationary(arrival_rate, aht, agents, patience, states)
    assert probs[-1] < 1e-30, "truncate later"
    mu_c, theta = agents / aht, 1.0 / patience
    ahead = probs[agents:]  # ahead[m]: arrival finds m waiting
    answered = math.fsum(probs[:agents])
    abandoned = 0.0
    rate = mu_c + (len(ahead) + 1) * theta
    poisson = math.exp(-rate * target)
    steps = int(rate * target + 12 * math.sqrt(rate * target) + 30)
    vector = list(ahead)
    got_answered = got_abandoned = 0.0
    for n in range(steps + 1):
        # P(absorbed by time target) = sum_n Poisson(n) P(absorbed within n jumps).
        if n > 0:
            poisson *= rate * target / n
            forward = [(mu_c + m * theta) / rate * v for m, v in enumerate(vector)]
            got_answered += forward[0]
            got_abandoned += math.fsum(theta / rate * v for v in vector)
            vector = [
                v * (1.0 - (mu_c + (m + 1) * theta) / rate)
                + (forward[m + 1] if m + 1 < len(vector) else 0.0)
                for m, v in enumerate(vector)
            ]
        answered += poisson * got_answered
        abandoned += poisson * got_abandoned
    # Terms with n > steps: absorbed mass times the missing Poisson tail (negligible).
    return answered, abandoned


def simulate_mmc_m(
    arrival_rate: float,
    aht: float,
    agents: int,
    patience: float,
    target: float,
    customers: int,
    batches: int,
    rng: random.Random,
) -> dict[str, tuple[float, float]]:
    """Event-by-customer simulation of FCFS M/M/c+M; (estimate, standard error) per KPI.

    FCFS means each arrival, taken in arrival order, starts service at the earliest
    time an agent is free of all earlier answered arrivals, unless its patience runs
    out first, in which case it never occupies an agent. Standard errors come from
    batch means after a warm-up, so they account for autocorrelation.
    """
    free_at = [0.0] * agents
    now = 0.0
    warmup = customers // 20
    per_batch = customers // batches
    samples: dict[str, list[float]] = {
        "p_wait": [],
        "p_abandon": [],
        "service_level_offered": [],
        "service_level": [],
        "asa": [],
    }
    for batch in range(-1, batches):
        size = warmup if batch < 0 else per_batch
        waited = abandoned = answered_in_time = abandoned_in_time = 0
        answered_wait = 0.0
        for _ in range(size):
            now += rng.expovariate(arrival_rate)
            own_patience = rng.expovariate(1.0 / patience)
            start = max(now, free_at[0])
            wait = start - now
            waited += wait > 0.0
            if wait <= own_patience:
                heapq.heapreplace(free_at, start + rng.expovariate(1.0 / aht))
                answered_wait += wait
                answered_in_time += wait <= target
            else:
                abandoned += 1
                abandoned_in_time += own_patience <= target
        if batch < 0:
            continue
        samples["p_wait"].append(waited / size)
        samples["p_abandon"].append(abandoned / size)
        samples["service_level_offered"].append(answered_in_time / size)
        samples["service_level"].append(answered_in_time / (size - abandoned_in_time))
        samples["asa"].append(answered_wait / (size - abandoned))
    return {
        name: (statistics.fmean(values), statistics.stdev(values) / math.sqrt(batches))
        for name, values in samples.items()
    }


# ------------------------------------------------------------------------------ tests


class TestOfferedLoad:
    def test_is_arrivals_per_second_times_handle_seconds(self) -> None:
        assert offered_load(PUBLISHED_RATE, PUBLISHED_AHT) == pytest.approx(17.575)

    def test_zero_arrivals_give_zero_load(self) -> None:
        assert offered_load(0, 300) == 0.0


class TestErlangB:
    @pytest.mark.parametrize(
        ("load", "agents", "expected"),
        [(10.0, 10, 0.2146), (2.0, 3, 0.2105), (1.0, 1, 0.5), (20.0, 30, 0.0085)],
    )
    def test_matches_textbook_table(self, load: float, agents: int, expected: float) -> None:
        assert erlang_b(load, agents) == pytest.approx(expected, abs=5e-5)

    @pytest.mark.parametrize(("load", "agents"), [(0.3, 1), (2.5, 4), (7.0, 12), (15.0, 10)])
    def test_matches_factorial_definition(self, load: float, agents: int) -> None:
        assert erlang_b(load, agents) == pytest.approx(erlang_b_by_factorials(load, agents))

    def test_no_servers_block_everything(self) -> None:
        assert erlang_b(3.0, 0) == 1.0

    def test_no_load_blocks_nothing(self) -> None:
        assert erlang_b(0.0, 5) == 0.0

    def test_decreases_as_servers_are_added(self) -> None:
        values = [erlang_b(50.0, c) for c in range(40, 70)]
        assert values == sorted(values, reverse=True)

    def test_thousands_of_servers_stay_finite(self) -> None:
        value = erlang_b(950.0, 1000)
        assert 0.0 < value < 1.0
        assert erlang_b(4000.0, 5000) >= 0.0


class TestErlangC:
    @pytest.mark.parametrize("load", [0.1, 0.5, 0.93])
    def test_single_agent_waits_with_probability_rho(self, load: float) -> None:
        assert erlang_c(load, 1) == pytest.approx(load)

    @pytest.mark.parametrize(("load", "agents"), [(1.5, 2), (2.0, 3), (8.0, 10), (17.575, 21)])
    def test_matches_factorial_definition(self, load: float, agents: int) -> None:
        assert erlang_c(load, agents) == pytest.approx(erlang_c_by_factorials(load, agents))

    def test_two_agents_match_closed_form(self) -> None:
        # For c = 2: C = A^2 / (2 + A) = 2 rho^2 / (1 + rho).
        rho = 0.7
        assert erlang_c(2 * rho, 2) == pytest.approx(2 * rho**2 / (1 + rho))

    @pytest.mark.parametrize(("load", "agents"), [(10.0, 10), (12.0, 10), (1.0, 0)])
    def test_is_one_when_load_reaches_agents(self, load: float, agents: int) -> None:
        assert erlang_c(load, agents) == 1.0

    def test_no_load_never_waits(self) -> None:
        assert erlang_c(0.0, 3) == 0.0

    def test_thousand_agents_match_log_space_sum(self) -> None:
        value = erlang_c(950.0, 1000)
        assert 0.0 < value < 1.0
        assert value == pytest.approx(erlang_c_by_lgamma(950.0, 1000), rel=1e-9)


class TestErlangCMetrics:
    def test_published_example_reaches_about_80_7_percent_in_180_seconds(self) -> None:
        assert service_level(PUBLISHED_RATE, PUBLISHED_AHT, 21, 180) == pytest.approx(
            0.807, abs=0.001
        )

    def test_metrics_follow_closed_forms(self) -> None:
        result = erlang_c_metrics(PUBLISHED_RATE, PUBLISHED_AHT, 21, 180)
        load = 57 / 3600 * 1110
        c = erlang_c(load, 21)
        assert result.offered_load == pytest.approx(load)
        assert result.p_wait == pytest.approx(c)
        assert result.asa == pytest.approx(c * 1110 / (21 - load))
        assert result.occupancy == pytest.approx(load / 21)
        assert result.service_level == pytest.approx(1 - c * math.exp(-(21 - load) * 180 / 1110))

    def test_zero_target_service_level_is_probability_of_no_wait(self) -> None:
        result = erlang_c_metrics(0.05, 180, 12, 0)
        assert result.service_level == pytest.approx(1 - result.p_wait)

    def test_single_agent_asa_is_mm1_queue_wait(self) -> None:
        # M/M/1: Wq = rho / (mu - lambda).
        assert average_speed_of_answer(0.004, 200, 1) == pytest.approx(0.8 / (0.005 - 0.004))

    def test_overloaded_queue_reports_unbounded_wait(self) -> None:
        result = erlang_c_metrics(0.1, 100, 10, 20)
        assert (result.p_wait, result.service_level, result.asa, result.occupancy) == (
            1.0,
            0.0,
            math.inf,
            1.0,
        )

    def test_thousand_agents_give_probabilities_in_range(self) -> None:
        result = erlang_c_metrics(950 / 300, 300, 1000, 20)
        for value in (result.p_wait, result.service_level, result.occupancy):
            assert 0.0 <= value <= 1.0
        assert math.isfinite(result.asa)

    def test_result_is_frozen(self) -> None:
        result = erlang_c_metrics(0.01, 300, 5, 20)
        with pytest.raises(FrozenInstanceError):
            result.p_wait = 0.0  # type: ignore[misc]


class TestAgentsForServiceLevel:
    def test_published_example_needs_23_agents_for_80_in_20(self) -> None:
        assert agents_for_service_level(PUBLISHED_RATE, PUBLISHED_AHT, 20, 0.8) == 23
        assert service_level(PUBLISHED_RATE, PUBLISHED_AHT, 22, 20) < 0.8
        assert service_level(PUBLISHED_RATE, PUBLISHED_AHT, 23, 20) >= 0.8

    @pytest.mark.parametrize("load", [0.4, 3.0, 42.0, 500.0, 2000.0])
    def test_answer_is_the_fewest_agents_meeting_the_target(self, load: float) -> None:
        rate = load / 240
        agents = agents_for_service_level(rate, 240, 30, 0.9)
        assert service_level(rate, 240, agents, 30) >= 0.9
        if agents - 1 > load:
            assert service_level(rate, 240, agents - 1, 30) < 0.9

    def test_zero_demand_needs_no_agents(self) -> None:
        assert agents_for_service_level(0.0, 300, 20, 0.8) == 0


class TestAgentsForAsa:
    @pytest.mark.parametrize("load", [0.4, 17.575, 500.0])
    def test_answer_is_the_fewest_agents_meeting_the_target(self, load: float) -> None:
        rate = load / 300
        agents = agents_for_asa(rate, 300, 15)
        assert average_speed_of_answer(rate, 300, agents) <= 15
        assert average_speed_of_answer(rate, 300, agents - 1) > 15

    def test_zero_demand_needs_no_agents(self) -> None:
        assert agents_for_asa(0.0, 300, 15) == 0


class TestErlangAAgainstIndependentMethods:
    def test_waiting_probability_and_queue_match_product_formula(self) -> None:
        result = erlang_a_metrics(**MODERATE, target=20)
        probs = mmc_m_stationary(**MODERATE, states=200)
        assert result.p_wait == pytest.approx(math.fsum(probs[10:]), rel=1e-12)
        queue = math.fsum(j * p for j, p in enumerate(probs[10:]))
        assert result.mean_queue_length == pytest.approx(queue, rel=1e-12)
        busy = math.fsum(min(n, 10) * p for n, p in enumerate(probs))
        assert result.occupancy == pytest.approx(busy / 10, rel=1e-12)

    def test_abandonment_matches_flow_balance(self) -> None:
        # Abandonment rate theta E[Q] equals arrival_rate * p_abandon.
        for patience in (5.0, 120.0, 3600.0):
            result = erlang_a_metrics(0.04, 300, 10, patience, 20)
            assert result.p_abandon == pytest.approx(
                result.mean_queue_length / patience / 0.04, rel=1e-10
            )
            assert result.throughput == pytest.approx(0.04 * (1 - result.p_abandon))

    @pytest.mark.parametrize(
        ("arrival_rate", "aht", "agents", "patience", "target"),
        [
            (9.5 / 300, 300.0, 10, 120.0, 20.0),
            (9.5 / 300, 300.0, 10, 120.0, 180.0),
            (8.0 / 180, 180.0, 5, 60.0, 30.0),
            (3.0 / 240, 240.0, 4, 600.0, 45.0),
        ],
    )
    def test_service_levels_match_uniformised_tagged_customer(
        self, arrival_rate: float, aht: float, agents: int, patience: float, target: float
    ) -> None:
        result = erlang_a_metrics(arrival_rate, aht, agents, patience, target)
        answered, abandoned = erlang_a_by_uniformisation(
            arrival_rate, aht, agents, patience, target
        )
        assert result.service_level_offered == pytest.approx(answered, abs=1e-9)
        assert result.service_level == pytest.approx(answered / (1 - abandoned), abs=1e-9)

    def test_asa_is_the_integral_of_the_answered_wait_tail(self) -> None:
        # E[wait; answered] = integral over t of P(answered) - P(answered within t).
        result = erlang_a_metrics(**MODERATE, target=0)
        answered = 1 - result.p_abandon
        step, intervals = 2.0, 2000  # up to 4000 s, where the tail is ~1e-20
        values = [
            answered - erlang_a_metrics(**MODERATE, target=i * step).service_level_offered
            for i in range(intervals + 1)
        ]
        simpson = (
            step / 3 * (values[0] + values[-1] + 4 * sum(values[1:-1:2]) + 2 * sum(values[2:-1:2]))
        )
        # Simpson's error at this step is about 6e-9 relative (it shrinks 16x per halving).
        assert result.asa * answered == pytest.approx(simpson, rel=2e-8)

    def test_monte_carlo_agrees_within_four_standard_errors(self) -> None:
        target = 20.0
        estimates = simulate_mmc_m(
            **MODERATE,
            target=target,
            customers=200_000,
            batches=20,
            rng=random.Random(20240611),
        )
        result = erlang_a_metrics(**MODERATE, target=target)
        for name, (estimate, std_error) in estimates.items():
            exact = getattr(result, name)
            # The check must have teeth: standard errors well below the values' scale.
            assert std_error < 0.02 * max(exact, 1.0), name
            assert abs(estimate - exact) < 4 * std_error, (name, estimate, exact, std_error)


class TestErlangALimits:
    def test_long_patience_converges_to_erlang_c_at_first_order(self) -> None:
        # Erlang A differs from Erlang C by O(theta): each tenfold longer patience
        # should shrink the largest gap about tenfold.
        rate, aht, agents, target = 9.5 / 300, 300.0, 10, 20.0
        c_result = erlang_c_metrics(rate, aht, agents, target)
        gaps = []
        for patience in (1e6, 1e7, 1e8, 1e9):
            a_result = erlang_a_metrics(rate, aht, agents, patience, target)
            gaps.append(
                max(
                    abs(a_result.p_wait - c_result.p_wait),
                    abs(a_result.service_level - c_result.service_level),
                    abs(a_result.asa - c_result.asa) / c_result.asa,
                    abs(a_result.occupancy - c_result.occupancy),
                )
            )
        for longer, shorter in itertools.pairwise(gaps):
            assert 5 < longer / shorter < 20
        assert gaps[-1] < 1e-4

    def test_abandonment_rises_as_patience_shortens(self) -> None:
        values = [
            erlang_a_metrics(0.035, 300, 10, patience, 20).p_abandon
            for patience in (3600.0, 600.0, 120.0, 30.0, 5.0)
        ]
        assert values == sorted(values)
        assert values[0] > 0.0

    def test_abandonment_falls_as_agents_are_added(self) -> None:
        values = [erlang_a_metrics(0.035, 300, c, 120, 20).p_abandon for c in range(5, 20)]
        assert values == sorted(values, reverse=True)

    def test_zero_target_counts_only_immediate_answers(self) -> None:
        result = erlang_a_metrics(**MODERATE, target=0)
        assert result.service_level_offered == pytest.approx(1 - result.p_wait)
        assert result.service_level == pytest.approx(1 - result.p_wait)

    def test_no_arrivals_means_no_waiting(self) -> None:
        result = erlang_a_metrics(0.0, 300, 3, 60, 20)
        assert (result.p_wait, result.p_abandon, result.service_level, result.occupancy) == (
            0.0,
            0.0,
            1.0,
            0.0,
        )

    @pytest.mark.parametrize(
        ("arrival_rate", "agents", "patience"),
        [(950 / 300, 1000, 600.0), (2000 / 300, 1000, 600.0), (5.0, 1, 30.0)],
    )
    def test_large_and_overloaded_systems_stay_finite(
        self, arrival_rate: float, agents: int, patience: float
    ) -> None:
        result = erlang_a_metrics(arrival_rate, 300, agents, patience, 20)
        for value in (
            result.p_wait,
            result.p_abandon,
            result.service_level,
            result.service_level_offered,
            result.occupancy,
        ):
            assert 0.0 <= value <= 1.0
        assert math.isfinite(result.asa)
        assert math.isfinite(result.mean_queue_length)

    def test_heavy_overload_loses_the_excess_load(self) -> None:
        # Twice the capacity: about half the callers must abandon.
        result = erlang_a_metrics(2000 / 300, 300, 1000, 600, 20)
        assert result.p_abandon == pytest.approx(0.5, abs=0.01)
        assert result.occupancy == pytest.approx(1.0, abs=1e-6)

    def test_refuses_a_queue_too_wide_to_sum(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(erlang_a, "_MAX_QUEUE_STATES", 50)
        with pytest.raises(InvalidInputError, match=r"patience=1000000\.0") as raised:
            erlang_a_metrics(**(MODERATE | {"patience": 1e6}), target=20)
        assert type(raised.value) is InvalidInputError  # not a bad duration: a limit


class TestAgentsForErlangA:
    def brute_force(self, meets: Callable[[ErlangAResult], bool], rate: float) -> int:
        agents = 1
        while not meets(erlang_a_metrics(rate, 300, agents, 120, 20)):
            agents += 1
        return agents

    @pytest.mark.parametrize("load", [0.3, 9.5, 60.0])
    def test_service_level_target_matches_linear_search(self, load: float) -> None:
        rate = load / 300
        expected = self.brute_force(lambda r: r.service_level >= 0.8, rate)
        assert agents_for_erlang_a(rate, 300, 120, target=20, level=0.8) == expected

    def test_all_given_targets_must_hold(self) -> None:
        rate = 9.5 / 300
        expected = self.brute_force(lambda r: r.p_abandon <= 0.02 and r.asa <= 1.0, rate)
        got = agents_for_erlang_a(rate, 300, 120, max_abandon=0.02, max_asa=1.0)
        assert got == expected
        assert got > agents_for_erlang_a(rate, 300, 120, max_abandon=0.02)

    def test_hundreds_of_erlangs_are_solved(self) -> None:
        rate = 500 / 300
        agents = agents_for_erlang_a(rate, 300, 120, target=20, level=0.8)
        assert erlang_a_metrics(rate, 300, agents, 120, 20).service_level >= 0.8
        assert erlang_a_metrics(rate, 300, agents - 1, 120, 20).service_level < 0.8

    def test_zero_demand_needs_no_agents(self) -> None:
        assert agents_for_erlang_a(0.0, 300, 120, max_abandon=0.05) == 0

    def test_needs_at_least_one_target(self) -> None:
        with pytest.raises(InvalidInputError, match="at least one"):
            agents_for_erlang_a(0.03, 300, 120)

    def test_needs_target_time_and_level_together(self) -> None:
        with pytest.raises(InvalidInputError, match=r"target=20, level=None"):
            agents_for_erlang_a(0.03, 300, 120, target=20)


BAD_INPUTS: list[tuple[str, Callable[[], object], str, type[InvalidInputError]]] = [
    (
        "negative load",
        lambda: erlang_b(-1.0, 3),
        "load must be >= 0 (Erlangs), got -1.0",
        InvalidInputError,
    ),
    ("nan load", lambda: erlang_c(math.nan, 3), "load must be finite, got nan", InvalidInputError),
    ("inf load", lambda: erlang_b(math.inf, 3), "load must be finite, got inf", InvalidInputError),
    (
        "string load",
        lambda: erlang_b("3", 3),  # type: ignore[arg-type]
        "load must be a real number, got '3'",
        InvalidInputError,
    ),
    (
        "bool load",
        lambda: erlang_b(True, 3),
        "load must be a real number, got True",
        InvalidInputError,
    ),
    (
        "float agents",
        lambda: erlang_b(3.0, 4.0),  # type: ignore[arg-type]
        "agents must be an integer, got 4.0",
        InvalidInputError,
    ),
    (
        "negative agents",
        lambda: erlang_c(3.0, -1),
        "agents must be >= 0, got -1",
        InvalidInputError,
    ),
    (
        "zero agents",
        lambda: erlang_c_metrics(0.01, 300, 0, 20),
        "agents must be >= 1, got 0",
        InvalidInputError,
    ),
    (
        "negative rate",
        lambda: service_level(-0.5, 300, 3, 20),
        "arrival_rate must be >= 0 (contacts per second), got -0.5",
        InvalidInputError,
    ),
    (
        "zero aht",
        lambda: offered_load(0.1, 0),
        "aht must be > 0 (seconds), got 0",
        InvalidDurationError,
    ),
    (
        "nan aht",
        lambda: erlang_c_metrics(0.1, math.nan, 3, 20),
        "aht must be finite, got nan",
        InvalidDurationError,
    ),
    (
        "negative target",
        lambda: erlang_c_metrics(0.01, 300, 5, -1),
        "target must be >= 0 (seconds), got -1",
        InvalidDurationError,
    ),
    (
        "inf target",
        lambda: service_level(0.01, 300, 5, math.inf),
        "target must be finite, got inf",
        InvalidDurationError,
    ),
    (
        "zero patience",
        lambda: erlang_a_metrics(0.01, 300, 5, 0.0, 20),
        "patience must be > 0 (seconds), got 0.0",
        InvalidDurationError,
    ),
    (
        "inf patience",
        lambda: erlang_a_metrics(0.01, 300, 5, math.inf, 20),
        "patience must be finite, got inf",
        InvalidDurationError,
    ),
    (
        "level of one",
        lambda: agents_for_service_level(0.01, 300, 20, 1.0),
        "level must be strictly between 0 and 1, got 1.0",
        InvalidInputError,
    ),
    (
        "level zero",
        lambda: agents_for_erlang_a(0.01, 300, 60, target=20, level=0),
        "level must be strictly between 0 and 1, got 0",
        InvalidInputError,
    ),
    (
        "abandon above one",
        lambda: agents_for_erlang_a(0.01, 300, 60, max_abandon=1.5),
        "max_abandon must be strictly between 0 and 1, got 1.5",
        InvalidInputError,
    ),
    (
        "zero asa",
        lambda: agents_for_asa(0.01, 300, 0.0),
        "max_asa must be > 0 (seconds), got 0.0",
        InvalidDurationError,
    ),
    (
        "negative erlang a asa",
        lambda: agents_for_erlang_a(0.01, 300, 60, max_asa=-3),
        "max_asa must be > 0 (seconds), got -3",
        InvalidDurationError,
    ),
]


class TestInvalidInputs:
    @pytest.mark.parametrize(
        ("call", "message", "error"),
        [pytest.param(call, message, error, id=name) for name, call, message, error in BAD_INPUTS],
    )
    def test_raises_a_routing_error_naming_the_value(
        self, call: Callable[[], object], message: str, error: type[InvalidInputError]
    ) -> None:
        with pytest.raises(error, match=f"^{re.escape(message)}$") as raised:
            call()
        assert type(raised.value) is error
        assert isinstance(raised.value, RoutingError) and isinstance(raised.value, ValueError)
