"""Tiny scenarios for the planning tests (staffing, sweeps, cross-training, reports).

Built from mappings with ``parse_scenario``, so each test says exactly what it needs
and every simulation stays well under a second.
"""

from __future__ import annotations

from typing import Any

from simulations.scenario import Scenario, parse_scenario


def calls(
    name: str = "calls",
    *,
    skill: str = "general",
    channel: str = "voice",
    rate: float | list[float] = 120.0,
    handle: float = 180.0,
    patience: float | None = 300.0,
    sla: float = 20.0,
    **extra: Any,
) -> dict[str, Any]:
    """A live contact type with exponential handle time (and patience)."""
    arrivals: dict[str, Any] = (
        {"kind": "poisson", "rates": rate, "interval": 1800}
        if isinstance(rate, list)
        else {"kind": "poisson", "rate": rate}
    )
    spec: dict[str, Any] = {
        "name": name,
        "channel": channel,
        "skills": {skill: 1},
        "sla_target": sla,
        "arrivals": arrivals,
        "handle_time": {"kind": "exponential", "mean": handle},
    }
    if patience is not None:
        spec["patience"] = {"kind": "exponential", "mean": patience}
    spec.update(extra)
    return spec


def group(
    name: str = "team",
    count: int = 6,
    *,
    skills: dict[str, int] | None = None,
    capacity: dict[str, int] | None = None,
    cost: float = 20.0,
    **extra: Any,
) -> dict[str, Any]:
    """An agent group."""
    return {
        "name": name,
        "count": count,
        "skills": skills or {"general": 1},
        "capacity": capacity or {"voice": 1},
        "cost_per_hour": cost,
        **extra,
    }


def scenario(
    contact_types: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    *,
    horizon: float = 7200.0,
    warmup: float = 0.0,
    interval: float = 1800.0,
    replications: int = 2,
    channels: tuple[str, ...] = ("voice",),
    **extra: Any,
) -> Scenario:
    """A scenario: one call type and one team of 6 unless told otherwise."""
    mapping: dict[str, Any] = {
        "simulation": {
            "name": "tiny",
            "description": "planning test centre",
            "horizon": horizon,
            "warmup": warmup,
            "interval": interval,
            "replications": replications,
            "seed": 11,
            "policy": "fifo",
            "compare": ["fifo"],
        },
        "channels": {c: {"units": 1, "cost_per_contact": 1.0} for c in channels},
        "contact_types": contact_types or [calls()],
        "agent_groups": groups or [group()],
        **extra,
    }
    return parse_scenario(mapping, "tiny.toml")
