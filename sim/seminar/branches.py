"""Comparing histories: branches of a session, and the model playing the scenario alone.

Why the model alone is the baseline: with the same scenario and seed, the only difference
between the room's history and the model's is what the room decided (moves, overrides,
injects, adjustments), so the gap between the two is the room's doing, not chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.runs.ensemble import run_batched
from sim.seminar.session import Session


def model_alone(session: Session, months: int | None = None) -> np.ndarray:
    """(months + 1, N, N) alignment of the same scenario and seed with nobody intervening
    (default: as many months as the session has resolved)."""
    months = session.resolved_turns if months is None else months
    if months == 0:
        return session.state_at(0).alignment[:1].copy()
    rec = run_batched(session.base_world, [session.seed], keep_terms=False, months=months)
    return rec.alignment[:, 0]


@dataclass(frozen=True)
class Divergence:
    """How far one history of a dyad stands from another, over their common turns."""

    source: str
    target: str
    now: float  # the first history, at the last common turn
    other: float  # the second history, at the same turn
    largest: float  # the largest difference (first minus second), signed
    largest_turn: int
    first_turn: int | None  # first turn whose starting alignment differs; None: identical

    @property
    def difference(self) -> float:
        return self.now - self.other


def divergence(history: np.ndarray, other: np.ndarray, ids: Sequence[str],
               dyads: Sequence[tuple[str, str]]) -> list[Divergence]:
    """Compare two (T+1, N, N) alignment histories on their common turns."""
    t = min(len(history), len(other))
    out = []
    for s, g in dyads:
        i, j = ids.index(s), ids.index(g)
        d = history[:t, i, j] - other[:t, i, j]
        k = int(np.argmax(np.abs(d)))
        differs = np.flatnonzero(d != 0)
        out.append(Divergence(s, g, float(history[t - 1, i, j]), float(other[t - 1, i, j]),
                              float(d[k]), k, int(differs[0]) if len(differs) else None))
    return out


def compare_branches(sessions: Mapping[str, Session],
                     dyads: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Alignment of chosen dyads turn by turn in each branch, as one long table
    (branch, turn, date, source, target, alignment), ready to plot or pivot."""
    rows = []
    for name, s in sessions.items():
        hist = s.alignment_history()
        ids = s.world.roster.ids
        for src, tgt in dyads:
            i, j = ids.index(src), ids.index(tgt)
            for t in range(len(hist)):
                rows.append((name, t, s.world.date(t), src, tgt, float(hist[t, i, j])))
    return pd.DataFrame(rows, columns=["branch", "turn", "date", "source", "target",
                                       "alignment"])
