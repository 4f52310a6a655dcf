"""Historical distrust: a memory of betrayal that keeps a partner at arm's length.

Theory: the asymmetry of trust (Slovic 1993; Kydd 2005): trust is lost quickly and
rebuilt slowly. Distrust pulls alignment down, more so the closer the relation: the factor
(1 + a) / 2 is 1 for a close partner, 0.5 for a neutral one and 0 for an open enemy, from
whom no betrayal is feared because no loyalty is expected. The distrust stock itself
learns from what the partner delivers and from treaty conduct
(see `sim.adjudication.learn_distrust`).
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def historical_distrust(state, world, x: StepInputs):
    return -world.p.distrust_rate * state.distrust * 0.5 * (1.0 + state.alignment)
