"""Historical distrust: a memory of betrayal that keeps a partner at arm's length.

Theory: the asymmetry of trust (Slovic 1993; Kydd 2005): trust is lost quickly and
rebuilt slowly. Distrust lowers the target by its weight times the distrust stock. The stock
learns from what the partner delivers and from treaty conduct
(see `sim.dynamics.adjudication.learn_distrust`).
"""

from __future__ import annotations

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs


def historical_distrust(state, world, x: StepInputs):
    return -world.p.distrust_weight * state.distrust


DRIVER = Driver(
    "historical_distrust", "historical distrust",
    "Slovic 1993; Kydd 2005", historical_distrust,
    order=7,
    rates={
        "distrust_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of historical distrust, holding a relation below its other reasons"),
    })
