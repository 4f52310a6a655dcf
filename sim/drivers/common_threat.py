"""Common threat: states align against a shared threat and away from a direct one.

Theory: Walt's balance of threat (1987): threat is aggregate power times perceived
intentions. Here i's threat from k is k's power times i's baseline threat perception of k
(documents, e.g. the West "seeks its overthrow") blended with k's current hostility
towards i, plus any strikes k is carrying out on i. Two actors threatened by the same
third party are pulled together in proportion to the product of their threats.
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from sim.drivers._common import StepInputs, clear_diagonal, pair_sum


@vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _threat(base_weight, baseline, a_ki, war_ki, power_k):
    """k's power times i's perception of k: baseline threat blended with k's hostility
    towards i, plus 1 while k strikes i, capped at 1; one compiled pass."""
    hostility = max(0.0, -a_ki)
    attacked = 1.0 if war_ki > 0 else 0.0
    perceived = base_weight * baseline + (1.0 - base_weight) * hostility + attacked
    return power_k * min(max(perceived, 0.0), 1.0)


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def _force(shared_rate, shared, direct_rate, theta):
    return shared_rate * shared - direct_rate * theta


def threat_matrix(state, world) -> np.ndarray:
    """theta[r, i, k]: threat i perceives from k, in [0, 1]."""
    return clear_diagonal(_threat(world.p.threat_base_weight, state.threat,
                                  np.swapaxes(state.alignment, 1, 2),
                                  np.swapaxes(state.war, 1, 2),
                                  world.roster.power[None, None, :],
                                  out=np.empty_like(state.alignment)))


def common_threat(state, world, x: StepInputs) -> np.ndarray:
    theta = threat_matrix(state, world)
    shared = pair_sum(theta, np.swapaxes(theta, 1, 2))
    return _force(world.p.threat_shared, shared, world.p.threat_direct, theta,
                  out=np.empty_like(theta))
