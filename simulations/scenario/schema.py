"""Scenario schema: the frozen attrs values a contact centre is described by.

``Scenario`` and the tables it is made of (``SimulationSettings``, ``Channel``,
``ContactType``, ``AgentGroup``, ...), with the helpers the simulator asks them
(``Scenario.groups_for``, ``ContactType.margin``, ``Handling.factor``...), and
``Scenario.to_spec()``, which writes a scenario back as a TOML-shaped mapping.

Import these from :mod:`simulations.scenario`, the public face of scenarios. The
modules form a chain with no cycle::

    scenario_schema  <-  scenario_parsing  <-  scenario
    (the values)         (TOML -> values)      (load, parse, override; re-exports)

The writer (``to_spec``) lives here rather than beside the parser because it is a
method of ``Scenario``: the schema must not import the module that builds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import attrs

from routing.model import (
    LEVEL_MAX,
    LEVEL_MIN,
    RelaxStep,
    Requirement,
    Skills,
    SkillsLike,
    normalise_skills,
    satisfies,
)
from routing.ordering import RoutingProfile
from routing.policy import Policy
from simulations.errors import InvalidArgumentError, UnknownNameError
from simulations.scenario.arrivals import ArrivalProcess
from simulations.scenario.distributions import Distribution, Fixed

__all__ = [
    "BUILTIN_POLICIES",
    "DRAIN",
    "LEVEL_MAX",
    "LEVEL_MIN",
    "NO_WRAP_UP",
    "POLICY_FIELDS_FROM_GROUPS",
    "POLICY_KEYS",
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
    "Shift",
    "SimulationSettings",
    "Targets",
    "Tier",
]

BUILTIN_POLICIES: Final = ("default", "fifo")
#: Keys a ``[policies.NAME]`` table may set: the fields of ``routing.Policy``, whose own
#: checks validate each value; see docs/scenarios.md.
POLICY_FIELDS_FROM_GROUPS: Final = frozenset({"routing_profiles"})
"""``routing.Policy`` fields a scenario sets from its agent groups, not in a policy:
every group with an ``ordering`` is a routing profile of every policy, named after the
group (ordering belongs to the staff, so compared policies route the same staff)."""
DRAIN: Final = 4 * 3600.0
"""Seconds a run goes on past the horizon (no new arrivals) so late contacts finish."""
POLICY_KEYS: Final = tuple(
    sorted(f.name for f in attrs.fields(Policy) if f.name not in POLICY_FIELDS_FROM_GROUPS)
)
#: A contact type's ``wrap_up`` when the scenario gives none.
NO_WRAP_UP: Final = Fixed(0.0)


# --------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------


@attrs.frozen
class ChurnModel:
    """Churn-risk parameters: the scenario's ``[churn]`` table parses into this class.

    Attributes:
        base_annual: baseline annual churn probability (0-1).
        per_minute_over: added probability per minute waited beyond ``wait_threshold``.
        wait_threshold: seconds of waiting a customer tolerates without effect (or the
            contact's ``sla_target`` when that is longer: nobody churns over an email
            answered within the promised time).
        per_unresolved: added probability per issue left unresolved.
        new_customer_multiplier: factor applied to new (onboarding) customers.
    """

    base_annual: float = attrs.field(default=0.0)
    per_minute_over: float = attrs.field(default=0.0)
    wait_threshold: float = attrs.field(default=60.0)
    per_unresolved: float = attrs.field(default=0.0)
    new_customer_multiplier: float = attrs.field(default=1.0)

    @base_annual.validator
    def _check_probability(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise InvalidArgumentError(f"churn {attribute.name} {value!r} must be within 0-1")

    @per_minute_over.validator
    @wait_threshold.validator
    @per_unresolved.validator
    @new_customer_multiplier.validator
    def _check_non_negative(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not (math.isfinite(value) and value >= 0.0):
            raise InvalidArgumentError(f"churn {attribute.name} {value!r} must be finite and >= 0")

    def probability(self, *, minutes_over: float, unresolved: int, is_new: bool) -> float:
        """Annual churn probability of one customer after these experiences."""
        m = self.new_customer_multiplier if is_new else 1.0
        extra = self.per_minute_over * minutes_over + self.per_unresolved * unresolved
        return min(1.0, m * (self.base_annual + extra))

    def increment(self, *, minutes_over: float, unresolved: int, is_new: bool) -> float:
        """How much these experiences raised the customer's churn probability."""
        base = self.probability(minutes_over=0.0, unresolved=0, is_new=is_new)
        p = self.probability(minutes_over=minutes_over, unresolved=unresolved, is_new=is_new)
        return p - base


@attrs.frozen
class SimulationSettings:
    """The ``[simulation]`` table: run length, statistics and policies to run."""

    name: str
    horizon: float
    description: str = ""
    warmup: float = 0.0
    interval: float = 1800.0
    replications: int = 10
    seed: int = 1
    policy: str = "default"
    compare: tuple[str, ...] = ("default", "fifo")
    volume: float = 1.0

    @property
    def ends_at(self) -> float:
        """The instant a run stops: the horizon plus :data:`DRAIN` without arrivals."""
        return self.horizon + DRAIN

    @property
    def window(self) -> tuple[float, float]:
        """The measured window ``(warmup, horizon)``: KPIs and targets count what falls
        in ``[warmup, horizon)`` (see :func:`simulations.records.in_window`)."""
        return (self.warmup, self.horizon)


@attrs.frozen
class PolicySpec:
    """A named routing policy: a built-in ``base`` plus ``routing.Policy`` field overrides.

    ``routing.Policy(**overrides)`` (or ``Policy.fifo(**overrides)`` for ``base="fifo"``)
    builds it.
    """

    name: str
    base: str = "default"
    overrides: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class Channel:
    """A channel (voice, chat, email, backoffice...) and what one contact on it costs."""

    name: str
    units: int = 1
    cost_per_contact: float = 0.0


@attrs.frozen
class Tier:
    """A customer value tier: its share of customers and its value for routing."""

    name: str
    share: float
    value: float = 1.0


@attrs.frozen
class Customers:
    """The ``[customers]`` table: population, new-customer share and value tiers."""

    population: int = 10_000
    new_share: float = 0.0
    tiers: tuple[Tier, ...] = (Tier("standard", 1.0, 1.0),)


@attrs.frozen
class Repeat:
    """Where and when an unresolved issue comes back.

    Attributes:
        delay: Time from the unresolved contact's end to the repeat contact.
        contact_types: Share of repeats per contact type (sums to 1).
        probability: Chance that an unresolved issue comes back at all.
        preferred_window: Seconds during which the previous agent is preferred.
    """

    delay: Distribution
    contact_types: Mapping[str, float]
    probability: float = 1.0
    preferred_window: float = 0.0


@attrs.frozen
class ContactType:
    """One kind of work: channel, skills, deadline, arrivals and times.

    Exactly one of ``sla_target`` (live: answer within T seconds) and ``due_after``
    (back office: due ``due_after`` seconds after arrival) is set. ``patience`` of
    ``None`` means the customer never abandons.
    """

    name: str
    channel: str
    skills: Mapping[str, int]
    arrivals: ArrivalProcess
    handle_time: Distribution
    sla_target: float | None = None
    due_after: float | None = None
    relax: tuple[RelaxStep, ...] = ()
    priority: int = 0
    complexity: int = 1
    wrap_up: Distribution = NO_WRAP_UP
    patience: Distribution | None = None
    deflection: float = 0.0
    new_share: float | None = None
    repeat: Repeat | None = None

    @property
    def is_back_office(self) -> bool:
        """Whether the deadline is a due date (``due_after``) rather than an SLA."""
        return self.due_after is not None

    def margin(self, agent_skills: Mapping[str, int]) -> int:
        """Proficiency margin: the agent's lowest level in this type's skills − complexity.

        A missing skill counts as level 0. ``Handling.factor`` and
        ``Resolution.probability`` take this margin.
        """
        return min(agent_skills.get(s, 0) for s in self.skills) - self.complexity

    @property
    def requirement(self) -> Requirement:
        """The routing requirement: ``skills``, relaxed by ``relax`` as the task waits."""
        return Requirement(self.skills, steps=self.relax)

    def requirements(self) -> tuple[Skills, ...]:
        """The base requirement followed by each relaxation step's."""
        return (normalise_skills(self.skills), *(step.skills for step in self.relax))


@attrs.frozen
class Shift:
    """A working period ``[start_at, end_at)`` in seconds from time 0."""

    start_at: float
    end_at: float

    @property
    def duration(self) -> float:
        """Length of the shift in seconds."""
        return self.end_at - self.start_at


@attrs.frozen
class AgentGroup:
    """``count`` identical agents: skills, per-channel capacity and shifts.

    No shifts means on duty for the whole horizon. ``ordering`` is how the group's
    agents rank and delay work (a ``routing.RoutingProfile``, named after the group in
    the router's policy), or ``None``.
    """

    name: str
    count: int
    skills: Mapping[str, int]
    capacity: Mapping[str, int]
    max_units: int | None = None
    shifts: tuple[Shift, ...] = ()
    cost_per_hour: float = 0.0
    ordering: RoutingProfile | None = None

    def on_duty_at(self, t: float) -> bool:
        """Whether the group's agents are scheduled to work at instant ``t``."""
        return not self.shifts or any(s.start_at <= t < s.end_at for s in self.shifts)

    def paid_hours(self, horizon: float) -> float:
        """Agent-hours scheduled within ``[0, horizon)`` for the whole group."""
        if not self.shifts:
            return self.count * horizon / 3600.0
        seconds = sum(max(0.0, min(s.end_at, horizon) - max(s.start_at, 0.0)) for s in self.shifts)
        return self.count * seconds / 3600.0

    def meets(self, requirement: SkillsLike) -> bool:
        """Whether every skill is held at or above the required level (the router's rule,
        :func:`routing.model.satisfies`)."""
        return satisfies(self.skills, normalise_skills(requirement))


@attrs.frozen
class Handling:
    """How handle time scales with the proficiency margin (see ``ContactType.margin``).

    The sampled handle time is the time at margin 0; it is multiplied by
    ``per_level_above ** margin`` above, ``per_level_below ** -margin`` below, clamped to
    ``[min_factor, max_factor]``.
    """

    per_level_above: float = 1.0
    per_level_below: float = 1.0
    min_factor: float = 0.25
    max_factor: float = 4.0

    def factor(self, margin: int) -> float:
        """Handle-time multiplier for a proficiency margin."""
        above, below = max(margin, 0), max(-margin, 0)
        f = self.per_level_above**above * self.per_level_below**below
        return min(max(f, self.min_factor), self.max_factor)


@attrs.frozen
class Resolution:
    """First-contact-resolution probability as a function of the proficiency margin.

    ``p = base + per_level * margin (+ context_bonus when the previous agent handles a
    repeat)``, clamped to ``[floor, cap]``.
    """

    base: float = 1.0
    per_level: float = 0.0
    floor: float = 0.0
    cap: float = 1.0
    context_bonus: float = 0.0

    def probability(self, margin: int, *, same_agent: bool = False) -> float:
        """Chance that a contact handled at this margin resolves the issue."""
        p = self.base + self.per_level * margin + (self.context_bonus if same_agent else 0.0)
        return min(max(p, self.floor), self.cap)


@attrs.frozen
class Targets:
    """Service goals used to judge results and by staffing search."""

    service_level: float = 0.8
    max_abandonment: float = 0.05
    on_time: float = 0.95


@attrs.frozen
class Scenario:
    """A whole contact centre for one what-if run."""

    simulation: SimulationSettings
    channels: Mapping[str, Channel]
    contact_types: tuple[ContactType, ...]
    agent_groups: tuple[AgentGroup, ...]
    customers: Customers = Customers()
    policies: Mapping[str, PolicySpec] = attrs.field(factory=dict)
    handling: Handling = Handling()
    resolution: Resolution = Resolution()
    churn: ChurnModel | None = None
    targets: Targets = Targets()
    source: str = attrs.field(default="<scenario>", eq=False)

    @property
    def policy_names(self) -> tuple[str, ...]:
        """Built-in policies followed by the declared ones."""
        return (*BUILTIN_POLICIES, *self.policies)

    @property
    def skills(self) -> tuple[str, ...]:
        """Every skill named by an agent group, sorted."""
        return tuple(sorted({s for g in self.agent_groups for s in g.skills}))

    @property
    def agent_count(self) -> int:
        """Agents over all groups."""
        return sum(g.count for g in self.agent_groups)

    def policy(self, name: str) -> PolicySpec:
        """The named policy; built-ins are ``PolicySpec(name, base=name)``."""
        if name in BUILTIN_POLICIES:
            return PolicySpec(name, base=name)
        try:
            return self.policies[name]
        except KeyError:
            known = ", ".join(self.policy_names)
            raise UnknownNameError(f"unknown policy {name!r} (known: {known})") from None

    def contact_type(self, name: str) -> ContactType:
        """The contact type called ``name``."""
        for ct in self.contact_types:
            if ct.name == name:
                return ct
        known = ", ".join(ct.name for ct in self.contact_types)
        raise UnknownNameError(f"unknown contact type {name!r} (known: {known})")

    def agent_group(self, name: str) -> AgentGroup:
        """The agent group called ``name``."""
        for g in self.agent_groups:
            if g.name == name:
                return g
        known = ", ".join(g.name for g in self.agent_groups)
        raise UnknownNameError(f"unknown agent group {name!r} (known: {known})")

    def arrivals(self, contact_type: ContactType) -> ArrivalProcess:
        """The contact type's arrival process scaled by ``simulation.volume``."""
        volume = self.simulation.volume
        return contact_type.arrivals if volume == 1.0 else contact_type.arrivals.scaled(volume)

    def groups_for(self, contact_type: ContactType) -> tuple[AgentGroup, ...]:
        """Groups that can take the contact type at its base requirement or a relaxed one."""
        units = self.channels[contact_type.channel].units
        return tuple(
            g
            for g in self.agent_groups
            if contact_type.channel in g.capacity
            and (g.max_units is None or units <= g.max_units)
            and any(g.meets(req) for req in contact_type.requirements())
        )

    def to_spec(self) -> dict[str, object]:
        """A fresh TOML-shaped mapping that ``parse_scenario`` turns back into this scenario."""
        return _to_spec(self)


# --------------------------------------------------------------------------------------
# Back to a TOML-shaped mapping (reports, overrides)
# --------------------------------------------------------------------------------------


def _to_spec(s: Scenario) -> dict[str, object]:
    sim = s.simulation
    spec: dict[str, object] = {
        "simulation": {
            "name": sim.name,
            "description": sim.description,
            "horizon": sim.horizon,
            "warmup": sim.warmup,
            "interval": sim.interval,
            "replications": sim.replications,
            "seed": sim.seed,
            "policy": sim.policy,
            "compare": list(sim.compare),
            "volume": sim.volume,
        },
        "channels": {
            c.name: {"units": c.units, "cost_per_contact": c.cost_per_contact}
            for c in s.channels.values()
        },
        "customers": {
            "population": s.customers.population,
            "new_share": s.customers.new_share,
            "tiers": [
                {"name": t.name, "share": t.share, "value": t.value} for t in s.customers.tiers
            ],
        },
        "contact_types": [_contact_spec(ct) for ct in s.contact_types],
        "agent_groups": [_group_spec(g) for g in s.agent_groups],
        "policies": {p.name: {"base": p.base, **p.overrides} for p in s.policies.values()},
        "handling": attrs.asdict(s.handling),
        "resolution": attrs.asdict(s.resolution),
        "targets": attrs.asdict(s.targets),
    }
    if s.churn is not None:
        spec["churn"] = attrs.asdict(s.churn)
    return spec


def _contact_spec(ct: ContactType) -> dict[str, object]:
    spec: dict[str, object] = {
        "name": ct.name,
        "channel": ct.channel,
        "skills": dict(ct.skills),
        "relax": [{"after": r.after, "skills": dict(r.skills)} for r in ct.relax],
        "priority": ct.priority,
        "complexity": ct.complexity,
        "arrivals": ct.arrivals.to_spec(),
        "handle_time": ct.handle_time.to_spec(),
        "wrap_up": ct.wrap_up.to_spec(),
        "deflection": ct.deflection,
    }
    optional = {
        "sla_target": ct.sla_target,
        "due_after": ct.due_after,
        "patience": None if ct.patience is None else ct.patience.to_spec(),
        "new_share": ct.new_share,
    }
    spec.update({k: v for k, v in optional.items() if v is not None})
    if ct.repeat is not None:
        spec["repeat"] = {
            "delay": ct.repeat.delay.to_spec(),
            "contact_types": dict(ct.repeat.contact_types),
            "probability": ct.repeat.probability,
            "preferred_window": ct.repeat.preferred_window,
        }
    return spec


def _group_spec(g: AgentGroup) -> dict[str, object]:
    spec: dict[str, object] = {
        "name": g.name,
        "count": g.count,
        "skills": dict(g.skills),
        "capacity": dict(g.capacity),
        "shifts": [{"start": s.start_at, "end": s.end_at} for s in g.shifts],
        "cost_per_hour": g.cost_per_hour,
    }
    if g.max_units is not None:
        spec["max_units"] = g.max_units
    if g.ordering is not None:
        spec["ordering"] = {
            channel if skill is None else f"{channel}/{skill}": {"rank": rank, "delay": delay}
            for channel, skill, rank, delay in g.ordering.entries
        }
    return spec
