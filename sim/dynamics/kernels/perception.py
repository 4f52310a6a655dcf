"""Compiled opening of a month: the sanctions in force and what actors perceive, one pass a
replicate (`opening_block`), instead of a dozen NumPy passes over the block (the same
elementwise arithmetic in the same order, so the same numbers). ``expm1`` and ``tanh`` are
NumPy's own loops (`sim.core.ufunc_loops`), called on the replicate's rows."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.ufunc_loops import apply_loop
from sim.dynamics.kernels.month_drivers import cross_pressure_of_replicate


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def sanctions_of_replicate(r, primary, own, secondary, power, total, load):
    """Replicate r's ``total`` (N, N): scheduled plus own sanctions [imposer, target], capped
    at 1; and ``load`` (N,): on each target, the imposers' power-weighted sanctions, primary
    and secondary, summed over imposers in increasing order (the bite is 1 - exp(-load))."""
    n = own.shape[1]
    for k in range(n):
        for t in range(n):
            total[r, k, t] = min(1.0, primary[k, t] + own[r, k, t])
    for t in range(n):
        acc = (total[r, 0, t] + secondary[0, t]) * power[0]
        for k in range(1, n):
            acc = acc + (total[r, k, t] + secondary[k, t]) * power[k]
        load[r, t] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def sanctions_block(primary, own, secondary, power, total, load):
    """`sanctions_of_replicate` for every replicate: ``total`` (R, N, N), ``load`` (R, N)."""
    for r in range(own.shape[0]):
        sanctions_of_replicate(r, primary, own, secondary, power, total, load)


@njit(cache=True, nogil=True, error_model="numpy")
def opening_block(primary, own, secondary, power, alignment, perceived, previous_seen, target,
                  episode_total, war, stake, intensity, interdependence, trend_weight,
                  expm1_loop, expm1_data, tanh_loop, tanh_data, total, bite, value, gap,
                  pressure, salience, cross):
    """What every replicate's actors see at the start of a month
    (`sim.dynamics.decisions.perceive`), a replicate at a time:

    - ``total`` (R, N, N) the sanctions in force and ``bite`` (R, N) how hard they press on
      each target, -expm1(-load) (`sanctions_of_replicate`);
    - ``value`` (R, N, N) the relation seen (``perceived``) projected along its trend;
    - ``gap`` (R, N, N) what interests sustain, tanh(target + live episodes), minus what is
      seen;
    - ``pressure`` (R, N) on each actor: the bite, plus 1 while anyone strikes it, capped at 1;
    - ``salience`` (R, N, T) of each theatre to each actor: stake times intensity;
    - ``cross`` (R, N, N) what i stands to lose with third parties by closing with j, from
      ``alignment`` (the cross-pressure driver's input, its own code).
    """
    n_rep, n, _ = perceived.shape
    n_th = intensity.shape[1]
    nn = n * n
    stake_scratch = np.empty((n, n))
    hostile = np.empty((n, n))
    work = np.empty((2, n))
    words = np.empty(5, dtype=np.int64)
    for r in range(n_rep):
        sanctions_of_replicate(r, primary, own, secondary, power, total, bite)
        bite_r = bite[r]
        for t in range(n):
            bite_r[t] = -bite_r[t]
        apply_loop(expm1_loop, expm1_data, bite_r, bite_r, words)
        for t in range(n):
            bite_r[t] = -bite_r[t]
        for i in range(n):
            for j in range(n):
                s = perceived[r, i, j]
                value[r, i, j] = min(max(s + trend_weight * (s - previous_seen[r, i, j]),
                                         -1.0), 1.0)
                gap[r, i, j] = target[r, i, j] + episode_total[r, i, j]
        gap_r = gap[r].reshape(nn)
        apply_loop(tanh_loop, tanh_data, gap_r, gap_r, words)
        seen_r = perceived[r].reshape(nn)
        for c in range(nn):
            gap_r[c] = gap_r[c] - seen_r[c]
        for j in range(n):
            attacked = 0.0
            for a in range(n):
                if war[r, a, j] > 0.0:
                    attacked = 1.0
            pressure[r, j] = min(max(bite_r[j] + attacked, 0.0), 1.0)
        for i in range(n):
            for t in range(n_th):
                salience[r, i, t] = stake[r, t, i] * intensity[r, t]
        cross_pressure_of_replicate(alignment[r], interdependence[r], stake_scratch, hostile,
                                    cross[r], work)
