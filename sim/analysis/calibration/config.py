"""What a calibration fits, to what, and with how much effort: the calibration file.

A calibration file (``experiments/calibrate_*.toml``) names a scenario, a target file, the
free parameters with the range each may take, and the optimiser's budget. It is validated
like every other input: all problems at once, each naming the file, the field, the bad value
and what is allowed. Only assumptions may be fitted: a value a source document fixes is
evidence, not a free parameter, so the loader refuses it.

Parameter names:

- ``dynamics.NAME``: a rate of the dynamics table (all of them assumptions);
- ``event.ID.FIELD``: a numeric field of one of the scenario's dated events, such as the
  ``amount`` of a recrimination. The documents date events; their sizes are assumptions
  (``scenarios/history.toml`` says so), and a target on the event's aftermath is exactly
  the evidence that can set one;
- ``event.ID.impulses.K.size``: the size of the K-th (from 0) explicit impulse of an event
  that states its own (decision record 0008): in the new design that, not a field of the
  event, is how large the episode is.

The optional ``[unga]`` table adds the UN General Assembly votes of 1992-2012 to the
objective (`sim.analysis.calibration.unga_loss` says how and why). The optional
``[episodes]`` table adds the history's documented episodes
(`sim/data/history_episodes.toml`) and ``[expectations]`` the scenarios' documented
expectations, so that one fit answers to the documents' targets, their episodes, their
scenario expectations and the votes together (issue 13): a fit to one alone can trade the
others away unseen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.analysis.calibration import unga as u
from sim.core.calendar import month_index
from sim.core.config_errors import ConfigError, path_exists, validate_file
from sim.dynamics.params import load_dynamics_file
from sim.inputs.experiment import EXPERIMENTS_DIR, experiment_path
from sim.inputs.scenario import Scenario, load_scenario, resolve_scenario_path
from sim.inputs.targets import DEFAULT_TARGETS, TargetFile, load_targets

#: The field of an event parameter: a plain numeric field, or an explicit impulse's size.
_EVENT_FIELD = r"([a-z_]+|impulses\.[0-9]+\.size)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FreeParameter(_Strict):
    """One fitted value and the interval the optimiser searches."""

    name: str = Field(pattern=rf"^(dynamics\.[a-z_]+|event\.[a-z0-9_]+\.{_EVENT_FIELD})$")
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self


class Optimiser(_Strict):
    """Settings of `scipy.optimize.differential_evolution` (its own names and meanings)."""

    popsize: int = Field(default=6, ge=2, le=100,
                         description="population = popsize x number of parameters")
    maxiter: int = Field(default=10, ge=1, le=10_000, description="generations at most")
    tol: float = Field(default=0.01, ge=0.0, description="relative convergence tolerance")
    mutation: tuple[float, float] = (0.5, 1.0)
    recombination: float = Field(default=0.7, ge=0.0, le=1.0)
    init: Literal["latinhypercube", "sobol", "halton", "random"] = "latinhypercube"


class UngaSettings(_Strict):
    """The UN General Assembly votes as a term of the loss
    (`sim.analysis.calibration.unga_loss`)."""

    weight: float = Field(default=1.0, ge=0.0, le=100.0, description=(
        "multiplies the votes' deviance: 1 takes the measurement model's likelihood at face "
        "value; below 1 discounts it (the votes measure one dimension of a relation); 0 "
        "reports the scores without fitting to them"))
    measure: str = Field(default=u.PRIMARY_MEASURE, description="measure of the data file")
    measurement: str = Field(default=u.DEFAULT_MEASUREMENT, description=(
        "measurement model, as `sim unga --measurement`: hegemony (alignment and the two "
        "states' gap in standing towards the US-led order) or one (alignment alone); a file "
        "without it gets the default, the model `sim unga` reports with"))
    data: str | None = Field(default=None, description=(
        "the UNGA dyad file, relative to the calibration file (default: the shared data "
        "folder's unga_dyads_1991_2012.csv)"))

    @field_validator("measure", "measurement")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        allowed = u.MEASURES if info.field_name == "measure" else u.MEASUREMENTS
        if value not in allowed:
            raise ValueError(f"allowed: {', '.join(allowed)}")
        return value


class EpisodeSettings(_Strict):
    """The history's documented episodes as a term of the loss
    (`sim.analysis.calibration.objective.episode_loss`)."""

    weight: float = Field(default=1.0, ge=0.0, le=100.0, description=(
        "multiplies the episodes' squared shortfalls; 0 reports them without fitting"))
    resolution: float = Field(default=0.01, ge=0.0, le=0.5, description=(
        "the smallest miss that counts as one unit: a check's distance outside its range "
        "is counted in units of the larger of its standard error and this. The documents "
        "give sizes to about a hundredth at best, and a near-deterministic statistic "
        "(standard error 0.001) would otherwise make one episode outweigh every other "
        "part of the loss"))
    file: str | None = Field(default=None, description=(
        "the episode file, relative to the calibration file (default: the built-in "
        "sim/data/history_episodes.toml)"))


class ExpectationSettings(_Strict):
    """The scenarios' documented expectations as a term of the loss
    (`sim.analysis.calibration.objective.expectation_loss`). Each scenario and its reference
    run on the evaluation's seeds with the candidate's dynamics values."""

    weight: float = Field(default=1.0, ge=0.0, le=100.0, description=(
        "multiplies the expectations' capped squared shortfalls; 0 reports them only"))
    scenarios: list[str] = Field(default_factory=list, description=(
        "scenario names or paths (relative to the calibration file); empty: every "
        "scenario in scenarios/ that states expectations"))
    margin: float = Field(default=0.0, ge=0.0, le=5.0, description=(
        "standard errors by which an expected change must clear its minimum effect before "
        "it costs nothing: at 0 a fit can leave many just over the line on its own seeds, "
        "to fall under it on others; 1.645 asks for a one-sided 5% margin"))
    cap: float = Field(default=9.0, ge=0.0, le=1000.0, description=(
        "what one missed expectation can cost at most, in squared standard errors, unless "
        "its sign is wrong: the documents ask that nearly all be met, so a few far misses "
        "must not outweigh the rest"))


class Calibration(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    description: str = ""
    scenario: str = Field(description="scenario name in scenarios/ or a .toml path")
    targets: str | None = Field(default=None,
                                description="target file (default: the built-in history)")
    seed: int = Field(ge=0, le=2**62)
    replicates: int = Field(default=16, ge=2, le=10_000,
                            description="replicates per evaluation (common random numbers)")
    validation_replicates: int = Field(
        default=64, ge=2, le=100_000,
        description="fresh replicates on which fits are compared and reported")
    fits: int = Field(default=3, ge=1, le=100,
                      description="repeated fits, each on its own seeds: the spread of the "
                      "fitted values is their uncertainty")
    prior_weight: float = Field(
        default=1.0, ge=0.0, description="pull towards the hand-set values: the cost, in "
        "squared standard errors, of moving one parameter across its whole range")
    profile_points: int = Field(default=7, ge=0, le=101,
                                description="grid points per parameter profile (0: none)")
    optimiser: Optimiser = Optimiser()
    unga: UngaSettings | None = Field(default=None, description=(
        "fit to the UNGA votes of 1992-2012 too (in-sample years only)"))
    episodes: EpisodeSettings | None = Field(default=None, description=(
        "fit to the history's documented episodes too (the scenario must run through them)"))
    expectations: ExpectationSettings | None = Field(default=None, description=(
        "fit to the scenarios' documented expectations too"))
    parameters: list[FreeParameter] = Field(min_length=1)


def split_name(name: str) -> tuple[str, str, str]:
    """``("dynamics", NAME, "")`` or ``("event", ID, FIELD)``, FIELD possibly
    ``impulses.K.size``."""
    kind, rest = name.split(".", 1)
    if kind == "dynamics":
        return kind, rest, ""
    eid, field = rest.split(".", 1)
    return kind, eid, field


def unga_data_path(cal: Calibration, cal_file: Path) -> Path:
    """The UNGA data file of a calibration with a ``[unga]`` table."""
    if cal.unga is None or cal.unga.data is None:
        return u.default_data_file()
    p = Path(cal.unga.data)
    return p if p.is_absolute() else cal_file.parent / p


def episodes_path(cal: Calibration, cal_file: Path) -> Path:
    from sim.analysis.history_episodes import EPISODES_FILE

    if cal.episodes is None or cal.episodes.file is None:
        return EPISODES_FILE
    p = Path(cal.episodes.file)
    return p if p.is_absolute() else cal_file.parent / p


def expectation_paths(cal: Calibration, cal_file: Path) -> list[Path]:
    """The scenario files whose expectations the calibration fits to."""
    from sim.core.settings import get_settings

    if cal.expectations is None:
        return []
    if cal.expectations.scenarios:
        return [resolve_scenario_path(n, cal_file.parent) for n in cal.expectations.scenarios]
    return [p for p in sorted(get_settings().scenarios_dir.glob("*.toml"))
            if load_scenario(p).expected]


def episode_problems(cal: Calibration, cal_file: Path, scenario: Scenario) -> list[str]:
    """The episode file must load, and the scenario must run through every window of it
    and have every actor it names."""
    from sim.analysis.history_episodes import load_episodes, months_needed

    if cal.episodes is None:
        return []
    path = episodes_path(cal, cal_file)
    where = f"episodes.file: bad value {cal.episodes.file!r}" if cal.episodes.file else \
        "episodes"
    if not path_exists(path):
        return [f"{where}: no such file ({path})"]
    try:
        episodes = load_episodes(path)
    except ConfigError as exc:
        return [f"{where}: {p}" for p in exc.problems]
    problems = []
    try:
        need = months_needed(episodes, scenario.start)
    except ValueError as exc:
        return [f"{where}: {exc}"]
    if need > scenario.horizon_months or min(
            month_index(c.after[0], scenario.start) for e in episodes.episodes
            for c in e.checks) < 0:
        problems.append(f"{where}: scenario {scenario.name!r} starts {scenario.start} and "
                        f"runs {scenario.horizon_months} months; the episodes of {path} need "
                        f"{need} months from its start")
    return problems


def expectation_problems(cal: Calibration, cal_file: Path) -> list[str]:
    """Every named scenario must load, state expectations and agree with its reference on
    start and length; an empty list must find at least one."""
    if cal.expectations is None:
        return []
    problems = []
    try:
        paths = expectation_paths(cal, cal_file)
    except ConfigError as exc:
        return [f"expectations.scenarios: {p}" for p in exc.problems]
    if not paths:
        return ["expectations: no scenario in scenarios/ states expectations"]
    for n, path in enumerate(paths):
        where = f"expectations.scenarios[{n}]: bad value {path.stem!r}"
        try:
            sc = load_scenario(path)
        except ConfigError as exc:
            problems.append(f"{where}: {exc.problems[0]}")
            continue
        if not sc.expected:
            problems.append(f"{where}: it states no expectations (allowed: a scenario with "
                            "[[expected]] entries)")
            continue
        try:
            ref = load_scenario(resolve_scenario_path(sc.reference, path.parent))
        except ConfigError as exc:
            problems.append(f"{where}: its reference: {exc.problems[0]}")
            continue
        own = sorted(f"dynamics.{k}" for k in {**ref.dynamics, **sc.dynamics}
                     if f"dynamics.{k}" in {p.name for p in cal.parameters})
        if own:
            problems.append(f"{where}: it or its reference sets its own {', '.join(own)}; the "
                            "fit gives every scenario the candidate's value (allowed: a "
                            "scenario that leaves the fitted values to the table)")
        if (ref.start, ref.horizon_months) != (sc.start, sc.horizon_months):
            problems.append(f"{where}: its reference {ref.name!r} starts {ref.start} with "
                            f"{ref.horizon_months} months; it starts {sc.start} with "
                            f"{sc.horizon_months}: they must agree")
    return problems


def targets_path(cal: Calibration, cal_file: Path) -> Path:
    if cal.targets is None:
        return DEFAULT_TARGETS
    p = Path(cal.targets)
    return p if p.is_absolute() else cal_file.parent / p


def parameter_problems(cal: Calibration, scenario: Scenario, base: Path) -> list[str]:
    """Every name must be an address of the registry (`sim.inputs.registry`) in this scenario, be
    an assumption, and search an allowed interval that holds its hand-set value (so the fit
    can always return to it)."""
    from sim.inputs import registry

    dyn_path = scenario.dynamics_path(base)
    table = load_dynamics_file(dyn_path) if dyn_path else load_dynamics_file()
    scope = registry.Scope.of_scenario(scenario, base)
    items = [(f"parameters[{n}]", p.name, p.low, p.high) for n, p in enumerate(cal.parameters)]
    problems = registry.problems(items, scope)
    bad = {where for where, *_ in items
           if any(x.startswith((f"{where}:", f"{where}.name:")) for x in problems)}
    for n, p in enumerate(cal.parameters):
        where = f"parameters[{n}]"
        if where in bad:
            continue
        kind, pname, field = split_name(p.name)
        if kind == "dynamics":
            if not table.params[pname].is_assumption:
                problems.append(f"{where}.name: bad value {p.name!r}: a source document fixes "
                                "it; only assumptions are fitted")
                continue
            hand = scenario.dynamics.get(pname, table.params[pname].value)
        else:
            ev = scope.events[pname]
            k = registry.impulse_index(field)
            hand = float(ev.impulses[k].size if k is not None  # type: ignore[attr-defined]
                         else getattr(ev, field))
        if not p.low <= hand <= p.high:
            problems.append(f"{where}: bad range [{p.low}, {p.high}] for {p.name}: it must "
                            f"hold the hand-set value {hand}")
    return problems


def _whole_years(scenario: Scenario) -> list[int]:
    """In-sample UNGA years (up to 2012) that a run of the scenario covers whole."""
    from sim.core.calendar import month_label

    months = min(scenario.horizon_months, u.months_through(scenario.start))
    years = [int(month_label(scenario.start, k)[:4]) for k in range(months)]
    return sorted(y for y in set(years) if years.count(y) == 12 and y >= u.FIRST_YEAR)


def unga_problems(cal: Calibration, cal_file: Path, scenario: Scenario, base: Path) -> list[str]:
    """The data file must load and hold the measure; the run must cover at least three
    whole in-sample years and two of the data's dyads."""
    from sim.inputs.roster import load_roster_file

    if cal.unga is None:
        return []
    path = unga_data_path(cal, cal_file)
    where = f"unga.data: bad value {cal.unga.data!r}" if cal.unga.data else "unga.data"
    try:
        data = u.load_unga(path)
    except ConfigError as exc:
        return [f"{where}: {p}" for p in exc.problems]
    problems = []
    if not (data["measure"] == cal.unga.measure).any():
        problems.append(f"unga.measure: bad value {cal.unga.measure!r}: {path} holds no "
                        f"values of it; it holds {', '.join(sorted(set(data['measure'])))}")
    years = _whole_years(scenario)
    if len(years) < 3:
        problems.append(f"unga: scenario {scenario.name!r} starts {scenario.start} and runs "
                        f"{scenario.horizon_months} months: {len(years)} whole year(s) in "
                        f"{u.FIRST_YEAR}-{u.LAST_YEAR}; the votes need at least 3 (years from "
                        f"{u.HELD_OUT_FROM} are held out)")
    ids = {a.id for a in load_roster_file(scenario.roster_path(base)).actors}
    ids = (ids | {a.id for a in scenario.add_actors}) - set(scenario.drop_actors)
    dyads = [d for d in data["dyad"].unique() if set(u.roster_pair(d)) <= ids]
    if len(dyads) < 2:
        problems.append(f"unga: the scenario's actors make {len(dyads)} of the data's dyads; "
                        "the scores need at least 2")
    if cal.unga.measurement == "hegemony":
        bad = f"unga.measurement: bad value 'hegemony': scenario {scenario.name!r}"
        if u.HEGEMON not in ids:
            problems.append(f"{bad} has no {u.HEGEMON}, whose relations place each state "
                            "on the dimension; allowed without it: one")
        elif dyads and all(u.HEGEMON in u.roster_pair(d) for d in dyads):
            problems.append(f"{bad} and the data share only dyads with the {u.HEGEMON}, in "
                            "which the standing gap is 1 minus the alignment; allowed: one")
    return problems


def _problems(cal: Calibration, path: Path) -> list[str]:
    try:
        sc_path = resolve_scenario_path(cal.scenario, path.parent)
        scenario = load_scenario(sc_path)
    except ConfigError as exc:
        return [f"scenario: bad value {cal.scenario!r}: {exc.problems[0]}"]
    problems = parameter_problems(cal, scenario, sc_path.parent)
    problems += unga_problems(cal, path, scenario, sc_path.parent)
    problems += episode_problems(cal, path, scenario)
    problems += expectation_problems(cal, path)
    tpath = targets_path(cal, path)
    if not path_exists(tpath):
        return [*problems, f"targets: bad value {cal.targets!r}: no such file ({tpath})"]
    try:
        tf = load_targets(tpath)
    except ConfigError as exc:
        return [*problems, *(f"targets: {tpath}: {p}" for p in exc.problems)]
    if not [t for t in tf.targets if not tf.held_out(t)]:
        problems.append(f"targets: every target of {tpath} is held out (from "
                        f"{tf.held_out_from}); nothing is left to fit to")
    problems += target_scope_problems(tf, scenario)
    return problems


def target_scope_problems(tf: TargetFile, scenario: Scenario) -> list[str]:
    """Targets must fall inside the scenario's run and name actors it has."""
    from sim.core.calendar import month_index

    problems = []
    for t in tf.targets:
        for period in t.periods():
            if month_index(period[0], scenario.start) < 0 or \
                    month_index(period[1], scenario.start) >= scenario.horizon_months:
                problems.append(f"targets: {t.id}: period {period[0]}–{period[1]} is outside "
                                f"the scenario's run ({scenario.start}, "
                                f"{scenario.horizon_months} months)")
    return problems


def load_calibration(name_or_path: str | Path) -> tuple[Calibration, Path]:
    """Read and check a calibration file; `ConfigError` lists every problem."""
    path = experiment_path(name_or_path)  # calibration files live beside experiments
    if not path_exists(path):
        known = sorted(q.stem for q in EXPERIMENTS_DIR.glob("calibrate*.toml"))
        raise ConfigError(path, [f"no such calibration file; known: {', '.join(known)}"])
    cal = validate_file(path, Calibration, extra_checks=lambda c: _problems(c, path))
    return cal, path
