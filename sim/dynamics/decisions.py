"""Boundedly rational choice: every actor picks its actions by logit over utilities.

Why logit (McFadden 1974; quantal response, McKelvey & Palfrey 1995): actors weigh the
same considerations but not perfectly, so ensembles spread, and the spread narrows as an
actor's ``rationality`` rises. Utilities are computed for all actors at once from what
they all perceive (`Perception`); an actor's choice reads only its own rows, so a Mesa
agent deciding alone gets exactly what the batched path gets for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import rng
from sim.core.actions import Dyadic, TheatreAction
from sim.core.ufunc_loops import loop_arguments
from sim.dynamics.kernels import (
    decide_block,
    dyadic_utilities_kernel,
    logit_draw,
    logit_exponents,
    theatre_utilities_kernel,
)
from sim.dynamics.obligations import Obligations, obligation_utilities


@dataclass
class Perception:
    """What actors see at the start of a month, before anyone moves."""

    step: int
    value: np.ndarray  # (R, N, N) alignment plus projected trend, in [-1, 1]
    gap: np.ndarray  # (R, N, N) what i's interests sustain towards j minus value
    last: np.ndarray  # (R, N, N) int8 last month's moves (a change of course costs more)
    cross: np.ndarray  # (R, N, N) what i stands to lose with third parties by closing with j
    pressure: np.ndarray  # (R, N) how hard-pressed j is (sanctions, under attack)
    obligations: Obligations | None  # from triggered clauses; None if none binds
    salience: np.ndarray  # (R, N, T) stake times intensity


def perceive(state, world) -> tuple[Perception, np.ndarray, np.ndarray]:
    """What actors see at the start of the state's month, with the sanctions in force
    (R, N, N) [imposer, target] and how hard they press on each actor (R, N), which the
    drivers read too: one compiled pass a replicate (`sim.dynamics.kernels.opening_block`).

    Actors see the relation without its noise share (``state.perceived``): noise stands for
    what the model leaves out, and letting actors answer it would turn zero-mean shocks
    into moves with lasting, one-sided effects. They project its trend, and they weigh
    the gap between what their interests sustain (episodes included) and where it stands.
    Cross-pressure is computed from ``state.alignment`` (the engine passes its structural
    view, whose alignment is what is perceived).
    """
    from sim.dynamics.kernels import opening_block

    p = world.p
    primary, secondary = world.sanctions_at(state.step)
    seen = state.perceived
    r, n, t = seen.shape[0], seen.shape[1], state.intensity.shape[1]
    sanctions, bite = np.empty_like(state.sanctions_own), np.empty((r, n))
    value, gap, cross = np.empty_like(seen), np.empty_like(seen), np.empty_like(seen)
    pressure, salience = np.empty((r, n)), np.empty((r, n, t))
    opening_block(np.ascontiguousarray(primary, dtype=np.float64), state.sanctions_own,
                  np.ascontiguousarray(secondary, dtype=np.float64), world.roster.power,
                  state.alignment, seen, state.previous_seen, state.target,
                  state.episode_total, state.war, state.stake, state.intensity,
                  np.ascontiguousarray(state.interdependence), float(p.trend_weight),
                  *loop_arguments(np.expm1), *loop_arguments(np.tanh), sanctions, bite,
                  value, gap, pressure, salience, cross)
    perception = Perception(
        step=state.step, value=value, gap=gap, last=state.last_dyadic, cross=cross,
        pressure=pressure,
        obligations=obligation_utilities(world.treaties, state.war, state.step),
        salience=salience,
    )
    return perception, sanctions, bite


def dyadic_utilities(per: Perception, world, rows: np.ndarray) -> np.ndarray:
    """Utility (R, len(rows), N, A) of each dyadic action of the actors in ``rows``.

    With v = value, g = gap (what i's interests sustain minus v), G = gap weight,
    cp = cross-pressure, h = hedging (docs/ODD.md §7.4):
    distance -G g - move; hedge h(1 - |v|) - G g/2 - move; maintain 0; deepen G g - move - cp;
    and every action but last month's costs the switching cost (policies persist; a change
    of course is a deliberate move, and an episode);
    transfer arms (arms capacity x partner's need)(v + partner's ask) - arms cost - 2cp;
    diplomatic cover (pressure on partner) v - cover cost; sanction (sanction capacity)(-v)
    - sanction cost; plus what triggered treaty clauses add; -inf where impossible (towards
    oneself but maintain; arms or sanctions without the capacity). Computed by
    `sim.dynamics.kernels.dyadic_utilities_kernel`, the one implementation.
    """
    ro = world.roster
    rows = np.asarray(rows, dtype=np.int64)
    r = per.value.shape[0]
    out = np.empty((r, len(rows), ro.n, len(Dyadic)))
    oblig, slot = _obligations(per, ro.n)
    dyadic_utilities_kernel(per.value, per.gap, per.cross, per.pressure, oblig, slot, rows,
                            per.last, ro.hedging, ro.arms_capacity, ro.arms_need, ro.asks,
                            ro.sanction_capacity,
                            _coefficients(world, dyadic_coefficients), out)
    return out


def theatre_utilities(per: Perception, state, world, rows: np.ndarray) -> np.ndarray:
    """Utility (R, len(rows), T, A) of each theatre action of the actors in ``rows``.

    With s = salience (stake x intensity), |x| = how far the actor's position is from the
    theatre's middle, h = hedging: withdraw -s - move; restrain hs - c s|x| - m move (c =
    ``restraint_stance_cost``, m = ``restraint_move_share``); support 0; intervene
    g s|x| power - intervention cost (g = ``intervene_gain``); mediate h I (1 - |x|) - move;
    -inf for all but support where the actor has no stake. Computed by
    `sim.dynamics.kernels.theatre_utilities_kernel`, the one implementation.
    """
    ro = world.roster
    rows = np.asarray(rows, dtype=np.int64)
    r, _, t = per.salience.shape
    out = np.empty((r, len(rows), t, len(TheatreAction)))
    theatre_utilities_kernel(per.salience, state.position, state.intensity, state.stake, rows,
                             ro.hedging, ro.power,
                             _coefficients(world, theatre_coefficients), out)
    return out


def dyadic_coefficients(p) -> np.ndarray:
    """The dyadic menu's coefficients in the order the compiled cell reads them."""
    return np.array([p.gap_weight, p.move_cost, p.arms_cost, p.cover_cost, p.sanction_cost,
                     p.switch_cost, p.capacity_floor, p.hedge_gap_share,
                     p.arms_cross_pressure], dtype=np.float64)


def theatre_coefficients(p) -> np.ndarray:
    """The theatre menu's coefficients in the order the compiled cell reads them."""
    return np.array([p.move_cost, p.intervene_cost, p.restraint_stance_cost,
                     p.restraint_move_share, p.intervene_gain], dtype=np.float64)


def _coefficients(world, menu) -> np.ndarray:
    """A menu's coefficients (`dyadic_coefficients`, `theatre_coefficients`), made once per
    world."""
    return world.derived(menu.__name__, lambda: menu(world.p))


def _obligations(per: Perception, n: int) -> tuple[np.ndarray, np.ndarray]:
    if per.obligations is None:
        return np.zeros((1, 1, 1, 1)), np.full(n, -1, dtype=np.int64)
    return per.obligations.adj, per.obligations.slot


def logit_choice(util: np.ndarray, precision: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Sample one action per cell with probabilities proportional to exp(precision * U).

    ``precision`` broadcasts against ``util[..., 0]``; ``draws`` are uniforms of that shape.
    Infeasible actions (utility -inf) weigh exactly 0, so precision 0 is a uniform choice
    among the feasible ones. The exponents and the draw are the month's own
    (`sim.dynamics.kernels.choice`): each cell's weights summed in action order, so a
    cell's result does not depend on the batch it is computed in.
    """
    shape = util.shape[:-1]
    menu = np.ascontiguousarray(util, dtype=np.float64).reshape(-1, util.shape[-1])
    lam = np.ascontiguousarray(np.broadcast_to(precision, shape), dtype=np.float64).ravel()
    u = np.ascontiguousarray(np.broadcast_to(draws, shape), dtype=np.float64).ravel()
    cells, weights = np.empty(menu.shape[::-1]), np.empty(menu.shape[::-1])
    logit_exponents(menu, lam, 1, cells, weights)  # each cell its own precision
    np.exp(weights, out=weights)
    out = np.empty(menu.shape[0], dtype=np.int8)
    logit_draw(weights, cells, u, out)
    return out.reshape(shape)


def move_budget(world, decided: dict[tuple[int, int], int] | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(fixed (N, N) bool, budget (N,) int): the dyadic cells decided outside the model this
    month, and how many departures from "maintain" each actor has left for the model to
    make (``max_moves`` less those decided): a player's moves and the model's together
    stay within the limit."""
    n = world.n
    fixed = np.zeros((n, n), dtype=np.bool_)
    budget = np.empty(n, dtype=np.int64)
    moves = int(world.p.max_moves)
    if not decided:  # the model decides everything (most months of most runs)
        budget.fill(max(moves, 0))
        return fixed, budget
    budget.fill(moves)
    for (i, j), code in decided.items():
        fixed[i, j] = True
        if code != Dyadic.MAINTAIN:
            budget[i] -= 1
    return fixed, np.maximum(budget, 0)


def choose(per: Perception, state, world, rows: np.ndarray,
           decided: dict[tuple[int, int], int] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Dyadic choices (R, len(rows), N) and theatre choices (R, len(rows), T) for ``rows``;
    ``decided`` are the dyadic moves a player or White will take instead (they use up the
    actor's budget of moves, see `move_budget`)."""
    rows = np.asarray(rows, dtype=np.int64)
    ro = world.roster
    r, m, n, n_th = per.value.shape[0], len(rows), ro.n, len(ro.theatre_ids)
    oblig, slot = _obligations(per, n)
    fixed, budget = move_budget(world, decided)
    dyadic = np.empty((r, m, n), dtype=np.int8)
    theatre = np.empty((r, m, n_th), dtype=np.int8)
    decide_block(per.value, per.gap, per.cross, per.pressure, oblig, slot, rows, per.last,
                 ro.hedging, ro.arms_capacity, ro.arms_need, ro.asks, ro.sanction_capacity,
                 _coefficients(world, dyadic_coefficients), per.salience, state.position,
                 state.intensity, state.stake, ro.power,
                 _coefficients(world, theatre_coefficients),
                 np.ascontiguousarray(ro.rationality[rows], dtype=np.float64), len(Dyadic),
                 len(TheatreAction), *loop_arguments(np.exp),
                 state.keys(rng.Stream.DYADIC_CHOICE), state.keys(rng.Stream.THEATRE_CHOICE),
                 fixed, budget,
                 dyadic, theatre)
    return dyadic, theatre
