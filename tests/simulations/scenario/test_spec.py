"""Reading spec tables: the path-naming error and clock-time instants."""

from __future__ import annotations

import pickle

import pytest

from simulations.scenario.spec import SpecError, check_instant


class TestSpecError:
    def test_spec_error_is_a_value_error_and_pickles(self) -> None:
        err = SpecError("a.b", "bad")
        assert isinstance(err, ValueError)
        copy = pickle.loads(pickle.dumps(err))
        assert (copy.path, copy.problem, str(copy)) == ("a.b", "bad", "a.b: bad")


class TestCheckInstant:
    @pytest.mark.parametrize(
        ("value", "seconds"),
        [
            (0, 0.0),
            (28800, 28800.0),
            ("08:00", 28800.0),
            ("08:30:15", 30615.0),
            ("32:00", 115200.0),
        ],
    )
    def test_reads_seconds_and_clock_times(self, value: object, seconds: float) -> None:
        assert check_instant(value, "x") == seconds

    @pytest.mark.parametrize("value", ["8h", "08:60", "8", ""])
    def test_rejects_malformed_clock_times(self, value: str) -> None:
        with pytest.raises(SpecError, match="must be seconds or a clock time 'HH:MM'"):
            check_instant(value, "x")
