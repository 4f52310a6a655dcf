"""Compiled adjudication: the stocks that a month's actions move."""

from __future__ import annotations

from numba import njit

from sim.dynamics.kernels.codes import ARMS, DEEPEN, DISTANCE, SANCTION, T_INTERVENE, T_MEDIATE


@njit(cache=True, nogil=True, error_model="numpy")
def update_stocks(dyadic, theatre, interdependence, interdependence_base, sanctions_own,
                  engagement, intensity, intensity_base, stake, power, engagement_target,
                  reversion, inter_step, sanction_decay, sanction_step, engagement_rate,
                  theatre_reversion, escalation, new_inter, new_own, new_engagement,
                  new_intensity):
    """The stocks that actions move, in one pass (see `sim.dynamics.adjudication.apply_actions` for
    the rules): interdependence, sanctions imposed by action, theatre engagement and
    theatre intensity, written into the ``new_*`` arrays; `stocks_of_replicate` for every
    replicate."""
    for r in range(dyadic.shape[0]):
        stocks_of_replicate(r, dyadic, theatre, interdependence, interdependence_base,
                            sanctions_own, engagement, intensity, intensity_base, stake,
                            power, engagement_target, reversion, inter_step, sanction_decay,
                            sanction_step, engagement_rate, theatre_reversion, escalation,
                            new_inter, new_own, new_engagement, new_intensity)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def stocks_of_replicate(r, dyadic, theatre, interdependence, interdependence_base,
                        sanctions_own, engagement, intensity, intensity_base, stake, power,
                        engagement_target, reversion, inter_step, sanction_decay,
                        sanction_step, engagement_rate, theatre_reversion, escalation,
                        new_inter, new_own, new_engagement, new_intensity):
    """Replicate r's stocks after its actions (`update_stocks`); the month's resolution
    (`sim.dynamics.kernels.month.resolve_block`) calls it while the replicate is in cache."""
    n = dyadic.shape[1]
    n_th = stake.shape[1]
    keep_own = 1.0 - sanction_decay
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
            st = stake[r, t, i]
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
