"""Errors raised by the routing engine.

Every error subclasses :class:`RoutingError` *and* the built-in exception a caller
would naturally catch, so ``except KeyError`` works for an unknown id as well as
``except UnknownTaskError``. The router validates before it mutates: when one of
these is raised, the router's state is exactly as it was before the call.

::

    RoutingError
    ├── InvalidInputError (ValueError)          bad field values
    │   ├── InvalidLevelError                   skill level outside 1-5
    │   ├── InvalidDurationError                a duration/instant that is negative, NaN,
    │   │                                       infinite, or out of the exact range
    │   ├── InvalidIdError                      an id that is not a non-empty string
    │   │                                       (an offer id that is not an int)
    │   ├── InvalidTypeError (TypeError)        an argument of the wrong type
    │   └── ScoreOverflowError (OverflowError)  weights and values too large to score
    ├── TimeWentBackwardsError (ValueError)     ``now`` earlier than the previous call
    ├── DuplicateIdError (ValueError)
    │   ├── DuplicateTaskError
    │   └── DuplicateAgentError
    ├── UnknownIdError (KeyError)
    │   ├── UnknownTaskError
    │   ├── UnknownAgentError
    │   ├── UnknownOfferError
    │   └── UnknownRoutingProfileError          an agent names a profile the policy lacks
    ├── IllegalTransitionError (RuntimeError)   e.g. completing a task that is queued
    │   ├── AgentBusyError                      removing an agent that holds work
    │   ├── OfferExpiredError                   accepting an offer after its timeout
    │   └── TaskExpiredError                    cancelling a task after its ttl
    └── ConcurrentCallError (RuntimeError)      a call while another is still in progress
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error the routing engine raises."""


class InvalidInputError(RoutingError, ValueError):
    """A value passed to the engine is malformed."""


class InvalidLevelError(InvalidInputError):
    """A skill level is not an integer from 1 to 5."""


class InvalidDurationError(InvalidInputError):
    """A duration or instant is not a number, or is negative, NaN or infinite, or lies
    outside the range where float seconds stay exact enough (``routing.model``:
    ``MAX_INSTANT``, ``MIN_DURATION``)."""


class InvalidIdError(InvalidInputError):
    """An id is malformed: task, agent, customer, channel and skill ids are non-empty
    strings; offer ids are integers (not bools)."""


class InvalidTypeError(InvalidInputError, TypeError):
    """An argument has the wrong type: something that is not a ``Task`` passed to
    ``submit``, a state that is not an ``AgentState``, a bare string as
    ``preferred_agents``, a ``resolved`` that is not a bool."""


class ScoreOverflowError(InvalidInputError, OverflowError):
    """Policy weights times a task's values (or times the longest instant) are too large
    for the score arithmetic to stay finite (``routing.model.MAX_SCORE``)."""


class TimeWentBackwardsError(RoutingError, ValueError):
    """A call passed ``now`` earlier than the previous call's ``now``."""


class DuplicateIdError(RoutingError, ValueError):
    """An id is already in use."""


class DuplicateTaskError(DuplicateIdError):
    """A task with this id is already active (queued, offered or assigned)."""


class DuplicateAgentError(DuplicateIdError):
    """An agent with this id is already in the pool."""


class UnknownIdError(RoutingError, KeyError):
    """An id names nothing the router knows.

    ``KeyError`` quotes its message in ``str()``; this class prints it plainly.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTaskError(UnknownIdError):
    """No active task has this id."""


class UnknownAgentError(UnknownIdError):
    """No agent in the pool has this id."""


class UnknownOfferError(UnknownIdError):
    """No open offer has this id."""


class UnknownRoutingProfileError(UnknownIdError):
    """An agent names a routing profile (``Agent.routing_profile``) that the router's
    policy does not declare (``Policy.routing_profiles``)."""


class IllegalTransitionError(RoutingError, RuntimeError):
    """The operation is not allowed in the task's or agent's current state."""


class AgentBusyError(IllegalTransitionError):
    """The agent still holds offered or assigned work."""


class AgentUnavailableError(IllegalTransitionError):
    """The agent cannot take the task now (a named transfer's target): it is not
    available, is held for another task, has no free slot or units on the task's
    channel, or does not meet the task's skills."""


class OfferExpiredError(IllegalTransitionError):
    """The offer's timeout, or its task's time-to-live, has passed; it can no longer be
    accepted or declined."""


class TaskExpiredError(IllegalTransitionError):
    """The task's time-to-live has passed by the call's ``now``: it has expired."""


class ConcurrentCallError(RoutingError, RuntimeError):
    """A router method was called while another call on the same router was still in
    progress (from another thread, or re-entered). A ``Router`` is single-threaded by
    contract; ``routing.LockedRouter`` serialises calls from several threads."""
