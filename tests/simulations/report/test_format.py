"""Tests for simulations.report.format: one formatter for every table."""

from __future__ import annotations

import math

import pytest

from simulations.kpi.stats import Estimate
from simulations.report.format import estimate_of, estimate_text, number


class TestNumber:
    @pytest.mark.parametrize(
        ("value", "unit", "text"),
        [
            (0.889, "rate", "88.9%"),
            (14.46, "seconds", "14.5 s"),
            (16.921, "money", "16.92"),
            (11008.0, "money", "11,008.00"),
            (2875.33, "count", "2,875.3"),
            (None, "rate", "–"),
            (math.nan, "seconds", "–"),
            (math.inf, "seconds", "∞"),
        ],
    )
    def test_a_value_reads_by_its_unit(self, value: float | None, unit: str, text: str) -> None:
        assert number(value, unit, difference=False) == text  # type: ignore[arg-type]

    def test_decimals_override_the_units_places(self) -> None:
        assert number(11008.4, "money", decimals=0) == "11,008"

    def test_a_difference_is_signed_and_a_rate_difference_is_in_points(self) -> None:
        assert number(0.009, "rate", difference=True) == "+0.9 pp"
        assert number(-0.04, "money", difference=True) == "-0.04"
        assert number(66.3, "seconds", difference=True) == "+66.3 s"


class TestEstimateText:
    def test_the_unit_is_written_once_after_the_mean(self) -> None:
        assert estimate_text(Estimate(0.889, 0.041, 3), "service_level") == "88.9% ± 4.1"
        assert estimate_text(Estimate(14.5, 7.9, 3), "asa") == "14.5 s ± 7.9"
        assert estimate_text(Estimate(16.92, 0.08, 3), "cost_per_contact") == "16.92 ± 0.08"
        assert estimate_text(Estimate(0.009, 0.01, 3), "fcr", difference=True) == "+0.9 pp ± 1.0"

    def test_one_replication_shows_n_and_undefined_a_dash(self) -> None:
        assert estimate_text(Estimate(0.5, None, 1), "fcr") == "50.0% (n=1)"
        assert estimate_text(None, "fcr") == "–"

    def test_a_saved_mapping_reads_like_the_estimate(self) -> None:
        est = Estimate(0.889, 0.041, 3)
        assert estimate_text(est.as_dict(), "service_level") == estimate_text(est, "service_level")
        assert estimate_of({"mean": None, "half_width": None, "n": 3}) is None
        assert estimate_text({"mean": None, "infinite": True, "n": 2}, "asa") == "∞"

    def test_an_unknown_kpi_reads_as_a_count(self) -> None:
        assert estimate_text(Estimate(3.0, 1.0, 2), "no_such_kpi") == "3.0 ± 1.0"
