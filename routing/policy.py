"""Scoring: the task score (value + priority + urgency) and the agent fit.

A waiting task's score at time ``t`` is

    score(t) = w_value * customer.value + w_priority * priority + urgency(t)

and ``urgency`` is piecewise linear in ``t`` with breakpoints known when the task
arrives. With ``urgency="sla"`` (the default), for a deadline ``D`` and ramp ``R``:

    t < D - R          urgency = 0                                  (due-date work, early)
    D - R <= t < D     urgency = w_sla * (t - (D - R)) / R          (reaches w_sla at D)
    t >= D             urgency = w_sla + overdue_factor * w_sla * (t - D) / R

Dividing by ``R`` normalises urgency to *the share of the SLA used*, so a 20 s voice
target and a 4 h email target blend on one scale; past the deadline the slope
steepens ``overdue_factor`` times, so overdue work overtakes work of similar value.
For a contact, ``D = arrival + sla_target`` and ``R = sla_target``; for back-office
work, ``D = due_at`` and ``R = sla_target or due_ramp``. A task with neither has
``R = default_sla_target`` and no deadline. With ``urgency="wait"`` (FIFO) urgency is
``wait_slope * (t - arrival)`` for every task.

On each segment the score is ``a + b * t``; the queue keeps tasks that share a slope
in one sorted bucket keyed by ``a`` (see ``task_queue``).

Agent fit, for an eligible agent:

* high-value customers (value >= ``high_value_threshold``) get the most proficient
  agent: ``fit = w_fit * sum(agent level - required level)`` over the required skills;
* routine work goes to the agent with the least *spare capability*, keeping experts
  and multi-skilled agents free for work only they can do:
  ``fit = -w_fit * (sum of all the agent's levels - sum of the required levels)``.
  Counting the skills a task does not need matters: an onboarding specialist who
  also knows billing should not be the first choice for a routine billing call.

Ties go to the agent idle longest. During a preferred-agent window the preferred agent
also gets ``w_context``.

Customer context (the last agent and open issues, ``routing.context``) is bounded: a
customer's context is forgotten ``context_ttl`` seconds after its last completion, it
keeps at most ``context_max_issues`` open issues (the newest), and with
``context_max_customers`` at most that many customers are remembered (those whose last
completion is the oldest are forgotten first).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from routing.errors import InvalidInputError, ScoreOverflowError
from routing.model import (
    MAX_INSTANT,
    MAX_SCORE,
    MAX_VALUE,
    MIN_DURATION,
    Skills,
    check_duration,
    to_bool,
    to_float,
)
from routing.ordering import RoutingProfile, routing_profiles


class _Number:
    """The converter of one numeric policy field: any real number (see
    ``routing.model.to_float``) to a plain float, refused unless it is of ``kind``:

    * ``"any"``: finite;
    * ``"share"``: finite and non-negative;
    * ``"weight"``: non-negative and at most ``MAX_VALUE`` = 2**500 (it multiplies
      customer values and priorities, also at most 2**500, into score terms);
    * ``"rate"``: positive and at most ``MAX_SCORE / (4 * MAX_INSTANT)`` = 2**956
      (urgency per second: times an instant or a deadline, both below
      ``2 * MAX_INSTANT``, it stays below ``MAX_SCORE / 2``);
    * ``"duration"``: from ``MIN_DURATION`` to below ``MAX_INSTANT`` seconds;
    * ``"window"``: 0, or a duration.

    Every message has one shape: ``policy {name} {value!r} must ...``.
    """

    __slots__ = ("kind", "name")

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    def __repr__(self) -> str:
        return f"_Number({self.name!r}, {self.kind!r})"

    def __call__(self, value: Any) -> float:
        name, kind = f"policy {self.name}", self.kind
        if kind in ("duration", "window"):
            return check_duration(name, value, zero=kind == "window")
        number = to_float(name, value, InvalidInputError)
        if kind == "any":
            return number
        if number < 0 or (kind == "rate" and number == 0):
            sign = "positive" if kind == "rate" else "non-negative"
            raise InvalidInputError(f"{name} {value!r} must be {sign}")
        if kind == "weight" and number > MAX_VALUE:
            raise ScoreOverflowError(
                f"{name} {value!r} must be at most MAX_VALUE = 2**500: times a customer "
                "value or a priority, a score could overflow to infinity"
            )
        if kind == "rate" and number > _MAX_RATE:
            raise ScoreOverflowError(
                f"{name} {value!r} must be at most MAX_SCORE / (4 * MAX_INSTANT) = 2**956: "
                "times an instant it could overflow a score to infinity"
            )
        return number


_MAX_RATE = MAX_SCORE / (4 * MAX_INSTANT)
"""The steepest urgency slope (2**956 per second): times an instant or a deadline
(below ``2 * MAX_INSTANT``) it stays below ``MAX_SCORE / 2``."""


def _number(name: str, kind: str, default: float) -> Any:
    return attrs.field(default=default, converter=_Number(name, kind))


_timeout = _Number("offer_timeout", "duration")


def _optional_timeout(value: Any) -> float | None:
    return None if value is None else _timeout(value)


_ttl = _Number("context_ttl", "duration")


def _optional_ttl(value: Any) -> float | None:
    return None if value is None else _ttl(value)


def _pause(value: Any) -> bool:
    return to_bool("policy pause_on_timeout", value)


def _interrupts(value: Any) -> tuple[tuple[str, frozenset[str]], ...]:
    """``{channel: channels it may interrupt}`` (or its pairs) as sorted, hashable pairs."""
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            f"policy interrupts {value!r} must map a channel to the channels it may interrupt"
        )
    result: dict[str, frozenset[str]] = {}
    for channel, others in value.items():
        if not isinstance(channel, str) or not channel:
            raise InvalidInputError(f"policy interrupts: channel {channel!r} must be a name")
        if isinstance(others, str) or not isinstance(others, Iterable):
            raise InvalidInputError(
                f"policy interrupts[{channel!r}] {others!r} must be a list of channels"
            )
        names = frozenset(others)
        for other in names:
            if not isinstance(other, str) or not other or other == channel:
                raise InvalidInputError(
                    f"policy interrupts[{channel!r}]: {other!r} must be another channel's name"
                )
        if names:
            result[channel] = names
    return tuple(sorted(result.items()))


def _count(name: str, optional: bool = False) -> Any:
    def check(_: Any, __: Any, value: int | None) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InvalidInputError(f"policy {name} {value!r} must be a positive integer")

    return check


@attrs.frozen
class Policy:
    """Weights and rules of routing decisions. Defaults are the library's policy.

    Attributes:
        w_value: score per unit of customer value.
        w_priority: score per unit of task priority.
        w_sla: urgency at the deadline (a task at its deadline outranks, by this
            much, an equal task that just arrived).
        overdue_factor: how many times steeper urgency grows after the deadline.
        urgency: ``"sla"`` (share of SLA used) or ``"wait"`` (plain waiting time).
        wait_slope: urgency per second waited with ``urgency="wait"``.
        default_sla_target: ramp for tasks with neither ``sla_target`` nor ``due_at``.
        due_ramp: ramp before ``due_at`` for due-date tasks without ``sla_target``.
        w_fit: fit per level of excess proficiency (sign set by customer value).
        high_value_threshold: customers at or above it get the most proficient agent.
        context_window: seconds a customer with an open issue waits for its last agent.
        context_sla_share: the wait for the last agent never exceeds this share of the
            task's ``sla_target`` (5 s of a 20 s voice target by default), so context
            routing does not spend the SLA it is meant to protect.
        w_context: bonus for the preferred agent during the window.
        offer_timeout: seconds an offer stays open; ``None``: until accept/decline.
        pause_on_timeout: an agent that lets an offer time out stops receiving work.
        decline_cooldown: seconds for which an agent that declined a task, or let an
            offer of it time out, is not offered that task again (never for good:
            when the cooldown ends the task may go to that agent again, at once if it
            is idle).
        reserve_agents: how many unit-capped agents one waiting task may hold
            *reserved* when it needs more units than they have free (``0``: none).
            An agent looking for work whose best waiting task does not fit its free
            units takes no other work until that task is offered (to it or anyone),
            leaves the queue, or the agent stops being available. The bound: once
            such an agent has looked for work after the task was queued, the task
            waits no longer than that agent's current work takes to free the units.
        interrupts: per channel, the channels whose work it may interrupt (Genesys'
            *interruptible by*), given as a mapping and kept as sorted
            ``(channel, frozenset)`` pairs: ``{"voice": ("chat",)}`` lets a call alert an agent
            whose units are held by chats, whose units then do not count against
            it; chats never alert an agent on a call unless listed the other way.
        context_ttl: seconds after a customer's last completion after which its context
            (last agent, open issues) is forgotten; ``None``: never by age.
        context_max_issues: open issues remembered per customer; past it the oldest is
            dropped (any open issue makes a follow-up prefer the last agent).
        context_max_customers: customers remembered at most; past it the one whose last
            completion is the oldest is forgotten; ``None``: no limit but the age.
        routing_profiles: agent-side ordering (Amazon Connect's routing profiles), by
            name: how the agents that name one (``Agent.routing_profile``) rank and
            delay work on top of the score (``routing.ordering``). Given as a mapping
            of name to a :class:`~routing.ordering.RoutingProfile` or its entries, kept
            as sorted ``(name, RoutingProfile)`` pairs. Empty (the default): no agent
            ranks or delays anything, and the router does no work for it.
        stats_horizon: seconds of history (answers, abandonments, completions) the
            router keeps for ``Router.service_stats`` and ``Router.estimate_wait``;
            a longer window cannot be asked for.
    """

    w_value: float = _number("w_value", "weight", 1.0)
    w_priority: float = _number("w_priority", "weight", 1.0)
    w_sla: float = _number("w_sla", "weight", 10.0)
    overdue_factor: float = _number("overdue_factor", "weight", 4.0)
    urgency: Literal["sla", "wait"] = attrs.field(default="sla")
    wait_slope: float = _number("wait_slope", "rate", 1.0)
    default_sla_target: float = _number("default_sla_target", "duration", 300.0)
    due_ramp: float = _number("due_ramp", "duration", 28_800.0)
    w_fit: float = _number("w_fit", "weight", 0.5)
    high_value_threshold: float = _number("high_value_threshold", "any", 5.0)
    context_window: float = _number("context_window", "window", 30.0)
    context_sla_share: float = _number("context_sla_share", "share", 0.25)
    w_context: float = _number("w_context", "weight", 5.0)
    offer_timeout: float | None = attrs.field(default=15.0, converter=_optional_timeout)
    pause_on_timeout: bool = attrs.field(default=True, converter=_pause)
    decline_cooldown: float = _number("decline_cooldown", "duration", 30.0)
    reserve_agents: int = attrs.field(default=1)
    interrupts: tuple[tuple[str, frozenset[str]], ...] = attrs.field(
        default=(), converter=_interrupts
    )
    context_ttl: float | None = attrs.field(default=86_400.0, converter=_optional_ttl)
    context_max_issues: int = attrs.field(default=20, validator=_count("context_max_issues"))
    context_max_customers: int | None = attrs.field(
        default=None, validator=_count("context_max_customers", optional=True)
    )
    routing_profiles: tuple[tuple[str, RoutingProfile], ...] = attrs.field(
        default=(), converter=routing_profiles
    )
    stats_horizon: float = _number("stats_horizon", "duration", 86_400.0)

    @reserve_agents.validator
    def _check_reserve_agents(self, _: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInputError(f"policy reserve_agents {value!r} must be a whole number >= 0")

    @urgency.validator
    def _check_urgency(self, _: Any, value: str) -> None:
        if value not in ("sla", "wait"):
            raise InvalidInputError(f"policy urgency {value!r} must be 'sla' or 'wait'")

    def __attrs_post_init__(self) -> None:
        # The steepest urgency slope is ``max(1, overdue_factor) * w_sla / ramp`` with a
        # ramp of at least MIN_DURATION (every task duration and policy duration is):
        # bound it as ``wait_slope`` is, so that no task's score can overflow.
        steepest = max(1.0, self.overdue_factor) * self.w_sla / MIN_DURATION
        if steepest > _MAX_RATE:
            raise ScoreOverflowError(
                f"policy w_sla {self.w_sla!r} with overdue_factor {self.overdue_factor!r} "
                f"give urgency slopes up to {steepest!r} per second over a 1 ms ramp "
                "(MIN_DURATION), more than MAX_SCORE / (4 * MAX_INSTANT) = 2**956: a score "
                "built with them could overflow to infinity"
            )

    @classmethod
    def fifo(cls, **overrides: Any) -> Policy:
        """Classic ACD: longest-waiting eligible task first, longest-idle agent, no value,
        no priority, no proficiency preference, no customer context."""
        settings: dict[str, Any] = {
            "w_value": 0.0,
            "w_priority": 0.0,
            "urgency": "wait",
            "w_fit": 0.0,
            "context_window": 0.0,
            "w_context": 0.0,
        }
        settings.update(overrides)
        return cls(**settings)

    # -- agent-side ordering ------------------------------------------------------

    def routing_profile(self, name: str) -> RoutingProfile | None:
        """The routing profile called ``name``, or ``None``. Runtime: O(profiles)."""
        for profile_name, profile in self.routing_profiles:
            if profile_name == name:
                return profile
        return None

    @property
    def delays_work(self) -> bool:
        """Whether some routing profile delays some work (so tasks have delay instants)."""
        return any(profile.delays for _, profile in self.routing_profiles)

    def delays_for(self, channel: str, skills: Skills) -> tuple[float, ...]:
        """The distinct positive delays, ascending, that the routing profiles put on a
        task on ``channel`` requiring ``skills``: it becomes eligible for more agents at
        ``arrived_at + d`` for each. Runtime complexity: O(profiles x entries).

        >>> Policy(routing_profiles={"p": {"email": (1, 60)}}).delays_for("email", ())
        (60.0,)
        """
        delays = {profile.entry(channel, skills)[1] for _, profile in self.routing_profiles}
        return tuple(sorted(d for d in delays if d > 0))

    # -- task score -------------------------------------------------------------

    def base_score(self, value: float, priority: float) -> float:
        """The time-independent part of the score."""
        return self.w_value * value + self.w_priority * priority

    def deadline_and_ramp(
        self, arrived_at: float, sla_target: float | None, due_at: float | None
    ) -> tuple[float | None, float]:
        """The deadline ``D`` (or ``None``) and urgency ramp ``R`` of a task."""
        if due_at is not None:
            return due_at, sla_target if sla_target is not None else self.due_ramp
        if sla_target is not None:
            return arrived_at + sla_target, sla_target
        return None, self.default_sla_target

    def urgency_segment(
        self, arrived_at: float, deadline: float | None, ramp: float, t: float
    ) -> tuple[float, float, float | None]:
        """Urgency on the segment containing ``t``: ``(a, b, ends_at)``.

        Urgency on the segment is ``a + b * t``; ``ends_at`` is the next breakpoint,
        or ``None`` when the segment lasts forever.

        Runtime complexity: O(1).
        """
        if self.urgency == "wait":
            b = self.wait_slope
            return -b * arrived_at, b, None
        if deadline is None:
            b = self.w_sla / ramp
            return -b * arrived_at, b, None
        start = deadline - ramp
        if t < start:
            return 0.0, 0.0, start
        if t < deadline:
            b = self.w_sla / ramp
            return -b * start, b, deadline
        b = self.overdue_factor * self.w_sla / ramp
        return self.w_sla - b * deadline, b, None

    def context_window_for(self, sla_target: float | None, due_at: float | None) -> float:
        """Seconds a follow-up task waits for the customer's last agent.

        >>> Policy().context_window_for(sla_target=20.0, due_at=None)
        5.0
        >>> Policy().context_window_for(sla_target=None, due_at=None)
        30.0
        """
        if sla_target is not None and due_at is None:
            return min(self.context_window, self.context_sla_share * sla_target)
        return self.context_window

    # -- agent fit --------------------------------------------------------------

    def is_high_value(self, value: float) -> bool:
        """Whether a customer of this value gets the most proficient agent."""
        return value >= self.high_value_threshold

    def fit(self, agent_skills: Mapping[str, int], required: Skills, high_value: bool) -> float:
        """Fit of an eligible agent for a requirement (see the module docstring).

        >>> Policy().fit({"billing": 4, "tech": 3}, (("billing", 2),), high_value=True)
        1.0
        >>> Policy().fit({"billing": 4, "tech": 3}, (("billing", 2),), high_value=False)
        -2.5
        """
        if self.w_fit == 0.0:
            return 0.0
        needed = sum(level for _, level in required)
        if high_value:
            return self.w_fit * (sum(agent_skills[skill] for skill, _ in required) - needed)
        return -self.w_fit * (sum(agent_skills.values()) - needed)
