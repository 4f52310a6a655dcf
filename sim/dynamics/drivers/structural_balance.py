"""Structural balance: the friend of a friend is a friend, the friend of an enemy an enemy.

Theory: Heider (1946); the continuous-time form dX/dt = X^2 of Kułakowski et al. (2005)
and Marvel, Kleinberg, Kleinberg & Strogatz (2011), restricted to third parties and
averaged over them so the rate does not grow with the roster.

Relations here are directed, while balance theory speaks of the tie between k and j. The
tie i perceives is the mean of both directions, ½(a_kj + a_jk): so when j warms to i's
adversary k, i notices, as Moscow does when Tehran reaches out to the West (001: "Moscow
fears that Iran will seek an improvement of relations with the West to its detriment").
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs, clear_diagonal, pair_sum, zero_diagonal


def structural_balance(state, world, x: StepInputs) -> np.ndarray:
    a = zero_diagonal(state.alignment)
    tie = 0.5 * (a + np.swapaxes(a, 1, 2))
    n = a.shape[-1]
    return clear_diagonal(world.p.balance_weight * pair_sum(a, tie) / max(1, n - 2))


DRIVER = Driver(
    "structural_balance", "friends and enemies of third parties",
    "Heider 1946; Marvel et al. 2011", structural_balance,
    order=2,
    rates={
        "balance_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of third parties' friendships and enmities (structural balance)"),
    })
