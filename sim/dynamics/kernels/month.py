"""The compiled resolution of a month: for each replicate in turn, its adjudication (the
stocks its actions move, its treaty crises judged, its noise drawn), what it delivered,
the episodes of its moves and fighting, every driver's contribution, the settlement of its
relations, their bounding by ``tanh`` and the month's end (the change of alignment and its
terms, distrust, the war clock), while the replicate's arrays are in the processor's
cache.

Why fused: done as separate passes, each over the whole batch, a month read and wrote every
(R, N, N) array of the batch several times, and the batch does not fit in cache; the
drivers' contributions alone were an (R, D, N, N) array written and read back. Here they
live in a (D, N, N) scratch for the replicate being settled.

The arithmetic is that of the per-replicate functions it calls, the same functions the
batch-wide kernels loop over (`sim.dynamics.kernels.stocks.stocks_of_replicate`,
`sim.dynamics.kernels.crises.judge_of_replicate`, `sim.core.rng.normal_row`,
`sim.dynamics.kernels.month_drivers.drivers_of_replicate`,
`sim.dynamics.kernels.settle.settle_replicate`, `sim.dynamics.kernels.impulses`): one
implementation. ``tanh`` is NumPy's own vectorised loop, called on the replicate's rows
(`sim.core.ufunc_loops`: the same bits as ``np.tanh``). What stays outside: the month's
events, which Python objects apply before the opening.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.rng import normal_row
from sim.core.ufunc_loops import apply_loop
from sim.dynamics.kernels.crises import judge_of_replicate
from sim.dynamics.kernels.impulses import move_impulses_of_replicate, war_impulses_of_replicate
from sim.dynamics.kernels.month_drivers import SCRATCH, driver_setup, drivers_of_replicate
from sim.dynamics.kernels.settle import (
    SETTLE_SCRATCH,
    finish_cell,
    flat_settlement,
    settle_replicate,
)
from sim.dynamics.kernels.stocks import stocks_of_replicate


@njit(cache=True, nogil=True, error_model="numpy")
def resolve_block(dyadic, last, delivered_scale, repeat_share, move_table, move_class, war,
                  asks, arms_code, strike_target, strike_attacker, arms_withheld, violence,
                  arms_class, n_drv, slots, extra, extra_slots, seen, threat, anti_hegemony,
                  distrust, interdependence, balance, intensity, engagement, position,
                  sanctions, sanctions_bite, secondary, treaty_strength, guarantee, power,
                  hegemon, exposure, competition, domestic_mask, domestic_hardline,
                  domestic_reform, standing, imposer_threshold, rates, shares, latent, memory,
                  episodes, pending, alignment, noise, kappa, memory_weight, memory_rate,
                  decay, noise_sd, keep_terms, terms, new_alignment, trend, target, seen_out,
                  episode_total, given, tanh_loop, tanh_data, verdicts, distrust_learning,
                  new_distrust, adjudicate, adjudication):
    """One month's resolution of every replicate:

    0. when ``adjudicate``, its adjudication (`adjudicate_replicate`, whose arguments after
       the scratch are the tuple ``adjudication``): the stocks its actions move (into the
       ``interdependence``, ``engagement`` and ``intensity`` the drivers read), its treaty
       crises judged (``verdicts``, and their impulses into ``pending``) and its ``noise``;
       otherwise `adjudicate_block` did all that before (drivers without compiled code
       read the stocks it moved);
    1. ``given`` (R, N, N): what i delivered to j (``delivered_scale`` of its action, 0 on
       the diagonal);
    2. the impulses of its moves against ``last`` month's, and of its fighting, into
       ``pending``;
    3. each driver's contribution from the structural view ``seen`` and the stocks, the
       known drivers compiled (``slots``: each known driver's index among the ``n_drv``
       drivers, -1 if absent), the others' (``extra`` (E, R, N, N) computed by their NumPy
       forces) copied to their places ``extra_slots``;
    4. the settlement (`settle_replicate`): latent levels, episodes, memory, the targets,
       and in ``new_alignment`` and ``seen_out`` the levels in latent units;
    5. ``tanh`` of those by NumPy's loop (``tanh_loop``, ``tanh_data``), in place;
    6. the month's end (`finish_replicate`): the change of alignment in ``trend``, the terms
       scaled to it, distrust learnt into ``new_distrust`` (``verdicts`` the treaty
       verdicts) and one month less of every war, in place.
    """
    n_rep, n, _ = dyadic.shape
    has_guarantee, shield, treaty_standing, guarantee_t = driver_setup(
        guarantee, treaty_strength, power, rates)
    scratch = np.empty((SCRATCH, n, n))
    nn = n * n
    settle_scratch = np.empty((SETTLE_SCRATCH, nn))
    contributions = np.zeros((n_drv, n, n))
    contributions_flat = contributions.reshape(n_drv, nn)
    flat = flat_settlement(shares, latent, memory, episodes, pending, alignment, noise, terms,
                           new_alignment, trend, target, seen_out, episode_total)
    new_flat, seen_flat = flat[8], flat[11]  # the rows tanh bounds
    words = np.empty(5, dtype=np.int64)
    uniforms = np.empty(nn)
    for r in range(n_rep):
        if adjudicate:
            adjudicate_replicate(r, uniforms, *adjudication)
        for i in range(n):
            for j in range(n):
                given[r, i, j] = 0.0 if i == j else delivered_scale[dyadic[r, i, j]]
        move_impulses_of_replicate(r, dyadic, last, repeat_share, move_table, move_class,
                                   pending)
        war_impulses_of_replicate(r, war, dyadic, asks, arms_code, strike_target,
                                  strike_attacker, arms_withheld, violence, arms_class, pending)
        drivers_of_replicate(r, slots, seen, threat, anti_hegemony, war, distrust,
                             interdependence, balance, intensity, engagement, position, given,
                             sanctions, sanctions_bite, secondary, power, hegemon, exposure,
                             competition, domestic_mask, domestic_hardline, domestic_reform,
                             asks, standing, imposer_threshold, rates, has_guarantee, shield,
                             treaty_standing, guarantee, guarantee_t, scratch, contributions)
        for e in range(len(extra_slots)):
            contributions[extra_slots[e]] = extra[e, r]
        settle_replicate(r, n, contributions_flat, *flat, kappa, memory_weight, memory_rate,
                         decay, noise_sd, keep_terms, settle_scratch)
        bounded = new_flat[r]
        apply_loop(tanh_loop, tanh_data, bounded, bounded, words)
        seen_r = seen_flat[r]
        apply_loop(tanh_loop, tanh_data, seen_r, seen_r, words)
        finish_replicate(r, alignment, new_alignment, keep_terms, terms, trend, distrust,
                         given, verdicts, distrust_learning, new_distrust, war)


@njit(cache=True, nogil=True, error_model="numpy")
def finish_replicate(r, alignment, new_alignment, keep_terms, terms, trend, distrust, given,
                     verdicts, distrust_learning, new_distrust, war):
    """Replicate r's month's end, after ``tanh`` bounded its levels: the change of alignment
    in ``trend`` and the terms scaled to it (`sim.dynamics.kernels.settle`), the distrust
    learnt from what each partner delivered and the treaty verdicts (into
    ``new_distrust``; `sim.dynamics.adjudication.learn_distrust`), and one month less of
    every war, in place."""
    n = alignment.shape[1]
    for i in range(n):
        for j in range(n):
            finish_cell(r, i, j, alignment, new_alignment, keep_terms, terms, trend)
            if i == j:
                new_distrust[r, i, j] = 0.0
            else:
                evidence = given[r, j, i] + verdicts[r, i, j]
                old = distrust[r, i, j]
                learnt = old + distrust_learning * (max(0.0, -evidence) * (1.0 - old)
                                                    - 0.25 * max(0.0, evidence) * old)
                new_distrust[r, i, j] = min(max(learnt, 0.0), 1.0)
            war[r, i, j] = max(0.0, war[r, i, j] - 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def adjudicate_replicate(r, uniforms, dyadic, theatre, interdependence, interdependence_base,
                         sanctions_own, engagement, intensity, intensity_base, stake, power,
                         engagement_target, reversion, inter_step, sanction_decay,
                         sanction_step, engagement_rate, theatre_reversion, escalation,
                         new_inter, new_own, new_engagement, new_intensity, pair_treaty,
                         pair_kind, pair_p, pair_q, pair_breach, pair_fulfil, live, parties,
                         war, reliability, sanction_code, banned_assist, banned_military,
                         defence_support, hostile, crisis_months, crisis_kept, verdicts,
                         pending, treaty_class, verdict_impulse, noise_keys, noise):
    """Replicate r's adjudication, the White cell's part of its month: the stocks its
    actions move (`sim.dynamics.kernels.stocks.stocks_of_replicate`), its treaty crises
    counted and judged (`sim.dynamics.kernels.crises.judge_of_replicate`) with the
    verdicts' impulses added to ``pending`` class ``treaty_class``, and its month's noise
    (`sim.core.rng.normal_row`, keyed ``noise_keys[r]``; ``uniforms`` is scratch of N^2).
    The rules are `sim.dynamics.adjudication.apply_actions`'s and
    `sim.dynamics.obligations.judge_crises`'s."""
    n = dyadic.shape[1]
    stocks_of_replicate(r, dyadic, theatre, interdependence, interdependence_base,
                        sanctions_own, engagement, intensity, intensity_base, stake, power,
                        engagement_target, reversion, inter_step, sanction_decay,
                        sanction_step, engagement_rate, theatre_reversion, escalation,
                        new_inter, new_own, new_engagement, new_intensity)
    for i in range(n):
        for j in range(n):
            verdicts[r, i, j] = 0.0
    judge_of_replicate(r, pair_treaty, pair_kind, pair_p, pair_q, pair_breach, pair_fulfil,
                       live, parties, war, dyadic, reliability, sanction_code, banned_assist,
                       banned_military, defence_support, hostile, crisis_months, crisis_kept,
                       verdicts)
    for i in range(n):
        for j in range(n):
            v = verdicts[r, i, j]
            if v != 0.0:  # nothing judged adds nothing
                pending[r, treaty_class, i, j] += verdict_impulse * v
    normal_row(noise_keys[r], uniforms, noise[r].reshape(n * n))


@njit(cache=True, nogil=True, error_model="numpy")
def adjudicate_block(adjudication):
    """`adjudicate_replicate` for every replicate, ``adjudication`` its arguments after the
    scratch: the month's adjudication on its own, for a driver set with drivers that have
    no compiled code (their NumPy forces read the stocks it moved, before `resolve_block`
    settles the month without adjudicating)."""
    dyadic = adjudication[0]
    uniforms = np.empty(dyadic.shape[1] * dyadic.shape[1])
    for r in range(dyadic.shape[0]):
        adjudicate_replicate(r, uniforms, *adjudication)
