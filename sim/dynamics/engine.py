"""One month of the model, in the three phases of a seminar turn.

1. `open_month`: scheduled and random events happen; actors perceive the world.
2. decisions: every actor chooses simultaneously (`sim.dynamics.decisions.choose`), for its
   own rows;
   human or event-forced moves replace the model's (`apply_overrides`).
3. `resolve_month`: adjudication applies the actions and judges treaty crises, the drivers
   compute their contributions to each relation's target, moves and verdicts add episode
   impulses, and `sim.dynamics.kernels.settle_month` moves every relation towards its target
   (decision record 0008), splitting the change exactly into named terms.

The Mesa model runs phase 2 agent by agent; `advance` runs all three for every replicate
at once. Both call these same functions: there is one implementation of the dynamics.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from sim.core import rng
from sim.core.actions import DELIVERED
from sim.core.ufunc_loops import loop_arguments
from sim.dynamics.adjudication import adjudication_arguments, delivered
from sim.dynamics.decisions import Perception, choose, perceive
from sim.dynamics.driver_block import driver_layout, driver_parameters
from sim.dynamics.drivers import DRIVERS, TERMS, StepInputs
from sim.dynamics.episodes import (
    ARMS_CLASS,
    DIPLOMACY,
    MOVE_CLASS,
    SANCTIONS_CLASS,
    VIOLENCE,
    decay_factors,
    move_impulse_table,
)
from sim.dynamics.kernels import adjudicate_block, resolve_block
from sim.dynamics.kernels.codes import ARMS
from sim.dynamics.state import State
from sim.dynamics.world import World

FREE = -1  # in a forced-action array: no override, the model decides

#: Dyad-cells (replicates x actors^2) advanced together by the batched path: a block's
#: state (about 40 arrays of this size) then stays in the processor's cache. Measured on
#: the 2-core benchmark machine (16 actors): blocks of 128 replicates ran about a fifth
#: faster than 1,000 at once (benchmarks/RESULTS.md).
BLOCK_CELLS = 128 * 256


def block_size(n_actors: int) -> int:
    """Replicates advanced together by the batched path and the cone (at least 16, below
    which Python's per-month overhead dominates)."""
    return max(16, BLOCK_CELLS // (n_actors * n_actors))


@dataclass
class Overrides:
    """Moves decided outside the model (players, White cell), applied to every replicate.

    Keys are (actor index, partner index) for dyadic moves and (actor index, theatre index)
    for theatre moves; values are action codes from `sim.core.actions`.
    """

    dyadic: dict[tuple[int, int], int] = field(default_factory=dict)
    theatre: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class MonthOpening:
    perception: Perception
    forced: np.ndarray  # (R, N, N) int8, FREE where the model decides
    fired: list[tuple[str, np.ndarray]]  # (event label, replicate mask)
    sanctions: np.ndarray  # (R, N, N) total [imposer, target]
    sanctions_bite: np.ndarray  # (R, N) how hard they press on each target


@dataclass
class MonthResult:
    step: int  # the month whose change this is (0 = first month of the scenario)
    dyadic: np.ndarray  # (R, N, N) int8 actions taken
    theatre: np.ndarray  # (R, N, T) int8 theatre actions taken
    terms: np.ndarray | None  # (R, K, N, N) the change split into `sim.dynamics.drivers.TERMS`;
    # None when not kept
    alignment: np.ndarray  # (R, N, N) alignment after the month
    fired: list[tuple[str, np.ndarray]]
    clipped: np.ndarray  # (R,) bool: always False since tanh bounds alignment (kept for
    # the record's layout)


def open_month(state: State, world: World) -> MonthOpening:
    """Phase 1: events of this month, then what everybody perceives."""
    r, n = state.replicates, world.n
    forced = np.full((r, n, n), FREE, dtype=np.int8)
    fired: list[tuple[str, np.ndarray]] = []
    _scheduled_episodes(state, world)  # into state.pending, cleared by the last settlement
    everyone = np.ones(r, dtype=bool)
    for ev in world.scheduled.get(state.step, []):
        ev.apply(state, world, everyone, forced)
        ev.add_impulses(state, world, everyone)
        fired.append((ev.label(), everyone))
    first, last, rate = world.derived("hazard_table", lambda: _hazard_table(world))
    live = (first <= state.step) & (state.step < last)
    if live.any():  # keyed draws: one not made changes no other
        u = rng.uniform_keyed(state.keys(rng.Stream.EVENT_HAZARD), (len(rate),))
        hit = (u < rate) & live
        for h in np.flatnonzero(hit.any(axis=0)):  # in the hazards' order
            hz = world.hazards[h][0]
            rows = np.ascontiguousarray(hit[:, h])
            hz.event.apply(state, world, rows, forced)
            hz.event.add_impulses(state, world, rows)
            fired.append((hz.event.label() + " [random]", rows))
    perception, sanctions, bite = perceive(structural_view(state), world)
    return MonthOpening(perception, forced, fired, sanctions, bite)


def _hazard_table(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The world's hazards as arrays, in their order: first month, first month after, and
    monthly rate. Why: a month checks every hazard; one comparison over these costs what
    one hazard's took as objects."""
    first = np.array([lo for _, lo, _ in world.hazards], dtype=np.int64)
    last = np.array([hi for _, _, hi in world.hazards], dtype=np.int64)
    rate = np.array([hz.monthly_rate.value for hz, _, _ in world.hazards], dtype=np.float64)
    return first, last, rate


def apply_overrides(dyadic: np.ndarray, theatre: np.ndarray, forced: np.ndarray,
                    overrides: Overrides | None) -> tuple[np.ndarray, np.ndarray]:
    """Event-forced moves replace the model's; human overrides replace both."""
    dyadic = np.where(forced != FREE, forced, dyadic).astype(np.int8)
    theatre = theatre.copy()
    if overrides:
        for (i, j), code in overrides.dyadic.items():
            dyadic[:, i, j] = code
        for (i, t), code in overrides.theatre.items():
            theatre[:, i, t] = code
    return dyadic, theatre


def driver_inputs(world: World, step: int, delivered: np.ndarray, sanctions: np.ndarray,
                  bite: np.ndarray) -> StepInputs:
    """What the drivers read besides the state in month ``step``: the month's deliveries,
    the sanctions in force (`sim.dynamics.adjudication.sanctions_in_force`), the treaties' strength
    and defence guarantees. The one place they are put together, for the engine and for
    the start's equilibrium (`sim.dynamics.equilibrium`)."""
    return StepInputs(
        delivered=delivered, sanctions=sanctions, sanctions_bite=bite,
        secondary=world.sanctions_at(step)[1],
        treaty_strength=world.treaties.strength_at(step, world.p.treaty_maturity_half_life),
        guarantee=world.treaties.guarantee(step),
    )


#: The forces of drivers without compiled code when there are none (the built-in set).
_NO_EXTRA = np.zeros((0, 1, 1, 1))


@functools.cache
def _driver_indices(others: tuple[int, ...]) -> np.ndarray:
    """The drivers without compiled code as an index array, made once per driver set."""
    return np.array(others, dtype=np.int64)


def structural_view(state: State) -> State:
    """The state as the drivers and actors read it: alignment without its noise share.

    Why: noise stands for what the model leaves out, short-lived fluctuation around the
    modelled level. Fed back through the drivers' products (structural balance, hostility
    as threat) and the actors' choices, zero-mean noise had lasting one-sided effects of up
    to 0.15 on some relations over a decade (decision record 0008); read this way it only
    spreads the ensemble, and its drift term keeps the mean where the drivers put it.

    A shallow copy with one field replaced, as ``dataclasses.replace`` makes it, without
    calling the constructor with every field (a tenth of a small batch's month in Python).
    """
    view = State.__new__(State)
    view.__dict__.update(state.__dict__)
    view.alignment = state.perceived
    return view


def _scheduled_episodes(state: State, world: World) -> None:
    """Impulses of what the schedule itself brings this month: treaties signed inside the
    run, and scheduled sanctions raised or lifted (sanctions in force at the start are the
    standing condition, not an episode)."""
    step, p = state.step, world.p
    for k in world.treaties.signed_at(step):
        members = np.flatnonzero(world.treaties.parties[k])
        for a in members:
            for b in members:
                if a != b:
                    state.pending[:, DIPLOMACY, a, b] += p.impulse_treaty_signed
    change = world.derived(f"sanctions_change_{step}", lambda: _sanctions_change(world, step))
    if change is not None:
        # the target's view of the imposer; lifting is a relief of the same size
        state.pending[:, SANCTIONS_CLASS] += p.impulse_sanctions_imposed * change[None]


def _sanctions_change(world: World, step: int) -> np.ndarray | None:
    """The scheduled sanctions' change into ``step``, transposed to [target, imposer], or
    None if they do not change (the schedule's, the same for every replicate and block)."""
    if step == 0:
        return None
    before, _ = world.sanctions_at(step - 1)
    now, _ = world.sanctions_at(step)
    change = now - before  # [imposer, target]
    return change.T if change.any() else None


def resolve_month(state: State, world: World, opening: MonthOpening, dyadic: np.ndarray,
                  theatre: np.ndarray, keep_terms: bool = True) -> MonthResult:
    """Phase 3: adjudicate, compute the drivers, move alignment, update memory.

    ``keep_terms=False`` skips storing the terms (the explanation) when only the
    trajectories are wanted (sweeps, cones). A move is an episode at its full impulse the
    month it changes course, and at ``repeat_share`` of it each month it is carried on,
    whoever decided it (the model, an event, a player): one rule for every path.
    """
    step, p, ro = state.step, world.p, world.roster
    if state.shares.shape[1] != len(DRIVERS) + 3:  # the compiled settlement trusts it
        raise ValueError(f"the state holds {state.shares.shape[1]} shares for "
                         f"{len(DRIVERS)} drivers; it was made for another driver set")
    a = state.alignment
    moved = (np.empty_like(state.interdependence), np.empty_like(state.sanctions_own),
             np.empty_like(state.engagement), np.empty_like(state.intensity))
    verdicts, noise = np.empty_like(a), np.empty_like(a)
    adjudication = adjudication_arguments(state, world, dyadic, theatre, moved, verdicts,
                                          noise)
    given = np.empty_like(a)  # what each delivered, filled by the compiled resolution
    inputs = driver_inputs(world, step, given, opening.sanctions, opening.sanctions_bite)
    slots, others = driver_layout()
    extra = _NO_EXTRA
    if others:  # drivers without compiled code: their NumPy forces, in their places, read
        # the stocks the adjudication moved, so it comes first here
        adjudicate_block(adjudication)
        _stocks_moved(state, moved)
        given[...] = delivered(dyadic)
        view = structural_view(state)
        extra = np.stack([np.broadcast_to(DRIVERS[k].force(view, world, inputs),
                                          state.alignment.shape) for k in others])
    shape = (a.shape[0], len(TERMS), world.n, world.n) if keep_terms else (0, 0, 0, 0)
    terms = np.empty(shape)
    new_alignment, trend, target = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    seen, total, new_distrust = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    inter, _, engagement, intensity = moved
    resolve_block(
        dyadic, state.last_dyadic, DELIVERED, float(p.repeat_share),
        world.derived("move_impulse_table", lambda: move_impulse_table(p)),
        MOVE_CLASS, state.war, ro.asks, ARMS, float(p.impulse_strike_target),
        float(p.impulse_strike_attacker), float(p.impulse_arms_withheld), VIOLENCE,
        ARMS_CLASS, len(DRIVERS), slots, extra, _driver_indices(others),
        state.perceived, state.threat, state.anti_hegemony, state.distrust,
        inter, state.balance, intensity, engagement,
        state.position, inputs.sanctions, inputs.sanctions_bite,
        *driver_parameters(world, inputs), state.shares, state.latent,
        state.memory, state.episodes, state.pending, a, noise, world.kappa,
        float(p.memory_weight), world.memory_rate,
        world.derived("decay_factors", lambda: decay_factors(p)), float(p.noise_sd),
        keep_terms, terms, new_alignment, trend, target, seen, total, given,
        *loop_arguments(np.tanh), verdicts, float(p.distrust_learning), new_distrust,
        not others, adjudication)
    _stocks_moved(state, moved)
    state.last_dyadic = dyadic.copy()
    state.distrust = new_distrust
    state.target = target
    state.trend = trend
    state.alignment = new_alignment
    state.previous_seen = state.perceived
    state.perceived = seen
    state.episode_total = total
    state.step = step + 1
    return MonthResult(step=step, dyadic=dyadic, theatre=theatre,
                       terms=terms if keep_terms else None, alignment=new_alignment.copy(),
                       fired=opening.fired, clipped=np.zeros(a.shape[0], dtype=np.bool_))


def _stocks_moved(state: State, moved: tuple[np.ndarray, ...]) -> None:
    """The state takes the stocks the month's adjudication moved (interdependence, own
    sanctions, engagement, intensity)."""
    state.interdependence, state.sanctions_own, state.engagement, state.intensity = moved


def advance(state: State, world: World, overrides: Overrides | None = None,
            keep_terms: bool = True) -> MonthResult:
    """One month for every replicate at once (the batched path)."""
    opening = open_month(state, world)
    everyone = np.arange(world.n)
    dyadic, theatre = choose(opening.perception, state, world, everyone,
                             overrides.dyadic if overrides else None)
    dyadic, theatre = apply_overrides(dyadic, theatre, opening.forced, overrides)
    return resolve_month(state, world, opening, dyadic, theatre, keep_terms)
