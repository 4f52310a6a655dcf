"""Common threat: states align against a shared threat and away from a direct one.

Theory: Walt's balance of threat (1987): threat is aggregate power times perceived
intentions. Here i's threat from k is k's power times i's baseline threat perception of k
(documents, e.g. the West "seeks its overthrow") blended with k's current hostility
towards i, plus any strikes k is carrying out on i. Two actors threatened by the same
third party are pulled together in proportion to the product of their threats.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs, pair_sum, zero_diagonal


def threat_matrix(state, world) -> np.ndarray:
    """theta[r, i, k]: threat i perceives from k, in [0, 1]."""
    p = world.p
    hostility = np.maximum(0.0, -np.swapaxes(state.alignment, 1, 2))
    attacked = (np.swapaxes(state.war, 1, 2) > 0).astype(np.float64)
    perceived = (p.threat_base_weight * state.threat
                 + (1.0 - p.threat_base_weight) * hostility + attacked)
    theta = world.roster.power[None, None, :] * np.clip(perceived, 0.0, 1.0)
    return zero_diagonal(theta)


def common_threat(state, world, x: StepInputs) -> np.ndarray:
    theta = threat_matrix(state, world)
    shared = pair_sum(theta, np.swapaxes(theta, 1, 2))
    return world.p.threat_shared * shared - world.p.threat_direct * theta
