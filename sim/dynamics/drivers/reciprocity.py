"""Reciprocity: what a partner delivered this month against what was asked of it.

Theory: tit-for-tat and specific reciprocity (Axelrod 1984; Keohane 1986). The documents:
Iran asks for Su-35s and S-400s and has "so far only" received trainer jets; Russia asks
for drones and missiles. Delivery values are on the action scale of `sim.core.actions.DELIVERED`.
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs
from sim.dynamics.kernels.lazy import lazy_vectorize


@lazy_vectorize(["float64(float64, float64, float64)"], cache=True)
def _contribution(weight, received, asked):
    return weight * (received - asked)


def reciprocity(state, world, x: StepInputs):
    received = np.swapaxes(x.delivered, 1, 2)  # [i, j] = what j delivered to i
    return _contribution(world.p.reciprocity_weight, received, world.roster.asks[None],
                         out=np.empty_like(state.alignment))


DRIVER = Driver(
    "reciprocity", "reciprocity",
    "Axelrod 1984; Keohane 1986", reciprocity,
    order=10,
    rates={
        "reciprocity_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of a month's deliveries against what was asked"),
    })
