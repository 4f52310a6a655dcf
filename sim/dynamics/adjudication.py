"""Adjudication: once everyone has moved, apply the month's actions to the world.

All actors move simultaneously, then this module settles what their actions did: what each
delivered to each partner, how treaty clauses were kept, and how interdependence,
sanctions, theatre engagement and intensity moved. It is the model's White cell.
"""

from __future__ import annotations

import numpy as np

from sim.core import rng
from sim.core.actions import DELIVERED, ENGAGEMENT_TARGET, Dyadic
from sim.dynamics.drivers._common import clear_diagonal, zero_diagonal
from sim.dynamics.drivers.sanctions_pressure import bite
from sim.dynamics.episodes import TREATY
from sim.dynamics.kernels import update_stocks
from sim.dynamics.kernels.lazy import lazy_vectorize
from sim.dynamics.obligations import ACTION_MASKS


def delivered(dyadic: np.ndarray) -> np.ndarray:
    """What i delivered to j this month, on the `DELIVERED` scale (R, N, N)."""
    return zero_diagonal(DELIVERED[dyadic])


def total_sanctions(state, world) -> np.ndarray:
    """Scheduled regimes plus sanctions imposed by action, capped at 1 (R, N, N). The NumPy
    reference of `sanctions_in_force`'s compiled pass (tests/test_month_kernels.py)."""
    primary, _ = world.sanctions_at(state.step)
    return np.minimum(1.0, primary[None] + state.sanctions_own)


def sanctions_in_force(state, world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total (R, N, N), secondary (N, N), bite (R, N)): the sanctions of the state's month
    and how hard they press on each target; what actors perceive and drivers read."""
    from sim.dynamics.kernels import sanctions_block

    primary, secondary = world.sanctions_at(state.step)
    sanctions = np.empty_like(state.sanctions_own)
    load = np.empty(sanctions.shape[:2])
    # total_sanctions and sanctions_bite's load in one compiled pass (the same arithmetic)
    sanctions_block(np.ascontiguousarray(primary, dtype=np.float64), state.sanctions_own,
                    np.ascontiguousarray(secondary, dtype=np.float64), world.roster.power,
                    sanctions, load)
    return sanctions, secondary, bite(load)


def adjudication_arguments(state, world, dyadic: np.ndarray, theatre: np.ndarray,
                           moved: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                           verdicts: np.ndarray, noise: np.ndarray) -> tuple:
    """What the compiled adjudication reads and writes, in the order of
    `sim.dynamics.kernels.month.adjudicate_replicate`: the stocks and their rules
    (`apply_actions`; ``moved`` receives the new interdependence, own sanctions,
    engagement and intensity), the treaty crises (`sim.dynamics.obligations.judge_crises`;
    ``verdicts`` receives the verdicts, whose impulses go into the state's pending
    episodes) and the month's noise keys (``noise`` receives the draws)."""
    p, ct = world.p, world.treaties
    return (dyadic, theatre, state.interdependence, state.interdependence_base,
            state.sanctions_own, state.engagement, state.intensity, state.intensity_base,
            np.ascontiguousarray(state.stake), world.roster.power, ENGAGEMENT_TARGET,
            *_stock_rates(world), *moved, *ct.pair_arrays(), ct.in_force(state.step),
            ct.parties, state.war, float(p.treaty_reliability), int(Dyadic.SANCTION),
            *ACTION_MASKS, state.crisis_months, state.crisis_kept, verdicts, state.pending,
            TREATY, float(p.impulse_treaty_verdict),
            state.keys(rng.Stream.NOISE), noise)


def _stock_rates(world) -> tuple[float, ...]:
    """The stocks' rules' rates, in the compiled kernel's order (made once per world)."""
    p = world.p
    return world.derived("stock_rates", lambda: (
        float(p.interdependence_reversion), float(p.interdependence_step),
        float(p.sanctions_endogenous_decay), float(p.sanctions_endogenous_step),
        float(p.engagement_rate), float(p.theatre_reversion), float(p.theatre_escalation)))


def apply_actions(state, world, dyadic: np.ndarray, theatre: np.ndarray) -> None:
    """Update the state's stocks from this month's actions: the NumPy-driven reference of
    the month's compiled adjudication (`adjudication_arguments`), which calls the same
    per-replicate kernel."""
    ro = world.roster

    new_inter = np.empty_like(state.interdependence)
    new_own = np.empty_like(state.sanctions_own)
    new_engagement = np.empty_like(state.engagement)
    new_intensity = np.empty_like(state.intensity)
    # Interdependence relaxes to its structural level, rises with warm moves (deepen, arms)
    # from either side and falls with cold ones (distance, sanction); own sanctions decay
    # and are renewed by sanctioning; engagement moves towards the action's target
    # (intervening raises it above the stake); intensity relaxes to its base, rises with
    # power-weighted interventions and falls with mediation, saturating as (1 - I):
    # without that, routine interventions pinned four theatres at 1 within a year.
    update_stocks(dyadic, theatre, state.interdependence, state.interdependence_base,
                  state.sanctions_own, state.engagement, state.intensity,
                  state.intensity_base, np.ascontiguousarray(state.stake), ro.power,
                  ENGAGEMENT_TARGET, *_stock_rates(world), new_inter, new_own,
                  new_engagement, new_intensity)
    state.interdependence = new_inter
    state.sanctions_own = new_own
    state.engagement = new_engagement
    state.intensity = new_intensity


@lazy_vectorize(["float64(float64, float64, float64)"], cache=True)
def _learn(d, evidence, eta):
    """One month of learning from evidence, kept in [0, 1]; one compiled pass."""
    d = d + eta * (max(0.0, -evidence) * (1.0 - d) - 0.25 * max(0.0, evidence) * d)
    return min(max(d, 0.0), 1.0)


def learn_distrust(state, world, given: np.ndarray, signal: np.ndarray) -> None:
    """Distrust grows on bad evidence and fades, four times slower, on good evidence.

    Evidence about j in i's eyes: what j delivered to i plus i's verdict on j's treaty
    conduct. The 4:1 asymmetry is an assumption after Slovic (1993). The month learns it in
    `sim.dynamics.kernels.month.finish_replicate`; this is the NumPy reference it is tested
    against.
    """
    evidence = np.swapaxes(given, 1, 2) + signal
    state.distrust = clear_diagonal(_learn(state.distrust, evidence, world.p.distrust_learning,
                                           out=np.empty_like(state.distrust)))
