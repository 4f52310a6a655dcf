"""Treaty commitment: a treaty in force resists decline, and its clauses are kept or broken.

Theory: institutionalist commitment and audience costs (Keohane 1984; Leeds 2003 on
alliance reliability): parties pay to fall below what they signed. The restoring pull acts
only below the treaty's anchor; above it a small institutional bonus remains. Clause
verdicts (kept or broken this month) come from `sim.treaties.adjudicate_clauses`.
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from sim.drivers._common import StepInputs


@vectorize(["float64(float64, float64, float64, float64, float64, float64)"], cache=True)
def _force(restoring, institutional, strength, anchor, a, signal):
    """Restoring pull below the anchor, a standing bonus, and this month's clause verdicts;
    one compiled pass."""
    below = max(0.0, anchor - a)
    return restoring * strength * below + institutional * strength + signal


def treaty_commitment(state, world, x: StepInputs):
    p = world.p
    return _force(p.treaty_restoring, p.treaty_institutional, x.treaty_strength[None],
                  x.treaty_anchor[None], state.alignment, x.treaty_signal,
                  out=np.empty_like(state.alignment))
