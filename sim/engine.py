"""One month of the model, in the three phases of a seminar turn.

1. `open_month`: scheduled and random events happen; actors perceive the world.
2. decisions: every actor chooses simultaneously (`sim.decisions.choose`), for its own rows;
   human or event-forced moves replace the model's (`apply_overrides`).
3. `resolve_month`: adjudication applies the actions, the drivers compute their forces,
   alignment moves by the sum of the bounded driver terms, and memory updates.

The Mesa model runs phase 2 agent by agent; `advance` runs all three for every replicate
at once. Both call these same functions: there is one implementation of the dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import rng
from sim.adjudication import apply_actions, delivered, learn_distrust, total_sanctions
from sim.decisions import Perception, choose, perceive
from sim.drivers import DRIVERS, StepInputs
from sim.drivers.sanctions_pressure import sanctions_bite
from sim.kernels import saturate as _saturate
from sim.kernels import settle_month
from sim.state import State
from sim.world import World

FREE = -1  # in a forced-action array: no override, the model decides


@dataclass
class Overrides:
    """Moves decided outside the model (players, White cell), applied to every replicate.

    Keys are (actor index, partner index) for dyadic moves and (actor index, theatre index)
    for theatre moves; values are action codes from `sim.actions`.
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
    terms: np.ndarray | None  # (R, K, N, N) driver terms (bounded contributions to
    # the change); None when not kept
    alignment: np.ndarray  # (R, N, N) alignment after the month
    fired: list[tuple[str, np.ndarray]]
    clipped: np.ndarray  # (R,) bool: the sum of terms left [-1, 1] somewhere


def open_month(state: State, world: World) -> MonthOpening:
    """Phase 1: events of this month, then what everybody perceives."""
    r, n = state.replicates, world.n
    forced = np.full((r, n, n), FREE, dtype=np.int8)
    fired: list[tuple[str, np.ndarray]] = []
    everyone = np.ones(r, dtype=bool)
    for ev in world.scheduled.get(state.step, []):
        ev.apply(state, world, everyone, forced)
        fired.append((ev.label(), everyone))
    if world.hazards:
        u = rng.uniform(state.seeds, state.step, rng.Stream.EVENT_HAZARD, (len(world.hazards),))
        for h, (hz, lo, hi) in enumerate(world.hazards):
            if not lo <= state.step < hi:
                continue
            rows = u[:, h] < hz.monthly_rate.value
            if rows.any():
                hz.event.apply(state, world, rows, forced)
                fired.append((hz.event.label() + " [random]", rows))
    sanctions = total_sanctions(state, world)
    _, secondary = world.sanctions_at(state.step)
    bite = sanctions_bite(sanctions, secondary[None], world.roster.power)
    return MonthOpening(perceive(state, world, bite), forced, fired, sanctions, bite)


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


def saturate(force: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Bounded contribution of a force: f(1 - a) upwards, f(1 + a) downwards.

    Why: alignment lives in [-1, 1], and a push towards a bound should weaken as the bound
    nears (a logistic-style saturation), without clipping that would hide causes. With
    this form, constant forces settle at a* = (F+ - F-) / (F+ + F-). Computed by the
    compiled ufunc `sim.kernels.saturate` (one pass, any shapes).
    """
    return _saturate(force, a)


def resolve_month(state: State, world: World, opening: MonthOpening, dyadic: np.ndarray,
                  theatre: np.ndarray, keep_terms: bool = True) -> MonthResult:
    """Phase 3: adjudicate, compute the drivers, move alignment, update memory.

    ``keep_terms=False`` skips storing each driver's term (the explanation) when only the
    trajectories are wanted (sweeps, cones): a quarter less memory traffic per month.
    """
    step = state.step
    signal = apply_actions(state, world, dyadic, theatre)
    given = delivered(dyadic)
    strength, anchor = world.treaties.commitment(step)
    _, secondary = world.sanctions_at(step)
    inputs = StepInputs(
        delivered=given, treaty_signal=signal, sanctions=opening.sanctions,
        sanctions_bite=opening.sanctions_bite,
        secondary=secondary, treaty_strength=strength, treaty_anchor=anchor,
        noise=rng.normal(state.seeds, step, rng.Stream.NOISE, (world.n, world.n)),
    )
    a = state.alignment
    forces = tuple(np.ascontiguousarray(np.broadcast_to(d.force(state, world, inputs), a.shape),
                                        dtype=np.float64) for d in DRIVERS)
    terms = np.empty((a.shape[0], len(DRIVERS), world.n, world.n) if keep_terms
                     else (0, 0, 0, 0))
    new = np.empty_like(a)
    trend = np.empty_like(a)
    clipped = np.empty(a.shape[0], dtype=np.bool_)
    settle_month(forces, a, keep_terms, terms, new, trend, clipped)
    state.trend = trend
    state.alignment = new
    learn_distrust(state, world, given, signal)
    state.war = np.maximum(0.0, state.war - 1.0)
    state.step = step + 1
    return MonthResult(step=step, dyadic=dyadic, theatre=theatre,
                       terms=terms if keep_terms else None, alignment=new.copy(),
                       fired=opening.fired, clipped=clipped)


def advance(state: State, world: World, overrides: Overrides | None = None,
            keep_terms: bool = True) -> MonthResult:
    """One month for every replicate at once (the batched path)."""
    opening = open_month(state, world)
    everyone = np.arange(world.n)
    dyadic, theatre = choose(opening.perception, state, world, everyone)
    dyadic, theatre = apply_overrides(dyadic, theatre, opening.forced, overrides)
    return resolve_month(state, world, opening, dyadic, theatre, keep_terms)
