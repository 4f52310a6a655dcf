"""Sanctions pressure: a sanctioned state values the partners outside the sanctioning bloc.

Theory: the sanctions literature's "black knight" and sanctions-busting partners
(Hufbauer et al. 2007; Early 2015); the documents' "two of the world's most sanctioned
nations" drawing together. Three parts: the value of willing non-sanctioning partners
(doubled for partners under the same sanctions), resentment of the imposers, and the cost
to third parties of secondary sanctions, which holds back their closeness to the target in
proportion to their ties with the imposers.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs, ordered_sum, pair_sum, zero_diagonal

#: Sanctions level from which an actor counts fully as an imposer (assumption: a tenth of
#: full intensity is already a deliberate policy, not an oversight).
IMPOSER_THRESHOLD = 0.1


def bite(load: np.ndarray) -> np.ndarray:
    """Saturating response 1 - exp(-load): more pressure always bites more, never past 1.

    Why not a cap at 1: with the documented sanctions on Russia and Iran already near a
    cap, tightening and snapback would change nothing, which no sanctions study supports.
    """
    return -np.expm1(-load)


def sanctions_bite(sanctions: np.ndarray, secondary: np.ndarray, power: np.ndarray):
    """Pressure on each target (R, N): imposers' power-weighted sanctions, primary and
    secondary (secondary sanctions cut the target off from third parties too)."""
    load = ordered_sum((sanctions + secondary) * power[None, :, None], axis=1)
    return bite(load)


def sanctions_pressure(state, world, x: StepInputs) -> np.ndarray:
    p, ro = world.p, world.roster
    s = x.sanctions  # [imposer, target]
    pressure = sanctions_bite(s, x.secondary[None], ro.power)  # (R, N)
    s_t = np.swapaxes(s, 1, 2)  # [target, imposer]
    shared = bite(pair_sum(s_t, s))  # both sanctioned by the same imposers
    willing = 0.5 * (1.0 + np.swapaxes(state.alignment, 1, 2))  # j's readiness to deal with i
    # An imposer is no sanctions-busting partner at any level: the weight falls to zero by
    # a level of IMPOSER_THRESHOLD (a continuous ramp, so a decaying own sanction fades out).
    outside = np.clip(1.0 - s_t / IMPOSER_THRESHOLD, 0.0, 1.0)
    value = (ro.sanctions_exposure[None, :, None] * pressure[:, :, None]
             * outside * ro.power[None, None, :] * willing * (1.0 + shared))
    value = zero_diagonal(value)
    resentment = s_t
    # Secondary sanctions deter i from closing with target j in proportion to what i has at
    # stake with the imposers; like cross-pressure they hold closeness back (the warm part
    # of a[i, j]) and do not turn i against j.
    secondary = pair_sum(state.interdependence, x.secondary) * np.maximum(0.0, state.alignment)
    return (p.sanctions_value * value - p.sanctions_resentment * resentment
            - p.sanctions_secondary * secondary)
