"""Customer memory: the context that follows a customer across contacts and channels.

Per customer, the router remembers the last agent that completed one of its tasks and
the ids of its unresolved ones (``complete(..., resolved=False)``); a resolved
completion clears them. A new task of a customer with an open issue then waits, for a
*preferred-agent window*, for that last agent (``Policy.context_window``, capped by
``Policy.context_sla_share`` of its SLA target), unless the task names preferred
agents of its own. During the window only its preferred agents may take it, with the
bonus ``Policy.w_context``; then it falls back to every eligible agent (a breakpoint,
see ``timers``).

The memory is bounded, by age and by count (``Policy``):

* a customer's context is forgotten ``context_ttl`` seconds after its last completion:
  at ``now >= completed_at + context_ttl`` it reads as empty, and it gives no preferred
  agent, whether or not it has been purged yet;
* at most ``context_max_issues`` open issues are kept per customer, the newest (any
  open issue makes a follow-up prefer the last agent, so dropping the oldest never
  changes a decision);
* with ``context_max_customers``, at most that many customers are remembered: a
  completion that would exceed it forgets the customer whose last completion is the
  oldest;
* :meth:`CustomerMemory.forget` (``Router.forget_customer``) drops a customer at once.

Customers are kept in order of their last completion (an ``OrderedDict``: moving one to
the end and dropping the first are O(1)), which is also the order in which they expire
(``now`` never goes back, and every completion sets ``completed_at + context_ttl``). Each
completion first drops the expired customers from the front, so memory holds at most
the customers with a completion in the last ``context_ttl`` seconds (before the latest
completion), each with at most ``context_max_issues`` issue ids: O(1) amortised per
completion, O(1) per look-up.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from routing._state import LiveAgent, LiveTask
from routing.model import CustomerContext
from routing.policy import Policy

_EMPTY = CustomerContext(None, ())


class _Context:
    """What is remembered about one customer (mutable; the public view is frozen)."""

    __slots__ = ("expires_at", "last_agent_id", "open_issues")

    def __init__(self) -> None:
        self.expires_at = math.inf
        self.last_agent_id: str | None = None
        self.open_issues: list[str] = []


class CustomerMemory:
    """The last agent and open issues of the customers the router has served lately.

    Args:
        policy: the router's policy (its context window and share of the SLA, and the
            bounds ``context_ttl``, ``context_max_issues`` and ``context_max_customers``).
    """

    __slots__ = (
        "_customers",
        "_due_at",
        "_max_customers",
        "_max_issues",
        "_ttl",
        "follow_ups",
        "policy",
    )

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        # by last completion, oldest first: also the order of ``expires_at``
        self._customers: OrderedDict[str, _Context] = OrderedDict()
        self._ttl = math.inf if policy.context_ttl is None else policy.context_ttl
        self._max_issues = policy.context_max_issues
        self._max_customers = policy.context_max_customers
        # no customer expires before this (a lower bound of the first one's expiry)
        self._due_at = math.inf
        # whether an open issue can ever give a task a preferred agent (with no context
        # window it cannot, so the router skips the customer look-up on submit)
        self.follow_ups = policy.context_window > 0

    def __len__(self) -> int:
        """How many customers are remembered (expired ones not yet purged included)."""
        return len(self._customers)

    def prefer(self, rec: LiveTask, agents: dict[str, LiveAgent], now: float) -> None:
        """Give the new task ``rec``, submitted at ``now``, its preferred agents and
        window: the task's own (those in ``agents``, the pool), or else its customer's
        last agent while the customer has an open issue, its context has not expired
        and that agent is in the pool.

        Runtime complexity: O(p) for the task's p preferred agents.
        """
        task = rec.task
        if task.preferred_agents and task.preferred_window > 0:
            rec.preferred = {a for a in task.preferred_agents if a in agents}
            rec.preferred_until = rec.arrived_at + task.preferred_window
        elif task.customer is not None and self.follow_ups:
            context = self._customers.get(task.customer.id)
            if (
                context is None
                or not context.open_issues
                or context.expires_at <= now
                or context.last_agent_id not in agents
            ):
                return
            window = self.policy.context_window_for(task.sla_target, task.due_at)
            if window > 0:
                rec.preferred = {context.last_agent_id}
                rec.preferred_until = rec.arrived_at + window

    def completed(
        self, customer_id: str, agent_id: str, task_id: str, resolved: bool, now: float
    ) -> None:
        """Remember that ``agent_id`` completed the customer's task ``task_id`` at
        ``now``: a resolved one clears the customer's open issues, an unresolved one adds
        to them (dropping the oldest past ``context_max_issues``). Customers expired by
        ``now`` are forgotten first, and the least recently served one past
        ``context_max_customers``.

        Runtime complexity: O(1) amortised (each customer is purged once; O(k) to clear
        k open issues).
        """
        customers = self._customers
        if now >= self._due_at:
            self._purge(now)
        context = customers.get(customer_id)
        if context is None:
            context = customers[customer_id] = _Context()
            if self._max_customers is not None and len(customers) > self._max_customers:
                customers.popitem(last=False)
        else:
            customers.move_to_end(customer_id)
        context.expires_at = expires_at = now + self._ttl
        if expires_at < self._due_at:  # the first customer since the memory was empty
            self._due_at = expires_at
        context.last_agent_id = agent_id
        issues = context.open_issues
        if resolved:
            issues.clear()
        else:
            issues.append(task_id)
            if len(issues) > self._max_issues:
                del issues[0]

    def _purge(self, now: float) -> None:
        """Forget the customers whose context expired by ``now`` (all at the front)."""
        customers = self._customers
        while customers:
            first = next(iter(customers.values()))
            if first.expires_at > now:
                self._due_at = first.expires_at
                return
            customers.popitem(last=False)
        self._due_at = math.inf

    def context(self, customer_id: str, now: float) -> CustomerContext:
        """The customer's last agent and open issues at ``now`` (empty if unknown or
        expired). Runtime complexity: O(k) for its k open issues."""
        context = self._customers.get(customer_id)
        if context is None or context.expires_at <= now:
            return _EMPTY
        return CustomerContext(context.last_agent_id, tuple(context.open_issues))

    def forget(self, customer_id: str) -> None:
        """Drop what is remembered about a customer (nothing if unknown)."""
        self._customers.pop(customer_id, None)

    def check(self) -> None:
        """Assert the bounds and the order. Runtime complexity: O(customers)."""
        customers = self._customers
        if self._max_customers is not None:
            assert len(customers) <= self._max_customers, len(customers)
        previous = -math.inf
        for customer_id, context in customers.items():
            assert previous <= context.expires_at, f"customer {customer_id!r} out of order"
            previous = context.expires_at
            assert len(context.open_issues) <= self._max_issues, customer_id
        if customers:
            assert self._due_at <= next(iter(customers.values())).expires_at
