"""Customer memory: the context that follows a customer across contacts and channels.

Per customer, the router remembers the last agent that completed one of its tasks and
the ids of its unresolved ones (``complete(..., resolved=False)``); a resolved
completion clears them. A new task of a customer with an open issue then waits, for a
*preferred-agent window*, for that last agent (``Policy.context_window``, capped by
``Policy.context_sla_share`` of its SLA target), unless the task names preferred
agents of its own. During the window only its preferred agents may take it, with the
bonus ``Policy.w_context``; then it falls back to every eligible agent (a breakpoint,
see ``timers``).

Memory is per customer id and lasts until ``forget``: nothing else is kept, so it
grows with the customers seen, not with the tasks.
"""

from __future__ import annotations

from routing._state import LiveAgent, LiveTask
from routing.model import CustomerContext
from routing.policy import Policy


class _Context:
    """What is remembered about one customer (mutable; the public view is frozen)."""

    __slots__ = ("last_agent_id", "open_issues")

    def __init__(self) -> None:
        self.last_agent_id: str | None = None
        self.open_issues: list[str] = []


class CustomerMemory:
    """The last agent and open issues of every customer the router has served.

    Args:
        policy: the router's policy (its context window and share of the SLA).
    """

    __slots__ = ("_customers", "follow_ups", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._customers: dict[str, _Context] = {}
        # whether an open issue can ever give a task a preferred agent (with no context
        # window it cannot, so the router skips the customer look-up on submit)
        self.follow_ups = policy.context_window > 0

    def __len__(self) -> int:
        """How many customers are remembered."""
        return len(self._customers)

    def prefer(self, rec: LiveTask, agents: dict[str, LiveAgent]) -> None:
        """Give the new task ``rec`` its preferred agents and window: the task's own
        (those in ``agents``, the pool), or else its customer's last agent while the
        customer has an open issue and that agent is in the pool.

        Runtime complexity: O(p) for the task's p preferred agents.
        """
        task = rec.task
        if task.preferred_agents and task.preferred_window > 0:
            rec.preferred = {a for a in task.preferred_agents if a in agents}
            rec.preferred_until = rec.arrived_at + task.preferred_window
        elif task.customer is not None and self.follow_ups:
            context = self._customers.get(task.customer.id)
            if context is None or not context.open_issues or context.last_agent_id not in agents:
                return
            window = self.policy.context_window_for(task.sla_target, task.due_at)
            if window > 0:
                rec.preferred = {context.last_agent_id}
                rec.preferred_until = rec.arrived_at + window

    def completed(self, customer_id: str, agent_id: str, task_id: str, resolved: bool) -> None:
        """Remember that ``agent_id`` completed the customer's task ``task_id``: a
        resolved one clears the customer's open issues, an unresolved one adds to them.

        Runtime complexity: O(1) (O(k) to clear k open issues).
        """
        context = self._customers.get(customer_id)
        if context is None:
            context = self._customers[customer_id] = _Context()
        context.last_agent_id = agent_id
        if resolved:
            context.open_issues.clear()
        else:
            context.open_issues.append(task_id)

    def context(self, customer_id: str) -> CustomerContext:
        """The customer's last agent and open issues (empty if unknown)."""
        context = self._customers.get(customer_id)
        if context is None:
            return CustomerContext(None, ())
        return CustomerContext(context.last_agent_id, tuple(context.open_issues))

    def forget(self, customer_id: str) -> None:
        """Drop what is remembered about a customer (nothing if unknown)."""
        self._customers.pop(customer_id, None)
