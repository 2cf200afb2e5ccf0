"""Scenarios: load a contact centre from TOML, validate it, change one field.

A ``Scenario`` is a tree of frozen attrs values. ``load_scenario(path)`` reads a TOML
file and ``parse_scenario(mapping, source)`` builds the tree from an already-parsed
mapping; both check every value, reject unknown keys and check cross-references, and
raise ``ScenarioError`` naming the file, the field path and the problem::

    default.toml: agent_groups[3].skills.billing: level 7 is outside 1-5

Paths index lists from 0 (``contact_types[0]`` is the first ``[[contact_types]]``).

``apply_override(scenario, "agent_groups.voice_early.count", 40)`` returns a new,
fully revalidated scenario with one value changed (sweeps, what-if runs); list items
are addressed by ``name``. Every field is documented in ``docs/scenarios.md``.

Import these from the package :mod:`simulations.scenario`, which also exports the
schema. The work is done in two modules this one imports, which never import it::

    schema  <-  parsing  <-  loading
    (values)    (TOML -> values)    (load, parse, override)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from simulations.errors import InvalidArgumentError, ScenarioError, SpecError
from simulations.scenario.parsing import scenario_from_spec
from simulations.scenario.schema import Scenario

__all__ = [
    "SCENARIO_DIR",
    "apply_override",
    "bundled_scenarios",
    "load_scenario",
    "parse_override",
    "parse_scenario",
]

SCENARIO_DIR: Final = Path(__file__).parent.parent / "scenarios"


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped in ``simulations/scenarios``, by name (file stem)."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a TOML scenario file.

    Raises:
        ScenarioError: invalid TOML or an invalid scenario, naming file, field and problem.
        OSError: the file cannot be read.
    """
    source = os.fspath(path)
    with open(path, "rb") as f:
        try:
            mapping = tomllib.load(f)
        except tomllib.TOMLDecodeError as err:
            raise ScenarioError(source, "", f"invalid TOML: {err}") from None
    return parse_scenario(mapping, source)


def parse_scenario(mapping: Mapping[str, object], source: str) -> Scenario:
    """Build and validate a scenario from a TOML-shaped mapping.

    Args:
        mapping: Parsed TOML (``tomllib.load``) or an equivalent mapping.
        source: Where it came from, used in error messages (usually the file path).

    Raises:
        ScenarioError: naming ``source``, the field path and the problem.
    """
    try:
        return scenario_from_spec(mapping, source)
    except ScenarioError:
        raise
    except SpecError as err:
        raise ScenarioError(source, err.path, err.problem) from None


def parse_override(text: str) -> tuple[str, object]:
    """Split ``"PATH=VALUE"``; VALUE is read as a TOML value, else as a bare string.

    ``"agent_groups.voice.count=40"`` gives ``("agent_groups.voice.count", 40)``;
    ``"simulation.policy=fifo"`` gives ``("simulation.policy", "fifo")``.
    """
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InvalidArgumentError(f"override {text!r}: expected PATH=VALUE")
    try:
        value: object = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path.strip(), value


def apply_override(scenario: Scenario, path: str, value: object) -> Scenario:
    """A new scenario with the field at dotted ``path`` set to ``value``, revalidated.

    Items of lists of named tables are addressed by name
    (``agent_groups.voice_early.count``, ``customers.tiers.gold.share``), other lists by
    index (``contact_types.billing_voice.arrivals.rates.3``). ``None`` removes the key,
    restoring its default. The original scenario is unchanged.

    Raises:
        ScenarioError: the path does not exist, or the result is invalid; the source
            reads ``"<file> (override PATH = VALUE)"``.
    """
    source = f"{scenario.source} (override {path} = {value!r})"
    spec = scenario.to_spec()
    node: object = spec
    keys = path.split(".")
    for depth, key in enumerate(keys):
        here = ".".join(keys[:depth]) or "the scenario"
        last = depth == len(keys) - 1
        if isinstance(node, dict):
            if last:
                if value is None:
                    node.pop(key, None)
                else:
                    node[key] = value
                break
            if key not in node:
                known = ", ".join(sorted(node))
                raise ScenarioError(source, path, f"{here} has no {key!r} (has: {known})")
            node = node[key]
        elif isinstance(node, list):
            index = _list_index(node, key)
            if index is None:
                names = [str(item.get("name")) for item in node if isinstance(item, dict)]
                known = ", ".join(names) if names else f"indexes 0-{len(node) - 1}"
                raise ScenarioError(source, path, f"{here} has no {key!r} (has: {known})")
            if last:
                if value is None:
                    del node[index]
                else:
                    node[index] = value
                break
            node = node[index]
        else:
            raise ScenarioError(source, path, f"{here} is a single value, not a table")
    try:
        return attrs.evolve(parse_scenario(spec, source), source=scenario.source)
    except ScenarioError as err:
        raise ScenarioError(source, err.path, err.problem) from None


def _list_index(items: list[object], key: str) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == key:
            return i
    if key.isdigit() and int(key) < len(items):
        return int(key)
    return None
