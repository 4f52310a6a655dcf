"""Figures of the seminar pages (matplotlib, sent to the browser as PNG).

Why PNG from matplotlib: the page must work offline and look the same on a projector and in
the after-action report; a PNG needs no front-end charting library. Figures are made with
`matplotlib.figure.Figure`, not pyplot, so a page redrawn a thousand times leaks none.
Every trajectory is drawn with its cone of futures, so no single line is ever offered as
the forecast.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from sim.runs.cone import Cone
from sim.runs.reporting import ALLIANCE_LEVEL
from sim.seminar.session import Session
from sim.seminar.why import Why


def _frame(ax, session: Session, last: int) -> None:
    ax.axhline(0, color="grey", lw=0.6)
    ax.axhline(ALLIANCE_LEVEL, color="grey", lw=0.6, ls=":")
    ax.set_ylim(-1.02, 1.02)
    ax.set_ylabel("alignment")
    ticks = np.unique(np.linspace(0, last, min(last + 1, 7)).round().astype(int))
    ax.set_xticks(ticks, [session.world.date(int(t)) for t in ticks], fontsize=8)
    ax.grid(alpha=0.25)


def dyad_figure(session: Session, source: str, target: str, cone: Cone | None,
                upto: int | None = None, large: bool = False) -> Figure:
    """The dyad's path so far and, from the current month, the cone of futures (5-95% and
    25-75% bands and the median of the continuations). ``upto`` marks a replayed turn."""
    ro = session.world.roster
    i, j = ro.index(source), ro.index(target)
    hist = session.alignment_history()[:, i, j]
    fig = Figure(figsize=(10, 4.6) if large else (7.5, 3.4), dpi=100)
    ax = fig.subplots()
    t = np.arange(len(hist))
    ax.plot(t, hist, color="tab:blue", lw=2.2, label="this session so far")
    last = len(hist) - 1
    if cone is not None:
        q = cone.bands(i, j)
        x = cone.start_step + np.arange(q.shape[1])
        ax.fill_between(x, q[0], q[4], color="tab:orange", alpha=0.18,
                        label=f"futures 5–95% ({len(cone.seeds)} continuations)")
        ax.fill_between(x, q[1], q[3], color="tab:orange", alpha=0.35, label="futures 25–75%")
        ax.plot(x, q[2], color="tab:orange", lw=1.2, ls="--", label="median future")
        last = int(x[-1])
    if upto is not None:
        ax.axvline(upto, color="tab:red", lw=1.2, label=f"replayed turn {upto}")
    _frame(ax, session, last)
    ax.set_title(f"{ro.names[i]} → {ro.names[j]}", fontsize=16 if large else 11)
    ax.legend(loc="lower left", fontsize=9 if large else 7, ncol=2)
    fig.tight_layout()
    return fig


def branches_figure(sessions: Mapping[str, Session], alone: np.ndarray, source: str,
                    target: str) -> Figure:
    """One dyad in every branch, against the model playing the scenario alone."""
    first = next(iter(sessions.values()))
    ro = first.world.roster
    i, j = ro.index(source), ro.index(target)
    fig = Figure(figsize=(7.5, 3.4), dpi=100)
    ax = fig.subplots()
    ax.plot(np.arange(len(alone)), alone[:, i, j], color="grey", ls="--", lw=1.4,
            label="model alone")
    last = len(alone) - 1
    for label, s in sessions.items():
        h = s.alignment_history()[:, i, j]
        ax.plot(np.arange(len(h)), h, lw=1.8, label=label)
        if s.branch_turn is not None:
            ax.axvline(s.branch_turn + 1, color="grey", lw=0.5, alpha=0.5)
        last = max(last, len(h) - 1)
    _frame(ax, first, last)
    ax.set_title(f"{ro.names[i]} → {ro.names[j]}: branches compared", fontsize=11)
    ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    return fig


def drivers_figure(why: Why) -> Figure:
    """The drivers of a dyad's last change, as bars (the words are in the panel)."""
    parts = [p for p in why.parts if abs(p.value) >= 5e-5][:8]
    fig = Figure(figsize=(6.5, 0.35 * len(parts) + 1.1), dpi=100)
    ax = fig.subplots()
    ax.barh([p.label for p in parts], [p.value for p in parts],
            color=["tab:blue" if p.value >= 0 else "tab:red" for p in parts])
    ax.axvline(0, color="grey", lw=0.6)
    ax.invert_yaxis()
    ax.tick_params(labelsize=8)
    ax.set_xlabel("contribution to the change of alignment")
    fig.tight_layout()
    return fig
