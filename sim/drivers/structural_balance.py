"""Structural balance: the friend of a friend is a friend, the friend of an enemy an enemy.

Theory: Heider (1946); the continuous-time form dX/dt = X^2 of Kułakowski et al. (2005)
and Marvel, Kleinberg, Kleinberg & Strogatz (2011), restricted to third parties and
averaged over them so the rate does not grow with the roster.
"""

from __future__ import annotations

import numpy as np

from sim.drivers._common import StepInputs, pair_sum, zero_diagonal


def structural_balance(state, world, x: StepInputs) -> np.ndarray:
    a = zero_diagonal(state.alignment)
    n = a.shape[-1]
    return world.p.balance_rate * pair_sum(a, a) / max(1, n - 2)
