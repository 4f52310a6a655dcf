"""Global parameters of the dynamics: half-lives, driver weights, episode impulses, costs.

These are the model's free parameters: no source document gives a rate of alignment
change or a driver's weight, so every one is an assumption with its reason in
``sim/data/dynamics.toml``. They are the natural targets of calibration and sensitivity
analysis, which is why they sit in one flat, named table (decision record 0008).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.config_errors import validate_file
from sim.core.param_info import LATENT, MONTHS, RATE, UTILITY, ParamInfo
from sim.core.paths import DATA_DIR
from sim.core.provenance import Sourced
from sim.dynamics.drivers import DRIVERS
from sim.dynamics.episodes import EPISODE_CLASSES

DEFAULT_DYNAMICS = DATA_DIR / "dynamics.toml"

_MONTHS, _LATENT, _RATE, _UTILITY = MONTHS, LATENT, RATE, UTILITY

#: The dynamics parameters no driver reads (adjustment, memory, episodes, decisions, the
#: state's own updates); each driver declares its own rates (`sim.dynamics.drivers`).
_ENGINE_INFO: dict[str, ParamInfo] = {
    "adjustment_half_life": ParamInfo(
        0.5, 120.0, _MONTHS,
        "months for a relation to cover half the gap to its target"),
    "memory_half_life": ParamInfo(
        1.0, 600.0, _MONTHS,
        "months for the relation's memory to cover half the gap to its level"),
    "memory_weight": ParamInfo(
        0.0, 0.95, "share",
        "share of the target set by the relation's memory rather than the drivers"),
    "noise_sd": ParamInfo(
        0.0, 0.3, _LATENT,
        "standard deviation of a month's unmodelled shock to the latent level"),
    "interdependence_reversion": ParamInfo(
        0.0, 1.0, _RATE,
        "monthly reversion of interdependence to its structural level"),
    "interdependence_step": ParamInfo(
        0.0, 0.5, "share of the remaining room",
        "interdependence a month's deepening adds"),
    "treaty_maturity_half_life": ParamInfo(
        0.0, 240.0, _MONTHS,
        "months for a new treaty's institutional value to build up half way"),
    "treaty_reliability": ParamInfo(
        0.05, 0.95, "share",
        "share of crisis months a clause is expected to be kept (Leeds, Long & Mitchell 2000)"),
    "theatre_reversion": ParamInfo(
        0.0, 1.0, _RATE,
        "monthly calming of a theatre's intensity without new escalation"),
    "theatre_escalation": ParamInfo(
        0.0, 1.0, _RATE,
        "intensity an intervention adds a month, saturating"),
    "engagement_rate": ParamInfo(
        0.0, 1.0, _RATE,
        "monthly share by which engagement in a theatre follows a change of policy"),
    "distrust_learning": ParamInfo(
        0.0, 1.0, _RATE,
        "monthly share by which distrust moves on evidence of conduct"),
    **{f"episode_half_life_{c}": ParamInfo(
        0.5, 120.0, _MONTHS, f"months for a {c} episode's impulse to fade by half")
       for c in EPISODE_CLASSES},
    "repeat_share": ParamInfo(
        0.0, 1.0, "share",
        "share of a move's impulse that each further month of the same policy carries"),
    "impulse_deepen_self": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of deepening a relation on the mover's own view"),
    "impulse_deepen_partner": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of being courted on the partner's view of the mover"),
    "impulse_distance_self": ParamInfo(
        -2.0, 0.0, _LATENT,
        "impulse of distancing on the mover's own view"),
    "impulse_distance_partner": ParamInfo(
        -2.0, 0.0, _LATENT,
        "impulse of being kept at a distance on the partner's view"),
    "impulse_cover_partner": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of diplomatic cover on the covered partner's view"),
    "impulse_arms_partner": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of an arms delivery on the recipient's view"),
    "impulse_arms_self": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of an arms delivery on the supplier's view"),
    "impulse_arms_withheld": ParamInfo(
        -2.0, 0.0, _LATENT,
        "impulse of arms asked for in a war and not sent"),
    "impulse_sanction_partner": ParamInfo(
        -2.0, 0.0, _LATENT,
        "impulse of being sanctioned on the target's view"),
    "impulse_sanction_self": ParamInfo(
        -2.0, 0.0, _LATENT,
        "impulse of sanctioning on the sanctioner's own view"),
    "impulse_strike_target": ParamInfo(
        -3.0, 0.0, _LATENT,
        "impulse of a month of strikes on the struck side's view"),
    "impulse_strike_attacker": ParamInfo(
        -3.0, 0.0, _LATENT,
        "impulse of a month of strikes on the attacker's view"),
    "impulse_ceasefire": ParamInfo(
        0.0, 2.0, _LATENT,
        "default impulse of a ceasefire on both sides"),
    "impulse_deal": ParamInfo(0.0, 2.0, _LATENT, "default impulse of a deal on its parties"),
    "impulse_recrimination": ParamInfo(
        0.0, 10.0, _LATENT,
        "default size of a public recrimination, per unit of its amount"),
    "impulse_sanctions_imposed": ParamInfo(
        -3.0, 0.0, _LATENT,
        "impulse on the target of scheduled sanctions raised by one unit"),
    "impulse_treaty_signed": ParamInfo(
        0.0, 2.0, _LATENT,
        "impulse of a treaty's signing on its parties"),
    "impulse_treaty_verdict": ParamInfo(
        0.0, 10.0, _LATENT,
        "scale of a crisis verdict on a treaty partner's conduct"),
    "max_moves": ParamInfo(
        1.0, 30.0, "moves per month",
        "departures from 'maintain' an actor makes a month"),
    "switch_cost": ParamInfo(0.0, 5.0, _UTILITY, "cost of changing course from last month's move"),
    "gap_weight": ParamInfo(
        0.0, 50.0, "utility per latent unit",
        "pull of the gap between what interests sustain and where a relation stands"),
    "trend_weight": ParamInfo(
        0.0, 50.0, _MONTHS,
        "months ahead actors project the last month's trend"),
    "move_cost": ParamInfo(0.0, 2.0, _UTILITY, "cost of any active dyadic move"),
    "arms_cost": ParamInfo(0.0, 2.0, _UTILITY, "cost of transferring significant arms"),
    "sanction_cost": ParamInfo(0.0, 2.0, _UTILITY, "cost of imposing sanctions"),
    "cover_cost": ParamInfo(0.0, 2.0, _UTILITY, "cost of giving diplomatic cover"),
    "intervene_cost": ParamInfo(0.0, 2.0, _UTILITY, "cost of intervening in a theatre"),
    "capacity_floor": ParamInfo(
        0.0, 1.0, "share of the largest capacity",
        "arms or sanctions capacity below which the move is off an actor's menu"),
    "hedge_gap_share": ParamInfo(
        0.0, 1.0, "share of the gap's pull",
        "how much of a distancing's answer to the gap a hedge carries"),
    "arms_cross_pressure": ParamInfo(
        0.0, 10.0, "multiple of a deepening's",
        "how many times a deepening's cross-pressure an arms transfer draws"),
    "restraint_stance_cost": ParamInfo(
        0.0, 5.0, "utility per unit of salience and stance",
        "what calling for restraint in a theatre costs a partisan actor"),
    "restraint_move_share": ParamInfo(
        0.0, 1.0, "share of move_cost",
        "the share of a move's cost a call for restraint pays"),
    "intervene_gain": ParamInfo(
        0.0, 10.0, "utility per unit of salience, stance and power",
        "what intervening in a theatre is worth to a partisan, powerful actor"),
    "sanctions_endogenous_step": ParamInfo(
        0.0, 1.0, "share of the remaining room",
        "sanctions a month's sanctioning action adds"),
    "sanctions_endogenous_decay": ParamInfo(
        0.0, 1.0, _RATE,
        "monthly lapse of sanctions imposed by action"),
}

#: Every dynamics parameter, declared once: the engine's here, the drivers' in their own
#: modules. `RANGES` and the parameter registry (`sim.inputs.registry`) read this table, and the
#: dynamics table must give a value for each.
DYNAMICS_INFO: dict[str, ParamInfo] = {
    **_ENGINE_INFO, **{name: info for d in DRIVERS for name, info in d.rates.items()}}

#: Allowed range of every parameter; the loader rejects values outside it.
RANGES: dict[str, tuple[float, float]] = {k: (v.low, v.high) for k, v in DYNAMICS_INFO.items()}


class DynamicsValue(Sourced):
    """A parameter's value with its evidence and, when known, how far it could be off.

    ``plausible`` is a statement of uncertainty, not an allowed range: `sim calibrate`
    writes its interval here, and the cone of futures samples it. Without it, the spread
    follows the confidence of the evidence (`plausible_ranges`)."""

    plausible: tuple[float, float] | None = Field(
        default=None, description="[low, high]: the values the parameter could plausibly "
                                  "take, containing the value")

    @model_validator(mode="after")
    def _contains_value(self) -> DynamicsValue:
        if self.plausible is not None:
            lo, hi = self.plausible
            if not lo <= self.value <= hi:
                raise ValueError(f"plausible range [{lo}, {hi}] must contain the value "
                                 f"{self.value}")
        return self


class DynamicsFile(BaseModel):
    """The dynamics table: one `DynamicsValue` per parameter, each within `RANGES`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    params: dict[str, DynamicsValue] = Field(description="parameter name -> sourced value")


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
            if val.plausible is not None and not (lo <= val.plausible[0]
                                                  and val.plausible[1] <= hi):
                problems.append(f"params.{name}.plausible: bad value {list(val.plausible)}: "
                                f"outside the allowed range [{lo}, {hi}]")
    return problems


def load_dynamics_file(path: Path = DEFAULT_DYNAMICS) -> DynamicsFile:
    return validate_file(Path(path), DynamicsFile, extra_checks=_check)


@cache
def default_dynamics_file() -> DynamicsFile:
    return load_dynamics_file(DEFAULT_DYNAMICS)


#: How far a parameter without a stated plausible range could be off, by the confidence of
#: its evidence: a factor f, the range [v / f, v × f] (assumption: a low-confidence rate
#: could be half as large again or a third smaller; a well-evidenced one is fixed).
CONFIDENCE_SPREAD: dict[str, float] = {"low": 1.5, "medium": 1.25, "high": 1.0}

#: Parameters that are not estimates and are never sampled as uncertain, with why.
FIXED_BY_DESIGN: dict[str, str] = {
    "standing_weight": "an identity of the design, not an estimate: at 1 the documented "
                       "start is the rest point of the drivers (decision record 0008)",
    "max_moves": "a count of deliberate moves a month, the design's cap, not a rate",
}


def spread_range(name: str, value: float, confidence: str) -> tuple[float, float]:
    """The confidence-based plausible range of ``value``, inside the allowed range."""
    factor = 1.0 if name in FIXED_BY_DESIGN else CONFIDENCE_SPREAD[confidence]
    a, b = sorted((value / factor, value * factor))
    lo, hi = RANGES[name]
    return max(a, lo), min(b, hi)


def plausible_ranges(spec: DynamicsFile | None = None,
                     values: dict[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Each parameter's plausible range: the table's stated one, or the spread its
    confidence gives (`CONFIDENCE_SPREAD`), around ``values`` (default: the table's own).
    A value set elsewhere (a scenario's override, a sweep point) outside the stated range
    gets the confidence spread around itself: the statement was about another value."""
    spec = spec or default_dynamics_file()
    out = {}
    for name, entry in spec.params.items():
        v = entry.value if values is None else float(values[name])
        stated = entry.plausible
        if name in FIXED_BY_DESIGN:
            out[name] = (v, v)
        elif stated is not None and stated[0] <= v <= stated[1]:
            out[name] = (float(stated[0]), float(stated[1]))
        else:
            out[name] = spread_range(name, v, entry.confidence)
    return out


def dynamics_values(spec: DynamicsFile | None = None) -> dict[str, float]:
    """Plain name -> value table of a dynamics file (default: the built-in one). Changes
    to it are registry values (``dynamics.NAME``), checked by `sim.inputs.registry`."""
    spec = spec or default_dynamics_file()
    return {k: v.value for k, v in spec.params.items()}
