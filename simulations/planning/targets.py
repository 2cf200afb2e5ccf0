"""Service targets for staffing: a small grammar, and their measurement on records.

Grammar (one target per ``--target``; spaces are ignored, case matters for names)::

    SCOPE:PCT/SECONDS               service level: at least PCT % answered within SECONDS
    sl:SCOPE>=PCT/SECONDS           the same, spelled out
    asa:SCOPE<=SECONDS[s]           average speed of answer at most SECONDS
    abandon:SCOPE<=PCT[%]           abandonment rate at most PCT %
    backoffice:[SCOPE>=]PCT[%]      back-office items done by their due date: at least PCT %

``SCOPE`` is a channel (``voice``), a contact type (``billing_chat``) or ``all``
(every live contact type; for ``backoffice``, every back-office type, the default).
A channel wins when a channel and a contact type share a name. ``PCT`` is always a
percentage, with or without ``%`` (``5`` and ``5%`` both mean 5 %). The keywords
``sl``, ``asa``, ``abandon`` and ``backoffice`` are read as keywords, never as scopes.

Examples: ``voice:80/20`` (80 % of calls answered within 20 s), ``chat:80/60``,
``asa:voice<=30``, ``abandon:voice<=5%``, ``backoffice:95%``,
``backoffice:billing_dispute>=90``.

Measurement follows :mod:`simulations.kpi.metrics` (contacts belong to the period they
arrived in; back-office items to the period they are due in). Service level is counted
by :func:`~simulations.kpi.metrics.answered_in_time`, the KPI's own rule, at the
target's threshold for every live contact in scope: a contact still **waiting when the
run ends** (after the model's drain) is a miss there as in the KPI once it has waited
longer than the threshold, and left out before. For abandonment and
ASA a target is stricter than the KPI: a still-waiting contact counts as abandoned, and
ASA is infinite when nobody was answered, so that removing every agent never looks
like meeting a target.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import attrs

from simulations.errors import InvalidArgumentError
from simulations.kpi.metrics import answered_in_time
from simulations.kpi.stats import Estimate
from simulations.records import ContactRecord, in_window
from simulations.scenario import Scenario

__all__ = [
    "KPI_LABELS",
    "Target",
    "default_targets",
    "measure",
    "parse_target",
]

SERVICE_LEVEL = "service_level"
ASA = "asa"
ABANDONMENT = "abandonment_rate"
BACKOFFICE = "backoffice_sla"
KPI_LABELS = {
    SERVICE_LEVEL: "service level",
    ASA: "ASA",
    ABANDONMENT: "abandonment",
    BACKOFFICE: "back-office on time",
}
ALL_SCOPE = "all"

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_SCOPE = r"([A-Za-z_][A-Za-z0-9_-]*)"
_SL = re.compile(rf"^(?:sl:)?{_SCOPE}(?::|>=){_NUMBER}%?/{_NUMBER}s?$")
_ASA = re.compile(rf"^asa:{_SCOPE}<={_NUMBER}s?$")
_ABANDON = re.compile(rf"^abandon:{_SCOPE}<={_NUMBER}%?$")
_BACKOFFICE = re.compile(rf"^backoffice:(?:{_SCOPE}>=)?{_NUMBER}%?$")
_KEYWORDS = frozenset({"sl", "asa", "abandon", "backoffice"})


@attrs.frozen
class Target:
    """One service goal.

    Attributes:
        kpi: ``service_level``, ``asa``, ``abandonment_rate`` or ``backoffice_sla``.
        scope: a channel, a contact type or ``all``.
        bound: the limit: a fraction (0-1) for rates, seconds for ASA.
        threshold: the answer-time T of a service level, in seconds; else ``None``.
        text: the target as written.
    """

    kpi: str
    scope: str
    bound: float
    threshold: float | None = None
    text: str = ""

    @property
    def higher_is_better(self) -> bool:
        """Service level and on-time share must reach the bound; ASA and abandonment
        must stay under it."""
        return self.kpi in (SERVICE_LEVEL, BACKOFFICE)

    @property
    def label(self) -> str:
        """Human-readable form, e.g. ``voice: service level ≥ 80% in 20 s``."""
        if self.kpi == ASA:
            return f"{self.scope}: ASA ≤ {self.bound:g} s"
        relation = "≥" if self.higher_is_better else "≤"
        text = f"{self.scope}: {KPI_LABELS[self.kpi]} {relation} {self.bound * 100:g}%"
        return text + (f" in {self.threshold:g} s" if self.threshold is not None else "")

    def passes(self, value: float) -> bool:
        """Whether a single value is on the right side of the bound."""
        return value >= self.bound if self.higher_is_better else value <= self.bound

    def met_by(self, est: Estimate | None) -> bool:
        """Whether an estimate over replications meets the target **by its CI**.

        Met when the CI lower bound reaches the bound (higher is better) or the upper
        bound stays under it (lower is better). An undefined KPI (no contacts in scope)
        is met vacuously. With a single defined replication there is no CI and the
        mean decides.
        """
        if est is None:
            return True
        if est.half_width is None:
            return self.passes(est.mean)
        edge = est.mean - est.half_width if self.higher_is_better else est.mean + est.half_width
        return self.passes(edge)

    def contact_types(self, scenario: Scenario) -> tuple[str, ...]:
        """Names of the contact types the target covers.

        Raises:
            ValueError: the scope names no channel or contact type, or covers no
                contact type of the right kind (live, or back office).
        """
        back_office = self.kpi == BACKOFFICE
        kinds = [ct for ct in scenario.contact_types if ct.is_back_office == back_office]
        if self.scope == ALL_SCOPE:
            chosen = kinds
        elif self.scope in scenario.channels:
            chosen = [ct for ct in kinds if ct.channel == self.scope]
        elif any(ct.name == self.scope for ct in scenario.contact_types):
            chosen = [ct for ct in kinds if ct.name == self.scope]
        else:
            channels = ", ".join(scenario.channels)
            types = ", ".join(ct.name for ct in scenario.contact_types)
            raise InvalidArgumentError(
                f"target {self.text!r}: {self.scope!r} is neither a channel ({channels}) "
                f"nor a contact type ({types})"
            )
        if not chosen:
            kind = "back-office" if back_office else "live"
            raise InvalidArgumentError(
                f"target {self.text!r}: {self.scope!r} has no {kind} contact types"
            )
        return tuple(ct.name for ct in chosen)


def _percent(raw: str, text: str) -> float:
    value = float(raw)
    if not 0.0 < value <= 100.0:
        raise InvalidArgumentError(f"target {text!r}: percentage {raw} must be in (0, 100]")
    return value / 100.0


def parse_target(text: str) -> Target:
    """Parse one target (see the module docstring for the grammar).

    >>> parse_target("voice:80/20")
    Target(kpi='service_level', scope='voice', bound=0.8, threshold=20.0, text='voice:80/20')
    >>> parse_target("abandon:voice<=5%").bound
    0.05

    Raises:
        ValueError: the text matches no form, or a number is out of range; the message
            repeats the text and lists the forms.
    """
    compact = "".join(text.split())
    if m := _ASA.match(compact):
        seconds = float(m[2])
        if seconds <= 0:
            raise InvalidArgumentError(f"target {text!r}: ASA bound must be > 0 seconds")
        return Target(ASA, m[1], seconds, text=text)
    if m := _ABANDON.match(compact):
        return Target(ABANDONMENT, m[1], _percent(m[2], text), text=text)
    if m := _BACKOFFICE.match(compact):
        return Target(BACKOFFICE, m[1] or ALL_SCOPE, _percent(m[2], text), text=text)
    m = _SL.match(compact)
    if m and m[1] not in _KEYWORDS:
        seconds = float(m[3])
        return Target(SERVICE_LEVEL, m[1], _percent(m[2], text), threshold=seconds, text=text)
    raise InvalidArgumentError(
        f"target {text!r} not understood; use SCOPE:PCT/SECONDS (voice:80/20), "
        "asa:SCOPE<=SECONDS, abandon:SCOPE<=PCT%, or backoffice:PCT%"
    )


def default_targets(scenario: Scenario) -> tuple[Target, ...]:
    """Targets from the scenario's ``[targets]`` table.

    Service level ``targets.service_level`` at each live contact type's ``sla_target``
    (one target per channel when its types share the same T, else one per type);
    abandonment at most ``targets.max_abandonment`` where customers can abandon; and
    back-office on time at least ``targets.on_time`` when there is back-office work.
    """
    goals = scenario.targets
    out: list[Target] = []
    live = [ct for ct in scenario.contact_types if not ct.is_back_office]
    for channel in scenario.channels:
        types = [ct for ct in live if ct.channel == channel]
        if not types:
            continue
        thresholds = {ct.sla_target for ct in types}
        scopes = [(channel, types)] if len(thresholds) == 1 else [(ct.name, [ct]) for ct in types]
        for scope, members in scopes:
            t = members[0].sla_target
            if t is not None:
                pct = goals.service_level * 100
                out.append(
                    Target(SERVICE_LEVEL, scope, goals.service_level, t, f"{scope}:{pct:g}/{t:g}")
                )
            if any(ct.patience is not None for ct in members):
                pct = goals.max_abandonment * 100
                out.append(
                    Target(
                        ABANDONMENT,
                        scope,
                        goals.max_abandonment,
                        None,
                        f"abandon:{scope}<={pct:g}%",
                    )
                )
    if any(ct.is_back_office for ct in scenario.contact_types):
        pct = goals.on_time * 100
        out.append(Target(BACKOFFICE, ALL_SCOPE, goals.on_time, None, f"backoffice:{pct:g}%"))
    return tuple(t for t in out if t.bound > 0)


def measure(
    target: Target,
    contacts: Iterable[ContactRecord],
    types: Sequence[str] | frozenset[str],
    period: tuple[float, float],
    ended_at: float | None = None,
) -> float | None:
    """The target's KPI over one replication's ``contacts`` in ``period``.

    Args:
        target: what to measure.
        contacts: the replication's contact records.
        types: contact types in scope (:meth:`Target.contact_types`).
        period: ``[start, end)``; live contacts by arrival, back office by due date.
        ended_at: when the run stopped (``SimulationSettings.ends_at``), for contacts
            still waiting then (see :func:`~simulations.kpi.metrics.answered_in_time`).

    Returns:
        The value (a fraction, or seconds for ASA), or ``None`` when no contact in
        scope falls in the period. See the module docstring for waiting contacts.

    Runtime complexity: O(C) for C contacts.
    """
    wanted = frozenset(types)
    scoped = [c for c in contacts if c.contact_type in wanted and not c.deflected]
    if target.kpi == BACKOFFICE:
        due = [c for c in scoped if c.due_at is not None and in_window(c.due_at, period)]
        if not due:
            return None
        return sum(c.on_time for c in due) / len(due)
    live = [c for c in scoped if c.due_at is None and in_window(c.arrived_at, period)]
    if not live:
        return None
    if target.kpi == ABANDONMENT:
        return sum(c.answered_at is None for c in live) / len(live)
    if target.kpi == ASA:
        waits = [c.answered_at - c.arrived_at for c in live if c.answered_at is not None]
        return math.fsum(waits) / len(waits) if waits else math.inf
    limit = target.threshold if target.threshold is not None else 0.0
    outcomes = [ok for c in live if (ok := answered_in_time(c, limit, ended_at)) is not None]
    return sum(outcomes) / len(outcomes) if outcomes else None
