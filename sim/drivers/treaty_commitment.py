"""Treaty commitment: a treaty in force resists decline, and its clauses are kept or broken.

Theory: institutionalist commitment and audience costs (Keohane 1984; Leeds 2003 on
alliance reliability): parties pay to fall below what they signed. The restoring pull acts
only below the treaty's anchor; above it a small institutional bonus remains. Clause
verdicts (kept or broken this month) come from `sim.treaties.adjudicate_clauses`.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs


def treaty_commitment(state, world, x: StepInputs):
    p = world.p
    below = np.maximum(0.0, x.treaty_anchor[None] - state.alignment)
    return (p.treaty_restoring * x.treaty_strength[None] * below
            + p.treaty_institutional * x.treaty_strength[None] + x.treaty_signal)
