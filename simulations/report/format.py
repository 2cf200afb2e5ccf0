"""How numbers read: one formatter for every table, driven by the KPI's unit.

Every table of :mod:`simulations.report` (terminal and HTML) writes its numbers
through this module, so a KPI reads the same wherever it appears. The unit comes from
:data:`simulations.kpi.metrics.KPIS` (``rate``, ``seconds``, ``money``, ``count``).
Saved documents (``summary.json``, ``staffing.json``...) hold estimates as mappings;
:func:`estimate_of` reads them back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulations.kpi.metrics import KPIS, KpiInfo, Unit
from simulations.kpi.stats import Estimate

__all__ = ["estimate_of", "kpi_info", "scale"]


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
