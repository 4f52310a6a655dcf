"""Fitting: repeated differential-evolution fits, their comparison on fresh seeds, and slices.

Why repeated fits. The loss is computed on a finite ensemble, so a fit's optimum depends on
its seeds as well as on the targets. Fitting several times, each on its own seeds and with
its own optimiser stream, shows how much of the fitted value is evidence and how much is
Monte Carlo noise or a flat loss: the spread of the fits is the reported uncertainty. The
fits are then scored on a larger set of fresh seeds that none of them saw, and the best of
them becomes the calibrated set (choosing on the fit seeds would reward overfitting them).

Why slices. Holding the other parameters at the chosen fit, the loss along one parameter
shows whether the targets identify it at all: a flat slice means they do not. The values
whose loss is within 2.71 of the slice's minimum (the 90% cut of a chi-square with one
degree of freedom, since the loss is a sum of squared z-scores and, with the votes on, minus
twice their measurement model's log-likelihood: `sim.analysis.calibration.unga_loss`) are reported
as its interval. It is a slice, not a profile: the others are not re-optimised at each point.

Reproducibility: seeds are derived from the calibration's seed and the fit's number only;
the optimiser evaluates each generation as a batch (``updating="deferred"``) and the
results are mapped back in order, so the same file gives the same fit on any number of
workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution

from sim.analysis.calibration.config import (
    Calibration,
    episodes_path,
    expectation_paths,
    targets_path,
    unga_data_path,
)
from sim.analysis.calibration.objective import (
    Evaluation,
    ExpectationCase,
    LossParts,
    Objective,
    Problem,
    evaluate_candidate,
    loss_parts,
    world_key,
)
from sim.analysis.calibration.unga_loss import UngaFit, load_unga_data
from sim.analysis.history_episodes import load_episodes
from sim.core.rng import derive_seed
from sim.inputs import registry
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario, resolve_scenario_path
from sim.inputs.targets import TargetResult, load_targets

FIT_TAG, VALIDATION_TAG, OPTIMISER_TAG = 0xCA11, 0xCA12, 0xCA13
#: Chi-square(1) 90% quantile: the loss rise that bounds a slice's interval.
CHI2_90 = 2.705543454095404

Mapper = Callable[[Callable, Iterable], list]


def fit_seeds(seed: int, fit: int, replicates: int) -> np.ndarray:
    return np.array([derive_seed(FIT_TAG, seed, fit, r) for r in range(replicates)],
                    dtype=np.uint64)


def validation_seeds(seed: int, replicates: int) -> np.ndarray:
    return np.array([derive_seed(VALIDATION_TAG, seed, r) for r in range(replicates)],
                    dtype=np.uint64)


def build_problem(cal: Calibration, cal_file: Path) -> tuple[Problem, Path]:
    """The scenario, targets and free parameters of a checked calibration file."""
    sc_path = resolve_scenario_path(cal.scenario, cal_file.parent)
    scenario = load_scenario(sc_path)
    world = build_world(scenario, sc_path.parent)
    hand = [registry.current_value(world, p.name) for p in cal.parameters]
    votes = (load_unga_data(unga_data_path(cal, cal_file), cal.unga.measure, cal.unga.weight,
                            cal.unga.measurement)
             if cal.unga is not None else None)
    problem = Problem(
        scenario=scenario, base=sc_path.parent, names=tuple(p.name for p in cal.parameters),
        low=np.array([p.low for p in cal.parameters]),
        high=np.array([p.high for p in cal.parameters]),
        hand_set=np.array(hand), targets=load_targets(targets_path(cal, cal_file)),
        targets_file=targets_path(cal, cal_file), prior_weight=cal.prior_weight, unga=votes,
        world_key=world_key(scenario, sc_path.parent),
        episodes=(load_episodes(episodes_path(cal, cal_file)) if cal.episodes is not None
                  else None),
        episode_weight=cal.episodes.weight if cal.episodes is not None else 1.0,
        episode_resolution=cal.episodes.resolution if cal.episodes is not None else 0.01,
        expectation_cases=expectation_cases(cal, cal_file),
        expectation_weight=cal.expectations.weight if cal.expectations is not None else 1.0,
        expectation_cap=cal.expectations.cap if cal.expectations is not None else 9.0,
        expectation_margin=cal.expectations.margin if cal.expectations is not None else 0.0)
    return problem, sc_path


def expectation_cases(cal: Calibration, cal_file: Path) -> tuple[ExpectationCase, ...]:
    cases = []
    for path in expectation_paths(cal, cal_file):
        sc = load_scenario(path)
        ref_path = resolve_scenario_path(sc.reference, path.parent)
        cases.append(ExpectationCase(sc, path.parent, load_scenario(ref_path), ref_path.parent))
    return tuple(cases)


@dataclass(frozen=True)
class Fit:
    index: int
    x: np.ndarray
    loss: float  # on the fit's own seeds
    hand_loss: float  # the hand-set values on the same seeds
    evaluations: int
    generations: int
    converged: bool
    message: str
    validation_loss: float = float("nan")


@dataclass(frozen=True)
class Slice:
    name: str
    grid: np.ndarray
    loss: np.ndarray

    def interval(self) -> tuple[float, float]:
        """Where the loss stays within `CHI2_90` of the slice's minimum, around the minimum;
        each edge is interpolated linearly between the grid points either side of the
        crossing (a coarse grid would otherwise shrink the interval to its points)."""
        cut = self.loss.min() + CHI2_90
        best = int(np.argmin(self.loss))
        lo = hi = best
        while lo > 0 and self.loss[lo - 1] <= cut:
            lo -= 1
        while hi < len(self.grid) - 1 and self.loss[hi + 1] <= cut:
            hi += 1
        return self._edge(lo, lo - 1, cut), self._edge(hi, hi + 1, cut)

    def _edge(self, inside: int, outside: int, cut: float) -> float:
        if outside < 0 or outside >= len(self.grid):
            return float(self.grid[inside])
        g0, g1, l0, l1 = (self.grid[inside], self.grid[outside], self.loss[inside],
                          self.loss[outside])
        return float(g0 + (g1 - g0) * (cut - l0) / (l1 - l0))


@dataclass(frozen=True)
class TargetReport:
    """All targets (in-sample and held out) and the votes for one parameter vector, over a
    full run; a picklable callable for the worker pool."""

    problem: Problem
    seeds: np.ndarray

    def __call__(self, x: np.ndarray) -> Evaluation:
        return evaluate_candidate(self.problem, x, self.seeds,
                                  tuple(self.problem.targets.targets), report=True)


@dataclass
class CalibrationResult:
    cal: Calibration
    cal_file: Path
    scenario_file: Path
    problem: Problem
    fits: list[Fit]
    best: int  # index into fits
    hand_validation_loss: float
    slices: list[Slice]
    hand: Evaluation  # on the validation seeds, every target
    calibrated_evaluation: Evaluation
    seconds: float
    workers: int
    evaluations: int
    extra: dict = field(default_factory=dict)

    @property
    def calibrated(self) -> np.ndarray:
        return self.fits[self.best].x

    @property
    def hand_results(self) -> list[TargetResult]:
        return self.hand.results

    @property
    def calibrated_results(self) -> list[TargetResult]:
        return self.calibrated_evaluation.results

    @property
    def hand_votes(self) -> UngaFit | None:
        return self.hand.votes

    @property
    def calibrated_votes(self) -> UngaFit | None:
        return self.calibrated_evaluation.votes

    def parts(self) -> tuple[LossParts, LossParts]:
        """The loss of the hand-set and calibrated values on the validation seeds, by part."""
        return (loss_parts(self.problem, self.problem.hand_set, self.hand),
                loss_parts(self.problem, self.calibrated, self.calibrated_evaluation))


def fit_once(problem: Problem, cal: Calibration, k: int, mapper: Mapper) -> Fit:
    seeds = fit_seeds(cal.seed, k, cal.replicates)
    objective = Objective(problem, seeds)
    opt = cal.optimiser
    res = differential_evolution(
        objective, bounds=list(zip(problem.low, problem.high, strict=True)),
        rng=np.random.default_rng(derive_seed(OPTIMISER_TAG, cal.seed, k)),
        popsize=opt.popsize, maxiter=opt.maxiter, tol=opt.tol, mutation=opt.mutation,
        recombination=opt.recombination, init=opt.init, polish=False, updating="deferred",
        workers=mapper, x0=problem.hand_set)
    (hand_loss,) = mapper(objective, [problem.hand_set])
    return Fit(index=k, x=np.asarray(res.x, dtype=float), loss=float(res.fun),
               hand_loss=float(hand_loss), evaluations=int(res.nfev) + 1,
               generations=int(res.nit), converged=bool(res.success), message=str(res.message))


def slices(problem: Problem, centre: np.ndarray, seeds: np.ndarray, points: int,
           mapper: Mapper) -> list[Slice]:
    grids, vectors = [], []
    for i in range(len(centre)):
        grid = np.unique(np.r_[np.linspace(problem.low[i], problem.high[i], points), centre[i]])
        grids.append(grid)
        for g in grid:
            v = centre.copy()
            v[i] = g
            vectors.append(v)
    losses = np.array(mapper(Objective(problem, seeds), vectors))
    out, k = [], 0
    for name, grid in zip(problem.names, grids, strict=True):
        out.append(Slice(name, grid, losses[k:k + len(grid)]))
        k += len(grid)
    return out


def planned_evaluations(cal: Calibration) -> int:
    """Objective evaluations at most, for a progress bar."""
    d = len(cal.parameters)
    per_fit = cal.optimiser.popsize * d * (cal.optimiser.maxiter + 1) + 1
    slice_points = d * (cal.profile_points + 1) if cal.profile_points else 0
    return cal.fits * per_fit + cal.fits + 1 + slice_points + 2


def calibrate(cal: Calibration, cal_file: Path, mapper: Mapper, workers: int = 1) -> \
        CalibrationResult:
    """Fit, compare the fits on fresh seeds, slice around the best, report every target."""
    t0 = time.perf_counter()
    problem, sc_path = build_problem(cal, cal_file)
    fits = [fit_once(problem, cal, k, mapper) for k in range(cal.fits)]
    vseeds = validation_seeds(cal.seed, cal.validation_replicates)
    hand_vloss, *fit_vloss = mapper(Objective(problem, vseeds),
                                    [problem.hand_set, *(f.x for f in fits)])
    fits = [replace(f, validation_loss=float(v)) for f, v in zip(fits, fit_vloss, strict=True)]
    best = int(np.argmin([f.validation_loss for f in fits]))
    cuts = (slices(problem, fits[best].x, vseeds, cal.profile_points, mapper)
            if cal.profile_points else [])
    hand, calibrated = mapper(TargetReport(problem, vseeds), [problem.hand_set, fits[best].x])
    evaluations = (sum(f.evaluations for f in fits) + len(fits) + 1
                   + sum(len(s.grid) for s in cuts) + 2)
    return CalibrationResult(
        cal=cal, cal_file=cal_file, scenario_file=sc_path, problem=problem, fits=fits,
        best=best, hand_validation_loss=float(hand_vloss), slices=cuts,
        hand=hand, calibrated_evaluation=calibrated,
        seconds=time.perf_counter() - t0, workers=workers, evaluations=evaluations)
