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

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs, ordered_sum, pair_sum

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
    secondary (secondary sanctions cut the target off from third parties too). The NumPy
    reference of `sim.dynamics.adjudication.sanctions_in_force`'s compiled pass."""
    load = ordered_sum((sanctions + secondary) * power[None, :, None], axis=1)
    return bite(load)


def sanctions_pressure(state, world, x: StepInputs) -> np.ndarray:
    """Value of willing non-imposers to a pressured target, weighted by i's exposure and
    the partner's power and doubled at most for partners under the same imposers (an
    imposer is no sanctions-busting partner at any level: the weight falls to zero at
    IMPOSER_THRESHOLD, a ramp, so a decaying own sanction fades out); minus resentment of
    the imposers, and the imposer's own distance from the state it sanctions (a state that
    sanctions another has taken sides against it: the same weight, read from i's own
    sanctions on j); minus what secondary sanctions put at stake: they deter i from closing
    with target j in proportion to i's ties with the imposers (like cross-pressure, this
    does not read a[i, j], so it is no hidden restoring force on that relation)."""
    from sim.dynamics.kernels import sanctions_force  # compiled on first use

    p, ro = world.p, world.roster
    s = x.sanctions  # [imposer, target]
    shared = bite(pair_sum(np.swapaxes(s, 1, 2), s))  # sanctioned by the same imposers
    secondary_stake = pair_sum(state.interdependence, x.secondary)
    out = np.empty_like(state.alignment)
    sanctions_force(s, x.sanctions_bite, shared, secondary_stake, state.alignment,
                    ro.sanctions_exposure, ro.power, IMPOSER_THRESHOLD,
                    float(p.sanctions_value), float(p.sanctions_resentment),
                    float(p.sanctions_secondary), out)
    return out


DRIVER = Driver(
    "sanctions_pressure", "sanctions pressure",
    "Hufbauer et al. 2007; Early 2015", sanctions_pressure,
    order=3,
    rates={
        "sanctions_value": ParamInfo(
            0.0, 5.0, WEIGHT,
            "value a sanctioned state puts on partners that do not sanction it"),
        "sanctions_resentment": ParamInfo(
            0.0, 5.0, WEIGHT,
            "resentment of a sanctioned state towards those who sanction it"),
        "sanctions_secondary": ParamInfo(
            0.0, 5.0, WEIGHT,
            "restraint that secondary sanctions put on third parties' ties with the sanctioned"),
    })
