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

With ``[episodes]`` the run goes on through the history's documented episodes
(`sim.analysis.history_episodes`), and each check adds the square of how many standard
errors its ensemble statistic lies outside the documented range (zero inside it). With
``[expectations]`` every named scenario and its reference run on the same seeds with the
candidate's dynamics values, and each expectation adds the square of how many standard
errors its effect falls short, capped (`expectation_cost` says why); an effect of the wrong
sign is never capped.

Every candidate is scored on the same replicate seeds (common random numbers), so the loss
is a deterministic function of the parameters and the optimiser compares like with like.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from sim.analysis import history_episodes as he
from sim.analysis.calibration.unga import months_through
from sim.analysis.calibration.unga_loss import UngaData, UngaFit, fit_votes
from sim.analysis.scenario_effects import EffectResult, effects
from sim.core.calendar import month_index
from sim.dynamics.world import World
from sim.inputs.compile import build_world, set_values
from sim.inputs.scenario import Scenario
from sim.inputs.targets import Target, TargetFile, TargetResult, Z, evaluate
from sim.runs.ensemble import run_batched

#: Standard errors below this are treated as this (a noiseless statistic would divide by 0).
MIN_SE = 1e-9


@dataclass(frozen=True)
class ExpectationCase:
    """A scenario whose documented expectations the fit answers to, and its reference."""

    scenario: Scenario
    base: Path
    reference: Scenario
    reference_base: Path

    @property
    def months(self) -> int:
        return max(e.months[1] for e in self.scenario.expected)


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
    episodes: he.EpisodeFile | None = None  # the documented episodes, when fitted to
    episode_weight: float = 1.0
    episode_resolution: float = 0.01
    expectation_cases: tuple[ExpectationCase, ...] = ()
    expectation_weight: float = 1.0
    expectation_cap: float = 9.0
    expectation_margin: float = 0.0

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
        if self.episodes is not None:
            last = max(last, he.months_needed(self.episodes, self.scenario.start))
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
    return _compiled(problem.scenario, problem.base, problem.world_key)


def _compiled(scenario: Scenario, base: Path, key: str = "") -> World:
    key = key or world_key(scenario, base)
    world = _WORLDS.get(key)
    if world is None:
        if len(_WORLDS) >= 64:
            _WORLDS.clear()
        world = _WORLDS[key] = build_world(scenario, base)
    return world


def case_world(problem: Problem, scenario: Scenario, base: Path, x: np.ndarray) -> World:
    """An expectation scenario's world with the candidate's *dynamics* values (its events
    are its own: an ``event.*`` parameter belongs to the fitted scenario only)."""
    values = {n: float(v) for n, v in zip(problem.names, x, strict=True)
              if n.startswith("dynamics.")}
    world = _compiled(scenario, base)
    return set_values(world, values, source="calibration candidate") if values else world


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


def episode_cost(results: dict[str, list[he.CheckResult]], resolution: float) -> float:
    """The squared distance of each check's statistic outside its range, in units of its
    standard error or of the documents' ``resolution``, whichever is larger."""
    return float(sum(max(0.0, -r.slack / max(r.se, resolution, MIN_SE)) ** 2
                     for checks in results.values() for r in checks))


def effect_se(r: EffectResult) -> float:
    """The standard error behind an effect's 95% paired t-interval."""
    if r.replicates < 2 or r.high <= r.low:
        return MIN_SE
    return (r.high - r.low) / (2.0 * float(stats.t.ppf(0.975, r.replicates - 1)))


def expectation_cost(r: EffectResult, cap: float, margin: float = 0.0) -> float:
    """How far an expectation is from met, in squared standard errors.

    An expected change costs the square of the standard errors by which its effect falls
    short of the minimum effect; no change, the square of those by which its interval
    leaves the margin. A miss costs at most ``cap``: the documents' bar is a count of
    expectations met, and an uncapped square would let one or two far misses (the known
    disagreements) steer the whole fit. An effect of the wrong sign costs ``cap`` plus its
    own square: never acceptable, however the others fare. With a ``margin``, an expected
    change must clear its minimum by that many standard errors to cost nothing, so that a
    fit does not leave it just over the line on its own seeds."""
    e, se = r.expected, effect_se(r)
    if e.direction == "none":  # the interval already holds the sampling error
        short = -(e.min_effect - max(abs(r.low), abs(r.high))) / se
    else:
        short = margin - (r.signed - e.min_effect) / se
    cost = min(cap, max(0.0, short) ** 2)
    if e.direction != "none" and r.signed < 0:
        cost = cap + (r.signed / se) ** 2
    return float(cost)


@dataclass(frozen=True)
class Evaluation:
    """One candidate on one set of seeds: its targets and, with the votes on, their fit;
    with episodes and expectations on, those too."""

    results: list[TargetResult]
    votes: UngaFit | None
    episodes: dict[str, list[he.CheckResult]] | None = None
    shape: tuple[str, ...] = ()
    expectations: list[EffectResult] | None = None


@dataclass(frozen=True)
class LossParts:
    """The loss and its parts (a part is 0 when its table is absent)."""

    targets: float
    votes: float
    prior: float
    episodes: float = 0.0
    expectations: float = 0.0

    @property
    def total(self) -> float:
        return self.targets + self.votes + self.prior + self.episodes + self.expectations


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
    episodes, shape = None, ()
    if problem.episodes is not None:
        replay = he.Replay(world.start, ids, rec.alignment)
        episodes = he.episode_results(problem.episodes, replay)
        shape = tuple(he.shape_problems(problem.episodes.shape, replay))
    expectations = (expectation_results(problem, x, seeds) if problem.expectation_cases
                    else None)
    return Evaluation(results, votes, episodes, shape, expectations)


def expectation_results(problem: Problem, x: np.ndarray, seeds: np.ndarray) -> \
        list[EffectResult]:
    """Every case's expectations with the candidate's values; a reference that several
    cases share (the baseline) runs once."""
    runs: dict[tuple[str, int], np.ndarray] = {}

    def alignment(scenario: Scenario, base: Path, months: int) -> tuple[list[str], np.ndarray]:
        world = case_world(problem, scenario, base, x)
        key = (world_key(scenario, base), months)
        if key not in runs:
            runs[key] = run_batched(world, seeds, keep_terms=False, months=months).alignment
        return list(world.roster.ids), runs[key]

    out = []
    for case in problem.expectation_cases:
        ids, own = alignment(case.scenario, case.base, case.months)
        _, ref = alignment(case.reference, case.reference_base, case.months)
        out += effects(case.scenario.expected, ids, own, ref)
    return out


def loss_parts(problem: Problem, x: np.ndarray, ev: Evaluation) -> LossParts:
    """The parts of the loss of an evaluation; only in-sample targets count."""
    in_sample = [r for r in ev.results if not r.held_out]
    episodes = (problem.episode_weight * episode_cost(ev.episodes, problem.episode_resolution)
                if ev.episodes is not None else 0.0)
    expectations = (problem.expectation_weight * sum(
        expectation_cost(r, problem.expectation_cap, problem.expectation_margin)
        for r in ev.expectations)
                    if ev.expectations is not None else 0.0)
    return LossParts(targets=float(np.sum(shortfall(in_sample) ** 2)),
                     votes=ev.votes.term if ev.votes is not None else 0.0,
                     prior=prior_penalty(problem, x), episodes=episodes,
                     expectations=expectations)


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
