"""Common threat: states align against a shared threat and away from a direct one.

Theory: Walt's balance of threat (1987): threat is aggregate power times perceived
intentions. Here i's threat from k is k's power times i's baseline threat perception of k
(documents, e.g. the West "seeks its overthrow") blended with k's current hostility
towards i, plus any strikes k is carrying out on i. Two actors threatened by the same
third party are pulled together in proportion to the product of their threats; a direct
threat lowers the target. A mutual-defence guarantee deters: it lowers the threat the
protected party perceives from everyone but its guarantors.
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs, clear_diagonal, pair_sum
from sim.dynamics.kernels.lazy import lazy_vectorize


@lazy_vectorize(["float64(float64, float64, float64, float64, float64, float64)"], cache=True)
def _threat(base_weight, baseline, a_ki, war_ki, power_k, shield):
    """k's power times i's perception of k: baseline threat blended with k's hostility
    towards i, plus 1 while k strikes i, capped at 1, times what no guarantee deters;
    one compiled pass."""
    hostility = max(0.0, -a_ki)
    attacked = 1.0 if war_ki > 0 else 0.0
    perceived = base_weight * baseline + (1.0 - base_weight) * hostility + attacked
    return power_k * min(max(perceived, 0.0), 1.0) * shield


@lazy_vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def _contribution(shared_weight, shared, direct_weight, theta):
    return shared_weight * shared - direct_weight * theta


def baseline_threat(state, world) -> np.ndarray:
    """Standing threat i perceives from k: the documented threat, and towards the hegemon
    at least i's anti-hegemonic outlook (both state, so a dated change of either counts)."""
    base = state.threat.copy()
    h = world.roster.hegemon
    base[:, :, h] = np.maximum(base[:, :, h], state.anti_hegemony)
    base[:, h, h] = 0.0
    return base


def deterrence_shield(world, guarantee: np.ndarray) -> np.ndarray:
    """(N, N) share of k's threat to i left after i's defence guarantees: a guarantee from
    q of power P deters non-guarantors by defence_deterrence x P (extended deterrence)."""
    power = world.roster.power
    cover = (guarantee * power[None, :]).max(axis=1, initial=0.0)  # (N,)
    shield = 1.0 - world.p.defence_deterrence * np.minimum(cover, 1.0)
    out = np.repeat(shield[:, None], len(power), axis=1)
    return np.where(guarantee > 0, 1.0, out)


def threat_matrix(state, world, guarantee: np.ndarray | None = None) -> np.ndarray:
    """theta[r, i, k]: threat i perceives from k, in [0, 1]."""
    n = world.n
    shield = (np.ones((n, n)) if guarantee is None
              else deterrence_shield(world, guarantee))
    return clear_diagonal(_threat(world.p.threat_base_weight, baseline_threat(state, world),
                                  np.swapaxes(state.alignment, 1, 2),
                                  np.swapaxes(state.war, 1, 2),
                                  world.roster.power[None, None, :], shield[None],
                                  out=np.empty_like(state.alignment)))


def common_threat(state, world, x: StepInputs) -> np.ndarray:
    theta = threat_matrix(state, world, x.guarantee)
    shared = pair_sum(theta, np.swapaxes(theta, 1, 2))
    return clear_diagonal(_contribution(world.p.threat_shared, shared, world.p.threat_direct,
                                        theta, out=np.empty_like(theta)))


DRIVER = Driver(
    "common_threat", "shared threat",
    "Walt 1987, balance of threat", common_threat,
    order=1,
    rates={
        "threat_shared": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of a threat both sides perceive from the same third party"),
        "threat_direct": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of the threat one side perceives from the other"),
        "threat_base_weight": ParamInfo(
            0.0, 1.0, "share",
            "share of perceived threat that is standing perception rather than current hostility"),
        "defence_deterrence": ParamInfo(
            0.0, 1.0, "share",
            "share of third parties' threat a power-1 guarantor's protection removes"),
    })
