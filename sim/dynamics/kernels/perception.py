"""Compiled opening of a month: the sanctions in force and what actors perceive, one pass a
replicate each, instead of a dozen NumPy passes over the block (the same elementwise
arithmetic in the same order, so the same numbers). NumPy keeps ``tanh`` and ``expm1``:
its vectorised ones are the model's (`sim.dynamics.kernels` says why)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def sanctions_block(primary, own, secondary, power, total, load):
    """``total`` (R, N, N): scheduled plus own sanctions [imposer, target], capped at 1;
    ``load`` (R, N): on each target, the imposers' power-weighted sanctions, primary and
    secondary, summed over imposers in increasing order (`sanctions_bite` takes 1 - exp)."""
    n_rep, n, _ = own.shape
    for r in range(n_rep):
        for k in range(n):
            for t in range(n):
                total[r, k, t] = min(1.0, primary[k, t] + own[r, k, t])
        for t in range(n):
            acc = (total[r, 0, t] + secondary[0, t]) * power[0]
            for k in range(1, n):
                acc = acc + (total[r, k, t] + secondary[k, t]) * power[k]
            load[r, t] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def perception_block(perceived, previous_seen, target, episode_total, war, stake, intensity,
                     bite, trend_weight, value, sustained, pressure, salience):
    """What actors see (`sim.dynamics.decisions.perceive`): the trend-projected ``value``,
    ``sustained`` in latent units (target plus live episodes, for ``tanh``), the
    ``pressure`` on each actor (sanctions' bite, plus 1 while anyone strikes it, capped at
    1) and each theatre's ``salience`` to each actor (stake times intensity, (R, N, T))."""
    n_rep, n, _ = perceived.shape
    n_th = intensity.shape[1]
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                s = perceived[r, i, j]
                value[r, i, j] = min(max(s + trend_weight * (s - previous_seen[r, i, j]),
                                         -1.0), 1.0)
                sustained[r, i, j] = target[r, i, j] + episode_total[r, i, j]
        for j in range(n):
            attacked = 0.0
            for a in range(n):
                if war[r, a, j] > 0.0:
                    attacked = 1.0
            pressure[r, j] = min(max(bite[r, j] + attacked, 0.0), 1.0)
        for i in range(n):
            for t in range(n_th):
                salience[r, i, t] = stake[r, t, i] * intensity[r, t]
