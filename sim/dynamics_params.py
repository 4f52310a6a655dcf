"""Global rates of the drivers and costs of the decision model.

These are the model's free parameters: no source document gives a monthly rate of
alignment change, so every one is an assumption with its reason in
``sim/data/dynamics.toml``. They are the natural targets of calibration (issue 6) and
sensitivity analysis (issue 4), which is why they sit in one flat, named table.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sim.config_errors import ConfigError, validate_file
from sim.provenance import Sourced

DEFAULT_DYNAMICS = Path(__file__).parent / "data" / "dynamics.toml"

#: Allowed range of every parameter; the loader rejects values outside it.
RANGES: dict[str, tuple[float, float]] = {
    "threat_shared": (0.0, 2.0),
    "threat_direct": (0.0, 2.0),
    "threat_base_weight": (0.0, 1.0),
    "balance_rate": (0.0, 1.0),
    "sanctions_value": (0.0, 2.0),
    "sanctions_resentment": (0.0, 1.0),
    "sanctions_secondary": (0.0, 1.0),
    "interdependence_rate": (0.0, 1.0),
    "interdependence_reversion": (0.0, 1.0),
    "interdependence_step": (0.0, 0.5),
    "treaty_restoring": (0.0, 1.0),
    "treaty_institutional": (0.0, 0.2),
    "theatre_rate": (0.0, 1.0),
    "theatre_reversion": (0.0, 1.0),
    "theatre_escalation": (0.0, 1.0),
    "engagement_rate": (0.0, 1.0),
    "distrust_rate": (0.0, 1.0),
    "distrust_learning": (0.0, 1.0),
    "cross_pressure_rate": (0.0, 2.0),
    "domestic_rate": (0.0, 1.0),
    "reciprocity_rate": (0.0, 1.0),
    "erosion_rate": (0.0, 1.0),
    "erosion_enmity_share": (0.0, 1.0),
    "noise_sd": (0.0, 0.2),
    "trend_weight": (0.0, 50.0),
    "move_cost": (0.0, 2.0),
    "arms_cost": (0.0, 2.0),
    "sanction_cost": (0.0, 2.0),
    "cover_cost": (0.0, 2.0),
    "intervene_cost": (0.0, 2.0),
    "sanctions_endogenous_step": (0.0, 1.0),
    "sanctions_endogenous_decay": (0.0, 1.0),
}


class DynamicsFile(BaseModel):
    """The dynamics table: one `Sourced` value per parameter, each within `RANGES`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    params: dict[str, Sourced] = Field(description="parameter name -> sourced value")


def _check(spec: DynamicsFile) -> list[str]:
    problems = []
    for name in sorted(set(spec.params) - set(RANGES)):
        problems.append(f"params.{name}: unknown parameter; allowed: {', '.join(RANGES)}")
    for name in sorted(set(RANGES) - set(spec.params)):
        problems.append(f"params.{name}: required parameter is missing")
    for name, val in spec.params.items():
        if name in RANGES:
            lo, hi = RANGES[name]
            if not lo <= val.value <= hi:
                problems.append(f"params.{name}: bad value {val.value}: outside the allowed "
                                f"range [{lo}, {hi}]")
    return problems


def load_dynamics_file(path: Path = DEFAULT_DYNAMICS) -> DynamicsFile:
    return validate_file(Path(path), DynamicsFile, extra_checks=_check)


@cache
def default_dynamics_file() -> DynamicsFile:
    return load_dynamics_file(DEFAULT_DYNAMICS)


def dynamics_values(spec: DynamicsFile | None = None,
                    overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Plain name -> value table, with overrides checked against `RANGES`."""
    spec = spec or default_dynamics_file()
    values = {k: v.value for k, v in spec.params.items()}
    problems = []
    for name, val in (overrides or {}).items():
        if name not in RANGES:
            problems.append(f"{name}: unknown dynamics parameter; allowed: {', '.join(RANGES)}")
            continue
        lo, hi = RANGES[name]
        if not lo <= float(val) <= hi:
            problems.append(f"{name}: bad value {val}: outside the allowed range [{lo}, {hi}]")
        values[name] = float(val)
    if problems:
        raise ConfigError("dynamics overrides", problems)
    return values
