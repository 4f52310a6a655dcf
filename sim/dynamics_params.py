"""Global parameters of the dynamics: half-lives, driver weights, episode impulses, costs.

These are the model's free parameters: no source document gives a rate of alignment
change or a driver's weight, so every one is an assumption with its reason in
``sim/data/dynamics.toml``. They are the natural targets of calibration and sensitivity
analysis, which is why they sit in one flat, named table (decision record 0008).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sim.config_errors import ConfigError, validate_file
from sim.episodes import EPISODE_CLASSES
from sim.provenance import Sourced

DEFAULT_DYNAMICS = Path(__file__).parent / "data" / "dynamics.toml"

#: Allowed range of every parameter; the loader rejects values outside it.
RANGES: dict[str, tuple[float, float]] = {
    "adjustment_half_life": (0.5, 120.0),
    "memory_half_life": (1.0, 600.0),
    "memory_weight": (0.0, 0.95),
    "standing_weight": (0.0, 1.0),
    "noise_sd": (0.0, 0.3),
    "threat_shared": (0.0, 5.0),
    "threat_direct": (0.0, 5.0),
    "threat_base_weight": (0.0, 1.0),
    "balance_weight": (0.0, 5.0),
    "sanctions_value": (0.0, 5.0),
    "sanctions_resentment": (0.0, 5.0),
    "sanctions_secondary": (0.0, 5.0),
    "interdependence_weight": (0.0, 5.0),
    "interdependence_reversion": (0.0, 1.0),
    "interdependence_step": (0.0, 0.5),
    "treaty_weight": (0.0, 5.0),
    "treaty_maturity_half_life": (0.0, 240.0),
    "defence_weight": (0.0, 5.0),
    "defence_deterrence": (0.0, 1.0),
    "defence_third": (0.0, 5.0),
    "treaty_reliability": (0.05, 0.95),
    "theatre_weight": (0.0, 5.0),
    "theatre_reversion": (0.0, 1.0),
    "theatre_escalation": (0.0, 1.0),
    "engagement_rate": (0.0, 1.0),
    "distrust_weight": (0.0, 5.0),
    "distrust_learning": (0.0, 1.0),
    "cross_pressure_weight": (0.0, 5.0),
    "domestic_weight": (0.0, 5.0),
    "reciprocity_weight": (0.0, 5.0),
    **{f"episode_half_life_{c}": (0.5, 120.0) for c in EPISODE_CLASSES},
    "repeat_share": (0.0, 1.0),
    "impulse_deepen_self": (0.0, 2.0),
    "impulse_deepen_partner": (0.0, 2.0),
    "impulse_distance_self": (-2.0, 0.0),
    "impulse_distance_partner": (-2.0, 0.0),
    "impulse_cover_partner": (0.0, 2.0),
    "impulse_arms_partner": (0.0, 2.0),
    "impulse_arms_self": (0.0, 2.0),
    "impulse_arms_withheld": (-2.0, 0.0),
    "impulse_sanction_partner": (-2.0, 0.0),
    "impulse_sanction_self": (-2.0, 0.0),
    "impulse_strike_target": (-3.0, 0.0),
    "impulse_strike_attacker": (-3.0, 0.0),
    "impulse_ceasefire": (0.0, 2.0),
    "impulse_deal": (0.0, 2.0),
    "impulse_recrimination": (0.0, 10.0),
    "impulse_sanctions_imposed": (-3.0, 0.0),
    "impulse_treaty_signed": (0.0, 2.0),
    "impulse_treaty_verdict": (0.0, 10.0),
    "max_moves": (1.0, 30.0),
    "switch_cost": (0.0, 5.0),
    "gap_weight": (0.0, 50.0),
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
