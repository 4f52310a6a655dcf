"""Compiled settlement of a month: bounded driver terms, their sum, the new alignment."""

from __future__ import annotations

from numba import njit, vectorize


@njit(cache=True, nogil=True)
def _saturated(force, a):
    """The formula, once: f(1 - a) for an upward force, f(1 + a) for a downward one."""
    if force > 0.0:
        return force * (1.0 - a)
    return force * (1.0 + a)


@vectorize(["float64(float64, float64)"], cache=True)
def saturate(force, a):
    """Bounded contribution of a force to alignment a, as a NumPy ufunc (any shapes); see
    `sim.engine.saturate` for why this form."""
    return _saturated(force, a)


@njit(cache=True, nogil=True)
def settle_month(forces, a, keep_terms, terms, new, trend, clipped):
    """Settle a month in one pass over (replicate, i, j).

    ``forces`` is a tuple of K driver forces (R, N, N). Each is bounded (see
    `sim.engine.saturate`; zero on the diagonal) and, if ``keep_terms``, written into
    ``terms`` (R, K, N, N); the terms are added in driver order into the change. Writes
    the new alignment (clipped to [-1, 1], 1 on the diagonal) into ``new``, its change
    from ``a`` into ``trend``, and whether the raw sum left [-1, 1] anywhere into
    ``clipped`` (R,).
    """
    n_drv = len(forces)
    n_rep, n, _ = a.shape
    for r in range(n_rep):
        out_of_range = False
        for i in range(n):
            for j in range(n):
                total = 0.0
                aij = a[r, i, j]
                for k in range(n_drv):
                    t = 0.0 if i == j else _saturated(forces[k][r, i, j], aij)
                    if keep_terms:
                        terms[r, k, i, j] = t
                    total += t
                raw = aij + total
                if raw > 1.0 or raw < -1.0:
                    out_of_range = True
                v = min(max(raw, -1.0), 1.0)
                if i == j:
                    v = 1.0
                new[r, i, j] = v
                trend[r, i, j] = v - aij
        clipped[r] = out_of_range
