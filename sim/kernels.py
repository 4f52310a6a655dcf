"""Compiled kernels for the decision step, the hot loop of every ensemble.

Why compiled: utilities and logit choice touch every (replicate, actor, partner, action)
cell; in NumPy that is a dozen passes over R x N x N x 7 arrays per month, and it was half of
a batched month. A single compiled pass does the same arithmetic once per cell. These are
the only implementation of the two computations (`sim.decisions` calls them), so the Mesa
path, the batched path and the seminar's display of utilities all use them, and a cell's
result never depends on its batch: each cell is computed alone, in a fixed order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, vectorize

DISTANCE, HEDGE, MAINTAIN, DEEPEN, ARMS, COVER, SANCTION = range(7)


@njit(cache=True)
def dyadic_utilities_kernel(value, cross, pressure, obligations, has_obligations, rows,
                            hedging, arms_capacity, arms_need, asks, sanction_capacity,
                            move_cost, arms_cost, cover_cost, sanction_cost, out):
    """Fill ``out`` (R, len(rows), N, 7) with each dyadic action's utility; see
    `sim.decisions.dyadic_utilities` for the formulas (docs/ODD.md §7.4)."""
    n_rep = value.shape[0]
    n = value.shape[2]
    for r in range(n_rep):
        for k in range(rows.shape[0]):
            i = rows[k]
            h = hedging[i]
            arms_ok = arms_capacity[i] >= 0.1
            sanction_ok = sanction_capacity[i] >= 0.1
            for j in range(n):
                if i == j:
                    for a in range(7):
                        out[r, k, j, a] = -np.inf
                    out[r, k, j, MAINTAIN] = 0.0
                    continue
                v = value[r, i, j]
                cp = cross[r, i, j]
                u0 = -v - move_cost
                u1 = h * (1.0 - abs(v)) - 0.5 * v - move_cost
                u2 = 0.0
                u3 = v - move_cost - cp
                u4 = arms_capacity[i] * arms_need[j] * (v + asks[j, i]) - arms_cost - 2.0 * cp
                u5 = pressure[r, j] * v - cover_cost
                u6 = sanction_capacity[i] * (-v) - sanction_cost
                if has_obligations:
                    u0 += obligations[r, i, j, 0]
                    u1 += obligations[r, i, j, 1]
                    u2 += obligations[r, i, j, 2]
                    u3 += obligations[r, i, j, 3]
                    u4 += obligations[r, i, j, 4]
                    u5 += obligations[r, i, j, 5]
                    u6 += obligations[r, i, j, 6]
                out[r, k, j, 0] = u0
                out[r, k, j, 1] = u1
                out[r, k, j, 2] = u2
                out[r, k, j, 3] = u3
                out[r, k, j, 4] = u4 if arms_ok else -np.inf
                out[r, k, j, 5] = u5
                out[r, k, j, 6] = u6 if sanction_ok else -np.inf


@njit(cache=True)
def logit_choice_kernel(util, precision, draws, out):
    """For each row m of ``util`` (M, A): draw an action with probability proportional to
    exp(precision[m] * U), infeasible (-inf) actions weighing exactly 0; ``out`` (M,) int8.

    Inverse-CDF sampling with the cumulative weights summed in action order; if round-off
    lands the draw on an infeasible last action, the best feasible action is taken.
    """
    m_rows, n_act = util.shape
    w = np.empty(n_act)
    for m in range(m_rows):
        lam = precision[m]
        top = -np.inf
        for a in range(n_act):
            u = util[m, a]
            if u > -np.inf:
                z = lam * u
                if z > top:
                    top = z
        total = 0.0
        for a in range(n_act):
            u = util[m, a]
            if u > -np.inf:
                w[a] = np.exp(lam * u - top)
            else:
                w[a] = 0.0
            total += w[a]
        threshold = draws[m] * total
        acc = 0.0
        choice = 0
        for a in range(n_act - 1):
            acc += w[a]
            if acc <= threshold:
                choice += 1
        if w[choice] == 0.0:
            best = 0
            for a in range(1, n_act):
                if util[m, a] > util[m, best]:
                    best = a
            choice = best
        out[m] = choice


@njit(cache=True)
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


@njit(cache=True)
def saturate_terms(forces, a, change):
    """Turn forces (R, K, N, N) into bounded terms in place, zero on the diagonal, and
    write their sum over drivers, added in driver order, into ``change`` (R, N, N)."""
    n_rep, n_drv, n, _ = forces.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                total = 0.0
                if i == j:
                    for k in range(n_drv):
                        forces[r, k, i, j] = 0.0
                else:
                    aij = a[r, i, j]
                    for k in range(n_drv):
                        t = _saturated(forces[r, k, i, j], aij)
                        forces[r, k, i, j] = t
                        total += t
                change[r, i, j] = total


@njit(cache=True)
def theatre_affinity(intensity, engagement, position, competition, out):
    """Sum over theatres of I e_i e_j (x_i x_j - c max(0, x_i x_j)) into ``out`` (R, N, N),
    theatres added in order, zero on the diagonal (the theatre driver, docs/ODD.md)."""
    n_rep, n_th, n = engagement.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                total = 0.0
                if i != j:
                    for t in range(n_th):
                        agree = position[r, t, i] * position[r, t, j]
                        affinity = agree - competition[t] * max(0.0, agree)
                        total += (intensity[r, t] * engagement[r, t, i] * engagement[r, t, j]
                                  * affinity)
                out[r, i, j] = total
