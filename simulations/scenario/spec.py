"""Reading TOML tables with precise, path-naming errors.

The small table reader the scenario loader and the distribution/arrival builders
share: it checks types, ranges and unknown keys and names the field path of every
problem, e.g. ``contact_types[2].handle_time.sd: must be >= 0, got -1``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping

from simulations.errors import SpecError

__all__ = [
    "SpecError",
    "TableReader",
    "check_instant",
    "check_int",
    "check_kind",
    "check_number",
    "describe",
    "fmt",
    "join_path",
]


def join_path(path: str, key: str | int) -> str:
    """Extend a field path by a key (``a.b``) or a list index (``a[3]``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: object) -> str:
    """Render a TOML value for an error message (strings quoted, booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


def fmt(x: float) -> str:
    """Format a number without a spurious ``.0`` (``300`` not ``300.0``)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def check_number(
    value: object,
    path: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a finite float within the bounds, or raise ``SpecError``.

    Args:
        value: The raw TOML value.
        path: Field path used in the error message.
        low: Inclusive lower bound (exclusive when ``low_open``), if any.
        high: Inclusive upper bound, if any.
        low_open: Make ``low`` exclusive (``> 0`` rather than ``>= 0``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(path, f"must be a number, got {describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise SpecError(path, f"must be finite, got {describe(value)}")
    if low is not None and high is not None and not low_open and not low <= x <= high:
        raise SpecError(path, f"must be between {fmt(low)} and {fmt(high)}, got {fmt(x)}")
    if low is not None and (x <= low if low_open else x < low):
        raise SpecError(path, f"must be {'>' if low_open else '>='} {fmt(low)}, got {fmt(x)}")
    if high is not None and x > high:
        raise SpecError(path, f"must be <= {fmt(high)}, got {fmt(x)}")
    return x


def check_int(value: object, path: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within ``[low, high]`` (``3.0`` is accepted as 3)."""
    x = check_number(value, path)
    if not x.is_integer():
        raise SpecError(path, f"must be a whole number, got {fmt(x)}")
    return int(check_number(x, path, low=low, high=high))


_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


def check_instant(value: object, path: str) -> float:
    """Read an instant: seconds since time 0, or a clock string ``"HH:MM[:SS]"``.

    Time 0 is the start of the simulated day, so ``"08:30"`` is 30600 s and ``"32:00"``
    is 08:00 on the second day.
    """
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m is None:
            raise SpecError(path, f"must be seconds or a clock time 'HH:MM', got {value!r}")
        return int(m[1]) * 3600.0 + int(m[2]) * 60.0 + int(m[3] or 0)
    return check_number(value, path, low=0.0)


class TableReader:
    """Reads one TOML table whose allowed keys are known up front.

    Unknown keys are rejected at construction, before any value is read, so a typo is
    reported as the typo (with a suggestion) rather than as the missing key it
    shadows. Absent keys read as ``None`` (TOML has no null).
    """

    def __init__(self, value: object, path: str, keys: Iterable[str]) -> None:
        if not isinstance(value, Mapping):
            raise SpecError(path, f"must be a table, got {describe(value)}")
        self.path = path
        self.keys = tuple(keys)
        self._table: Mapping[str, object] = value
        for key in sorted(value, key=str):
            if key not in self.keys:
                hint = difflib.get_close_matches(str(key), self.keys, n=1)
                suggestion = f"did you mean {hint[0]!r}? " if hint else ""
                raise SpecError(
                    join_path(path, str(key)),
                    f"unknown key; {suggestion}allowed keys: {', '.join(sorted(self.keys))}",
                )

    def at(self, key: str) -> str:
        """The field path of ``key`` in this table."""
        return join_path(self.path, key)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return self.get(key) is not None

    def get(self, key: str) -> object | None:
        """The raw value of ``key``, or ``None`` when absent."""
        assert key in self.keys, f"{key!r} not declared for {self.path}"
        return self._table.get(key)

    def require(self, key: str) -> object:
        """The raw value of ``key``; ``SpecError`` when absent."""
        value = self.get(key)
        if value is None:
            raise SpecError(self.at(key), "missing required key")
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> float:
        """A float field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        return check_number(value, self.at(key), low=low, high=high, low_open=low_open)

    def optional_number(
        self, key: str, *, low: float | None = None, low_open: bool = False
    ) -> float | None:
        """A float field that may be absent."""
        value = self.get(key)
        if value is None:
            return None
        return check_number(value, self.at(key), low=low, low_open=low_open)

    def whole(
        self,
        key: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int:
        """An integer field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        return check_int(value, self.at(key), low=low, high=high)

    def text(self, key: str, default: str | None = None) -> str:
        """A string field; required when ``default`` is ``None``."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise SpecError(self.at(key), "missing required key")
            return default
        if not isinstance(value, str):
            raise SpecError(self.at(key), f"must be a string, got {describe(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean field."""
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise SpecError(self.at(key), f"must be true or false, got {describe(value)}")
        return value

    def items(self, key: str, *, required: bool = False) -> list[object]:
        """A list field (empty when absent and not required)."""
        value = self.require(key) if required else self.get(key)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise SpecError(self.at(key), f"must be a list, got {describe(value)}")
        return list(value)

    def mapping(self, key: str, *, required: bool = False) -> Mapping[str, object]:
        """A sub-table as a raw mapping (empty when absent and not required)."""
        value = self.require(key) if required else self.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise SpecError(self.at(key), f"must be a table, got {describe(value)}")
        return value


def check_kind(value: object, path: str, kinds: Iterable[str]) -> str:
    """Read the ``kind`` key of a spec table before its other keys are known."""
    if not isinstance(value, Mapping):
        raise SpecError(path, f"must be a table, got {describe(value)}")
    kind = value.get("kind")
    allowed = ", ".join(kinds)
    if kind is None:
        raise SpecError(join_path(path, "kind"), f"missing required key (one of: {allowed})")
    if kind not in kinds:
        raise SpecError(
            join_path(path, "kind"), f"unknown kind {describe(kind)} (one of: {allowed})"
        )
    return str(kind)
