"""Compiled settlement of a month: the latent level moves towards its target, episodes
decay and arrive, noise is added, and the change of alignment is split exactly into its
named parts (decision record 0008)."""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, nogil=True)
def settle_month(contributions, shares, latent, memory, episodes, pending, alignment, noise,
                 kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms, terms,
                 new_shares, new_latent, new_memory, new_episodes, new_alignment, trend,
                 target):
    """Settle one month in one pass over (replicate, i, j).

    With z the latent level, m the memory, E_c the episode offsets, x = z + sum E_c and
    a = tanh(x), c_k the drivers' ``contributions`` (each weight x input, (D, R, N, N)):

        z' = z + kappa ((1 - w_m) sum_k c_k + w_m m - z) + sd eps + sd^2 a / 2
        E_c' = decay_c E_c + pending_c
        a' = tanh(z' + sum E_c'),  m' = m + rate (x' - m)

    The noise carries a drift of half its variance times a: it offsets the curvature of
    tanh, so that noise leaves the long-run mean alignment where the drivers put it.

    Why shares: z is kept split by cause, ``shares`` (R, D + 3, N, N) = one per driver,
    the memory, adjustments (White's, or a start off its target) and noise, summing to z.
    Each share moves a share of the way towards what its cause now gives:
    s_k' = s_k + kappa ((1 - w_m) c_k - s_k), s_mem' = s_mem + kappa (w_m m - s_mem),
    s_adj' = s_adj - kappa s_adj, s_noise' = s_noise - kappa s_noise + noise. Their changes
    add up to the change of z, and a cause whose input has not changed moves nothing: a
    month's explanation names what moved, not large standing pulls that cancel. Actors
    perceive the relation without its noise share (`sim.decisions.perceive`).

    Terms (R, K, N, N), K = drivers, memory, episode classes, adjustments, noise, are the
    latent changes scaled by (a' - a) / (x' - x): they add up to the change of alignment
    (to rounding), and each keeps its sign. ``target`` receives the month's
    latent target (1 - w_m) sum c + w_m m, which actors read next month as what their
    interests sustain.
    """
    n_drv = contributions.shape[0]
    n_rep, n_cls, n, _ = episodes.shape
    k_mem = n_drv  # in shares and in terms
    s_adj = n_drv + 1  # in shares: adjustments
    s_noise = n_drv + 2  # in shares: noise
    k_epi = n_drv + 1  # in terms: the first episode class
    k_adj = n_drv + 1 + n_cls  # in terms: the adjustments' change
    k_noise = n_drv + 2 + n_cls  # in terms: the noise share's change
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                if i == j:
                    for k in range(n_drv + 3):
                        new_shares[r, k, i, j] = 0.0
                    new_latent[r, i, j] = 0.0
                    new_memory[r, i, j] = 0.0
                    for c in range(n_cls):
                        new_episodes[r, c, i, j] = 0.0
                    new_alignment[r, i, j] = 1.0
                    trend[r, i, j] = 0.0
                    target[r, i, j] = 0.0
                    if keep_terms:
                        for k in range(k_noise + 1):
                            terms[r, k, i, j] = 0.0
                    continue
                m = memory[r, i, j]
                a = alignment[r, i, j]
                dz = 0.0
                drivers = 0.0
                for k in range(n_drv):
                    c_k = contributions[k, r, i, j]
                    drivers += c_k
                    s_k = shares[r, k, i, j]
                    part = kappa * ((1.0 - memory_weight) * c_k - s_k)
                    new_shares[r, k, i, j] = s_k + part
                    dz += part
                    if keep_terms:
                        terms[r, k, i, j] = part
                target[r, i, j] = (1.0 - memory_weight) * drivers + memory_weight * m
                s_mem = shares[r, k_mem, i, j]
                part_mem = kappa * (memory_weight * m - s_mem)
                new_shares[r, k_mem, i, j] = s_mem + part_mem
                part_adj = -kappa * shares[r, s_adj, i, j]
                new_shares[r, s_adj, i, j] = shares[r, s_adj, i, j] + part_adj
                s_n = shares[r, s_noise, i, j]
                part_noise = (-kappa * s_n + noise_sd * noise[r, i, j]
                              + 0.5 * noise_sd * noise_sd * a)
                new_shares[r, s_noise, i, j] = s_n + part_noise
                dz += part_mem
                dz += part_adj
                dz += part_noise
                z_new = latent[r, i, j] + dz
                x_new = z_new
                dx = dz
                for c in range(n_cls):
                    e = episodes[r, c, i, j]
                    e_new = decay[c] * e + pending[r, c, i, j]
                    new_episodes[r, c, i, j] = e_new
                    x_new += e_new
                    if keep_terms:
                        terms[r, k_epi + c, i, j] = e_new - e
                    dx += e_new - e
                a_new = math.tanh(x_new)
                if abs(dx) > 1e-9:
                    scale = (a_new - a) / dx
                else:
                    scale = 1.0 - a * a
                if keep_terms:
                    terms[r, k_mem, i, j] = part_mem
                    terms[r, k_adj, i, j] = part_adj
                    terms[r, k_noise, i, j] = part_noise
                    for k in range(k_noise + 1):
                        terms[r, k, i, j] *= scale
                new_latent[r, i, j] = z_new
                new_memory[r, i, j] = m + memory_rate * (x_new - m)
                new_alignment[r, i, j] = a_new
                trend[r, i, j] = a_new - a
