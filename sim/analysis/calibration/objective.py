"""The quantity a calibration minimises, and the world a candidate parameter vector makes.

Why this loss. The targets are qualitative (orderings, directions, ranges), so there is no
likelihood of the data in the usual sense. Each target's *slack* (`sim.inputs.targets`) measures how
far the ensemble clears its condition; divided by its standard error it is a z-score, and the
target counts as met when that exceeds the one-sided 5% quantile Z = 1.645. The loss is the
sum over in-sample targets of the squared shortfall ``max(0, Z - slack/se)``: zero exactly
when every target is met, growing smoothly with how badly one is missed, in the units of the
report's verdicts. A weak prior pulls each parameter towards its hand-set value
(``prior_weight`` squared standard errors for a move across the whole range), so that where
the targets say nothing the fit stays where the modeller put it rather than wandering.

With a ``[unga]`` table the loss gains a third part, the UN General Assembly votes of
1992-2012 against the replay's yearly alignment: minus twice the log-likelihood ratio of
their measurement model (against a replay whose scores sit at their targets), so that it is
in the same units as the targets' part (`sim.analysis.calibration.unga_loss` says why and how). The
run then reaches December 2012 even when the targets end earlier.

Every candidate is scored on the same replicate seeds (common random numbers), so the loss
is a deterministic function of the parameters and the optimiser compares like with like.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.calibration.unga import months_through
from sim.analysis.calibration.unga_loss import UngaData, UngaFit, fit_votes
from sim.core.calendar import month_index
from sim.dynamics.world import World
from sim.inputs.compile import build_world, set_values
from sim.inputs.scenario import Scenario
from sim.inputs.targets import Target, TargetFile, TargetResult, Z, evaluate
from sim.runs.ensemble import run_batched

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
    unga: UngaData | None = None  # the votes, when the calibration fits to them
    world_key: str = ""  # `world_key` of the scenario, computed once ("" : on each use)

    @property
    def targets_name(self) -> str:
        return self.targets_file.name

    @property
    def in_sample(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets.targets if not self.targets.held_out(t))

    def months_needed(self, targets: tuple[Target, ...]) -> int:
        """Months to simulate so every target's last period is inside the run and, with the
        votes on, every in-sample year of them, to December 2012 (years of the run after
        2012 are matched with nothing: the votes from 2013 are held out and never read)."""
        last = max((month_index(p[1], self.scenario.start) + 1 for t in targets
                    for p in t.periods()), default=0)
        if self.unga is not None:
            last = max(last, months_through(self.scenario.start))
        return min(last, self.scenario.horizon_months)


#: Hand-set worlds built in this process, by `Problem.world_key`. Compiling a scenario reads
#: and checks its files (and its family's root), which can cost more than a short run, so a
#: worker compiles it once and makes each candidate from it.
_WORLDS: dict[str, World] = {}


def world_key(scenario: Scenario, base: Path) -> str:
    """What a hand-set world depends on: the scenario and the folder it is read from."""
    text = scenario.model_dump_json() + "\0" + str(base)
    return hashlib.sha256(text.encode()).hexdigest()


def hand_world(problem: Problem) -> World:
    """The scenario's world with its own (hand-set) values, compiled once per process."""
    key = problem.world_key or world_key(problem.scenario, problem.base)
    world = _WORLDS.get(key)
    if world is None:
        if len(_WORLDS) >= 4:
            _WORLDS.clear()
        world = _WORLDS[key] = build_world(problem.scenario, problem.base)
    return world


def candidate_world(problem: Problem, x: np.ndarray) -> World:
    """The scenario's world with the free parameters set to ``x``, through the registry
    (`sim.inputs.compile.set_values`), which fixes the standing residual again under these values
    (decision record 0008), as `build_world` would: the documented start stays an
    equilibrium and ``x`` changes only responses. Fitted event values act once the event
    fires."""
    return set_values(hand_world(problem),
                          dict(zip(problem.names, (float(v) for v in x), strict=True)),
                          source="calibration candidate")


def shortfall(results: list[TargetResult]) -> np.ndarray:
    """Per target, how many standard errors short of a 'met' verdict it is (0 if met)."""
    z = np.array([r.slack / max(r.se, MIN_SE) for r in results])
    return np.maximum(0.0, Z - z)


def prior_penalty(problem: Problem, x: np.ndarray) -> float:
    scaled = (np.asarray(x, dtype=float) - problem.hand_set) / (problem.high - problem.low)
    return problem.prior_weight * float(np.sum(scaled ** 2))


@dataclass(frozen=True)
class Evaluation:
    """One candidate on one set of seeds: its targets and, with the votes on, their fit."""

    results: list[TargetResult]
    votes: UngaFit | None


@dataclass(frozen=True)
class LossParts:
    """The loss and its three parts (the votes' part is 0 without a ``[unga]`` table)."""

    targets: float
    votes: float
    prior: float

    @property
    def total(self) -> float:
        return self.targets + self.votes + self.prior


def evaluate_candidate(problem: Problem, x: np.ndarray, seeds: np.ndarray,
                       targets: tuple[Target, ...] | None = None, *,
                       report: bool = False) -> Evaluation:
    """Run the candidate for just as long as the targets (and the votes) need and score it;
    ``report`` adds every figure of the votes' comparison (`unga.score`)."""
    targets = problem.in_sample if targets is None else targets
    world = candidate_world(problem, x)
    rec = run_batched(world, seeds, keep_terms=False, months=problem.months_needed(targets))
    ids = world.roster.ids
    results = [evaluate(t, rec.alignment, ids, world.start, problem.targets.held_out(t))
               for t in targets]
    votes = None
    if problem.unga is not None:  # the replay's in-sample years only: the votes end in 2012
        in_sample = rec.alignment[:months_through(world.start) + 1]
        votes = fit_votes(problem.unga, in_sample, ids, world.start, full=report)
    return Evaluation(results, votes)


def loss_parts(problem: Problem, x: np.ndarray, ev: Evaluation) -> LossParts:
    """The parts of the loss of an evaluation; only in-sample targets count."""
    in_sample = [r for r in ev.results if not r.held_out]
    return LossParts(targets=float(np.sum(shortfall(in_sample) ** 2)),
                     votes=ev.votes.term if ev.votes is not None else 0.0,
                     prior=prior_penalty(problem, x))


def loss(problem: Problem, x: np.ndarray, seeds: np.ndarray) -> float:
    return loss_parts(problem, x, evaluate_candidate(problem, x, seeds)).total


@dataclass(frozen=True)
class Objective:
    """``loss`` on fixed seeds, as the one-argument callable an optimiser wants.

    A module-level class (not a closure) so a process pool can send it to its workers."""

    problem: Problem
    seeds: np.ndarray

    def __call__(self, x: np.ndarray) -> float:
        return loss(self.problem, x, self.seeds)
