"""The Router: one global, continuously reprioritised task list matched to agents.

The router never reads a clock: every mutating call takes ``now`` (seconds, any
epoch), which must not go backwards. Each call first *advances* to ``now`` (fires
breakpoints and offer timeouts that are due), then does its work, and returns the
events it caused. Bad input raises a :class:`~routing.errors.RoutingError` before
anything changes.

The router is the facade and the lifecycle: it validates, keeps the table of active
tasks and decides who gets what and when; the structures below it own their parts:
the waiting tasks (``task_queue``), the agents and their idle indexes (``agents``),
the open offers (``offers``), the timers (``timers``), what it remembers about
customers (``context``) and its history of answers, abandonments and completions for
the live statistics and wait estimates (``stats``: ``queue_stats``,
``service_stats``, ``estimate_wait``, read-only views that never fire timers).

Memory follows what is in the router, not what has passed through it: task groups no
task uses and skill profiles no agent has are released in amortised batches
(``task_queue``, ``agents``), stale timers are compacted (``timers``), and customer
context is bounded by age and count (``Policy.context_ttl``, ``context_max_issues``,
``context_max_customers``; ``forget_customer`` drops one at once). None of it changes
a decision.

Decision rules (the test oracle implements exactly these, by brute force):

* A task that enters the queue (``submit``, a decline/timeout requeue, or a
  breakpoint that widens who may take it) goes to the idle agent maximising
  ``(fit + context, -idle_since, -agent_seq)`` among agents that are available,
  have a free slot on its channel and enough free units, meet its current skills,
  have not declined it, are in its preferred set while its window lasts, and whose
  routing profile's delay for it has passed (below). With no such agent it waits.
* An agent that gains capacity (added, made available, completes, an offer of its
  ends) takes, while it has capacity, the waiting task maximising
  ``(score(now) + fit + context, a, -task_seq)``, where ``score = a + b * now``;
  an agent with a routing profile maximises ``(-rank, score(now) + fit + context, a,
  -task_seq)`` instead, over the same tasks less those whose delay has not passed.
* Agent-side ordering (``routing.ordering``; Amazon Connect's routing profiles): an
  agent may name a routing profile of the policy, which gives every task a
  ``(rank, delay)`` by its channel and current skills. A task is eligible for that
  agent only once ``arrived_at + delay <= now``; ranks come before the score when the
  agent looks for work, and play no part when a task looks for an idle agent (by
  work conservation such an agent has no other eligible task, so its ranks could
  only choose this one). Every waiting task has a breakpoint at ``arrived_at + d``
  for each positive delay ``d`` that some profile of the policy puts on it, whoever
  is in the pool; a breakpoint at which one passes routes the task as a widening
  does, so no delayed task waits while an agent it became eligible for is free.
* An agent with a unit cap looking for work also considers the waiting tasks that
  need more units than it has free (up to its cap), unless ``reserve_agents`` agents
  are held for them already; if one of those wins, the agent is reserved for it and
  takes nothing else until it fits (then it is offered that task first), the task is
  offered elsewhere or leaves, or the agent stops being available
  (``reservations``). A task on a channel that may interrupt others
  (``Policy.interrupts``) does not count the units of the work it may interrupt.
* ``advance`` fires due timers in order of ``(time, kind, seq)``: task breakpoints
  (kind 0, by task sequence), ends of cooldowns (1, by task sequence), expiries (2,
  by task sequence), offer timeouts (3, by offer id). Every due timer fires before
  any decision at ``now``; then the tasks they released (a breakpoint changed their
  skills or ended their preferred window, a cooldown ended, or a timeout requeued
  them, or a routing profile's delay passed) are routed as above in that order, then
  agents freed by timeouts (not paused) and by expiries take work. Events of a timer
  carry the time it fell due.
* At the end of every call, agents whose reservation ended take work (in order of
  release), then every waiting task whose unroutable cause changed is reported
  (``Unroutable``), by task sequence.
* ``remove_agent``: the agent leaves before the call's timers fire, every task
  forgets it as a preferred agent, and tasks left waiting for nobody are routed in
  submission order.
* Scheduled tasks (``Task.not_before`` still to come) are not in the queue: a
  release timer (kind 4, by task sequence) queues each at its ``not_before``
  (``Queued`` at that time), and it is routed after the timers, like a widened task.
  Its arrival is ``created_at``, else ``not_before``.
* ``complete(wrap_up=d)`` keeps the task, its slot and units on the agent until
  ``now + d`` (a wrap-up timer, kind 5, by task sequence, frees the agent like an
  expiry: its idle clock restarts then, and it takes work after the timers) or
  until ``end_wrap_up``.
* ``transfer``: the assigned task is placed and routed at ``now`` as a new task
  would be, keeping its arrival, deadline and breach; to a named agent it waits for
  that agent alone for ``window`` seconds (a preferred window). A cold transfer
  frees the first agent at once (it takes work after the task was routed); a warm
  one keeps it holding the task, excluded from it, until an offer of it is accepted
  (then it takes work) or refused (the task is assigned to it again, no cooldown).
* ``update_task`` and ``convert_to_callback`` apply to the task after the call's
  timers fired; if one of them offered it at ``now``, that offer is withdrawn
  (``Requeued``, reason ``"updated"``, no cooldown) and the updated task is placed
  and routed, then the agent takes work. Reservations for it end.
* ``update_agent``: its reservation ends, the new profile applies, then it takes
  work; tasks it holds finish even above the new capacity.

Validation (DESIGN section 7): every public method checks *all* its arguments before
it fires a timer or changes anything: first ``now``, then each argument on its own
(type and shape: ids are non-empty strings, offer ids ints, states ``AgentState``),
then the arguments against the router's state (unknown, duplicate, not assigned,
expired). The values' constructors have already checked their own fields
(``routing.model``, ``routing.policy``), so a ``Task`` that reaches ``submit`` has
plain numbers in range and a score that cannot overflow. ``tests/oracle.py``
checks in the same order, so the same error wins in both.

Threads: a router is single-threaded by contract. Every public method claims the
router on entry and releases it on exit; a call that finds it claimed (another
thread's call still in progress, or a re-entered call) raises
:class:`~routing.errors.ConcurrentCallError` and changes nothing.
:class:`routing.LockedRouter` serialises the calls of several threads instead.
"""

from __future__ import annotations

import math
from heapq import heappop

import attrs

from routing._state import LiveAgent, LiveTask
from routing.agents import AgentPool
from routing.context import CustomerMemory
from routing.errors import (
    AgentBusyError,
    AgentUnavailableError,
    ConcurrentCallError,
    DuplicateAgentError,
    DuplicateTaskError,
    IllegalTransitionError,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidTypeError,
    TaskExpiredError,
    TimeWentBackwardsError,
    UnknownRoutingProfileError,
    UnknownTaskError,
)
from routing.events import (
    AgentAdded,
    AgentPaused,
    AgentRemoved,
    AgentStateChanged,
    AgentUpdated,
    Cancelled,
    Event,
    Expired,
    PreferenceExpired,
    Relaxed,
    Requeued,
    Scheduled,
    SlaBreached,
    TransferDeclined,
    Transferred,
    Updated,
    WrapUpEnded,
    new_accepted,
    new_completed,
    new_queued,
    new_submitted,
)
from routing.model import (
    MAX_INSTANT,
    Agent,
    AgentState,
    AgentStatus,
    CustomerContext,
    Offer,
    Requirement,
    Task,
    TaskState,
    check_duration,
    check_id,
    check_instant,
    satisfies,
    shown,
    to_bool,
    to_float,
    to_int,
)
from routing.offers import Offers
from routing.policy import Policy
from routing.reservations import Reservations
from routing.stats import QueueStats, ServiceLog, ServiceStats, WaitEstimate, expected_wait
from routing.task_queue import TaskQueue
from routing.timers import (
    BREAKPOINT,
    COOLDOWN,
    EXPIRY,
    OFFER_TIMEOUT,
    RELEASE,
    Timers,
    cooldown_due,
    expiry_due,
)
from routing.unroutable import UnroutableTasks

# Enum members as module constants for the hot paths: ``TaskState.QUEUED`` is looked
# up through the enum's metaclass on every use (about 60 ns on CPython 3.11), a
# global name in about 10 ns, and states are read or written several times per task.
_SCHEDULED = TaskState.SCHEDULED
_QUEUED = TaskState.QUEUED
_OFFERED = TaskState.OFFERED
_ASSIGNED = TaskState.ASSIGNED
_WRAP_UP = TaskState.WRAP_UP
_EXPIRED = TaskState.EXPIRED
_COMPLETED = TaskState.COMPLETED
_CANCELLED = TaskState.CANCELLED
_AVAILABLE = AgentState.AVAILABLE
_NOT_RESPONDING = AgentState.NOT_RESPONDING
_MAX_INSTANT = MAX_INSTANT


def _concurrent(name: str, busy: str | None) -> ConcurrentCallError:
    holder = "another call" if busy is None else f"Router.{busy}"
    return ConcurrentCallError(
        f"Router.{name} was called while {holder} was still in progress: a Router is "
        "single-threaded (wrap it in routing.LockedRouter to call it from several threads)"
    )


def _id(name: str, value: object) -> str:
    """``value`` if it is a non-empty ``str`` (inline first in the hot methods)."""
    if value.__class__ is str and value:
        return value
    return check_id(name, value)


def _offer_id(value: object) -> int:
    """``value`` as a plain ``int`` offer id (numpy integers too, but no bool)."""
    offer_id = to_int(value)
    if offer_id is None:
        raise InvalidIdError(f"offer id {shown(value)} must be an integer")
    return offer_id


def _optional_id(name: str, value: object) -> str | None:
    return None if value is None else _id(name, value)


def _wrap_until(wrap_up: object, now: float) -> float | None:
    """The end of a wrap-up of ``wrap_up`` seconds from ``now`` (``inf``: until ended),
    or ``None`` for none (0)."""
    if isinstance(wrap_up, float) and wrap_up == math.inf:
        return math.inf
    seconds = check_duration("wrap_up", to_float("wrap_up", wrap_up))
    return now + seconds if seconds > 0 else None


def _status(rec: LiveAgent) -> AgentStatus:
    tasks, wrap_up, consulting = [], [], []
    for task_id, task_rec in rec.work.items():
        if task_rec.holder is rec:
            consulting.append(task_id)
        elif task_rec.state is _WRAP_UP:
            wrap_up.append(task_id)
        else:
            tasks.append(task_id)
    return AgentStatus(
        rec.id,
        rec.state,
        rec.reason,
        rec.since,
        rec.state is _AVAILABLE and not rec.work,
        tuple(sorted(tasks)),
        tuple(sorted(wrap_up)),
        tuple(sorted(consulting)),
    )


def _release_at(task: Task, now: float) -> float | None:
    """``task.not_before`` if it is still to come at ``now``, else ``None`` (the task is
    routed at once)."""
    release_at = task.not_before
    return release_at if release_at is not None and release_at > now else None


def _check_expiry(task: Task, expires_at: float, now: float, release_at: float | None) -> None:
    """Refuse a task whose ttl ends by ``now`` or by its release (``not_before``)."""
    if expires_at <= now:
        raise InvalidInputError(
            f"task {task.id!r}: its ttl {task.ttl!r} after its arrival ended at "
            f"{expires_at!r}, not later than now {now!r}"
        )
    if release_at is not None and expires_at <= release_at:
        raise InvalidInputError(
            f"task {task.id!r}: its ttl {task.ttl!r} ends at {expires_at!r}, not later "
            f"than its not_before {release_at!r}: it would expire before it is routed"
        )


class Router:
    """Skills-based router over one global, SLA-driven task list.

    >>> from routing import Agent, Requirement, Router, Task
    >>> router = Router()
    >>> _ = router.add_agent(Agent("ann", skills={"billing": 3}, capacity={"voice": 1}), now=0)
    >>> submitted, offered = router.submit(Task("t1", "voice", Requirement({"billing": 2})), now=1)
    >>> offered.offer.agent_id, offered.offer.task_id
    ('ann', 't1')

    Inputs. Every public method validates all its arguments before it fires a due
    timer or changes anything, and raises a precise
    :class:`~routing.errors.RoutingError` naming the bad value; the router is then
    exactly as it was. Any real number type is a number (numpy and pandas scalars,
    ``Decimal``, ``Fraction``), converted to a plain float; ids are non-empty strings
    and offer ids integers. Values whose float arithmetic could not stay exact enough
    are refused, saying why (``routing.model``): instants (``now``, ``created_at``,
    ``due_at``) lie within ``±MAX_INSTANT`` = 2**42 s (~139,000 years, where float
    seconds are exact to under 1 ms), positive durations are at least
    ``MIN_DURATION`` = 1 ms, and customer values, priorities and policy weights are
    at most ``MAX_VALUE`` = 2**500 in magnitude, so that every term of a score (a
    weight times a value, an urgency slope times an instant) is at most
    ``MAX_SCORE`` = 2**1000 and no score is infinite or NaN. The value constructors
    (``Task``, ``Customer``, ``Policy``) enforce these, so ``submit`` checks no score.

    Threads. A router is single-threaded by contract: call it from one thread at a
    time. Every public method claims the router for the duration of the call; a call
    that finds it claimed raises :class:`~routing.errors.ConcurrentCallError` and
    changes nothing, so overlapping calls from two threads are refused rather than
    corrupting the router (in CPython the check and the claim are adjacent bytecodes
    with no call between them). A host that calls from several threads wraps the
    router in :class:`routing.LockedRouter`, which serialises the calls with a lock.
    """

    def __init__(self, policy: Policy | None = None) -> None:
        if policy is not None and not isinstance(policy, Policy):
            raise InvalidTypeError(f"policy {policy!r} is not a Policy")
        self.policy = policy if policy is not None else Policy()
        self._queue = TaskQueue(self.policy)
        self._pool = AgentPool(self.policy)
        self._tasks: dict[str, LiveTask] = {}
        self._timers = Timers()
        self._offers = Offers(self.policy, self._timers)
        self._customers = CustomerMemory(self.policy)
        self._context_routing = self._customers.follow_ups  # read on every submit
        self._reservations = Reservations(self._pool, self._queue)
        self._interrupts = self._pool.interrupts
        self._now = -math.inf
        self._task_seq = 0
        self._unroutable = UnroutableTasks(self._pool, self._queue)
        self._log = ServiceLog(self.policy.stats_horizon)  # for the live statistics
        # The name of the public method in progress, or ``None``: a call that finds it
        # set raises ConcurrentCallError before it reads or changes anything. Checked
        # and set inline (a few tens of ns per call; BENCHMARKS.md).
        self._busy: str | None = None

    # -- validation ------------------------------------------------------------

    def _check_now(self, now: float) -> float:
        # the usual case: a plain float, only its range and order to check
        if now.__class__ is float and -_MAX_INSTANT < now < _MAX_INSTANT and now >= self._now:
            return now
        now = check_instant("now", now)
        if now < self._now:
            raise TimeWentBackwardsError(
                f"now {now!r} is earlier than the previous call's now {self._now!r}"
            )
        return now

    def _check_routing_profile(self, agent: Agent) -> None:
        name = agent.routing_profile
        if name is not None and self.policy.routing_profile(name) is None:
            known = [known for known, _ in self.policy.routing_profiles]
            raise UnknownRoutingProfileError(
                f"agent {agent.id!r}: routing profile {name!r} is not one of the "
                f"policy's routing profiles {known!r}"
            )

    def _task(self, task_id: str) -> LiveTask:
        rec = self._tasks.get(task_id)
        if rec is None:
            raise UnknownTaskError(f"task {task_id!r} is not active")
        return rec

    # -- agents ------------------------------------------------------------------

    def add_agent(self, agent: Agent, now: float) -> list[Event]:
        """Add an available agent; it takes waiting work at once.

        Raises:
            InvalidTypeError: ``agent`` is not an ``Agent``.
            DuplicateAgentError: an agent with this id is in the pool.
            UnknownRoutingProfileError: ``agent.routing_profile`` names no routing
                profile of the policy.
        """
        if self._busy is not None:
            raise _concurrent("add_agent", self._busy)
        self._busy = "add_agent"
        try:
            now = self._check_now(now)
            if not isinstance(agent, Agent):
                raise InvalidTypeError(f"{agent!r} is not an Agent")
            if agent.id in self._pool.agents:
                raise DuplicateAgentError(f"agent {agent.id!r} is already in the pool")
            self._check_routing_profile(agent)
            events = self._advance(now)
            rec = self._pool.add(agent, now, self._queue.groups.values())
            events.append(AgentAdded(agent.id, now))
            self._fill(rec, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def remove_agent(self, agent_id: str, now: float) -> list[Event]:
        """Remove an agent that holds no offered or assigned work.

        Every task forgets it as a preferred agent; tasks that were waiting only for it
        (preferred window) are routed at once, in submission order.

        Raises:
            InvalidIdError, UnknownAgentError, AgentBusyError.
        """
        if self._busy is not None:
            raise _concurrent("remove_agent", self._busy)
        self._busy = "remove_agent"
        try:
            now = self._check_now(now)
            agent_id = _id("agent id", agent_id)
            rec = self._pool.get(agent_id)
            if rec.work:
                raise AgentBusyError(
                    f"agent {agent_id!r} still holds tasks {sorted(rec.work)!r}; "
                    "set it offline and wait for them to finish"
                )
            # The agent leaves at ``now``: take it out before anything due by ``now``
            # fires, so no breakpoint or requeue during this call can route work to it.
            # (A reserved agent holds the work that keeps its units short: never removed.)
            assert rec.reserved is None
            self._pool.remove(rec)
            events = self._advance(now)
            events.append(AgentRemoved(agent_id, now))
            waiting = self._queue.preferred.get(agent_id, {})
            for task_rec in sorted(self._tasks.values(), key=lambda r: r.seq):
                if agent_id not in task_rec.preferred:
                    continue
                in_table = task_rec.task.id in waiting
                if in_table:
                    self._queue.remove(task_rec)
                task_rec.preferred = task_rec.preferred - {agent_id}
                if in_table:
                    self._place(task_rec, now, events)
                    if not task_rec.preferred:
                        self._route_waiting(task_rec, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def set_agent_state(
        self, agent_id: str, state: AgentState, now: float, reason: str | None = None
    ) -> list[Event]:
        """Make an agent available, away or offline, with an optional reason code
        (``"break"``, ``"training"``, ``"meeting"``: free-form, non-empty strings, kept
        until the next change and shown by :meth:`agent_status`).

        An agent that becomes available starts its idle clock and takes waiting work.
        Work it already holds is unaffected by going away or offline; a reservation
        it held ends. A change of reason alone changes nothing else. Reports
        ``AgentStateChanged`` unless state and reason are both unchanged.

        Raises:
            InvalidIdError (also for an empty reason), InvalidTypeError, UnknownAgentError.
        """
        if self._busy is not None:
            raise _concurrent("set_agent_state", self._busy)
        self._busy = "set_agent_state"
        try:
            now = self._check_now(now)
            agent_id = _id("agent id", agent_id)
            if not isinstance(state, AgentState):
                raise InvalidTypeError(f"agent state {state!r} is not an AgentState")
            reason = _optional_id("reason", reason)
            rec = self._pool.get(agent_id)
            events = self._advance(now)
            if state is rec.state and reason == rec.reason:
                return self._settle(now, events)
            changed = state is not rec.state
            self._pool.set_state(rec, state, now, reason)
            events.append(AgentStateChanged(agent_id, state, reason, now))
            if changed and state is _AVAILABLE:
                self._pool.set_idle_since(rec, now)
                self._fill(rec, now, events)
            elif changed and rec.reserved is not None:
                self._reservations.end_for_agent(rec, now, events, refill=False)
            elif changed:
                self._pool.reindex(rec)
            return self._settle(now, events)
        finally:
            self._busy = None

    # -- tasks -------------------------------------------------------------------

    def submit(self, task: Task, now: float) -> list[Event]:
        """Add a task: offer it to the best idle eligible agent, or queue it; a task
        whose ``not_before`` is still to come is scheduled instead (invisible to
        routing until then, when it is queued or offered).

        Raises:
            InvalidTypeError: ``task`` is not a ``Task``.
            DuplicateTaskError: a task with this id is active.
            InvalidInputError: ``task.created_at`` is later than ``now``, or its ttl
                ends by ``now`` or by its ``not_before``.
        """
        if self._busy is not None:
            raise _concurrent("submit", self._busy)
        self._busy = "submit"
        try:
            now = self._check_now(now)
            if not isinstance(task, Task):
                raise InvalidTypeError(f"{task!r} is not a Task")
            if task.id in self._tasks:
                raise DuplicateTaskError(
                    f"task {task.id!r} is already {self._tasks[task.id].state.value}"
                )
            release_at = _release_at(task, now)
            arrived_at = task.created_at
            if arrived_at is None:
                arrived_at = now if release_at is None else release_at
            elif arrived_at > now:
                raise InvalidInputError(
                    f"task {task.id!r}: created_at {task.created_at!r} is later than now {now!r}"
                )
            expires_at = None if task.ttl is None else arrived_at + task.ttl
            if expires_at is not None:
                _check_expiry(task, expires_at, now, release_at)
            events = self._advance(now)
            policy = self.policy
            customer = task.customer
            value = customer.value if customer is not None else 0.0
            deadline, ramp = policy.deadline_and_ramp(arrived_at, task.sla_target, task.due_at)
            self._task_seq += 1
            rec = LiveTask(
                task,
                self._task_seq,
                arrived_at,
                deadline,
                ramp,
                policy.base_score(value, task.priority),
                policy.is_high_value(value),
            )
            if task.preferred_agents or (customer is not None and self._context_routing):
                self._customers.prefer(rec, self._pool.agents, now)
            self._tasks[task.id] = rec
            events.append(new_submitted(task, arrived_at, now))
            if release_at is not None:
                rec.state = _SCHEDULED
                self._timers.push_release(release_at, rec)
                events.append(Scheduled(task.id, release_at, now))
            else:
                self._route_new(rec, now, events)
                if rec.state is _QUEUED:
                    events.append(new_queued(task.id, now))
            if expires_at is not None:
                rec.expires_at = expires_at
                self._timers.push_expiry(expires_at, rec)
            return self._settle(now, events)
        finally:
            self._busy = None

    def accept(self, offer_id: int, now: float) -> list[Event]:
        """The agent accepted: the task becomes assigned (its ttl no longer applies).
        For a warm transfer this is the hand-over: the agent that started it lets the
        task go and takes its next work.

        Raises:
            InvalidTypeError, UnknownOfferError, OfferExpiredError.
        """
        if self._busy is not None:
            raise _concurrent("accept", self._busy)
        self._busy = "accept"
        try:
            now = self._check_now(now)
            if offer_id.__class__ is not int:
                offer_id = _offer_id(offer_id)
            _offer, rec, agent = self._offers.answerable(offer_id, now)
            events = self._advance(now)
            del self._offers.open[offer_id]
            rec.state = _ASSIGNED
            rec.offer_id = None
            rec.declined_by = None  # exclusions no longer matter (their timers go stale)
            rec.expires_at = None  # nor does its ttl (its timer goes stale)
            if rec.holder is None:  # held by agents again (not a warm hand-over)
                rec.held_since = now
                if rec.answered_at is None:  # its first answer
                    rec.answered_at = now
                    task = rec.task
                    self._log.answer(task.channel, now - rec.arrived_at, task.sla_target, now)
            events.append(new_accepted(rec.task.id, agent.id, offer_id, now))
            if rec.holder is not None:
                self._let_holder_go(rec, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def decline(self, offer_id: int, now: float) -> list[Event]:
        """The agent declined: the task waits again (keeping its arrival time and score)
        and is not offered to this agent again for ``Policy.decline_cooldown`` seconds;
        the agent may take other work. An offer of a warm transfer that is declined
        returns the task to the agent that started it (``TransferDeclined``).

        Raises:
            InvalidTypeError, UnknownOfferError, OfferExpiredError.
        """
        if self._busy is not None:
            raise _concurrent("decline", self._busy)
        self._busy = "decline"
        try:
            now = self._check_now(now)
            if offer_id.__class__ is not int:
                offer_id = _offer_id(offer_id)
            _offer, rec, agent = self._offers.answerable(offer_id, now)
            events = self._advance(now)
            if rec.holder is not None:
                self._return_to_holder(rec, agent, "declined", now, events)
            else:
                self._end_offer(rec, agent, "declined", now, events)
            self._fill(agent, now, events, rec.task.channel)
            return self._settle(now, events)
        finally:
            self._busy = None

    def complete(
        self,
        task_id: str,
        now: float,
        resolved: bool = True,
        wrap_up: float | None = None,
    ) -> list[Event]:
        """An assigned task is finished; the agent takes its next work.

        ``resolved=False`` records an open issue for the customer, so a follow-up
        contact prefers this agent for ``policy.context_window`` seconds.

        ``wrap_up`` (after-contact work): seconds the agent keeps the task's slot and
        units after it, taking no work on them; ``math.inf`` keeps them until
        :meth:`end_wrap_up`; ``None`` or 0: none. The task is then in
        ``TaskState.WRAP_UP`` until ``WrapUpEnded``, and the agent's idle clock
        restarts when it ends. The customer's context is updated now either way.

        Raises:
            InvalidIdError, InvalidTypeError (``resolved`` not a bool),
            InvalidDurationError (``wrap_up`` negative, NaN or under ``MIN_DURATION``),
            UnknownTaskError, IllegalTransitionError (the task is not assigned).
        """
        if self._busy is not None:
            raise _concurrent("complete", self._busy)
        self._busy = "complete"
        try:
            now = self._check_now(now)
            if task_id.__class__ is not str or not task_id:
                task_id = check_id("task id", task_id)
            if resolved is not True and resolved is not False:
                resolved = to_bool("resolved", resolved)
            wrap_until = None if wrap_up is None else _wrap_until(wrap_up, now)
            rec = self._tasks.get(task_id)
            if rec is None or rec.state is not _ASSIGNED:
                state = self._task(task_id).state  # raises UnknownTaskError if not active
                raise IllegalTransitionError(
                    f"task {task_id!r} is {state.value}, not assigned; only assigned tasks "
                    "can be completed"
                )
            events = self._advance(now)
            agent = rec.agent
            assert agent is not None
            customer = rec.task.customer
            if customer is not None:
                self._customers.completed(customer.id, agent.id, task_id, resolved, now)
            if wrap_until is not None:
                rec.state = _WRAP_UP
                rec.wrap_until = wrap_until
                if wrap_until < math.inf:
                    self._timers.push_wrap_up(wrap_until, rec)
                events.append(new_completed(task_id, agent.id, resolved, wrap_until, now))
                return self._settle(now, events)
            events.append(new_completed(task_id, agent.id, resolved, None, now))
            self._finish(rec, agent, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def end_wrap_up(self, task_id: str, now: float) -> list[Event]:
        """End the wrap-up of a completed task now (before its duration, or one kept
        until this call): the agent lets its slot go and takes its next work.

        Raises:
            InvalidIdError, UnknownTaskError, IllegalTransitionError (not in wrap-up).
        """
        if self._busy is not None:
            raise _concurrent("end_wrap_up", self._busy)
        self._busy = "end_wrap_up"
        try:
            now = self._check_now(now)
            task_id = _id("task id", task_id)
            rec = self._task(task_id)
            if rec.state is not _WRAP_UP or (rec.wrap_until or 0.0) <= now:
                raise IllegalTransitionError(
                    f"task {task_id!r} is {rec.state.value}, not in wrap-up"
                    if rec.state is not _WRAP_UP
                    else f"task {task_id!r}: its wrap-up ends by itself at {rec.wrap_until!r}"
                )
            events = self._advance(now)
            agent = rec.agent
            assert agent is not None
            events.append(WrapUpEnded(task_id, agent.id, now))
            self._finish(rec, agent, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def cancel(self, task_id: str, now: float) -> list[Event]:
        """Withdraw a scheduled, queued or offered task (the customer abandoned or it
        was revoked). The agent that started a warm transfer of it lets it go too,
        also where a timer due by ``now`` ended the transfer (its offer timed out)
        and gave the task back to that agent: the task was waiting when called.

        Raises:
            InvalidIdError, UnknownTaskError, IllegalTransitionError (the task is
            assigned or in wrap-up), TaskExpiredError (its ttl ended by ``now``).
        """
        if self._busy is not None:
            raise _concurrent("cancel", self._busy)
        self._busy = "cancel"
        try:
            now = self._check_now(now)
            if task_id.__class__ is not str or not task_id:
                task_id = check_id("task id", task_id)
            rec = self._task(task_id)
            if rec.state is _ASSIGNED or rec.state is _WRAP_UP:
                raise IllegalTransitionError(
                    f"task {task_id!r} is {rec.state.value}; complete it instead of cancelling"
                )
            if rec.expired_by(now):
                raise TaskExpiredError(f"task {task_id!r} expired at {rec.expires_at!r} (its ttl)")
            events = self._advance(now)
            events.append(Cancelled(task_id, now))
            if rec.state is _ASSIGNED:  # a timer due by now ended its warm transfer
                agent = rec.agent
                assert agent is not None
                self._leave(rec, agent, now)
            else:
                agent = self._withdraw(rec, now, events, expired=False)
            rec.state = _CANCELLED
            if agent is not None:
                self._fill(agent, now, events, rec.task.channel)
            if rec.holder is not None:
                self._let_holder_go(rec, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

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
        """Transfer an assigned task: back to the queue, or to a named agent.

        The task keeps its arrival (its SLA clock and place in line), its deadline,
        its customer and context; ``requirement`` replaces its requirement (steps count
        from its arrival, as before). It is routed at once by the usual rules, and
        waits if no agent can take it.

        ``to_agent``: the task waits for that agent only, for ``window`` seconds (it
        is offered to it at once if it can take it; it may accept or decline), and
        then for any eligible agent. The target must have the task's skills, its
        channel and a unit cap that admits it.

        ``warm`` (consult, then hand over): the agent keeps the task, its slot and its
        units until an agent accepts it (``Accepted``: the hand-over); if an offer of
        it is declined or times out, the task returns to this agent, assigned
        (``TransferDeclined``). Without ``warm`` the agent lets it go at once and
        takes its next work.

        Raises:
            InvalidIdError, InvalidTypeError (``requirement`` not a Requirement,
            ``warm`` not a bool), InvalidDurationError (``window``), UnknownTaskError,
            UnknownAgentError, IllegalTransitionError (the task is not assigned),
            AgentUnavailableError (the target is the agent holding it, or lacks its
            skills, channel or units).
        """
        if self._busy is not None:
            raise _concurrent("transfer", self._busy)
        self._busy = "transfer"
        try:
            now = self._check_now(now)
            task_id = _id("task id", task_id)
            to_agent = _optional_id("agent id", to_agent)
            if requirement is not None and not isinstance(requirement, Requirement):
                raise InvalidTypeError(f"requirement {requirement!r} is not a Requirement")
            warm = to_bool("warm", warm)
            window = check_duration("transfer window", window, zero=False)
            rec = self._task(task_id)
            if rec.state is not _ASSIGNED:
                raise IllegalTransitionError(
                    f"task {task_id!r} is {rec.state.value}; only an assigned task can be "
                    "transferred"
                )
            agent = rec.agent
            assert agent is not None
            task = (
                rec.task if requirement is None else attrs.evolve(rec.task, requirement=requirement)
            )
            if to_agent is not None:
                self._check_target(self._pool.get(to_agent), agent, task, rec, now)
            events = self._advance(now)
            events.append(Transferred(task_id, agent.id, to_agent, warm, now))
            rec.task = task
            rec.skills = task.requirement.skills
            rec.came_back = False
            if warm:
                rec.holder = agent
                rec.agent = None
                rec.declined_by = {agent.id: math.inf}  # it is not offered its own task
            else:
                agent.release(rec)
                rec.agent_time += now - rec.held_since  # back in the queue: no agent's
                self._pool.set_idle_since(agent, now)
                self._pool.reindex(agent)
            rec.preferred = frozenset() if to_agent is None else frozenset((to_agent,))
            rec.preferred_until = now + window
            self._route_new(rec, now, events)
            if rec.state is _QUEUED:
                events.append(new_queued(task_id, now))
            if not warm:
                self._fill(agent, now, events, task.channel)
            return self._settle(now, events)
        finally:
            self._busy = None

    def update_task(self, task: Task, now: float) -> list[Event]:
        """Change a scheduled or waiting task in place: ``task`` is the task as it
        should be (``attrs.evolve`` of the one submitted, same id). Its priority,
        requirement, SLA target, due date, ttl, attributes, channel, units and
        ``not_before`` may change; it keeps its arrival (``created_at`` must be
        ``None`` or that arrival), sequence, exclusions and preferred agents (which,
        like its customer, may not change), and is rescored exactly, as if it had
        been submitted so. A new deadline may be breached again; a ``not_before``
        still to come schedules it again; reservations for it end. Reports
        ``Updated``, then it is routed at once if an agent can take it.

        Raises:
            InvalidTypeError, UnknownTaskError, IllegalTransitionError (offered,
            assigned or in wrap-up), TaskExpiredError, InvalidInputError (a change of
            arrival, customer or preferred agents, or a ttl that ends by now).
        """
        if self._busy is not None:
            raise _concurrent("update_task", self._busy)
        self._busy = "update_task"
        try:
            now = self._check_now(now)
            if not isinstance(task, Task):
                raise InvalidTypeError(f"{task!r} is not a Task")
            rec = self._updatable(task.id, now)
            self._check_update(rec, task, now)
            events = self._advance(now)
            self._update(rec, task, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def convert_to_callback(
        self,
        task_id: str,
        now: float,
        channel: str = "callback",
        not_before: float | None = None,
    ) -> list[Event]:
        """Turn a waiting contact into a callback: the task moves to ``channel``
        (outbound work, routed to agents with that channel), keeping its arrival (its
        place in line), SLA clock, customer and everything else, and is scheduled for
        ``not_before`` if that is still to come (the time the customer asked for),
        else routed when its turn comes. The same as :meth:`update_task` with those
        two fields changed.

        Raises:
            as :meth:`update_task`; InvalidIdError for ``channel``.
        """
        if self._busy is not None:
            raise _concurrent("convert_to_callback", self._busy)
        self._busy = "convert_to_callback"
        try:
            now = self._check_now(now)
            task_id = _id("task id", task_id)
            channel = _id("channel", channel)
            if not_before is not None:
                not_before = check_instant("not_before", not_before)
            rec = self._updatable(task_id, now)
            task = attrs.evolve(rec.task, channel=channel, not_before=not_before)
            self._check_update(rec, task, now)
            events = self._advance(now)
            self._update(rec, task, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def update_agent(self, agent: Agent, now: float) -> list[Event]:
        """Change an agent's profile live (skills, capacity, unit cap): ``agent`` is the
        new profile, with the id of one in the pool. Its state, reason, idle clock
        and place among equals stay; work in hand finishes even where it now exceeds
        the new capacity, and new work respects the new profile at once (the agent
        looks for work now). A reservation it held ends. Reports ``AgentUpdated``.

        Raises:
            InvalidTypeError, UnknownAgentError, UnknownRoutingProfileError.
        """
        if self._busy is not None:
            raise _concurrent("update_agent", self._busy)
        self._busy = "update_agent"
        try:
            now = self._check_now(now)
            if not isinstance(agent, Agent):
                raise InvalidTypeError(f"{agent!r} is not an Agent")
            rec = self._pool.get(agent.id)
            self._check_routing_profile(agent)
            events = self._advance(now)
            events.append(AgentUpdated(agent.id, now))
            if rec.reserved is not None:
                self._reservations.end_for_agent(rec, now, events, refill=False)
            self._pool.update(rec, agent, self._queue.groups.values())
            self._fill(rec, now, events)
            return self._settle(now, events)
        finally:
            self._busy = None

    def advance(self, now: float) -> list[Event]:
        """Fire every timer due by ``now``: breakpoints, ends of cooldowns, expiries and
        offer timeouts (see the module docstring)."""
        if self._busy is not None:
            raise _concurrent("advance", self._busy)
        self._busy = "advance"
        try:
            now = self._check_now(now)
            return self._settle(now, self._advance(now))
        finally:
            self._busy = None

    def next_timer_at(self) -> float | None:
        """When ``advance`` next has work (a breakpoint or a timeout), or ``None``.

        Runtime complexity: O(1) amortised (stale timers are dropped).
        """
        if self._busy is not None:  # it drops stale timers: it changes the heap
            raise _concurrent("next_timer_at", self._busy)
        self._busy = "next_timer_at"
        try:
            return self._timers.next_at()
        finally:
            self._busy = None

    # -- read-only views -----------------------------------------------------------

    @property
    def now(self) -> float:
        """The latest ``now`` the router has seen (``-inf`` before any call)."""
        return self._now

    def task_state(self, task_id: str) -> TaskState:
        """The state of an active task.

        Raises:
            InvalidIdError, UnknownTaskError.
        """
        if self._busy is not None:
            raise _concurrent("task_state", self._busy)
        self._busy = "task_state"
        try:
            if task_id.__class__ is not str or not task_id:
                task_id = check_id("task id", task_id)
            return self._task(task_id).state
        finally:
            self._busy = None

    def offer(self, offer_id: int) -> Offer:
        """An open offer.

        Raises:
            InvalidIdError, UnknownOfferError.
        """
        if self._busy is not None:
            raise _concurrent("offer", self._busy)
        self._busy = "offer"
        try:
            if offer_id.__class__ is not int:
                offer_id = _offer_id(offer_id)
            return self._offers.get(offer_id)[0]
        finally:
            self._busy = None

    def explain(self, offer: Offer | int) -> dict[str, float]:
        """The score terms behind an offer (an ``Offer``, or the id of an open one):
        value, priority, urgency, fit, context, total.

        Raises:
            InvalidIdError, UnknownOfferError.
        """
        if self._busy is not None:
            raise _concurrent("explain", self._busy)
        self._busy = "explain"
        try:
            if not isinstance(offer, Offer):
                offer = self._offers.get(_offer_id(offer))[0]
            terms = offer.terms
            return {
                "value": terms.value,
                "priority": terms.priority,
                "urgency": terms.urgency,
                "fit": terms.fit,
                "context": terms.context,
                "total": terms.total,
            }
        finally:
            self._busy = None

    def waiting_count(self, channel: str | None = None) -> int:
        """How many tasks wait, in all or on one channel. Runtime complexity: O(1)."""
        if self._busy is not None:
            raise _concurrent("waiting_count", self._busy)
        self._busy = "waiting_count"
        try:
            if channel is None:
                return self._queue.size
            return self._queue.by_channel.get(_id("channel", channel), 0)
        finally:
            self._busy = None

    def waiting_tasks(self, channel: str | None = None, skill: str | None = None) -> list[Task]:
        """Waiting tasks, oldest first, optionally on one channel / needing one skill.

        Runtime complexity: O(n log n).
        """
        if self._busy is not None:
            raise _concurrent("waiting_tasks", self._busy)
        self._busy = "waiting_tasks"
        try:
            channel, skill = _optional_id("channel", channel), _optional_id("skill", skill)
            return self._queue.waiting_tasks(channel, skill)
        finally:
            self._busy = None

    def oldest_wait(self, now: float, channel: str | None = None) -> float:
        """Seconds the longest-waiting task has waited at ``now`` (0 if none)."""
        if self._busy is not None:
            raise _concurrent("oldest_wait", self._busy)
        self._busy = "oldest_wait"
        try:
            now = check_instant("now", now)
            oldest = self._queue.oldest(_optional_id("channel", channel))
            return 0.0 if oldest is None else max(0.0, now - oldest.arrived_at)
        finally:
            self._busy = None

    def queue_stats(
        self, now: float, channel: str | None = None, skill: str | None = None
    ) -> QueueStats:
        """What waits at ``now`` on ``channel`` (or all), needing ``skill`` now if given
        (the requirement after its relaxation steps), and the agents that could take
        it (with capacity on the channel and, for a ``skill``, that skill at any
        level): a supervisor's real-time queue view. See :class:`QueueStats`.
        ``now`` is at or after the latest ``now`` (TimeWentBackwardsError).

        Runtime complexity: for a channel, O(log n) amortised plus O(a / 64) for the a
        agents (bit counts) and O(open offers); with a ``skill``, O(n) for the n
        waiting tasks plus O(agent profiles).
        """
        if self._busy is not None:
            raise _concurrent("queue_stats", self._busy)
        self._busy = "queue_stats"
        try:
            now = self._check_now(now)
            channel = _optional_id("channel", channel)
            skill = _optional_id("skill", skill)
            queue, pool = self._queue, self._pool
            if skill is None:
                waiting = queue.size if channel is None else queue.by_channel.get(channel, 0)
                oldest = queue.oldest(channel)
                eligible = -1  # every agent: the channel masks below decide
            else:
                found = [
                    rec
                    for rec in queue.waiting()
                    if (channel is None or rec.task.channel == channel)
                    and any(name == skill for name, _ in rec.skills)
                ]
                waiting = len(found)
                oldest = min(found, key=lambda rec: (rec.arrived_at, rec.seq), default=None)
                eligible = 0
                for profile in pool.profiles.values():
                    if profile.skill_map.get(skill, 0) > 0:
                        eligible |= profile.mask
            if channel is None:
                on_channel = free = 0
                for mask in pool.on_channel.values():
                    on_channel |= mask
                for mask in pool.idle_mask.values():
                    free |= mask
            else:
                on_channel = pool.on_channel.get(channel, 0)
                free = pool.idle_mask.get(channel, 0)
            staffed = on_channel & eligible
            available = (staffed & pool.available).bit_count()
            free_count = (free & staffed).bit_count()
            offline = (staffed & pool.offline).bit_count()
            offered = sum(
                1
                for _offer, rec, _agent in self._offers.open.values()
                if (channel is None or rec.task.channel == channel)
                and (skill is None or any(name == skill for name, _ in rec.skills))
            )
            return QueueStats(
                waiting=waiting,
                oldest_wait=0.0 if oldest is None else max(0.0, now - oldest.arrived_at),
                oldest_task=None if oldest is None else oldest.task.id,
                oldest_score=None if oldest is None else self._score_at(oldest, now),
                offered=offered,
                agents_free=free_count,
                agents_busy=available - free_count,
                agents_away=staffed.bit_count() - available - offline,
                agents_offline=offline,
            )
        finally:
            self._busy = None

    def _score_at(self, rec: LiveTask, now: float) -> float:
        """``rec``'s score at ``now`` without the agent terms (value, priority, urgency)."""
        a, b, _ = self.policy.urgency_segment(rec.arrived_at, rec.deadline, rec.ramp, now)
        return rec.base + a + b * now

    def service_stats(self, now: float, window: float, channel: str | None = None) -> ServiceStats:
        """Service level, ASA, abandonment and agent time over the ``window`` seconds
        ending at ``now`` (at or after the latest ``now``), on ``channel`` or all
        (``routing.stats`` defines each).

        Raises:
            TimeWentBackwardsError: ``now`` is earlier than the latest ``now``.
            InvalidDurationError: ``window`` is not a positive duration, or longer than
                ``Policy.stats_horizon`` (the history the router keeps).

        Runtime complexity: O(log n) for the n records in the horizon (times the
        channels for all).
        """
        if self._busy is not None:
            raise _concurrent("service_stats", self._busy)
        self._busy = "service_stats"
        try:
            now = self._check_now(now)
            window = check_duration("stats window", window, zero=False)
            if window > self.policy.stats_horizon:
                raise InvalidDurationError(
                    f"stats window {window!r} is longer than the policy's stats_horizon "
                    f"{self.policy.stats_horizon!r}, the history the router keeps"
                )
            return self._log.service(now, window, _optional_id("channel", channel))
        finally:
            self._busy = None

    def estimate_wait(self, task: Task, now: float) -> WaitEstimate:
        """The expected wait of ``task`` if it were submitted at ``now``, without
        submitting it: for IVR announcements and callback offers.

        The queue-length predictor with abandonment (``routing.stats``): the waiting
        tasks of its channel whose score at ``now`` is at least its own are ahead of
        it; the available agents that could take it (its skills, its channel) serve it
        with their slots on the channel, each freeing at the channel's rate over
        ``Policy.stats_horizon``, while tasks ahead abandon at the channel's rate. 0 if
        one of those agents could be offered it at once (idle on the channel with its
        units free, no routing-profile delay on it, one of its ``preferred_agents``
        while its window lasts; a customer's last agent is not preferred here).

        Raises:
            InvalidTypeError: ``task`` is not a ``Task``.
            TimeWentBackwardsError: ``now`` is earlier than the latest ``now``.

        Runtime complexity: O(n) for the n waiting tasks, plus O(agent profiles + the
        agents that could take it).
        """
        if self._busy is not None:
            raise _concurrent("estimate_wait", self._busy)
        self._busy = "estimate_wait"
        try:
            now = self._check_now(now)
            if not isinstance(task, Task):
                raise InvalidTypeError(f"{task!r} is not a Task")
            policy, pool, channel = self.policy, self._pool, task.channel
            arrived_at = now if task.created_at is None else min(task.created_at, now)
            skills = task.requirement.skills_at(arrived_at, now)
            eligible = 0
            for profile in pool.profiles.values():
                if satisfies(profile.skill_map, skills):
                    eligible |= profile.mask
            eligible &= pool.on_channel.get(channel, 0)
            preferred = 0  # its preferred agents in the pool, while its window lasts
            if task.preferred_agents and arrived_at + task.preferred_window > now:
                for agent_id in task.preferred_agents:
                    rec = pool.agents.get(agent_id)
                    preferred |= 0 if rec is None else rec.bit
            first = eligible & preferred if preferred else eligible  # who may take it now
            servers = pool.slots(eligible & pool.available, channel)
            mu, theta = self._log.rates(now, channel)
            if pool.takes_at_once(first, channel, task.units, skills):
                return WaitEstimate(0.0, 0, servers, mu, theta)
            value = task.customer.value if task.customer is not None else 0.0
            deadline, ramp = policy.deadline_and_ramp(arrived_at, task.sla_target, task.due_at)
            a, b, _ = policy.urgency_segment(arrived_at, deadline, ramp, now)
            score = policy.base_score(value, task.priority) + a + b * now
            ahead = sum(
                1
                for rec in self._queue.waiting()
                if rec.task.channel == channel and self._score_at(rec, now) >= score
            )
            if servers == 0:
                seconds: float | None = math.inf  # nobody available could serve it
            else:
                seconds = None if mu is None else expected_wait(ahead, servers, mu, theta)
            return WaitEstimate(seconds, ahead, servers, mu, theta)
        finally:
            self._busy = None

    def agents_by_state(self) -> dict[AgentState, list[str]]:
        """Agent ids per state (every state present, possibly empty), sorted."""
        if self._busy is not None:
            raise _concurrent("agents_by_state", self._busy)
        self._busy = "agents_by_state"
        try:
            return self._pool.by_state()
        finally:
            self._busy = None

    def agent_tasks(self, agent_id: str) -> list[str]:
        """Ids of the tasks an agent holds (offered or assigned).

        Raises:
            InvalidIdError, UnknownAgentError.
        """
        if self._busy is not None:
            raise _concurrent("agent_tasks", self._busy)
        self._busy = "agent_tasks"
        try:
            return sorted(self._pool.get(_id("agent id", agent_id)).work)
        finally:
            self._busy = None

    def agent_status(self, agent_id: str) -> AgentStatus:
        """One agent's state, reason code, since when, whether it is idle (available
        and holding nothing) and the tasks it holds, by kind.

        Raises:
            InvalidIdError, UnknownAgentError.

        Runtime complexity: O(w log w) for the w tasks it holds.
        """
        if self._busy is not None:
            raise _concurrent("agent_status", self._busy)
        self._busy = "agent_status"
        try:
            return _status(self._pool.get(_id("agent id", agent_id)))
        finally:
            self._busy = None

    def agent_statuses(self) -> list[AgentStatus]:
        """:meth:`agent_status` of every agent, by id. Runtime complexity: O(a log a + w)."""
        if self._busy is not None:
            raise _concurrent("agent_statuses", self._busy)
        self._busy = "agent_statuses"
        try:
            return [_status(rec) for _, rec in sorted(self._pool.agents.items())]
        finally:
            self._busy = None

    def unroutable_tasks(self) -> dict[str, str]:
        """Waiting tasks that no agent can take now, with the cause (see
        :class:`~routing.events.Unroutable`), in submission order.

        Runtime complexity: O(u log u) for the u such tasks.
        """
        if self._busy is not None:
            raise _concurrent("unroutable_tasks", self._busy)
        self._busy = "unroutable_tasks"
        try:
            table = self._queue.unroutable
            return {table[seq].task.id: table[seq].unroutable or "" for seq in sorted(table)}
        finally:
            self._busy = None

    def reservations(self) -> dict[str, str]:
        """Agents held for a waiting task (see :class:`~routing.events.Reserved`):
        agent id -> task id, by agent id. Runtime complexity: O(a log a) for a agents."""
        if self._busy is not None:
            raise _concurrent("reservations", self._busy)
        self._busy = "reservations"
        try:
            return {
                agent_id: rec.reserved.task.id
                for agent_id, rec in sorted(self._pool.agents.items())
                if rec.reserved is not None
            }
        finally:
            self._busy = None

    def customer_context(self, customer_id: str) -> CustomerContext:
        """The customer's last agent and unresolved issues as of :attr:`now`: empty if
        unknown, forgotten or expired (``policy.context_ttl`` after its last completion),
        and at most ``policy.context_max_issues`` issues, the newest (see
        ``routing.context``). Runtime complexity: O(1) plus the issues.
        """
        if self._busy is not None:
            raise _concurrent("customer_context", self._busy)
        self._busy = "customer_context"
        try:
            return self._customers.context(_id("customer id", customer_id), self._now)
        finally:
            self._busy = None

    def forget_customer(self, customer_id: str) -> None:
        """Drop what the router remembers about a customer (its last agent and open
        issues), at once: its next contact is a first contact. Nothing happens for a
        customer the router does not remember. A platform calls it when a customer asks
        to be forgotten or its account closes; the policy's bounds forget the rest.
        """
        if self._busy is not None:
            raise _concurrent("forget_customer", self._busy)
        self._busy = "forget_customer"
        try:
            self._customers.forget(_id("customer id", customer_id))
        finally:
            self._busy = None

    def check(self) -> None:
        """Assert every internal invariant (for tests). Runtime complexity: O(n)."""
        assert self._busy is None, f"Router.{self._busy} is in progress"
        self._queue.check()
        self._pool.check()
        self._pool.check_links(self._queue.groups.values())
        self._timers.check()
        queued = 0
        for task_id, rec in self._tasks.items():
            assert rec.task.id == task_id
            state = rec.state
            if rec.holder is not None:
                assert state is _QUEUED or state is _OFFERED, (task_id, state)
                assert rec.holder.work.get(task_id) is rec and rec.holder is not rec.agent
                assert self._pool.agents.get(rec.holder.id) is rec.holder
            if state is _QUEUED or state is _SCHEDULED:
                queued += state is _QUEUED
                assert rec.agent is None and rec.offer_id is None
                assert state is _QUEUED or (rec.entry is None and rec.reserved_by is None)
            elif state is _OFFERED:
                assert rec.offer_id in self._offers.open and rec.agent is not None
                assert rec.agent.work.get(task_id) is rec
                assert self._pool.agents.get(rec.agent.id) is rec.agent
            else:
                assert state is _ASSIGNED or state is _WRAP_UP, state
                assert rec.agent is not None and rec.agent.work.get(task_id) is rec
                assert self._pool.agents.get(rec.agent.id) is rec.agent
                assert rec.expires_at is None and rec.offer_id is None
                assert (rec.wrap_until is not None) is (state is _WRAP_UP)
                reshaped = task_id in rec.agent.reshaped
                assert (
                    reshaped
                    or rec.came_back
                    or rec.agent.satisfies(rec.skills)
                    or state is _WRAP_UP
                )
        assert queued == self._queue.size
        self._offers.check()
        self._reservations.check()
        assert not self._reservations.released
        self._unroutable.check()
        self._customers.check()

    # -- internals -----------------------------------------------------------------

    def _advance(self, now: float) -> list[Event]:
        """Fire every timer due by ``now``, then route what they released.

        All due timers fire first, so that every waiting task is on its segment for
        ``now`` before any decision is made at ``now``; then the tasks that became
        routable (widened, released from a cooldown or requeued) are routed in the
        order their timers fired, then agents freed by timeouts and expiries take work.
        """
        events: list[Event] = []
        heap = self._timers.heap
        self._now = now
        if not heap or heap[0][0] > now:  # the usual case, read inline
            return events
        released: list[LiveTask] = []
        freed: list[LiveAgent] = []
        while heap and heap[0][0] <= now:
            # Pop each due timer here, after the previous one was handled (which may
            # have armed a timer due by ``now``), skipping stale ones by the rule of
            # ``Timers.is_current``, inline: a call per timer costs (see ``timers``).
            at, kind, seq, version, obj = heappop(heap)
            if kind == BREAKPOINT:
                current = obj.version == version and obj.state is _QUEUED
                if current and self._breakpoint(obj, at, events):
                    released.append(obj)
            elif kind == COOLDOWN:
                if cooldown_due(obj, at):
                    self._queue.lift(obj, at)
                    if obj.state is _QUEUED:
                        released.append(obj)
                        self._unroutable.queued(obj)
            elif kind == EXPIRY:
                if expiry_due(obj, at):
                    self._expire(obj, at, events, freed)
            elif kind == OFFER_TIMEOUT:
                if obj.offer_id == seq:
                    rec = obj
                    agent = rec.agent
                    if rec.holder is not None:
                        self._return_to_holder(rec, agent, "timeout", at, events)
                    else:
                        self._end_offer(rec, agent, "timeout", at, events, route=False)
                        released.append(rec)
                    if self.policy.pause_on_timeout:
                        self._pool.set_state(agent, _NOT_RESPONDING, at)
                        events.append(AgentPaused(agent.id, at))
                        if agent.reserved is not None:
                            self._reservations.end_for_agent(agent, at, events, refill=False)
                        self._pool.reindex(agent)
                    else:
                        freed.append(agent)
            elif kind == RELEASE:
                if obj.version == version and obj.state is _SCHEDULED:
                    self._place(obj, at, events)
                    events.append(new_queued(obj.task.id, at))
                    released.append(obj)
            elif obj.state is _WRAP_UP and obj.wrap_until == at:  # a wrap-up ends
                agent = obj.agent
                events.append(WrapUpEnded(obj.task.id, agent.id, at))
                self._leave(obj, agent, at)
                self._pool.reindex(agent)
                freed.append(agent)
        for rec in released:
            if rec.state is _QUEUED:
                self._route_waiting(rec, now, events)
        # Deferred routing means the work-conservation shortcut of ``_fill(freed=...)``
        # does not hold here: an agent freed by a timeout looks at all its channels.
        for agent in freed:
            self._fill(agent, now, events)
        return events

    def _breakpoint(self, rec: LiveTask, at: float, events: list[Event]) -> bool:
        """Move a task to its next segment at ``at``; whether more agents may now take it."""
        was_in_window = rec.group is None
        old_skills = rec.skills
        # a delay of a routing profile passes at ``at``: more agents may take it
        widened = self._queue.delays_work and any(
            rec.arrived_at + delay == at for delay in self._queue.delays_of(rec)
        )
        self._queue.remove(rec)
        self._place(rec, at, events)
        if rec.skills != old_skills:
            events.append(Relaxed(rec.task.id, rec.skills, at))
            widened = True
            for agent in list(rec.reserved_by or ()):
                if not agent.satisfies(rec.skills):  # a step it no longer meets
                    self._reservations.end_for_agent(agent, at, events, refill=True)
        if was_in_window and rec.group is not None:
            events.append(PreferenceExpired(rec.task.id, at))
            widened = True
        return widened

    def _expire(
        self, rec: LiveTask, at: float, events: list[Event], freed: list[LiveAgent]
    ) -> None:
        """The scheduled, queued or offered ``rec`` reached its time-to-live at ``at``:
        it leaves, and an agent it was offered to is freed (it takes work after the
        timers), and so is the agent holding it for a warm transfer."""
        events.append(Expired(rec.task.id, at))
        agent = self._withdraw(rec, at, events, expired=True)
        if agent is not None:
            self._pool.reindex(agent)
            freed.append(agent)
        if rec.holder is not None:  # a warm transfer given a ttl by an update
            holder = self._release_holder(rec, at)
            self._pool.reindex(holder)
            freed.append(holder)
        rec.state = _EXPIRED

    def _withdraw(
        self, rec: LiveTask, at: float, events: list[Event], *, expired: bool
    ) -> LiveAgent | None:
        """Take the scheduled, queued or offered ``rec`` out for good (cancelled,
        expired): out of the queue, ending the reservations held for it, or its offer
        closed; one never answered and not scheduled counts as abandoned. Returns the
        agent it was offered to (the caller lets it take work)."""
        del self._tasks[rec.task.id]
        if rec.answered_at is None and rec.state is not _SCHEDULED:
            task = rec.task
            self._log.abandon(task.channel, at - rec.arrived_at, task.sla_target, expired, at)
        if rec.state is _QUEUED:
            self._queue.take(rec)
            if rec.reserved_by is not None:
                self._reservations.end_for_task(rec, at, events)
            return None
        if rec.state is _SCHEDULED:
            return None
        agent = rec.agent
        assert agent is not None
        self._offers.close(rec, agent)
        return agent

    def _leave(self, rec: LiveTask, agent: LiveAgent, at: float) -> None:
        """``rec`` leaves the router completed at ``at`` (after its wrap-up, if any):
        ``agent`` lets its slot go and restarts its idle clock (the caller reindexes it
        or lets it take work)."""
        agent.release(rec)
        del self._tasks[rec.task.id]
        rec.state = _COMPLETED
        self._pool.set_idle_since(agent, at)
        self._log.complete(rec.task.channel, rec.agent_time + (at - rec.held_since), at)

    def _finish(self, rec: LiveTask, agent: LiveAgent, now: float, events: list[Event]) -> None:
        """:meth:`_leave` at ``now``, then ``agent`` takes its next work."""
        self._leave(rec, agent, now)
        self._fill(agent, now, events, rec.task.channel)

    def _release_holder(self, rec: LiveTask, at: float) -> LiveAgent:
        """The agent that started the warm transfer of ``rec`` lets it go at ``at``
        (handed over, cancelled or expired): its slot frees and its idle clock
        restarts. Returns it (the caller reindexes it or lets it take work)."""
        holder = rec.holder
        assert holder is not None
        rec.holder = None
        holder.let_go(rec)
        self._pool.set_idle_since(holder, at)
        return holder

    def _let_holder_go(self, rec: LiveTask, now: float, events: list[Event]) -> None:
        """:meth:`_release_holder` at ``now``, then the holder takes its next work."""
        holder = self._release_holder(rec, now)
        self._fill(holder, now, events, rec.task.channel)

    def _return_to_holder(
        self, rec: LiveTask, agent: LiveAgent, reason: str, at: float, events: list[Event]
    ) -> None:
        """An offer of a warm transfer ended unanswered (``agent`` declined it or let it
        time out at ``at``): the task is assigned again to the agent that started it,
        which still holds it (the caller lets ``agent`` take work)."""
        assert rec.offer_id is not None
        del self._offers.open[rec.offer_id]
        agent.release(rec)
        self._pool.reindex(agent)
        rec.agent, rec.holder = rec.holder, None
        rec.state = _ASSIGNED
        rec.came_back = True
        rec.declined_by = None
        events.append(TransferDeclined(rec.task.id, agent.id, reason, at))

    def _check_target(
        self, target: LiveAgent, agent: LiveAgent, task: Task, rec: LiveTask, now: float
    ) -> None:
        """Refuse a named transfer to an agent that could never take ``task`` (checked
        on what no timer changes: its skills, channels and unit cap)."""
        if target is agent:
            raise AgentUnavailableError(f"task {task.id!r} is assigned to {agent.id!r} already")
        skills = task.requirement.skills_at(rec.arrived_at, now)
        if not target.satisfies(skills):
            raise AgentUnavailableError(
                f"agent {target.id!r} does not meet task {task.id!r}'s skills {skills!r}"
            )
        if task.channel not in target.capacity:
            raise AgentUnavailableError(
                f"agent {target.id!r} has no capacity on task {task.id!r}'s channel "
                f"{task.channel!r}"
            )
        if target.max_units is not None and target.max_units < task.units:
            raise AgentUnavailableError(
                f"agent {target.id!r}: max_units {target.max_units!r} is below task "
                f"{task.id!r}'s {task.units!r} units"
            )

    def _updatable(self, task_id: str, now: float) -> LiveTask:
        """The scheduled or queued task ``task_id``, which may be updated at ``now``."""
        rec = self._task(task_id)
        if rec.state is not _QUEUED and rec.state is not _SCHEDULED:
            raise IllegalTransitionError(
                f"task {task_id!r} is {rec.state.value}; only a scheduled or waiting task "
                "can be updated"
            )
        if rec.expired_by(now):
            raise TaskExpiredError(f"task {task_id!r} expired at {rec.expires_at!r} (its ttl)")
        if rec.holder is not None:
            raise IllegalTransitionError(
                f"task {task_id!r} is being transferred warm by {rec.holder.id!r}, who "
                "holds it until the hand-over; it cannot be updated meanwhile"
            )
        return rec

    @staticmethod
    def _check_update(rec: LiveTask, task: Task, now: float) -> None:
        """Refuse an update that would change what a task keeps (see ``update_task``)."""
        old = rec.task
        if task.created_at is not None and task.created_at != rec.arrived_at:
            raise InvalidInputError(
                f"task {task.id!r}: created_at {task.created_at!r} is not its arrival "
                f"{rec.arrived_at!r}; an update keeps the arrival"
            )
        if task.customer != old.customer:
            raise InvalidInputError(f"task {task.id!r}: an update may not change its customer")
        if (task.preferred_agents, task.preferred_window) != (
            old.preferred_agents,
            old.preferred_window,
        ):
            raise InvalidInputError(
                f"task {task.id!r}: an update may not change its preferred agents or window"
            )
        if task.ttl is not None:
            _check_expiry(task, rec.arrived_at + task.ttl, now, _release_at(task, now))

    def _update(self, rec: LiveTask, task: Task, now: float, events: list[Event]) -> None:
        """Apply the checked update ``task`` to ``rec`` at ``now`` (see ``update_task``)."""
        withdrawn = None
        if rec.state is _OFFERED:  # by a timer due by now: the update wins
            withdrawn = rec.agent
            assert withdrawn is not None
            self._offers.close(rec, withdrawn)
            self._pool.reindex(withdrawn)
            events.append(Requeued(task.id, withdrawn.id, "updated", now))
        events.append(Updated(task, now))
        was_scheduled = rec.state is _SCHEDULED
        release_at = _release_at(task, now)
        if rec.state is _QUEUED:
            if release_at is None:
                self._queue.remove(rec)  # re-placed below: its cause is looked at again
            else:
                self._queue.take(rec)
            if rec.reserved_by is not None:
                self._reservations.end_for_task(rec, now, events)
        policy = self.policy
        value = task.customer.value if task.customer is not None else 0.0
        rec.task = task
        rec.skills = task.requirement.skills
        rec.base = policy.base_score(value, task.priority)
        deadline, rec.ramp = policy.deadline_and_ramp(rec.arrived_at, task.sla_target, task.due_at)
        if deadline != rec.deadline:
            rec.deadline = deadline
            rec.breached = False
        expires_at = None if task.ttl is None else rec.arrived_at + task.ttl
        if expires_at != rec.expires_at:
            rec.expires_at = expires_at
            if expires_at is not None:
                self._timers.push_expiry(expires_at, rec)
        if release_at is not None:
            rec.state = _SCHEDULED
            rec.version += 1
            self._timers.push_release(release_at, rec)
            events.append(Scheduled(task.id, release_at, now))
        else:
            self._place(rec, now, events)
            self._route_waiting(rec, now, events)
            if (was_scheduled or withdrawn) and rec.state is _QUEUED:
                events.append(new_queued(task.id, now))
        if withdrawn is not None:
            self._fill(withdrawn, now, events)

    def _locate(self, rec: LiveTask, t: float, events: list[Event]) -> float | None:
        """Put ``rec`` on its segment at ``t`` and find its group (see ``TaskQueue.locate``),
        linking a new group to the agent profiles (after releasing unused groups if there
        are too many) and reporting a passed deadline; return the task's next breakpoint."""
        queue = self._queue
        created, next_at = queue.locate(rec, t)
        if created is not None:
            if len(queue.groups) > queue.group_limit:  # too many: release the unused
                self._pool.unlink_groups(queue.release_idle(keep=created))
            self._pool.link_group(created)
        if rec.deadline is not None and not rec.breached and rec.deadline <= t:
            rec.breached = True
            events.append(SlaBreached(rec.task.id, max(rec.deadline, t)))
        return next_at

    def _place(self, rec: LiveTask, t: float, events: list[Event]) -> None:
        """Queue ``rec`` at time ``t`` and arm a timer for its next breakpoint."""
        next_at = self._locate(rec, t, events)
        self._queue.insert(rec)
        self._unroutable.queued(rec)
        if next_at is not None:
            self._timers.push_breakpoint(next_at, rec)

    def _route_new(self, rec: LiveTask, now: float, events: list[Event]) -> None:
        """Route a new or requeued task: hand it to the best idle agent that fits, or
        queue it.

        A task an idle agent takes is never queued (no bucket push, removal or
        counting), and only a queued task's breakpoint timer is armed: one armed for a
        task offered at once would only go stale (a push now and a pop later).
        """
        next_at = self._locate(rec, now, events)
        found = self._pool.best_for(rec, now)
        if found is None:  # queue it, as ``_place`` does
            self._queue.insert(rec)
            self._unroutable.queued(rec)
            if next_at is not None:
                self._timers.push_breakpoint(next_at, rec)
            return
        rec.group = None  # located, never queued
        agent, fit, context = found
        self._offers.make(rec, agent, fit, context, now, events)
        self._pool.reindex(agent)

    def _route_waiting(self, rec: LiveTask, now: float, events: list[Event]) -> None:
        found = self._pool.best_for(rec, now)
        if found is not None:
            agent, fit, context = found
            self._queue.take(rec)
            self._offer(rec, agent, fit, context, now, events)
            self._pool.reindex(agent)

    def _offer(
        self,
        rec: LiveTask,
        agent: LiveAgent,
        fit: float,
        context: float,
        now: float,
        events: list[Event],
    ) -> None:
        """Offer the dequeued ``rec`` to ``agent``, ending the reservations held for it
        (the caller reindexes ``agent``)."""
        if rec.reserved_by is not None:
            self._reservations.end_for_task(rec, now, events, agent)
        self._offers.make(rec, agent, fit, context, now, events)

    def _fill(
        self, agent: LiveAgent, now: float, events: list[Event], freed: str | None = None
    ) -> None:
        """Give an agent waiting work while it has capacity for it.

        ``freed`` names the one channel on which the agent just gained a slot. The
        router is work-conserving (no waiting task is ever eligible for an agent with
        a free slot on its channel), so when the agent has no total unit cap only that
        channel can hold new candidates, and only its buckets are searched.
        """
        if not agent.plain:  # a unit cap or a routing profile
            self._fill_general(agent, now, events)
            return
        queue = self._queue
        while queue.size:
            if freed is not None:
                # ``agent.can_take(freed, 1)`` for an agent without a unit cap, inline
                ok = agent.state is _AVAILABLE and agent.load[freed] < agent.capacity.get(freed, 0)
                channels = [freed] if ok else []
            else:
                channels = agent.free_channels(self._interrupts)
            if not channels:
                break
            found = queue.best_for(agent, now, channels, None)
            if found is None:
                break
            rec, fit, context = found
            queue.take(rec)
            self._offer(rec, agent, fit, context, now, events)
        self._pool.reindex(agent)

    def _fill_general(self, agent: LiveAgent, now: float, events: list[Event]) -> None:
        """``_fill`` for an agent with a unit cap or a routing profile: a reserved agent
        takes its task once it fits, or nothing; another takes the best task it may
        (by rank first with a routing profile: ``TaskQueue.best_for_ranked``),
        reserving itself for it if it needs more units than are free
        (``reservations``)."""
        queue = self._queue
        interrupts = self._interrupts
        policy = self.policy
        max_units = agent.max_units
        best_for = queue.best_for if agent.profile.ordering is None else queue.best_for_ranked
        reserve = 0 if max_units is None else policy.reserve_agents
        while queue.size:
            held = agent.reserved
            if held is not None:
                channel = held.task.channel
                if (
                    agent.load[channel] >= agent.capacity[channel]
                    or (agent.free_on(channel, interrupts) or 0) < held.task.units
                ):
                    break
                fit = policy.fit(agent.skill_map, held.skills, held.high_value)
                context = policy.w_context if held.group is None else 0.0
                queue.take(held)
                self._offer(held, agent, fit, context, now, events)
                continue
            channels = agent.free_channels(interrupts)
            if not channels:
                break
            free = None if max_units is None else max_units - agent.units_used
            found = best_for(agent, now, channels, free, reserve, interrupts)
            if found is None:
                break
            rec, fit, context = found
            task = rec.task
            if (
                free is not None
                and task.units > free
                and (
                    task.channel not in interrupts
                    or task.units > (agent.free_on(task.channel, interrupts) or 0)
                )
            ):
                self._reservations.hold(agent, rec, now, events)
                return
            queue.take(rec)
            self._offer(rec, agent, fit, context, now, events)
        self._pool.reindex(agent)

    def _end_offer(
        self,
        rec: LiveTask,
        agent: LiveAgent,
        reason: str,
        at: float,
        events: list[Event],
        *,
        route: bool = True,
    ) -> None:
        """Close ``rec``'s offer to ``agent``, declined or timed out at ``at``, and requeue
        the task (routing it to an idle agent at once unless ``route`` is false)."""
        self._offers.refuse(rec, agent, at)
        self._pool.reindex(agent)
        events.append(Requeued(rec.task.id, agent.id, reason, at))
        if route:
            self._route_new(rec, at, events)
        else:
            self._place(rec, at, events)

    # -- the end of every call: reservations ended, unroutable tasks -----------------

    def _settle(self, now: float, events: list[Event]) -> list[Event]:
        """Finish a call: agents whose reservation ended take work, in order, then the
        waiting tasks whose unroutable cause changed are reported. Returns ``events``."""
        released = self._reservations.released
        while released:
            agent = released.pop(0)
            if self._pool.agents.get(agent.id) is agent:
                self._fill(agent, now, events)
        unroutable = self._unroutable
        if unroutable.dirty or self._pool.version != unroutable.pool_version:
            unroutable.report(now, events)
        return events
