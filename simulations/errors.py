"""Errors raised by the simulator.

Every error subclasses :class:`SimulationError` *and* the built-in exception a caller
would naturally catch, as :mod:`routing.errors` does for the engine, so ``except
ValueError`` keeps working and ``except SimulationError`` catches everything the
simulator refuses. Every entry point (loading a scenario, running replications or
experiments, staffing search, sweeps, cross-training, reports) raises from this tree;
the ``ccsim`` command prints the message and exits with status 2.

::

    SimulationError
    ├── InvalidArgumentError (ValueError)     an argument is out of range or malformed:
    │                                         counts < 1, a target or sweep parameter
    │                                         that does not parse, an inconsistent record
    ├── SpecError (ValueError)                a table field holds a bad value (its path)
    │   └── ScenarioError                     ... in a scenario (its source file too)
    ├── UnknownNameError (KeyError)           a policy, contact type or agent group the
    │                                         scenario does not have
    ├── ResultsError (ValueError)             a results file is not what was expected
    └── MissingResultsError (FileNotFoundError)   a results folder holds no results

Errors from the engine (:class:`routing.RoutingError`) are not wrapped: a scenario is
validated before any router is built, so they mean a bug, not bad input.
"""

from __future__ import annotations

__all__ = [
    "InvalidArgumentError",
    "MissingResultsError",
    "ResultsError",
    "ScenarioError",
    "SimulationError",
    "SpecError",
    "UnknownNameError",
]


class SimulationError(Exception):
    """Base class of every error the simulator raises."""


class InvalidArgumentError(SimulationError, ValueError):
    """An argument to a simulator function is out of range or malformed."""


class SpecError(SimulationError, ValueError):
    """A spec table holds a bad value. ``str(err)`` is ``"<path>: <problem>"``.

    Attributes:
        path: Dotted field path, lists indexed from 0 (``agent_groups[3].skills.billing``).
        problem: What is wrong, naming the offending value.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)

    def __reduce__(self) -> tuple[object, ...]:
        return (SpecError, (self.path, self.problem))


class ScenarioError(SpecError):
    """A scenario is invalid. ``str(err)`` is ``"<source>: <path>: <problem>"``.

    Attributes:
        source: The file (or other source) the scenario came from.
        path: Field path inside the scenario; empty for file-level problems.
        problem: What is wrong, naming the offending value.
    """

    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.source = source
        self.args = (f"{source}: {path}: {problem}" if path else f"{source}: {problem}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (ScenarioError, (self.source, self.path, self.problem))


class UnknownNameError(SimulationError, KeyError):
    """A name the scenario does not define. ``str(err)`` is the message, unquoted."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ResultsError(SimulationError, ValueError):
    """A results folder or file is not the kind the reader expected."""


class MissingResultsError(SimulationError, FileNotFoundError):
    """A results folder holds none of the files a report reads."""
