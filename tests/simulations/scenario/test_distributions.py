"""Distributions: sample statistics, validation and spec building.

Statistical checks use fixed seeds and tolerances derived from the sampling
distribution, never tuned: ``|estimate - truth| <= Z * standard error`` with ``Z = 4``
(a two-sided false-alarm rate of about 6e-5 per check were the seeds drawn at random).
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from simulations.scenario.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Uniform,
    from_spec,
)
from simulations.scenario.spec import SpecError

Z = 4.0
N = 20_000

SAMPLED: list[Distribution] = [
    Exponential(300.0),
    Lognormal(300.0, 120.0),
    Lognormal(60.0, 150.0),  # heavy tail: cv = 2.5
    Gamma(420.0, 0.6),
    Gamma(100.0, 2.0),
    Uniform(10.0, 50.0),
    Empirical([30.0, 45.0, 45.0, 120.0, 600.0]),
]


def _draws(dist: Distribution, n: int = N, seed: int = 12345) -> list[float]:
    rng = random.Random(seed)
    return [dist.sample(rng) for _ in range(n)]


class TestSampleMeans:
    @pytest.mark.parametrize("dist", SAMPLED, ids=repr)
    def test_sample_mean_is_within_the_confidence_interval_of_the_mean(
        self, dist: Distribution
    ) -> None:
        draws = _draws(dist)
        tolerance = Z * dist.sd / math.sqrt(N)
        assert abs(statistics.fmean(draws) - dist.mean) <= tolerance

    @pytest.mark.parametrize("dist", SAMPLED, ids=repr)
    def test_draws_are_non_negative(self, dist: Distribution) -> None:
        assert min(_draws(dist, 2_000)) >= 0.0

    def test_fixed_returns_its_value_and_leaves_the_stream_untouched(self) -> None:
        rng, twin = random.Random(1), random.Random(1)
        assert Fixed(30.0).sample(rng) == 30.0
        assert Fixed(30.0).mean == 30.0 and Fixed(30.0).sd == 0.0
        assert rng.random() == twin.random()

    def test_same_seed_gives_same_draws(self) -> None:
        dist = Lognormal(300.0, 120.0)
        assert _draws(dist, 100, seed=9) == _draws(dist, 100, seed=9)

    def test_empirical_only_returns_listed_values(self) -> None:
        values = {30.0, 45.0, 120.0}
        assert set(_draws(Empirical(values), 500)) == values


class TestLognormalParametrisation:
    def test_mean_and_sd_are_those_of_the_distribution_not_of_the_underlying_normal(
        self,
    ) -> None:
        dist = Lognormal(300.0, 120.0)
        sigma2 = math.log1p((120.0 / 300.0) ** 2)
        mu = math.log(300.0) - sigma2 / 2
        logs = [math.log(x) for x in _draws(dist)]
        # log X ~ Normal(mu, sigma²): the sample mean has sd sigma/sqrt(n), the sample
        # variance has sd sigma² * sqrt(2/(n-1)).
        assert abs(statistics.fmean(logs) - mu) <= Z * math.sqrt(sigma2 / N)
        assert abs(statistics.variance(logs) - sigma2) <= Z * sigma2 * math.sqrt(2 / (N - 1))

    def test_zero_sd_is_a_fixed_value(self) -> None:
        assert _draws(Lognormal(42.0, 0.0), 10) == pytest.approx([42.0] * 10)


class TestMoments:
    @pytest.mark.parametrize(
        ("dist", "mean", "sd"),
        [
            (Exponential(300.0), 300.0, 300.0),
            (Gamma(100.0, 0.5), 100.0, 50.0),
            (Uniform(0.0, 12.0), 6.0, 12.0 / math.sqrt(12.0)),
            (Empirical([1.0, 3.0]), 2.0, 1.0),
            (Lognormal(300.0, 120.0), 300.0, 120.0),
        ],
        ids=repr,
    )
    def test_mean_and_sd_properties(self, dist: Distribution, mean: float, sd: float) -> None:
        assert dist.mean == pytest.approx(mean)
        assert dist.sd == pytest.approx(sd)


class TestConstructorValidation:
    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: Exponential(0.0), "Exponential mean must be a finite number > 0, got 0.0"),
            (lambda: Exponential(-3.0), "got -3.0"),
            (lambda: Exponential(math.inf), "got inf"),
            (lambda: Fixed(math.nan), "Fixed value must be a finite number >= 0, got nan"),
            (lambda: Fixed(-1.0), "got -1.0"),
            (lambda: Lognormal(300.0, -1.0), "Lognormal sd must be a finite number >= 0, got -1.0"),
            (lambda: Lognormal(0.0, 10.0), "Lognormal mean must be a finite number > 0, got 0.0"),
            (lambda: Gamma(10.0, 0.0), "Gamma cv must be a finite number > 0, got 0.0"),
            (lambda: Uniform(-1.0, 2.0), "Uniform low must be a finite number >= 0, got -1.0"),
            (lambda: Uniform(5.0, 3.0), "Uniform high must be >= low (5.0), got 3.0"),
            (lambda: Empirical([]), "Empirical values must not be empty"),
            (lambda: Empirical([1.0, -2.0]), "Empirical values[1] must be a finite number"),
        ],
    )
    def test_bad_parameters_raise_value_error_naming_the_value(
        self, build: object, message: str
    ) -> None:
        with pytest.raises(ValueError) as info:
            build()  # type: ignore[operator]
        assert message in str(info.value)

    def test_values_are_frozen(self) -> None:
        dist = Exponential(10.0)
        with pytest.raises(AttributeError):
            dist.mean = 20.0  # type: ignore[misc]


class TestFromSpec:
    @pytest.mark.parametrize(
        ("spec", "expected"),
        [
            ({"kind": "exponential", "mean": 300}, Exponential(300.0)),
            ({"kind": "fixed", "value": 30}, Fixed(30.0)),
            ({"kind": "lognormal", "mean": 300, "sd": 120}, Lognormal(300.0, 120.0)),
            ({"kind": "gamma", "mean": 420, "cv": 0.6}, Gamma(420.0, 0.6)),
            ({"kind": "uniform", "low": 10, "high": 50}, Uniform(10.0, 50.0)),
            ({"kind": "empirical", "values": [1, 2, 3]}, Empirical([1.0, 2.0, 3.0])),
            (45, Fixed(45.0)),
        ],
        ids=repr,
    )
    def test_builds_each_kind(self, spec: object, expected: Distribution) -> None:
        assert from_spec(spec, "x") == expected

    @pytest.mark.parametrize("dist", [*SAMPLED, Fixed(3.0)], ids=repr)
    def test_to_spec_round_trips(self, dist: Distribution) -> None:
        assert from_spec(dist.to_spec(), "x") == dist

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (
                {"kind": "lognormal", "mean": 300, "sdd": 120},
                "h.sdd: unknown key; did you mean 'sd'? allowed keys: kind, mean, sd",
            ),
            ({"kind": "lognorm", "mean": 1}, "h.kind: unknown kind 'lognorm' (one of: exponential"),
            ({"mean": 300}, "h.kind: missing required key (one of: exponential"),
            ({"kind": "lognormal", "mean": 300}, "h.sd: missing required key"),
            ({"kind": "lognormal", "mean": 300, "sd": -1}, "h.sd: must be >= 0, got -1"),
            ({"kind": "exponential", "mean": 0}, "h.mean: must be > 0, got 0"),
            ({"kind": "exponential", "mean": "300"}, "h.mean: must be a number, got '300'"),
            ({"kind": "exponential", "mean": True}, "h.mean: must be a number, got true"),
            ({"kind": "exponential", "mean": math.nan}, "h.mean: must be finite, got nan"),
            ({"kind": "uniform", "low": 5, "high": 3}, "h.high: must be >= 5, got 3"),
            ({"kind": "empirical", "values": []}, "h.values: must not be empty"),
            ({"kind": "empirical", "values": [1, "a"]}, "h.values[1]: must be a number, got 'a'"),
            (-5, "h: must be >= 0, got -5"),
            ("300", "h: must be a table, got '300'"),
        ],
    )
    def test_errors_name_the_field_path_and_the_value(self, spec: object, message: str) -> None:
        with pytest.raises(SpecError) as info:
            from_spec(spec, "h")
        assert str(info.value) == message or str(info.value).startswith(message)
