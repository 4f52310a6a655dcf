"""The cone of futures: many continuations of one moment, the same whatever the threads."""

from __future__ import annotations

import numpy as np

from sim.core.actions import Dyadic
from sim.dynamics.engine import Overrides, advance
from sim.runs.cone import cone_of_futures, cone_seeds
from sim.runs.model import AlignmentModel


def test_cone_is_the_same_whatever_the_number_of_threads(mid_run):
    world, state = mid_run
    cones = [cone_of_futures(state, world, replicates=37, months=12, workers=w)
             for w in (1, 2, 3)]
    for c in cones[1:]:
        assert np.array_equal(c.alignment, cones[0].alignment)
        assert c.events == cones[0].events


def test_cone_equals_continuing_the_state_by_hand(mid_run):
    """Each continuation is the state, copied, given its seed and advanced month by month."""
    world, state = mid_run
    cone = cone_of_futures(state, world, replicates=9, months=6, workers=2)
    by_hand = state.take(np.zeros(9, dtype=int))
    by_hand.seeds = cone_seeds(int(state.seeds[0]), state.step, 9)
    assert np.array_equal(by_hand.seeds, cone.seeds)
    for m in range(6):
        advance(by_hand, world)
        assert np.array_equal(cone.alignment[m + 1], by_hand.alignment.astype(np.float32))
    assert np.array_equal(cone.alignment[0][0], state.alignment[0].astype(np.float32))


def test_cone_from_a_mesa_model_matches_the_batched_state(mid_run):
    """The seminar holds a Mesa model; its state gives the same cone as the batched one."""
    world, state = mid_run
    model = AlignmentModel(world, 11)
    for _ in range(20):
        model.step()
    a = cone_of_futures(model.state, world, replicates=8, months=5)
    b = cone_of_futures(state, world, replicates=8, months=5)
    assert np.array_equal(a.alignment, b.alignment)


def test_cone_seeds_depend_on_run_month_and_number_only():
    a = cone_seeds(5, 12, 100)
    assert np.array_equal(a, cone_seeds(5, 12, 100))
    assert np.array_equal(a[:10], cone_seeds(5, 12, 10))
    assert len(set(a.tolist())) == 100
    assert not set(a.tolist()) & set(cone_seeds(5, 13, 100).tolist())
    assert not set(a.tolist()) & set(cone_seeds(6, 12, 100).tolist())


def test_cone_stops_at_the_scenario_horizon(mid_run):
    world, state = mid_run
    late = state.copy()
    while late.step < world.horizon - 3:
        advance(late, world)
    cone = cone_of_futures(late, world, replicates=4, months=60)
    assert cone.months == 3


def test_overrides_apply_in_every_continuation(mid_run):
    """A player's announced move (Russia sanctions Iran for three months) is carried into
    every continuation, and it cools Iran towards Russia in the median."""
    world, state = mid_run
    ro = world.roster
    rus, irn = ro.index("RUS"), ro.index("IRN")
    move = {state.step + k: Overrides(dyadic={(rus, irn): int(Dyadic.SANCTION)})
            for k in range(3)}
    free = cone_of_futures(state, world, replicates=64, months=6)
    forced = cone_of_futures(state, world, replicates=64, months=6, overrides=move)
    assert np.array_equal(free.seeds, forced.seeds)
    gap = np.median(forced.alignment[-1, :, irn, rus] - free.alignment[-1, :, irn, rus])
    assert gap < -0.05, gap


def test_bands_are_ordered_quantiles(mid_run):
    world, state = mid_run
    cone = cone_of_futures(state, world, replicates=50, months=8)
    ro = world.roster
    b = cone.bands(ro.index("IRN"), ro.index("RUS"))
    assert b.shape == (5, 9)
    assert (np.diff(b, axis=0) >= 0).all()
    assert np.allclose(b[:, 0], b[0, 0])  # one starting point
    assert (b[-1, -1] - b[0, -1]) > 0  # the futures spread
