"""The model's proposals for a month, the menus open to each actor, and expected effects.

Why on copies, with the engine's own functions: a proposal must be exactly the move the
model would make this month, so it is computed by `open_month` and `choose` on a copy of
the month's starting state. The random numbers are counter-based, keyed by (seed, month,
stream, cell) (`sim.core.rng`), so computing a proposal draws the very numbers the resolution
will draw and consumes nothing: proposing, however often, cannot shift the resolution, and
accepting every proposal is the model playing.

Expected effect of a move (what a player is shown): the change of the relevant dyads'
alignment after ONE month when the month is resolved with this move, minus the same month
resolved with the default move ('maintain' towards a partner, 'support' in a theatre), all
other moves as currently decided and the same random draws (same seed and month), so the
difference is the move's own immediate effect. It leaves out what the move does later
(through distrust, reciprocity, interdependence that build up); the cone of futures is
the tool for that. Each move is measured alone, so effects of several moves need not add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.actions import DYADIC_NAMES, THEATRE_NAMES
from sim.dynamics.decisions import choose, dyadic_utilities, theatre_utilities
from sim.dynamics.engine import apply_overrides, open_month, resolve_month
from sim.dynamics.state import State
from sim.dynamics.world import World
from sim.seminar.moves import DEFAULT, MENU, Cell, to_overrides
from sim.seminar.why import signed

#: Dyads reported for a theatre move: the actor's dyads that the move changes most.
THEATRE_EFFECT_DYADS = 3


@dataclass(frozen=True)
class Preview:
    """The month as the model would play it, computed on a copy of its starting state."""

    step: int
    dyadic: np.ndarray  # (N, N) int8 the model's moves, event-forced moves included
    theatre: np.ndarray  # (N, T) int8
    forced: np.ndarray  # (N, N) bool: an event of this month forces the move
    dyadic_ok: np.ndarray  # (N, N, A) bool: the action is open to the actor
    theatre_ok: np.ndarray  # (N, T, A) bool
    fired: tuple[str, ...]  # events that fire this month


def preview_month(state: State, world: World) -> Preview:
    """The model's moves and the open actions of a month, leaving ``state`` untouched.

    The open actions are those with a finite utility in the model's own utility functions
    (`sim.dynamics.decisions`), so players get exactly the menu the model chooses from.
    """
    s = state.copy()
    opening = open_month(s, world)
    rows = np.arange(world.n)
    model_d, model_t = choose(opening.perception, s, world, rows)
    dyadic, theatre = apply_overrides(model_d, model_t, opening.forced, None)
    ok_d = np.isfinite(dyadic_utilities(opening.perception, world, rows))[0]
    ok_t = np.isfinite(theatre_utilities(opening.perception, s, world, rows))[0]
    return Preview(step=state.step, dyadic=dyadic[0], theatre=theatre[0],
                   forced=opening.forced[0] >= 0, dyadic_ok=ok_d, theatre_ok=ok_t,
                   fired=tuple(label for label, _ in opening.fired))


@dataclass(frozen=True)
class ActorOptions:
    """An actor's menus this month: partner -> open actions, theatre -> open actions.

    Theatres where the actor has no stake are left out: there it can only 'support', which
    changes nothing.
    """

    actor: str
    name: str
    dyadic: dict[str, tuple[str, ...]]
    theatre: dict[str, tuple[str, ...]]

    def allowed(self, world: World) -> dict[Cell, tuple[str, ...]]:
        ro = world.roster
        i = ro.index(self.actor)
        out: dict[Cell, tuple[str, ...]] = {("dyadic", i, ro.index(p)): acts
                                            for p, acts in self.dyadic.items()}
        out.update({("theatre", i, ro.theatre_index(t)): acts
                    for t, acts in self.theatre.items()})
        return out


def actor_options(preview: Preview, world: World, actor: str) -> ActorOptions:
    ro = world.roster
    i = ro.index(actor)
    dyadic = {ro.ids[j]: tuple(DYADIC_NAMES[a] for a in np.flatnonzero(preview.dyadic_ok[i, j]))
              for j in range(ro.n) if j != i}
    theatre = {ro.theatre_ids[t]: tuple(THEATRE_NAMES[a]
                                        for a in np.flatnonzero(preview.theatre_ok[i, t]))
               for t in range(len(ro.theatre_ids)) if ro.stake[t, i] > 0}
    return ActorOptions(actor, ro.names[i], dyadic, theatre)


@dataclass(frozen=True)
class Effect:
    """A move's expected one-month effect (see the module docstring for what it is)."""

    actor: str
    kind: str  # "dyadic" or "theatre"
    target: str  # partner or theatre
    move: str
    versus: str  # the default move it is measured against
    changes: tuple[tuple[str, str, float], ...]  # (source, target, change of alignment)

    def text(self) -> str:
        where = f"towards {self.target}" if self.kind == "dyadic" else f"in {self.target}"
        parts = ", ".join(f"{s}→{t} {signed(d)}" for s, t, d in self.changes)
        return f"{self.actor} {self.move} {where} (vs {self.versus}), next month: {parts}"


@dataclass(frozen=True)
class Proposal:
    """The model's move for one actor this month, every cell of its menus."""

    actor: str
    team: str | None
    dyadic: dict[str, str]  # partner -> action
    theatre: dict[str, str]  # theatre with a stake -> action
    forced: tuple[str, ...]  # partners towards whom an event of this month forces the move
    effects: tuple[Effect, ...]  # of the moves that are not the default

    def changes(self) -> tuple[dict[str, str], dict[str, str]]:
        """The moves that are not the default (maintain / support)."""
        return ({p: a for p, a in self.dyadic.items() if a != "maintain"},
                {t: a for t, a in self.theatre.items() if a != "support"})


def proposal_cells(preview: Preview, world: World, actor: str) -> dict[Cell, int]:
    """Every cell of the actor's menus with the model's move (theatres with a stake)."""
    ro = world.roster
    i = ro.index(actor)
    cells: dict[Cell, int] = {("dyadic", i, j): int(preview.dyadic[i, j])
                              for j in range(ro.n) if j != i}
    cells.update({("theatre", i, t): int(preview.theatre[i, t])
                  for t in range(len(ro.theatre_ids)) if ro.stake[t, i] > 0})
    return cells


def expected_effects(state: State, world: World, decided: Mapping[Cell, int],
                     candidates: Sequence[tuple[Cell, int]]) -> list[Effect]:
    """Each candidate move's one-month effect, all candidates in one batched month.

    Row 2c resolves the month with candidate c, row 2c+1 with the default in its cell;
    every row has the same seed, so all draws coincide and only the move differs.
    """
    if not candidates:
        return []
    ro = world.roster
    batch = state.take(np.zeros(2 * len(candidates), dtype=np.intp))
    opening = open_month(batch, world)
    rows = np.arange(world.n)
    overrides = to_overrides(decided)
    dyadic, theatre = choose(opening.perception, batch, world, rows, overrides.dyadic)
    dyadic, theatre = apply_overrides(dyadic, theatre, opening.forced, overrides)
    for c, ((kind, i, x), code) in enumerate(candidates):
        arr = dyadic if kind == "dyadic" else theatre
        arr[2 * c, i, x] = code
        arr[2 * c + 1, i, x] = DEFAULT[kind]
    result = resolve_month(batch, world, opening, dyadic, theatre, keep_terms=False)
    delta = result.alignment[0::2] - result.alignment[1::2]
    out = []
    for c, ((kind, i, x), code) in enumerate(candidates):
        d = delta[c]
        if kind == "dyadic":
            pairs = [(i, x), (x, i)]
            target = ro.ids[x]
        else:
            around = [(i, k) for k in range(ro.n) if k != i] + \
                     [(k, i) for k in range(ro.n) if k != i]
            pairs = sorted(around, key=lambda p: -abs(d[p]))[:THEATRE_EFFECT_DYADS]
            target = ro.theatre_ids[x]
        out.append(Effect(ro.ids[i], kind, target, MENU[kind][code], MENU[kind][DEFAULT[kind]],
                          tuple((ro.ids[a], ro.ids[b], float(d[a, b])) for a, b in pairs)))
    return out
