"""The compiled kernels compute exactly the documented formulas.

Each kernel replaced a few lines of NumPy; the NumPy lines are kept here as the reference,
and the kernel must agree with them to the last bit on random inputs (same operations in
the same order, so the same rounding). This is what lets the kernels change speed without
changing a single trajectory.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rng
from sim.core.actions import ENGAGEMENT_TARGET, Dyadic, TheatreAction
from sim.dynamics.drivers._common import ordered_sum
from sim.dynamics.kernels import (
    sanctions_force,
    settle_month,
    theatre_utilities_kernel,
    update_stocks,
)

R, N, T = 7, 9, 4


@pytest.fixture
def g():
    return np.random.default_rng(20261122)


def _zero_diag(x):
    out = x.copy()
    out[..., np.arange(x.shape[-1]), np.arange(x.shape[-1])] = 0.0
    return out


def test_uniform_matches_the_numpy_mixing_chain():
    def mix(z):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))

    seeds = np.array([0, 1, 2**40 + 7, 2**63 - 1], dtype=np.uint64)
    golden = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        k = mix(seeds + golden)
        k = mix(k + np.uint64(6) * golden)
        k = mix(k + np.uint64(int(rng.Stream.NOISE)) * golden)
        counters = (np.arange(30, dtype=np.uint64) + np.uint64(1)) * golden
        words = mix(k[:, None] + counters[None, :])
    want = ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    got = rng.uniform(seeds, 5, rng.Stream.NOISE, (5, 6))
    assert np.array_equal(got, want.reshape(4, 5, 6))


def test_update_stocks_matches_the_numpy_rules(g):
    dyadic = g.integers(0, 7, (R, N, N)).astype(np.int8)
    theatre = g.integers(0, 5, (R, N, T)).astype(np.int8)
    m0, base, own0 = g.random((R, N, N)), g.random((R, N, N)), g.random((R, N, N))
    eng0, inten0, ibase = g.random((R, T, N)), g.random((R, T)), g.random((R, T))
    stake = g.random((R, T, N)) * (g.random((R, T, N)) > 0.3)
    power = g.random(N)
    rev, step, decay, sstep, erate, trev, esc = g.random(7) * 0.3

    warm_own = ((dyadic == Dyadic.DEEPEN) | (dyadic == Dyadic.TRANSFER_ARMS)).astype(float)
    cold_own = ((dyadic == Dyadic.DISTANCE) | (dyadic == Dyadic.SANCTION)).astype(float)
    warm = 0.5 * (warm_own + np.swapaxes(warm_own, 1, 2))
    cold = 0.5 * (cold_own + np.swapaxes(cold_own, 1, 2))
    m = m0 + rev * (base - m0) + step * (warm * (1.0 - m0) - cold * m0)
    want_m = _zero_diag(np.clip(m, 0.0, 1.0))
    own = own0 * (1.0 - decay)
    want_own = own + sstep * (dyadic == Dyadic.SANCTION).astype(float) * (1.0 - own)
    st = np.swapaxes(stake, 1, 2)
    target = ENGAGEMENT_TARGET[theatre] * st
    target = np.where(theatre == TheatreAction.INTERVENE, np.minimum(1.0, st + 0.3), target)
    eng = np.swapaxes(eng0, 1, 2)
    want_eng = np.swapaxes(eng + erate * (target - eng), 1, 2)
    weight = power[None, :, None] * st
    push = ordered_sum((theatre == TheatreAction.INTERVENE) * weight, axis=1)
    calm = ordered_sum((theatre == TheatreAction.MEDIATE) * weight, axis=1)
    want_int = np.clip(inten0 + trev * (ibase - inten0)
                       + esc * (push - 0.5 * calm) * (1.0 - inten0), 0.0, 1.0)

    got = [np.empty_like(x) for x in (m0, own0, eng0, inten0)]
    update_stocks(dyadic, theatre, m0, base, own0, eng0, inten0, ibase, stake, power,
                  ENGAGEMENT_TARGET, rev, step, decay, sstep, erate, trev, esc, *got)
    for x, y in zip(got, (want_m, want_own, want_eng, want_int), strict=True):
        assert np.array_equal(x, y)


def test_sanctions_force_matches_the_numpy_formula(g):
    s = g.random((R, N, N)) * (g.random((R, N, N)) > 0.6)
    a = g.uniform(-1, 1, (R, N, N))
    pressure, shared, stake = g.random((R, N)), g.random((R, N, N)), g.random((R, N, N))
    exposure, power = g.random(N), g.random(N)
    sv, sr, ss = 0.3, 0.05, 0.2
    s_t = np.swapaxes(s, 1, 2)
    willing = 0.5 * (1.0 + np.swapaxes(a, 1, 2))
    outside = np.clip(1.0 - s_t / 0.1, 0.0, 1.0)
    value = _zero_diag(exposure[None, :, None] * pressure[:, :, None] * outside
                       * power[None, None, :] * willing * (1.0 + shared))
    want = sv * value - sr * (s_t + _zero_diag(s)) - ss * stake
    got = np.empty_like(a)
    sanctions_force(s, pressure, shared, stake, a, exposure, power, 0.1, sv, sr, ss, got)
    assert np.array_equal(got, want)


def test_theatre_utilities_match_the_numpy_formulas(g):
    stake = g.random((R, T, N)) * (g.random((R, T, N)) > 0.3)
    intensity, position = g.random((R, T)), g.uniform(-1, 1, (R, T, N))
    hedging, power = g.random(N), g.random(N)
    move, intervene = 0.05, 0.1
    rows = np.array([0, 3, 4, 8])
    s = np.swapaxes(stake * intensity[:, :, None], 1, 2)[:, rows, :]
    pos = np.abs(np.swapaxes(position, 1, 2)[:, rows, :])
    hedge, pw = hedging[rows][None, :, None], power[rows][None, :, None]
    want = np.empty((*s.shape, 5))
    want[..., 0] = -s - move
    want[..., 1] = hedge * s - 0.5 * s * pos - 0.5 * move  # the table's documented values
    want[..., 2] = 0.0
    want[..., 3] = 2.0 * s * pos * pw - intervene
    want[..., 4] = hedge * intensity[:, None, :] * (1.0 - pos) - move
    none = (np.swapaxes(stake, 1, 2)[:, rows] == 0.0)[..., None]
    want = np.where(none, -np.inf, want)
    want[..., 2] = 0.0
    got = np.empty_like(want)
    salience = np.swapaxes(stake * intensity[:, :, None], 1, 2)
    theatre_utilities_kernel(salience, position, intensity, stake, rows, hedging, power,
                             np.array([move, intervene, 0.5, 0.5, 2.0]), got)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("keep_terms", [True, False])
def test_settle_month_matches_the_documented_update(g, keep_terms):
    """Each share s_k of z moves by kappa((1 - w) c_k - s_k), the memory's by
    kappa(w m - s_mem), adjustments by -kappa s_adj, noise by -kappa s_noise + sd eps
    + sd^2 a / 2; episodes decay and
    arrive; a' = tanh(z' + sum E'); terms are the latent parts scaled by (a' - a) / (x' - x)
    and add up to the change."""
    d, c = 4, 3
    z = _zero_diag(g.normal(0, 0.8, (R, N, N)))
    m = _zero_diag(g.normal(0, 0.8, (R, N, N)))
    e = g.normal(0, 0.2, (R, c, N, N))
    for k in range(c):
        e[:, k] = _zero_diag(e[:, k])
    pending = g.normal(0, 0.1, (R, c, N, N))
    a = np.tanh(z + e.sum(axis=1))
    a[:, np.arange(N), np.arange(N)] = 1.0
    contributions = g.normal(0, 0.5, (d, R, N, N))
    noise = g.normal(0, 1.0, (R, N, N))
    kappa, w, rate, sd = 0.11, 0.4, 0.012, 0.03
    decay = np.array([0.8, 0.5, 0.9])
    off = ~np.eye(N, dtype=bool)

    shares = g.normal(0, 0.3, (R, d + 3, N, N))
    shares[:, -1] = z - shares[:, :-1].sum(axis=1)
    parts = [kappa * ((1.0 - w) * contributions[k] - shares[:, k]) for k in range(d)]
    mem = kappa * (w * m - shares[:, d])
    adj = -kappa * shares[:, d + 1]
    noise_part = -kappa * shares[:, d + 2] + sd * noise + 0.5 * sd * sd * a
    dz = parts[0].copy()
    for p in parts[1:]:
        dz = dz + p
    dz = dz + mem + adj + noise_part
    z_new = z + dz
    e_new = decay[None, :, None, None] * e + pending
    x_new = z_new + e_new.sum(axis=1)
    a_new = np.tanh(x_new)
    a_new[:, np.arange(N), np.arange(N)] = 1.0

    terms = np.empty((R, d + 3 + c, N, N)) if keep_terms else np.empty((0, 0, 0, 0))
    z_io, m_io, e_io, s_io, p_io = z.copy(), m.copy(), e.copy(), shares.copy(), pending.copy()
    new_a, trend, target, seen, total = (np.empty_like(z) for _ in range(5))
    settle_month(contributions, s_io, z_io, m_io, e_io, p_io, a, noise, kappa, w, rate, decay,
                 sd, keep_terms, terms, new_a, trend, target, seen, total)
    if keep_terms:  # the drivers' and memory's shares serve the explanation only
        np.testing.assert_allclose(s_io.sum(axis=1)[:, off], z_io[:, off], atol=1e-12)
    np.testing.assert_allclose(z_io[:, off], z_new[:, off], rtol=0, atol=1e-12)
    np.testing.assert_allclose(new_a, a_new, rtol=0, atol=1e-12)
    np.testing.assert_allclose(e_io[:, :, off], e_new[:, :, off], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m_io[:, off], (m + rate * (x_new - m))[:, off], atol=1e-12)
    np.testing.assert_allclose(trend, a_new - a, atol=1e-12)
    want_target = (1.0 - w) * contributions.sum(axis=0) + w * m
    np.testing.assert_allclose(target[:, off], want_target[:, off], atol=1e-12)
    np.testing.assert_allclose(total[:, off], e_new.sum(axis=1)[:, off], atol=1e-12)
    want_seen = np.tanh(z_new - s_io[:, -1] + e_new.sum(axis=1))
    np.testing.assert_allclose(seen[:, off], want_seen[:, off], atol=1e-12)
    assert not p_io.any()  # cleared for the next month
    if keep_terms:
        np.testing.assert_allclose(terms.sum(axis=1), a_new - a, atol=1e-12)
        scale = (a_new - a) / (x_new - z - e.sum(axis=1))
        np.testing.assert_allclose(terms[:, 0][:, off], (parts[0] * scale)[:, off],
                                   atol=1e-12)
