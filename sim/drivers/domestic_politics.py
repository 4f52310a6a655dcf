"""Domestic politics: factions pull foreign alignment towards their own ideal points.

Theory: two-level games (Putnam 1988) and selectorate politics; the documents' Iran, where
the security establishment sets the "big game" and the elected government plays the
"small game". The actor's target alignment is the balance-weighted mix of the factions'
ideals; only actors with factions (and only the partners they name) feel this driver.
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from sim.drivers._common import StepInputs


@vectorize(["float64(float64, float64, float64, float64, float64, float64)"], cache=True)
def _force(rate, mask, b, hardline, reform, a):
    """rate (target - a) where the actor has factions naming the partner, the target being
    the factions' ideals mixed by the hardliners' weight b; one compiled pass."""
    target = b * hardline + (1.0 - b) * reform
    return rate * mask * (target - a)


def domestic_politics(state, world, x: StepInputs):
    ro = world.roster
    return _force(world.p.domestic_rate, ro.domestic_mask[None], state.balance[:, :, None],
                  ro.domestic_hardline[None], ro.domestic_reform[None], state.alignment,
                  out=np.empty_like(state.alignment))
