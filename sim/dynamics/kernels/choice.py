"""Compiled decision step: utilities of every action and the logit draw.

These touch every (replicate, actor, partner, action) cell; in NumPy that was a dozen
passes over R x N x N x 7 arrays a month and half of a batched month. `sim.dynamics.decisions`
calls them, so the Mesa path, the batched path and the seminar's display of utilities
all use them, and a cell's result never depends on its batch: each cell is computed
alone, in a fixed order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.rng import _GOLDEN, _M1, _M2, _S27, _S30, _S31
from sim.dynamics.kernels.codes import (
    MAINTAIN,
    T_INTERVENE,
    T_MEDIATE,
    T_RESTRAIN,
    T_SUPPORT,
    T_WITHDRAW,
)


@njit(cache=True, nogil=True)
def dyadic_utilities_kernel(value, gap, cross, pressure, obligations, slot, rows, last,
                            hedging, arms_capacity, arms_need, asks, sanction_capacity,
                            gap_weight, move_cost, arms_cost, cover_cost, sanction_cost,
                            switch_cost, capacity_floor, hedge_gap_share, arms_cross_pressure,
                            out):
    """Fill ``out`` (R, len(rows), N, 7) with each dyadic action's utility; see
    `sim.dynamics.decisions.dyadic_utilities` for the formulas (docs/ODD.md §7.4). Actor i's treaty
    obligations are ``obligations[:, slot[i]]`` where ``slot[i] >= 0``; every action but
    last month's (``last`` (R, N, N)) costs ``switch_cost`` more: policies persist. Every
    coefficient is a parameter of the dynamics table, passed in: none is written here."""
    n_rep = value.shape[0]
    n = value.shape[2]
    n_act = out.shape[3]  # the menu's size comes with the array (sim.core.actions.Dyadic)
    for r in range(n_rep):
        for k in range(rows.shape[0]):
            i = rows[k]
            h = hedging[i]
            arms_ok = arms_capacity[i] >= capacity_floor
            sanction_ok = sanction_capacity[i] >= capacity_floor
            o = slot[i]
            for j in range(n):
                if i == j:
                    for a in range(n_act):
                        out[r, k, j, a] = -np.inf
                    out[r, k, j, MAINTAIN] = 0.0
                    continue
                v = value[r, i, j]
                g = gap_weight * gap[r, i, j]
                cp = cross[r, i, j]
                u0 = -g - move_cost
                u1 = h * (1.0 - abs(v)) - hedge_gap_share * g - move_cost
                u2 = 0.0
                u3 = g - move_cost - cp
                u4 = arms_capacity[i] * arms_need[j] * (v + asks[j, i]) - arms_cost \
                    - arms_cross_pressure * cp
                u5 = pressure[r, j] * v - cover_cost
                u6 = sanction_capacity[i] * (-v) - sanction_cost
                if o >= 0:
                    u0 += obligations[r, o, j, 0]
                    u1 += obligations[r, o, j, 1]
                    u2 += obligations[r, o, j, 2]
                    u3 += obligations[r, o, j, 3]
                    u4 += obligations[r, o, j, 4]
                    u5 += obligations[r, o, j, 5]
                    u6 += obligations[r, o, j, 6]
                out[r, k, j, 0] = u0
                out[r, k, j, 1] = u1
                out[r, k, j, 2] = u2
                out[r, k, j, 3] = u3
                out[r, k, j, 4] = u4 if arms_ok else -np.inf
                out[r, k, j, 5] = u5
                out[r, k, j, 6] = u6 if sanction_ok else -np.inf
                before = last[r, i, j]
                for a in range(n_act):
                    if a != before:
                        out[r, k, j, a] -= switch_cost


@njit(cache=True, nogil=True)
def theatre_utilities_kernel(salience, position, intensity, stake, rows, hedging, power,
                             move_cost, intervene_cost, restraint_stance_cost,
                             restraint_move_share, intervene_gain, out):
    """Fill ``out`` (R, len(rows), T, 5) with each theatre action's utility; see
    `sim.dynamics.decisions.theatre_utilities` for the formulas (docs/ODD.md §7.4). Actors without a
    stake in a theatre can only carry on as they are (support, utility 0)."""
    n_rep = salience.shape[0]
    n_th = salience.shape[2]
    n_act = out.shape[3]  # the menu's size comes with the array (sim.core.actions.TheatreAction)
    for r in range(n_rep):
        for k in range(rows.shape[0]):
            i = rows[k]
            h = hedging[i]
            pw = power[i]
            for t in range(n_th):
                if stake[r, t, i] == 0.0:
                    for a in range(n_act):
                        out[r, k, t, a] = -np.inf
                    out[r, k, t, T_SUPPORT] = 0.0
                    continue
                s = salience[r, i, t]
                pos = abs(position[r, t, i])
                out[r, k, t, T_WITHDRAW] = -s - move_cost
                out[r, k, t, T_RESTRAIN] = (h * s - restraint_stance_cost * s * pos
                                            - restraint_move_share * move_cost)
                out[r, k, t, T_SUPPORT] = 0.0
                out[r, k, t, T_INTERVENE] = intervene_gain * s * pos * pw - intervene_cost
                out[r, k, t, T_MEDIATE] = h * intensity[r, t] * (1.0 - pos) - move_cost


@njit(cache=True, nogil=True)
def cap_moves_kernel(choice, util, rows, fixed, budget):
    """Keep at most ``budget[i]`` departures from "maintain" per (replicate, actor i): those
    with the largest utility gain over maintaining (ties to the lower partner index); the
    rest fall back to maintain. ``choice`` (R, M, N) int8 in place, ``util`` (R, M, N, A),
    ``rows`` (M,) the actors; cells with ``fixed[i, j]`` (decided by a player or White)
    are neither counted nor capped: their moves come from outside and use up the budget.

    Why: a government makes a few deliberate moves a month, each large enough to see, not
    a small move towards every partner (decision record 0008)."""
    n_rep, m_rows, n = choice.shape
    kept = np.empty(n, dtype=np.int64)
    for r in range(n_rep):
        for k in range(m_rows):
            i = rows[k]
            limit = budget[i]
            count = 0
            for j in range(n):
                if choice[r, k, j] != MAINTAIN and not fixed[i, j]:
                    kept[count] = j
                    count += 1
            while count > limit:
                worst = 0
                worst_gain = np.inf
                for c in range(count):
                    j = kept[c]
                    gain = util[r, k, j, choice[r, k, j]] - util[r, k, j, MAINTAIN]
                    if gain <= worst_gain:  # ties: drop the higher index (seen later)
                        worst_gain = gain
                        worst = c
                choice[r, k, kept[worst]] = MAINTAIN
                for c in range(worst, count - 1):
                    kept[c] = kept[c + 1]
                count -= 1


@njit(cache=True, nogil=True)
def _pick(util, m, lam, draw, w):
    """One cell's logit draw: weights exp(lam U - max) in ``w`` (the caller's scratch of
    length A), infeasible actions (-inf) weighing exactly 0; inverse-CDF sampling with the
    cumulative weights summed in action order; if round-off lands the draw on an
    infeasible action, the best feasible one is taken."""
    n_act = util.shape[1]
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
    threshold = draw * total
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
    return choice


@njit(cache=True, nogil=True)
def logit_choice_kernel(util, precision, draws, out):
    """For each row m of ``util`` (M, A): draw an action with probability proportional to
    exp(precision[m] * U) with the uniform ``draws[m]`` (see `_pick`); ``out`` (M,) int8."""
    w = np.empty(util.shape[1])
    for m in range(util.shape[0]):
        out[m] = _pick(util, m, precision[m], draws[m], w)


@njit(cache=True, nogil=True)
def logit_choice_keyed(util, precision, keys, rows, width, out):
    """As `logit_choice_kernel` for cells (R, M, K) flattened in that order (``util``
    (R x M x K, A), ``precision`` (M,) by actor), each drawing its own counter-based uniform:
    replicate r's key ``keys[r]`` and counter rows[m] x width + k, the address
    `sim.core.rng.uniform` gives element [r, rows[m], k] of a (N, width) draw. The same
    numbers, without making and reading the month's (R, N, width) array of draws; a
    replicate's draws are mixed first, in a loop the compiler vectorises, then used."""
    n_rep = keys.shape[0]
    m_rows = rows.shape[0]
    per_rep = m_rows * width
    draws = np.empty(per_rep)
    w = np.empty(util.shape[1])
    for r in range(n_rep):
        key = keys[r]
        for mm in range(m_rows):
            base = rows[mm] * width
            for k in range(width):
                z = key + (np.uint64(base + k) + np.uint64(1)) * _GOLDEN
                z = (z ^ (z >> _S30)) * _M1
                z = (z ^ (z >> _S27)) * _M2
                z = z ^ (z >> _S31)
                draws[mm * width + k] = (np.float64(z >> np.uint64(11)) + 0.5) * 2.0**-53
        for mm in range(m_rows):
            lam = precision[mm]
            for k in range(width):
                c = mm * width + k
                out[r * per_rep + c] = _pick(util, r * per_rep + c, lam, draws[c], w)
