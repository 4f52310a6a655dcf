"""Measuring a scenario's expected effects against its reference scenario.

Both scenarios run with the same seeds, so each seed gives a paired difference (common
random numbers, which removes most of the noise the two runs share). The effect of an
expectation is the mean over seeds of the difference in mean alignment over its window; its
95% interval is the paired t-interval (``scipy.stats.ttest_1samp``). An expectation of a
change is met when the effect has the documented sign, reaches ``min_effect`` and its
interval excludes 0; an expectation of no change (``none``) when the whole interval lies
within ±``min_effect`` (two one-sided tests at 2.5% each).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.core.config_errors import ConfigError
from sim.inputs.compile import build_world
from sim.inputs.scenario import ExpectedEffect, Scenario, load_scenario, resolve_scenario_path
from sim.runs.ensemble import ensemble_seeds, run_batched

#: Replicates and base seed of the checks (the tests use these too).
EFFECT_REPLICATES = 32
EFFECT_SEED = 4242


@dataclass
class EffectResult:
    expected: ExpectedEffect
    effect: float
    low: float
    high: float
    replicates: int

    @property
    def signed(self) -> float:
        return self.effect if self.expected.direction == "up" else -self.effect

    @property
    def right_sign(self) -> bool:
        return self.signed > 0

    @property
    def large_enough(self) -> bool:
        return self.signed >= self.expected.min_effect

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def within_margin(self) -> bool:
        m = self.expected.min_effect
        return -m <= self.low and self.high <= m

    @property
    def met(self) -> bool:
        if self.expected.direction == "none":
            return self.within_margin
        return self.right_sign and self.large_enough and self.excludes_zero

    def describe(self) -> str:
        e = self.expected
        verdict = "met" if self.met else "NOT met"
        return (f"{e.source}->{e.target} {e.direction} over months {e.months[0]}-"
                f"{e.months[1] - 1}: effect {self.effect:+.3f} "
                f"[{self.low:+.3f}, {self.high:+.3f}] (min {e.min_effect:.2f}) -> {verdict}")


_RUNS: dict[tuple, tuple] = {}


def _run(sc: Scenario, seeds, months: int):
    """Runs are cached by scenario content, seeds and length: most share one reference."""
    key = (sc.model_dump_json(), tuple(int(s) for s in seeds), months)
    if key not in _RUNS:
        world = build_world(sc)
        _RUNS[key] = (world, run_batched(world, seeds, keep_terms=False, months=months))
    return _RUNS[key]


def measure(scenario: str | Scenario, replicates: int = EFFECT_REPLICATES,
            base_seed: int = EFFECT_SEED) -> tuple[Scenario, list[EffectResult]]:
    """Run a scenario and its reference on the same seeds and measure every expectation."""
    base = None
    if isinstance(scenario, Scenario):
        sc = scenario
    else:
        path = resolve_scenario_path(scenario)
        base = path.parent
        sc = load_scenario(path)
    if not sc.expected:
        return sc, []
    ref = load_scenario(resolve_scenario_path(sc.reference, base))
    if (ref.start, ref.horizon_months) != (sc.start, sc.horizon_months):
        raise ConfigError(sc.name, [f"reference {ref.name!r} starts {ref.start} with "
                                    f"{ref.horizon_months} months; {sc.name!r} starts "
                                    f"{sc.start} with {sc.horizon_months}: they must agree"])
    months = max(e.months[1] for e in sc.expected)
    seeds = ensemble_seeds(base_seed, replicates)
    (world, rec), (_, ref_rec) = (_run(s, seeds, months) for s in (sc, ref))
    return sc, effects(sc.expected, world.roster.ids, rec.alignment, ref_rec.alignment)


def effects(expected: list[ExpectedEffect], ids: list[str], alignment: np.ndarray,
            reference: np.ndarray) -> list[EffectResult]:
    """Every expectation measured on a scenario's run record and its reference's, both
    (months + 1, replicates, N, N) on the same seeds; `sim calibrate` scores candidates
    with this too."""
    results = []
    replicates = alignment.shape[1]
    for e in expected:
        i, j = ids.index(e.source), ids.index(e.target)
        d = (alignment[e.months[0]:e.months[1], :, i, j].mean(axis=0)
             - reference[e.months[0]:e.months[1], :, i, j].mean(axis=0))
        if np.allclose(d, d[0]):
            low = high = float(d[0])
        else:
            ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
            low, high = float(ci.low), float(ci.high)
        results.append(EffectResult(e, float(d.mean()), low, high, replicates))
    return results
