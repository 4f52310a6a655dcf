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
T_WITHDRAW, T_RESTRAIN, T_SUPPORT, T_INTERVENE, T_MEDIATE = range(5)


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def theatre_utilities_kernel(salience, position, intensity, stake, rows, hedging, power,
                             move_cost, intervene_cost, out):
    """Fill ``out`` (R, len(rows), T, 5) with each theatre action's utility; see
    `sim.decisions.theatre_utilities` for the formulas (docs/ODD.md §7.4). Actors without a
    stake in a theatre can only carry on as they are (support, utility 0)."""
    n_rep = salience.shape[0]
    n_th = salience.shape[2]
    for r in range(n_rep):
        for k in range(rows.shape[0]):
            i = rows[k]
            h = hedging[i]
            pw = power[i]
            for t in range(n_th):
                if stake[t, i] == 0.0:
                    for a in range(5):
                        out[r, k, t, a] = -np.inf
                    out[r, k, t, T_SUPPORT] = 0.0
                    continue
                s = salience[r, i, t]
                pos = abs(position[r, t, i])
                out[r, k, t, T_WITHDRAW] = -s - move_cost
                out[r, k, t, T_RESTRAIN] = h * s - 0.5 * s * pos - 0.5 * move_cost
                out[r, k, t, T_SUPPORT] = 0.0
                out[r, k, t, T_INTERVENE] = 2.0 * s * pos * pw - intervene_cost
                out[r, k, t, T_MEDIATE] = h * intensity[r, t] * (1.0 - pos) - move_cost


@njit(cache=True, nogil=True)
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
                z = lam * u - top
                w[a] = 1.0 if z == 0.0 else np.exp(z)  # exp(0) is exactly 1: skip the call
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
def settle_month(forces, a, new, trend, clipped):
    """Settle a month in one pass over (replicate, i, j).

    Turns forces (R, K, N, N) into bounded terms in place (zero on the diagonal), adds them
    in driver order into the change, and writes the new alignment (clipped to [-1, 1],
    1 on the diagonal) into ``new``, its change from ``a`` into ``trend`` and whether the
    raw sum left [-1, 1] anywhere into ``clipped`` (R,).
    """
    n_rep, n_drv, n, _ = forces.shape
    for r in range(n_rep):
        out_of_range = False
        for i in range(n):
            for j in range(n):
                total = 0.0
                aij = a[r, i, j]
                if i == j:
                    for k in range(n_drv):
                        forces[r, k, i, j] = 0.0
                else:
                    for k in range(n_drv):
                        t = _saturated(forces[r, k, i, j], aij)
                        forces[r, k, i, j] = t
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def update_stocks(dyadic, theatre, interdependence, interdependence_base, sanctions_own,
                  engagement, intensity, intensity_base, stake, power, engagement_target,
                  reversion, inter_step, sanction_decay, sanction_step, engagement_rate,
                  theatre_reversion, escalation, new_inter, new_own, new_engagement,
                  new_intensity):
    """The stocks that actions move, in one pass (see `sim.adjudication.apply_actions` for
    the rules): interdependence, sanctions imposed by action, theatre engagement and
    theatre intensity, written into the ``new_*`` arrays."""
    n_rep, n, _ = dyadic.shape
    n_th = stake.shape[0]
    keep_own = 1.0 - sanction_decay
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                dij = dyadic[r, i, j]
                dji = dyadic[r, j, i]
                w_ij = 1.0 if (dij in (DEEPEN, ARMS)) else 0.0
                w_ji = 1.0 if (dji in (DEEPEN, ARMS)) else 0.0
                c_ij = 1.0 if (dij in (DISTANCE, SANCTION)) else 0.0
                c_ji = 1.0 if (dji in (DISTANCE, SANCTION)) else 0.0
                warm = 0.5 * (w_ij + w_ji)
                cold = 0.5 * (c_ij + c_ji)
                m = interdependence[r, i, j]
                m = (m + reversion * (interdependence_base[r, i, j] - m)
                     + inter_step * (warm * (1.0 - m) - cold * m))
                new_inter[r, i, j] = 0.0 if i == j else min(max(m, 0.0), 1.0)
                own = sanctions_own[r, i, j] * keep_own
                hit = 1.0 if dij == SANCTION else 0.0
                new_own[r, i, j] = own + sanction_step * hit * (1.0 - own)
        for t in range(n_th):
            push = 0.0
            calm = 0.0
            for i in range(n):
                st = stake[t, i]
                act = theatre[r, i, t]
                target = engagement_target[act] * st
                if act == T_INTERVENE:
                    target = min(1.0, st + 0.3)
                e = engagement[r, t, i]
                new_engagement[r, t, i] = e + engagement_rate * (target - e)
                weight = power[i] * st
                up = weight if act == T_INTERVENE else 0.0
                down = weight if act == T_MEDIATE else 0.0
                if i == 0:
                    push = up
                    calm = down
                else:
                    push = push + up
                    calm = calm + down
            it = intensity[r, t]
            v = (it + theatre_reversion * (intensity_base[r, t] - it)
                 + escalation * (push - 0.5 * calm) * (1.0 - it))
            new_intensity[r, t] = min(max(v, 0.0), 1.0)


@njit(cache=True, nogil=True)
def sanctions_force(s, pressure, shared, secondary_stake, alignment, exposure, power,
                    threshold, value_rate, resentment_rate, secondary_rate, out):
    """The sanctions-pressure driver's force into ``out`` (R, N, N), given the pressure on
    each target (R, N), how far i and j are sanctioned by the same imposers (R, N, N) and
    i's stake with j's secondary sanctioners (R, N, N); see
    `sim.drivers.sanctions_pressure`. (``shared`` comes in computed: NumPy's expm1 and
    the C library's differ in the last bit.)"""
    n_rep, n, _ = s.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                s_t = s[r, j, i]  # j's sanctions on i
                if i == j:
                    value = 0.0
                else:
                    willing = 0.5 * (1.0 + alignment[r, j, i])
                    outside = min(max(1.0 - s_t / threshold, 0.0), 1.0)
                    value = (exposure[i] * pressure[r, i] * outside * power[j] * willing
                             * (1.0 + shared[r, i, j]))
                held = secondary_stake[r, i, j] * max(0.0, alignment[r, i, j])
                out[r, i, j] = value_rate * value - resentment_rate * s_t - secondary_rate * held
