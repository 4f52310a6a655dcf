"""The counter-based generator: range, keying, and a distribution check."""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from sim.core import rng
from sim.core.inverse_normal import inverse_normal_row


def test_uniform_open_interval_and_keyed():
    u = rng.uniform(np.arange(4), 3, rng.Stream.NOISE, (50, 50))
    assert u.shape == (4, 50, 50)
    assert (u > 0).all() and (u < 1).all()
    again = rng.uniform(np.array([2]), 3, rng.Stream.NOISE, (50, 50))
    assert np.array_equal(u[2], again[0])
    assert not np.array_equal(u[2], rng.uniform(np.array([2]), 4, rng.Stream.NOISE, (50, 50))[0])
    assert not np.array_equal(u[2], rng.uniform(np.array([2]), 3, rng.Stream.DYADIC_CHOICE,
                                                (50, 50))[0])


def test_distributions_pass_goodness_of_fit():
    """Kolmogorov-Smirnov against U(0,1) and N(0,1) on 200k draws; p > 0.001."""
    u = rng.uniform(np.array([123]), 0, rng.Stream.NOISE, (200_000,)).ravel()
    z = rng.normal(np.array([123]), 1, rng.Stream.NOISE, (200_000,)).ravel()
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # neighbouring seeds are not correlated
    a = rng.uniform(np.array([1, 2]), 0, rng.Stream.NOISE, (100_000,))
    assert abs(np.corrcoef(a[0], a[1])[0, 1]) < 0.02


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64)))


def test_normal_draws_are_scipys_ndtri_of_the_uniforms_to_the_bit():
    """The noise stream stayed what it was when it was SciPy's ndtri of the uniforms:
    several seeds, steps, streams and shapes, compared bit for bit."""
    seeds = np.array([0, 1, 7, 2**40 + 3, 2**63 - 1], dtype=np.uint64)
    for step, stream, shape in ((0, rng.Stream.NOISE, (16, 16)), (37, rng.Stream.NOISE, (5,)),
                                (119, rng.Stream.EVENT_HAZARD, (3, 4, 2)), (2, 2, ())):
        z = rng.normal(seeds, step, stream, shape)
        assert z.shape == (len(seeds), *shape)
        assert _same_bits(z, special.ndtri(rng.uniform(seeds, step, stream, shape)))


def test_the_compiled_inverse_normal_is_ndtri_everywhere():
    """Bit for bit against SciPy on the generator's own grid of uniforms, on the deep tails
    (down to the smallest draw the generator makes and far below), on both sides of the
    switches between approximations, and at the edges (0, 1, outside [0, 1], NaN)."""
    gen = np.random.default_rng(20261129)
    grid = (gen.integers(0, 2**53, 1_000_000).astype(np.float64) + 0.5) * 2.0**-53
    deep = np.exp(-gen.random(200_000) * 745.0)  # down to about 5e-324
    tail = 0.13533528323661269189
    switches = [tail, 1 - tail, np.exp(-32.0), 1 - np.exp(-32.0)]
    near = [np.nextafter(x, d) for x in switches for d in (0.0, 1.0)] + switches
    edges = np.array([0.0, 1.0, 0.5, 0.5 * 2.0**-53, 1 - 2.0**-54, 5e-324, 1e-300,
                      np.nextafter(1.0, 0.0), -0.0, -1e-300, -0.5, 1.5, np.inf, -np.inf,
                      np.nan, *near])
    for u in (grid, deep, 1.0 - deep, edges):
        out = np.empty_like(u)
        inverse_normal_row(u, out)
        expected = special.ndtri(u)
        nan = np.isnan(expected)
        assert np.array_equal(np.isnan(out), nan)
        assert _same_bits(out[~nan], expected[~nan])


def test_a_months_keys_at_once_are_each_streams_keys():
    seeds = np.array([0, 1, 2**63 + 5, 12345], dtype=np.uint64)
    for step in (0, 1, 119, 5000):
        table = rng.month_keys(seeds, step)
        assert table.shape == (len(rng.Stream), len(seeds))
        for stream in rng.Stream:
            assert np.array_equal(table[stream - 1], rng.keys(seeds, step, stream))
        hazard = table[rng.Stream.EVENT_HAZARD - 1]
        assert np.array_equal(rng.uniform_keyed(hazard, (3,)),
                              rng.uniform(seeds, step, rng.Stream.EVENT_HAZARD, (3,)))


def test_a_states_month_keys_follow_its_step_and_its_seeds(baseline_world):
    from sim.dynamics.state import initial_state

    state = initial_state(baseline_world, [3, 4, 5])
    first = state.month_keys()
    assert state.month_keys() is first  # made once a month
    assert np.array_equal(state.keys(rng.Stream.NOISE),
                          rng.keys(state.seeds, state.step, rng.Stream.NOISE))
    state.step += 1
    assert np.array_equal(state.keys(rng.Stream.NOISE),
                          rng.keys(state.seeds, state.step, rng.Stream.NOISE))
    part = state.take([2, 0])  # other seeds: its own keys
    assert np.array_equal(part.keys(rng.Stream.DYADIC_CHOICE),
                          rng.keys(part.seeds, part.step, rng.Stream.DYADIC_CHOICE))
    state.seeds = np.array([7, 8, 9], dtype=np.uint64)
    assert np.array_equal(state.keys(rng.Stream.THEATRE_CHOICE),
                          rng.keys(state.seeds, state.step, rng.Stream.THEATRE_CHOICE))
