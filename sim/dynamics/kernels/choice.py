"""Compiled decision step: utilities of every action, the logit weights and the draw.

These touch every (replicate, actor, partner, action) cell. A month's decisions are one
call, `decide_block` (`sim.dynamics.decisions.choose`), which for each replicate in turn:

1. writes each cell's utilities and logit exponents action by action (the cells of an
   action side by side), for the dyadic and the theatre menus;
2. takes their ``exp`` by NumPy's own vectorised loop (`sim.core.ufunc_loops`): the same
   bits as ``np.exp``, several times faster than a scalar ``exp`` per cell and action, and
   giving an element the same bits wherever it sits in an array (an infeasible action's
   exponent is 0, its weight set to 0 by the draw: see `_exponents`);
3. draws each cell's counter-based uniform, picks by inverse CDF, all cells of the
   replicate at once (each cell's sums in action order), and caps the moves an actor makes
   a month.

Why one call: as three (exponents, NumPy's ``exp`` over the block, draws) the block's
menus and weights, a few megabytes at 128 replicates, went through memory three times
and the month made three passes' worth of calls from Python.

The formulas of a cell are written once (`_dyadic_menu`, `_theatre_menu`) and serve the
display of utilities (`dyadic_utilities_kernel`, `theatre_utilities_kernel`) and
`sim.dynamics.decisions.logit_choice` as well. A cell's result never depends on its batch:
each cell is computed alone, in a fixed order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.rng import _GOLDEN, finalise, word_to_uniform
from sim.core.ufunc_loops import apply_loop
from sim.dynamics.kernels.codes import (
    MAINTAIN,
    T_INTERVENE,
    T_MEDIATE,
    T_RESTRAIN,
    T_SUPPORT,
    T_WITHDRAW,
)


@njit(cache=True, nogil=True, error_model="numpy")
def _dyadic_menu(r, value, gap, cross, pressure, obligations, slot, rows, last, hedging,
                 arms_capacity, arms_need, asks, sanction_capacity, gap_weight, move_cost,
                 arms_cost, cover_cost, sanction_cost, switch_cost, capacity_floor,
                 hedge_gap_share, arms_cross_pressure, out):
    """Replicate r's utility of each dyadic action of the actors in ``rows`` into ``out``
    (A, M x N), cell k x N + j for row k's partner j; see
    `sim.dynamics.decisions.dyadic_utilities` for the formulas (docs/ODD.md §7.4). Actor
    i's treaty obligations are ``obligations[r, slot[i]]`` where ``slot[i] >= 0``; every
    action but last month's costs the switching cost: policies persist. A whole
    replicate at a time, with scalar coefficients: a function call per cell, with the
    arrays as arguments, ran seven times slower. Written action by action, the cells side
    by side, so that the logit's exponents and draws run over contiguous cells.

    Why the partner loop has no branch: the cell towards oneself is computed like any other
    and overwritten after the loop, and the switching cost is subtracted as a select
    (``u - 0.0`` is ``u`` to the bit, -0.0 included), so the compiler turns the loop into
    vector code; with the branches it did not, and the menu took about half as long
    again. The row's conditions (capacities, obligations) do not change within it."""
    n = value.shape[2]
    n_act = out.shape[0]
    for k in range(rows.shape[0]):
        i = rows[k]
        h = hedging[i]
        cap_arms = arms_capacity[i]
        cap_sanction = sanction_capacity[i]
        arms_ok = cap_arms >= capacity_floor
        sanction_ok = cap_sanction >= capacity_floor
        o = slot[i]
        base = k * n
        o0, o1, o2, o3 = out[0], out[1], out[2], out[3]
        o4, o5, o6 = out[4], out[5], out[6]
        for j in range(n):
            v = value[r, i, j]
            g = gap_weight * gap[r, i, j]
            cp = cross[r, i, j]
            before = last[r, i, j]
            u0 = -g - move_cost
            u1 = h * (1.0 - abs(v)) - hedge_gap_share * g - move_cost
            u2 = 0.0
            u3 = g - move_cost - cp
            u4 = cap_arms * arms_need[j] * (v + asks[j, i]) - arms_cost \
                - arms_cross_pressure * cp
            u5 = pressure[r, j] * v - cover_cost
            u6 = cap_sanction * (-v) - sanction_cost
            if o >= 0:
                u0 += obligations[r, o, j, 0]
                u1 += obligations[r, o, j, 1]
                u2 += obligations[r, o, j, 2]
                u3 += obligations[r, o, j, 3]
                u4 += obligations[r, o, j, 4]
                u5 += obligations[r, o, j, 5]
                u6 += obligations[r, o, j, 6]
            u4 = u4 if arms_ok else -np.inf
            u6 = u6 if sanction_ok else -np.inf
            c = base + j
            o0[c] = u0 - (switch_cost if before != 0 else 0.0)
            o1[c] = u1 - (switch_cost if before != 1 else 0.0)
            o2[c] = u2 - (switch_cost if before != 2 else 0.0)
            o3[c] = u3 - (switch_cost if before != 3 else 0.0)
            o4[c] = u4 - (switch_cost if before != 4 else 0.0)
            o5[c] = u5 - (switch_cost if before != 5 else 0.0)
            o6[c] = u6 - (switch_cost if before != 6 else 0.0)
        c = base + i  # towards oneself: only maintain, at no cost
        for a in range(n_act):
            out[a, c] = -np.inf
        out[MAINTAIN, c] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _theatre_menu(r, salience, position, intensity, stake, rows, hedging, power, move_cost,
                  intervene_cost, stance_cost, restrain_move_share, intervene_gain, out):
    """Replicate r's utility of each theatre action of the actors in ``rows`` into ``out``
    (A, M x T), cell k x T + t; see `sim.dynamics.decisions.theatre_utilities` for the
    formulas (docs/ODD.md §7.4). Actors without a stake in a theatre can only carry on as
    they are (support, utility 0)."""
    n_th = salience.shape[2]
    n_act = out.shape[0]
    for k in range(rows.shape[0]):
        i = rows[k]
        h = hedging[i]
        pw = power[i]
        for t in range(n_th):
            c = k * n_th + t
            if stake[r, t, i] == 0.0:
                for a in range(n_act):
                    out[a, c] = -np.inf
                out[T_SUPPORT, c] = 0.0
                continue
            s = salience[r, i, t]
            pos = abs(position[r, t, i])
            out[T_WITHDRAW, c] = -s - move_cost
            out[T_RESTRAIN, c] = (h * s - stance_cost * s * pos
                                  - restrain_move_share * move_cost)
            out[T_SUPPORT, c] = 0.0
            out[T_INTERVENE, c] = intervene_gain * s * pos * pw - intervene_cost
            out[T_MEDIATE, c] = h * intensity[r, t] * (1.0 - pos) - move_cost


@njit(cache=True, nogil=True, error_model="numpy")
def dyadic_utilities_kernel(value, gap, cross, pressure, obligations, slot, rows, last,
                            hedging, arms_capacity, arms_need, asks, sanction_capacity, coef,
                            out):
    """Fill ``out`` (R, len(rows), N, A) with each dyadic action's utility (`_dyadic_menu`);
    every coefficient is a parameter of the dynamics table, passed in ``coef``
    (`sim.dynamics.decisions.dyadic_coefficients`)."""
    n_rep, m_rows, n, n_act = out.shape
    menu = np.empty((n_act, m_rows * n))
    for r in range(n_rep):
        _dyadic_menu(r, value, gap, cross, pressure, obligations, slot, rows, last, hedging,
                     arms_capacity, arms_need, asks, sanction_capacity, coef[0], coef[1],
                     coef[2], coef[3], coef[4], coef[5], coef[6], coef[7], coef[8], menu)
        _cells_to_rows(menu, out[r])


@njit(cache=True, nogil=True, error_model="numpy")
def _cells_to_rows(menu, out):
    """A menu written cells side by side, ``menu`` (A, M x W), into ``out`` (M, W, A): the
    layout the display of utilities gives, a row per actor and an action last."""
    m_rows, width, n_act = out.shape
    for k in range(m_rows):
        for w in range(width):
            for a in range(n_act):
                out[k, w, a] = menu[a, k * width + w]


@njit(cache=True, nogil=True, error_model="numpy")
def theatre_utilities_kernel(salience, position, intensity, stake, rows, hedging, power, coef,
                             out):
    """Fill ``out`` (R, len(rows), T, A) with each theatre action's utility (`_theatre_menu`;
    ``coef`` from `sim.dynamics.decisions.theatre_coefficients`)."""
    n_rep, m_rows, n_th, n_act = out.shape
    menu = np.empty((n_act, m_rows * n_th))
    for r in range(n_rep):
        _theatre_menu(r, salience, position, intensity, stake, rows, hedging, power, coef[0],
                      coef[1], coef[2], coef[3], coef[4], menu)
        _cells_to_rows(menu, out[r])


@njit(cache=True, nogil=True, error_model="numpy")
def _exponents(util, lam, expo, top):
    """The logit exponents lam U - max over the feasible actions of cells side by side:
    ``util`` and ``expo`` (A, C), ``lam`` (C,) each cell's precision, ``top`` (C,)
    scratch. Action by action over contiguous cells, with selects rather than branches, so
    the compiler vectorises across cells; each cell's maximum is still taken in action
    order.

    An infeasible action (utility -inf) gets the exponent 0, not -inf: NumPy's vectorised
    ``exp`` takes a slow path for every vector holding an infinite or underflowing lane,
    which made it more than twice as slow on the month's menus (a fifth to a third of
    their actions are infeasible). `_picks` gives such an action the weight 0 from its
    utility, exactly what ``exp(-inf)`` gave."""
    n_act, n_cell = util.shape
    for c in range(n_cell):
        top[c] = -np.inf
    for a in range(n_act):
        for c in range(n_cell):
            u = util[a, c]
            z = lam[c] * u
            top[c] = z if (u > -np.inf and z > top[c]) else top[c]
    for a in range(n_act):
        for c in range(n_cell):
            u = util[a, c]
            expo[a, c] = lam[c] * u - top[c] if u > -np.inf else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _cell_precisions(precision, width, out):
    """``out`` (len(precision) x width,): cell k x width + w gets ``precision[k]``."""
    for k in range(precision.shape[0]):
        for w in range(width):
            out[k * width + w] = precision[k]


@njit(cache=True, nogil=True, error_model="numpy")
def logit_exponents(menu, precision, width, util, expo):
    """Cells ``menu`` (C, A), cell k x width + w with precision ``precision[k]``, into
    ``util`` (A, C), the cells side by side, and their logit exponents into ``expo``
    (A, C) (`_exponents`): any cells with a precision each (width 1), for
    `sim.dynamics.decisions.logit_choice`."""
    n_cell, n_act = menu.shape
    for c in range(n_cell):
        for a in range(n_act):
            util[a, c] = menu[c, a]
    lam = np.empty(n_cell)
    _cell_precisions(precision, width, lam)
    _exponents(util, lam, expo, np.empty(n_cell))


@njit(cache=True, nogil=True, error_model="numpy")
def _picks(weights, util, draws, total, acc, out):
    """Inverse-CDF draws of all cells of one replicate: ``weights`` and ``util`` (A, C),
    ``draws`` (C,) uniforms, ``out`` (C,) the actions. An infeasible action's weight is set
    to 0 first, in place (`_exponents` gave it the exponent 0). For each cell the cumulative weights
    are summed in action order, exactly as cell by cell, but the cells go side by side, so
    the compiler vectorises the sums; if round-off lands a draw on an infeasible action,
    the cell's best feasible action is taken. ``total`` and ``acc`` are scratch (C,)."""
    n_act, n_cell = weights.shape
    for c in range(n_cell):
        total[c] = 0.0
        acc[c] = 0.0
        out[c] = 0
    for a in range(n_act):
        for c in range(n_cell):
            w = weights[a, c] if util[a, c] > -np.inf else 0.0
            weights[a, c] = w
            total[c] += w
    for c in range(n_cell):
        total[c] = draws[c] * total[c]  # the threshold
    for a in range(n_act - 1):
        for c in range(n_cell):
            acc[c] += weights[a, c]
            out[c] += 1 if acc[c] <= total[c] else 0
    for c in range(n_cell):
        if weights[out[c], c] == 0.0:
            best = 0
            for a in range(1, n_act):
                if util[a, c] > util[best, c]:
                    best = a
            out[c] = best


@njit(cache=True, nogil=True, error_model="numpy")
def _keyed_draws(key, rows, width, draws):
    """The uniforms of cells k x width + w (row k's element w): element [rows[k], w] of the
    (N, width) draw `sim.core.rng.uniform` makes for this replicate's ``key``."""
    for k in range(rows.shape[0]):
        # element w's word is key + (base + w + 1) x golden, modulo 2^64, reached by
        # adding golden: the compiler vectorises the sum, not the 64-bit product
        word = key + np.uint64(rows[k] * width) * _GOLDEN
        for w in range(width):
            word += _GOLDEN
            draws[k * width + w] = word_to_uniform(finalise(word))


@njit(cache=True, nogil=True, error_model="numpy")
def _cap_moves(choice, util, rows, n, fixed, budget, kept):
    """Keep at most ``budget[i]`` departures from "maintain" per actor i of ``rows``: those
    with the largest utility gain over maintaining (ties to the lower partner index); the
    rest fall back to maintain. ``choice`` (M x N,) one replicate's dyadic actions in place,
    ``util`` (A, M x N) its utilities; cells with ``fixed[i, j]`` (decided by a player or
    White) are neither counted nor capped: their moves come from outside and use up the
    budget.

    Why: a government makes a few deliberate moves a month, each large enough to see, not
    a small move towards every partner (decision record 0008)."""
    for k in range(rows.shape[0]):
        i = rows[k]
        limit = budget[i]
        count = 0
        for j in range(n):
            if choice[k * n + j] != MAINTAIN and not fixed[i, j]:
                kept[count] = j
                count += 1
        while count > limit:
            worst = 0
            worst_gain = np.inf
            for c in range(count):
                cell = k * n + kept[c]
                gain = util[choice[cell], cell] - util[MAINTAIN, cell]
                if gain <= worst_gain:  # ties: drop the higher index (seen later)
                    worst_gain = gain
                    worst = c
            choice[k * n + kept[worst]] = MAINTAIN
            for c in range(worst, count - 1):
                kept[c] = kept[c + 1]
            count -= 1


@njit(cache=True, nogil=True, error_model="numpy")
def decide_block(value, gap, cross, pressure, obligations, slot, rows, last, hedging,
                 arms_capacity, arms_need, asks, sanction_capacity, dyadic_coef, salience,
                 position, intensity, stake, power, theatre_coef, precision, n_act_d,
                 n_act_t, exp_loop, exp_data, keys_d, keys_t, fixed, budget, out_d, out_t):
    """Each replicate's dyadic (``out_d`` (R, M, N) int8) and theatre (``out_t`` (R, M, T))
    actions for the actors in ``rows`` (precision (M,) by row; ``n_act_d`` and ``n_act_t``
    the menus' lengths), one replicate at a time:
    both menus' utilities and logit exponents (`_dyadic_menu`, `_theatre_menu`,
    `_exponents`), their weights by NumPy's own ``exp`` loop (``exp_loop``, ``exp_data``:
    `sim.core.ufunc_loops`, the same bits as ``np.exp``), each cell's counter-based uniform
    (``keys_d``/``keys_t`` (R,) the replicates' keys of the two streams), the picks, and the
    cap on moves (`_cap_moves`; ``fixed`` and ``budget`` from
    `sim.dynamics.decisions.move_budget`). A replicate's menus, weights and draws stay in
    cache from the first step to the last."""
    n_rep, m_rows, n = out_d.shape
    n_th = out_t.shape[2]
    cells_d, cells_t = m_rows * n, m_rows * n_th
    util_d, weights_d = np.empty((n_act_d, cells_d)), np.empty((n_act_d, cells_d))
    util_t, weights_t = np.empty((n_act_t, cells_t)), np.empty((n_act_t, cells_t))
    flat_d, flat_t = weights_d.reshape(n_act_d * cells_d), weights_t.reshape(n_act_t * cells_t)
    lam_d, lam_t = np.empty(cells_d), np.empty(cells_t)
    _cell_precisions(precision, n, lam_d)
    _cell_precisions(precision, n_th, lam_t)
    width = max(cells_d, cells_t)
    top = np.empty(width)
    draws = np.empty(width)
    total = np.empty(width)
    acc = np.empty(width)
    chosen = np.empty(width, dtype=np.int64)
    kept = np.empty(n, dtype=np.int64)
    words = np.empty(5, dtype=np.int64)
    c = dyadic_coef
    ct = theatre_coef
    for r in range(n_rep):
        _dyadic_menu(r, value, gap, cross, pressure, obligations, slot, rows, last, hedging,
                     arms_capacity, arms_need, asks, sanction_capacity, c[0], c[1], c[2], c[3],
                     c[4], c[5], c[6], c[7], c[8], util_d)
        _exponents(util_d, lam_d, weights_d, top[:cells_d])
        apply_loop(exp_loop, exp_data, flat_d, flat_d, words)
        _keyed_draws(keys_d[r], rows, n, draws)
        _picks(weights_d, util_d, draws[:cells_d], total[:cells_d], acc[:cells_d],
               chosen[:cells_d])
        _cap_moves(chosen[:cells_d], util_d, rows, n, fixed, budget, kept)
        for k in range(m_rows):
            for j in range(n):
                out_d[r, k, j] = chosen[k * n + j]
        _theatre_menu(r, salience, position, intensity, stake, rows, hedging, power, ct[0],
                      ct[1], ct[2], ct[3], ct[4], util_t)
        _exponents(util_t, lam_t, weights_t, top[:cells_t])
        apply_loop(exp_loop, exp_data, flat_t, flat_t, words)
        _keyed_draws(keys_t[r], rows, n_th, draws)
        _picks(weights_t, util_t, draws[:cells_t], total[:cells_t], acc[:cells_t],
               chosen[:cells_t])
        for k in range(m_rows):
            for t in range(n_th):
                out_t[r, k, t] = chosen[k * n_th + t]


@njit(cache=True, nogil=True, error_model="numpy")
def logit_draw(weights, util, draws, out):
    """``out`` (C,) int8: each cell's action drawn with the uniform ``draws[c]`` from its
    logit weights (A, C) (exp of `logit_exponents`), by the picks the month uses."""
    n_cell = weights.shape[1]
    total = np.empty(n_cell)
    acc = np.empty(n_cell)
    chosen = np.empty(n_cell, dtype=np.int64)
    _picks(weights, util, draws, total, acc, chosen)
    for c in range(n_cell):
        out[c] = chosen[c]
