"""Third-party cross-pressure: ties to j are held back by valued partners hostile to j.

Theory: cross-pressure and alliance management (Snyder 1997's alliance security dilemma;
Lazarsfeld's cross-pressures applied to states); the documents: Russia's ties with Israel
and the Gulf monarchies restrain it towards Iran. Unlike structural balance, the weight is
material (how much i has to lose with k), not sentiment, and it only holds closeness back
(it scales with the warm part of the relation, max(0, a_ij)): a valued partner's enemy is
kept at arm's length, not turned into one's own enemy; that is structural balance's work.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs, pair_sum, zero_diagonal


def cross_pressure_matrix(state) -> np.ndarray:
    """cp[r, i, j]: how much i stands to lose with its partners by closing with j."""
    stake = state.interdependence * np.maximum(0.0, state.alignment)
    hostile = zero_diagonal(np.maximum(0.0, -state.alignment))
    return pair_sum(zero_diagonal(stake), hostile)


def cross_pressure(state, world, x: StepInputs):
    warm = np.maximum(0.0, state.alignment)
    return -world.p.cross_pressure_rate * cross_pressure_matrix(state) * warm
