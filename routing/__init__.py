"""Skills-based routing with an SLA-driven, continuously reprioritised global task list.

The engine is pure Python (attrs + sortedcontainers): no clock, no I/O, no randomness.
Every mutating call takes ``now`` in seconds on any epoch. A ``Router`` is
single-threaded by contract; ``LockedRouter`` serialises calls from several threads.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from routing.errors import (
    AgentBusyError,
    ConcurrentCallError,
    DuplicateAgentError,
    DuplicateIdError,
    DuplicateTaskError,
    IllegalTransitionError,
    InvalidDurationError,
    InvalidIdError,
    InvalidInputError,
    InvalidLevelError,
    InvalidTypeError,
    OfferExpiredError,
    RoutingError,
    ScoreOverflowError,
    TaskExpiredError,
    TimeWentBackwardsError,
    UnknownAgentError,
    UnknownIdError,
    UnknownOfferError,
    UnknownRoutingProfileError,
    UnknownTaskError,
)
from routing.events import (
    ALL_DECLINED,
    NO_AVAILABLE_AGENT,
    NO_ELIGIBLE_AGENT,
    AgentPaused,
    Event,
    Expired,
    Offered,
    PreferenceExpired,
    Queued,
    Relaxed,
    Requeued,
    Reserved,
    SlaBreached,
    Unroutable,
)
from routing.locked import LockedRouter
from routing.model import (
    Agent,
    AgentState,
    Customer,
    CustomerContext,
    Offer,
    RelaxStep,
    Requirement,
    ScoreTerms,
    Task,
    TaskState,
)
from routing.ordering import RoutingProfile
from routing.policy import Policy
from routing.router import Router

__all__ = [
    "ALL_DECLINED",
    "NO_AVAILABLE_AGENT",
    "NO_ELIGIBLE_AGENT",
    "Agent",
    "AgentBusyError",
    "AgentPaused",
    "AgentState",
    "ConcurrentCallError",
    "Customer",
    "CustomerContext",
    "DuplicateAgentError",
    "DuplicateIdError",
    "DuplicateTaskError",
    "Event",
    "Expired",
    "IllegalTransitionError",
    "InvalidDurationError",
    "InvalidIdError",
    "InvalidInputError",
    "InvalidLevelError",
    "InvalidTypeError",
    "LockedRouter",
    "Offer",
    "OfferExpiredError",
    "Offered",
    "Policy",
    "PreferenceExpired",
    "Queued",
    "RelaxStep",
    "Relaxed",
    "Requeued",
    "Requirement",
    "Reserved",
    "Router",
    "RoutingError",
    "RoutingProfile",
    "ScoreOverflowError",
    "ScoreTerms",
    "SlaBreached",
    "Task",
    "TaskExpiredError",
    "TaskState",
    "TimeWentBackwardsError",
    "UnknownAgentError",
    "UnknownIdError",
    "UnknownOfferError",
    "UnknownRoutingProfileError",
    "UnknownTaskError",
    "Unroutable",
    "__version__",
]

try:
    __version__ = version("skills-routing")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"
