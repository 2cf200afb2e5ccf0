"""Arrival processes: Poisson counts and dispersion, profiles, batches, spec building.

Statistical checks use fixed seeds and tolerances derived from the sampling
distribution, never tuned: ``|estimate - truth| <= Z * standard error`` with ``Z = 4``
(a two-sided false-alarm rate of about 6e-5 per check were the seeds drawn at random).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest

from simulations.scenario.arrivals import (
    BatchArrivals,
    PoissonArrivals,
    ProfileArrivals,
    arrivals_from_spec,
)
from simulations.scenario.spec import SpecError

Z = 4.0


class TestConstructorValidation:
    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: PoissonArrivals(-1.0), "PoissonArrivals per_hour must be"),
            (lambda: ProfileArrivals([], 1800.0), "ProfileArrivals per_hour must not be empty"),
            (lambda: ProfileArrivals([1.0, -1.0], 1800.0), "per_hour[1] must be"),
            (lambda: ProfileArrivals([1.0], 0.0), "ProfileArrivals interval must be"),
            (lambda: ProfileArrivals([1.0] * 4, 1800.0, period=3600.0), "shorter than the profile"),
            (lambda: BatchArrivals([], 3), "BatchArrivals at must not be empty"),
            (lambda: BatchArrivals([0.0], -1), "BatchArrivals size must be a whole number >= 0"),
        ],
    )
    def test_bad_parameters_raise_value_error_naming_the_value(
        self, build: object, message: str
    ) -> None:
        with pytest.raises(ValueError) as info:
            build()  # type: ignore[operator]
        assert message in str(info.value)


def _counts(times: list[float], edges: list[float]) -> list[int]:
    return [sum(1 for t in times if lo <= t < hi) for lo, hi in itertools.pairwise(edges)]


class TestPoissonArrivals:
    def test_count_over_a_long_window_is_within_the_poisson_interval(self) -> None:
        process = PoissonArrivals(per_hour=360.0)
        horizon = 100 * 3600.0
        count = sum(1 for _ in process.arrival_times(random.Random(3), 0.0, horizon))
        expected = process.expected_count(0.0, horizon)
        assert expected == 36_000
        assert abs(count - expected) <= Z * math.sqrt(expected)

    def test_zero_rate_never_arrives(self) -> None:
        assert PoissonArrivals(0.0).next_arrival_at(10.0, random.Random(1)) is None

    def test_next_arrival_is_strictly_after_now(self) -> None:
        rng = random.Random(5)
        assert all(PoissonArrivals(3600.0).next_arrival_at(50.0, rng) > 50.0 for _ in range(100))

    def test_scaled_multiplies_the_rate(self) -> None:
        assert PoissonArrivals(100.0).scaled(1.2).per_hour == pytest.approx(120.0)

    @pytest.mark.parametrize(("start_at", "end_at"), [(0.0, 3600.0), (-50.0, 900.0), (700.0, 1e4)])
    def test_arrival_times_chain_next_arrival_at(self, start_at: float, end_at: float) -> None:
        # arrival_times inlines next_arrival_at for speed: the same floats, the same draws.
        process = PoissonArrivals(per_hour=500.0)
        fast, slow = random.Random(9), random.Random(9)
        chained = []
        t = process.next_arrival_at(start_at, slow)
        while t is not None and t < end_at:
            chained.append(t)
            t = process.next_arrival_at(t, slow)
        assert list(process.arrival_times(fast, start_at, end_at)) == chained
        assert len(chained) > 50 and fast.random() == slow.random()

    def test_zero_rate_has_no_arrival_times(self) -> None:
        rng = random.Random(1)
        assert list(PoissonArrivals(0.0).arrival_times(rng)) == []
        assert rng.random() == random.Random(1).random()


class TestProfileArrivals:
    # Rates per hour over 10-minute intervals, with zero-rate gaps inside and at the start.
    RATES = (0.0, 120.0, 0.0, 360.0, 60.0, 0.0, 240.0)
    INTERVAL = 600.0
    REPS = 200

    def _profile(self) -> ProfileArrivals:
        return ProfileArrivals(self.RATES, self.INTERVAL)

    def _replicated_counts(self) -> list[list[int]]:
        profile = self._profile()
        edges = [i * self.INTERVAL for i in range(len(self.RATES) + 1)]
        rng = random.Random(2024)
        return [_counts(list(profile.arrival_times(rng)), edges) for _ in range(self.REPS)]

    def test_count_per_interval_is_within_the_poisson_interval(self) -> None:
        counts = self._replicated_counts()
        for i, rate in enumerate(self.RATES):
            expected = rate * self.INTERVAL / 3600.0 * self.REPS
            total = sum(rep[i] for rep in counts)
            assert abs(total - expected) <= Z * math.sqrt(expected), (i, total, expected)

    def test_zero_rate_intervals_get_no_arrivals(self) -> None:
        counts = self._replicated_counts()
        for i, rate in enumerate(self.RATES):
            if rate == 0:
                assert all(rep[i] == 0 for rep in counts)

    def test_counts_have_poisson_dispersion(self) -> None:
        # Var of Poisson(λ) counts is λ; the sample variance over R replications has
        # variance ≈ (μ4 - σ⁴)/R = (λ + 2λ²)/R.
        counts = [rep[3] for rep in self._replicated_counts()]
        lam = 360.0 * self.INTERVAL / 3600.0
        assert abs(statistics.variance(counts) - lam) <= Z * math.sqrt(
            (lam + 2 * lam**2) / self.REPS
        )

    def test_an_arrival_during_a_gap_waits_for_the_rate_to_resume(self) -> None:
        profile = ProfileArrivals((60.0, 0.0, 0.0, 60.0), 1000.0)
        rng = random.Random(8)
        for _ in range(200):
            t = profile.next_arrival_at(1000.0, rng)
            assert t is not None and t >= 3000.0

    def test_no_arrivals_after_the_profile_ends(self) -> None:
        profile = ProfileArrivals((3600.0,), 100.0, start_at=50.0)
        times = list(profile.arrival_times(random.Random(4)))
        assert times and min(times) >= 50.0 and max(times) < 150.0
        assert profile.next_arrival_at(150.0, random.Random(4)) is None

    def test_period_repeats_the_profile(self) -> None:
        profile = ProfileArrivals((0.0, 720.0), 600.0, start_at=1200.0, period=3600.0)
        times = list(profile.arrival_times(random.Random(6), 0.0, 10 * 3600.0))
        assert all(1800.0 <= t % 3600.0 < 2400.0 for t in times)
        expected = profile.expected_count(0.0, 10 * 3600.0)
        assert expected == pytest.approx(1200.0)
        assert abs(len(times) - expected) <= Z * math.sqrt(expected)

    def test_all_zero_periodic_profile_never_arrives(self) -> None:
        profile = ProfileArrivals((0.0, 0.0), 600.0, period=3600.0)
        assert profile.next_arrival_at(0.0, random.Random(1)) is None

    def test_expected_count_integrates_the_rates(self) -> None:
        profile = self._profile()
        assert profile.expected_count(0.0, 4200.0) == pytest.approx(
            sum(self.RATES) * self.INTERVAL / 3600.0
        )
        # Half of interval 1 (120/h) and half of interval 3 (360/h), gap in between.
        assert profile.expected_count(900.0, 2100.0) == pytest.approx(10.0 + 0.0 + 30.0)
        assert profile.expected_count(-100.0, 0.0) == 0.0

    def test_rate_at_reads_the_interval(self) -> None:
        profile = self._profile()
        assert profile.rate_at(1900.0) == pytest.approx(360.0 / 3600.0)
        assert profile.rate_at(-1.0) == 0.0 and profile.rate_at(5000.0) == 0.0

    def test_next_arrival_is_strictly_after_now_even_at_interval_edges(self) -> None:
        profile = ProfileArrivals((1e6, 1e6), 0.1)
        rng = random.Random(2)
        t = 0.0
        for _ in range(1000):
            nxt = profile.next_arrival_at(t, rng)
            if nxt is None:
                break
            assert nxt > t
            t = nxt


class TestBatchArrivals:
    def test_yields_each_drop_size_times_within_the_window(self) -> None:
        batch = BatchArrivals([46800.0, 28800.0], 3)
        assert batch.at == (28800.0, 46800.0)
        assert list(batch.arrival_times(random.Random(1))) == [28800.0] * 3 + [46800.0] * 3
        assert list(batch.arrival_times(random.Random(1), 28800.0, 46800.0)) == [28800.0] * 3
        assert batch.expected_count(0.0, 86400.0) == 6.0

    def test_scaled_rounds_the_size(self) -> None:
        assert BatchArrivals([0.0], 100).scaled(1.15).size == 115


class TestArrivalsFromSpec:
    def test_constant_rate(self) -> None:
        assert arrivals_from_spec({"kind": "poisson", "rate": 120}, "a") == PoissonArrivals(120.0)

    def test_profile_with_clock_start_and_period(self) -> None:
        spec = {
            "kind": "poisson",
            "rates": [10, 20],
            "interval": 1800,
            "start": "08:00",
            "period": 86400,
        }
        assert arrivals_from_spec(spec, "a") == ProfileArrivals(
            (10.0, 20.0), 1800.0, 28800.0, 86400.0
        )

    def test_batch(self) -> None:
        spec = {"kind": "batch", "at": ["08:00", 46800], "size": 5}
        assert arrivals_from_spec(spec, "a") == BatchArrivals((28800.0, 46800.0), 5)

    @pytest.mark.parametrize(
        "process",
        [
            PoissonArrivals(12.0),
            ProfileArrivals((1.0, 0.0), 900.0, 60.0),
            ProfileArrivals((1.0,), 900.0, 0.0, 3600.0),
            BatchArrivals((1.0, 2.0), 4),
        ],
        ids=repr,
    )
    def test_to_spec_round_trips(self, process: object) -> None:
        assert arrivals_from_spec(process.to_spec(), "a") == process  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (
                {"kind": "poisson", "rate": 1, "interval": 60},
                "a.interval: only applies with 'rates'; drop it or use 'rates'",
            ),
            ({"kind": "poisson"}, "a.rate: give 'rate' (per hour) or 'rates'"),
            ({"kind": "poisson", "rates": [1, 2]}, "a.interval: missing required key"),
            ({"kind": "poisson", "rates": [], "interval": 60}, "a.rates: must not be empty"),
            (
                {"kind": "poisson", "rates": [1, -2], "interval": 60},
                "a.rates[1]: must be >= 0, got -2",
            ),
            (
                {
                    "kind": "poisson",
                    "rates": [1, 2],
                    "interval": 1800,
                    "start": 84600,
                    "period": 86400,
                },
                "a.period: the profile ends at 88200 s, after the period of 86400 s",
            ),
            ({"kind": "batch", "at": [0], "size": 0}, "a.size: must be >= 1, got 0"),
            ({"kind": "batch", "at": ["8am"], "size": 1}, "a.at[0]: must be seconds or a clock"),
            ({"kind": "batch", "size": 1}, "a.at: missing required key"),
            ({"kind": "erlang"}, "a.kind: unknown kind 'erlang' (one of: poisson, batch)"),
        ],
    )
    def test_errors_name_the_field_path_and_the_value(self, spec: object, message: str) -> None:
        with pytest.raises(SpecError) as info:
            arrivals_from_spec(spec, "a")
        assert str(info.value).startswith(message)
