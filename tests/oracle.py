"""A brute-force reference router: the rules of ``routing.router``, implemented naively.

:class:`OracleRouter` has the mutating API of :class:`routing.Router` (``add_agent``,
``remove_agent``, ``set_agent_state``, ``submit``, ``accept``, ``decline``,
``complete``, ``cancel``, ``advance``) but none of its machinery: no buckets, no
profiles, no idle indexes, no timer heap. It keeps plain dicts of tasks and agents and,
at every decision, scores **every** waiting task and **every** agent from scratch with
the same :class:`routing.Policy` methods (``urgency_segment``, ``deadline_and_ramp``,
``base_score``, ``fit``, ``is_high_value``, ``context_window_for``) and
:meth:`routing.Requirement.skills_at`.
Channel load and units in use are recounted from the task table at each look-up.

It deliberately does not import the engine's machinery (``routing._state``,
``task_queue``, ``agents``, ``offers``, ``timers``, ``context``, ``stats``' logs: only
its value classes): the point is an
independent implementation, so an optimisation bug in those modules shows up as a
disagreement.

The rules, as stated in ``routing/router.py``:

* A task that enters the queue (submit, decline/timeout requeue, or a breakpoint that
  changes its required skills or ends its preferred window) goes to the agent
  maximising ``(fit + context, -idle_since, -agent_seq)`` among agents that are
  available, have a free slot on its channel and enough free units, meet its current
  skills, have not declined it, and are in its preferred set while its window lasts.
* An agent that gains capacity (added, made available, completes, an offer of its
  ends) takes, while it has capacity, the waiting task maximising
  ``(score(now) + fit + context, a, -task_seq)``, with ``score = a + b * now``.
* An agent with a unit cap looking for work considers, on the channels where it has
  a free slot and at least one free unit, the tasks that fit and (with
  ``reserve_agents``) those that need more units than are free, up to its cap, and
  that fewer than ``reserve_agents`` agents are held for; if one of the latter wins,
  the agent is reserved for it and takes nothing until it fits (then it is offered
  that task), the task is offered or leaves, or the agent stops being available. A
  task's units do not count the units of work on channels its channel may interrupt.
* A decline or timeout at ``at`` excludes the agent from the task until
  ``at + decline_cooldown``.
* Timers due in ``(previous now, now]`` fire in order of ``(time, kind, seq)``:
  task breakpoints (kind 0, by task sequence), ends of cooldowns (1, by task
  sequence), expiries (2, by task sequence), offer timeouts (3, by offer id). Every
  due timer fires before any decision at ``now``: then the tasks they released
  (widened by a breakpoint, out of a cooldown, or requeued by a timeout) are routed
  in the order their timers fired, then the agents freed by timeouts (not paused)
  and expiries take work, in the same order. A timer's events carry its time.
* At the end of every call the agents whose reservation ended take work, in order,
  and then every waiting task (by sequence, not in a preferred window) whose cause
  of being unroutable changed is reported.
* Offers are made at ``now`` (the instant of the call), never in the past.
* Agent-side ordering (``routing.ordering``): an agent that names a routing profile
  of the policy gives each task the ``(rank, delay)`` of its entry: among the
  ``(channel, skill)`` entries whose skill the task requires now, the lowest
  ``(rank, delay)``; else the channel's entry; else ``(0, 0)``. The task is eligible
  for the agent only once ``arrived_at + delay <= now``; an agent looking for work
  maximises ``(-rank, score + fit + context, a, -seq)``; a task looking for an agent
  ignores ranks. Every waiting task has a breakpoint at ``arrived_at + d`` for each
  positive delay ``d`` that some profile of the policy puts on it, and a breakpoint
  at which one of those passes widens it (it is routed).
* ``remove_agent``: the agent leaves before the call's timers fire; it is dropped
  from the preferred set of *every* active task (waiting or on offer), and the
  waiting tasks left with no preferred agent are routed at once, oldest first (by
  submission sequence).
* Customer context: a completion sets the customer's last agent and adds (unresolved)
  or clears (resolved) its open issues, keeping the newest ``context_max_issues``; a
  customer is forgotten at ``now >= last completion + context_ttl`` (every call first
  forgets all those expired by its ``now``), and past ``context_max_customers`` the
  customer whose last completion is the oldest is forgotten.

Every method returns the events the router would return (``Offered``, ``Queued``,
``Requeued``, ``SlaBreached``, ``Relaxed``, ``PreferenceExpired``, ``AgentPaused``) in
the same order; :func:`offers_in` extracts the offers.

Cost: O(tasks + agents) per decision and O(tasks) per due timer, against the router's
O(log n): which is the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import attrs

from routing.errors import (
    AgentBusyError,
    AgentUnavailableError,
    DuplicateAgentError,
    DuplicateTaskError,
    IllegalTransitionError,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidTypeError,
    OfferExpiredError,
    TaskExpiredError,
    TimeWentBackwardsError,
    UnknownAgentError,
    UnknownOfferError,
    UnknownRoutingProfileError,
    UnknownTaskError,
)
from routing.events import (
    ALL_DECLINED,
    NO_AVAILABLE_AGENT,
    NO_ELIGIBLE_AGENT,
    Accepted,
    AgentAdded,
    AgentPaused,
    AgentRemoved,
    AgentStateChanged,
    AgentUpdated,
    Cancelled,
    Completed,
    Event,
    Expired,
    Offered,
    PreferenceExpired,
    Queued,
    Relaxed,
    Requeued,
    ReservationEnded,
    Reserved,
    Routable,
    Scheduled,
    SlaBreached,
    Submitted,
    TransferDeclined,
    Transferred,
    Unroutable,
    Updated,
    WrapUpEnded,
)
from routing.model import (
    Agent,
    AgentState,
    AgentStatus,
    CustomerContext,
    Offer,
    Requirement,
    ScoreTerms,
    Skills,
    Task,
    TaskState,
    check_duration,
    check_id,
    check_instant,
    to_bool,
    to_float,
    to_int,
)
from routing.policy import Policy
from routing.stats import QueueStats, ServiceStats, WaitEstimate

__all__ = ["OracleAgent", "OracleRouter", "OracleTask", "offers_in"]


def offers_in(events: list[Any]) -> list[Offer]:
    """The offers among ``events``, in order."""
    return [event.offer for event in events if isinstance(event, Offered)]


@dataclass
class OracleTask:
    """Everything the oracle knows about one active task."""

    task: Task
    seq: int
    arrived_at: float
    deadline: float | None
    ramp: float
    base: float
    high_value: bool
    state: TaskState = TaskState.QUEUED
    preferred: set[str] = field(default_factory=set)
    preferred_until: float = 0.0
    declined_by: dict[str, float] = field(default_factory=dict)
    """Agent id -> when its exclusion (a decline or timeout) ends."""
    expires_at: float | None = None
    reserved_by: list[str] = field(default_factory=list)
    unroutable: str | None = None
    placed_at: float = 0.0
    """The instant the task's skills, window and score segment were last evaluated."""
    breached: bool = False
    agent_id: str | None = None
    offer_id: int | None = None
    offered_skills: Skills | None = None
    """The skills the task required when it was last offered (for eligibility checks)."""
    holder_id: str | None = None
    """The agent that started a warm transfer of it and holds it until the hand-over."""
    came_back: bool = False
    """Assigned again to that agent after the transfer's offer went unanswered (with the
    transfer's requirement, which that agent need not meet)."""
    release_at: float | None = None
    """While scheduled: its ``not_before``."""
    wrap_until: float | None = None
    """While in wrap-up: when it ends (``inf``: when ended by a call)."""
    answered_at: float | None = None
    held_since: float = 0.0
    """Since when agents have held it without a break (cold transfers break it)."""
    agent_time: float = 0.0
    """Agent-seconds it was held before ``held_since``."""
    """Its first accept (the live statistics)."""


@dataclass
class OracleAgent:
    """Everything the oracle knows about one agent."""

    agent: Agent
    seq: int
    idle_since: float
    state: AgentState = AgentState.AVAILABLE
    reserved: str | None = None
    """The id of the waiting task it is held for."""
    reason: str | None = None
    since: float = 0.0
    reshaped: frozenset[str] = frozenset()
    """Ids of the tasks it held when its profile last changed."""

    @property
    def skills(self) -> dict[str, int]:
        return dict(self.agent.skills)

    @property
    def capacity(self) -> dict[str, int]:
        return dict(self.agent.capacity)


class OracleRouter:
    """Brute-force reference implementation of :class:`routing.Router` decisions."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy if policy is not None else Policy()
        self.tasks: dict[str, OracleTask] = {}
        self.agents: dict[str, OracleAgent] = {}
        self.offers: dict[int, Offer] = {}
        self.last_agent: dict[str, str] = {}
        self.open_issues: dict[str, list[str]] = {}
        self.released: list[str] = []
        self.context_expires_at: dict[str, float] = {}
        self.context_served: dict[str, int] = {}
        """Per customer, the number of its last completion (oldest forgotten first)."""
        self._completions = 0
        self.now = -math.inf
        self.at = -math.inf
        """The ``now`` of the call in progress (or of the last one), for delays."""
        self._task_seq = 0
        self._agent_seq = 0
        self._offer_seq = 0
        self.history: list[tuple[str, float, str, float, float | None, bool]] = []
        """``(kind, at, channel, seconds, sla_target, expired)`` of every answer (the
        wait), abandonment (the wait) and completion (the agent time), for the live
        statistics, kept for ever and filtered at each question."""

    # -- derived views (recomputed from scratch every time) -----------------------

    def skills_of(self, t: OracleTask) -> Skills:
        """The skills ``t`` requires as of the instant it was last brought up to date."""
        return t.task.requirement.skills_at(t.arrived_at, t.placed_at)

    def in_window(self, t: OracleTask) -> bool:
        """Whether ``t`` still waits only for its preferred agents."""
        return bool(t.preferred) and t.placed_at < t.preferred_until

    def segment(self, t: OracleTask) -> tuple[float, float]:
        """``(a, b)`` of the task's score ``a + b * now`` on its current segment."""
        a_urgency, b, _ = self.policy.urgency_segment(t.arrived_at, t.deadline, t.ramp, t.placed_at)
        return t.base + a_urgency, b

    def next_breakpoint(self, t: OracleTask) -> float | None:
        """The first instant after ``t.placed_at`` at which the task must be re-placed."""
        candidates = [
            t.arrived_at + step.after
            for step in t.task.requirement.steps
            if t.arrived_at + step.after > t.placed_at
        ]
        _, _, ends_at = self.policy.urgency_segment(t.arrived_at, t.deadline, t.ramp, t.placed_at)
        if ends_at is not None:
            candidates.append(ends_at)
        if self.in_window(t):
            candidates.append(t.preferred_until)
        candidates.extend(  # the delays of the routing profiles (``routing.ordering``)
            t.arrived_at + d for d in self.delays_on(t) if t.arrived_at + d > t.placed_at
        )
        return min(candidates) if candidates else None

    # -- agent-side ordering (routing profiles), naively ------------------------------

    @staticmethod
    def profile_entry(entries: Any, channel: str, skills: Skills) -> tuple[int, float]:
        """``(rank, delay)`` of a routing profile's ``entries`` for a task on ``channel``
        requiring ``skills``, by scanning them all (not ``RoutingProfile.entry``)."""
        required = {name for name, _ in skills}
        by_skill = [(r, d) for c, s, r, d in entries if c == channel and s in required]
        if by_skill:
            return min(by_skill)
        by_channel = [(r, d) for c, s, r, d in entries if c == channel and s is None]
        return by_channel[0] if by_channel else (0, 0.0)

    def delays_on(self, t: OracleTask) -> set[float]:
        """The positive delays some routing profile of the policy puts on ``t`` now."""
        skills = self.skills_of(t)
        delays = {
            self.profile_entry(profile.entries, t.task.channel, skills)[1]
            for _, profile in self.policy.routing_profiles
        }
        return {d for d in delays if d > 0}

    def entry_for(self, ag: OracleAgent, t: OracleTask) -> tuple[int, float]:
        """``(rank, delay)`` of ``t`` for ``ag`` (``(0, 0)`` without a routing profile)."""
        name = ag.agent.routing_profile
        if name is None:
            return (0, 0.0)
        profile = dict(self.policy.routing_profiles)[name]
        return self.profile_entry(profile.entries, t.task.channel, self.skills_of(t))

    def loads(self) -> dict[str, tuple[dict[str, int], dict[str, int]]]:
        """Per agent: tasks held per channel and units held per channel, counted from
        the task table in one pass. Runtime complexity: O(tasks + agents)."""
        result: dict[str, tuple[dict[str, int], dict[str, int]]] = {
            a: ({}, {}) for a in self.agents
        }
        for t in self.tasks.values():
            for holder in (t.agent_id, t.holder_id):
                if holder is not None and holder in result:
                    per_channel, units = result[holder]
                    per_channel[t.task.channel] = per_channel.get(t.task.channel, 0) + 1
                    units[t.task.channel] = units.get(t.task.channel, 0) + t.task.units
        return result

    def load(self, agent_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """Tasks and units per channel one agent holds, counted from the task table."""
        return self.loads()[agent_id]

    def free_for(
        self, ag: OracleAgent, channel: str, load: tuple[dict[str, int], dict[str, int]]
    ) -> float:
        """Units ``ag`` has free for a task on ``channel``: its cap less the units it
        holds, not counting work on channels ``channel`` may interrupt (inf: no cap)."""
        if ag.agent.max_units is None:
            return math.inf
        interrupted = dict(self.policy.interrupts).get(channel, frozenset())
        held = sum(u for c, u in load[1].items() if c not in interrupted)
        return ag.agent.max_units - held

    def has_slot(
        self, ag: OracleAgent, channel: str, load: tuple[dict[str, int], dict[str, int]]
    ) -> bool:
        """Whether ``ag`` is available with a free slot and a free unit on ``channel``."""
        if ag.state is not AgentState.AVAILABLE:
            return False
        cap = ag.capacity.get(channel)
        if cap is None or load[0].get(channel, 0) >= cap:
            return False
        return self.free_for(ag, channel, load) >= 1

    def can_take(
        self,
        ag: OracleAgent,
        channel: str,
        units: int,
        load: tuple[dict[str, int], dict[str, int]] | None = None,
    ) -> bool:
        """Whether ``ag`` is available, held for nothing, with a free slot on ``channel``
        and ``units`` free for it."""
        if ag.reserved is not None:
            return False
        load = load if load is not None else self.load(ag.agent.id)
        return self.has_slot(ag, channel, load) and self.free_for(ag, channel, load) >= units

    def meets(self, ag: OracleAgent, t: OracleTask) -> bool:
        """Whether ``ag`` may take ``t`` but for its load: skills, no exclusion, window."""
        if t.state is not TaskState.QUEUED or ag.agent.id in t.declined_by:
            return False
        if self.in_window(t) and ag.agent.id not in t.preferred:
            return False
        if t.arrived_at + self.entry_for(ag, t)[1] > self.at:  # its delay has not passed
            return False
        skills = ag.skills
        return all(skills.get(name, 0) >= level for name, level in self.skills_of(t))

    def eligible(
        self,
        ag: OracleAgent,
        t: OracleTask,
        load: tuple[dict[str, int], dict[str, int]] | None = None,
    ) -> bool:
        """Whether ``ag`` may take waiting task ``t`` now (window rules included).

        ``load`` is the agent's current load, if the caller has counted it already.
        """
        return self.meets(ag, t) and self.can_take(ag, t.task.channel, t.task.units, load)

    def reservable(
        self, ag: OracleAgent, t: OracleTask, load: tuple[dict[str, int], dict[str, int]]
    ) -> bool:
        """Whether ``ag``, looking for work, may be reserved for ``t``: it meets it and
        has a slot for it, but too few units free, and not too many agents are held."""
        limit = self.policy.reserve_agents
        max_units = ag.agent.max_units
        if not limit or max_units is None or ag.reserved is not None:
            return False
        if len(t.reserved_by) >= limit or t.task.units > max_units:
            return False
        return self.meets(ag, t) and self.has_slot(ag, t.task.channel, load)

    def cause(self, t: OracleTask) -> str | None:
        """Why no agent can take the waiting ``t`` (``None`` in a preferred window)."""
        if t.state is not TaskState.QUEUED or self.in_window(t):
            return None
        skills = self.skills_of(t)
        able = [
            ag
            for ag in self.agents.values()
            if t.task.channel in ag.capacity
            and all(ag.skills.get(name, 0) >= level for name, level in skills)
            and (ag.agent.max_units is None or ag.agent.max_units >= t.task.units)
        ]
        if not able:
            return NO_ELIGIBLE_AGENT
        available = [ag for ag in able if ag.state is AgentState.AVAILABLE]
        if not available:
            return NO_AVAILABLE_AGENT
        if all(ag.agent.id in t.declined_by for ag in available):
            return ALL_DECLINED
        return None

    def unroutable_tasks(self) -> dict[str, str]:
        waiting = sorted(self.waiting(), key=lambda t: t.seq)
        return {t.task.id: t.unroutable for t in waiting if t.unroutable is not None}

    def reservations(self) -> dict[str, str]:
        return {a: ag.reserved for a, ag in sorted(self.agents.items()) if ag.reserved}

    def fit_and_context(self, ag: OracleAgent, t: OracleTask) -> tuple[float, float]:
        fit = self.policy.fit(ag.skills, self.skills_of(t), t.high_value)
        context = self.policy.w_context if self.in_window(t) else 0.0
        return fit, context

    def waiting(self) -> list[OracleTask]:
        return [t for t in self.tasks.values() if t.state is TaskState.QUEUED]

    def due_timers(self) -> list[tuple[float, int, int, Any]]:
        """Every pending timer as ``(at, kind, seq, obj)``."""
        due: list[tuple[float, int, int, Any]] = []
        for t in self.waiting():
            at = self.next_breakpoint(t)
            if at is not None:
                due.append((at, 0, t.seq, t))
        for t in self.tasks.values():
            live = t.state in (TaskState.QUEUED, TaskState.OFFERED, TaskState.SCHEDULED)
            ends = [until for until in t.declined_by.values() if until < math.inf]
            if live and ends:  # (a warm transfer's holder is excluded for good: inf)
                due.append((min(ends), 1, t.seq, t))
            if live and t.expires_at is not None:
                due.append((t.expires_at, 2, t.seq, t))
            if t.state is TaskState.SCHEDULED:
                assert t.release_at is not None
                due.append((t.release_at, 4, t.seq, t))
            if t.state is TaskState.WRAP_UP and t.wrap_until != math.inf:
                assert t.wrap_until is not None
                due.append((t.wrap_until, 5, t.seq, t))
        for offer in self.offers.values():
            if offer.expires_at is not None:
                due.append((offer.expires_at, 3, offer.id, offer))
        return due

    def next_timer_at(self) -> float | None:
        """When ``advance`` next has work: the first pending timer."""
        times = [at for at, _, _, _ in self.due_timers()]
        return min(times) if times else None

    def customer_context(self, customer_id: str) -> CustomerContext:
        customer_id = check_id("customer id", customer_id)
        return CustomerContext(
            self.last_agent.get(customer_id), tuple(self.open_issues.get(customer_id, ()))
        )

    def forget_customer(self, customer_id: str) -> None:
        customer_id = check_id("customer id", customer_id)
        self.last_agent.pop(customer_id, None)
        self.open_issues.pop(customer_id, None)
        self.context_expires_at.pop(customer_id, None)
        self.context_served.pop(customer_id, None)

    def _forget_expired(self, now: float) -> None:
        """Forget every customer whose context expired by ``now``, scanning them all."""
        for customer_id, expires_at in list(self.context_expires_at.items()):
            if expires_at <= now:
                self.forget_customer(customer_id)

    def _remember(self, customer_id: str, agent_id: str, task_id: str, resolved: bool) -> None:
        """A completion for ``customer_id`` at ``self.now`` (expired customers are gone)."""
        policy = self.policy
        ttl = math.inf if policy.context_ttl is None else policy.context_ttl
        self._completions += 1
        self.context_served[customer_id] = self._completions
        self.context_expires_at[customer_id] = self.now + ttl
        self.last_agent[customer_id] = agent_id
        issues = self.open_issues.setdefault(customer_id, [])
        if resolved:
            issues.clear()
        else:
            issues.append(task_id)
            del issues[: -policy.context_max_issues]
        cap = policy.context_max_customers
        while cap is not None and len(self.last_agent) > cap:
            self.forget_customer(min(self.context_served, key=self.context_served.__getitem__))

    # -- validation (same order as the router, so the same error wins) ------------
    #
    # First ``now``, then each argument on its own (its type and shape), then the
    # arguments against the state: all before advancing.

    def _check_now(self, now: float) -> float:
        now = check_instant("now", now)  # a finite real number within MAX_INSTANT
        if now < self.now:
            raise TimeWentBackwardsError(f"now {now!r} is earlier than {self.now!r}")
        return now

    @staticmethod
    def _offer_id(offer_id: int) -> int:
        converted = to_int(offer_id)
        if converted is None:
            raise InvalidIdError(offer_id)
        return converted

    def _agent(self, agent_id: str) -> OracleAgent:
        if agent_id not in self.agents:
            raise UnknownAgentError(agent_id)
        return self.agents[agent_id]

    def _task(self, task_id: str) -> OracleTask:
        if task_id not in self.tasks:
            raise UnknownTaskError(task_id)
        return self.tasks[task_id]

    def _open_offer(self, offer_id: int, now: float) -> Offer:
        offer_id = self._offer_id(offer_id)
        if offer_id not in self.offers:
            raise UnknownOfferError(offer_id)
        offer = self.offers[offer_id]
        if offer.expires_at is not None and offer.expires_at <= now:
            raise OfferExpiredError(offer_id)
        expires_at = self.tasks[offer.task_id].expires_at
        if expires_at is not None and expires_at <= now:
            raise OfferExpiredError(offer_id)
        return offer

    # -- the mutating API -----------------------------------------------------------

    def add_agent(self, agent: Agent, now: float) -> list[Event]:
        now = self._check_now(now)
        if not isinstance(agent, Agent):
            raise InvalidTypeError(agent)
        if agent.id in self.agents:
            raise DuplicateAgentError(agent.id)
        if agent.routing_profile is not None and agent.routing_profile not in dict(
            self.policy.routing_profiles
        ):
            raise UnknownRoutingProfileError(agent.routing_profile)
        events = self._advance(now)
        self._agent_seq += 1
        self.agents[agent.id] = OracleAgent(agent, self._agent_seq, now, since=now)
        events.append(AgentAdded(agent.id, now))
        self._fill(agent.id, now, events)
        return self._settle(now, events)

    def holds(self, agent_id: str) -> list[OracleTask]:
        """The tasks an agent holds: offered, assigned, in wrap-up or held warm."""
        return [t for t in self.tasks.values() if agent_id in (t.agent_id, t.holder_id)]

    def remove_agent(self, agent_id: str, now: float) -> list[Event]:
        now = self._check_now(now)
        agent_id = check_id("agent id", agent_id)
        self._agent(agent_id)
        if self.holds(agent_id):
            raise AgentBusyError(agent_id)
        # The agent leaves at ``now``: the advance below must not hand it new work.
        del self.agents[agent_id]
        events = self._advance(now)
        events.append(AgentRemoved(agent_id, now))
        for t in sorted(self.tasks.values(), key=lambda t: t.seq):
            if agent_id not in t.preferred:
                continue
            waiting_in_window = t.state is TaskState.QUEUED and self.in_window(t)
            t.preferred.discard(agent_id)
            if waiting_in_window:
                self._place(t, now, events)
                if not t.preferred:
                    self._route_task(t, now, events)
        return self._settle(now, events)

    def set_agent_state(
        self, agent_id: str, state: AgentState, now: float, reason: str | None = None
    ) -> list[Event]:
        now = self._check_now(now)
        agent_id = check_id("agent id", agent_id)
        if not isinstance(state, AgentState):
            raise InvalidTypeError(state)
        reason = None if reason is None else check_id("reason", reason)
        ag = self._agent(agent_id)
        events = self._advance(now)
        if state is ag.state and reason == ag.reason:
            return self._settle(now, events)
        changed = state is not ag.state
        if changed:
            ag.since = now
        ag.state = state
        ag.reason = reason
        events.append(AgentStateChanged(agent_id, state, reason, now))
        if not changed:
            pass
        elif state is AgentState.AVAILABLE:
            ag.idle_since = now
            self._fill(agent_id, now, events)
        else:
            self._release_agent(ag, now, events, refill=False)
        return self._settle(now, events)

    def update_agent(self, agent: Agent, now: float) -> list[Event]:
        now = self._check_now(now)
        if not isinstance(agent, Agent):
            raise InvalidTypeError(agent)
        ag = self._agent(agent.id)
        if agent.routing_profile is not None and agent.routing_profile not in dict(
            self.policy.routing_profiles
        ):
            raise UnknownRoutingProfileError(agent.routing_profile)
        events = self._advance(now)
        events.append(AgentUpdated(agent.id, now))
        self._release_agent(ag, now, events, refill=False)
        ag.agent = agent
        ag.reshaped = frozenset(t.task.id for t in self.holds(agent.id))
        self._fill(agent.id, now, events)
        return self._settle(now, events)

    @staticmethod
    def _release_at(task: Task, now: float) -> float | None:
        """Its ``not_before`` if still to come, else ``None`` (routed at once)."""
        if task.not_before is not None and task.not_before > now:
            return task.not_before
        return None

    @staticmethod
    def _check_expiry(expires_at: float, now: float, release_at: float | None) -> None:
        if expires_at <= now or (release_at is not None and expires_at <= release_at):
            raise InvalidInputError(expires_at)

    def submit(self, task: Task, now: float) -> list[Event]:
        now = self._check_now(now)
        if not isinstance(task, Task):
            raise InvalidTypeError(task)
        if task.id in self.tasks:
            raise DuplicateTaskError(task.id)
        release_at = self._release_at(task, now)
        if task.created_at is not None:
            arrived_at = task.created_at
            if arrived_at > now:
                raise InvalidInputError(task.created_at)
        else:
            arrived_at = now if release_at is None else release_at
        expires_at = None if task.ttl is None else arrived_at + task.ttl
        if expires_at is not None:
            self._check_expiry(expires_at, now, release_at)
        events = self._advance(now)
        policy = self.policy
        value = task.customer.value if task.customer is not None else 0.0
        deadline, ramp = policy.deadline_and_ramp(arrived_at, task.sla_target, task.due_at)
        self._task_seq += 1
        t = OracleTask(
            task=task,
            seq=self._task_seq,
            arrived_at=arrived_at,
            deadline=deadline,
            ramp=ramp,
            base=policy.base_score(value, task.priority),
            high_value=policy.is_high_value(value),
            preferred_until=arrived_at,
            expires_at=expires_at,
        )
        if task.preferred_agents and task.preferred_window > 0:
            t.preferred = {a for a in task.preferred_agents if a in self.agents}
            t.preferred_until = arrived_at + task.preferred_window
        elif task.customer is not None:
            window = policy.context_window_for(task.sla_target, task.due_at)
            cid = task.customer.id
            last = self.last_agent.get(cid)
            if window > 0 and self.open_issues.get(cid) and last in self.agents:
                assert last is not None
                t.preferred = {last}
                t.preferred_until = arrived_at + window
        self.tasks[task.id] = t
        events.append(Submitted(task, arrived_at, now))
        if release_at is not None:
            t.state = TaskState.SCHEDULED
            t.release_at = release_at
            events.append(Scheduled(task.id, release_at, now))
            return self._settle(now, events)
        self._place(t, now, events)
        self._route_task(t, now, events)
        if t.state is TaskState.QUEUED:
            events.append(Queued(task.id, now))
        return self._settle(now, events)

    def accept(self, offer_id: int, now: float) -> list[Event]:
        now = self._check_now(now)
        offer = self._open_offer(offer_id, now)
        events = self._advance(now)
        del self.offers[offer.id]
        t = self.tasks[offer.task_id]
        t.state = TaskState.ASSIGNED
        t.offer_id = None
        t.declined_by.clear()
        t.expires_at = None
        if t.holder_id is None:
            t.held_since = now
        if t.answered_at is None:
            t.answered_at = now
            self.history.append(
                ("answered", now, t.task.channel, now - t.arrived_at, t.task.sla_target, False)
            )
        events.append(Accepted(t.task.id, offer.agent_id, offer.id, now))
        if t.holder_id is not None:
            self._let_holder_go(t, now, events)
        return self._settle(now, events)

    def _let_holder_go(self, t: OracleTask, now: float, events: list[Event]) -> None:
        holder = t.holder_id
        assert holder is not None
        t.holder_id = None
        self.agents[holder].idle_since = now
        self._fill(holder, now, events)

    def _return_to_holder(self, offer: Offer, reason: str, at: float, events: list[Event]) -> None:
        del self.offers[offer.id]
        t = self.tasks[offer.task_id]
        t.agent_id, t.holder_id = t.holder_id, None
        t.offer_id = None
        t.state = TaskState.ASSIGNED
        t.came_back = True
        t.declined_by = {}
        events.append(TransferDeclined(t.task.id, offer.agent_id, reason, at))

    def decline(self, offer_id: int, now: float) -> list[Event]:
        now = self._check_now(now)
        offer = self._open_offer(offer_id, now)
        events = self._advance(now)
        if self.tasks[offer.task_id].holder_id is not None:
            self._return_to_holder(offer, "declined", now, events)
        else:
            self._end_offer(offer, "declined", now, events)
        self._fill(offer.agent_id, now, events)
        return self._settle(now, events)

    def complete(
        self, task_id: str, now: float, resolved: bool = True, wrap_up: float | None = None
    ) -> list[Event]:
        now = self._check_now(now)
        task_id = check_id("task id", task_id)
        resolved = to_bool("resolved", resolved)
        wrap_until: float | None = None
        if wrap_up is not None:
            if isinstance(wrap_up, float) and wrap_up == math.inf:
                wrap_until = math.inf
            else:
                seconds = check_duration("wrap_up", to_float("wrap_up", wrap_up))
                wrap_until = now + seconds if seconds > 0 else None
        t = self._task(task_id)
        if t.state is not TaskState.ASSIGNED:
            raise IllegalTransitionError(task_id)
        events = self._advance(now)
        agent_id = t.agent_id
        assert agent_id is not None
        customer = t.task.customer
        if customer is not None:
            self._remember(customer.id, agent_id, task_id, resolved)
        events.append(Completed(task_id, agent_id, resolved, wrap_until, now))
        if wrap_until is not None:
            t.state = TaskState.WRAP_UP
            t.wrap_until = wrap_until
            return self._settle(now, events)
        self._finish(t, now, events)
        return self._settle(now, events)

    def _abandoned(self, t: OracleTask, at: float, *, expired: bool) -> None:
        """``t`` left unanswered at ``at`` (cancelled or expired): an abandonment,
        unless it was answered before (a transfer) or never waited (scheduled)."""
        if t.answered_at is None and t.state is not TaskState.SCHEDULED:
            self.history.append(
                ("abandoned", at, t.task.channel, at - t.arrived_at, t.task.sla_target, expired)
            )

    def _finish(self, t: OracleTask, at: float, events: list[Event], *, fill: bool = True) -> None:
        agent_id = t.agent_id
        assert agent_id is not None and t.answered_at is not None
        self.history.append(
            (
                "completed",
                at,
                t.task.channel,
                t.agent_time + (at - t.held_since),
                t.task.sla_target,
                False,
            )
        )
        del self.tasks[t.task.id]
        t.state = TaskState.COMPLETED
        t.agent_id = None
        self.agents[agent_id].idle_since = at
        if fill:
            self._fill(agent_id, at, events)

    def end_wrap_up(self, task_id: str, now: float) -> list[Event]:
        now = self._check_now(now)
        task_id = check_id("task id", task_id)
        t = self._task(task_id)
        if t.state is not TaskState.WRAP_UP or (t.wrap_until or 0.0) <= now:
            raise IllegalTransitionError(task_id)
        events = self._advance(now)
        assert t.agent_id is not None
        events.append(WrapUpEnded(task_id, t.agent_id, now))
        self._finish(t, now, events)
        return self._settle(now, events)

    def cancel(self, task_id: str, now: float) -> list[Event]:
        now = self._check_now(now)
        task_id = check_id("task id", task_id)
        t = self._task(task_id)
        if t.state in (TaskState.ASSIGNED, TaskState.WRAP_UP):
            raise IllegalTransitionError(task_id)
        if t.expires_at is not None and t.expires_at <= now:
            raise TaskExpiredError(task_id)
        events = self._advance(now)
        events.append(Cancelled(task_id, now))
        if t.state is TaskState.ASSIGNED:  # a timer due by now ended its warm transfer
            self._finish(t, now, events)
            t.state = TaskState.CANCELLED
            return self._settle(now, events)
        del self.tasks[task_id]
        self._abandoned(t, now, expired=False)
        if t.state is TaskState.QUEUED:
            self._release_task(t, now, events)
        if t.state is TaskState.OFFERED:
            assert t.offer_id is not None and t.agent_id is not None
            agent_id = t.agent_id
            del self.offers[t.offer_id]
            t.agent_id = t.offer_id = None
            if agent_id in self.agents:
                self._fill(agent_id, now, events)
        t.state = TaskState.CANCELLED
        if t.holder_id is not None:
            self._let_holder_go(t, now, events)
        return self._settle(now, events)

    def transfer(
        self,
        task_id: str,
        now: float,
        to_agent: str | None = None,
        *,
        requirement: Requirement | None = None,
        warm: bool = False,
        window: float = 30.0,
    ) -> list[Event]:
        now = self._check_now(now)
        task_id = check_id("task id", task_id)
        to_agent = None if to_agent is None else check_id("agent id", to_agent)
        if requirement is not None and not isinstance(requirement, Requirement):
            raise InvalidTypeError(requirement)
        warm = to_bool("warm", warm)
        window = check_duration("transfer window", window, zero=False)
        t = self._task(task_id)
        if t.state is not TaskState.ASSIGNED:
            raise IllegalTransitionError(task_id)
        agent_id = t.agent_id
        assert agent_id is not None
        task = t.task if requirement is None else attrs.evolve(t.task, requirement=requirement)
        if to_agent is not None:
            target = self._agent(to_agent)
            skills = task.requirement.skills_at(t.arrived_at, now)
            if (
                to_agent == agent_id
                or not all(target.skills.get(name, 0) >= level for name, level in skills)
                or task.channel not in target.capacity
                or (target.agent.max_units is not None and target.agent.max_units < task.units)
            ):
                raise AgentUnavailableError(to_agent)
        events = self._advance(now)
        events.append(Transferred(task_id, agent_id, to_agent, warm, now))
        t.task = task
        t.came_back = False
        t.agent_id = None
        if warm:
            t.holder_id = agent_id
            t.declined_by = {agent_id: math.inf}
        else:
            self.agents[agent_id].idle_since = now
            t.agent_time += now - t.held_since
        t.preferred = set() if to_agent is None else {to_agent}
        t.preferred_until = now + window
        self._place(t, now, events)
        self._route_task(t, now, events)
        if t.state is TaskState.QUEUED:
            events.append(Queued(task_id, now))
        if not warm:
            self._fill(agent_id, now, events)
        return self._settle(now, events)

    def _updatable(self, task_id: str, now: float) -> OracleTask:
        t = self._task(task_id)
        if t.state not in (TaskState.QUEUED, TaskState.SCHEDULED):
            raise IllegalTransitionError(task_id)
        if t.expires_at is not None and t.expires_at <= now:
            raise TaskExpiredError(task_id)
        if t.holder_id is not None:
            raise IllegalTransitionError(task_id)
        return t

    def _check_update(self, t: OracleTask, task: Task, now: float) -> None:
        old = t.task
        if task.created_at is not None and task.created_at != t.arrived_at:
            raise InvalidInputError(task.created_at)
        if task.customer != old.customer:
            raise InvalidInputError(task.customer)
        if (task.preferred_agents, task.preferred_window) != (
            old.preferred_agents,
            old.preferred_window,
        ):
            raise InvalidInputError(task.preferred_agents)
        if task.ttl is not None:
            self._check_expiry(t.arrived_at + task.ttl, now, self._release_at(task, now))

    def _update(self, t: OracleTask, task: Task, now: float, events: list[Event]) -> None:
        withdrawn = None
        if t.state is TaskState.OFFERED:  # by a timer due by now: the update wins
            assert t.offer_id is not None and t.agent_id is not None
            withdrawn = t.agent_id
            del self.offers[t.offer_id]
            t.agent_id = t.offer_id = None
            events.append(Requeued(task.id, withdrawn, "updated", now))
        events.append(Updated(task, now))
        was_scheduled = t.state is TaskState.SCHEDULED
        release_at = self._release_at(task, now)
        if t.state is TaskState.QUEUED:
            self._release_task(t, now, events)
        policy = self.policy
        value = task.customer.value if task.customer is not None else 0.0
        t.task = task
        t.base = policy.base_score(value, task.priority)
        deadline, t.ramp = policy.deadline_and_ramp(t.arrived_at, task.sla_target, task.due_at)
        if deadline != t.deadline:
            t.deadline = deadline
            t.breached = False
        t.expires_at = None if task.ttl is None else t.arrived_at + task.ttl
        if release_at is not None:
            t.state = TaskState.SCHEDULED
            t.release_at = release_at
            t.unroutable = None
            events.append(Scheduled(task.id, release_at, now))
        else:
            t.release_at = None
            self._place(t, now, events)
            self._route_task(t, now, events)
            if (was_scheduled or withdrawn) and t.state is TaskState.QUEUED:
                events.append(Queued(task.id, now))
        if withdrawn is not None and withdrawn in self.agents:
            self._fill(withdrawn, now, events)

    def update_task(self, task: Task, now: float) -> list[Event]:
        now = self._check_now(now)
        if not isinstance(task, Task):
            raise InvalidTypeError(task)
        t = self._updatable(task.id, now)
        self._check_update(t, task, now)
        events = self._advance(now)
        self._update(t, task, now, events)
        return self._settle(now, events)

    def convert_to_callback(
        self, task_id: str, now: float, channel: str = "callback", not_before: float | None = None
    ) -> list[Event]:
        now = self._check_now(now)
        task_id = check_id("task id", task_id)
        channel = check_id("channel", channel)
        if not_before is not None:
            not_before = check_instant("not_before", not_before)
        t = self._updatable(task_id, now)
        task = attrs.evolve(t.task, channel=channel, not_before=not_before)
        self._check_update(t, task, now)
        events = self._advance(now)
        self._update(t, task, now, events)
        return self._settle(now, events)

    def advance(self, now: float) -> list[Event]:
        now = self._check_now(now)
        return self._settle(now, self._advance(now))

    def agent_status(self, agent_id: str) -> AgentStatus:
        ag = self._agent(check_id("agent id", agent_id))
        held = self.holds(agent_id)
        consulting = sorted(t.task.id for t in held if t.holder_id == agent_id)
        wrap_up = sorted(
            t.task.id for t in held if t.agent_id == agent_id and t.state is TaskState.WRAP_UP
        )
        tasks = sorted(
            t.task.id
            for t in held
            if t.agent_id == agent_id and t.state in (TaskState.OFFERED, TaskState.ASSIGNED)
        )
        return AgentStatus(
            agent_id,
            ag.state,
            ag.reason,
            ag.since,
            ag.state is AgentState.AVAILABLE and not held,
            tuple(tasks),
            tuple(wrap_up),
            tuple(consulting),
        )

    # -- live statistics, by brute force ----------------------------------------------

    def _free(self, ag: OracleAgent, channel: str | None, loads: Any) -> bool:
        """Whether ``ag`` could be offered a task of ``channel`` (of some channel) now."""
        channels = list(ag.capacity) if channel is None else [channel]
        load = loads[ag.agent.id]
        return ag.reserved is None and any(self.has_slot(ag, c, load) for c in channels)

    def score_at(self, t: OracleTask, now: float) -> float:
        a, b, _ = self.policy.urgency_segment(t.arrived_at, t.deadline, t.ramp, now)
        return t.base + a + b * now

    def queue_stats(
        self, now: float, channel: str | None = None, skill: str | None = None
    ) -> QueueStats:
        now = self._check_now(now)
        channel = None if channel is None else check_id("channel", channel)
        skill = None if skill is None else check_id("skill", skill)

        def needs(skills: Skills | None) -> bool:
            return skill is None or any(name == skill for name, _ in skills or ())

        found = [
            t
            for t in self.waiting()
            if (channel is None or t.task.channel == channel) and needs(self.skills_of(t))
        ]
        oldest = min(found, key=lambda t: (t.arrived_at, t.seq), default=None)
        staffed = [
            ag
            for ag in self.agents.values()
            if (ag.capacity if channel is None else channel in ag.capacity)
            and (skill is None or ag.skills.get(skill, 0) > 0)
        ]
        loads = self.loads()
        free = sum(1 for ag in staffed if self._free(ag, channel, loads))
        available = sum(1 for ag in staffed if ag.state is AgentState.AVAILABLE)
        offline = sum(1 for ag in staffed if ag.state is AgentState.OFFLINE)
        offered = sum(
            1
            for offer in self.offers.values()
            if (channel is None or self.tasks[offer.task_id].task.channel == channel)
            and needs(self.tasks[offer.task_id].offered_skills)
        )
        return QueueStats(
            waiting=len(found),
            oldest_wait=0.0 if oldest is None else max(0.0, now - oldest.arrived_at),
            oldest_task=None if oldest is None else oldest.task.id,
            oldest_score=None if oldest is None else self.score_at(oldest, now),
            offered=offered,
            agents_free=free,
            agents_busy=available - free,
            agents_away=len(staffed) - available - offline,
            agents_offline=offline,
        )

    def _records(self, kind: str, since: float, now: float, channel: str | None) -> list[Any]:
        return [
            r
            for r in self.history
            if r[0] == kind and since < r[1] <= now and (channel is None or r[2] == channel)
        ]

    def service_stats(self, now: float, window: float, channel: str | None = None) -> ServiceStats:
        now = self._check_now(now)
        window = check_duration("stats window", window, zero=False)
        if window > self.policy.stats_horizon:
            raise InvalidDurationError(window)
        channel = None if channel is None else check_id("channel", channel)
        since = now - window
        answered = self._records("answered", since, now, channel)
        abandoned = self._records("abandoned", since, now, channel)
        completed = self._records("completed", since, now, channel)
        targeted = [r for r in answered if r[4] is not None]
        in_target = sum(1 for r in targeted if r[3] <= r[4])
        after = sum(1 for r in abandoned if r[4] is not None and r[3] > r[4])
        both = len(answered) + len(abandoned)
        return ServiceStats(
            window=window,
            answered=len(answered),
            answered_in_target=in_target,
            targeted=len(targeted),
            abandoned=len(abandoned),
            abandoned_after_target=after,
            expired=sum(1 for r in abandoned if r[5]),
            completed=len(completed),
            service_level=in_target / (len(targeted) + after) if targeted or after else None,
            asa=sum(r[3] for r in answered) / len(answered) if answered else None,
            abandonment=len(abandoned) / both if both else None,
            mean_agent_time=sum(r[3] for r in completed) / len(completed) if completed else None,
        )

    def estimate_wait(self, task: Task, now: float) -> WaitEstimate:
        now = self._check_now(now)
        if not isinstance(task, Task):
            raise InvalidTypeError(task)
        channel = task.channel
        arrived_at = now if task.created_at is None else min(task.created_at, now)
        skills = task.requirement.skills_at(arrived_at, now)
        able = [
            ag
            for ag in self.agents.values()
            if channel in ag.capacity
            and all(ag.skills.get(name, 0) >= level for name, level in skills)
        ]
        servers = sum(ag.capacity[channel] for ag in able if ag.state is AgentState.AVAILABLE)
        since = now - self.policy.stats_horizon
        completed = self._records("completed", since, now, channel)
        waits = self._records("answered", since, now, channel)
        abandoned = self._records("abandoned", since, now, channel)
        agent_time = sum(r[3] for r in completed)
        mu = len(completed) / agent_time if completed and agent_time > 0 else None
        exposure = sum(r[3] for r in waits) + sum(r[3] for r in abandoned)
        theta = len(abandoned) / exposure if abandoned and exposure > 0 else 0.0
        loads = self.loads()
        first = able
        known = [a for a in task.preferred_agents if a in self.agents]
        if known and arrived_at + task.preferred_window > now:
            first = [ag for ag in able if ag.agent.id in known]
        for ag in first:
            name = ag.agent.routing_profile
            delay = 0.0
            if name is not None:
                profile = dict(self.policy.routing_profiles)[name]
                delay = self.profile_entry(profile.entries, channel, skills)[1]
            if delay <= 0.0 and self.can_take(ag, channel, task.units, loads[ag.agent.id]):
                return WaitEstimate(0.0, 0, servers, mu, theta)
        value = task.customer.value if task.customer is not None else 0.0
        deadline, ramp = self.policy.deadline_and_ramp(arrived_at, task.sla_target, task.due_at)
        a, b, _ = self.policy.urgency_segment(arrived_at, deadline, ramp, now)
        score = self.policy.base_score(value, task.priority) + a + b * now
        ahead = sum(
            1
            for t in self.waiting()
            if t.task.channel == channel and self.score_at(t, now) >= score
        )
        seconds: float | None = None
        if servers == 0:
            seconds = math.inf
        elif mu is not None:
            rates = [servers * mu + j * theta for j in range(ahead + 1)]
            seconds = math.inf if min(rates) <= 0 else sum(1 / r for r in rates)
        return WaitEstimate(seconds, ahead, servers, mu, theta)

    # -- decisions, by brute force ---------------------------------------------------

    def _advance(self, now: float) -> list[Event]:
        self.at = now
        self._forget_expired(now)
        events: list[Event] = []
        released: list[OracleTask] = []
        freed: list[str] = []
        while True:
            due = [d for d in self.due_timers() if d[0] <= now]
            if not due:
                break
            at, kind, _, obj = min(due, key=lambda d: d[:3])
            if kind == 0:
                if self._breakpoint(obj, at, events):
                    released.append(obj)
            elif kind == 1:
                obj.declined_by = {a: u for a, u in obj.declined_by.items() if u > at}
                if obj.state is TaskState.QUEUED:
                    released.append(obj)
            elif kind == 2:
                events.append(Expired(obj.task.id, at))
                del self.tasks[obj.task.id]
                self._abandoned(obj, at, expired=True)
                if obj.state is TaskState.QUEUED:
                    self._release_task(obj, at, events)
                elif obj.state is TaskState.OFFERED:
                    assert obj.offer_id is not None and obj.agent_id is not None
                    del self.offers[obj.offer_id]
                    freed.append(obj.agent_id)
                    obj.agent_id = obj.offer_id = None
                if obj.holder_id is not None:
                    self.agents[obj.holder_id].idle_since = at
                    freed.append(obj.holder_id)
                    obj.holder_id = None
                obj.state = TaskState.EXPIRED
            elif kind == 3:
                agent_id = obj.agent_id
                if self.tasks[obj.task_id].holder_id is not None:
                    self._return_to_holder(obj, "timeout", at, events)
                else:
                    self._end_offer(obj, "timeout", at, events, route=False)
                    released.append(self.tasks[obj.task_id])
                if agent_id not in self.agents:
                    continue
                if self.policy.pause_on_timeout:
                    ag = self.agents[agent_id]
                    if ag.state is not AgentState.NOT_RESPONDING:
                        ag.since = at
                    ag.state = AgentState.NOT_RESPONDING
                    ag.reason = None
                    events.append(AgentPaused(agent_id, at))
                    self._release_agent(ag, at, events, refill=False)
                else:
                    freed.append(agent_id)
            elif kind == 4:
                self._place(obj, at, events)
                obj.release_at = None
                events.append(Queued(obj.task.id, at))
                released.append(obj)
            else:
                assert obj.agent_id is not None
                events.append(WrapUpEnded(obj.task.id, obj.agent_id, at))
                freed.append(obj.agent_id)
                self._finish(obj, at, events, fill=False)
        # Every due timer has fired: now route what they released, then fill.
        for t in released:
            if t.state is TaskState.QUEUED:
                self._route_task(t, now, events)
        for agent_id in freed:
            self._fill(agent_id, now, events)
        self.now = now
        return events

    def _breakpoint(self, t: OracleTask, at: float, events: list[Event]) -> bool:
        was_in_window = self.in_window(t)
        old_skills = self.skills_of(t)
        passed = {d for d in self.delays_on(t) if t.arrived_at + d <= t.placed_at}
        widened = passed != {d for d in self.delays_on(t) if t.arrived_at + d <= at}
        self._place(t, at, events)
        if self.skills_of(t) != old_skills:
            events.append(Relaxed(t.task.id, self.skills_of(t), at))
            widened = True
            skills = self.skills_of(t)
            for agent_id in list(t.reserved_by):
                ag = self.agents[agent_id]
                if not all(ag.skills.get(name, 0) >= level for name, level in skills):
                    self._release_agent(ag, at, events, refill=True)
        if was_in_window and not self.in_window(t):
            events.append(PreferenceExpired(t.task.id, at))
            widened = True
        return widened

    def _place(self, t: OracleTask, at: float, events: list[Event]) -> None:
        t.state = TaskState.QUEUED
        t.placed_at = at
        if t.deadline is not None and not t.breached and t.deadline <= at:
            t.breached = True
            events.append(SlaBreached(t.task.id, max(t.deadline, at)))

    def best_agent_for(self, t: OracleTask) -> tuple[OracleAgent, float, float] | None:
        """The agent a waiting task goes to: max ``(fit + context, -idle_since, -seq)``."""
        best: tuple[float, float, int] | None = None
        winner: tuple[OracleAgent, float, float] | None = None
        loads = self.loads()
        for ag in self.agents.values():
            if not self.eligible(ag, t, loads[ag.agent.id]):
                continue
            fit, context = self.fit_and_context(ag, t)
            key = (fit + context, -ag.idle_since, -ag.seq)
            if best is None or key > best:
                best, winner = key, (ag, fit, context)
        return winner

    def best_task_for(self, ag: OracleAgent, now: float) -> tuple[OracleTask, float, float] | None:
        """The task an agent takes, or is reserved for:
        max ``(a + b * now + fit + context, a, -seq)``."""
        best: tuple[int, float, float, int] | None = None
        winner: tuple[OracleTask, float, float] | None = None
        load = self.load(ag.agent.id)
        for t in self.waiting():
            if not (self.eligible(ag, t, load) or self.reservable(ag, t, load)):
                continue
            fit, context = self.fit_and_context(ag, t)
            a, b = self.segment(t)
            rank = self.entry_for(ag, t)[0]
            key = (-rank, a + b * now + fit + context, a, -t.seq)
            if best is None or key > best:
                best, winner = key, (t, fit, context)
        return winner

    def _route_task(self, t: OracleTask, now: float, events: list[Event]) -> None:
        found = self.best_agent_for(t)
        if found is not None:
            ag, fit, context = found
            self._offer(t, ag, fit, context, now, events)

    def _fill(self, agent_id: str, now: float, events: list[Event]) -> None:
        ag = self.agents[agent_id]
        while True:
            if ag.reserved is not None:
                t = self.tasks[ag.reserved]
                load = self.load(agent_id)
                if not (
                    self.has_slot(ag, t.task.channel, load)
                    and self.free_for(ag, t.task.channel, load) >= t.task.units
                ):
                    return
                fit, context = self.fit_and_context(ag, t)
                self._offer(t, ag, fit, context, now, events)
                continue
            found = self.best_task_for(ag, now)
            if found is None:
                return
            t, fit, context = found
            if not self.eligible(ag, t):  # it needs more units than are free
                ag.reserved = t.task.id
                t.reserved_by.append(agent_id)
                events.append(Reserved(t.task.id, agent_id, now))
                return
            self._offer(t, ag, fit, context, now, events)

    def _release_task(
        self, t: OracleTask, at: float, events: list[Event], taker: str | None = None
    ) -> None:
        """End the reservations for ``t``; the agents but ``taker`` look for work later."""
        for agent_id in t.reserved_by:
            self.agents[agent_id].reserved = None
            events.append(ReservationEnded(t.task.id, agent_id, at))
            if agent_id != taker:
                self.released.append(agent_id)
        t.reserved_by = []

    def _release_agent(
        self, ag: OracleAgent, at: float, events: list[Event], *, refill: bool
    ) -> None:
        """End ``ag``'s reservation, if any."""
        if ag.reserved is None:
            return
        self.tasks[ag.reserved].reserved_by.remove(ag.agent.id)
        events.append(ReservationEnded(ag.reserved, ag.agent.id, at))
        ag.reserved = None
        if refill:
            self.released.append(ag.agent.id)

    def _settle(self, now: float, events: list[Event]) -> list[Event]:
        """The end of every call: released agents take work, then unroutable reports."""
        while self.released:
            agent_id = self.released.pop(0)
            if agent_id in self.agents:
                self._fill(agent_id, now, events)
        for t in sorted(self.tasks.values(), key=lambda t: t.seq):
            cause = self.cause(t)
            if cause != t.unroutable:
                if cause is not None:
                    events.append(Unroutable(t.task.id, cause, now))
                elif t.state is TaskState.QUEUED:
                    events.append(Routable(t.task.id, now))
                t.unroutable = cause
        return events

    def _offer(
        self,
        t: OracleTask,
        ag: OracleAgent,
        fit: float,
        context: float,
        now: float,
        events: list[Event],
    ) -> None:
        policy = self.policy
        self._offer_seq += 1
        a_urgency, b, _ = policy.urgency_segment(t.arrived_at, t.deadline, t.ramp, now)
        value = t.task.customer.value if t.task.customer is not None else 0.0
        terms = ScoreTerms(
            value=policy.w_value * value,
            priority=policy.w_priority * t.task.priority,
            urgency=a_urgency + b * now,
            fit=fit,
            context=context,
        )
        timeout = policy.offer_timeout
        offer = Offer(
            self._offer_seq,
            t.task.id,
            ag.agent.id,
            now,
            None if timeout is None else now + timeout,
            terms,
        )
        self._release_task(t, now, events, ag.agent.id)
        t.unroutable = None
        t.offered_skills = self.skills_of(t)
        t.state = TaskState.OFFERED
        t.agent_id = ag.agent.id
        t.offer_id = offer.id
        self.offers[offer.id] = offer
        events.append(Offered(offer))

    def _end_offer(
        self, offer: Offer, reason: str, now: float, events: list[Event], *, route: bool = True
    ) -> None:
        """Close an offer that was not accepted and requeue its task at ``now``."""
        del self.offers[offer.id]
        t = self.tasks[offer.task_id]
        t.agent_id = t.offer_id = None
        t.declined_by[offer.agent_id] = now + self.policy.decline_cooldown
        events.append(Requeued(t.task.id, offer.agent_id, reason, now))
        self._place(t, now, events)
        if route:
            self._route_task(t, now, events)


ECHOES = (
    Submitted,
    Accepted,
    Completed,
    Cancelled,
    AgentAdded,
    AgentRemoved,
    AgentUpdated,
    AgentStateChanged,
)
"""Events that echo the call that returned them (what the host asked for), as opposed
to the router's decisions and timers."""


def decisions(events: list[Any]) -> list[Any]:
    """``events`` without :data:`ECHOES`: what the router decided or its timers did."""
    return [event for event in events if not isinstance(event, ECHOES)]
