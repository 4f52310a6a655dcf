"""Sanctions pressure: a sanctioned state values the partners outside the sanctioning bloc.

Theory: the sanctions literature's "black knight" and sanctions-busting partners
(Hufbauer et al. 2007; Early 2015); the documents' "two of the world's most sanctioned
nations" drawing together. Three parts: the value of willing non-sanctioning partners
(doubled for partners under the same sanctions), resentment of the imposers, and the cost
to third parties of secondary sanctions on dealing with the target.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs, ordered_sum, pair_sum, zero_diagonal


def sanctions_pressure(state, world, x: StepInputs) -> np.ndarray:
    p, ro = world.p, world.roster
    s = x.sanctions  # [imposer, target]
    pressure = np.clip(ordered_sum(s * ro.power[None, :, None], axis=1), 0.0, 1.0)  # (R, N)
    s_t = np.swapaxes(s, 1, 2)  # [target, imposer]
    shared = np.clip(pair_sum(s_t, s), 0.0, 1.0)  # both sanctioned by the same imposers
    willing = 0.5 * (1.0 + np.swapaxes(state.alignment, 1, 2))  # j's readiness to deal with i
    value = ((ro.sanctions_exposure * 1.0)[None, :, None] * pressure[:, :, None]
             * (1.0 - s_t) * ro.power[None, None, :] * willing * (1.0 + shared))
    value = zero_diagonal(value)
    resentment = s_t
    secondary = pair_sum(state.interdependence, x.secondary)
    return (p.sanctions_value * value - p.sanctions_resentment * resentment
            - p.sanctions_secondary * secondary)
