"""The standing residual: the documented starting relations as an equilibrium of the drivers.

See `sim.dynamics.drivers.standing` and decision record 0008 for why. The residual of dyad (i, j)
is the latent level of its documented starting alignment minus the target the other
drivers give it at the start of the family's root scenario, everyone maintaining and no
event yet: so with nothing changed, nothing moves but noise and the model's own moves.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core.actions import DELIVERED, Dyadic
from sim.dynamics.adjudication import sanctions_in_force
from sim.dynamics.driver_block import driver_contributions as contributions
from sim.dynamics.drivers import DRIVERS
from sim.dynamics.state import initial_state, latent_of


def drivers_target(state, world, delivered: np.ndarray | None = None) -> np.ndarray:
    """(R, N, N) the drivers' target (sum of contributions) in ``state``; ``delivered`` as
    in `driver_contributions`."""
    parts = driver_contributions(state, world, delivered)
    total = parts[0].copy()
    for k in range(1, parts.shape[0]):
        total = total + parts[k]
    return total


def driver_contributions(state, world, delivered: np.ndarray | None = None) -> np.ndarray:
    """(D, R, N, N) each driver's contribution in ``state``, with ``delivered`` [i, j] what
    i delivers to j this month (default: nothing, everyone maintaining); zero on the
    diagonal."""
    from sim.dynamics.engine import driver_inputs

    r, n = state.replicates, world.n
    if delivered is None:
        delivered = np.zeros((r, n, n))
    sanctions, _, bite = sanctions_in_force(state, world)
    inputs = driver_inputs(world, state.step, np.broadcast_to(delivered, (r, n, n)),
                           sanctions, bite)
    return contributions(state, world, inputs)


def habitual_moves(state, world) -> tuple[np.ndarray, np.ndarray]:
    """The model's habits at the start, per dyad: how often each move is the policy in
    force, and how often a month changes course into it, each (N, N, A).

    Monthly choices are a Markov chain over the last move (a change of course costs
    ``switch_cost``): with utilities u at the start, T[l, a] = logit(lam (u - switch [a != l]))
    and the habits are its stationary distribution pi and the flows pi_l T[l, a], l != a.
    The departures from maintain are scaled to at most ``max_moves`` per actor on average.
    """
    from sim.dynamics.decisions import dyadic_utilities, perceive

    per, _, _ = perceive(state, world)
    n = world.n
    n_act = len(DELIVERED)
    base = np.empty((n_act, n, n, n_act))  # by last move l
    for last in range(n_act):
        per.last = np.full_like(per.last, last)
        base[last] = dyadic_utilities(per, world, np.arange(n))[0]
    lam = world.roster.rationality[None, :, None, None]
    with np.errstate(invalid="ignore"):
        z = np.where(np.isfinite(base), lam * base, -np.inf)
        z = z - z.max(axis=-1, keepdims=True)
        w = np.exp(z)
    trans = np.moveaxis(w / w.sum(axis=-1, keepdims=True), 0, 2)  # (N, N, L, A)
    pi = np.full((n, n, n_act), 1.0 / n_act)
    for _ in range(200):  # power iteration; the chains are small and mix fast
        pi = np.einsum("ijl,ijla->ija", pi, trans)
    flows = pi[..., None] * trans  # (N, N, L, A)
    change = flows.sum(axis=2) - np.einsum("ijaa->ija", flows)
    departures = 1.0 - pi[:, :, Dyadic.MAINTAIN]
    departures[np.arange(n), np.arange(n)] = 0.0
    scale = np.minimum(1.0, world.p.max_moves / np.maximum(departures.sum(axis=1), 1e-12))
    pi = pi * scale[:, None, None]
    pi[:, :, Dyadic.MAINTAIN] = 1.0 - (pi.sum(axis=-1) - pi[:, :, Dyadic.MAINTAIN])
    change = change * scale[:, None, None]
    pi[np.arange(n), np.arange(n)] = 0.0
    pi[np.arange(n), np.arange(n), Dyadic.MAINTAIN] = 1.0
    change[np.arange(n), np.arange(n)] = 0.0
    return pi, change


def expected_move_offsets(pi: np.ndarray, change: np.ndarray, world) -> np.ndarray:
    """(N, N) the latent offset the model's habitual moves keep up: the rate of changes into
    each move at its full impulse plus the months it is carried on at ``repeat_share`` of
    it, accumulated over its class's half-life (a geometric sum)."""
    from sim.dynamics.episodes import MOVE_CLASS, decay_factors, move_impulse_table

    n = world.n
    table, decay = move_impulse_table(world.p), decay_factors(world.p)
    out = np.zeros((n, n))
    rate = change + world.p.repeat_share * np.maximum(pi - change, 0.0)
    for act in range(table.shape[0]):
        hold = 1.0 / (1.0 - decay[MOVE_CLASS[act]])
        out += rate[:, :, act] * table[act, 0] * hold
        out += rate[:, :, act].T * table[act, 1] * hold
    out[np.arange(n), np.arange(n)] = 0.0
    return out


def habitual_delivery(state, world) -> np.ndarray:
    """(N, N) what i delivers to j in an average month at the start."""
    return _delivery(habitual_moves(state, world)[0])


def _delivery(prob: np.ndarray) -> np.ndarray:
    out = prob @ DELIVERED
    n = out.shape[0]
    out[np.arange(n), np.arange(n)] = 0.0
    return out


def start_split(world) -> tuple[np.ndarray, np.ndarray]:
    """The standing residual (N, N) and each driver's contribution at the start (D, N, N),
    the standing driver's included: what each cause gives the documented relations.

    The residual is the latent starting level minus the other drivers' target at the
    start, with the model's habitual deliveries, and minus what its habitual moves keep up
    as episodes. One pass over the start serves both: the model's habits are the costly
    part, and both need them."""
    zero = dataclasses.replace(world, standing=np.zeros((world.n, world.n)))
    state = initial_state(zero, [0], shares=False)
    pi, change = habitual_moves(state, zero)
    parts = driver_contributions(state, zero, _delivery(pi))[:, 0]  # standing's part is 0
    target = parts[0].copy()
    for k in range(1, parts.shape[0]):
        target = target + parts[k]
    # the memory follows the realised level, episodes included, so at rest z settles at
    # D + w E / (1 - w) and the relation at D + E / (1 - w): the offsets count that much
    offsets = expected_move_offsets(pi, change, zero) / (1.0 - world.p.memory_weight)
    residual = latent_of(world.initial_alignment) - target - offsets
    parts[[d.name for d in DRIVERS].index("standing")] = world.p.standing_weight * residual
    return residual, parts


def with_standing(world, root=None):
    """``world`` with its residual fixed on ``root`` (or on itself), restricted to the
    actors both share (an actor only the scenario has gets none), and with its runs' start
    split by cause among the drivers (`sim.dynamics.state.starting_shares`): the family root's
    split, so that a scenario that changes a driver's input from the start shows that
    driver moving the relation away from the documented start."""
    source = root if root is not None else world
    residual, parts = start_split(source)
    if root is None or root.roster.ids == world.roster.ids:
        if root is not None:
            root = dataclasses.replace(root, standing=residual)
        return dataclasses.replace(world, standing=residual, standing_world=root,
                                   start_contributions=parts)
    # another roster: the residual on the actors both share, the split of the world itself
    root = dataclasses.replace(root, standing=residual)
    out = np.zeros((world.n, world.n))
    pos = {a: k for k, a in enumerate(root.roster.ids)}
    idx = [pos.get(a, -1) for a in world.roster.ids]
    for i, a in enumerate(idx):
        for j, b in enumerate(idx):
            if a >= 0 and b >= 0:
                out[i, j] = residual[a, b]
    own = dataclasses.replace(world, standing=out, standing_world=root)
    start = initial_state(own, [0], shares=False)
    own_parts = driver_contributions(start, own, habitual_delivery(start, own))[:, 0]
    return dataclasses.replace(own, start_contributions=own_parts)
