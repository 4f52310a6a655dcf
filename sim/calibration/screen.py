"""Which assumptions can the targets see at all? A one-at-a-time screen before a fit.

A fit over every rate would be slow and mostly flat, so a calibration file names the few
that move its targets. This screen is how to choose them: each dynamics rate is halved and
doubled in turn (within its allowed range), the in-sample targets are scored on common
seeds, and the rates are ranked by the summed absolute change of the targets' slacks. It is
a local screen around the hand-set values, not a global sensitivity analysis
(`sim sensitivity` is that); its job is only to say what is worth fitting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.config import Calibration
from sim.calibration.fit import Mapper, build_problem, validation_seeds
from sim.calibration.objective import Problem, evaluate_targets
from sim.dynamics_params import RANGES
from sim.world import build_world


@dataclass(frozen=True)
class _Slacks:
    """In-sample slacks of one candidate; picklable for the worker pool."""

    problem: Problem
    seeds: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.array([r.slack for r in evaluate_targets(self.problem, x, self.seeds)])


def screen_rates(cal: Calibration, cal_file: Path, mapper: Mapper,
                 factors: tuple[float, float] = (0.5, 2.0)) -> pd.DataFrame:
    """Rank every dynamics rate by how much halving and doubling it moves the in-sample
    targets (summed absolute change of slack), on the calibration's validation seeds."""
    fitted, _ = build_problem(cal, cal_file)
    world = build_world(fitted.scenario, fitted.base)  # the scenario's own (hand-set) rates
    names = tuple(f"dynamics.{k}" for k in RANGES)
    base = np.array([world.p[k] for k in RANGES])
    problem = replace(fitted, names=names, low=np.array([r[0] for r in RANGES.values()]),
                      high=np.array([r[1] for r in RANGES.values()]), hand_set=base)
    vectors = [base]
    for i, (lo, hi) in enumerate(RANGES.values()):
        for f in factors:
            v = base.copy()
            v[i] = min(max(base[i] * f, lo), hi)
            vectors.append(v)
    seeds = validation_seeds(cal.seed, cal.replicates)
    slacks = mapper(_Slacks(problem, seeds), vectors)
    ref = slacks[0]
    rows = []
    for i, name in enumerate(names):
        moved = [np.abs(slacks[1 + 2 * i + k] - ref) for k in range(2)]
        rows.append({"parameter": name, "hand_set": base[i],
                     "effect": float(sum(m.sum() for m in moved)),
                     "largest_target": [t.id for t in problem.in_sample][
                         int(np.argmax(moved[0] + moved[1]))],
                     "fitted": name in fitted.names})
    return pd.DataFrame(rows).sort_values("effect", ascending=False, ignore_index=True)
