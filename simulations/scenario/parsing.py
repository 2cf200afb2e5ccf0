"""Scenario parsing: a TOML-shaped mapping checked field by field into a ``Scenario``.

``scenario_from_spec(mapping, source)`` reads every table with a
:class:`~simulations.scenario.spec.TableReader`, so each bad value, unknown key or broken
cross-reference (a skill no group holds, a contact type no group can take, a repeat
aimed at an unknown type) raises a ``SpecError`` naming its field path, e.g.
``agent_groups[3].skills.billing: level 7 is outside 1-5``.

Callers use :func:`simulations.scenario.parse_scenario` or ``load_scenario``, which
add the source to the message (``ScenarioError``). This module imports the schema
from :mod:`simulations.scenario.schema` and is imported by :mod:`simulations.scenario`;
it imports neither back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Final

import attrs

from routing import Policy, RelaxStep, Requirement, RoutingError, RoutingProfile
from simulations.scenario.arrivals import BatchArrivals, arrivals_from_spec
from simulations.scenario.distributions import from_spec
from simulations.scenario.schema import (
    BUILTIN_POLICIES,
    LEVEL_MAX,
    LEVEL_MIN,
    NO_WRAP_UP,
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
from simulations.scenario.spec import (
    SpecError,
    TableReader,
    check_instant,
    check_int,
    check_number,
    describe,
    join_path,
)

__all__ = ["SHARE_TOLERANCE", "scenario_from_spec"]

SHARE_TOLERANCE: Final = 1e-6
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


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


def scenario_from_spec(mapping: Mapping[str, object], source: str) -> Scenario:
    """Build a scenario from a TOML-shaped mapping, checking every value.

    ``source`` names the scenario (its ``simulation.name`` defaults to the file stem)
    and is stored on it. ``simulations.scenario.parse_scenario`` is the public wrapper
    that turns the ``SpecError`` into a ``ScenarioError`` naming the source.

    Raises:
        SpecError: naming the field path and the problem.
    """
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


# ``routing.Policy`` fields that count things (``context_max_issues``...): whole numbers
# (``routing.policy`` postpones annotations, so each field's type is its source text)
_WHOLE_POLICY_KEYS: Final = frozenset(
    f.name for f in attrs.fields(Policy) if str(f.type) in ("int", "int | None")
)


def _parse_policies(r: TableReader) -> dict[str, PolicySpec]:
    policies = {}
    for name, path, raw in _named_tables(r, "policies", "policy"):
        if name in BUILTIN_POLICIES:
            raise SpecError(path, f"{name!r} is a built-in policy; give yours another name")
        t = TableReader(raw, path, ("base", *POLICY_KEYS))
        base = t.text("base", "default")
        if base not in BUILTIN_POLICIES:
            raise SpecError(t.at("base"), f"must be one of {', '.join(BUILTIN_POLICIES)}")
        overrides: dict[str, object] = {}
        for key in POLICY_KEYS:
            if not t.has(key):
                continue
            if key == "pause_on_timeout":
                overrides[key] = t.flag(key, True)
            elif key == "urgency":
                overrides[key] = t.text(key)
            elif key == "reserve_agents":
                overrides[key] = t.whole(key, low=0)
            elif key == "interrupts":  # {voice = ["chat"]}: the router checks the names
                overrides[key] = dict(t.mapping(key))
            elif key in _WHOLE_POLICY_KEYS:
                overrides[key] = t.whole(key)
            else:
                overrides[key] = t.number(key)
            try:  # the router's own checks of each value, reported at the field's path
                Policy(**{key: overrides[key]})  # type: ignore[arg-type]
            except RoutingError as error:
                raise SpecError(t.at(key), str(error)) from None
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
    keys = (
        "name",
        "count",
        "skills",
        "capacity",
        "max_units",
        "ordering",
        "shift",
        "shifts",
        "cost_per_hour",
    )
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
                ordering=_parse_ordering(t, channels),
            )
        )
    return tuple(groups)


def _parse_ordering(t: TableReader, channels: Mapping[str, Channel]) -> RoutingProfile | None:
    """A group's ``ordering``: ``{channel = rank}`` or ``{channel = {rank, delay}}``, and
    ``"channel/skill"`` keys for work needing a skill (``routing.ordering``)."""
    if not t.has("ordering"):
        return None
    entries: dict[str | tuple[str, str], tuple[int, float]] = {}
    for key, raw in t.mapping("ordering").items():
        at = join_path(t.at("ordering"), key)
        channel, slash, skill = key.partition("/")
        if channel not in channels:
            raise SpecError(at, _undeclared_channel(channel, channels))
        if slash and not skill:
            raise SpecError(at, "must be a channel, or channel/skill with a skill name")
        if isinstance(raw, Mapping):
            e = TableReader(raw, at, ("rank", "delay"))
            rank = e.whole("rank", 0)
            delay = e.number("delay", 0.0, low=0.0)
        else:
            rank, delay = check_int(raw, at), 0.0
        entries[(channel, skill) if slash else channel] = (rank, delay)
    try:  # the router's own checks (a delay under 1 ms...), at the field's path
        return RoutingProfile(entries)
    except RoutingError as error:
        raise SpecError(t.at("ordering"), str(error)) from None


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
        relax: list[RelaxStep] = []
        for i, raw_step in enumerate(t.items("relax")):
            s = TableReader(raw_step, join_path(t.at("relax"), i), ("after", "skills"))
            after = s.number("after", low=0.0, low_open=True)
            relax.append(RelaxStep(after, _levels(s.require("skills"), s.at("skills"))))
            try:  # the router's rule for step order, checked where the path is known
                Requirement(skills, steps=relax)
            except RoutingError as error:
                raise SpecError(s.at("after"), str(error)) from None
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
                wrap_up=NO_WRAP_UP if wrap_up is None else from_spec(wrap_up, t.at("wrap_up")),
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
        steps += [(f"{path}.relax[{j}].skills", dict(s.skills)) for j, s in enumerate(ct.relax)]
        for at, requirement in steps:
            for skill in requirement:
                if skill not in held:
                    raise SpecError(
                        join_path(at, skill),
                        f"no agent group has skill {skill!r} (skills held: {', '.join(held)})",
                    )
        if not scenario.groups_for(ct):
            wanted = " or ".join(
                ", ".join(f"{s}>={lv}" for s, lv in req) or "no skills" for req in ct.requirements()
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
