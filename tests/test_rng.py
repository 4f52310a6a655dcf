"""The counter-based generator: range, keying, and a distribution check."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.core import rng


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
