"""How numbers read: one formatter for every table, driven by the KPI's unit.

Every table of :mod:`simulations.report` (terminal and HTML) writes its numbers
through this module, so a KPI reads the same wherever it appears. The unit comes from
:data:`simulations.kpi.metrics.KPIS`:

========  ==============  ==================  =====================
unit      value           mean ± CI           paired difference
========  ==============  ==================  =====================
rate      ``88.9%``       ``88.9% ± 4.1``     ``+0.9 pp ± 1.0``
seconds   ``14.5 s``      ``14.5 s ± 7.9``    ``+66.3 s ± 14.1``
money     ``16.92``       ``16.92 ± 0.08``    ``-0.04 ± 0.03``
count     ``2,875.3``     ``2,875.3 ± 84.4``  ``-14.0 ± 16.5``
========  ==============  ==================  =====================

The unit is written once, after the mean. Undefined is ``–``, an infinite mean ``∞``,
and a mean over one replication (no CI) reads ``88.9% (n=1)``. Saved documents
(``summary.json``, ``staffing.json``...) hold estimates as mappings; :func:`estimate_of`
reads them back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulations.kpi.metrics import KPIS, KpiInfo, Unit
from simulations.kpi.stats import Estimate

__all__ = ["UNDEFINED", "estimate_of", "estimate_text", "kpi_info", "number", "scale"]

UNDEFINED = "–"
"""The text of a value that is not defined (no contacts, no replication)."""


def kpi_info(kpi: str) -> KpiInfo:
    """The catalogue entry of ``kpi``; an unknown name reads as a count labelled by it."""
    return KPIS.get(kpi, KpiInfo(kpi, kpi, "count", 0))


def scale(unit: Unit) -> float:
    """Factor from the stored value to the shown one: rates show as percentages."""
    return 100.0 if unit == "rate" else 1.0


def estimate_of(value: Estimate | Mapping[str, Any] | None) -> Estimate | None:
    """An :class:`Estimate`, from itself or from its ``as_dict`` mapping.

    ``None`` (and a mapping whose mean is ``null``) is undefined; a mapping flagged
    ``"infinite"`` (a staffing ASA with nobody answered) has an infinite mean.
    """
    if value is None or isinstance(value, Estimate):
        return value
    if value.get("infinite"):
        return Estimate(math.inf, None, int(value.get("n") or 0))
    if value.get("mean") is None:
        return None
    hw = value.get("half_width")
    return Estimate(float(value["mean"]), None if hw is None else float(hw), int(value["n"]))


def _digits(value: float, unit: Unit, sign: str = "", decimals: int | None = None) -> str:
    places = (2 if unit == "money" else 1) if decimals is None else decimals
    return f"{value * scale(unit):{sign},.{places}f}"


def number(
    value: float | None, unit: Unit, *, difference: bool = False, decimals: int | None = None
) -> str:
    """One value with its unit: ``88.9%``, ``14.5 s``, ``16.92``, ``2,875.3``.

    A ``difference`` is signed and a rate's unit is percentage points (``+0.9 pp``).
    ``decimals`` overrides the unit's places (whole-plan totals read ``11,008``).

    >>> number(0.889, "rate"), number(0.009, "rate", difference=True), number(14.5, "seconds")
    ('88.9%', '+0.9 pp', '14.5 s')
    """
    if value is None or math.isnan(value):
        return UNDEFINED
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    suffix = {"rate": " pp" if difference else "%", "seconds": " s"}.get(unit, "")
    return _digits(value, unit, "+" if difference else "", decimals) + suffix


def estimate_text(
    est: Estimate | Mapping[str, Any] | None, kpi: str, *, difference: bool = False
) -> str:
    """``mean ± half-width`` of an estimate of ``kpi`` (see the module docstring).

    >>> estimate_text(Estimate(0.889, 0.041, 3), "service_level")
    '88.9% ± 4.1'
    >>> estimate_text(Estimate(14.5, None, 1), "asa")
    '14.5 s (n=1)'
    """
    e = estimate_of(est)
    if e is None:
        return UNDEFINED
    unit = kpi_info(kpi).unit
    text = number(e.mean, unit, difference=difference)
    if math.isinf(e.mean):
        return text
    if e.half_width is None:
        return f"{text} (n={e.n})"
    return f"{text} ± {_digits(e.half_width, unit)}"
