"""The public Python API: run, compare, analyse and continue the model from Python.

Why: analysts drive models from their own tools (EMA Workbench, SALib, notebooks, Mesa's
batch runner). Those need a documented entry point that takes a scenario and parameter
values by name and returns tidy results, with the same checks as the command line. The
command line is a thin layer over the same functions, so both give the same objects.

- `simulate` runs a scenario with values set through the parameter registry
  (`sim.inputs.registry`, the same addresses as experiment files) and returns a `Simulation`
  with tidy tables;
- `compare` returns the `sim.analysis.compare.Comparison` that ``sim compare`` prints;
- `sensitivity` returns the `sim.analysis.sensitivity.SensitivityReport` that ``sim sensitivity``
  prints (running or resuming the experiment's sweep first);
- `cone` returns a `sim.runs.cone.Cone` of futures from a month of a run.

Everything is reproducible: the same arguments give the same numbers, whatever the number
of replicates run beside them, and each result carries a manifest (scenario, parameters,
seeds, code version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.config_errors import ConfigError

__all__ = ["Simulation", "compare", "cone", "sensitivity", "simulate", "world"]


def world(scenario: str | Path = "baseline", params: Mapping[str, float] | None = None):
    """The compiled world of a scenario (a name in ``scenarios/`` or a path), with
    ``params`` set through the registry. Raises `ConfigError` naming every problem."""
    from sim.inputs.compile import set_values
    from sim.runs.run_job import prepare_run

    prepared = prepare_run(str(scenario))
    out = prepared.world
    if params:
        out = set_values(out, dict(params), source="params")
    return out


@dataclass
class Simulation:
    """An ensemble of runs of one scenario, with the tables analysts ask for."""

    world: Any
    record: Any  # sim.runs.recording.Record
    params: dict[str, float]
    manifest: dict[str, Any] = field(repr=False)

    @property
    def seeds(self) -> np.ndarray:
        return self.record.seeds

    @property
    def alignment(self) -> np.ndarray:
        """(months + 1, replicates, N, N): row 0 is the start, row k the state after month
        k; ``[.., i, j]`` is actor i's alignment towards j."""
        return self.record.alignment

    def trajectories(self, dyads: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per (replicate, month, directed dyad): replicate, seed, month (0 = the
        start), date (the month the row's state closes), source, target, alignment."""
        from sim.core.calendar import month_label

        ids = list(self.world.roster.ids)
        pairs = _pairs(ids, dyads)
        a = self.record.alignment
        steps, reps = a.shape[0], a.shape[1]
        idx_i = np.array([ids.index(s) for s, _ in pairs], dtype=np.intp)
        idx_j = np.array([ids.index(t) for _, t in pairs], dtype=np.intp)
        values = a[:, :, idx_i, idx_j]  # (S+1, R, P)
        month = np.repeat(np.arange(steps, dtype=np.int32), reps * len(pairs))
        dates = [month_label(self.world.start, k - 1) if k else "start" for k in range(steps)]
        return pd.DataFrame({
            "replicate": np.tile(np.repeat(np.arange(reps, dtype=np.int32), len(pairs)), steps),
            "seed": np.tile(np.repeat(self.record.seeds.astype(np.int64), len(pairs)), steps),
            "month": month,
            "date": np.repeat(np.array(dates, dtype=object), reps * len(pairs)),
            "source": np.tile(np.array([s for s, _ in pairs], dtype=object), steps * reps),
            "target": np.tile(np.array([t for _, t in pairs], dtype=object), steps * reps),
            "alignment": values.reshape(-1),
        })

    def bands(self, source: str, target: str,
              quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """The ensemble's quantiles of one relation, month by month: uncertainty as
        ranges, never a single line."""
        ids = list(self.world.roster.ids)
        for actor in (source, target):
            if actor not in ids:
                raise ConfigError("bands", [f"unknown actor {actor!r}; allowed: "
                                            f"{', '.join(ids)}"])
        x = self.record.alignment[:, :, ids.index(source), ids.index(target)]
        q = np.quantile(x, list(quantiles), axis=1)
        frame = pd.DataFrame({f"q{round(p * 100):02d}": q[k] for k, p in enumerate(quantiles)})
        frame.insert(0, "month", np.arange(x.shape[0], dtype=np.int32))
        frame["mean"] = x.mean(axis=1)
        return frame

    def summary(self, dyads: Sequence[str] | None = None) -> pd.DataFrame:
        """Per directed dyad: the start, the ensemble's mean at the end and its 5-95%
        range."""
        ids = list(self.world.roster.ids)
        a = self.record.alignment
        rows = []
        for s, t in _pairs(ids, dyads):
            end = a[-1, :, ids.index(s), ids.index(t)]
            rows.append({"source": s, "target": t, "start": float(a[0, 0, ids.index(s),
                                                                    ids.index(t)]),
                         "end_mean": float(end.mean()), "end_q05": float(np.quantile(end, 0.05)),
                         "end_q95": float(np.quantile(end, 0.95))})
        return pd.DataFrame(rows)


def _pairs(ids: list[str], dyads: Sequence[str] | None) -> list[tuple[str, str]]:
    if dyads is None:
        return [(s, t) for s in ids for t in ids if s != t]
    problems, out = [], []
    for n, d in enumerate(dyads):
        parts = str(d).split(":")
        if len(parts) != 2 or parts[0] == parts[1] or any(p not in ids for p in parts):
            problems.append(f"dyads[{n}]: bad value {d!r}: write SRC:TGT with two different "
                            f"actors of {', '.join(ids)}")
        else:
            out.append((parts[0], parts[1]))
    if problems:
        raise ConfigError("dyads", problems)
    return out


def _count(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not low <= int(value) <= high:
        raise ConfigError(name, [f"bad value {value!r}: a whole number in [{low}, {high}] is "
                                 "required"])
    return int(value)


def simulate(scenario: str | Path = "baseline", *, params: Mapping[str, float] | None = None,
             replicates: int = 16, seed: int = 0, months: int | None = None,
             engine: str = "batched", keep_terms: bool = False) -> Simulation:
    """Run ``replicates`` runs of a scenario with ``params`` set (registry addresses, e.g.
    ``{"dynamics.sanctions_value": 0.9, "actor.IRN.power": 0.3}``).

    Replicate k has seed ``seed + k`` (as ``sim run``), so a replicate's numbers do not
    depend on how many run beside it. ``months`` stops early; ``keep_terms`` keeps the
    split of every month's change by cause (`sim.analysis.explain`), at a cost in memory.
    """
    from sim.runs.ensemble import default_threads, ensemble_seeds, run_ensemble
    from sim.runs.manifest import build_manifest
    from sim.runs.run_job import prepare_run

    reps = _count("replicates", replicates, 1, 1_000_000)
    base = _count("seed", seed, 0, 2**62)
    if months is not None:
        months = _count("months", months, 1, 600)
    if engine not in ("batched", "mesa"):
        raise ConfigError("engine", [f"bad value {engine!r}; allowed: batched, mesa"])
    prepared = prepare_run(str(scenario))
    w = prepared.world
    clean: dict[str, float] = {}
    if params:
        from sim.inputs import registry
        from sim.inputs.compile import set_values

        clean = registry.check(dict(params), registry.Scope.of_world(w), source="params")
        w = set_values(w, clean, source="params")
    seeds = ensemble_seeds(base, reps)
    rec = run_ensemble(w, seeds, engine=engine, keep_terms=keep_terms, months=months,  # type: ignore[arg-type]
                       threads=default_threads())
    manifest = build_manifest(w, prepared.path, seeds, engine,
                              extra={"params": clean, "base_seed": base,
                                     "months": rec.alignment.shape[0] - 1})
    return Simulation(w, rec, clean, manifest)


def compare(scenarios: Sequence[str], *, dyads: Sequence[str] | None = None,
            replicates: int = 64, seed: int = 0, months: int | None = None,
            paired: bool = True, threshold_low: float = 0.0,
            threshold_high: float | None = None, engine: str = "batched"):
    """Compare scenarios (the first is the reference): the `sim.analysis.compare.Comparison` that
    ``sim compare`` prints and reports, with paired differences and their intervals."""
    from sim.analysis.compare import ALLIANCE_LEVEL, CompareOptions, compare_scenarios

    options = CompareOptions(paired=paired, threshold_low=threshold_low,
                             threshold_high=ALLIANCE_LEVEL if threshold_high is None
                             else threshold_high, bootstrap_seed=seed)
    return compare_scenarios(list(scenarios), dyads=dyads, replicates=replicates,
                             base_seed=seed, months=months, options=options, engine=engine)


def sensitivity(experiment: str | Path, *, output: str = "dyad:RUS:IRN:mean",
                scenario: str | None = None, workers: int = 1, engine: str = "batched",
                progress=None):
    """Sobol or Morris indices of one output of an experiment: the
    `sim.analysis.sensitivity.SensitivityReport` that ``sim sensitivity`` prints. ``experiment`` is
    an experiment (its sweep runs, or resumes, first) or a finished sweep folder."""
    from sim.analysis.sensitivity import analyse
    from sim.runs.sweep import load_sweep, run_sweep

    folder = Path(experiment)
    if not (folder / "manifest.json").exists():
        from sim.inputs.experiment import load_experiment

        load_experiment(experiment)
        folder = run_sweep(experiment, workers=workers, engine=engine,
                           progress=progress).folder
    return analyse(load_sweep(folder), output, scenario)


def cone(scenario: str | Path = "baseline", *, at_month: int = 0, replicates: int = 1000,
         months: int = 60, seed: int = 0, params: Mapping[str, float] | None = None,
         workers: int | None = None, parameter_sets: int = 0):
    """A cone of futures: ``replicates`` continuations of run ``seed`` of the scenario from
    the state after ``at_month`` months, for ``months`` months (`sim.runs.cone.Cone`). A spread of
    model runs from one state, not a forecast. ``parameter_sets`` > 0 splits the runs among
    that many sets of dynamics parameters drawn from their plausible ranges, so the spread
    covers parameter uncertainty as well as random draws."""
    from sim.dynamics.engine import advance
    from sim.dynamics.state import initial_state
    from sim.runs.cone import cone_of_futures

    w = world(scenario, params)
    at = _count("at_month", at_month, 0, w.horizon - 1)
    state = initial_state(w, [_count("seed", seed, 0, 2**62)])
    for _ in range(at):
        advance(state, w, keep_terms=False)
    return cone_of_futures(state, w, replicates=_count("replicates", replicates, 1, 100_000),
                           months=_count("months", months, 1, 600), workers=workers,
                           parameter_sets=_count("parameter_sets", parameter_sets, 0, 10_000))
