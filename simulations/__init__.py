"""Contact-centre simulator: a SimPy model that drives the real ``routing.Router``.

The planner's entry points: load a scenario, run replications of one or several
routing policies with common random numbers, and summarise the KPIs with confidence
intervals. The ``ccsim`` command (``simulations.cli.run``) wraps them; staffing search,
sweeps, cross-training and HTML reports live in their own modules.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from simulations.centre.replication import ContactCentre, run_replication
from simulations.errors import (
    InvalidArgumentError,
    MissingResultsError,
    ResultsError,
    SimulationError,
    SpecError,
    UnknownNameError,
)
from simulations.experiment import Experiment, run_experiment
from simulations.kpi.summary import Comparison, Summary, compare, summarise
from simulations.records import AgentRecord, ContactRecord, QueueSample, ReplicationResult
from simulations.scenario import (
    ChurnModel,
    Scenario,
    ScenarioError,
    apply_override,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "AgentRecord",
    "ChurnModel",
    "Comparison",
    "ContactCentre",
    "ContactRecord",
    "Experiment",
    "InvalidArgumentError",
    "MissingResultsError",
    "QueueSample",
    "ReplicationResult",
    "ResultsError",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SpecError",
    "Summary",
    "UnknownNameError",
    "__version__",
    "apply_override",
    "bundled_scenarios",
    "compare",
    "load_scenario",
    "parse_scenario",
    "run_experiment",
    "run_replication",
    "summarise",
]

try:
    __version__ = version("skills-routing")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"
