"""Keeping what a run did, month by month, for output and explanation.

Why our own recorder rather than Mesa's DataCollector: it deep-copies every reporter value
and keeps Python objects per step (see DESIGN.md §5); here every month is a handful of
arrays, stacked once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine import MonthResult


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
            clipped=np.stack(self._clipped) if self._clipped else np.zeros((0, 0), bool),
        )


def concat_records(records: list[Record]) -> Record:
    """Join records of single runs along the replicate axis (axis 1 of the stacks)."""
    def cat(name):
        xs = [getattr(r, name) for r in records]
        return None if xs[0] is None else np.concatenate(xs, axis=1)
    events = []
    offsets = np.cumsum([0] + [len(r.seeds) for r in records])
    total = offsets[-1]
    for k, r in enumerate(records):
        for step, label, rows in r.events:
            full = np.zeros(total, dtype=bool)
            full[offsets[k]:offsets[k + 1]] = rows
            events.append((step, label, full))
    return Record(seeds=np.concatenate([r.seeds for r in records]),
                  alignment=cat("alignment"), terms=cat("terms"), dyadic=cat("dyadic"),
                  theatre=cat("theatre"), distrust=cat("distrust"), events=events,
                  clipped=np.concatenate([r.clipped for r in records], axis=1))
