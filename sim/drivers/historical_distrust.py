"""Historical distrust: a memory of betrayal that keeps a partner at arm's length.

Theory: the asymmetry of trust (Slovic 1993; Kydd 2005): trust is lost quickly and
rebuilt slowly. Distrust lowers the target by its weight times the distrust stock. The stock
learns from what the partner delivers and from treaty conduct
(see `sim.adjudication.learn_distrust`).
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def historical_distrust(state, world, x: StepInputs):
    return -world.p.distrust_weight * state.distrust
