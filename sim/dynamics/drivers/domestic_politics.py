"""Domestic politics: factions pull foreign alignment towards their own ideal points.

Theory: two-level games (Putnam 1988) and selectorate politics; the documents' Iran, where
the security establishment sets the "big game" and the elected government plays the
"small game". The contribution is the balance-weighted mix of the factions' ideals times
the driver's weight; only actors with factions (and only the partners they name) feel it,
so a shift of the balance moves the target by weight x shift x (hardline - reform).
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs
from sim.dynamics.kernels.lazy import lazy_vectorize


@lazy_vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _contribution(weight, mask, b, hardline, reform):
    """weight x the factions' ideals mixed by the hardliners' weight b, where the actor has
    factions naming the partner; one compiled pass."""
    return weight * mask * (b * hardline + (1.0 - b) * reform)


def domestic_politics(state, world, x: StepInputs):
    ro = world.roster
    return _contribution(world.p.domestic_weight, ro.domestic_mask[None],
                         state.balance[:, :, None], ro.domestic_hardline[None],
                         ro.domestic_reform[None], out=np.empty_like(state.alignment))


DRIVER = Driver(
    "domestic_politics", "domestic politics",
    "Putnam 1988", domestic_politics,
    order=9,
    rates={
        "domestic_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of the domestic factions' ideal alignments"),
    })
