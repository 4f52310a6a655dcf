"""Experiments: which scenarios, which parameters vary over what, by which design.

An experiment file in ``experiments/`` is validated like a scenario (every problem at once,
file, field, value, what is allowed). Its design is sampled with SciPy's QMC module (Latin
hypercube) or SALib (Sobol/Saltelli, Morris), never a hand-written sampler, and from the
experiment's seed, so the same file always gives the same points.

Parameter names say what they set:

- ``dynamics.NAME``: a rate of ``sim/data/dynamics.toml`` (e.g. ``dynamics.sanctions_value``);
- ``actor.ID.PARAM``: an actor parameter (e.g. ``actor.IRN.sanctions_exposure``);
- ``domestic_balance.ID``: an actor's hardline weight at the start;
- ``dyad.SRC.TGT.FIELD``: a relation's initial value (alignment, distrust, threat,
  interdependence, asks), e.g. ``dyad.IRN.RUS.distrust``;
- ``dummy.NAME``: sampled but used by nothing: the control that sensitivity indices of a
  parameter without effect come out near zero.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.stats import qmc

from sim.config_errors import ConfigError, validate_file
from sim.dynamics_params import RANGES
from sim.roster import DYAD_FIELDS, ActorParams
from sim.scenario import load_scenario, resolve_scenario_path
from sim.settings import REPO_ROOT
from sim.world import Rates, World

EXPERIMENTS_DIR = REPO_ROOT / "experiments"

_ACTOR_RANGES = {"rationality": (0.0, 50.0)}
_DYAD_RANGES = {"alignment": (-1.0, 1.0)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One varied input: a continuous range (low, high) or a list of values (grid only)."""

    name: str = Field(pattern=r"^(dynamics|actor|domestic_balance|dyad|dummy)\.[A-Za-z0-9_.]+$")
    low: float | None = None
    high: float | None = None
    values: list[float] | None = Field(default=None, min_length=1)
    levels: int = Field(default=3, ge=2, le=50, description="grid levels over a range")

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        ranged = self.low is not None or self.high is not None
        if ranged and self.values is not None:
            raise ValueError("give either low and high, or values, not both")
        if ranged and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if not ranged and self.values is None:
            raise ValueError("give low and high (a range) or values (a list)")
        if ranged and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self

    def bounds(self) -> tuple[float, float]:
        if self.values is not None:
            return min(self.values), max(self.values)
        return float(self.low), float(self.high)  # type: ignore[arg-type]


class Design(_Strict):
    kind: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int = Field(default=16, ge=1, le=100_000, description=(
        "lhs: points; sobol: base sample N (points = N(D+2), or N(2D+2) with second order; "
        "a power of 2); morris: trajectories (points = samples(D+1))"))
    levels: int = Field(default=4, ge=2, le=100, description="morris grid levels")
    second_order: bool = False


class Outputs(_Strict):
    times: list[Annotated[int, Field(ge=0)]] = Field(default=[12, 60, 120], min_length=1)
    trajectories: Literal["none", "chosen", "all"] = "chosen"
    dyads: list[Annotated[str, Field(pattern=r"^[A-Z]{2,3}:[A-Z]{2,3}$")]] = ["RUS:IRN",
                                                                               "IRN:RUS"]


class Experiment(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    description: str = ""
    scenarios: list[str] = Field(min_length=1)
    seed: int = Field(ge=0, le=2**62)
    replicates: int = Field(default=8, ge=1, le=100_000)
    months: int | None = Field(default=None, ge=1, le=600,
                               description="stop each run after this many months")
    common_random_numbers: bool = Field(
        default=True, description="replicate k has the same seed at every point and scenario")
    design: Design = Design()
    parameters: list[Parameter] = []
    outputs: Outputs = Outputs()


def scenario_path(name: str, experiment_file: Path) -> Path:
    """A scenario an experiment names: by name in ``scenarios/``, or a ``.toml`` path taken
    from the experiment file's folder (the same file for validation, the run and the
    manifest, wherever the command is run from)."""
    return resolve_scenario_path(name, Path(experiment_file).parent)


def _target_problems(exp: Experiment, experiment_file: Path) -> list[str]:
    """Every parameter must name something that exists, within its allowed range."""
    problems = []
    ids: set[str] = set()
    for n, name in enumerate(exp.scenarios):
        try:
            sc = load_scenario(scenario_path(name, experiment_file))
        except ConfigError as exc:
            problems.append(f"scenarios[{n}]: bad value {name!r}: {exc.problems[0]}")
            continue
        from sim.roster import load_roster_file
        ids |= {a.id for a in load_roster_file(sc.roster_path()).actors}
        ids |= {a.id for a in sc.add_actors}
    seen = set()
    for n, p in enumerate(exp.parameters):
        where = f"parameters[{n}].name"
        if p.name in seen:
            problems.append(f"{where}: {p.name!r} is varied twice")
        seen.add(p.name)
        parts = p.name.split(".")
        kind = parts[0]
        lo, hi = p.bounds()
        allowed: tuple[float, float] | None = None
        if kind == "dynamics":
            if len(parts) != 2 or parts[1] not in RANGES:
                problems.append(f"{where}: unknown dynamics parameter {p.name!r}; allowed: "
                                + ", ".join(f"dynamics.{k}" for k in RANGES))
                continue
            allowed = RANGES[parts[1]]
        elif kind == "actor":
            if len(parts) != 3 or parts[2] not in ActorParams.model_fields:
                problems.append(f"{where}: write actor.ID.PARAM with PARAM one of "
                                + ", ".join(ActorParams.model_fields))
                continue
            if ids and parts[1] not in ids:
                problems.append(f"{where}: unknown actor {parts[1]!r}; allowed: "
                                + ", ".join(sorted(ids)))
            allowed = _ACTOR_RANGES.get(parts[2], (0.0, 1.0))
        elif kind == "domestic_balance":
            if len(parts) != 2 or (ids and parts[1] not in ids):
                problems.append(f"{where}: write domestic_balance.ID with a known actor id")
                continue
            allowed = (0.0, 1.0)
        elif kind == "dyad":
            if len(parts) != 4 or parts[3] not in DYAD_FIELDS:
                problems.append(f"{where}: write dyad.SRC.TGT.FIELD with FIELD one of "
                                + ", ".join(DYAD_FIELDS))
                continue
            for actor in parts[1:3]:
                if ids and actor not in ids:
                    problems.append(f"{where}: unknown actor {actor!r}")
            allowed = _DYAD_RANGES.get(parts[3], (0.0, 1.0))
        if allowed and not (allowed[0] <= lo and hi <= allowed[1]):
            problems.append(f"parameters[{n}]: bad range [{lo}, {hi}] for {p.name}: allowed "
                            f"[{allowed[0]}, {allowed[1]}]")
    d = exp.design
    if d.kind in ("lhs", "sobol", "morris"):
        for n, p in enumerate(exp.parameters):
            if p.values is not None:
                problems.append(f"parameters[{n}]: the {d.kind} design needs a range "
                                "(low, high), not values")
        if not exp.parameters:
            problems.append(f"design.kind: {d.kind!r} needs at least one parameter")
    if d.kind == "sobol" and d.samples & (d.samples - 1):
        problems.append(f"design.samples: bad value {d.samples}: the Sobol (Saltelli) design "
                        "needs a power of 2")
    for n, dyad in enumerate(exp.outputs.dyads):
        for actor in dyad.split(":"):
            if ids and actor not in ids:
                problems.append(f"outputs.dyads[{n}]: unknown actor {actor!r}")
    return problems


def experiment_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.is_file():
        return p
    return EXPERIMENTS_DIR / f"{name_or_path}.toml"


def load_experiment(name_or_path: str | Path) -> Experiment:
    path = experiment_path(name_or_path)
    if not path.exists():
        known = sorted(q.stem for q in EXPERIMENTS_DIR.glob("*.toml"))
        raise ConfigError(path, [f"no such experiment; known: {', '.join(known)}"])
    return validate_file(path, Experiment,
                         extra_checks=lambda exp: _target_problems(exp, path))


def salib_problem(exp: Experiment) -> dict:
    return {"num_vars": len(exp.parameters), "names": [p.name for p in exp.parameters],
            "bounds": [list(p.bounds()) for p in exp.parameters]}


def design_points(exp: Experiment) -> np.ndarray:
    """The parameter points, shape (P, D); one empty point when nothing varies."""
    params, d = exp.parameters, exp.design
    if not params:
        return np.zeros((1, 0))
    if d.kind == "grid":
        axes = [p.values if p.values is not None else list(np.linspace(p.low, p.high, p.levels))
                for p in params]
        return np.array(list(itertools.product(*axes)), dtype=float)
    if d.kind == "lhs":
        unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(exp.seed)).random(
            d.samples)
        lo, hi = np.array([p.bounds() for p in params]).T
        return qmc.scale(unit, lo, hi)
    if d.kind == "sobol":
        from SALib.sample import sobol
        return sobol.sample(salib_problem(exp), d.samples, calc_second_order=d.second_order,
                            seed=exp.seed)
    from SALib.sample import morris
    return morris.sample(salib_problem(exp), d.samples, num_levels=d.levels, seed=exp.seed)


def apply_point(world: World, names: list[str], values: np.ndarray) -> World:
    """The world with one design point's values set (a copy: the input is not changed).

    The standing residual is fixed again under the point's values, on the world that fixes
    it (decision record 0008): it is what the drivers leave unexplained under these values.
    """
    from sim.equilibrium import with_standing

    root = world.standing_world
    return with_standing(_with_point(world, names, values),
                         None if root is None else _with_point(root, names, values))


def _with_point(world: World, names: list[str], values: np.ndarray) -> World:
    ro = world.roster
    roster = dataclasses.replace(ro, **{
        f.name: getattr(ro, f.name).copy() for f in dataclasses.fields(ro)
        if isinstance(getattr(ro, f.name), np.ndarray)})
    rates = dict(world.p)
    align = world.initial_alignment.copy()
    balance = world.initial_balance.copy()
    for name, value in zip(names, values, strict=True):
        parts = name.split(".")
        kind = parts[0]
        if kind == "dynamics":
            rates[parts[1]] = float(value)
        elif kind == "actor" and parts[1] in roster.ids:
            getattr(roster, parts[2])[roster.index(parts[1])] = value
        elif kind == "domestic_balance" and parts[1] in roster.ids:
            balance[roster.index(parts[1])] = value
        elif kind == "dyad" and parts[1] in roster.ids and parts[2] in roster.ids:
            i, j = roster.index(parts[1]), roster.index(parts[2])
            if parts[3] == "alignment":
                align[i, j] = value
            else:
                getattr(roster, parts[3])[i, j] = value
    return dataclasses.replace(world, roster=roster, p=Rates(rates), initial_alignment=align,
                               initial_balance=balance)
