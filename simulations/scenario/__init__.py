"""The input layer: TOML -> a validated, frozen :class:`Scenario` (no SimPy here).

Import from this package; its modules import each other only downwards::

    spec            the TOML table reader and ``SpecError`` (field paths in messages)
    distributions   service/patience/delay distributions (objects with ``sample(rng)``)
    arrivals        arrival processes (Poisson per interval, day profiles, batches)
    schema          the frozen scenario values and ``to_spec()``
    parsing         TOML mapping -> schema values: every check and message
    loading         ``load_scenario``, ``parse_scenario``, ``apply_override``, the
                    bundled scenarios, ``ScenarioError``

Every field is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

from simulations.errors import ScenarioError
from simulations.scenario.loading import (
    SCENARIO_DIR,
    apply_override,
    bundled_scenarios,
    load_scenario,
    parse_override,
    parse_scenario,
)
from simulations.scenario.schema import (
    BUILTIN_POLICIES,
    LEVEL_MAX,
    LEVEL_MIN,
    POLICY_FIELDS_FROM_GROUPS,
    POLICY_KEYS,
    AgentGroup,
    Channel,
    ChurnModel,
    ContactType,
    Customers,
    Handling,
    PolicySpec,
    Repeat,
    Resolution,
    Scenario,
    Shift,
    SimulationSettings,
    Targets,
    Tier,
)

__all__ = [
    "BUILTIN_POLICIES",
    "LEVEL_MAX",
    "LEVEL_MIN",
    "POLICY_FIELDS_FROM_GROUPS",
    "POLICY_KEYS",
    "SCENARIO_DIR",
    "AgentGroup",
    "Channel",
    "ChurnModel",
    "ContactType",
    "Customers",
    "Handling",
    "PolicySpec",
    "Repeat",
    "Resolution",
    "Scenario",
    "ScenarioError",
    "Shift",
    "SimulationSettings",
    "Targets",
    "Tier",
    "apply_override",
    "bundled_scenarios",
    "load_scenario",
    "parse_override",
    "parse_scenario",
]
