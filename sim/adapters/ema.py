"""The model as an EMA Workbench model: exploratory modelling, scenario discovery (PRIM)
and feature scoring over the parameter registry.

Why an adapter: EMA Workbench (Kwakkel 2017) samples uncertainties, runs a model through
its evaluators (one process, a pool, a cluster) and analyses the results, but it only sees
a Python function with keyword arguments and named outcomes. This module builds that
function and its declarations from what the project already checks: an experiment file
(`sim.inputs.experiment`) or a scenario plus registry addresses
(`sim.inputs.registry`), so a misspelt
address or an out-of-range value is refused here, before any run, with the registry's
message (the address, the value and what is allowed).

Names. EMA 3 wants parameter and outcome names that are Python identifiers, and registry
addresses contain dots. An uncertainty is named by its address with every ``.`` written
``__`` (`ema_name`: ``dynamics.sanctions_value`` -> ``dynamics__sanctions_value``,
``event.E1.impulses.0.size`` -> ``event__E1__impulses__0__size``); its EMA
``variable_name`` is the address itself, so the model function receives addresses and the
experiments table has the identifier names. `EmaModel.names` keeps the mapping both ways
(it is a table, not a rule to invert: two addresses that would map to one name are
refused). Outcomes are ``SRC_TGT_end`` (alignment after the last month), ``SRC_TGT_mean``
(over months 1..S, month 0 being the input) and ``SRC_TGT_path`` (months 0..S, an
`ArrayOutcome`, first dyad only), each the mean over the replicates: the same quantities
as ``at_S`` and ``mean`` of `sim.runs.metrics.dyad_metrics`.

Replicates and seeds. Each design point runs the experiment's replicates in one call of
`sim.api.simulate` (the batched engine runs them as arrays at once) and returns their
means; EMA's `ReplicatorModel` would call the model once per replicate and lose that.
Replicate k of every point has seed ``seed + k`` (`sim.api.simulate`'s convention), with
``seed`` the experiment's seed: common random numbers across points, so contrasts between
points are not blurred by different draws, and an outcome is a function of the point alone,
never of the worker that ran it or of the order points were run in. These are not the
seeds of ``sim sweep`` (which derives them with `sim.core.rng.derive_seed`), so the numbers
differ from a sweep's by sampling noise; an experiment asking for
``common_random_numbers = false`` is refused, since an EMA point has no identity that does
not depend on the order of the design.

Install the extra: ``pip install -e '.[ema]'``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.config_errors import ConfigError

try:
    with warnings.catch_warnings():
        # ema_workbench warns at import that its ipyparallel evaluator is unavailable; it is
        # not one this adapter uses
        warnings.filterwarnings("ignore", message=".*ipyparallel.*", category=UserWarning)
        from ema_workbench import (
            ArrayOutcome,
            Model,
            RealParameter,
            ScalarOutcome,
        )
        from ema_workbench.em_framework.points import SampleCollection
        from ema_workbench.em_framework.samplers import LHSSampler
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("sim.adapters.ema needs EMA Workbench: pip install -e '.[ema]' "
                      f"(or pip install ema-workbench); {exc}") from exc

__all__ = ["AlignmentRun", "EmaModel", "Uncertainty", "ema_name", "from_experiment",
           "from_registry"]

#: What a dot of a registry address becomes in an EMA name.
SEPARATOR = "__"

#: Dyads whose alignment is an outcome when none are named: the question the model is for.
DEFAULT_DYADS: tuple[str, ...] = ("RUS:IRN", "IRN:RUS")


def ema_name(address: str) -> str:
    """The identifier EMA Workbench knows the registry address by (dots become ``__``)."""
    return address.replace(".", SEPARATOR)


@dataclass(frozen=True)
class Uncertainty:
    """One varied registry address, its EMA name and the range EMA samples."""

    address: str
    name: str
    low: float
    high: float


@dataclass(frozen=True)
class AlignmentRun:
    """The model function EMA calls: one design point in, the replicates' means out.

    A plain frozen dataclass so that EMA's process pool can pickle it; it holds no world
    (each call compiles the scenario, a few hundredths of a second) so that what a worker
    computes depends on nothing but the point.
    """

    scenario: str
    replicates: int
    seed: int
    months: int | None
    dyads: tuple[tuple[str, str], ...]
    series: bool = True
    fixed: tuple[tuple[str, float], ...] = ()

    def outcome_names(self) -> dict[str, str]:
        """EMA outcome name -> what it measures (for tables and docs)."""
        out: dict[str, str] = {}
        for s, t in self.dyads:
            out[f"{s}_{t}_end"] = f"{s}'s alignment towards {t} after the last month, " \
                                  "mean over replicates"
            out[f"{s}_{t}_mean"] = f"{s}'s alignment towards {t} over months 1..S, mean " \
                                   "over months and replicates"
        if self.series and self.dyads:
            s, t = self.dyads[0]
            out[f"{s}_{t}_path"] = f"{s}'s alignment towards {t}, months 0..S, mean over " \
                                   "replicates"
        return out

    def __call__(self, **values: float) -> dict[str, Any]:
        """Run the point (keyword arguments: registry addresses) and return the outcomes.

        The values are passed sorted by address, so the order EMA lists them in changes
        nothing."""
        from sim import api

        params = dict(self.fixed)
        params.update({k: float(v) for k, v in values.items()})
        sim = api.simulate(self.scenario, params=dict(sorted(params.items())),
                           replicates=self.replicates, seed=self.seed, months=self.months)
        ids = list(sim.world.roster.ids)
        a = sim.alignment  # (S + 1, R, N, N)
        out: dict[str, Any] = {}
        for s, t in self.dyads:
            x = a[:, :, ids.index(s), ids.index(t)]
            out[f"{s}_{t}_end"] = float(x[-1].mean())
            out[f"{s}_{t}_mean"] = float(x[1:].mean()) if x.shape[0] > 1 else float("nan")
        if self.series and self.dyads:
            s, t = self.dyads[0]
            out[f"{s}_{t}_path"] = a[:, :, ids.index(s), ids.index(t)].mean(axis=1)
        return out


@dataclass(frozen=True)
class EmaModel:
    """An EMA Workbench model of a scenario, with the mapping between EMA names and
    registry addresses.

    ``model`` is what EMA's evaluators take (``SequentialEvaluator(m.model)``); ``names``
    maps each uncertainty's EMA name to its address, ``addresses`` the reverse;
    ``outcomes`` says what each outcome measures.
    """

    model: Any  # ema_workbench.Model
    run: AlignmentRun
    uncertainties: tuple[Uncertainty, ...]
    design_points: np.ndarray | None = field(default=None, repr=False)

    @property
    def names(self) -> dict[str, str]:
        return {u.name: u.address for u in self.uncertainties}

    @property
    def addresses(self) -> dict[str, str]:
        return {u.address: u.name for u in self.uncertainties}

    @property
    def outcomes(self) -> dict[str, str]:
        return self.run.outcome_names()

    @property
    def scalar_outcomes(self) -> list[str]:
        """The outcomes with one number per experiment: what PRIM and feature scoring take."""
        return [n for n in self.outcomes if not n.endswith("_path")]

    def design(self) -> Any:
        """The experiment file's own design points (its grid, Latin hypercube, Sobol,
        Morris or file design, in its order) as EMA scenarios, so that EMA runs exactly
        the points ``sim sweep`` would."""
        if self.design_points is None:
            raise ConfigError("design", ["this model was built from registry addresses, not "
                                         "an experiment file: use latin_hypercube(samples)"])
        return SampleCollection(self.design_points, self.parameters)

    def latin_hypercube(self, samples: int, seed: int | None = None) -> Any:
        """``samples`` points by EMA's Latin hypercube sampler, from ``seed`` (by default
        the run's seed): the same arguments always give the same points, so two evaluators
        can be given the same experiments."""
        from sim.api import _count

        n = _count("samples", samples, 1, 1_000_000)
        rng = self.run.seed if seed is None else _count("seed", seed, 0, 2**62)
        return LHSSampler().generate_samples(self.parameters, n, rng=rng)

    def with_addresses(self, experiments: Any) -> Any:
        """EMA's experiments table with its uncertainty columns named by address again."""
        return experiments.rename(columns=self.names)

    @property
    def parameters(self) -> list[Any]:
        """EMA's `RealParameter` of each uncertainty, in the order of ``uncertainties``:
        the column order `SampleCollection` needs for points made outside EMA."""
        return [self.model.uncertainties[u.name] for u in self.uncertainties]


# ----------------------------------------------------------------------------- building

def _identifier(text: str, prefix: str = "m") -> str:
    """A Python identifier from a scenario or experiment name (EMA model names must be)."""
    out = re.sub(r"\W", "_", text)
    return out if out.isidentifier() else f"{prefix}_{out}"


def _build(model_name: str, run: AlignmentRun, uncertainties: list[Uncertainty],
           design_points: np.ndarray | None = None) -> EmaModel:
    model = Model(_identifier(model_name), function=run)
    model.uncertainties = [RealParameter(u.name, u.low, u.high, variable_name=u.address)
                           for u in uncertainties]
    outcomes: list[Any] = []
    for name in run.outcome_names():
        outcomes.append(ArrayOutcome(name) if name.endswith("_path") else ScalarOutcome(name))
    model.outcomes = outcomes
    return EmaModel(model, run, tuple(uncertainties), design_points)


def _name_problems(uncertainties: list[tuple[str, Uncertainty]]) -> list[str]:
    """Two addresses that would share an EMA name, or a name that is not an identifier."""
    problems, seen = [], {}
    for where, u in uncertainties:
        if not u.name.isidentifier():
            problems.append(f"{where}: {u.address!r} gives the EMA name {u.name!r}, not a "
                            "Python identifier")
        elif u.name in seen and seen[u.name] != u.address:
            problems.append(f"{where}: {u.address!r} and {seen[u.name]!r} would both be "
                            f"named {u.name!r} in EMA Workbench; vary only one of them")
        seen.setdefault(u.name, u.address)
    return problems


def _dyad_pairs(ids: Sequence[str], dyads: Sequence[str]) -> tuple[tuple[str, str], ...]:
    from sim.api import _pairs

    pairs = tuple(_pairs(list(ids), list(dyads)))
    if not pairs:
        raise ConfigError("dyads", ["no dyad named: at least one SRC:TGT is needed as an "
                                    "outcome"])
    if len(set(pairs)) != len(pairs):
        raise ConfigError("dyads", ["a dyad is named twice: "
                                    + ", ".join(sorted({f"{s}:{t}" for s, t in pairs
                                                        if pairs.count((s, t)) > 1}))])
    return pairs


def from_registry(scenario: str | Path, addresses: Sequence[str] | Mapping[str, Any], *,
                  replicates: int = 8, seed: int = 0, months: int | None = None,
                  dyads: Sequence[str] = DEFAULT_DYADS, series: bool = True) -> EmaModel:
    """An EMA model of ``scenario`` whose uncertainties are registry addresses.

    ``addresses`` is a list of addresses (each sampled over the range the registry
    declares for it) or a mapping from address to ``(low, high)``, or to None for the
    declared range. A declared range must be finite to be used (``dummy.*`` and some event
    fields have none: give one). Everything is checked against the scenario's registry
    scope before anything runs; problems raise `ConfigError`, every one at once, each
    naming the address, the value and what is allowed.
    """
    from sim import api
    from sim.api import _count
    from sim.inputs import registry

    reps = _count("replicates", replicates, 1, 1_000_000)
    base = _count("seed", seed, 0, 2**62)
    stop = None if months is None else _count("months", months, 1, 600)
    world = api.world(scenario)
    scope = registry.Scope.of_world(world)
    if isinstance(addresses, str):
        raise ConfigError("uncertainties", [f"bad value {addresses!r}: a list of addresses "
                                            "or a mapping address -> (low, high) is needed"])
    ranges: Mapping[str, Any] = addresses if isinstance(addresses, Mapping) \
        else dict.fromkeys(addresses)
    if not ranges:
        raise ConfigError("uncertainties", ["no address given: at least one is needed"])
    problems: list[str] = []
    checked: list[tuple[str, str, float, float]] = []
    named: list[tuple[str, Uncertainty]] = []
    for n, (address, given) in enumerate(ranges.items()):
        where = f"uncertainties[{n}]"
        if not isinstance(address, str):
            problems.append(f"{where}: bad value {address!r}: an address (text) is required")
            continue
        if given is None:
            try:
                s = registry.spec(address, scope)
            except registry.AddressError as exc:
                problems.append(f"{where}.name: bad value {address!r}: {exc}")
                continue
            if not (np.isfinite(s.low) and np.isfinite(s.high)):
                problems.append(f"{where}: {address} has no finite declared range "
                                f"([{s.low}, {s.high}]); give one as {{{address!r}: "
                                "(low, high)}")
                continue
            lo, hi = s.low, s.high
        else:
            try:
                lo, hi = (float(v) for v in given)
            except (TypeError, ValueError):
                problems.append(f"{where}: bad range {given!r} for {address}: (low, high), "
                                "two numbers, is required")
                continue
            if not lo < hi:
                problems.append(f"{where}: bad range [{lo}, {hi}] for {address}: low must be "
                                "below high")
                continue
        checked.append((where, address, lo, hi))
        u = Uncertainty(address, ema_name(address), lo, hi)
        named.append((where, u))
    problems += registry.problems(checked, scope)
    problems += _name_problems(named)
    if problems:
        raise ConfigError("uncertainties", problems)
    run = AlignmentRun(str(scenario), reps, base, stop,
                       _dyad_pairs(world.roster.ids, dyads), series)
    return _build(f"rusiran_{Path(str(scenario)).stem}", run, [u for _, u in named])


def from_experiment(experiment: str | Path, *, scenario: str | None = None,
                    series: bool = True) -> EmaModel:
    """An EMA model of an experiment file (a name in ``experiments/`` or a path): its
    parameters as uncertainties over their ranges, its replicates, seed and months, its
    output dyads as outcomes, and its design available as `EmaModel.design`.

    An experiment of several scenarios gives one model per scenario: name it with
    ``scenario`` (EMA runs a list of models side by side). A parameter given as a list
    of values is sampled over their span by EMA's samplers (`EmaModel.design` keeps the
    values); one with a single value is held fixed.
    """
    from sim.inputs.experiment import (
        design_points,
        experiment_path,
        load_experiment,
        scenario_path,
    )

    exp = load_experiment(experiment)
    path = experiment_path(experiment)
    if not exp.common_random_numbers:
        raise ConfigError(path, ["common_random_numbers: bad value False: the EMA adapter "
                                 "runs every point with the same replicate seeds (seed + k), "
                                 "since an EMA point has no identity independent of the "
                                 "design's order; set it to true"])
    if scenario is None:
        if len(exp.scenarios) > 1:
            raise ConfigError(path, [f"scenarios: the experiment runs {len(exp.scenarios)} "
                                     "scenarios; build one model per scenario with "
                                     "scenario= one of " + ", ".join(exp.scenarios)])
        scenario = exp.scenarios[0]
    elif scenario not in exp.scenarios:
        raise ConfigError(path, [f"scenario: bad value {scenario!r}: the experiment runs "
                                 + ", ".join(exp.scenarios)])
    keep = [n for n, p in enumerate(exp.parameters) if p.bounds()[0] < p.bounds()[1]]
    if not keep:
        raise ConfigError(path, ["parameters: nothing varies; EMA Workbench needs at least "
                                 "one parameter with a range (low < high) or two values"])
    fixed = tuple((p.name, p.bounds()[0]) for n, p in enumerate(exp.parameters)
                  if n not in keep)
    named = [(f"parameters[{n}]", Uncertainty(exp.parameters[n].name,
                                              ema_name(exp.parameters[n].name),
                                              *exp.parameters[n].bounds())) for n in keep]
    problems = _name_problems(named)
    if problems:
        raise ConfigError(path, problems)
    # absolute, so that a worker started in another folder finds the same file
    world_path = scenario_path(scenario, path).resolve()
    from sim import api

    ids = api.world(world_path).roster.ids
    run = AlignmentRun(str(world_path), exp.replicates, exp.seed, exp.months,
                       _dyad_pairs(ids, exp.outputs.dyads), series, fixed)
    return _build(f"{exp.name}_{Path(scenario).stem}", run, [u for _, u in named],
                  design_points(exp)[:, keep])
