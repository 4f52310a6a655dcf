"""Keeping what a run did, month by month, for output and explanation.

Why our own recorder rather than Mesa's DataCollector: it deep-copies every reporter value
and keeps Python objects per step (see DESIGN.md §5); here every month is a handful of
arrays. A run of open length (the Mesa model, a seminar) keeps them month by month and
stacks them at the end (`Recorder`); the batched path knows its length and writes each
month straight into a history allocated once for all its replicates (`History`,
`BlockRecorder`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.dynamics.engine import MonthResult


@dataclass
class Record:
    """A run's history for R replicates: stacked arrays, month 0 = the initial state."""

    seeds: np.ndarray  # (R,)
    alignment: np.ndarray  # (S+1, R, N, N)
    terms: np.ndarray | None  # (S, R, K, N, N) float32, or None when not kept
    dyadic: np.ndarray | None  # (S, R, N, N) int8
    theatre: np.ndarray | None  # (S, R, N, T) int8
    distrust: np.ndarray  # (S+1, R, N, N) float32
    events: list[tuple[int, str, np.ndarray]]  # (step, label, replicate mask)
    clipped: np.ndarray  # (S, R) bool


@dataclass
class Recorder:
    keep_terms: bool = True
    keep_actions: bool = True
    _alignment: list[np.ndarray] = field(default_factory=list)
    _distrust: list[np.ndarray] = field(default_factory=list)
    _terms: list[np.ndarray] = field(default_factory=list)
    _dyadic: list[np.ndarray] = field(default_factory=list)
    _theatre: list[np.ndarray] = field(default_factory=list)
    _events: list[tuple[int, str, np.ndarray]] = field(default_factory=list)
    _clipped: list[np.ndarray] = field(default_factory=list)

    def start(self, state) -> None:
        self._alignment.append(state.alignment.copy())
        self._distrust.append(state.distrust.astype(np.float32))

    def record(self, result: MonthResult, state) -> None:
        self._alignment.append(result.alignment)
        self._distrust.append(state.distrust.astype(np.float32))
        self._clipped.append(result.clipped)
        if self.keep_terms:
            self._terms.append(result.terms.astype(np.float32))
        if self.keep_actions:
            self._dyadic.append(result.dyadic)
            self._theatre.append(result.theatre)
        for label, rows in result.fired:
            self._events.append((result.step, label, rows.copy()))

    def finish(self, seeds: np.ndarray) -> Record:
        def stack(xs):
            # copy month by month and drop each month's array as it is copied: np.stack
            # would hold every history twice at the peak (the list and the result)
            if not xs:
                return None
            out = np.empty((len(xs), *xs[0].shape), dtype=xs[0].dtype)
            for k in range(len(xs)):
                out[k] = xs[k]
                xs[k] = None
            return out
        return Record(
            seeds=np.asarray(seeds, dtype=np.uint64), alignment=stack(self._alignment),
            terms=stack(self._terms), dyadic=stack(self._dyadic),
            theatre=stack(self._theatre), distrust=stack(self._distrust),
            events=self._events,
            clipped=(np.stack(self._clipped) if self._clipped
                     else np.zeros((0, len(seeds)), dtype=bool)),
        )


@dataclass
class History:
    """The stacks of a run of known length for ``R`` replicates, allocated once and filled
    block by block (`BlockRecorder`): what `Recorder.finish` gives, without the per-month
    arrays it keeps and stacks, nor the copy that joins blocks (`join_blocks`).

    Why: for a batched run of many blocks those two copies of every month took about a
    twelfth of the run (a profile of 512 replicates, 2026-11-29), and the whole history
    stood in memory twice at their peak."""

    alignment: np.ndarray  # (S+1, R, N, N)
    distrust: np.ndarray  # (S+1, R, N, N) float32
    terms: np.ndarray | None  # (S, R, K, N, N) float32
    dyadic: np.ndarray | None  # (S, R, N, N) int8
    theatre: np.ndarray | None  # (S, R, N, T) int8
    clipped: np.ndarray  # (S, R) bool

    @classmethod
    def allocate(cls, months: int, replicates: int, n: int, theatres: int,
                 n_terms: int | None) -> History:
        """Stacks for ``months`` months; terms (``n_terms`` of them) only if given. A run
        of no months keeps no actions or terms, as `Recorder.finish` gives it."""
        s, r = months, replicates
        return cls(alignment=np.empty((s + 1, r, n, n)),
                   distrust=np.empty((s + 1, r, n, n), dtype=np.float32),
                   terms=(np.empty((s, r, n_terms, n, n), dtype=np.float32)
                          if n_terms is not None and s else None),
                   dyadic=np.empty((s, r, n, n), dtype=np.int8) if s else None,
                   theatre=np.empty((s, r, n, theatres), dtype=np.int8) if s else None,
                   clipped=np.empty((s, r), dtype=bool))

    def record(self, seeds: np.ndarray, events: list[tuple[int, str, np.ndarray]]) -> Record:
        return Record(seeds=seeds, alignment=self.alignment, terms=self.terms,
                      dyadic=self.dyadic, theatre=self.theatre, distrust=self.distrust,
                      events=events, clipped=self.clipped)


class BlockRecorder:
    """Records a block's months into replicates ``rows`` of a `History`, as `Recorder`
    would (the same values and dtypes); blocks on several threads write disjoint rows."""

    def __init__(self, history: History, rows: slice):
        self.history = history
        self.rows = rows
        self.months = 0
        self.events: list[tuple[int, str, np.ndarray]] = []

    def start(self, state) -> None:
        self.history.alignment[0, self.rows] = state.alignment
        self.history.distrust[0, self.rows] = state.distrust

    def record(self, result: MonthResult, state) -> None:
        h, rows, k = self.history, self.rows, self.months
        if k >= len(h.clipped):
            raise ValueError(f"month {result.step}: the history holds {len(h.clipped)} "
                             "months; it was allocated for a shorter run")
        h.alignment[k + 1, rows] = result.alignment
        h.distrust[k + 1, rows] = state.distrust
        h.clipped[k, rows] = result.clipped
        if h.terms is not None:
            h.terms[k, rows] = result.terms
        if h.dyadic is not None and h.theatre is not None:
            h.dyadic[k, rows] = result.dyadic
            h.theatre[k, rows] = result.theatre
        for label, mask in result.fired:
            self.events.append((result.step, label, mask.copy()))
        self.months = k + 1


def merge_events(parts: list[tuple[int, list[tuple[int, str, np.ndarray]]]], total: int,
                  rank: Callable[[int, str], int] | None
                  ) -> list[tuple[int, str, np.ndarray]]:
    """Events of disjoint sets of replicates ((offset, events) each) as one list: one entry
    per (month, label), whose mask is the union of the parts' masks, ordered by month and
    then by ``rank`` (the order in which the engine fires a month's events,
    `sim.runs.ensemble.firing_rank`), else by first appearance. So single runs (the Mesa path)
    and blocks of replicates list their events as one batched run does. (Two events of one
    label in the same month become one entry: a label names what happened, the mask to
    whom.)"""
    merged: dict[tuple[int, str], np.ndarray] = {}
    for offset, events in parts:
        for step, label, rows in events:
            full = merged.setdefault((step, label), np.zeros(total, dtype=bool))
            full[offset:offset + len(rows)] |= rows
    keys = list(merged)
    if rank is not None:
        keys.sort(key=lambda key: (key[0], rank(*key)))
    else:
        keys.sort(key=lambda key: key[0])  # stable: first appearance within a month
    return [(step, label, merged[(step, label)]) for step, label in keys]


def concat_records(records: list[Record],
                   rank: Callable[[int, str], int] | None = None) -> Record:
    """Join records of disjoint replicates along the replicate axis (axis 1 of the
    stacks), with their events merged (`merge_events`)."""
    return join_blocks(iter(records), sum(len(r.seeds) for r in records), rank)


_STACKS = ("alignment", "terms", "dyadic", "theatre", "distrust", "clipped")


def join_blocks(blocks: Iterator[Record], total: int,
                rank: Callable[[int, str], int] | None = None) -> Record:
    """Records of consecutive blocks of ``total`` replicates in all, joined as they come:
    each block is copied into the whole and dropped, so the peak holds the whole and one
    block, not every block twice."""
    out: dict[str, np.ndarray | None] = {}
    seeds = np.empty(total, dtype=np.uint64)
    events: list[tuple[int, list[tuple[int, str, np.ndarray]]]] = []
    offset = 0
    for block in blocks:
        m = len(block.seeds)
        for name in _STACKS:
            part = getattr(block, name)
            if name not in out:
                out[name] = None if part is None else np.empty(
                    (part.shape[0], total, *part.shape[2:]), dtype=part.dtype)
            if part is not None:
                out[name][:, offset:offset + m] = part
        seeds[offset:offset + m] = block.seeds
        events.append((offset, block.events))
        offset += m
        del block
    if offset != total:
        raise ValueError(f"the blocks hold {offset} replicates, not {total}")
    return Record(seeds=seeds, events=merge_events(events, total, rank), **out)
