"""Compiled drivers: every built-in driver's contribution for a block of replicates, in one
pass per replicate.

Why one pass: the drivers read the same few (N, N) blocks of a replicate (alignment, threat,
interdependence, sanctions); as NumPy functions each made its own passes over the whole
batch, with a temporary array per operation, and the month's Python calls between them
cost more than their arithmetic (issue 17's profile). Here one replicate's blocks stay in
the processor's cache while all drivers are computed from them.

The driver modules in `sim.dynamics.drivers` keep their NumPy ``force`` functions: they are
the reference formulas, tests/test_month_kernels.py checks this kernel against them term by
term, and a driver this kernel does not know (a modeller's new module) is computed by its
``force`` (`sim.dynamics.driver_block`). Sums over third parties run in increasing index
order, one replicate at a time, so a replicate's result does not depend on its batch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The drivers this kernel computes, in its own slot order; `sim.dynamics.driver_block`
#: maps them to the driver table's order.
KNOWN = ("common_threat", "structural_balance", "sanctions_pressure", "interdependence",
         "treaty_commitment", "theatre", "historical_distrust", "cross_pressure",
         "domestic_politics", "reciprocity", "standing")

#: The rates the kernel reads, in the order of its ``rates`` vector.
RATES = ("threat_shared", "threat_direct", "threat_base_weight", "defence_deterrence",
         "balance_weight", "sanctions_value", "sanctions_resentment", "sanctions_secondary",
         "interdependence_weight", "treaty_weight", "defence_weight", "defence_third",
         "theatre_weight", "distrust_weight", "cross_pressure_weight", "domestic_weight",
         "reciprocity_weight", "standing_weight")

(_TS, _TD, _TBW, _DDET, _BAL, _SV, _SR, _SSEC, _INTER, _TW, _DW, _DTHIRD, _THW, _DIST, _CP,
 _DOM, _REC, _STAND) = range(len(RATES))


@njit(cache=True, nogil=True, error_model="numpy")
def _third_party_sum(x, y, out, work):
    """out[i, j] = sum_k x[i, k] y[k, j], k in increasing order. Terms with x[i, k] = 0 or
    a zero row y[k] are skipped: adding a zero product changes no sum, and it makes the
    sparse sanctions and guarantee matrices cheap. ``work`` (2, >= N) is scratch: which
    rows of y are live, and the row being summed (kept apart from ``out`` and ``y``, so
    the compiler need not check them for overlap in the inner loop)."""
    n = x.shape[0]
    m = y.shape[1]
    inner = x.shape[1]
    live = work[0]
    row = work[1]
    for k in range(inner):
        live[k] = 0.0
        for j in range(m):
            if y[k, j] != 0.0:
                live[k] = 1.0
                break
    for i in range(n):
        for j in range(m):
            row[j] = 0.0
        for k in range(inner):
            xik = x[i, k]
            if xik == 0.0 or live[k] == 0.0:
                continue
            for j in range(m):
                row[j] += xik * y[k, j]
        for j in range(m):
            out[i, j] = row[j]


@njit(cache=True, nogil=True, error_model="numpy")
def cross_pressure_of_replicate(a, interdependence, stake, hostile, out, work):
    """out[i, j]: what i stands to lose with its partners by closing with j, sum over k of
    i's material stake in k (interdependence times the warm part of the relation) times k's
    hostility to j; ``stake`` and ``hostile`` are scratch (N, N), ``work`` that of
    `_third_party_sum`. The driver's input, and what actors perceive of it
    (`sim.dynamics.kernels.perception.opening_block`)."""
    n = a.shape[0]
    for i in range(n):
        for k in range(n):
            if i == k:
                stake[i, k] = 0.0
                hostile[i, k] = 0.0
            else:
                stake[i, k] = interdependence[i, k] * max(0.0, a[i, k])
                hostile[i, k] = max(0.0, -a[i, k])
    _third_party_sum(stake, hostile, out, work)


@njit(cache=True, nogil=True, error_model="numpy")
def driver_setup(guarantee, treaty_strength, power, rates):
    """The parts of a month's drivers that are the same for every replicate: whether any
    defence guarantee is in force, the deterrence shield of guarantees (N, N), the
    treaties' standing value (N, N) and the guarantee matrix transposed."""
    n = guarantee.shape[0]
    has_guarantee = False
    for p in range(n):
        for q in range(n):
            if guarantee[p, q] > 0.0:
                has_guarantee = True
    shield = np.ones((n, n))
    if has_guarantee:
        for i in range(n):
            cover = 0.0
            for q in range(n):
                c = guarantee[i, q] * power[q]
                if c > cover:
                    cover = c
            base_shield = 1.0 - rates[_DDET] * min(cover, 1.0)
            for k in range(n):
                shield[i, k] = 1.0 if guarantee[i, k] > 0.0 else base_shield
    treaty_standing = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            treaty_standing[i, j] = (rates[_TW] * treaty_strength[i, j]
                                     + rates[_DW] * guarantee[i, j])
    guarantee_t = guarantee.T.copy()
    return has_guarantee, shield, treaty_standing, guarantee_t


@njit(cache=True, nogil=True, error_model="numpy")
def drivers_of_replicate(r, slots, alignment, threat, anti_hegemony, war, distrust,
                         interdependence, balance, intensity, engagement, position, delivered,
                         sanctions, sanctions_bite, secondary, power, hegemon, exposure,
                         competition, domestic_mask, domestic_hardline, domestic_reform, asks,
                         standing, imposer_threshold, rates, has_guarantee, shield,
                         treaty_standing, guarantee, guarantee_t, scratch, out):
    """Replicate r's contribution of each known driver (N, N) into ``out[slots[d]]``
    (``out`` (D, N, N); skipped where ``slots[d] < 0``), with the month's standing parts
    from `driver_setup` and ``scratch`` (SCRATCH, N, N) for the third-party sums. The
    formulas are those of the driver modules (docs/ODD.md §7.2); the diagonal is 0, set
    after each row, so that the rows' loops carry no branch and the compiler vectorises them."""
    n = alignment.shape[1]
    n_th = intensity.shape[1]
    ts, td, bw = rates[_TS], rates[_TD], rates[_TBW]
    balance_divisor = float(max(1, n - 2))  # third parties: the rate does not grow with N
    theta = scratch[0]
    theta_t = scratch[1]
    shared = scratch[2]
    tie = scratch[3]
    warm = scratch[4]
    hostile = scratch[5]
    cp = scratch[6]
    s_t = scratch[7]
    pair = scratch[8]
    stake = scratch[9]
    held = scratch[10]
    against = scratch[11]
    acc = scratch[12]
    work = scratch[13]
    a = alignment[r]
    # --- common threat: theta[i, k], the threat i perceives from k
    if slots[0] >= 0:
        for i in range(n):
            for k in range(n):
                if i == k:
                    theta[i, k] = 0.0
                    continue
                base = threat[r, i, k]
                if k == hegemon and anti_hegemony[r, i] > base:
                    base = anti_hegemony[r, i]
                hostility = max(0.0, -a[k, i])
                attacked = 1.0 if war[r, k, i] > 0 else 0.0
                perceived = bw * base + (1.0 - bw) * hostility + attacked
                theta[i, k] = power[k] * min(max(perceived, 0.0), 1.0) * shield[i, k]
        for k in range(n):
            for j in range(n):
                theta_t[k, j] = theta[j, k]
        _third_party_sum(theta, theta_t, shared, work)
        o = out[slots[0]]
        for i in range(n):
            for j in range(n):
                o[i, j] = ts * shared[i, j] - td * theta[i, j]
            o[i, i] = 0.0
    # --- structural balance: the tie i perceives between k and j is their mean
    if slots[1] >= 0:
        for i in range(n):
            for j in range(n):
                warm[i, j] = a[i, j]
            warm[i, i] = 0.0
        for i in range(n):
            for j in range(n):
                tie[i, j] = 0.5 * (warm[i, j] + warm[j, i])
        _third_party_sum(warm, tie, shared, work)
        o = out[slots[1]]
        for i in range(n):
            for j in range(n):
                o[i, j] = rates[_BAL] * shared[i, j] / balance_divisor
            o[i, i] = 0.0
    # --- sanctions pressure
    if slots[2] >= 0:
        s = sanctions[r]
        for k in range(n):
            for i in range(n):
                s_t[i, k] = s[k, i]
        _third_party_sum(s_t, s, pair, work)  # sanctioned by the same imposers
        _third_party_sum(interdependence[r], secondary, held, work)
        o = out[slots[2]]
        for i in range(n):
            for j in range(n):
                if i == j:
                    o[i, j] = 0.0
                    continue
                # -expm1(-0) is 0: most pairs share no imposer
                shared_ij = 0.0 if pair[i, j] == 0.0 else -np.expm1(-pair[i, j])
                on_i = s[j, i]  # j's sanctions on i
                willing = 0.5 * (1.0 + a[j, i])
                outside = min(max(1.0 - on_i / imposer_threshold, 0.0), 1.0)
                value = (exposure[i] * sanctions_bite[r, i] * outside * power[j] * willing
                         * (1.0 + shared_ij))
                o[i, j] = (rates[_SV] * value - rates[_SR] * (on_i + s[i, j])
                           - rates[_SSEC] * held[i, j])
    # --- interdependence
    if slots[3] >= 0:
        o = out[slots[3]]
        for i in range(n):
            for j in range(n):
                o[i, j] = rates[_INTER] * interdependence[r, i, j]
            o[i, i] = 0.0
    # --- treaty commitment: standing value, and a guarantor of one's enemy
    if slots[4] >= 0:
        o = out[slots[4]]
        if has_guarantee:
            for i in range(n):
                for p in range(n):
                    hostile[i, p] = (0.0 if i == p
                                     else max(0.0, -0.5 * (a[i, p] + a[p, i])))
            _third_party_sum(hostile, guarantee, held, work)
            _third_party_sum(guarantee_t, hostile, against, work)
            for i in range(n):
                for j in range(n):
                    o[i, j] = (
                        treaty_standing[i, j]
                        - rates[_DTHIRD] * min(1.0, held[i, j] + against[i, j]))
                o[i, i] = 0.0
        else:
            for i in range(n):
                for j in range(n):
                    o[i, j] = treaty_standing[i, j]
                o[i, i] = 0.0
    # --- theatres: shared and opposed stakes, theatre by theatre (the order of the
    # reference's sum), with the products that do not depend on j taken out of the
    # inner loop (the same products, so the same rounding)
    if slots[5] >= 0:
        for i in range(n):
            for j in range(n):
                acc[i, j] = 0.0
        for t in range(n_th):
            it = intensity[r, t]
            c = competition[t]
            for i in range(n):
                lead = it * engagement[r, t, i]
                x_i = position[r, t, i]
                for j in range(n):
                    agree = x_i * position[r, t, j]
                    affinity = agree - c * max(0.0, agree)
                    acc[i, j] += lead * engagement[r, t, j] * affinity
        o = out[slots[5]]
        for i in range(n):
            for j in range(n):
                o[i, j] = rates[_THW] * acc[i, j]
            o[i, i] = 0.0
    # --- historical distrust
    if slots[6] >= 0:
        o = out[slots[6]]
        for i in range(n):
            for j in range(n):
                o[i, j] = -rates[_DIST] * distrust[r, i, j]
            o[i, i] = 0.0
    # --- cross-pressure: what i stands to lose with partners hostile to j
    if slots[7] >= 0:
        cross_pressure_of_replicate(a, interdependence[r], stake, hostile, cp, work)
        o = out[slots[7]]
        for i in range(n):
            for j in range(n):
                o[i, j] = -rates[_CP] * cp[i, j]
            o[i, i] = 0.0
    # --- domestic politics: the factions' ideals mixed by the hardliners' weight
    if slots[8] >= 0:
        o = out[slots[8]]
        for i in range(n):
            b = balance[r, i]
            for j in range(n):
                mask = 1.0 if domestic_mask[i, j] else 0.0
                o[i, j] = (
                    rates[_DOM] * mask * (b * domestic_hardline[i, j]
                                          + (1.0 - b) * domestic_reform[i, j]))
            o[i, i] = 0.0
    # --- reciprocity: what j delivered to i against what i asked of j
    if slots[9] >= 0:
        o = out[slots[9]]
        for i in range(n):
            for j in range(n):
                o[i, j] = rates[_REC] * (delivered[r, j, i] - asks[i, j])
            o[i, i] = 0.0
    # --- standing residual
    if slots[10] >= 0:
        o = out[slots[10]]
        for i in range(n):
            for j in range(n):
                o[i, j] = rates[_STAND] * standing[i, j]
            o[i, i] = 0.0


#: How many (N, N) scratch blocks `drivers_of_replicate` uses.
SCRATCH = 14


@njit(cache=True, nogil=True, error_model="numpy")
def compute_drivers(slots, alignment, threat, anti_hegemony, war, distrust, interdependence,
                    balance, intensity, engagement, position, delivered, asks, sanctions,
                    sanctions_bite, secondary, treaty_strength, guarantee, power, hegemon,
                    exposure, competition, domestic_mask, domestic_hardline, domestic_reform,
                    standing, imposer_threshold, rates, out):
    """Write each known driver's contribution (R, N, N) into ``out[slots[d]]`` (skipped where
    ``slots[d] < 0``), replicate by replicate (`drivers_of_replicate`). ``alignment`` is
    what the drivers read (the structural view, without the noise share)."""
    n_rep, n, _ = alignment.shape
    has_guarantee, shield, treaty_standing, guarantee_t = driver_setup(
        guarantee, treaty_strength, power, rates)
    scratch = np.empty((SCRATCH, n, n))
    for r in range(n_rep):
        drivers_of_replicate(r, slots, alignment, threat, anti_hegemony, war, distrust,
                             interdependence, balance, intensity, engagement, position,
                             delivered, sanctions, sanctions_bite, secondary, power, hegemon,
                             exposure, competition, domestic_mask, domestic_hardline,
                             domestic_reform, asks, standing, imposer_threshold, rates,
                             has_guarantee, shield, treaty_standing, guarantee, guarantee_t,
                             scratch, out[:, r])
