"""Continuous-time structural balance (Marvel, Kleinberg, Kleinberg & Strogatz 2011, PNAS).

Each pair's friendliness X_ij changes by how much they agree about everyone else:
dX/dt = X^2, X(0) = X0 real symmetric. The solution is X(t) = X0 (I - t X0)^{-1}
= V diag(l_k / (1 - l_k t)) V^T, which blows up at t* = 1 / l_max when the largest
eigenvalue l_max of X0 is positive. Near t* the term of l_max dominates, so
X(t) / ||X(t)|| -> u u^T (u the unit leading eigenvector): everyone is friend or enemy of
everyone, split into two factions by the signs of u's components. Why both ways of solving:
the closed form is the prediction, the numeric integrator checks it.

What the prediction cannot say, it says: a zero component of u leaves that actor's side to
higher-order terms; a repeated largest eigenvalue leaves u undetermined (the limit is a
projector of rank > 1, not a two-faction state); l_max <= 0 means no blow-up at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

#: Components of the unit leading eigenvector at or below this size are treated as zero.
ZERO_COMPONENT = 1e-9
#: Relative gap below which the two largest eigenvalues are treated as equal.
DEGENERATE_GAP = 1e-9
#: Times within this relative distance of t* count as the blow-up (t* itself is rounded).
_BEFORE_BLOWUP = 1.0 - 1e-12


def _symmetric(x0) -> np.ndarray:
    x = np.asarray(x0, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"X0 must be a square matrix, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("X0 must hold finite numbers only")
    scale = max(1.0, float(np.abs(x).max()))
    if np.abs(x - x.T).max() > 1e-9 * scale:
        raise ValueError("X0 must be symmetric; symmetrise it, (X + X^T)/2")
    return (x + x.T) / 2.0


def blowup_time(x0) -> float:
    """t* = 1 / l_max, or infinity when l_max <= 0 (no finite-time blow-up)."""
    top = float(np.linalg.eigvalsh(_symmetric(x0))[-1])
    return 1.0 / top if top > 0 else float("inf")


def solution(x0, t: float) -> np.ndarray:
    """The closed form X(t) = X0 (I - t X0)^{-1}, for 0 <= t < t*."""
    x = _symmetric(x0)
    t_star = blowup_time(x)
    if not 0.0 <= t < t_star * _BEFORE_BLOWUP:
        raise ValueError(f"t must satisfy 0 <= t < t* = {t_star:g}, got {t:g}")
    # X0 and (I - t X0) commute, so X0 (I - t X0)^{-1} = (I - t X0)^{-1} X0.
    out = np.linalg.solve(np.eye(x.shape[0]) - t * x, x)
    return (out + out.T) / 2.0


def integrate(x0, times, *, rtol: float = 1e-10, atol: float = 1e-12) -> np.ndarray:
    """dX/dt = X^2 solved numerically (DOP853) at ``times``: shape (len(times), n, n)."""
    x = _symmetric(x0)
    n = x.shape[0]
    times = np.atleast_1d(np.asarray(times, dtype=np.float64))
    if times.size == 0:
        return np.empty((0, n, n))
    t_star = blowup_time(x)
    if times.min() < 0 or times.max() >= t_star * _BEFORE_BLOWUP:
        raise ValueError(f"times must lie in [0, t* = {t_star:g})")
    if times.max() == 0.0:
        return np.repeat(x[None], times.size, axis=0)
    # the integrator wants strictly increasing times: solve at the distinct ones
    distinct, back = np.unique(times, return_inverse=True)

    def rhs(_t: float, flat: np.ndarray) -> np.ndarray:
        m = flat.reshape(n, n)
        return (m @ m).reshape(-1)

    sol = solve_ivp(rhs, (0.0, float(distinct[-1])), x.reshape(-1), method="DOP853",
                    t_eval=distinct, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"the integrator failed: {sol.message}")
    return sol.y.T.reshape(-1, n, n)[back.reshape(-1)]


def normalised(x0, t: float) -> np.ndarray:
    """X(t) / ||X(t)||_F: tends to u u^T as t -> t* when l_max is simple."""
    m = solution(x0, t)
    return m / np.linalg.norm(m)


@dataclass(frozen=True)
class Factions:
    """The two factions X0 leads to, with what could make the prediction unreliable."""

    names: tuple[str, ...]
    eigenvalues: np.ndarray  # descending
    vector: np.ndarray  # unit leading eigenvector, sign so the first decided actor is > 0
    sides: np.ndarray  # int8: 0 (the first actor's faction), 1, or -1 (zero component)
    blowup: float  # t* = 1 / l_max, inf if l_max <= 0
    degenerate: bool  # the largest eigenvalue is repeated: u is not determined
    notes: tuple[str, ...]

    @property
    def blows_up(self) -> bool:
        return bool(np.isfinite(self.blowup))

    @property
    def limit(self) -> np.ndarray:
        """u u^T, the normalised state at blow-up (when l_max is simple)."""
        return np.outer(self.vector, self.vector)

    @property
    def gap(self) -> float:
        return float(self.eigenvalues[0] - self.eigenvalues[1])

    def members(self, side: int) -> list[str]:
        return [nm for nm, s in zip(self.names, self.sides, strict=True) if s == side]


def factions(x0, names=None) -> Factions:
    """Predicted factions: the sign pattern of the leading eigenvector of X0."""
    x = _symmetric(x0)
    n = x.shape[0]
    names = tuple(names) if names is not None else tuple(f"A{i}" for i in range(n))
    if len(names) != n:
        raise ValueError(f"names must have one entry per actor ({n}), got {len(names)}")
    values, vectors = np.linalg.eigh(x)
    values, vectors = values[::-1], vectors[:, ::-1]
    u = vectors[:, 0].copy()
    decided = np.abs(u) > ZERO_COMPONENT
    if decided.any() and u[np.argmax(decided)] < 0:
        u = -u
    sides = np.where(decided, (u < 0).astype(np.int8), np.int8(-1)).astype(np.int8)
    top = float(values[0])
    degenerate = n > 1 and (values[0] - values[1]) <= DEGENERATE_GAP * max(1.0, abs(top))
    notes = _notes(names, top, degenerate, decided, sides)
    return Factions(names, values, u, sides, 1.0 / top if top > 0 else float("inf"),
                    bool(degenerate), tuple(notes))


def _notes(names, top: float, degenerate: bool, decided: np.ndarray,
           sides: np.ndarray) -> list[str]:
    notes = []
    if top <= 0:
        notes.append(f"largest eigenvalue {top:.4g} <= 0: no finite-time blow-up, X(t) "
                     "stays bounded and no factions form; the sign pattern is shown only "
                     "for reference")
    if degenerate:
        notes.append("the largest eigenvalue is repeated: the leading eigenvector is not "
                     "determined, the limit is not a two-faction state, and the factions "
                     "shown are one arbitrary choice")
    undecided = [nm for nm, d in zip(names, decided, strict=True) if not d]
    if undecided:
        notes.append("zero component of the leading eigenvector (side decided by "
                     f"higher-order terms, not predicted): {', '.join(undecided)}")
    if decided.any() and (sides[decided] == sides[decided][0]).all():
        notes.append("all decided actors share one sign: a single faction, everyone allied")
    return notes
