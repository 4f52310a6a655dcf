"""Experiments: which scenarios, which parameters vary over what, by which design.

An experiment file in ``experiments/`` is validated like a scenario (every problem at once,
file, field, value, what is allowed). Its design is sampled with SciPy's QMC module (Latin
hypercube) or SALib (Sobol/Saltelli, Morris), never a hand-written sampler, and from the
experiment's seed, so the same file always gives the same points.

Parameters are named by the addresses of the parameter registry (`sim.inputs.registry`, listed by
``sim params``): ``dynamics.NAME``, ``actor.ID.PARAM``, ``domestic_balance.ID``,
``dyad.SRC.TGT.FIELD``, ``event.ID.FIELD`` and ``dummy.NAME`` (sampled but used by
nothing: the control that sensitivity indices of a parameter without effect come out near
zero). A parameter must be settable in every scenario the experiment runs, within the
range the registry allows; `apply_point` sets a design point's values through the
registry, as every other caller does.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.config_errors import ConfigError, validate_file
from sim.core.settings import REPO_ROOT
from sim.dynamics.world import World
from sim.inputs.scenario import load_scenario, resolve_scenario_path

EXPERIMENTS_DIR = REPO_ROOT / "experiments"



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One varied input: a continuous range (low, high) or a list of values (grid only)."""

    name: str = Field(
        pattern=r"^(dynamics|actor|domestic_balance|dyad|event|dummy)\.[A-Za-z0-9_.]+$",
        description="an address of the parameter registry (sim.inputs.registry)")
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
    kind: Literal["grid", "lhs", "sobol", "morris", "file"] = "grid"
    file: str | None = Field(default=None, description=(
        "file: a CSV or Parquet table of points, one column per parameter (its registry "
        "address) and one row per point, relative to the experiment file; a design made by "
        "EMA Workbench, SALib or a PRIM box"))
    samples: int = Field(default=16, ge=1, le=100_000, description=(
        "lhs: points; sobol: base sample N (points = N(D+2), or N(2D+2) with second order; "
        "a power of 2); morris: trajectories (points = samples(D+1))"))
    levels: int = Field(default=4, ge=2, le=100, description="morris grid levels")
    second_order: bool = False

    @model_validator(mode="after")
    def _file_only_for_files(self) -> Design:
        if self.kind == "file" and not self.file:
            raise ValueError("design.kind 'file' needs design.file (a CSV or Parquet table)")
        if self.kind != "file" and self.file is not None:
            raise ValueError(f"design.file is read only with kind = \"file\", not "
                             f"{self.kind!r}")
        return self


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
    from sim.inputs import registry

    problems = []
    scopes: list[registry.Scope] = []
    first: dict[str, int] = {}
    for n, name in enumerate(exp.scenarios):
        if name in first:  # its runs would be written twice under one name
            problems.append(f"scenarios[{n}]: bad value {name!r}: named twice (also "
                            f"scenarios[{first[name]}]); name each scenario once")
            continue
        first[name] = n
        try:
            sc = load_scenario(scenario_path(name, experiment_file))
        except ConfigError as exc:
            shown = exc.problems[:MAX_LISTED]
            more = len(exc.problems) - len(shown)
            problems += [f"scenarios[{n}]: {name!r}: {p}" for p in shown]
            if more:
                problems.append(f"scenarios[{n}]: {name!r}: and {more} more problem(s); "
                                f"`sim validate {name}` lists them all")
            continue
        scopes.append(registry.Scope.of_scenario(sc))
    # a parameter must be settable in every scenario the experiment runs
    reported: set[str] = set()
    for scope in scopes:
        items = [(f"parameters[{n}]", p.name, *p.bounds()) for n, p in enumerate(exp.parameters)]
        for found in registry.problems(items, scope):
            text = found if len(scopes) == 1 else f"{found} (scenario {scope.name!r})"
            if found not in reported:
                reported.add(found)
                problems.append(text)
    ids = set().union(*(s.actors for s in scopes)) if scopes else set()
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
    return problems + size_problems(exp)


#: Problems of one scenario an experiment lists before pointing to `sim validate`.
MAX_LISTED = 10
#: Cost of one replicate-month of 16 actors on the batched path, for the time estimate
#: (benchmarks/RESULTS.md: 54 to 80 microseconds on a 2-core machine).
SECONDS_PER_REPLICATE_MONTH = 8e-5
#: Months a run lasts when the experiment does not say (the scenarios' usual horizon).
TYPICAL_MONTHS = 120


def design_size(exp: Experiment) -> tuple[int, int]:
    """(points, runs) of an experiment, counted without making its design: what
    `design_points` would return, times scenarios and replicates for the runs."""
    params, d = exp.parameters, exp.design
    n = len(params)
    if not params:
        points = 1
    elif d.kind == "grid":
        points = math.prod(len(p.values) if p.values is not None else p.levels
                           for p in params)
    elif d.kind == "lhs":
        points = d.samples
    elif d.kind == "sobol":
        points = d.samples * ((2 * n + 2) if d.second_order else (n + 2))
    elif d.kind == "morris":
        points = d.samples * (n + 1)
    else:  # a file: its rows, bounded when it was read
        points = len(design_points(exp))
    return points, points * len(exp.scenarios) * exp.replicates


def size_problems(exp: Experiment) -> list[str]:
    """A design beyond the configured limits, refused with its numbers before anything is
    made: a grid of six parameters at 50 levels is 1.6e10 points, and a Sobol design of
    65,536 samples over 500 parameters asks for 245 GiB."""
    from sim.core.settings import get_settings

    s = get_settings()
    points, runs = design_size(exp)
    if points <= s.max_design_points and runs <= s.max_sweep_runs:
        return []
    months = exp.months or TYPICAL_MONTHS
    # exact decimals: a grid of a thousand parameters has more points than a float holds
    memory = Decimal(points) * max(1, len(exp.parameters)) * 8
    hours = Decimal(runs) * months * Decimal(str(SECONDS_PER_REPLICATE_MONTH)) / 3600
    return [f"design: {_count(points)} points x {len(exp.scenarios)} scenario(s) x "
            f"{exp.replicates} replicates = {_count(runs)} runs; the design alone takes "
            f"about {_bytes(memory)} and the runs about {_count(hours)} core-hours; allowed: "
            f"at most {s.max_design_points:,} points and {s.max_sweep_runs:,} runs "
            "(SIM_MAX_DESIGN_POINTS, SIM_MAX_SWEEP_RUNS)"]


def _count(n: int | Decimal) -> str:
    """A count in full up to 10^15, beyond in powers of ten (1.2e+40)."""
    return f"{n:,.0f}" if n < 10**15 else f"{Decimal(n):.2e}"


def _bytes(n: Decimal) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{_count(n)} {unit}" if unit == "bytes" or n >= 10**15 else \
                f"{n:,.1f} {unit}"
        n /= 1024
    return f"{_count(n)} PiB"


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
    exp = validate_file(path, Experiment)
    if exp.design.kind == "file":
        exp = _with_design_file(exp, path)
    problems = _target_problems(exp, path)
    if problems:
        raise ConfigError(path, problems)
    return exp


#: Largest design file read (bytes) and most points taken from it.
MAX_DESIGN_BYTES = 256 * 2**20
MAX_DESIGN_POINTS = 1_000_000


def read_design_table(file: Path) -> pd.DataFrame:
    """A design file as a table, or ConfigError naming the file and what is wrong. Read
    only if it is a regular file within `MAX_DESIGN_BYTES`; a CSV may start with a
    byte-order mark (spreadsheets write one)."""
    where = "design.file"
    if not file.is_file():
        raise ConfigError(file, [f"{where}: bad value {str(file)!r}: not a regular file"])
    if file.stat().st_size > MAX_DESIGN_BYTES:
        raise ConfigError(file, [f"{where}: the file is larger than "
                                 f"{MAX_DESIGN_BYTES // 2**20} MiB"])
    try:
        if file.suffix.lower() == ".parquet":
            return pd.read_parquet(file)
        if file.suffix.lower() == ".csv":
            return pd.read_csv(file, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(file, [f"{where}: cannot be read as a table: "
                                 f"{str(exc).splitlines()[0][:200]}"]) from None
    raise ConfigError(file, [f"{where}: bad value {file.name!r}: allowed: a .csv or .parquet "
                             "file"])


def design_file_path(exp: Experiment, experiment_file: Path | None = None) -> Path:
    f = Path(str(exp.design.file))
    return f if f.is_absolute() or experiment_file is None else experiment_file.parent / f


def _design_values(table: pd.DataFrame, file: Path) -> tuple[list[str], np.ndarray]:
    """Column names and the (P, D) points of a design table, or ConfigError naming the
    file, the column, the row and the bad value."""
    problems: list[str] = []
    if table.shape[1] == 0 or len(table) == 0:
        raise ConfigError(file, ["design.file: the table has no points (a row per point and "
                                 "a column per parameter are needed)"])
    if len(table) > MAX_DESIGN_POINTS:
        raise ConfigError(file, [f"design.file: {len(table):,} points; at most "
                                 f"{MAX_DESIGN_POINTS:,} are run from one file"])
    names = [str(c).strip() for c in table.columns]
    values = np.empty(table.shape, dtype=float)
    for k, col in enumerate(table.columns):
        x = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raw = repr(table[col].iloc[bad[0]])
            shown = raw if len(raw) <= 40 else raw[:37] + "..."
            problems.append(f"design.file: column {names[k]!r}, row {bad[0] + 1}: bad value "
                            f"{shown}: a finite number is required ({bad.size} such rows)")
        values[:, k] = x
    if problems:
        raise ConfigError(file, problems)
    return names, values


def _with_design_file(exp: Experiment, experiment_file: Path) -> Experiment:
    """The experiment with its design file's path made absolute, and its parameters: those
    declared (the file's columns must be exactly these, within their ranges), or else one
    per column, spanning the file's values. Their addresses are checked against the
    registry with the others (`_target_problems`)."""
    file = design_file_path(exp, experiment_file)
    names, values = _design_values(read_design_table(file), file)
    if len(set(names)) != len(names):
        raise ConfigError(file, ["design.file: a column name appears twice: "
                                 + ", ".join(sorted({n for n in names if names.count(n) > 1}))])
    if exp.parameters:
        declared = [p.name for p in exp.parameters]
        if set(declared) != set(names):
            raise ConfigError(experiment_file, [
                f"design.file: its columns ({', '.join(names)}) must be the declared "
                f"parameters ({', '.join(declared)})"])
        problems = []
        for p in exp.parameters:
            lo, hi = p.bounds()
            col = values[:, names.index(p.name)]
            if col.min() < lo or col.max() > hi:
                problems.append(f"design.file: column {p.name!r}: values [{col.min()}, "
                                f"{col.max()}] outside the declared range [{lo}, {hi}]")
        if problems:
            raise ConfigError(file, problems)
        params = list(exp.parameters)
    else:
        params = [Parameter(name=n, low=float(values[:, k].min()), high=float(values[:, k].max()))
                  if values[:, k].min() < values[:, k].max()
                  else Parameter(name=n, values=[float(values[0, k])])
                  for k, n in enumerate(names)]
    design = exp.design.model_copy(update={"file": str(file.resolve())})
    return exp.model_copy(update={"design": design, "parameters": params})


def salib_problem(exp: Experiment) -> dict:
    return {"num_vars": len(exp.parameters), "names": [p.name for p in exp.parameters],
            "bounds": [list(p.bounds()) for p in exp.parameters]}


def design_points(exp: Experiment) -> np.ndarray:
    """The parameter points, shape (P, D); one empty point when nothing varies."""
    params, d = exp.parameters, exp.design
    if d.kind == "file":  # the points as given, columns in the parameters' order
        file = design_file_path(exp)
        names, values = _design_values(read_design_table(file), file)
        return values[:, [names.index(p.name) for p in params]]
    if not params:
        return np.zeros((1, 0))
    if d.kind == "grid":
        axes = [p.values if p.values is not None else list(np.linspace(p.low, p.high, p.levels))
                for p in params]
        return np.array(list(itertools.product(*axes)), dtype=float)
    if d.kind == "lhs":
        from scipy.stats import qmc  # here, not at import: a sweep's workers never need it

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
    """The world with one design point's values set: `sim.inputs.compile.set_values`, the one way
    values reach a world (checked, then the standing residual fixed again)."""
    from sim.inputs.compile import set_values

    return set_values(world, dict(zip(names, (float(v) for v in values), strict=True)),
                          source="design point")
