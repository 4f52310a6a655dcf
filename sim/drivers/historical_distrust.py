"""Historical distrust: a memory of betrayal that keeps a partner at arm's length.

Theory: the asymmetry of trust (Slovic 1993; Kydd 2005): trust is lost quickly and
rebuilt slowly. Distrust pulls alignment down, more so the closer the relation: the factor
(1 + a) / 2 is 1 for a close partner, 0.5 for a neutral one and 0 for an open enemy, from
whom no betrayal is feared because no loyalty is expected. The distrust stock itself
learns from what the partner delivers and from treaty conduct
(see `sim.adjudication.learn_distrust`).
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from sim.drivers._common import StepInputs


@vectorize(["float64(float64, float64, float64)"], cache=True)
def _force(rate, d, a):
    """-rate d (1 + a)/2, one compiled pass (a NumPy ufunc)."""
    return -rate * d * 0.5 * (1.0 + a)


def historical_distrust(state, world, x: StepInputs):
    return _force(world.p.distrust_rate, state.distrust, state.alignment,
                  out=np.empty_like(state.alignment))
