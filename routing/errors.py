"""Errors raised by the routing engine.

Every error subclasses :class:`RoutingError` *and* the built-in exception a caller
would naturally catch, so ``except KeyError`` works for an unknown id as well as
``except UnknownTaskError``. The router validates before it mutates: when one of
these is raised, the router's state is exactly as it was before the call.

::

    RoutingError
    ├── InvalidInputError (ValueError)          bad field values
    │   ├── InvalidLevelError                   skill level outside 1-5
    │   └── InvalidDurationError                negative, NaN or infinite duration/instant
    ├── TimeWentBackwardsError (ValueError)     ``now`` earlier than the previous call
    ├── DuplicateIdError (ValueError)
    │   ├── DuplicateTaskError
    │   └── DuplicateAgentError
    ├── UnknownIdError (KeyError)
    │   ├── UnknownTaskError
    │   ├── UnknownAgentError
    │   └── UnknownOfferError
    └── IllegalTransitionError (RuntimeError)   e.g. completing a task that is queued
        ├── AgentBusyError                      removing an agent that holds work
        ├── OfferExpiredError                   accepting an offer after its timeout
        └── TaskExpiredError                    cancelling a task after its ttl
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error the routing engine raises."""


class InvalidInputError(RoutingError, ValueError):
    """A value passed to the engine is malformed."""


class InvalidLevelError(InvalidInputError):
    """A skill level is not an integer from 1 to 5."""


class InvalidDurationError(InvalidInputError):
    """A duration or instant is negative, NaN or infinite."""


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


class IllegalTransitionError(RoutingError, RuntimeError):
    """The operation is not allowed in the task's or agent's current state."""


class AgentBusyError(IllegalTransitionError):
    """The agent still holds offered or assigned work."""


class OfferExpiredError(IllegalTransitionError):
    """The offer's timeout, or its task's time-to-live, has passed; it can no longer be
    accepted or declined."""


class TaskExpiredError(IllegalTransitionError):
    """The task's time-to-live has passed by the call's ``now``: it has expired."""
