"""Standing relation: what the named drivers do not explain about the documented relations.

Why (decision record 0008): the documents give each relation's level at the start of a
scenario family (the roster's 2025 values, the history's 1992 values), and no small set of
drivers reproduces 240 directed relations. Without a residual the model would forget its
documented starting values in its first years and spend its movement doing so. The
residual is fixed once per scenario family, on the family's root scenario, as the latent
level of each documented relation minus the drivers' target there (`sim.dynamics.world`), so that
the documented relations are an equilibrium and every difference between scenarios of a
family acts through the named drivers. ``standing_weight`` scales it (1: a full fixed
effect; 0: none).
"""

from __future__ import annotations

from sim.core.param_info import ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs


def standing(state, world, x: StepInputs):
    return world.p.standing_weight * world.standing


DRIVER = Driver(
    "standing", "standing relation (what the drivers leave unexplained)",
    "a fixed effect per dyad, decision record 0008", standing,
    order=11,
    rates={
        "standing_weight": ParamInfo(
            0.0, 1.0, "share",
            "share of the standing residual (what the drivers leave unexplained) kept in "
            "the target"),
    })
