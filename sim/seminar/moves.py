"""Moves in a turn: the cells of the action menus that players and White decide.

Why cells: the engine's decisions are arrays of (actor, partner) and (actor, theatre)
cells, and `sim.dynamics.engine.Overrides` replaces cells. Keeping a turn's decisions as cells in
three layers (proposals accepted, players' own moves, White's overrides, later layers win)
makes the hand-over to the engine a plain `Overrides`, with no second rule book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.core.actions import DYADIC_NAMES, THEATRE_NAMES, Dyadic, TheatreAction
from sim.dynamics.engine import Overrides
from sim.dynamics.world import World
from sim.seminar.errors import SessionError

CellKind = Literal["dyadic", "theatre"]
#: ("dyadic", actor, partner) or ("theatre", actor, theatre), as indices.
Cell = tuple[CellKind, int, int]

#: What "doing nothing new" is in each menu: the move an effect is measured against.
DEFAULT: dict[str, int] = {"dyadic": int(Dyadic.MAINTAIN), "theatre": int(TheatreAction.SUPPORT)}
MENU: dict[str, tuple[str, ...]] = {"dyadic": DYADIC_NAMES, "theatre": THEATRE_NAMES}


def cell_label(world: World, cell: Cell) -> str:
    """``IRN>RUS`` for a dyadic cell, ``IRN@gulf`` for a theatre cell."""
    kind, i, x = cell
    ro = world.roster
    return (f"{ro.ids[i]}>{ro.ids[x]}" if kind == "dyadic"
            else f"{ro.ids[i]}@{ro.theatre_ids[x]}")


def parse_cells(world: World, actor: str, dyadic: Mapping[str, str] | None,
                theatre: Mapping[str, str] | None,
                allowed: Mapping[Cell, tuple[str, ...]]) -> dict[Cell, int]:
    """Moves given by name, checked against the actor's menu; every problem at once."""
    ro = world.roster
    i = ro.ids.index(actor)
    out: dict[Cell, int] = {}
    problems: list[str] = []
    for kind, given, names in (("dyadic", dyadic or {}, ro.ids),
                               ("theatre", theatre or {}, ro.theatre_ids)):
        for target, action in given.items():
            if target not in names or (kind == "dyadic" and target == actor):
                others = [n for n in names if n != actor]
                problems.append(f"{kind}.{target}: unknown {'partner' if kind == 'dyadic' else
                                'theatre'} of {actor}; allowed: {', '.join(others)}")
                continue
            cell: Cell = (kind, i, names.index(target))  # type: ignore[assignment]
            menu = allowed.get(cell, ())
            if action not in menu:
                problems.append(f"{kind}.{target}: bad value {action!r} for {actor}; allowed: "
                                f"{', '.join(menu) or 'nothing (no stake there)'}")
                continue
            out[cell] = MENU[kind].index(action)
    if problems:
        raise SessionError("; ".join(problems))
    return out


def names_of(world: World, cells: Mapping[Cell, int]) -> tuple[dict[str, str], dict[str, str]]:
    """(partner -> action, theatre -> action) names of cells (one actor's, usually)."""
    ro = world.roster
    dyadic = {ro.ids[x]: DYADIC_NAMES[c] for (k, _, x), c in cells.items() if k == "dyadic"}
    theatre = {ro.theatre_ids[x]: THEATRE_NAMES[c]
               for (k, _, x), c in cells.items() if k == "theatre"}
    return dyadic, theatre


def describe_taken(world: World, dyadic: np.ndarray, theatre: np.ndarray) -> list[str]:
    """The moves of one month's (N, N) and (N, T) action arrays that are not the default,
    in words ('RUS deepen towards IRN', 'IRN intervene in syria')."""
    ro = world.roster
    out = [f"{ro.ids[i]} {DYADIC_NAMES[dyadic[i, j]]} towards {ro.ids[j]}"
           for i, j in zip(*np.nonzero(dyadic != DEFAULT["dyadic"]), strict=True) if i != j]
    out += [f"{ro.ids[i]} {THEATRE_NAMES[theatre[i, t]]} in {ro.theatre_ids[t]}"
            for i, t in zip(*np.nonzero(theatre != DEFAULT["theatre"]), strict=True)
            if ro.stake[t, i] > 0]
    return out


def to_overrides(cells: Mapping[Cell, int]) -> Overrides:
    return Overrides(dyadic={(i, x): c for (k, i, x), c in cells.items() if k == "dyadic"},
                     theatre={(i, x): c for (k, i, x), c in cells.items() if k == "theatre"})


@dataclass
class TurnDecisions:
    """This turn's decided cells in three layers; a later layer wins a cell."""

    accepted: dict[Cell, int] = field(default_factory=dict)  # proposals players accepted
    players: dict[Cell, int] = field(default_factory=dict)  # moves players chose themselves
    white: dict[Cell, int] = field(default_factory=dict)  # White's overrides

    def merged(self) -> dict[Cell, int]:
        return {**self.accepted, **self.players, **self.white}

    def of_actor(self, i: int, layers: Iterable[str] = ("accepted", "players", "white")
                 ) -> dict[Cell, int]:
        out: dict[Cell, int] = {}
        for name in layers:
            out.update({c: v for c, v in getattr(self, name).items() if c[1] == i})
        return out
