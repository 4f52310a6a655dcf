"""Landscape theory of aggregation (Axelrod & Bennett 1993): energies and their minima.

Actors i with sizes s_i > 0 and a symmetric propensity p_ij (positive: they like to be
together) split into two coalitions. A configuration gives each actor a side, 0 or 1;
d_ij = 1 when i and j are on different sides, else 0. Conventions used throughout:

* frustration of actor i:  F_i = sum_{j != i} s_j p_ij d_ij
  (being apart from a friend adds to it, being apart from an enemy takes from it, so it can
  be negative, exactly as in the paper);
* energy:  E = sum_i s_i F_i = sum over ORDERED pairs i != j of s_i s_j p_ij d_ij
  = 2 * sum over unordered pairs {i, j} of s_i s_j p_ij d_ij.  This is the paper's E(X) (its
  footnote 2 expands it over both orders of each pair); halve it for the per-pair sum;
* when actor k switches sides, E changes by exactly 2 s_k times the change of F_k, so an
  actor that lowers its own frustration lowers the energy: the theory's reason that myopic
  actors end in a local minimum of E;
* imbalance of actor i:  V_i = sum_j s_j |p_ij| [tie violated], a tie being violated when
  friends (p > 0) are apart or enemies (p < 0) together. V_i = F_i + sum_j s_j max(-p_ij, 0),
  a per-actor constant shift, so sum_i s_i V_i has the same minima as E; it is >= 0 and is
  0 exactly for a split with every positive tie inside and every negative tie across (a
  balanced network, Harary 1953), which E alone does not show.

Two configurations that are mirror images (every side swapped) are the same split, so actor
0 is always put on side 0 and the 2^(n-1) remaining configurations are enumerated. Moves
and minima: a local minimum is a configuration that no single actor switching sides can
lower by more than a relative tolerance (1e-10 of sum |s_i s_j p_ij|), so plateaus count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

#: Above this many actors `analyse` switches from enumeration to the multi-start heuristic.
EXACT_LIMIT = 20
#: Largest n for which `enumerate_minima` agrees to enumerate (2^(n-1) configurations).
ENUMERATION_CAP = 30
#: Above this n the steepest-descent basins are not computed (they need 8 * 2^(n-1) bytes).
BASIN_LIMIT = 22
DEFAULT_RESTARTS = 1000
_RELATIVE_TOL = 1e-10


@dataclass(frozen=True)
class Landscape:
    """Sizes and a symmetric propensity matrix, checked once so every routine can trust them.

    The diagonal of ``propensity`` is meaningless (an actor is always with itself) and is set
    to zero; an alignment matrix with 1 on its diagonal can be passed as it is.
    """

    names: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    weights: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = np.array(self.sizes, dtype=np.float64).reshape(-1)
        prop = np.array(self.propensity, dtype=np.float64)
        names = tuple(str(x) for x in self.names)
        _check(names, sizes, prop)
        prop = prop.copy()
        np.fill_diagonal(prop, 0.0)
        weights = sizes[:, None] * sizes[None, :] * prop
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "propensity", prop)
        object.__setattr__(self, "weights", weights)

    @classmethod
    def from_arrays(cls, sizes, propensity, names=None, *, symmetrise: bool = False
                    ) -> Landscape:
        """Build from plain arrays; ``symmetrise`` replaces p by (p + p^T)/2 first."""
        prop = np.asarray(propensity, dtype=np.float64)
        if symmetrise and prop.ndim == 2 and prop.shape[0] == prop.shape[1]:
            prop = (prop + prop.T) / 2.0
        n = prop.shape[0] if prop.ndim >= 1 else 0
        names = tuple(names) if names is not None else tuple(f"A{i}" for i in range(n))
        return cls(names, np.asarray(sizes, dtype=np.float64), prop)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def tol(self) -> float:
        """Energy differences at or below this are ties (rounding, not preference)."""
        return _RELATIVE_TOL * float(np.abs(self.weights).sum())

    @property
    def imbalance_offset(self) -> float:
        """sum_i s_i V_i - E, the same for every configuration."""
        return float(np.maximum(-self.weights, 0.0).sum())


def _check(names: tuple[str, ...], sizes: np.ndarray, prop: np.ndarray) -> None:
    """Refuse what the theory cannot use, naming the first offending entry."""
    if prop.ndim != 2 or prop.shape[0] != prop.shape[1]:
        raise ValueError(f"propensity must be a square matrix, got shape {prop.shape}")
    n = prop.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 actors, got {n}")
    if sizes.shape != (n,):
        raise ValueError(f"sizes must have one entry per actor ({n}), got {sizes.shape[0]}")
    if len(names) != n:
        raise ValueError(f"names must have one entry per actor ({n}), got {len(names)}")
    if len(set(names)) != n:
        dup = sorted({x for x in names if names.count(x) > 1})
        raise ValueError(f"actor names must be unique; repeated: {', '.join(dup)}")
    bad = np.flatnonzero(~np.isfinite(sizes) | (sizes <= 0))
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"size of {names[k]} is {sizes[k]!r}; sizes must be finite and > 0")
    off = ~np.eye(n, dtype=bool)
    bad_p = np.argwhere(~np.isfinite(prop) & off)
    if bad_p.size:
        i, j = (int(x) for x in bad_p[0])
        raise ValueError(f"propensity[{names[i]}, {names[j]}] is {prop[i, j]!r}; "
                         "propensities must be finite numbers")
    diff = np.abs(prop - prop.T)
    scale = max(1.0, float(np.abs(prop[off]).max()))
    if diff.max() > 1e-9 * scale:
        i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise ValueError(
            f"propensity must be symmetric: p[{names[i]}, {names[j]}] = {prop[i, j]:g} but "
            f"p[{names[j]}, {names[i]}] = {prop[j, i]:g}; symmetrise it, (p + p^T)/2")


# --- energies of one configuration -------------------------------------------------------


def _spins(landscape: Landscape, sides) -> np.ndarray:
    x = np.asarray(sides)
    if x.shape != (landscape.n,) or not np.isin(x, (0, 1)).all():
        raise ValueError(f"sides must be {landscape.n} values, each 0 or 1; got {x.tolist()}")
    return 1.0 - 2.0 * x.astype(np.float64)


def canonical(sides) -> np.ndarray:
    """The same split with actor 0 on side 0 (mirror images are one configuration)."""
    x = np.asarray(sides, dtype=np.int8)
    return x ^ x[0]


def frustration(landscape: Landscape, sides) -> np.ndarray:
    """F_i for every actor (see the module docstring)."""
    sigma = _spins(landscape, sides)
    d = (1.0 - np.outer(sigma, sigma)) / 2.0
    return (landscape.propensity * d) @ landscape.sizes


def imbalance(landscape: Landscape, sides) -> np.ndarray:
    """V_i >= 0 for every actor: weight of its ties the split violates."""
    offset = np.maximum(-landscape.propensity, 0.0) @ landscape.sizes
    return frustration(landscape, sides) + offset


def energy(landscape: Landscape, sides) -> float:
    """E = sum_i s_i F_i."""
    sigma = _spins(landscape, sides)
    w = landscape.weights
    return float((w.sum() - sigma @ w @ sigma) / 2.0)


def move_gains(landscape: Landscape, sides) -> np.ndarray:
    """Change of E if actor k alone switched sides, for every k (= 2 s_k dF_k)."""
    sigma = _spins(landscape, sides)
    return 2.0 * sigma * (landscape.weights @ sigma)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Minimum:
    """A local minimum: its split (actor 0 on side 0), energy, and how many reach it.

    ``basin``: exact search, configurations (of 2^(n-1)) whose steepest single-actor descent
    ends here; heuristic search, restarts that ended here; None if not computed.
    """

    sides: np.ndarray
    energy: float
    basin: int | None = None

    def members(self, names: tuple[str, ...], side: int) -> list[str]:
        return [nm for nm, s in zip(names, self.sides, strict=True) if s == side]


@dataclass(frozen=True)
class LandscapeResult:
    """Minima of one landscape, lowest energy first, and how they were found."""

    landscape: Landscape
    method: Literal["exact", "heuristic"]
    minima: tuple[Minimum, ...]  # the listed local minima, lowest energy first
    local_minima_found: int  # exact: all local minima; heuristic: distinct ones reached
    searched: int  # configurations enumerated, or restarts
    seed: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def best_energy(self) -> float:
        return self.minima[0].energy

    @property
    def global_minima(self) -> tuple[Minimum, ...]:
        """Every listed minimum tied with the lowest energy (exact: the global minima)."""
        tol = self.landscape.tol
        return tuple(m for m in self.minima if m.energy <= self.best_energy + tol)

    @property
    def exact(self) -> bool:
        return self.method == "exact"

    @property
    def hits(self) -> int | None:
        """Heuristic: restarts that ended at the best energy found."""
        if self.exact:
            return None
        return sum(m.basin or 0 for m in self.global_minima)


# --- exact enumeration --------------------------------------------------------------------


def _chunk_spins(codes: np.ndarray, n: int) -> np.ndarray:
    """Spins (+1 side 0, -1 side 1) of configurations; bit k-1 of the code is actor k."""
    bits = (codes[:, None] >> np.arange(n - 1, dtype=np.int64)[None, :]) & 1
    sigma = np.ones((codes.size, n))
    sigma[:, 1:] -= 2.0 * bits
    return sigma


def _code_of(sides: np.ndarray) -> int:
    x = canonical(sides)
    return int(sum(int(b) << k for k, b in enumerate(x[1:])))


def _sides_of(code: int, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int8)
    for k in range(1, n):
        out[k] = (code >> (k - 1)) & 1
    return out


def enumerate_minima(landscape: Landscape, *, basins: bool | None = None,
                     max_listed: int = 1000, chunk: int = 1 << 15) -> LandscapeResult:
    """Every configuration's energy, in chunks: all local minima, exact global minima.

    Why chunks: 2^(n-1) configurations times n spins would not fit in memory for n near 20,
    while a chunk of 2^15 is a few megabytes and still one matrix product. Only local minima
    are kept (every global minimum is one). ``basins`` (default: n <= BASIN_LIMIT) follows
    steepest single-actor descent (ties to the lowest index) from every configuration.
    """
    n = landscape.n
    if n > ENUMERATION_CAP:
        raise ValueError(f"{n} actors is too many to enumerate (2^{n - 1} configurations; "
                         f"at most {ENUMERATION_CAP}); use the heuristic search")
    basins = n <= BASIN_LIMIT if basins is None else basins
    total = 1 << (n - 1)
    mask = total - 1
    w = landscape.weights
    wsum = float(w.sum())
    tol = landscape.tol
    succ = np.empty(total, dtype=np.int64) if basins else None
    found_codes, found_energy = [], []
    for start in range(0, total, chunk):
        codes = np.arange(start, min(start + chunk, total), dtype=np.int64)
        sigma = _chunk_spins(codes, n)
        field_ = sigma @ w
        e = (wsum - np.einsum("ij,ij->i", sigma, field_)) / 2.0
        gains = 2.0 * sigma * field_
        best = np.argmin(gains, axis=1)
        drop = gains[np.arange(codes.size), best]
        local = drop >= -tol
        found_codes.append(codes[local])
        found_energy.append(e[local])
        if succ is not None:
            flip = np.where(best == 0, mask, np.left_shift(1, np.maximum(best - 1, 0)))
            succ[start:start + codes.size] = np.where(local, codes, codes ^ flip)
    codes = np.concatenate(found_codes)
    energies = np.concatenate(found_energy)
    counts = _basin_counts(succ, codes) if succ is not None else None
    order = np.lexsort((codes, energies))[:max_listed]
    minima = tuple(Minimum(_sides_of(int(codes[k]), n), float(energies[k]),
                           None if counts is None else int(counts[k])) for k in order)
    notes = []
    if codes.size > max_listed:
        notes.append(f"{codes.size} local minima; the {max_listed} lowest are listed")
    return LandscapeResult(landscape, "exact", minima, int(codes.size), total,
                           notes=tuple(notes))


def _basin_counts(succ: np.ndarray, minima_codes: np.ndarray) -> np.ndarray:
    """How many configurations end at each minimum: follow successors by pointer doubling."""
    while True:
        nxt = succ[succ]
        if np.array_equal(nxt, succ):
            break
        succ = nxt
    ends = np.bincount(succ, minlength=succ.size)
    return ends[minima_codes]


# --- heuristic ----------------------------------------------------------------------------


def _descend_many(w: np.ndarray, sigma: np.ndarray, tol: float) -> np.ndarray:
    """Steepest single-actor descent of many spin rows at once, until none can improve."""
    sigma = sigma.copy()
    rows = np.arange(sigma.shape[0])
    while True:
        gains = 2.0 * sigma * (sigma @ w)
        best = np.argmin(gains, axis=1)
        moving = gains[rows, best] < -tol
        if not moving.any():
            return sigma
        sigma[rows[moving], best[moving]] *= -1.0


def multistart_descent(landscape: Landscape, *, restarts: int = DEFAULT_RESTARTS,
                       seed: int = 0, max_listed: int = 1000) -> LandscapeResult:
    """Heuristic: steepest single-actor descent from ``restarts`` random splits.

    Every end point is a true local minimum (checked with exact energies); the lowest found
    need not be the global minimum, which the result says. Seeded, so reproducible.
    """
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    n = landscape.n
    rng = np.random.default_rng(seed)
    start = rng.choice(np.array([-1.0, 1.0]), size=(restarts, n))
    ends = _descend_many(landscape.weights, start, landscape.tol)
    ends *= ends[:, :1]  # mirror so that actor 0 is on side 0
    sides = ((1.0 - ends) / 2.0).astype(np.int8)
    uniq, counts = np.unique(sides, axis=0, return_counts=True)
    found = [Minimum(row.copy(), energy(landscape, row), int(c))
             for row, c in zip(uniq, counts, strict=True)]
    found.sort(key=lambda m: (m.energy, _code_of(m.sides)))
    notes = [f"heuristic: steepest single-actor descent from {restarts} random splits "
             f"(seed {seed}); the lowest energy found is not guaranteed to be the global "
             "minimum"]
    return LandscapeResult(landscape, "heuristic", tuple(found[:max_listed]), len(found),
                           restarts, seed=seed, notes=tuple(notes))


def analyse(landscape: Landscape, *, exact_limit: int = EXACT_LIMIT,
            restarts: int = DEFAULT_RESTARTS, seed: int = 0,
            max_listed: int = 1000) -> LandscapeResult:
    """Exact enumeration up to ``exact_limit`` actors, the seeded heuristic beyond."""
    if landscape.n <= min(exact_limit, ENUMERATION_CAP):
        return enumerate_minima(landscape, max_listed=max_listed)
    return multistart_descent(landscape, restarts=restarts, seed=seed, max_listed=max_listed)


# --- the theory's dynamics ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One configuration of a descent; ``mover`` is who switched to reach it (None: start)."""

    mover: int | None
    sides: np.ndarray
    energy: float


@dataclass(frozen=True)
class Descent:
    steps: tuple[Step, ...]

    @property
    def final(self) -> Step:
        return self.steps[-1]

    @property
    def energies(self) -> np.ndarray:
        return np.array([s.energy for s in self.steps])


def descend(landscape: Landscape, start, *, rule: Literal["steepest", "random"] = "steepest",
            seed: int = 0, max_steps: int | None = None) -> Descent:
    """Actors switch sides one at a time, each only to lower its own frustration.

    ``steepest``: the switch that lowers the energy most moves first (ties: lowest index);
    ``random``: a random actor among those whose switch lowers their frustration (seeded).
    Each switch lowers E by 2 s_k times the mover's drop in frustration, so E never rises
    and the walk ends, at a local minimum, within the number of configurations.
    """
    if rule not in ("steepest", "random"):
        raise ValueError(f"rule must be 'steepest' or 'random', got {rule!r}")
    x = np.asarray(start, dtype=np.int8).copy()
    steps = [Step(None, x.copy(), energy(landscape, x))]
    rng = np.random.default_rng(seed)
    limit = (1 << landscape.n) if max_steps is None else max_steps
    tol = landscape.tol
    for _ in range(limit):
        gains = move_gains(landscape, x)
        able = np.flatnonzero(gains < -tol)
        if able.size == 0:
            break
        k = int(np.argmin(gains)) if rule == "steepest" else int(rng.choice(able))
        x[k] ^= 1
        steps.append(Step(k, x.copy(), energy(landscape, x)))
    return Descent(tuple(steps))


def is_local_minimum(landscape: Landscape, sides) -> bool:
    """No single actor switching sides lowers the energy (beyond the tie tolerance)."""
    return bool(move_gains(landscape, sides).min() >= -landscape.tol)
