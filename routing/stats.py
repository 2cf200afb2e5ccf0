"""Live statistics: what a supervisor's wallboard shows, and the expected wait of a
new task, from the router's own history.

The router records three things as they happen, per channel, in a :class:`ServiceLog`:
a task *answered* (its first accept: the wait and whether it met its ``sla_target``),
a task *abandoned* (cancelled or expired before any agent answered it: how long it
had waited, and whether that was past its target) and a task *completed* (the agent
time from its answer until its slot freed: handling plus wrap-up). Each record is an
append of running totals to a few lists, so a question about any window ending now
is two binary searches and some subtractions: O(log n), whatever the window.
Records older than ``Policy.stats_horizon`` are dropped in batches (amortised O(1)).

Definitions (DESIGN's KPIs, the way a platform's real-time view states them):

* service level = answered within target / (answered + abandoned after target),
  counting only tasks that have an ``sla_target``; ``None`` with neither in the window;
* ASA = mean wait of the tasks answered in the window;
* abandonment = abandoned / (answered + abandoned) in the window.

The expected wait of a new task (:func:`expected_wait`) is the queue-length predictor
with abandonment for many-server queues (Whitt, "Predicting Queueing Delays", 1999;
Ibrahim & Whitt, "Real-Time Delay Estimation Based on Delay History", 2009, the QL
estimator with exponential patience): a task that finds ``k`` tasks ahead of it and
``s`` agent slots serving its channel, each freeing at rate ``mu``, while waiting
tasks abandon at rate ``theta`` each, waits for ``k + 1`` departures from the head of
the queue, the ``i``-th of which comes at rate ``s mu + (k + 1 - i) theta``::

    E[W] = sum over j = 0..k of 1 / (s mu + j theta)

``mu`` is 1 / the mean agent time of the channel's tasks completed in the horizon,
``theta`` the abandonments per second waited (the maximum-likelihood rate of
exponential patience, answered waits counting as censored) over the same records.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right

import attrs

TRIM_MIN = 1024
"""A log is trimmed to the horizon once it holds more than this many records, and then
each time it has doubled since the last trim."""


@attrs.frozen
class QueueStats:
    """What waits on a channel (or all) at an instant, and the agents that could take it.

    Attributes:
        waiting: tasks waiting (queued, not offered).
        oldest_wait: seconds the longest-waiting task has waited (0 if none).
        oldest_task: its id, or ``None``.
        oldest_score: its score at the instant without the agent terms (value,
            priority and urgency: what decides its place among the waiting), or
            ``None``.
        offered: tasks offered to an agent and not yet answered.
        agents_free: agents that could be offered a task of the channel now
            (available, with a free slot and units).
        agents_busy: available agents with no room for one more task of the channel.
        agents_away: agents away or not responding.
        agents_offline: agents offline (logged out, still in the pool).

    Agents count where they have capacity on the channel and, for a ``skill``, where
    they could take some task needing it.
    """

    waiting: int
    oldest_wait: float
    oldest_task: str | None
    oldest_score: float | None
    offered: int
    agents_free: int
    agents_busy: int
    agents_away: int
    agents_offline: int


@attrs.frozen
class ServiceStats:
    """Service over a window ending at an instant (see the module's definitions).

    Attributes:
        window: the window's length in seconds.
        answered: tasks answered (first accepted) in the window.
        answered_in_target: of those with an ``sla_target``, answered within it.
        targeted: answered tasks with an ``sla_target``.
        abandoned: tasks cancelled or expired unanswered in the window.
        abandoned_after_target: of those with an ``sla_target``, after it.
        expired: of the abandoned, those whose ttl ended.
        completed: tasks completed for good in the window.
        service_level: answered in target / (targeted + abandoned after target).
        asa: mean wait of the answered (seconds).
        abandonment: abandoned / (answered + abandoned).
        mean_agent_time: mean seconds from answer to the slot freeing (handling plus
            wrap-up) of the completed.
    """

    window: float
    answered: int
    answered_in_target: int
    targeted: int
    abandoned: int
    abandoned_after_target: int
    expired: int
    completed: int
    service_level: float | None
    asa: float | None
    abandonment: float | None
    mean_agent_time: float | None


@attrs.frozen
class WaitEstimate:
    """The expected wait of a task not yet submitted (:func:`expected_wait`).

    Attributes:
        seconds: the expected wait; 0 when an agent could take it at once;
            ``math.inf`` when no available agent could serve it; else ``None`` when
            no task of its channel completed in the horizon (no service rate yet).
        ahead: waiting tasks of its channel that it would wait behind (score at
            least its own).
        servers: agent slots on its channel of the available agents that could take
            it.
        service_rate: ``mu``, slots freed per second per slot (``None``: unknown).
        abandon_rate: ``theta``, abandonments per second waited.
    """

    seconds: float | None
    ahead: int
    servers: int
    service_rate: float | None
    abandon_rate: float


def expected_wait(ahead: int, servers: int, service_rate: float, abandon_rate: float) -> float:
    """The QL predictor with abandonment: ``sum_{j=0..ahead} 1 / (s mu + j theta)``.

    >>> expected_wait(0, 2, 0.5, 0.0)  # the next of two slots freeing at 1/2 s each
    1.0
    >>> round(expected_wait(1, 1, 1.0, 1.0), 3)  # 1/1 + 1/2
    1.5
    """
    total = 0.0
    base = servers * service_rate
    for j in range(ahead + 1):
        rate = base + j * abandon_rate
        if rate <= 0.0:
            return math.inf
        total += 1.0 / rate
    return total


class _Log:
    """One kind of record on one channel: the instants (``times``) and, per record,
    the running total of each field (``sums``, ``fields`` values a record). Entry 0
    holds the totals of the records trimmed away (at ``-inf``), so the records in a
    window and their sums are two binary searches and a subtraction. Both are
    ``array('d')``: 8 bytes a value, and nothing for the garbage collector to walk."""

    __slots__ = ("fields", "horizon", "running", "sums", "times", "trim_at")

    def __init__(self, fields: int, horizon: float) -> None:
        self.fields = fields
        self.horizon = horizon
        self.times = array("d", (-math.inf,))
        self.running = [0.0] * fields  # the totals so far
        self.sums = array("d", self.running)
        self.trim_at = TRIM_MIN

    def add(self, at: float) -> None:
        """Append a record at ``at`` whose values the caller added to ``running``."""
        times = self.times
        times.append(at)
        self.sums.extend(self.running)
        if len(times) > self.trim_at:
            self.trim(at - self.horizon)

    def trim(self, cutoff: float) -> None:
        """Drop the records before ``cutoff`` into entry 0 (amortised O(1))."""
        times = self.times
        start = bisect_left(times, cutoff, 1)
        if start > 1:
            del times[: start - 1]
            del self.sums[: (start - 1) * self.fields]
            times[0] = -math.inf
        self.trim_at = max(TRIM_MIN, 2 * len(times))

    def totals(self, since: float, until: float) -> tuple[int, tuple[float, ...]]:
        """How many records fall in ``(since, until]``, and the sum of each field."""
        times, sums, k = self.times, self.sums, self.fields
        lo = bisect_right(times, since, 1)
        hi = bisect_right(times, until, lo)
        first, last = (lo - 1) * k, (hi - 1) * k
        return hi - lo, tuple(sums[last + f] - sums[first + f] for f in range(k))


class ServiceLog:
    """The router's history of answers, abandonments and completions, per channel.

    Runtime complexity: O(1) amortised per record, O(log n) per question.
    """

    __slots__ = ("abandoned", "answered", "completed", "horizon")

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        # fields: wait, targeted, in target
        self.answered: dict[str, _Log] = {}
        # fields: wait, after target, expired
        self.abandoned: dict[str, _Log] = {}
        # fields: agent time
        self.completed: dict[str, _Log] = {}

    def answer(self, channel: str, wait: float, target: float | None, at: float) -> None:
        log = self.answered.get(channel)
        if log is None:
            log = self.answered[channel] = _Log(3, self.horizon)
        running = log.running
        running[0] += wait
        if target is not None:
            running[1] += 1.0
            if wait <= target:
                running[2] += 1.0
        log.add(at)

    def abandon(
        self, channel: str, wait: float, target: float | None, expired: bool, at: float
    ) -> None:
        log = self.abandoned.get(channel)
        if log is None:
            log = self.abandoned[channel] = _Log(3, self.horizon)
        running = log.running
        running[0] += wait
        if target is not None and wait > target:
            running[1] += 1.0
        if expired:
            running[2] += 1.0
        log.add(at)

    def complete(self, channel: str, agent_time: float, at: float) -> None:
        log = self.completed.get(channel)
        if log is None:
            log = self.completed[channel] = _Log(1, self.horizon)
        log.running[0] += agent_time
        log.add(at)

    def service(self, now: float, window: float, channel: str | None) -> ServiceStats:
        """:class:`ServiceStats` over ``(now - window, now]`` on ``channel`` (or all)."""
        since = now - window
        answered, (wait, targeted, in_target) = _totals(self.answered, channel, since, now, 3)
        abandoned, (_, after, expired) = _totals(self.abandoned, channel, since, now, 3)
        completed, (agent_time,) = _totals(self.completed, channel, since, now, 1)
        sl_base = targeted + after
        return ServiceStats(
            window=window,
            answered=answered,
            answered_in_target=round(in_target),
            targeted=round(targeted),
            abandoned=abandoned,
            abandoned_after_target=round(after),
            expired=round(expired),
            completed=completed,
            service_level=in_target / sl_base if sl_base else None,
            asa=wait / answered if answered else None,
            abandonment=abandoned / (answered + abandoned) if answered + abandoned else None,
            mean_agent_time=agent_time / completed if completed else None,
        )

    def rates(self, now: float, channel: str) -> tuple[float | None, float]:
        """``(mu, theta)`` on ``channel`` over the horizon ending at ``now``: slots freed
        per second per slot (``None`` if nothing completed) and abandonments per second
        waited."""
        since = now - self.horizon
        completed, (agent_time,) = _totals(self.completed, channel, since, now, 1)
        _, (wait, _, _) = _totals(self.answered, channel, since, now, 3)
        abandoned, (abandon_wait, _, _) = _totals(self.abandoned, channel, since, now, 3)
        mu = completed / agent_time if completed and agent_time > 0.0 else None
        exposure = wait + abandon_wait
        theta = abandoned / exposure if abandoned and exposure > 0.0 else 0.0
        return mu, theta


def _totals(
    logs: dict[str, _Log], channel: str | None, since: float, until: float, fields: int
) -> tuple[int, tuple[float, ...]]:
    """Records in ``(since, until]`` on ``channel`` (or all) and their field sums."""
    if channel is not None:
        log = logs.get(channel)
        return (0, (0.0,) * fields) if log is None else log.totals(since, until)
    count, sums = 0, (0.0,) * fields
    for log in logs.values():
        n, part = log.totals(since, until)
        count += n
        sums = tuple(a + b for a, b in zip(sums, part, strict=True))
    return count, sums
