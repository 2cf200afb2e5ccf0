"""Shared Hypothesis strategies: small routing universes, so that collisions happen.

Everything is drawn from deliberately tiny pools (three channels, four skills, five
agent ids, eight task ids, five customers) and times are integers or half-integers,
so equal scores, equal idle times, simultaneous breakpoints and re-used ids are
common rather than astronomically rare: that is where tie-breaking bugs hide.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from routing import Agent, Customer, Policy, RelaxStep, Requirement, Task

CHANNELS = ("voice", "chat", "email")
SKILLS = ("billing", "tech", "sales", "fraud")
AGENT_IDS = ("a0", "a1", "a2", "a3", "a4")
TASK_IDS = tuple(f"t{i}" for i in range(8))

DEFAULT_THRESHOLD = Policy().high_value_threshold
# Values on both sides of (and exactly at) the default high-value threshold.
CUSTOMERS = (
    Customer("c0", value=0.0),
    Customer("c1", value=2.0, tier="bronze"),
    Customer("c2", value=DEFAULT_THRESHOLD, tier="silver"),
    Customer("c3", value=8.0, tier="gold", is_new=True),
    Customer("c4", value=DEFAULT_THRESHOLD - 0.5),
)

levels = st.integers(min_value=1, max_value=5)
required_levels = st.sampled_from([1, 1, 2, 2, 3, 4, 5])
"""Required levels lean low, so that some agents are usually eligible."""


def half_integers(low: float, high: float) -> st.SearchStrategy[float]:
    """Multiples of 0.5 in ``[low, high]``: exact in binary, so ties stay ties."""
    return st.integers(min_value=int(2 * low), max_value=int(2 * high)).map(lambda n: n / 2)


def skill_maps(
    min_size: int = 0, max_size: int = 2, level: st.SearchStrategy[int] = required_levels
) -> st.SearchStrategy[dict[str, int]]:
    """``{skill: level}`` over the small skill pool."""
    return st.dictionaries(st.sampled_from(SKILLS), level, min_size=min_size, max_size=max_size)


# Strategies are built once, at import: building them per draw dominates the run time.
_required_skills = skill_maps()
_step_afters = st.lists(
    st.sampled_from([0.0, 2.0, 5.0, 7.5, 10.0, 20.0]), max_size=2, unique=True
).map(sorted)


@st.composite
def _requirements(draw: st.DrawFn) -> Requirement:
    steps = tuple(
        RelaxStep(after=after, skills=draw(_required_skills)) for after in draw(_step_afters)
    )
    return Requirement(draw(_required_skills), steps=steps)


requirements = _requirements()
"""0-2 required skills (levels leaning low), plus 0-2 relaxation steps."""

_agent_skills = skill_maps(min_size=2, max_size=4, level=levels)
_capacities = st.dictionaries(
    st.sampled_from(CHANNELS), st.integers(min_value=1, max_value=3), min_size=1, max_size=3
)
_max_units = st.none() | st.integers(min_value=1, max_value=4)

ROUTING_PROFILE_NAMES = ("p0", "p1")
"""The routing profiles :func:`policies` may declare (``Policy.routing_profiles``)."""
_ordering_keys = st.sampled_from(CHANNELS) | st.tuples(
    st.sampled_from(CHANNELS), st.sampled_from(SKILLS)
)
_ordering_values = st.sampled_from([0, 1, 2]) | st.tuples(
    st.sampled_from([-1, 0, 1, 2]), st.sampled_from([0.0, 0.0, 2.0, 5.0, 7.5, 10.0])
)
"""Ranks that collide, and delays on the half-integer grid of the clock and the other
timers, so a delay passes exactly when a call, a step or a deadline falls."""
_orderings = st.dictionaries(_ordering_keys, _ordering_values, max_size=4)
_routing_profile_sets = st.fixed_dictionaries({name: _orderings for name in ROUTING_PROFILE_NAMES})
_agent_routing_profiles = st.sampled_from([None, None, None, *ROUTING_PROFILE_NAMES])


def agents(
    ids: tuple[str, ...] = AGENT_IDS, routing_profiles: st.SearchStrategy[str | None] | None = None
) -> st.SearchStrategy[Agent]:
    """An agent with 2-4 skills at levels 1-5, capacity on 1-3 channels, maybe a unit cap,
    maybe one of the routing profiles :data:`ROUTING_PROFILE_NAMES` (a policy without
    it refuses the agent: ``UnknownRoutingProfileError``); ``routing_profiles`` draws
    the name instead."""
    return st.builds(
        Agent,
        st.sampled_from(ids),
        skills=_agent_skills,
        capacity=_capacities,
        max_units=_max_units,
        routing_profile=_agent_routing_profiles if routing_profiles is None else routing_profiles,
    )


@attrs.frozen
class TaskTemplate:
    """A task with its instants relative to the submission time (see :func:`tasks`)."""

    id: str
    channel: str
    requirement: Requirement
    customer: Customer | None
    priority: float
    sla_target: float | None
    due_in: float | None
    created_ago: float | None
    units: int
    preferred_agents: tuple[str, ...]
    preferred_window: float
    ttl: float | None = None

    def at(self, now: float) -> Task:
        """The task, submitted at ``now``."""
        return Task(
            self.id,
            self.channel,
            requirement=self.requirement,
            customer=self.customer,
            priority=self.priority,
            sla_target=self.sla_target,
            due_at=None if self.due_in is None else now + self.due_in,
            created_at=None if self.created_ago is None else now - self.created_ago,
            units=self.units,
            preferred_agents=self.preferred_agents,
            preferred_window=self.preferred_window,
            ttl=self.ttl,
        )


_sla_targets = st.sampled_from([2.0, 5.0, 10.0, 20.0, 30.0])
_timings = st.sampled_from(["none", "sla", "due", "due+sla"])
_channels = st.sampled_from(CHANNELS)
_customers = st.none() | st.sampled_from(CUSTOMERS)
_priorities = st.sampled_from([0.0, 0.0, 1.0, 2.0])
_due_ins = half_integers(-10, 60)
_created_agos = st.none() | half_integers(0, 15)
_units = st.sampled_from([1, 1, 1, 2, 3])
_windows = st.sampled_from([0.0, 5.0, 10.0, 30.0])
_ttls = st.sampled_from([None, None, None, 16.0, 25.0, 40.0])
"""Longer than the longest ``created_ago``, so a drawn task never arrives expired."""


@st.composite
def task_templates(
    draw: st.DrawFn, ids: tuple[str, ...] = TASK_IDS, agent_ids: tuple[str, ...] = AGENT_IDS
) -> TaskTemplate:
    """See :func:`tasks`."""
    timing = draw(_timings)
    preferred = tuple(draw(st.lists(st.sampled_from(agent_ids), max_size=2, unique=True)))
    return TaskTemplate(
        id=draw(st.sampled_from(ids)),
        channel=draw(_channels),
        requirement=draw(requirements),
        customer=draw(_customers),
        priority=draw(_priorities),
        sla_target=draw(_sla_targets) if timing in ("sla", "due+sla") else None,
        due_in=draw(_due_ins) if timing in ("due", "due+sla") else None,
        created_ago=draw(_created_agos),
        units=draw(_units),
        preferred_agents=preferred,
        preferred_window=draw(_windows) if preferred else 0.0,
        ttl=draw(_ttls),
    )


_default_templates = task_templates()


def tasks(now: float) -> st.SearchStrategy[Task]:
    """A task that may be submitted at ``now`` (``created_at`` is never in the future).

    Timing is one of: nothing (default ramp), an ``sla_target``, a ``due_at`` (possibly
    already past), or both. Customers come from :data:`CUSTOMERS`, or none; the
    preferred agents and the id come from the small pools.
    """
    return _default_templates.map(lambda template: template.at(now))


_cooldowns = st.sampled_from([2.0, 5.0, 10.0, 30.0])
_interrupt_rules = st.sampled_from(
    [{}, {}, {"voice": ("chat",)}, {"voice": ("chat", "email"), "chat": ("email",)}]
)


def _random_policy(**fixed: Any) -> st.SearchStrategy[Policy]:
    return st.builds(
        Policy,
        w_value=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
        w_priority=st.sampled_from([0.0, 1.0, 3.0]),
        w_sla=st.sampled_from([0.0, 5.0, 10.0]),
        overdue_factor=st.sampled_from([0.0, 1.0, 4.0]),
        urgency=st.sampled_from(["sla", "wait"]),
        wait_slope=st.sampled_from([0.5, 1.0, 2.0]),
        default_sla_target=st.sampled_from([20.0, 300.0]),
        due_ramp=st.sampled_from([10.0, 60.0, 28_800.0]),
        w_fit=st.sampled_from([0.0, 0.5, 1.0]),
        high_value_threshold=st.sampled_from([0.0, DEFAULT_THRESHOLD, 100.0]),
        context_window=st.sampled_from([0.0, 5.0, 30.0]),
        context_sla_share=st.sampled_from([0.0, 0.25, 1.0]),
        w_context=st.sampled_from([0.0, 5.0, 50.0]),
        offer_timeout=st.sampled_from([None, 5.0, 15.0]),
        pause_on_timeout=st.booleans(),
        decline_cooldown=_cooldowns,
        reserve_agents=st.sampled_from([0, 1, 1, 2]),
        interrupts=_interrupt_rules,
        # small bounds, so that customers are forgotten by age and count within a run
        context_ttl=st.sampled_from([None, 5.0, 20.0, 86_400.0]),
        context_max_issues=st.sampled_from([1, 2, 20]),
        context_max_customers=st.sampled_from([None, 1, 3]),
        routing_profiles=st.just({}) | _routing_profile_sets,
        **{name: st.just(value) for name, value in fixed.items()},
    )


def policies() -> st.SearchStrategy[Policy]:
    """The default policy (also with small customer-context bounds, or with routing
    profiles), FIFO (with and without timeouts/pausing), or random weights and bounds
    (with or without routing profiles)."""
    return _policies


_policies = st.one_of(
    st.just(Policy()),
    st.just(Policy(context_ttl=10.0, context_max_issues=1, context_max_customers=2)),
    st.just(Policy(offer_timeout=None)),
    st.just(Policy(pause_on_timeout=False, stats_horizon=20.0)),
    st.just(Policy(decline_cooldown=5.0, interrupts={"voice": ("chat",)})),
    st.builds(Policy, routing_profiles=_routing_profile_sets),
    st.builds(
        Policy.fifo,
        offer_timeout=st.sampled_from([None, 5.0, 15.0]),
        pause_on_timeout=st.booleans(),
    ),
    _random_policy(),
)


def policies_with_routing_profiles() -> st.SearchStrategy[Policy]:
    """Like :func:`policies`, but every policy declares the routing profiles
    :data:`ROUTING_PROFILE_NAMES`, with random entries."""
    return _policies_with_routing_profiles


_policies_with_routing_profiles = st.one_of(
    st.builds(Policy, routing_profiles=_routing_profile_sets),
    st.builds(
        Policy.fifo,
        offer_timeout=st.sampled_from([None, 5.0, 15.0]),
        routing_profiles=_routing_profile_sets,
    ),
    _random_policy().flatmap(
        lambda policy: _routing_profile_sets.map(
            lambda profiles: attrs.evolve(policy, routing_profiles=profiles)
        )
    ),
)


time_steps = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 15.0, 30.0, 100.0])
"""How far a step moves the clock: often not at all, sometimes past every timer."""
