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
from sim.runs.network_figure import DEFAULT_THRESHOLD, draw_keys, draw_network, symmetrise
from sim.runs.reporting import ALLIANCE_LEVEL
from sim.seminar.session import Session
from sim.seminar.why import Why

#: Font sizes (points) of the projected chart: at the figure's 100 dpi shown at its own size,
#: 15 pt is 21 px, above the 20 px a room reads on a 1920x1080 projector.
PROJECTOR_FONT, PROJECTOR_TITLE = 15, 20
#: The network marks at most this many ties that moved in the last turn, each by at least
#: this much (mean of both directions): a room follows a handful of highlights, not fifty.
CHANGES_SHOWN, CHANGE_SHOWN = 5, 0.02
#: Smallest span of the value axis: scaled to the data, but never so tight that noise looks
#: like a cliff.
MIN_SPAN = 0.3


def _y_range(*series: np.ndarray) -> tuple[float, float]:
    """A value axis scaled to what is drawn (with a margin), within [-1, 1]."""
    values = np.concatenate([np.ravel(s) for s in series])
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = max(0.05, 0.1 * (hi - lo))
    lo, hi = lo - pad, hi + pad
    if hi - lo < MIN_SPAN:
        mid = (lo + hi) / 2
        lo, hi = mid - MIN_SPAN / 2, mid + MIN_SPAN / 2
    return max(-1.02, lo), min(1.02, hi)


def _frame(ax, session: Session, last: int, ylim: tuple[float, float] = (-1.02, 1.02),
           font: float = 8) -> None:
    lo, hi = ylim
    if lo < 0 < hi:
        ax.axhline(0, color="grey", lw=0.6)
    if lo < ALLIANCE_LEVEL < hi:
        ax.axhline(ALLIANCE_LEVEL, color="grey", lw=0.6, ls=":")
    ax.set_ylim(lo, hi)
    ax.set_ylabel("alignment", fontsize=font)
    ax.tick_params(axis="y", labelsize=font)
    ax.yaxis.set_major_formatter("{x:+.2f}")
    ticks = np.unique(np.linspace(0, last, min(last + 1, 5 if font > 10 else 7))
                      .round().astype(int))
    ax.set_xticks(ticks, [session.world.date(int(t)) for t in ticks], fontsize=font)
    ax.grid(alpha=0.25)


def dyad_figure(session: Session, source: str, target: str, cone: Cone | None,
                upto: int | None = None, large: bool = False) -> Figure:
    """The dyad's path so far and, from the current month, the cone of futures (5-95% and
    25-75% bands and the median of the continuations). ``upto`` marks a replayed turn."""
    ro = session.world.roster
    i, j = ro.index(source), ro.index(target)
    hist = session.alignment_history()[:, i, j]
    font = PROJECTOR_FONT if large else 8
    fig = Figure(figsize=(9, 5.6) if large else (7.5, 3.4), dpi=100)
    ax = fig.subplots()
    t = np.arange(len(hist))
    ax.plot(t, hist, color="tab:blue", lw=3 if large else 2.2, label="this session so far")
    last = len(hist) - 1
    drawn = [hist]
    if cone is not None:
        q = cone.bands(i, j)
        x = cone.start_step + np.arange(q.shape[1])
        # What the band is, in its own words: model runs from here under their random
        # draws (and parameter sets, when sampled); not a forecast of the world.
        ax.fill_between(x, q[0], q[4], color="tab:orange", alpha=0.18,
                        label=cone.describe())
        ax.fill_between(x, q[1], q[3], color="tab:orange", alpha=0.35, label="25–75%")
        ax.plot(x, q[2], color="tab:orange", lw=1.2, ls="--", label="median run")
        last = int(x[-1])
        drawn.append(q)
    if upto is not None:
        ax.axvline(upto, color="tab:red", lw=1.2, label=f"end of replayed turn {upto}")
    _frame(ax, session, last, _y_range(*drawn), font)
    ax.set_title(f"{ro.names[i]} → {ro.names[j]}",
                 fontsize=PROJECTOR_TITLE if large else 11)
    ax.legend(loc="best", fontsize=font if large else 7, ncol=2,
              framealpha=0.85)
    if cone is not None:
        what = ("random draws and uncertain parameters" if cone.parameter_sets
                else "random draws only, parameters as set")
        fig.text(0.01, 0.005, f"model runs, not a forecast: {what}",
                 fontsize=font - 2 if large else 6, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def network_figure(session: Session, large: bool = True) -> Figure:
    """The whole constellation now (`sim.runs.network_figure`): ties by sign and strength,
    the ties that moved most in the last turn highlighted with their change, and the actors
    players decide for outlined."""
    ro = session.world.roster
    hist = session.alignment_history()
    now = hist[-1]
    changed: dict[tuple[str, str], float] = {}
    if len(hist) > 1:
        delta = symmetrise(now) - symmetrise(hist[-2])
        iu = np.triu_indices(ro.n, 1)
        order = np.argsort(-np.abs(delta[iu]), kind="stable")[:CHANGES_SHOWN]
        changed = {(ro.ids[iu[0][k]], ro.ids[iu[1][k]]): float(delta[iu][k]) for k in order
                   if abs(delta[iu][k]) >= CHANGE_SHOWN}
    fig = Figure(figsize=(9, 8) if large else (6.5, 5.8), dpi=100, layout="constrained")
    ax = fig.subplots()
    draw_network(ax, ro.ids, ro.power, now, changed=changed,
                 marked=set(session.roles.player_actors()),
                 title=f"start of {session.world.date(len(hist) - 1)}")
    draw_keys(fig, [ax], threshold=DEFAULT_THRESHOLD, show_changed=bool(changed),
              show_marked=bool(session.roles.player_actors()))
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
