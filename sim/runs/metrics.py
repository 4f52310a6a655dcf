"""Per-run metrics: tidy tables that sweeps, comparisons and sensitivity analyses aggregate.

Why a separate module: the summary in `sim.runs.reporting` speaks of ensemble means for a dozen
key dyads, whereas sweeps and sensitivity analyses need one number per replicate (or per
replicate and dyad) so that any statistic of its distribution can be taken afterwards.
Everything here is computed from a `Record` alone, so metrics of a replicate do not depend
on which other replicates share its batch.

Two tables:

* `dyad_metrics`: one row per (replicate, source, target), alignment at chosen months and
  summaries of its trajectory;
* `run_metrics`: one row per replicate, system-level measures (bloc cohesion, structural
  balance, the two-camp split) and counts of what the actors did.

Conventions shared by both: month 0 is the initial state and is never part of a summary
("over the run" means months 1..S); "first month" means the first month m >= 1; -1 means
never. Computations are vectorised over replicates; where a temporary would be as large as
the record (a boolean per month, replicate and dyad), the work is done in blocks of
replicates so that extra memory stays bounded (`_BLOCK_ELEMENTS`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.core.actions import DYADIC_NAMES, THEATRE_NAMES, Dyadic, TheatreAction
from sim.runs.recording import Record

#: Alignment at or above this is called alliance-like in summaries and metrics. Here, not in
#: `sim.runs.reporting`, so that a sweep's workers need not import matplotlib.
ALLIANCE_LEVEL = 0.75

#: Months at which `dyad_metrics` reports alignment: after one, five and ten years.
DEFAULT_TIMES: tuple[int, ...] = (12, 60, 120)

#: The group whose cohesion `run_metrics` always reports: the question the model is for is
#: whether Russia and Iran, with China, close ranks.
BLOC: tuple[str, ...] = ("RUS", "IRN", "CHN")

#: Largest temporary (in array elements) a block of replicates may create: 16 M elements is
#: 16 MB of booleans, small against a 10,000-replicate record (2.5 GB of alignment).
_BLOCK_ELEMENTS = 1 << 24

#: Dyadic actions counted by `run_metrics`: "maintain" is the default and counting it adds
#: nothing the other counts do not give.
COUNTED_DYADIC: tuple[str, ...] = tuple(n for n in DYADIC_NAMES if n != "maintain")

#: Theatre actions counted: "support" is the default posture, as "maintain" is for dyads.
COUNTED_THEATRE: tuple[str, ...] = tuple(n for n in THEATRE_NAMES if n != "support")


def _replicate_blocks(n_replicates: int, per_replicate: int) -> Iterator[slice]:
    """Slices of replicates whose per-block temporaries stay under `_BLOCK_ELEMENTS`."""
    size = max(1, _BLOCK_ELEMENTS // max(1, per_replicate))
    for start in range(0, n_replicates, size):
        yield slice(start, min(start + size, n_replicates))


def _first_month(hit: np.ndarray) -> np.ndarray:
    """First month (1-based: ``hit[0]`` is month 1) where ``hit`` holds, -1 if never."""
    first = np.argmax(hit, axis=0).astype(np.int32) + 1
    return np.where(hit.any(axis=0), first, np.int32(-1))


def _ids(world: Any) -> tuple[str, ...]:
    return tuple(world.roster.ids)


def _check_shapes(world: Any, record: Record) -> tuple[int, int, int]:
    """(S, R, N), after checking that the record belongs to a roster of this size."""
    steps_plus_one, reps, n, n2 = record.alignment.shape
    if n != n2 or n != len(_ids(world)):
        raise ValueError(f"record has {n}x{n2} alignment matrices but the world has "
                         f"{len(_ids(world))} actors")
    return steps_plus_one - 1, reps, n


def dyad_metrics(world: Any, record: Record,
                 times: Sequence[int] = DEFAULT_TIMES) -> pd.DataFrame:
    """One row per (replicate, source, target), for every ordered pair of distinct actors.

    Columns: ``replicate`` (int32, the position in the record), ``source``, ``target``
    (actor ids), ``at_{t}`` for each t in ``times`` (alignment after t months; a t beyond
    the record's last month S is clipped to S, so in a 24-month record ``at_60`` and
    ``at_120`` both hold month 24, while keeping their names so that tables from runs of
    different lengths share columns), ``mean``, ``min``, ``max`` (over months 1..S),
    ``first_below_zero`` (first month >= 1 with alignment < 0) and ``first_alliance``
    (first month >= 1 with alignment >= `ALLIANCE_LEVEL`), both int32 and -1
    when it never happens. A dyad already at alliance level in month 0 reports the first
    month of the run it still is (usually 1), not 0: month 0 is the input, not an outcome.

    Rows are ordered by replicate, then source, then target, in roster order. With S = 0
    (no month run) the summaries are NaN and the first months -1.
    """
    times = tuple(int(t) for t in times)
    if any(t < 0 for t in times):
        raise ValueError(f"times must be months >= 0, got {times}")
    steps, reps, n = _check_shapes(world, record)
    ids = np.array(_ids(world), dtype=object)
    src, tgt = np.nonzero(~np.eye(n, dtype=bool))
    pairs = len(src)

    def flat(x: np.ndarray) -> np.ndarray:
        return x[:, src, tgt].reshape(-1)

    a = record.alignment
    cols: dict[str, np.ndarray] = {
        "replicate": np.repeat(np.arange(reps, dtype=np.int32), pairs),
        "source": np.tile(ids[src], reps),
        "target": np.tile(ids[tgt], reps),
    }
    for t in times:
        cols[f"at_{t}"] = flat(a[min(t, steps)])
    first_neg = np.full((reps, n, n), -1, dtype=np.int32)
    first_all = np.full((reps, n, n), -1, dtype=np.int32)
    if steps > 0:
        run = a[1:]
        cols["mean"] = flat(run.mean(axis=0))
        cols["min"] = flat(run.min(axis=0))
        cols["max"] = flat(run.max(axis=0))
        for blk in _replicate_blocks(reps, steps * n * n):
            first_neg[blk] = _first_month(run[:, blk] < 0)
            first_all[blk] = _first_month(run[:, blk] >= ALLIANCE_LEVEL)
    else:
        for name in ("mean", "min", "max"):
            cols[name] = np.full(reps * pairs, np.nan)
    cols["first_below_zero"] = flat(first_neg)
    cols["first_alliance"] = flat(first_all)
    return pd.DataFrame(cols)


def _bloc_indices(world: Any, bloc: Sequence[str]) -> list[int]:
    ids = _ids(world)
    return [ids.index(b) for b in dict.fromkeys(bloc) if b in ids]


def _mean_over_pairs(x: np.ndarray, members: list[int]) -> np.ndarray:
    """Mean over the ordered pairs of distinct members of ``x[:, i, j]``; NaN if < 2."""
    if len(members) < 2:
        return np.full(x.shape[0], np.nan)
    total = np.zeros(x.shape[0])
    count = 0
    for i in members:
        for j in members:
            if i != j:
                total += x[:, i, j]
                count += 1
    return total / count


def symmetrised(a: np.ndarray) -> np.ndarray:
    """(a + aᵀ)/2 over the last two axes, with a zero diagonal.

    Why: balance and camps are properties of undirected ties; the average of the two
    directions is the tie, and the diagonal (self-alignment, fixed at 1) is not a tie.
    """
    w = 0.5 * (a + np.swapaxes(a, -1, -2))
    n = w.shape[-1]
    w[..., np.arange(n), np.arange(n)] = 0.0
    return w


def unbalanced_triad_fraction(a: np.ndarray) -> np.ndarray:
    """Share of unbalanced triads in each of a stack of (N, N) alignment matrices.

    Structural balance (Heider 1946; Cartwright & Harary 1956, Psychological Review 63:
    277–293): a triangle of signed ties is balanced when the product of its three signs is
    positive ("the friend of my friend is my friend", "the enemy of my enemy is my friend")
    and unbalanced when it is negative. The share of unbalanced triangles is the standard
    index of how far a signed network is from a balanced state, the quantity whose decay
    Antal, Krapivsky & Redner (2005, Phys. Rev. E 72: 036121; Physica D 224 (2006): 130)
    study. Ties are the signs of the symmetrised alignments; a triangle with a tie exactly
    zero has no sign and is left out of numerator and denominator. NaN if no triangle has
    three signed ties. A low value with strong ties means two (or one) cohesive camps: it is
    the polarisation index of balance theory. Fewer than three actors give NaN.

    Computed without enumerating triads: with S the sign matrix (zero diagonal),
    trace(S³)/6 = balanced − unbalanced and trace(|S|³)/6 = balanced + unbalanced, summed
    over triangles; both in exact integer arithmetic, for every replicate at once.
    """
    s = np.sign(symmetrised(a)).astype(np.int64)
    signed = np.abs(s)
    diff = np.einsum("...ij,...jk,...ki->...", s, s, s) // 6
    total = np.einsum("...ij,...jk,...ki->...", signed, signed, signed) // 6
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (total - diff) / (2 * total), np.nan)


def two_camps(a: np.ndarray, ref: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spectral split of each (N, N) matrix into two camps, and its leading eigenvalue.

    The camps are the signs of the eigenvector of the largest eigenvalue of the symmetrised
    matrix (spectral balance: the split that best fits a balanced two-camp structure, as in
    Marvel, Strogatz & Kleinberg 2009, Phys. Rev. Lett. 103: 198701, and Marvel, Kleinberg,
    Kleinberg & Strogatz 2011, PNAS 108: 1771–1776, where the two factions a network
    settles into are the sign pattern of this eigenvector). Returns ``side`` (R, N) bool,
    True on the side of actor ``ref`` (always True for ``ref``; components exactly zero
    fall on the other side), and the eigenvalue. When all ties are positive every component
    has the same sign and all actors are on ``ref``'s side: there is one camp, not two. If
    the largest eigenvalue is repeated the split is not unique and LAPACK's choice stands.
    """
    vals, vecs = np.linalg.eigh(symmetrised(a))
    lead = vecs[..., -1]
    flip = np.where(lead[..., ref] < 0, -1.0, 1.0)
    side = lead * flip[..., None] > 0
    side[..., ref] = True
    return side, vals[..., -1]


def _split_labels(side: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    """The ids on the True side joined with "+", per row; built once per distinct split."""
    if side.shape[0] == 0:
        return np.empty(0, dtype=object)
    uniq, inverse = np.unique(side, axis=0, return_inverse=True)
    labels = np.array(["+".join(i for i, on in zip(ids, row, strict=True) if on)
                       for row in uniq], dtype=object)
    return labels[inverse.reshape(-1)]


def _camp_gap(w: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Mean tie within camps minus mean tie across them; NaN when one camp holds everyone."""
    n = w.shape[-1]
    same = side[:, :, None] == side[:, None, :]
    off = ~np.eye(n, dtype=bool)
    within = same & off
    across = ~same
    n_in, n_out = within.sum(axis=(1, 2)), across.sum(axis=(1, 2))
    s_in = np.where(within, w, 0.0).sum(axis=(1, 2))
    s_out = np.where(across, w, 0.0).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_in > 0) & (n_out > 0), s_in / n_in - s_out / n_out, np.nan)


def _dyadic_counts(record: Record, reps: int) -> dict[str, np.ndarray]:
    if record.dyadic is None:
        return {f"n_{name}": np.full(reps, np.nan) for name in COUNTED_DYADIC}
    d = record.dyadic
    steps, _, n, _ = d.shape
    diag = np.arange(n)
    counts = {name: np.zeros(reps, dtype=np.int64) for name in COUNTED_DYADIC}
    for blk in _replicate_blocks(reps, steps * n * n):
        part = d[:, blk]
        on_diag = part[:, :, diag, diag]
        for name in COUNTED_DYADIC:
            code = Dyadic[name.upper()]
            counts[name][blk] = ((part == code).sum(axis=(0, 2, 3))
                                 - (on_diag == code).sum(axis=(0, 2)))
    return {f"n_{name}": c for name, c in counts.items()}


def _theatre_counts(world: Any, record: Record, reps: int) -> dict[str, np.ndarray]:
    if record.theatre is None:
        return {f"n_theatre_{name}": np.full(reps, np.nan) for name in COUNTED_THEATRE}
    th = record.theatre
    steps, _, n, t = th.shape
    stake = np.asarray(world.roster.stake).T > 0  # (N, T)
    counts = {name: np.zeros(reps, dtype=np.int64) for name in COUNTED_THEATRE}
    for blk in _replicate_blocks(reps, steps * n * t):
        part = th[:, blk]
        for name in COUNTED_THEATRE:
            code = TheatreAction[name.upper()]
            counts[name][blk] = ((part == code) & stake).sum(axis=(0, 2, 3))
    return {f"n_theatre_{name}": c for name, c in counts.items()}


def _event_counts(record: Record, reps: int) -> np.ndarray:
    count = np.zeros(reps, dtype=np.int64)
    for _, _, rows in record.events:
        count += np.asarray(rows, dtype=bool)
    return count


def run_metrics(world: Any, record: Record, bloc: Sequence[str] = BLOC) -> pd.DataFrame:
    """One row per replicate: cohesion, balance, camps and action counts.

    Columns:

    * ``replicate`` (int32, position in the record), ``seed`` (uint64);
    * ``bloc_cohesion_end``, ``bloc_cohesion_mean``: mean of the directed alignments
      a_ij, i ≠ j, among the members of ``bloc`` present in the roster, in the last month
      and averaged over months 1..S (NaN if fewer than two members are present);
    * ``polarisation_end``: share of unbalanced triads in the final month
      (`unbalanced_triad_fraction`: Cartwright & Harary 1956; Antal, Krapivsky & Redner
      2005/2006). 0 is a perfectly balanced system: one camp of friends, or two camps
      friendly within and hostile across;
    * ``mean_abs_alignment_end``: mean |a_ij| over directed pairs i ≠ j in the last month,
      how strongly actors take sides at all (balance alone says nothing of strength);
    * ``two_bloc_split_end``: the camp of RUS (or of the first actor if RUS is absent) in
      the spectral split of the final symmetrised matrix (`two_camps`: Marvel et al. 2009,
      2011), as its actor ids in roster order joined with "+"; the other camp is the rest;
    * ``bloc_gap_end``: mean symmetrised tie within camps minus mean across them (NaN if
      the split puts everyone in one camp), how far apart the two camps are;
    * ``n_{name}`` for each dyadic action except "maintain": how many times (actor, partner,
      month) it was chosen, i ≠ j; ``n_theatre_{name}`` for each theatre action except
      "support", counted only where the actor has a stake (``roster.stake > 0``): elsewhere
      the choice has no effect. Integers, or NaN when the record kept no actions;
    * ``n_events``: events that fired in the replicate, one per (month, event): an event
      lasting three months counts three times.

    With S = 0 ``bloc_cohesion_mean`` is NaN.
    """
    steps, reps, n = _check_shapes(world, record)
    ids = _ids(world)
    a = record.alignment
    final = a[-1]
    members = _bloc_indices(world, bloc)
    off = ~np.eye(n, dtype=bool)
    ref = ids.index("RUS") if "RUS" in ids else 0
    side, _ = two_camps(final, ref)

    cols: dict[str, np.ndarray] = {
        "replicate": np.arange(reps, dtype=np.int32),
        "seed": np.asarray(record.seeds, dtype=np.uint64),
        "bloc_cohesion_end": _mean_over_pairs(final, members),
        "bloc_cohesion_mean": (_mean_over_pairs(a[1:].mean(axis=0), members) if steps > 0
                               else np.full(reps, np.nan)),
        "polarisation_end": unbalanced_triad_fraction(final),
        "mean_abs_alignment_end": (np.abs(final) * off).sum(axis=(1, 2)) / max(1, n * (n - 1)),
        "two_bloc_split_end": _split_labels(side, ids),
        "bloc_gap_end": _camp_gap(symmetrised(final), side),
    }
    cols.update(_dyadic_counts(record, reps))
    cols.update(_theatre_counts(world, record, reps))
    cols["n_events"] = _event_counts(record, reps)
    return pd.DataFrame(cols)
