"""Helpers shared by the drivers.

`pair_sum` adds over third parties with ``matmul``: NumPy computes a stack of 16x16
products one 2-D slice at a time with the same BLAS call whatever the stack's length, so a
replicate's result does not depend on its batch, and the Mesa path (one replicate) matches
the batched path to the last bit (tests/test_determinism.py checks it). It replaced a loop
of elementwise multiply-adds that cost a fifth of a batched month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.core.param_info import ParamInfo


@dataclass
class StepInputs:
    """What the drivers read besides the state: this month's actions and environment."""

    delivered: np.ndarray  # (R, N, N) what i delivered to j this month (action value)
    sanctions: np.ndarray  # (R, N, N) total sanctions [imposer, target], scheduled + own
    sanctions_bite: np.ndarray  # (R, N) how hard sanctions press on each target
    secondary: np.ndarray  # (N, N) secondary sanctions [imposer, target]
    treaty_strength: np.ndarray  # (N, N) institutional strength of treaties in force
    guarantee: np.ndarray  # (N, N) [p, q] = 1 where q is bound to defend p


def pair_sum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``out[r, i, j] = sum_k x[r, i, k] * y[r, k, j]``.

    Callers zero the diagonals of x and y so that k = i and k = j drop out (third parties
    only). Either argument may lack the replicate axis.
    """
    return np.matmul(x, y)


def ordered_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum along an axis in increasing index order (batch-shape independent, see above)."""
    x = np.moveaxis(x, axis, 0)
    out = x[0].copy()
    for k in range(1, x.shape[0]):
        out = out + x[k]
    return out


def clear_diagonal(x: np.ndarray) -> np.ndarray:
    """Set the last two axes' diagonal to 0 in place (no self-relations); returns ``x``."""
    n = x.shape[-1]
    x[..., np.arange(n), np.arange(n)] = 0.0
    return x


def zero_diagonal(x: np.ndarray) -> np.ndarray:
    """A copy of ``x`` with the diagonal set to 0."""
    return clear_diagonal(x.copy())


def off_diagonal(n: int) -> np.ndarray:
    return ~np.eye(n, dtype=bool)


@dataclass(frozen=True)
class Driver:
    """A named part of a month's change: a driver (``force`` gives its contribution, weight
    times input, (R, N, N) in latent units) or another term of the explanation (no force).

    ``order`` places it among the drivers (the terms' order, and the order in which
    contributions are summed); ``rates`` declares the dynamics parameters it reads, with
    their ranges, units and meanings: the parameter registry and the dynamics table's
    checks read them from here, so a driver is declared in one file.
    """

    name: str
    label: str  # plain words for explanations
    theory: str
    force: Callable[..., np.ndarray] | None  # None for a term that is not a driver
    order: int = 0
    rates: Mapping[str, ParamInfo] = field(default_factory=dict, hash=False, compare=False)
