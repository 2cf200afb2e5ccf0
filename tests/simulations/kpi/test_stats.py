"""Tests for simulations.kpi.stats: the Student t quantile and mean ± CI estimates."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from simulations.kpi.stats import Estimate, estimate, t_quantile


class TestTQuantile:
    @pytest.mark.parametrize(
        ("p", "df", "expected"),
        [
            (0.975, 1, 12.706),
            (0.975, 2, 4.303),
            (0.975, 4, 2.776),
            (0.975, 9, 2.262),
            (0.975, 29, 2.045),
            (0.995, 9, 3.250),
            (0.95, 5, 2.015),
        ],
    )
    def test_matches_published_table(self, p: float, df: int, expected: float) -> None:
        assert t_quantile(p, df) == pytest.approx(expected, abs=5e-4)

    def test_large_df_tends_to_normal_quantile(self) -> None:
        assert t_quantile(0.975, 100_000) == pytest.approx(1.95996, abs=1e-4)
        assert t_quantile(0.975, math.inf) == pytest.approx(1.959964, abs=1e-6)

    def test_is_antisymmetric_and_zero_at_median(self) -> None:
        assert t_quantile(0.025, 7) == pytest.approx(-t_quantile(0.975, 7))
        assert t_quantile(0.5, 3) == 0.0

    def test_decreases_with_degrees_of_freedom(self) -> None:
        values = [t_quantile(0.975, df) for df in range(1, 60)]
        assert values == sorted(values, reverse=True)

    @pytest.mark.parametrize("p", [0.0, 1.0, 1.5, math.nan])
    def test_rejects_probability_outside_the_open_unit_interval(self, p: float) -> None:
        with pytest.raises(ValueError, match=r"p .* strictly between 0 and 1"):
            t_quantile(p, 3)

    @pytest.mark.parametrize("df", [0, -1, math.nan])
    def test_rejects_non_positive_degrees_of_freedom(self, df: float) -> None:
        with pytest.raises(ValueError, match=r"df .* positive"):
            t_quantile(0.9, df)


class TestEstimate:
    def test_half_width_is_t_times_standard_error(self) -> None:
        est = estimate([1.0, 2.0, 3.0, 4.0, 5.0])
        assert est.mean == 3.0
        assert est.n == 5
        assert est.half_width == pytest.approx(
            2.776445 * statistics.stdev([1, 2, 3, 4, 5]) / 5**0.5
        )
        assert est.half_width is not None
        assert est.ci_low == pytest.approx(3.0 - est.half_width)

    def test_single_value_has_no_interval(self) -> None:
        est = estimate([0.8])
        assert est == Estimate(0.8, None, 1)
        assert est.ci_low is None and est.ci_high is None
        assert not est.significant

    def test_no_values_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="zero values"):
            estimate([])

    def test_significant_means_interval_excludes_zero(self) -> None:
        assert Estimate(0.1, 0.05, 5).significant
        assert not Estimate(0.1, 0.2, 5).significant
        assert Estimate(-0.1, 0.05, 5).significant

    def test_student_interval_covers_the_true_mean_95_percent_of_the_time(self) -> None:
        rng = random.Random(20240601)
        trials, n, covered, covered_z = 3000, 5, 0, 0
        for _ in range(trials):
            sample = [rng.gauss(10.0, 2.0) for _ in range(n)]
            est = estimate(sample)
            assert est.half_width is not None
            covered += abs(est.mean - 10.0) <= est.half_width
            z_half = 1.959964 * statistics.stdev(sample) / math.sqrt(n)
            covered_z += abs(est.mean - 10.0) <= z_half
        assert 0.935 <= covered / trials <= 0.965
        # The normal quantile would under-cover badly with 5 replications (~0.88).
        assert covered_z / trials < 0.91
