"""Flat result records: what one simulation replication produces.

The SimPy model emits these; :mod:`simulations.kpi.metrics` turns them into KPIs and
:mod:`simulations.report.run` writes them out. Every record is a frozen ``attrs`` class of
plain scalars (Ciw-style), so ``attrs.asdict(record)`` is a CSV row or a DataFrame row
without glue. Times are simulation seconds on the model's clock: instants end in
``_at``, durations are plain.

Outcome of a contact, read from its fields:

* **deflected**: self-service handled it; it never reached the queue, so
  ``answered_at`` and ``abandoned_at`` are ``None``.
* **answered**: ``answered_at`` is set (an agent took it); ``completed_at`` is set
  once handling and wrap-up ended inside the run.
* **abandoned**: ``abandoned_at`` is set (the customer hung up / withdrew).
* **pending**: none of the above; it was still waiting when the run ended.

Back-office work items are contacts with a ``due_at``.
"""

from __future__ import annotations

import math

import attrs

from simulations.errors import InvalidArgumentError

__all__ = ["AgentRecord", "ContactRecord", "QueueSample", "ReplicationResult", "in_window"]


def in_window(at: float, window: tuple[float, float]) -> bool:
    """Whether instant ``at`` is in the measured ``window``, ``[start, end)``.

    The one rule every KPI and staffing target selects by: live contacts by arrival,
    back-office items by due date. The window is ``SimulationSettings.window``.
    """
    return window[0] <= at < window[1]


@attrs.frozen(weakref_slot=False)  # see simulations.centre.contacts._RecordDraft
class ContactRecord:
    """One contact (call, chat, message, email) or back-office item, start to end.

    Attributes:
        replication: replication index (pairs replications across policies).
        policy: routing policy name.
        contact_id: unique within the replication.
        issue_id: the customer problem; repeat contacts share it.
        customer_id: the customer.
        contact_type: business type (``"billing"``, ``"claim"``...).
        channel: ``"voice"``, ``"chat"``, ``"email"``, ``"backoffice"``...
        tier: customer value tier.
        customer_value: weight for value-weighted KPIs.
        is_new_customer: onboarding customer (higher churn risk).
        attempt: 1 for the first contact about this issue, 2 for the first repeat...
        arrived_at: instant the contact arrived (before self-service).
        answered_at: instant an agent took it, ``None`` if never.
        abandoned_at: instant the customer gave up, ``None`` if never.
        deflected: self-service handled it; it never reached the queue.
        completed_at: instant handling and wrap-up ended, ``None`` if not in the run.
        handle_time: talk/handle seconds; 0 if not answered.
        wrap_up: after-contact work seconds; 0 if not answered.
        agent_id: the agent who handled it.
        agent_group: that agent's group.
        resolved: the issue was resolved by this contact; ``None`` if not completed.
        sla_target: service-level threshold T in seconds; ``None`` if it has none.
        due_at: back-office due instant; ``None`` for live contacts.
        cost: per-contact channel cost (telephony, self-service...), agent cost excluded.

    Raises:
        ValueError: inconsistent outcome fields (answered and abandoned, deflected and
            answered, an instant before ``arrived_at``, ``attempt < 1``), naming the
            contact.
    """

    replication: int
    policy: str
    contact_id: str
    issue_id: str
    customer_id: str
    contact_type: str
    channel: str
    tier: str
    customer_value: float
    is_new_customer: bool
    attempt: int
    arrived_at: float
    answered_at: float | None
    abandoned_at: float | None
    deflected: bool
    completed_at: float | None
    handle_time: float
    wrap_up: float
    agent_id: str | None
    agent_group: str | None
    resolved: bool | None
    sla_target: float | None
    due_at: float | None
    cost: float

    def __attrs_post_init__(self) -> None:
        # The valid shapes in a few comparisons (every record of a run passes here);
        # anything else goes through _check, which names what is wrong.
        arrived_at, answered_at = self.arrived_at, self.answered_at
        abandoned_at, completed_at = self.abandoned_at, self.completed_at
        if answered_at is not None:
            ok = (
                abandoned_at is None
                and not self.deflected
                and answered_at >= arrived_at
                and (completed_at is None or completed_at >= arrived_at)
            )
        else:
            ok = completed_at is None and (
                abandoned_at is None or (not self.deflected and abandoned_at >= arrived_at)
            )
        if not (
            ok
            and self.attempt >= 1
            and 0.0 <= self.handle_time < math.inf
            and 0.0 <= self.wrap_up < math.inf
            and 0.0 <= self.cost < math.inf
        ):
            self._check()

    def _check(self) -> None:
        """Raise ``ValueError`` naming the first inconsistency, if there is one."""

        def bad(reason: str) -> InvalidArgumentError:
            return InvalidArgumentError(f"contact {self.contact_id!r}: {reason}")

        if self.attempt < 1:
            raise bad(f"attempt {self.attempt!r} must be >= 1")
        if self.answered_at is not None and self.abandoned_at is not None:
            raise bad("both answered_at and abandoned_at are set")
        if self.deflected and (self.answered_at is not None or self.abandoned_at is not None):
            raise bad("a deflected contact cannot be answered or abandoned")
        for name in ("answered_at", "abandoned_at", "completed_at"):
            at = getattr(self, name)
            if at is not None and at < self.arrived_at:
                raise bad(f"{name} {at!r} is before arrived_at {self.arrived_at!r}")
        if self.completed_at is not None and self.answered_at is None:
            raise bad("completed_at is set but answered_at is not")
        for name in ("handle_time", "wrap_up", "cost"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise bad(f"{name} {value!r} must be finite and non-negative")

    @property
    def answered(self) -> bool:
        """An agent took it."""
        return self.answered_at is not None

    @property
    def abandoned(self) -> bool:
        """The customer gave up before an agent took it."""
        return self.abandoned_at is not None

    @property
    def offered(self) -> bool:
        """It reached the queue (every contact that was not deflected)."""
        return not self.deflected

    @property
    def completed(self) -> bool:
        """Handled by an agent, wrap-up included, inside the run."""
        return self.completed_at is not None

    @property
    def is_back_office(self) -> bool:
        """A back-office work item (it has a due date)."""
        return self.due_at is not None

    @property
    def on_time(self) -> bool:
        """A back-office item completed by its due date."""
        return (
            self.completed_at is not None
            and self.due_at is not None
            and (self.completed_at <= self.due_at)
        )

    @property
    def wait(self) -> float | None:
        """Seconds in queue until answered or abandoned; ``None`` otherwise."""
        if self.answered_at is not None:
            return self.answered_at - self.arrived_at
        if self.abandoned_at is not None:
            return self.abandoned_at - self.arrived_at
        return None


@attrs.frozen
class AgentRecord:
    """One agent over the measured window of one replication.

    Attributes:
        replication: replication index.
        policy: routing policy name.
        agent_id: the agent.
        group: agent group (team / skill profile) for occupancy.
        staffed_time: seconds on shift inside the measured window.
        busy_time: seconds holding at least one task (wrap-up included) in the window.
        handled: contacts this agent completed in the window.
        cost: ``cost_per_hour * staffed_time / 3600``.
    """

    replication: int
    policy: str
    agent_id: str
    group: str
    staffed_time: float
    busy_time: float
    handled: int
    cost: float


@attrs.frozen
class QueueSample:
    """One channel's wallboard at one instant: what the router's live statistics
    (``Router.queue_stats`` and ``Router.service_stats``) told a supervisor then.

    Attributes:
        replication: replication index.
        policy: routing policy name.
        at: the instant (simulated seconds).
        channel: the channel.
        waiting: contacts waiting (not offered).
        oldest_wait: seconds the longest-waiting contact had waited.
        offered: contacts offered to an agent, not yet answered.
        agents_free: agents who could take a contact of the channel at once.
        agents_busy: agents available but with no room for one more.
        agents_away: agents on the channel away or not responding.
        service_level: answered in target / (answered + abandoned after target) over
            the sample period ending at ``at`` (empty: none answered or abandoned).
        asa: mean wait of the contacts answered over the period.
        abandonment: abandoned / (answered + abandoned) over the period.
    """

    replication: int
    policy: str
    at: float
    channel: str
    waiting: int
    oldest_wait: float
    offered: int
    agents_free: int
    agents_busy: int
    agents_away: int
    service_level: float | None
    asa: float | None
    abandonment: float | None


def _window(value: tuple[float, float]) -> tuple[float, float]:
    start, end = value
    if not (math.isfinite(start) and math.isfinite(end) and start <= end):
        raise InvalidArgumentError(f"window {value!r} must be (start, end) with start <= end")
    return (float(start), float(end))


@attrs.frozen
class ReplicationResult:
    """Everything one replication of one policy produced.

    ``contacts`` holds every contact of the run, warm-up included; the metrics select
    by ``window``. ``agents`` cover the window only (their times are measured inside it).

    Attributes:
        replication: replication index; equal indices across policies share random
            numbers, which is what makes paired comparisons valid.
        policy: routing policy name.
        contacts: every contact record of the run.
        agents: one record per agent.
        samples: periodic queue-length samples.
        window: ``(start, end)`` of the measured period after warm-up.
        ended_at: the instant the run stopped (the horizon plus the drain), so a
            contact still waiting had waited ``ended_at - arrived_at``; ``None`` when
            unknown (such a contact then counts as late for any threshold).
    """

    replication: int
    policy: str
    contacts: tuple[ContactRecord, ...]
    agents: tuple[AgentRecord, ...]
    samples: tuple[QueueSample, ...]
    window: tuple[float, float] = attrs.field(converter=_window)
    ended_at: float | None = None
