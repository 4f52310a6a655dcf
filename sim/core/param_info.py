"""What a global parameter is, declared where it is used: its allowed range, unit and
meaning. The dynamics table (``sim/data/dynamics.toml``) gives its value and the reason for
it; the parameter registry (`sim.inputs.registry`) reads these declarations. A module of its own
so that drivers can declare their rates without importing the tables that collect them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamInfo:
    low: float
    high: float
    unit: str
    meaning: str


MONTHS = "months"
LATENT = "latent units"
WEIGHT = "latent units per unit of input"
RATE = "share per month"
UTILITY = "utility"
