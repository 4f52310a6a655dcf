"""The "constellation" figure: who is aligned with whom, as a network, at the start and end.

Why a network beside the key-dyad bands: the bands show a few dyads in time, but a seminar
asks about the whole constellation at once (which camps, who sits between them). The figure
is projected, so it is drawn for a room: ids in large type, few and thick lines, one colour
meaning (sign) and one width meaning (strength), and weak ties left out.

Why fixed node positions: the start and end panels, and any later picture of the same roster
(the seminar plenary draws one per turn), must be comparable at a glance; positions that moved
with the data would make an unchanged tie look changed. `layout` therefore depends on the
actor ids only, never on alignment values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.dynamics.world import World
from sim.runs.recording import Record

#: Groups of actors placed next to each other around the circle, in this order. Why these:
#: neighbours on the circle are read as related, so actors the documents discuss together
#: (the Gulf monarchies, the South Caucasus with Turkey, Iran with its partners) sit together.
#: This is a reading aid fixed in advance, not a model result: the figure's lines, never
#: the positions, say who is aligned with whom. Ids not listed here follow in roster order
#: as one last group, so any roster can be drawn.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("RUS", "CHN", "PRK"),
    ("IRN", "AXR", "SYR"),
    ("TUR", "AZE", "ARM"),
    ("SAU", "ARE", "QAT"),
    ("ISR", "USA", "EU"),
    ("IND",),
)

#: Edges weaker than this (|symmetrised alignment|) are left out by default: below it the
#: picture fills with faint lines that a projector cannot show and a room cannot read.
DEFAULT_THRESHOLD = 0.15

#: Diverging red (hostile) to blue (aligned) without RdBu's near-white middle: every drawn
#: edge is at least the threshold away from zero, and a pale line vanishes when projected.
#: The jump at zero is intended: the colour says the sign, the width says the strength.
EDGE_CMAP = LinearSegmentedColormap.from_list(
    "RdBu_no_white",
    [plt.get_cmap("RdBu")(x) for x in (*np.linspace(0.0, 0.36, 8), *np.linspace(0.64, 1.0, 8))],
)
EDGE_NORM = Normalize(vmin=-1.0, vmax=1.0)

#: Drawing sizes, in points, chosen for a projected figure.
LABEL_FONT = 14
CHANGE_FONT = 12
NODE_AREA_MIN, NODE_AREA_PER_POWER = 150.0, 1450.0
EDGE_WIDTH_MIN, EDGE_WIDTH_PER_UNIT = 0.8, 7.0
HALO_EXTRA_WIDTH = 7.0
HALO_COLOUR = "#f5b800"
MARK_COLOUR, MARK_WIDTH = "black", 3.5
PLAIN_OUTLINE, PLAIN_WIDTH = "white", 1.0

#: Radius of the labels relative to the circle of nodes: outside it, clear of the lines.
_LABEL_RADIUS = 1.17
_LIMIT = 1.34


def layout(ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Fixed positions on the unit circle: actors of one of `GROUPS` next to each other, one
    empty slot between groups, groups in the order of `GROUPS`, unlisted actors last in the
    order given; the first actor at the top, then clockwise.

    Why: a deterministic function of the ids alone, so every picture of a roster puts each
    actor in the same place whatever the alignment (see the module docstring), and the gaps
    let the eye see the groups.
    """
    given = list(ids)
    if len(set(given)) != len(given):
        raise ValueError(f"actor ids must be distinct, got {given}")
    present = set(given)
    listed = {i for group in GROUPS for i in group}
    groups = [[i for i in group if i in present] for group in GROUPS]
    groups.append([i for i in given if i not in listed])
    groups = [g for g in groups if g]
    slots: list[str | None] = []
    for group in groups:
        slots.extend(group)
        if len(groups) > 1:
            slots.append(None)  # the gap after each group (the circle closes the last one)
    out: dict[str, tuple[float, float]] = {}
    for k, actor in enumerate(slots):
        if actor is not None:
            angle = math.pi / 2 - 2 * math.pi * k / len(slots)
            out[actor] = (math.cos(angle), math.sin(angle))
    return out


def symmetrise(alignment: np.ndarray) -> np.ndarray:
    """Mean of both directions: one undirected edge per pair, as the figure draws it. Why:
    two arrows per pair would double the lines; the directed values stay in the tables."""
    a = np.asarray(alignment, dtype=float)
    return (a + a.T) / 2


def edge_width(value: float) -> float:
    """Line width in points for a tie of this strength (|value|), so width reads as strength."""
    return EDGE_WIDTH_MIN + EDGE_WIDTH_PER_UNIT * abs(value)


def edge_alpha(value: float) -> float:
    """Opacity for a tie of this strength: weak ties recede behind strong ones."""
    return 0.25 + 0.75 * min(abs(value), 1.0)


def _pair_key(pair: tuple[str, str], index: Mapping[str, int]) -> tuple[str, str]:
    a, b = pair
    for actor in (a, b):
        if actor not in index:
            raise ValueError(f"unknown actor {actor!r} in changed pair {pair}; "
                             f"known: {', '.join(index)}")
    if a == b:
        raise ValueError(f"a changed pair needs two different actors, got {pair}")
    return (a, b) if index[a] < index[b] else (b, a)


def draw_network(ax: Axes, ids: Sequence[str], power: Sequence[float] | np.ndarray,
                 alignment: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD,
                 changed: Mapping[tuple[str, str], float] | None = None,
                 marked: set[str] | None = None, title: str = "") -> dict[tuple[str, str], Line2D]:
    """Draw the constellation of one alignment matrix on ``ax``.

    ``alignment[i, j]`` is actor i's alignment towards j, in [-1, 1]; each unordered pair is
    drawn once, from the symmetrised value (`symmetrise`), coloured by sign (`EDGE_CMAP`:
    red hostile, blue aligned) with width and opacity growing with strength, and left out
    when its strength is below ``threshold``. Nodes sit at `layout` positions, their area
    grows with ``power`` (0..1), and carry their id.

    ``changed`` maps pairs (either order) to their change since the last turn: each gets an
    amber halo and its change written with two decimals at the middle of the line, drawn
    even when the tie itself is below the threshold, because a change worth pointing out
    must be seen. ``marked`` actors (controlled by players) get a thick black outline.
    Why these two: the seminar plenary shows the room what moved and whose move it was.

    Artists carry gids for reading the picture back: ``edge A-B``, ``halo A-B``,
    ``change A-B``, ``nodes`` and ``label A``. Returns the drawn edges by pair (pairs in
    roster order).
    """
    ids = list(ids)
    n = len(ids)
    a = np.asarray(alignment, dtype=float)
    p = np.asarray(power, dtype=float)
    if a.shape != (n, n):
        raise ValueError(f"alignment must be {n}×{n} for {n} actors, got shape {a.shape}")
    if p.shape != (n,):
        raise ValueError(f"power must have {n} values, got shape {p.shape}")
    index = {actor: k for k, actor in enumerate(ids)}
    marked = set(marked or ())
    unknown = sorted(marked - set(ids))
    if unknown:
        raise ValueError(f"unknown marked actors {unknown}; known: {', '.join(ids)}")
    changes = {_pair_key(pair, index): float(d) for pair, d in (changed or {}).items()}
    pos = layout(ids)
    sym = symmetrise(a)

    pairs = [(ids[i], ids[j], sym[i, j]) for i in range(n) for j in range(i + 1, n)
             if abs(sym[i, j]) >= threshold]
    pairs.sort(key=lambda e: abs(e[2]))  # strong ties drawn last, on top
    edges: dict[tuple[str, str], Line2D] = {}
    for s, t, v in pairs:
        (x0, y0), (x1, y1) = pos[s], pos[t]
        (line,) = ax.plot([x0, x1], [y0, y1], color=EDGE_CMAP(EDGE_NORM(v)), lw=edge_width(v),
                          alpha=edge_alpha(v), solid_capstyle="round", zorder=2 + abs(v),
                          gid=f"edge {s}-{t}")
        edges[(s, t)] = line

    for (s, t), d in changes.items():
        (x0, y0), (x1, y1) = pos[s], pos[t]
        v = sym[index[s], index[t]]
        width = (edge_width(v) if abs(v) >= threshold else EDGE_WIDTH_MIN) + HALO_EXTRA_WIDTH
        ax.plot([x0, x1], [y0, y1], color=HALO_COLOUR, lw=width, alpha=0.85,
                solid_capstyle="round", zorder=1.5, gid=f"halo {s}-{t}")
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{d:+.2f}", fontsize=CHANGE_FONT,
                fontweight="bold", ha="center", va="center", zorder=6, gid=f"change {s}-{t}",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                      "edgecolor": HALO_COLOUR, "lw": 1.5})

    xy = np.array([pos[i] for i in ids])
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=NODE_AREA_MIN + NODE_AREA_PER_POWER * np.clip(p, 0, 1),
                       c="#d9d9d9", zorder=4,
                       edgecolors=[MARK_COLOUR if i in marked else PLAIN_OUTLINE for i in ids],
                       linewidths=[MARK_WIDTH if i in marked else PLAIN_WIDTH for i in ids])
    nodes.set_gid("nodes")
    for actor, (x, y) in zip(ids, xy, strict=True):
        ax.text(x * _LABEL_RADIUS, y * _LABEL_RADIUS, actor, fontsize=LABEL_FONT,
                fontweight="bold" if actor in marked else "normal",
                ha="center", va="center", zorder=5, gid=f"label {actor}")

    ax.set_xlim(-_LIMIT, _LIMIT)
    ax.set_ylim(-_LIMIT, _LIMIT)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=16)
    return edges


def draw_keys(fig: Figure, axes: Sequence[Axes], *, threshold: float = DEFAULT_THRESHOLD,
              show_changed: bool = False, show_marked: bool = False) -> None:
    """A colourbar for the sign and a legend for the width (and halo, outline when used),
    shared by the panels in ``axes``. Why a key: a projected figure is read without its
    caption; colour and width must explain themselves.

    Meant for a figure made with ``layout="constrained"``, which keeps the key clear of
    the panels and titles (colourbar below the panels, legend below it).
    """
    sm = plt.cm.ScalarMappable(norm=EDGE_NORM, cmap=EDGE_CMAP)
    bar = fig.colorbar(sm, ax=list(axes), orientation="horizontal", fraction=0.05, pad=0.02,
                       aspect=30, shrink=0.6 if len(axes) > 1 else 0.9, format="%.2f",
                       ticks=[-1, -0.5, 0, 0.5, 1])
    bar.set_label("alignment, mean of both directions: red hostile, blue aligned", fontsize=13)
    bar.ax.tick_params(labelsize=12)
    handles: list = [Line2D([], [], color="dimgrey", lw=edge_width(v), label=f"|a| = {v:.2f}")
                     for v in (0.25, 0.50, 1.00)]
    if show_changed:
        handles.append(Line2D([], [], color=HALO_COLOUR, lw=EDGE_WIDTH_MIN + HALO_EXTRA_WIDTH,
                              label="changed since last turn"))
    if show_marked:
        handles.append(Line2D([], [], ls="", marker="o", markersize=14, color="#d9d9d9",
                              markeredgecolor=MARK_COLOUR, markeredgewidth=MARK_WIDTH,
                              label="player-controlled"))
    handles.append(Line2D([], [], ls="", marker="o", markersize=14, color="#d9d9d9",
                          markeredgecolor=PLAIN_OUTLINE, label="node size: power"))
    fig.legend(handles=handles, loc="outside lower center", fontsize=12, frameon=False,
               ncol=len(handles) if len(axes) > 1 else 3, title_fontsize=12,
               title=f"line width: strength; ties below {threshold:.2f} not drawn")


def median_alignment(record: Record, step: int) -> np.ndarray:
    """Ensemble median over replicates of the alignment at ``step`` ((N, N)). Why the median:
    one replicate is one story, and the mean is pulled by a few extreme runs."""
    return np.median(record.alignment[step], axis=0)


def plot_network_start_end(world: World, record: Record, path: Path, title: str = "", *,
                           threshold: float = DEFAULT_THRESHOLD) -> None:
    """Write a PNG with two panels: the constellation at the start (step 0) and at the last
    step, each the ensemble median over the record's replicates, at the same node positions,
    so what moved in the run is seen by comparing the panels."""
    ids = list(world.roster.ids)
    last = record.alignment.shape[0] - 1
    runs = len(record.seeds)
    fig, axes = plt.subplots(1, 2, figsize=(16, 9.5), layout="constrained")
    draw_network(axes[0], ids, world.roster.power, median_alignment(record, 0),
                 threshold=threshold, title=f"start {world.date(0)}")
    draw_network(axes[1], ids, world.roster.power, median_alignment(record, last),
                 threshold=threshold,
                 title=f"end {world.date(last)} (median of {runs} run{'s' * (runs != 1)})")
    draw_keys(fig, axes, threshold=threshold)
    fig.suptitle(title or f"{world.scenario.name}: constellation of alignment", fontsize=18)
    fig.savefig(path, dpi=110)
    plt.close(fig)
