"""A small populated router and a snapshot of everything observable about it, shared by
the bad-input tests (``test_errors``, ``test_bad_input``, ``test_locked``).

The router holds one task of each active state and one due timer: ann holds an
assigned task, bob an open offer that expires at ``EXPIRES_AT``, cat is away, dee
wraps up a completed task until told, and one task waits (it needs a skill nobody
has). Its clock is at ``NOW``; a call at ``LATE``
is one at which bob's offer timeout is due, so a call that fired due timers before
validating its arguments would show in the snapshot.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from routing import (
    Agent,
    AgentState,
    Customer,
    Policy,
    Requirement,
    Router,
    Task,
    UnknownTaskError,
)
from routing.errors import UnknownOfferError
from tests.oracle import offers_in

NOW = 100.0
TIMEOUT = 10.0
EXPIRES_AT = 105.0
LATE = 110.0
"""A ``now`` at which bob's offer timeout (``EXPIRES_AT``) is due."""
TASK_IDS = ("queued", "offered", "assigned", "wrapping", "nobody")
AGENT_IDS = ("ann", "bob", "cat", "dee")
CUSTOMER_IDS = ("c1", "c2")


def populated() -> tuple[Router, dict[str, int]]:
    """ann holds an assigned task, bob an open offer (expiring at 105), cat is away;
    one task waits. The clock is at 100. Returns the router and the offer ids."""
    router = Router(Policy(offer_timeout=TIMEOUT))
    router.add_agent(Agent("ann", {"billing": 3}, {"voice": 1}), now=90)
    router.add_agent(Agent("bob", {"billing": 3}, {"voice": 1}), now=90)
    router.add_agent(Agent("cat", {"billing": 3}, {"voice": 1}), now=90)
    router.set_agent_state("cat", AgentState.AWAY, now=90)
    [first] = offers_in(
        router.submit(Task("assigned", "voice", customer=Customer("c2", value=2.0)), now=92)
    )
    router.accept(first.id, now=93)
    [second] = offers_in(router.submit(Task("offered", "voice", sla_target=30), now=95))
    router.submit(
        Task("queued", "voice", requirement=Requirement({"tech": 5}), customer=Customer("c1")),
        now=96,
    )
    router.add_agent(Agent("dee", {"billing": 1}, {"email": 1}), now=97)
    [wrapping] = offers_in(router.submit(Task("wrapping", "email"), now=97))
    router.accept(wrapping.id, now=97)
    router.complete("wrapping", now=98, wrap_up=math.inf)
    router.advance(NOW)
    assert (first.agent_id, second.agent_id) == ("ann", "bob")
    assert router.next_timer_at() == EXPIRES_AT
    return router, {"assigned": first.id, "offered": second.id}


def snapshot(router: Router) -> dict[str, Any]:
    """Everything observable about the router, to compare before and after a call."""
    states = {}
    for task_id in TASK_IDS:
        try:
            states[task_id] = router.task_state(task_id)
        except UnknownTaskError:
            states[task_id] = None
    offers = {}
    for offer_id in range(10):
        with contextlib.suppress(UnknownOfferError):
            offers[offer_id] = (router.offer(offer_id), router.explain(offer_id))
    return {
        "now": router.now,
        "waiting": [t.id for t in router.waiting_tasks()],
        "waiting_count": router.waiting_count(),
        "waiting_voice": router.waiting_count("voice"),
        "oldest_wait": router.oldest_wait(router.now),
        "agents": router.agents_by_state(),
        "agent_tasks": {a: router.agent_tasks(a) for a in AGENT_IDS},
        "agent_statuses": router.agent_statuses(),
        "task_states": states,
        "offers": offers,
        "next_timer_at": router.next_timer_at(),
        "context": {c: router.customer_context(c) for c in CUSTOMER_IDS},
    }
