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


@njit(cache=True, nogil=True, error_model="numpy")
def _settle_latent(contributions, shares, latent, memory, episodes, pending, alignment, noise,
                   kappa, memory_weight, memory_rate, decay, noise_sd, keep_terms, terms,
                   new_alignment, trend, target, seen, episode_total):
    """The month's latent arithmetic (see `settle_month`), replicate by replicate
    (`settle_replicate`); ``contributions`` (D, R, N, N)."""
    n_rep, n = episodes.shape[0], episodes.shape[2]
    scratch = np.empty((SETTLE_SCRATCH, n * n))
    n_drv = contributions.shape[0]
    by_replicate = contributions.reshape(n_drv, n_rep, n * n)
    own = np.empty((n_drv, n * n))  # the replicate's, contiguous
    flat = flat_settlement(shares, latent, memory, episodes, pending, alignment, noise,
                           terms, new_alignment, trend, target, seen, episode_total)
    for r in range(n_rep):
        own[...] = by_replicate[:, r]
        settle_replicate(r, n, own, *flat, kappa, memory_weight, memory_rate, decay,
                         noise_sd, keep_terms, scratch)


#: Scratch rows of N^2 cells `settle_replicate` works in.
SETTLE_SCRATCH = 8


@njit(cache=True, nogil=True, error_model="numpy")
def flat_settlement(shares, latent, memory, episodes, pending, alignment, noise, terms,
                    new_alignment, trend, target, seen, episode_total):
    """The arrays `settle_replicate` reads and writes, each with its (N, N) cells as one
    row of N^2, in its argument order: views made once per block.

    Why: made per replicate, each ``reshape`` of a replicate's block cost about 30 ns in
    compiled code and each view a reference count taken and given back; the settlement
    made two dozen of them a replicate, a tenth of its time at 16 actors (2026-11-29)."""
    n_rep, n = latent.shape[0], latent.shape[1]
    nn = n * n
    return (shares.reshape(n_rep, shares.shape[1], nn), latent.reshape(n_rep, nn),
            memory.reshape(n_rep, nn), episodes.reshape(n_rep, episodes.shape[1], nn),
            pending.reshape(n_rep, pending.shape[1], nn), alignment.reshape(n_rep, nn),
            noise.reshape(n_rep, nn), terms.reshape(terms.shape[0], terms.shape[1],
                                                     terms.shape[2] * terms.shape[3]),
            new_alignment.reshape(n_rep, nn), trend.reshape(n_rep, nn),
            target.reshape(n_rep, nn), seen.reshape(n_rep, nn),
            episode_total.reshape(n_rep, nn))


@njit(cache=True, nogil=True, error_model="numpy")
def settle_replicate(r, n, contributions, shares, latent, memory, episodes, pending,
                     alignment, noise, terms, new_alignment, trend, target, seen,
                     episode_total, kappa, memory_weight, memory_rate, decay, noise_sd,
                     keep_terms, scratch):
    """Replicate r's latent arithmetic (see `settle_month`), on the flat views of
    `flat_settlement` (each replicate's N x N cells as one row of N^2) and its drivers'
    contributions ``contributions`` (D, N^2): ``new_alignment`` and ``seen`` receive x'
    and what actors see in latent units (+inf on the diagonal, so that tanh gives exactly
    1), and ``trend`` the latent change x' - x, which `_finish` turns into the change of
    alignment. ``scratch`` is (SETTLE_SCRATCH, N^2).

    Why flat loops over the replicate's N x N cells, each touching few arrays, with the
    diagonal set afterwards: loops without branches and with few arrays are the ones the
    compiler turns into vector code (with many arrays it gives up proving that they do
    not overlap). Each cell's arithmetic is the same expression in the same order as in a
    cell-by-cell loop, so the numbers are the same to the last bit. An episode cell that
    is zero with nothing arriving stays exactly zero (decay x 0 + 0), so computing it
    costs nothing but time, and in vector code less time than a branch. Every array is
    indexed whole (``latent[r, c]``): a view per replicate would cost a reference count."""
    n_drv = contributions.shape[0]
    n_cls = episodes.shape[1]
    nn = n * n
    k_mem = n_drv  # in shares and in terms
    s_adj = n_drv + 1  # in shares: adjustments
    s_noise = n_drv + 2  # in shares: noise
    k_epi = n_drv + 1  # in terms: the first episode class
    k_adj = n_drv + 1 + n_cls  # in terms: the adjustments' change
    k_noise = n_drv + 2 + n_cls  # in terms: the noise share's change
    n_terms = k_noise + 1
    DZ, DRIVERS, TOTAL, DX, PART_ADJ, PART_NOISE, MODELLED, STEP = 0, 1, 2, 3, 4, 5, 6, 7
    for c in range(nn):
        scratch[DRIVERS, c] = 0.0
        scratch[TOTAL, c] = 0.0
    for k in range(n_drv):  # summed in driver order, cell by cell
        for c in range(nn):
            scratch[DRIVERS, c] += contributions[k, c]
    if keep_terms:  # the drivers' and the memory's shares serve only the explanation
        for k in range(n_drv):
            for c in range(nn):
                s_k = shares[r, k, c]
                part = kappa * ((1.0 - memory_weight) * contributions[k, c] - s_k)
                shares[r, k, c] = s_k + part
                terms[r, k, c] = part
        for c in range(nn):
            part_mem = kappa * (memory_weight * memory[r, c] - shares[r, k_mem, c])
            shares[r, k_mem, c] += part_mem
            terms[r, k_mem, c] = part_mem
    for c in range(nn):
        target[r, c] = (1.0 - memory_weight) * scratch[DRIVERS, c] + memory_weight * memory[r, c]
    # The modelled part of z (drivers' and memory's shares) moves towards the target;
    # computed from z itself, so the arithmetic is the same with or without terms (the
    # drivers' share parts add up to it, to rounding).
    for c in range(nn):
        scratch[MODELLED, c] = latent[r, c] - shares[r, s_adj, c] - shares[r, s_noise, c]
    for c in range(nn):
        adj = shares[r, s_adj, c]
        wobble = shares[r, s_noise, c]
        pa = -kappa * adj
        pn = (-kappa * wobble + noise_sd * noise[r, c]
              + 0.5 * noise_sd * noise_sd * alignment[r, c])
        scratch[PART_ADJ, c] = pa
        scratch[PART_NOISE, c] = pn
        shares[r, s_adj, c] = adj + pa
        shares[r, s_noise, c] = wobble + pn
    for c in range(nn):
        d = (kappa * (target[r, c] - scratch[MODELLED, c]) + scratch[PART_ADJ, c]
             + scratch[PART_NOISE, c])
        scratch[DZ, c] = d
        scratch[DX, c] = d
    if keep_terms:
        for c in range(nn):
            terms[r, k_adj, c] = scratch[PART_ADJ, c]
            terms[r, k_noise, c] = scratch[PART_NOISE, c]
    for e_c in range(n_cls):
        fade = decay[e_c]
        for c in range(nn):
            e = episodes[r, e_c, c]
            e_new = fade * e + pending[r, e_c, c]
            e_new = 0.0 if abs(e_new) < 1e-12 else e_new  # faded beyond any effect
            episodes[r, e_c, c] = e_new
            pending[r, e_c, c] = 0.0
            scratch[TOTAL, c] += e_new
            scratch[STEP, c] = e_new - e
        for c in range(nn):
            scratch[DX, c] += scratch[STEP, c]
        if keep_terms:
            for c in range(nn):
                terms[r, k_epi + e_c, c] = scratch[STEP, c]
    for c in range(nn):
        z_new = latent[r, c] + scratch[DZ, c]
        x_new = z_new + scratch[TOTAL, c]
        m = memory[r, c]
        latent[r, c] = z_new
        memory[r, c] = m + memory_rate * (x_new - m)
        new_alignment[r, c] = x_new
    for c in range(nn):
        seen[r, c] = latent[r, c] - shares[r, s_noise, c] + scratch[TOTAL, c]
    for c in range(nn):
        trend[r, c] = scratch[DX, c]
        episode_total[r, c] = scratch[TOTAL, c]
    for i in range(n):  # towards oneself: nothing moves, and tanh(+inf) is exactly 1
        ii = i * n + i
        latent[r, ii] = 0.0
        memory[r, ii] = 0.0
        shares[r, s_adj, ii] = 0.0
        shares[r, s_noise, ii] = 0.0
        if keep_terms:
            # The drivers' and the memory's shares are written only when terms are kept.
            # Otherwise their diagonal is still the zero a month with terms, or the
            # start, left there. Writing it again would bring 11 x 16 of their cache lines
            # in from memory (a third of the settlement's time, 2026-11-29).
            for k in range(n_drv + 1):
                shares[r, k, ii] = 0.0
        for e_c in range(n_cls):
            episodes[r, e_c, ii] = 0.0
        new_alignment[r, ii] = np.inf
        target[r, ii] = 0.0
        seen[r, ii] = np.inf
        episode_total[r, ii] = 0.0
        trend[r, ii] = 0.0
        if keep_terms:
            for k in range(n_terms):
                terms[r, k, ii] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _finish(alignment, new_alignment, keep_terms, terms, trend):
    """`finish_cell` for every cell."""
    n_rep, n, _ = alignment.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                finish_cell(r, i, j, alignment, new_alignment, keep_terms, terms, trend)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
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
