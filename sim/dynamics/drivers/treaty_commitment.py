"""Treaty commitment: what a treaty is worth to its parties at all times, war or no war.

Theory: institutionalist commitment (Keohane 1984) and the reassurance and deterrence value
of alliances (Snyder 1997; Leeds 2003). A treaty in force lifts its parties' targets by its
institutional strength; a mutual-defence clause is worth more to the party it protects
(``defence_weight``), lowers the threat that party perceives (the common-threat driver's
deterrence shield), and turns the protected party's enemies against the guarantor and the
guarantor against them (``defence_third``): a guarantor becomes a party to the conflict.

How a party behaves when a clause comes due is judged once per crisis, against the expected
reliability of alliances (`sim.dynamics.obligations.judge_crises`), and registers as a
treaty episode, not as a monthly force: a missed month no longer outweighs a year of help.
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs, pair_sum


def guarantor_of_enemy(alignment: np.ndarray, guarantee: np.ndarray) -> np.ndarray:
    """(R, N, N) how far j guarantees i's enemies, plus how far i guarantees j's enemies,
    capped at 1: the hostility of a pair, max(0, -(a_pq + a_qp) / 2), through the guarantee
    matrix G[p, q] (q guards p)."""
    hostile = np.maximum(0.0, -0.5 * (alignment + np.swapaxes(alignment, -1, -2)))
    n = alignment.shape[-1]
    hostile[..., np.arange(n), np.arange(n)] = 0.0
    # i hostile to p, j guards p: sum_p hostile[i, p] G[p, j]
    guards_enemy = pair_sum(hostile, guarantee)
    # i guards p, p hostile to j: sum_p G[p, i] hostile[p, j]
    guards_against = pair_sum(guarantee.T, hostile)
    return np.minimum(1.0, guards_enemy + guards_against)


def treaty_commitment(state, world, x: StepInputs):
    p = world.p
    standing = p.treaty_weight * x.treaty_strength + p.defence_weight * x.guarantee
    if not x.guarantee.any():
        return np.broadcast_to(standing, state.alignment.shape).copy()
    return standing[None] - p.defence_third * guarantor_of_enemy(state.alignment, x.guarantee)


DRIVER = Driver(
    "treaty_commitment", "treaty commitment",
    "Keohane 1984; Leeds 2003; Snyder 1997", treaty_commitment,
    order=5,
    rates={
        "treaty_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of a treaty's institutional value once matured"),
        "defence_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "value of a mutual-defence guarantee to the protected party"),
        "defence_third": ParamInfo(
            0.0, 5.0, WEIGHT,
            "hostility of a protected party's enemies towards its guarantor"),
    })
