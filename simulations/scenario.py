"""Scenario schema: what a contact centre looks like, loaded from TOML and validated.

A ``Scenario`` is a tree of frozen attrs values. ``load_scenario(path)`` reads a TOML
file and ``parse_scenario(mapping, source)`` builds the tree from an already-parsed
mapping; both check every value, reject unknown keys and check cross-references, and
raise ``ScenarioError`` naming the file, the field path and the problem::

    default.toml: agent_groups[3].skills.billing: level 7 is outside 1-5

Paths index lists from 0 (``contact_types[0]`` is the first ``[[contact_types]]``).

``apply_override(scenario, "agent_groups.voice_early.count", 40)`` returns a new,
fully revalidated scenario with one value changed (sweeps, what-if runs); list items
are addressed by ``name``. Every field is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Final

import attrs

from simulations.arrivals import ArrivalProcess, BatchArrivals, arrivals_from_spec
from simulations.distributions import Distribution, Fixed, from_spec
from simulations.metrics import ChurnModel
from simulations.spec import (
    SpecError,
    TableReader,
    check_instant,
    check_int,
    check_number,
    describe,
    join_path,
)

__all__ = [
    "BUILTIN_POLICIES",
    "LEVEL_MAX",
    "LEVEL_MIN",
    "POLICY_KEYS",
    "SCENARIO_DIR",
    "AgentGroup",
    "Channel",
    "ContactType",
    "Customers",
    "Handling",
    "PolicySpec",
    "Relaxation",
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

LEVEL_MIN: Final = 1
LEVEL_MAX: Final = 5
SCENARIO_DIR: Final = Path(__file__).parent / "scenarios"
BUILTIN_POLICIES: Final = ("default", "fifo")
#: Keys a ``[policies.NAME]`` table may set: the fields of ``routing.Policy`` (a test
#: keeps the two in sync). Numbers unless noted; see docs/scenarios.md.
POLICY_KEYS: Final = (
    "context_sla_share",
    "context_window",
    "default_sla_target",
    "due_ramp",
    "high_value_threshold",
    "offer_timeout",
    "overdue_factor",
    "pause_on_timeout",  # true/false
    "urgency",  # "sla" or "wait"
    "w_context",
    "w_fit",
    "w_priority",
    "w_sla",
    "w_value",
    "wait_slope",
)
_POSITIVE_POLICY_KEYS: Final = frozenset(
    {"default_sla_target", "due_ramp", "offer_timeout", "wait_slope"}
)
_URGENCY: Final = ("sla", "wait")
SHARE_TOLERANCE: Final = 1e-6
_NO_WRAP_UP: Final = Fixed(0.0)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class ScenarioError(SpecError):
    """A scenario is invalid. ``str(err)`` is ``"<source>: <path>: <problem>"``.

    Subclasses ``ValueError`` (through ``SpecError``), so callers may catch either.

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


# --------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------


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


@attrs.frozen
class PolicySpec:
    """A named routing policy: a built-in ``base`` plus ``routing.Policy`` field overrides.

    ``routing.Policy(**overrides)`` (or ``Policy.fifo(**overrides)`` for ``base="fifo"``)
    builds it.
    """

    name: str
    base: str = "default"
    overrides: Mapping[str, float | str | bool] = attrs.field(factory=dict)


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
class Relaxation:
    """A relaxation step: ``after`` seconds of waiting the requirement becomes ``skills``."""

    after: float
    skills: Mapping[str, int]


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
    relax: tuple[Relaxation, ...] = ()
    priority: int = 0
    complexity: int = 1
    wrap_up: Distribution = _NO_WRAP_UP
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

    def requirements(self) -> tuple[Mapping[str, int], ...]:
        """The base requirement followed by each relaxation step's."""
        return (self.skills, *(step.skills for step in self.relax))


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

    No shifts means on duty for the whole horizon.
    """

    name: str
    count: int
    skills: Mapping[str, int]
    capacity: Mapping[str, int]
    max_units: int | None = None
    shifts: tuple[Shift, ...] = ()
    cost_per_hour: float = 0.0

    def on_duty_at(self, t: float) -> bool:
        """Whether the group's agents are scheduled to work at instant ``t``."""
        return not self.shifts or any(s.start_at <= t < s.end_at for s in self.shifts)

    def paid_hours(self, horizon: float) -> float:
        """Agent-hours scheduled within ``[0, horizon)`` for the whole group."""
        if not self.shifts:
            return self.count * horizon / 3600.0
        seconds = sum(max(0.0, min(s.end_at, horizon) - max(s.start_at, 0.0)) for s in self.shifts)
        return self.count * seconds / 3600.0

    def meets(self, requirement: Mapping[str, int]) -> bool:
        """Whether every skill is held at or above the required level."""
        return all(self.skills.get(s, 0) >= level for s, level in requirement.items())


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
            raise KeyError(f"unknown policy {name!r} (known: {known})") from None

    def contact_type(self, name: str) -> ContactType:
        """The contact type called ``name``."""
        for ct in self.contact_types:
            if ct.name == name:
                return ct
        known = ", ".join(ct.name for ct in self.contact_types)
        raise KeyError(f"unknown contact type {name!r} (known: {known})")

    def agent_group(self, name: str) -> AgentGroup:
        """The agent group called ``name``."""
        for g in self.agent_groups:
            if g.name == name:
                return g
        known = ", ".join(g.name for g in self.agent_groups)
        raise KeyError(f"unknown agent group {name!r} (known: {known})")

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
        return _parse(mapping, source)
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
        raise ValueError(f"override {text!r}: expected PATH=VALUE")
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


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------

_TOP_KEYS: Final = (
    "simulation",
    "channels",
    "customers",
    "contact_types",
    "agent_groups",
    "policies",
    "handling",
    "resolution",
    "churn",
    "targets",
)


def _parse(mapping: Mapping[str, object], source: str) -> Scenario:
    r = TableReader(mapping, "", _TOP_KEYS)
    channels = _parse_channels(r)
    policies = _parse_policies(r)
    simulation = _parse_simulation(r, source, policies)
    customers = _parse_customers(r)
    groups = _parse_groups(r, channels)
    contact_types = _parse_contact_types(r, channels, simulation.horizon)
    scenario = Scenario(
        simulation=simulation,
        channels=channels,
        contact_types=contact_types,
        agent_groups=groups,
        customers=customers,
        policies=policies,
        handling=_parse_handling(r),
        resolution=_parse_resolution(r),
        churn=_parse_churn(r) if r.has("churn") else None,
        targets=_parse_targets(r),
        source=source,
    )
    _check_references(scenario)
    return scenario


def _name(value: object, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise SpecError(path, f"must be a string, got {describe(value)}")
    if not _NAME.match(value):
        raise SpecError(
            path,
            f"{what} name {value!r} must start with a letter or '_' and hold only "
            "letters, digits, '_' and '-'",
        )
    return value


def _named_tables(r: TableReader, key: str, what: str) -> list[tuple[str, str, object]]:
    """``[key.NAME]`` tables as (name, path, raw table)."""
    return [
        (_name(name, r.at(key), what), join_path(r.at(key), name), raw)
        for name, raw in r.mapping(key).items()
    ]


def _named_list(r: TableReader, key: str, *, required: bool) -> list[tuple[str, object]]:
    """``[[key]]`` items as (path, raw table), rejecting duplicate names."""
    items = r.items(key, required=required)
    if required and not items:
        raise SpecError(r.at(key), "must hold at least one entry")
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(items):
        path = join_path(r.at(key), i)
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str):
            if name in seen:
                raise SpecError(
                    join_path(path, "name"),
                    f"duplicate name {describe(name)} (also {key}[{seen[name]}])",
                )
            seen[name] = i
        out.append((path, raw))
    return out


def _levels(value: object, path: str, *, allow_empty: bool = True) -> dict[str, int]:
    """A ``{skill = level}`` table with levels 1-5."""
    if not isinstance(value, Mapping):
        raise SpecError(path, f"must be a table of skill = level, got {describe(value)}")
    if not value and not allow_empty:
        raise SpecError(path, "must name at least one skill")
    levels: dict[str, int] = {}
    for skill, raw in value.items():
        at = join_path(path, _name(skill, path, "skill"))
        level = check_int(raw, at)
        if not LEVEL_MIN <= level <= LEVEL_MAX:
            raise SpecError(at, f"level {level} is outside {LEVEL_MIN}-{LEVEL_MAX}")
        levels[skill] = level
    return levels


def _shares(value: object, path: str, what: str) -> dict[str, float]:
    """A ``{name = share}`` table whose shares are in [0, 1] and sum to 1."""
    if not isinstance(value, Mapping) or not value:
        raise SpecError(path, f"must be a non-empty table of {what} = share")
    shares = {
        _name(k, path, what): check_number(v, join_path(path, k), low=0.0, high=1.0)
        for k, v in value.items()
    }
    _check_sum(shares.values(), path)
    return shares


def _check_sum(shares: Iterable[float], path: str) -> None:
    total = math.fsum(shares)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise SpecError(path, f"shares must sum to 1, got {total:.6g}")


def _parse_channels(r: TableReader) -> dict[str, Channel]:
    tables = _named_tables(r, "channels", "channel")
    if not tables:
        raise SpecError(r.at("channels"), "declare at least one [channels.NAME] table")
    channels = {}
    for name, path, raw in tables:
        t = TableReader(raw, path, ("units", "cost_per_contact"))
        channels[name] = Channel(
            name, t.whole("units", 1, low=1), t.number("cost_per_contact", 0.0, low=0.0)
        )
    return channels


def _parse_policies(r: TableReader) -> dict[str, PolicySpec]:
    policies = {}
    for name, path, raw in _named_tables(r, "policies", "policy"):
        if name in BUILTIN_POLICIES:
            raise SpecError(path, f"{name!r} is a built-in policy; give yours another name")
        t = TableReader(raw, path, ("base", *POLICY_KEYS))
        base = t.text("base", "default")
        if base not in BUILTIN_POLICIES:
            raise SpecError(t.at("base"), f"must be one of {', '.join(BUILTIN_POLICIES)}")
        overrides: dict[str, float | str | bool] = {}
        for key in POLICY_KEYS:
            if not t.has(key):
                continue
            if key == "pause_on_timeout":
                overrides[key] = t.flag(key, True)
            elif key == "urgency":
                urgency = t.text(key)
                if urgency not in _URGENCY:
                    raise SpecError(t.at(key), f"must be 'sla' or 'wait', got {urgency!r}")
                overrides[key] = urgency
            elif key == "high_value_threshold":
                overrides[key] = t.number(key)
            else:
                overrides[key] = t.number(key, low=0.0, low_open=key in _POSITIVE_POLICY_KEYS)
        policies[name] = PolicySpec(name, base, overrides)
    return policies


def _parse_simulation(
    r: TableReader, source: str, policies: Mapping[str, PolicySpec]
) -> SimulationSettings:
    keys = ("name", "description", "horizon", "warmup", "interval", "replications", "seed")
    t = TableReader(
        r.mapping("simulation", required=True),
        r.at("simulation"),
        (*keys, "policy", "compare", "volume"),
    )
    horizon = t.number("horizon", low=0.0, low_open=True)
    warmup = t.number("warmup", 0.0, low=0.0)
    if warmup >= horizon:
        raise SpecError(t.at("warmup"), f"must be shorter than the horizon ({horizon:g} s)")
    known = (*BUILTIN_POLICIES, *policies)

    def policy(value: object, path: str) -> str:
        if not isinstance(value, str) or value not in known:
            raise SpecError(path, f"unknown policy {describe(value)} (known: {', '.join(known)})")
        return value

    compare = t.items("compare") if t.has("compare") else list(BUILTIN_POLICIES)
    if not compare:
        raise SpecError(t.at("compare"), "must name at least one policy")
    names = [policy(v, join_path(t.at("compare"), i)) for i, v in enumerate(compare)]
    if len(set(names)) != len(names):
        raise SpecError(t.at("compare"), "names a policy twice")
    raw_policy = t.get("policy")
    return SimulationSettings(
        name=t.text("name", PurePath(source).stem),
        description=t.text("description", ""),
        horizon=horizon,
        warmup=warmup,
        interval=t.number("interval", 1800.0, low=0.0, low_open=True),
        replications=t.whole("replications", 10, low=1),
        seed=t.whole("seed", 1, low=0),
        policy=policy("default" if raw_policy is None else raw_policy, t.at("policy")),
        compare=tuple(names),
        volume=t.number("volume", 1.0, low=0.0, low_open=True),
    )


def _parse_customers(r: TableReader) -> Customers:
    t = TableReader(r.mapping("customers"), r.at("customers"), ("population", "new_share", "tiers"))
    tiers = []
    for path, raw in _named_list(t, "tiers", required=False):
        tr = TableReader(raw, path, ("name", "share", "value"))
        tiers.append(
            Tier(
                _name(tr.require("name"), tr.at("name"), "tier"),
                tr.number("share", low=0.0, high=1.0),
                tr.number("value", 1.0, low=0.0),
            )
        )
    if tiers:
        _check_sum((tier.share for tier in tiers), t.at("tiers"))
    return Customers(
        population=t.whole("population", 10_000, low=1),
        new_share=t.number("new_share", 0.0, low=0.0, high=1.0),
        tiers=tuple(tiers) if tiers else Customers().tiers,
    )


def _parse_shifts(t: TableReader) -> tuple[Shift, ...]:
    if t.has("shift") and t.has("shifts"):
        raise SpecError(t.at("shifts"), "give either 'shift' or 'shifts', not both")
    if t.has("shift"):
        raws: list[tuple[str, object]] = [(t.at("shift"), t.get("shift"))]
    else:
        raws = [(join_path(t.at("shifts"), i), v) for i, v in enumerate(t.items("shifts"))]
    shifts: list[Shift] = []
    for path, raw in raws:
        s = TableReader(raw, path, ("start", "end"))
        start_at = check_instant(s.require("start"), s.at("start"))
        end_at = check_instant(s.require("end"), s.at("end"))
        if end_at <= start_at:
            raise SpecError(s.at("end"), f"must be after the start ({start_at:g} s)")
        if shifts and start_at < shifts[-1].end_at:
            prev = shifts[-1].end_at
            raise SpecError(
                s.at("start"), f"must not be before the previous shift ends ({prev:g} s)"
            )
        shifts.append(Shift(start_at, end_at))
    return tuple(shifts)


def _parse_groups(r: TableReader, channels: Mapping[str, Channel]) -> tuple[AgentGroup, ...]:
    keys = ("name", "count", "skills", "capacity", "max_units", "shift", "shifts", "cost_per_hour")
    groups = []
    for path, raw in _named_list(r, "agent_groups", required=True):
        t = TableReader(raw, path, keys)
        name = _name(t.require("name"), t.at("name"), "agent group")
        count = t.whole("count", low=0)
        skills = _levels(t.require("skills"), t.at("skills"))
        max_units = t.whole("max_units", low=1) if t.has("max_units") else None
        capacity: dict[str, int] = {}
        for channel, raw_cap in t.mapping("capacity", required=True).items():
            at = join_path(t.at("capacity"), channel)
            if channel not in channels:
                raise SpecError(at, _undeclared_channel(channel, channels))
            capacity[channel] = check_int(raw_cap, at, low=1)
            units = channels[channel].units
            if max_units is not None and units > max_units:
                raise SpecError(
                    at,
                    f"a {channel} task uses {units} units, more than max_units = {max_units}",
                )
        if not capacity:
            raise SpecError(t.at("capacity"), "must give at least one channel = concurrent tasks")
        groups.append(
            AgentGroup(
                name=name,
                count=count,
                skills=skills,
                capacity=capacity,
                max_units=max_units,
                shifts=_parse_shifts(t),
                cost_per_hour=t.number("cost_per_hour", 0.0, low=0.0),
            )
        )
    return tuple(groups)


def _undeclared_channel(channel: object, channels: Mapping[str, Channel]) -> str:
    declared = ", ".join(channels)
    return f"channel {describe(channel)} is not declared in [channels] (declared: {declared})"


_CONTACT_KEYS: Final = (
    "name",
    "channel",
    "skills",
    "relax",
    "sla_target",
    "due_after",
    "priority",
    "complexity",
    "arrivals",
    "handle_time",
    "wrap_up",
    "patience",
    "deflection",
    "new_share",
    "repeat",
)


def _parse_contact_types(
    r: TableReader, channels: Mapping[str, Channel], horizon: float
) -> tuple[ContactType, ...]:
    contact_types = []
    for path, raw in _named_list(r, "contact_types", required=True):
        t = TableReader(raw, path, _CONTACT_KEYS)
        name = _name(t.require("name"), t.at("name"), "contact type")
        channel = t.text("channel")
        if channel not in channels:
            raise SpecError(t.at("channel"), _undeclared_channel(channel, channels))
        skills = _levels(t.require("skills"), t.at("skills"), allow_empty=False)
        relax: list[Relaxation] = []
        for i, raw_step in enumerate(t.items("relax")):
            s = TableReader(raw_step, join_path(t.at("relax"), i), ("after", "skills"))
            after = s.number("after", low=0.0, low_open=True)
            if relax and after <= relax[-1].after:
                prev = relax[-1].after
                raise SpecError(s.at("after"), f"must be later than the previous step ({prev:g} s)")
            relax.append(Relaxation(after, _levels(s.require("skills"), s.at("skills"))))
        sla_target = t.optional_number("sla_target", low=0.0, low_open=True)
        due_after = t.optional_number("due_after", low=0.0, low_open=True)
        if (sla_target is None) == (due_after is None):
            problem = "both given" if sla_target is not None else "neither given"
            raise SpecError(
                t.at("sla_target"),
                f"give exactly one of sla_target (live work) or due_after (back office): {problem}",
            )
        arrivals = arrivals_from_spec(t.require("arrivals"), t.at("arrivals"))
        raw_at = t.mapping("arrivals").get("at")
        if isinstance(arrivals, BatchArrivals) and isinstance(raw_at, list):
            for i, v in enumerate(raw_at):
                at = join_path(join_path(t.at("arrivals"), "at"), i)
                if check_instant(v, at) >= horizon:
                    raise SpecError(at, f"the drop is at or after the horizon ({horizon:g} s)")
        patience, wrap_up = t.get("patience"), t.get("wrap_up")
        contact_types.append(
            ContactType(
                name=name,
                channel=channel,
                skills=skills,
                arrivals=arrivals,
                handle_time=from_spec(t.require("handle_time"), t.at("handle_time")),
                sla_target=sla_target,
                due_after=due_after,
                relax=tuple(relax),
                priority=t.whole("priority", 0, low=0),
                complexity=t.whole(
                    "complexity", max(skills.values()), low=LEVEL_MIN, high=LEVEL_MAX
                ),
                wrap_up=_NO_WRAP_UP if wrap_up is None else from_spec(wrap_up, t.at("wrap_up")),
                patience=None if patience is None else from_spec(patience, t.at("patience")),
                deflection=t.number("deflection", 0.0, low=0.0, high=1.0),
                new_share=(
                    t.number("new_share", low=0.0, high=1.0) if t.has("new_share") else None
                ),
                repeat=_parse_repeat(t) if t.has("repeat") else None,
            )
        )
    return tuple(contact_types)


def _parse_repeat(t: TableReader) -> Repeat:
    keys = ("delay", "contact_types", "probability", "preferred_window")
    r = TableReader(t.get("repeat"), t.at("repeat"), keys)
    return Repeat(
        delay=from_spec(r.require("delay"), r.at("delay")),
        contact_types=_shares(r.require("contact_types"), r.at("contact_types"), "contact type"),
        probability=r.number("probability", 1.0, low=0.0, high=1.0),
        preferred_window=r.number("preferred_window", 0.0, low=0.0),
    )


def _parse_handling(r: TableReader) -> Handling:
    keys = ("per_level_above", "per_level_below", "min_factor", "max_factor")
    t = TableReader(r.mapping("handling"), r.at("handling"), keys)
    d = Handling()
    min_factor = t.number("min_factor", d.min_factor, low=0.0, high=1.0, low_open=True)
    return Handling(
        per_level_above=t.number("per_level_above", d.per_level_above, low=0.0, low_open=True),
        per_level_below=t.number("per_level_below", d.per_level_below, low=0.0, low_open=True),
        min_factor=min_factor,
        max_factor=t.number("max_factor", d.max_factor, low=1.0),
    )


def _parse_resolution(r: TableReader) -> Resolution:
    keys = ("base", "per_level", "floor", "cap", "context_bonus")
    t = TableReader(r.mapping("resolution"), r.at("resolution"), keys)
    d = Resolution()
    floor = t.number("floor", d.floor, low=0.0, high=1.0)
    return Resolution(
        base=t.number("base", d.base, low=0.0, high=1.0),
        per_level=t.number("per_level", d.per_level, low=0.0, high=1.0),
        floor=floor,
        cap=t.number("cap", d.cap, low=floor, high=1.0),
        context_bonus=t.number("context_bonus", d.context_bonus, low=0.0, high=1.0),
    )


def _parse_churn(r: TableReader) -> ChurnModel:
    keys = [f.name for f in attrs.fields(ChurnModel)]
    t = TableReader(r.mapping("churn"), r.at("churn"), keys)
    d = ChurnModel()
    return ChurnModel(
        base_annual=t.number("base_annual", d.base_annual, low=0.0, high=1.0),
        per_minute_over=t.number("per_minute_over", d.per_minute_over, low=0.0, high=1.0),
        wait_threshold=t.number("wait_threshold", d.wait_threshold, low=0.0),
        per_unresolved=t.number("per_unresolved", d.per_unresolved, low=0.0, high=1.0),
        new_customer_multiplier=t.number(
            "new_customer_multiplier", d.new_customer_multiplier, low=0.0
        ),
    )


def _parse_targets(r: TableReader) -> Targets:
    keys = ("service_level", "max_abandonment", "on_time")
    t = TableReader(r.mapping("targets"), r.at("targets"), keys)
    d = Targets()
    return Targets(
        service_level=t.number("service_level", d.service_level, low=0.0, high=1.0),
        max_abandonment=t.number("max_abandonment", d.max_abandonment, low=0.0, high=1.0),
        on_time=t.number("on_time", d.on_time, low=0.0, high=1.0),
    )


def _check_references(scenario: Scenario) -> None:
    """Cross-checks once every table is valid on its own."""
    held = scenario.skills
    names = [ct.name for ct in scenario.contact_types]
    for i, ct in enumerate(scenario.contact_types):
        path = f"contact_types[{i}]"
        steps = [(f"{path}.skills", ct.skills)]
        steps += [(f"{path}.relax[{j}].skills", s.skills) for j, s in enumerate(ct.relax)]
        for at, requirement in steps:
            for skill in requirement:
                if skill not in held:
                    raise SpecError(
                        join_path(at, skill),
                        f"no agent group has skill {skill!r} (skills held: {', '.join(held)})",
                    )
        if not scenario.groups_for(ct):
            wanted = " or ".join(
                ", ".join(f"{s}>={lv}" for s, lv in req.items()) or "no skills"
                for req in ct.requirements()
            )
            raise SpecError(
                path,
                f"no agent group can take {ct.name!r}: none has capacity on channel "
                f"{ct.channel!r} together with {wanted}",
            )
        if ct.repeat is not None:
            for target in ct.repeat.contact_types:
                if target not in names:
                    raise SpecError(
                        f"{path}.repeat.contact_types.{target}",
                        f"unknown contact type {target!r} (known: {', '.join(names)})",
                    )


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
    return spec
