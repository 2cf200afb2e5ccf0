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

Agent fit, for an eligible agent, is ``w_fit * excess`` for high-value customers
(value >= ``high_value_threshold``: give them the most proficient agent) and
``-w_fit * excess`` otherwise (least over-qualified, keeping experts free), where
``excess`` is the sum over required skills of (agent level - required level). Ties go
to the agent idle longest. During a preferred-agent window the preferred agent also
gets ``w_context``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from routing.errors import InvalidInputError
from routing.model import Skills


def _finite(name: str) -> Any:
    def check(_: Any, __: Any, value: float) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInputError(f"policy {name} {value!r} must be a finite number")

    return check


def _positive(name: str) -> Any:
    def check(_: Any, __: Any, value: float) -> None:
        _finite(name)(_, __, value)
        if value <= 0:
            raise InvalidInputError(f"policy {name} {value!r} must be positive")

    return check


def _non_negative(name: str) -> Any:
    def check(_: Any, __: Any, value: float) -> None:
        _finite(name)(_, __, value)
        if value < 0:
            raise InvalidInputError(f"policy {name} {value!r} must be non-negative")

    return check


def _optional_positive(name: str) -> Any:
    def check(_: Any, __: Any, value: float | None) -> None:
        if value is not None:
            _positive(name)(_, __, value)

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
        w_context: bonus for the preferred agent during the window.
        offer_timeout: seconds an offer stays open; ``None``: until accept/decline.
        pause_on_timeout: an agent that lets an offer time out stops receiving work.
    """

    w_value: float = attrs.field(default=1.0, validator=_non_negative("w_value"))
    w_priority: float = attrs.field(default=1.0, validator=_non_negative("w_priority"))
    w_sla: float = attrs.field(default=10.0, validator=_non_negative("w_sla"))
    overdue_factor: float = attrs.field(default=4.0, validator=_non_negative("overdue_factor"))
    urgency: Literal["sla", "wait"] = attrs.field(default="sla")
    wait_slope: float = attrs.field(default=1.0, validator=_positive("wait_slope"))
    default_sla_target: float = attrs.field(
        default=300.0, validator=_positive("default_sla_target")
    )
    due_ramp: float = attrs.field(default=28_800.0, validator=_positive("due_ramp"))
    w_fit: float = attrs.field(default=0.5, validator=_non_negative("w_fit"))
    high_value_threshold: float = attrs.field(
        default=5.0, validator=_finite("high_value_threshold")
    )
    context_window: float = attrs.field(default=30.0, validator=_non_negative("context_window"))
    w_context: float = attrs.field(default=5.0, validator=_non_negative("w_context"))
    offer_timeout: float | None = attrs.field(
        default=15.0, validator=_optional_positive("offer_timeout")
    )
    pause_on_timeout: bool = True

    @urgency.validator
    def _check_urgency(self, _: Any, value: str) -> None:
        if value not in ("sla", "wait"):
            raise InvalidInputError(f"policy urgency {value!r} must be 'sla' or 'wait'")

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

    # -- agent fit --------------------------------------------------------------

    def is_high_value(self, value: float) -> bool:
        """Whether a customer of this value gets the most proficient agent."""
        return value >= self.high_value_threshold

    def fit(self, agent_skills: Mapping[str, int], required: Skills, high_value: bool) -> float:
        """Fit of an eligible agent for a requirement (see the module docstring)."""
        if self.w_fit == 0.0:
            return 0.0
        excess = sum(agent_skills[skill] - level for skill, level in required)
        return self.w_fit * (excess if high_value else -excess)
