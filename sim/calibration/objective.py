"""The quantity a calibration minimises, and the world a candidate parameter vector makes.

Why this loss. The targets are qualitative (orderings, directions, ranges), so there is no
likelihood of the data in the usual sense. Each target's *slack* (`sim.targets`) measures how
far the ensemble clears its condition; divided by its standard error it is a z-score, and the
target counts as met when that exceeds the one-sided 5% quantile Z = 1.645. The loss is the
sum over in-sample targets of the squared shortfall ``max(0, Z - slack/se)``: zero exactly
when every target is met, growing smoothly with how badly one is missed, in the units of the
report's verdicts. A weak prior pulls each parameter towards its hand-set value
(``prior_weight`` squared standard errors for a move across the whole range), so that where
the targets say nothing the fit stays where the modeller put it rather than wandering.

Every candidate is scored on the same replicate seeds (common random numbers), so the loss
is a deterministic function of the parameters and the optimiser compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.calendar import month_index
from sim.ensemble import run_batched
from sim.scenario import Scenario
from sim.targets import Target, TargetFile, TargetResult, Z, evaluate
from sim.world import World, build_world

#: Standard errors below this are treated as this (a noiseless statistic would divide by 0).
MIN_SE = 1e-9


@dataclass(frozen=True)
class Problem:
    """Everything a worker needs to score a candidate; small and picklable."""

    scenario: Scenario
    base: Path  # folder of the scenario file, for its relative paths
    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    hand_set: np.ndarray  # the values the scenario uses without calibration
    targets: TargetFile
    targets_file: Path
    prior_weight: float

    @property
    def targets_name(self) -> str:
        return self.targets_file.name

    @property
    def in_sample(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets.targets if not self.targets.held_out(t))

    def months_needed(self, targets: tuple[Target, ...]) -> int:
        """Months to simulate so every target's last period is inside the run."""
        last = max(month_index(p[1], self.scenario.start) for t in targets for p in t.periods())
        return min(last + 1, self.scenario.horizon_months)


def candidate_world(problem: Problem, x: np.ndarray) -> World:
    """The scenario's world with the free parameters set to ``x``."""
    dynamics: dict[str, float] = {}
    events: dict[str, dict[str, float]] = {}
    for name, value in zip(problem.names, x, strict=True):
        kind, *rest = name.split(".")
        if kind == "dynamics":
            dynamics[rest[0]] = float(value)
        else:
            events.setdefault(rest[0], {})[rest[1]] = float(value)
    sc = problem.scenario
    if events:
        sc = sc.model_copy(update={"events": [
            ev.model_copy(update=events[ev.id]) if ev.id in events else ev for ev in sc.events]})
    return build_world(sc, problem.base, dynamics=dynamics)


def shortfall(results: list[TargetResult]) -> np.ndarray:
    """Per target, how many standard errors short of a 'met' verdict it is (0 if met)."""
    z = np.array([r.slack / max(r.se, MIN_SE) for r in results])
    return np.maximum(0.0, Z - z)


def prior_penalty(problem: Problem, x: np.ndarray) -> float:
    scaled = (np.asarray(x, dtype=float) - problem.hand_set) / (problem.high - problem.low)
    return problem.prior_weight * float(np.sum(scaled ** 2))


def evaluate_targets(problem: Problem, x: np.ndarray, seeds: np.ndarray,
                     targets: tuple[Target, ...] | None = None) -> list[TargetResult]:
    """Run the candidate for just as long as the targets need and score each of them."""
    targets = problem.in_sample if targets is None else targets
    world = candidate_world(problem, x)
    rec = run_batched(world, seeds, keep_terms=False, months=problem.months_needed(targets))
    ids = world.roster.ids
    return [evaluate(t, rec.alignment, ids, world.start, problem.targets.held_out(t))
            for t in targets]


def loss(problem: Problem, x: np.ndarray, seeds: np.ndarray) -> float:
    return float(np.sum(shortfall(evaluate_targets(problem, x, seeds)) ** 2)
                 + prior_penalty(problem, x))


@dataclass(frozen=True)
class Objective:
    """``loss`` on fixed seeds, as the one-argument callable an optimiser wants.

    A module-level class (not a closure) so a process pool can send it to its workers."""

    problem: Problem
    seeds: np.ndarray

    def __call__(self, x: np.ndarray) -> float:
        return loss(self.problem, x, self.seeds)
