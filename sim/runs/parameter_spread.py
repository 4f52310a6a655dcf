"""Parameter uncertainty for the cone of futures: sets of dynamics parameters drawn from
their plausible ranges.

Why: a cone that spreads only the model's random draws shows how noisy the model is, not
how little is known about its rates and weights; read in a room, it looks like a forecast.
Each continuation of a cone is run under one of a few parameter sets, so its spread
covers both. The ranges are the dynamics table's statement of uncertainty (the interval
`sim calibrate` wrote, or the spread the confidence of the evidence gives;
`sim.dynamics.params.plausible_ranges`), never the wider allowed ranges.

Why a Latin hypercube: with a handful of sets (20 by default) it covers every parameter's
range evenly, where independent draws would leave gaps. Why log-uniform for ranges of one
sign: the ranges are multiplicative (v / f to v × f), so a value and its reciprocal
distance from the centre are equally likely.

A set depends only on the seed it is drawn from and its number, so the same cone asked
twice uses the same sets, whatever the number of threads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import qmc

from sim.core.rng import derive_seed
from sim.dynamics.params import plausible_ranges
from sim.dynamics.world import World
from sim.inputs.compile import set_values

#: Stream tag mixed into the seed of a cone's parameter sets.
PARAMETER_SET_TAG = 0x9A7A


def sampled_ranges(world: World) -> dict[str, tuple[float, float]]:
    """The parameters a cone samples and their ranges, around the world's own values (a
    sweep point or a scenario's override included; `plausible_ranges`): those with a range
    of some width (parameters fixed by design, or with high confidence, stay)."""
    ranges = plausible_ranges(world.dynamics_table, dict(world.p))
    return {name: (float(lo), float(hi)) for name, (lo, hi) in sorted(ranges.items())
            if hi > lo}


def _scale(u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if lo > 0:
        return lo * (hi / lo) ** u
    if hi < 0:
        return hi * (lo / hi) ** u  # both negative: log-uniform in the magnitude
    return lo + (hi - lo) * u


def parameter_sets(world: World, count: int, seed: int) -> list[dict[str, float]]:
    """``count`` parameter sets (name -> value) for ``world``, a Latin hypercube over the
    sampled ranges, reproducible from ``seed``. None when nothing is uncertain."""
    ranges = sampled_ranges(world)
    if count <= 0 or not ranges:
        return []
    names = list(ranges)
    rng = np.random.default_rng(derive_seed(PARAMETER_SET_TAG, seed))
    unit = qmc.LatinHypercube(d=len(names), rng=rng).random(count)
    cols = {n: _scale(unit[:, k], *ranges[n]) for k, n in enumerate(names)}
    return [{n: float(cols[n][i]) for n in names} for i in range(count)]


def worlds_for(world: World, sets: list[Mapping[str, float]]) -> list[World]:
    """The world under each parameter set, its standing residual fixed again on its family's
    root under those rates (`sim.inputs.compile.set_values`): the documented start stays the
    rest point, and the rates change only how the relations respond."""
    return [set_values(world, {f"dynamics.{k}": v for k, v in s.items()},
                       source="parameter set") for s in sets]
