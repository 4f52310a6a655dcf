"""Adjudication: once everyone has moved, apply the month's actions to the world.

All actors move simultaneously, then this module settles what their actions did: what each
delivered to each partner, how treaty clauses were kept, and how interdependence,
sanctions, theatre engagement and intensity moved. It is the model's White cell.
"""

from __future__ import annotations

import numpy as np

from sim.actions import DELIVERED, ENGAGEMENT_TARGET, Dyadic, TheatreAction
from sim.drivers._common import ordered_sum, zero_diagonal
from sim.treaties import adjudicate_clauses


def delivered(dyadic: np.ndarray) -> np.ndarray:
    """What i delivered to j this month, on the `DELIVERED` scale (R, N, N)."""
    return zero_diagonal(DELIVERED[dyadic])


def total_sanctions(state, world) -> np.ndarray:
    """Scheduled regimes plus sanctions imposed by action, capped at 1 (R, N, N)."""
    primary, _ = world.sanctions_at(state.step)
    return np.minimum(1.0, primary[None] + state.sanctions_own)


def apply_actions(state, world, dyadic: np.ndarray, theatre: np.ndarray) -> np.ndarray:
    """Update the state's stocks from this month's actions; return the treaty signal."""
    p, ro = world.p, world.roster
    signal = adjudicate_clauses(world.treaties, state.war, dyadic, state.step)

    # two comparisons, not np.isin: the same booleans, a fraction of the time
    warm_own = ((dyadic == Dyadic.DEEPEN) | (dyadic == Dyadic.TRANSFER_ARMS)).astype(np.float64)
    cold_own = ((dyadic == Dyadic.DISTANCE) | (dyadic == Dyadic.SANCTION)).astype(np.float64)
    warm = 0.5 * (warm_own + np.swapaxes(warm_own, 1, 2))
    cold = 0.5 * (cold_own + np.swapaxes(cold_own, 1, 2))
    m = state.interdependence
    m = (m + p.interdependence_reversion * (state.interdependence_base - m)
         + p.interdependence_step * (warm * (1.0 - m) - cold * m))
    state.interdependence = zero_diagonal(np.clip(m, 0.0, 1.0))

    sanctioned = (dyadic == Dyadic.SANCTION).astype(np.float64)
    own = state.sanctions_own * (1.0 - p.sanctions_endogenous_decay)
    state.sanctions_own = own + p.sanctions_endogenous_step * sanctioned * (1.0 - own)

    stake = ro.stake.T[None]  # (1, N, T)
    target = ENGAGEMENT_TARGET[theatre] * stake
    target = np.where(theatre == TheatreAction.INTERVENE, np.minimum(1.0, stake + 0.3), target)
    eng = np.swapaxes(state.engagement, 1, 2)  # (R, N, T)
    eng = eng + p.engagement_rate * (target - eng)
    state.engagement = np.swapaxes(eng, 1, 2).copy()

    weight = ro.power[None, :, None] * stake
    push = ordered_sum((theatre == TheatreAction.INTERVENE) * weight, axis=1)
    calm = ordered_sum((theatre == TheatreAction.MEDIATE) * weight, axis=1)
    # escalation saturates as (1 - I): the hotter a theatre, the less one more intervention
    # adds (without this, routine interventions pinned four theatres at 1 within a year)
    inten = (state.intensity + p.theatre_reversion * (state.intensity_base - state.intensity)
             + p.theatre_escalation * (push - 0.5 * calm) * (1.0 - state.intensity))
    state.intensity = np.clip(inten, 0.0, 1.0)
    return signal


def learn_distrust(state, world, given: np.ndarray, signal: np.ndarray) -> None:
    """Distrust grows on bad evidence and fades, four times slower, on good evidence.

    Evidence about j in i's eyes: what j delivered to i plus i's verdict on j's treaty
    conduct. The 4:1 asymmetry is an assumption after Slovic (1993).
    """
    evidence = np.swapaxes(given, 1, 2) + signal
    d = state.distrust
    eta = world.p.distrust_learning
    d = d + eta * (np.maximum(0.0, -evidence) * (1.0 - d) - 0.25 * np.maximum(0.0, evidence) * d)
    state.distrust = zero_diagonal(np.clip(d, 0.0, 1.0))
