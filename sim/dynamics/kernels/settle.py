"""Compiled settlement of a month: the latent level moves towards its target, episodes
decay and arrive, noise is added, and the change of alignment is split exactly into its
named parts (decision record 0008)."""

from __future__ import annotations

import numpy as np
from numba import njit


def settle_month(contributions, shares, latent, memory, episodes, pending, alignment, noise,
                 kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms, terms,
                 new_alignment, trend, target, seen, episode_total):
    """Settle one month for every (replicate, i, j). The month itself settles each replicate
    inside `sim.dynamics.kernels.month.resolve_block` with the same `settle_replicate` and
    `finish_cell`; this batch form is what tests/test_kernels.py holds to the formulas.

    With z the latent level, m the memory, E_c the episode offsets, x = z + sum E_c and
    a = tanh(x), c_k the drivers' ``contributions`` (each weight x input; a (D, R, N, N)
    array):

        z' = z + kappa ((1 - w_m) sum_k c_k + w_m m - z) + sd eps + sd^2 a / 2
        E_c' = decay_c E_c + pending_c
        a' = tanh(z' + sum E_c'),  m' = m + rate (x' - m)

    The noise carries a drift of half its variance times a: it offsets the curvature of
    tanh, so that noise leaves the long-run mean alignment where the drivers put it.

    Why shares: z is kept split by cause, ``shares`` (R, D + 3, N, N) = one per driver,
    the memory, adjustments (White's, or a start off its target) and noise, summing to z.
    The drivers' and the memory's shares serve only the explanation: they are kept up to
    date while terms are kept (a run keeps terms all through or not at all); the
    adjustments' and the noise share are always kept, since actors read the relation
    without its noise.
    Each share moves a share of the way towards what its cause now gives:
    s_k' = s_k + kappa ((1 - w_m) c_k - s_k), s_mem' = s_mem + kappa (w_m m - s_mem),
    s_adj' = s_adj - kappa s_adj, s_noise' = s_noise - kappa s_noise + noise. Their changes
    add up to the change of z, and a cause whose input has not changed moves nothing: a
    month's explanation names what moved, not large standing pulls that cancel. Actors
    perceive the relation without its noise share (`sim.dynamics.decisions.perceive`).

    Terms (R, K, N, N), K = drivers, memory, episode classes, adjustments, noise, are the
    latent changes scaled by (a' - a) / (x' - x): they add up to the change of alignment
    (to rounding), and each keeps its sign. ``target`` receives the month's
    latent target (1 - w_m) sum c + w_m m, which actors read next month as what their
    interests sustain.

    ``shares``, ``latent``, ``memory`` and ``episodes`` are updated in place (each cell is
    read before it is written, and no cell reads another); ``pending`` is cleared for the
    next month. ``seen`` receives the alignment without its noise share (what actors and
    drivers read) and ``episode_total`` the sum of the episode offsets: both are computed
    here so that a month makes no further pass over the (R, C, N, N) arrays.

    Why three steps: the compiled pass leaves the two bounded levels (a' and what actors
    see) in latent units, NumPy's vectorised ``tanh`` bounds them, and a second compiled
    pass scales the terms. Numba's scalar ``tanh`` (libm) cost half of the settlement at
    1,000 replicates, NumPy's SIMD one a tenth of that; it gives the same bits for an
    element wherever it sits in an array, so a replicate still does not depend on its batch.
    """
    _settle_latent(contributions, shares, latent, memory, episodes, pending, alignment,
                   noise, kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms,
                   terms, new_alignment, trend, target, seen, episode_total)
    np.tanh(new_alignment, out=new_alignment)
    np.tanh(seen, out=seen)
    _finish(alignment, new_alignment, keep_terms, terms, trend)


@njit(cache=True, nogil=True)
def _settle_latent(contributions, shares, latent, memory, episodes, pending, alignment, noise,
                   kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms, terms,
                   new_alignment, trend, target, seen, episode_total):
    """The month's latent arithmetic (see `settle_month`), replicate by replicate
    (`settle_replicate`); ``contributions`` (D, R, N, N)."""
    n = episodes.shape[2]
    scratch = np.empty((4, n, n))
    for r in range(episodes.shape[0]):
        settle_replicate(r, contributions[:, r], shares, latent, memory, episodes, pending,
                         alignment, noise, kappa, memory_weight, memory_rate, decay, noise_sd,
                         keep_terms, terms, new_alignment, trend, target, seen, episode_total,
                         scratch)


@njit(cache=True, nogil=True)
def settle_replicate(r, contributions, shares, latent, memory, episodes, pending, alignment,
                     noise, kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms,
                     terms, new_alignment, trend, target, seen, episode_total, scratch):
    """Replicate r's latent arithmetic (see `settle_month`), its drivers' contributions
    ``contributions`` (D, N, N): ``new_alignment`` and ``seen`` receive x' and what actors
    see in latent units (+inf on the diagonal, so that tanh gives exactly 1), and ``trend``
    the latent change x' - x, which `_finish` turns into the change of alignment.
    ``scratch`` is (4, N, N)."""
    n_drv = contributions.shape[0]
    n_cls, n = episodes.shape[1], episodes.shape[2]
    k_mem = n_drv  # in shares and in terms
    s_adj = n_drv + 1  # in shares: adjustments
    s_noise = n_drv + 2  # in shares: noise
    k_epi = n_drv + 1  # in terms: the first episode class
    k_adj = n_drv + 1 + n_cls  # in terms: the adjustments' change
    k_noise = n_drv + 2 + n_cls  # in terms: the noise share's change
    n_terms = k_noise + 1
    # Pass by pass over contiguous (N, N) blocks of one replicate: a cell's arithmetic is
    # the same as cell by cell (each sum in the same order), but memory is read in order.
    dz = scratch[0]
    drivers = scratch[1]
    total = scratch[2]
    for i in range(n):
        for j in range(n):
            dz[i, j] = 0.0
            drivers[i, j] = 0.0
            total[i, j] = 0.0
    for k in range(n_drv):
        block = contributions[k]
        if not keep_terms:  # the common case, without a branch in the loop
            for i in range(n):
                for j in range(n):
                    drivers[i, j] += block[i, j]
            continue
        for i in range(n):
            for j in range(n):
                c_k = block[i, j]
                drivers[i, j] += c_k
                s_k = shares[r, k, i, j]
                part = kappa * ((1.0 - memory_weight) * c_k - s_k)
                shares[r, k, i, j] = s_k + part
                terms[r, k, i, j] = part
    # The replicate's (N, N) blocks, so that the compiler sees plain 2-D loops.
    mem_r, lat_r, a_r, noise_r, target_r = memory[r], latent[r], alignment[r], noise[r], target[r]
    adj_r, wob_r = shares[r, s_adj], shares[r, s_noise]
    for i in range(n):
        for j in range(n):
            m = mem_r[i, j]
            a = a_r[i, j]
            aim = (1.0 - memory_weight) * drivers[i, j] + memory_weight * m
            target_r[i, j] = aim
            adj = adj_r[i, j]
            wobble = wob_r[i, j]
            part_adj = -kappa * adj
            part_noise = (-kappa * wobble + noise_sd * noise_r[i, j]
                          + 0.5 * noise_sd * noise_sd * a)
            adj_r[i, j] = adj + part_adj
            wob_r[i, j] = wobble + part_noise
            # The modelled part of z (drivers' and memory's shares) moves towards the
            # target; computed from z itself, so the arithmetic is the same with or
            # without terms (the drivers' share parts add up to it, to rounding).
            modelled = lat_r[i, j] - adj - wobble
            dz[i, j] = kappa * (aim - modelled) + part_adj + part_noise
            if keep_terms:
                part_mem = kappa * (memory_weight * m - shares[r, k_mem, i, j])
                shares[r, k_mem, i, j] += part_mem
                terms[r, k_mem, i, j] = part_mem
                terms[r, k_adj, i, j] = part_adj
                terms[r, k_noise, i, j] = part_noise
    dx = scratch[3]
    for i in range(n):
        for j in range(n):
            dx[i, j] = dz[i, j]
    for c in range(n_cls):
        ep, pend = episodes[r, c], pending[r, c]
        for i in range(n):
            for j in range(n):
                e = ep[i, j]
                impulse = pend[i, j]
                if e == 0.0 and impulse == 0.0:  # most cells, most months: no writes
                    if keep_terms:
                        terms[r, k_epi + c, i, j] = 0.0
                    continue
                e_new = decay[c] * e + impulse
                if abs(e_new) < 1e-12:  # faded beyond any effect: dropped, then skipped
                    e_new = 0.0
                ep[i, j] = e_new
                if impulse != 0.0:
                    pend[i, j] = 0.0
                total[i, j] += e_new
                dx[i, j] += e_new - e
                if keep_terms:
                    terms[r, k_epi + c, i, j] = e_new - e
    for i in range(n):
        for j in range(n):
            if i == j:
                latent[r, i, j] = 0.0
                memory[r, i, j] = 0.0
                for k in range(n_drv + 3):
                    shares[r, k, i, j] = 0.0
                for c in range(n_cls):
                    episodes[r, c, i, j] = 0.0
                new_alignment[r, i, j] = np.inf
                target[r, i, j] = 0.0
                seen[r, i, j] = np.inf
                episode_total[r, i, j] = 0.0
                trend[r, i, j] = 0.0
                if keep_terms:
                    for k in range(n_terms):
                        terms[r, k, i, j] = 0.0
                continue
            z_new = lat_r[i, j] + dz[i, j]
            x_new = z_new + total[i, j]
            m = mem_r[i, j]
            lat_r[i, j] = z_new
            mem_r[i, j] = m + memory_rate * (x_new - m)
            new_alignment[r, i, j] = x_new
            trend[r, i, j] = dx[i, j]
            seen[r, i, j] = z_new - wob_r[i, j] + total[i, j]
            episode_total[r, i, j] = total[i, j]


@njit(cache=True, nogil=True)
def _finish(alignment, new_alignment, keep_terms, terms, trend):
    """`finish_cell` for every cell."""
    n_rep, n, _ = alignment.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                finish_cell(r, i, j, alignment, new_alignment, keep_terms, terms, trend)


@njit(cache=True, nogil=True, inline="always")
def finish_cell(r, i, j, alignment, new_alignment, keep_terms, terms, trend):
    """``trend`` from the latent change x' - x (as `settle_replicate` left it) to the change
    of alignment a' - a, and the terms scaled from latent units to it: by
    (a' - a) / (x' - x), or by tanh's slope 1 - a^2 where x hardly moved."""
    a = alignment[r, i, j]
    a_new = new_alignment[r, i, j]
    d = trend[r, i, j]
    trend[r, i, j] = 0.0 if i == j else a_new - a
    if keep_terms and i != j:
        scale = (a_new - a) / d if abs(d) > 1e-9 else 1.0 - a * a
        for k in range(terms.shape[1]):
            terms[r, k, i, j] *= scale
