"""Which assumptions can the targets see at all? A one-at-a-time screen before a fit.

A fit over every rate would be slow and mostly flat, so a calibration file names the few
that move its targets. This screen is how to choose them: each dynamics rate or weight is
halved and doubled in turn (within its allowed range), the in-sample targets are scored on
common seeds, and the parameters are ranked by the summed absolute change of the targets'
slacks. With a ``[unga]`` table the change of the votes' loss term is shown beside it
(``votes_effect``, in loss units; it does not enter the ranking, whose units are the
targets' slacks). It is a local screen around the hand-set values, not a global
sensitivity analysis (`sim sensitivity` is that); its job is only to say what is worth
fitting.

Which parameters: every entry of `sim.dynamics.params.RANGES` that a calibration may fit
(an assumption of the scenario's dynamics table: a value a document fixes is evidence),
except the few in `NOT_SCREENED`, which are switches of the design rather than rates.
Deriving the list from RANGES keeps the screen complete when the dynamics change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration.config import Calibration
from sim.analysis.calibration.fit import Mapper, build_problem, validation_seeds
from sim.analysis.calibration.objective import Problem, evaluate_candidate
from sim.dynamics.params import RANGES, load_dynamics_file
from sim.inputs.compile import build_world

#: RANGES entries the screen leaves out, and why.
NOT_SCREENED: dict[str, str] = {
    "standing_weight": "a switch of the design (decision record 0008): below 1 the documented "
                       "start is no longer an equilibrium, so it is not a rate to fit",
}


@dataclass(frozen=True)
class _Slacks:
    """In-sample slacks of one candidate, and its votes' loss term (0 without them);
    picklable for the worker pool."""

    problem: Problem
    seeds: np.ndarray

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        ev = evaluate_candidate(self.problem, x, self.seeds)
        return (np.array([r.slack for r in ev.results]),
                ev.votes.term if ev.votes is not None else 0.0)


def screened_names(problem: Problem) -> tuple[str, ...]:
    """The RANGES entries the screen varies: the scenario table's assumptions, less
    `NOT_SCREENED`."""
    path = problem.scenario.dynamics_path(problem.base)
    table = load_dynamics_file(path) if path else load_dynamics_file()
    return tuple(k for k in RANGES
                 if k not in NOT_SCREENED and table.params[k].is_assumption)


def screen_rates(cal: Calibration, cal_file: Path, mapper: Mapper,
                 factors: tuple[float, float] = (0.5, 2.0)) -> pd.DataFrame:
    """Rank every screened rate and weight by how much halving and doubling it moves the
    in-sample targets (summed absolute change of slack), on the calibration's validation
    seeds."""
    fitted, _ = build_problem(cal, cal_file)
    world = build_world(fitted.scenario, fitted.base)  # the scenario's own (hand-set) rates
    keys = screened_names(fitted)
    names = tuple(f"dynamics.{k}" for k in keys)
    base = np.array([world.p[k] for k in keys])
    problem = replace(fitted, names=names, low=np.array([RANGES[k][0] for k in keys]),
                      high=np.array([RANGES[k][1] for k in keys]), hand_set=base)
    vectors = [base]
    for i, k in enumerate(keys):
        lo, hi = RANGES[k]
        for f in factors:
            v = base.copy()
            v[i] = min(max(base[i] * f, lo), hi)
            vectors.append(v)
    seeds = validation_seeds(cal.seed, cal.replicates)
    out = mapper(_Slacks(problem, seeds), vectors)
    ref, ref_votes = out[0]
    ids = [t.id for t in problem.in_sample]
    rows = []
    for i, name in enumerate(names):
        moved = [np.abs(out[1 + 2 * i + k][0] - ref) for k in range(2)]
        row = {"parameter": name, "hand_set": base[i],
               "effect": float(sum(m.sum() for m in moved)),
               "largest_target": ids[int(np.argmax(moved[0] + moved[1]))],
               "fitted": name in fitted.names}
        if fitted.unga is not None:
            row["votes_effect"] = float(sum(abs(out[1 + 2 * i + k][1] - ref_votes)
                                            for k in range(2)))
        rows.append(row)
    return pd.DataFrame(rows).sort_values("effect", ascending=False, ignore_index=True)
