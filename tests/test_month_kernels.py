"""The compiled month equals the reference formulas, term by term.

The driver modules' NumPy ``force`` functions are the documented formulas; the compiled
drivers (`sim.dynamics.kernels.month_drivers`) must give the same contribution for every
driver, on real mid-run states (a war under a mutual-defence clause, so that every driver
has something to do) and on states pushed off them at random. Elementwise arithmetic is in
the same order as the reference; sums over third parties are in index order where the
reference's BLAS uses its own, so the tolerance is a few units in the last place.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.dynamics.adjudication import delivered, sanctions_in_force
from sim.dynamics.driver_block import driver_contributions
from sim.dynamics.drivers import DRIVERS, StepInputs
from sim.dynamics.engine import advance, driver_inputs, structural_view
from sim.dynamics.state import initial_state
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario

#: Relative and absolute tolerance of the comparison: a few units in the last place of
#: contributions of order one (third-party sums of N terms, summed in another order).
RTOL, ATOL = 1e-12, 1e-13


def _mid_run(name: str, months: int, seeds=(1, 2, 3, 4)):
    world = build_world(load_scenario(name))
    state = initial_state(world, np.array(seeds, dtype=np.uint64))
    for _ in range(months):
        advance(state, world, keep_terms=False)
    return world, state


def _inputs(state, world, moves: np.ndarray) -> StepInputs:
    sanctions, _, bite = sanctions_in_force(state, world)
    return driver_inputs(world, state.step, delivered(moves), sanctions, bite)


def _reference(view, world, inputs) -> np.ndarray:
    n = world.n
    out = np.stack([np.broadcast_to(d.force(view, world, inputs), view.alignment.shape)
                    for d in DRIVERS]).copy()
    out[:, :, np.arange(n), np.arange(n)] = 0.0
    return out


def _shaken(state, g: np.random.Generator):
    """The state with its relations and stocks moved at random within their ranges, so that
    every branch (hostility, warm and cold ties, sanctions below and above the imposer
    threshold) is visited."""
    s = state.copy()
    shape = s.alignment.shape
    s.perceived = np.clip(s.perceived + g.normal(0, 0.4, shape), -0.99, 0.99)
    s.alignment = s.perceived.copy()
    s.interdependence = np.clip(s.interdependence + g.uniform(-0.2, 0.3, shape), 0, 1)
    s.distrust = g.uniform(0, 1, shape)
    s.sanctions_own = np.where(g.uniform(size=shape) < 0.2, g.uniform(0, 0.3, shape), 0.0)
    s.war = np.where(g.uniform(size=shape) < 0.05, 3.0, 0.0)
    s.balance = g.uniform(0, 1, s.balance.shape)
    s.intensity = g.uniform(0, 1, s.intensity.shape)
    return s


@pytest.mark.parametrize("name, months", [("israel_iran_war_mutual_defence", 14),
                                          ("baseline", 30), ("history", 300)])
def test_compiled_drivers_equal_the_reference_forces(name, months):
    world, state = _mid_run(name, months)
    g = np.random.default_rng(17)
    moves = g.integers(0, 7, state.alignment.shape).astype(np.int8)
    for s in (state, _shaken(state, g), _shaken(state, g)):
        view = structural_view(s)
        inputs = _inputs(s, world, moves)
        want = _reference(view, world, inputs)
        got = driver_contributions(view, world, inputs)
        for k, d in enumerate(DRIVERS):
            np.testing.assert_allclose(got[k], want[k], rtol=RTOL, atol=ATOL,
                                       err_msg=f"driver {d.name} in {name}")


def test_a_guarantee_is_exercised():
    """The war-under-a-clause case reaches the guarantee branches (deterrence shield, the
    guarantor of an enemy), so the comparison above covers them."""
    world, state = _mid_run("israel_iran_war_mutual_defence", 14)
    assert _inputs(state, world, np.zeros_like(state.last_dyadic)).guarantee.any()


def test_a_driver_the_kernel_does_not_know_is_computed_by_its_force(monkeypatch):
    """A modeller's new driver module has a force and no compiled code: it is computed by
    its force, in its place, and the built-in drivers are unchanged."""
    from sim.dynamics import driver_block, drivers
    from sim.dynamics.drivers._common import Driver

    world, state = _mid_run("baseline", 6)
    view = structural_view(state)
    inputs = _inputs(state, world, np.zeros_like(state.last_dyadic))
    before = driver_contributions(view, world, inputs)
    extra = Driver("custom", "a modeller's driver", "test", lambda s, w, x: 0.5 * s.alignment,
                   order=99)
    monkeypatch.setattr(driver_block, "DRIVERS", (*drivers.DRIVERS, extra))
    driver_block.driver_layout.cache_clear()
    try:
        after = driver_contributions(view, world, inputs)
    finally:
        monkeypatch.undo()
        driver_block.driver_layout.cache_clear()
    n = world.n
    custom = 0.5 * view.alignment
    custom[:, np.arange(n), np.arange(n)] = 0.0
    np.testing.assert_array_equal(after[:-1], before)
    np.testing.assert_array_equal(after[-1], custom)


def test_a_replicate_does_not_depend_on_its_batch():
    world, state = _mid_run("israel_iran_war_mutual_defence", 14, seeds=tuple(range(1, 9)))
    inputs = _inputs(state, world, np.zeros_like(state.last_dyadic))
    whole = driver_contributions(structural_view(state), world, inputs)
    one = state.take([5])
    alone = driver_contributions(structural_view(one), world,
                                 dataclasses.replace(inputs, delivered=inputs.delivered[[5]],
                                                     sanctions=inputs.sanctions[[5]],
                                                     sanctions_bite=inputs.sanctions_bite[[5]]))
    np.testing.assert_array_equal(alone[:, 0], whole[:, 5])


def _reference_logit(util: np.ndarray, lam: float, draw: float) -> int:
    """The documented logit draw of one cell, action by action (docs/ODD.md §7.4)."""
    feasible = util > -np.inf
    top = max(lam * u for u in util[feasible])
    w = np.where(feasible, np.exp(np.where(feasible, lam * util - top, 0.0)), 0.0)
    total = 0.0
    for x in w:
        total += x
    acc, choice = 0.0, 0
    for x in w[:-1]:
        acc += x
        choice += acc <= draw * total
    return int(choice) if w[choice] > 0.0 else int(np.argmax(util))


def _reference_cap(choice: np.ndarray, util: np.ndarray, limit: int, fixed: np.ndarray
                   ) -> np.ndarray:
    """At most ``limit`` departures from maintain, the smallest gains dropped first (ties:
    the higher partner index)."""
    choice = choice.copy()
    while True:
        moving = [j for j in range(len(choice)) if choice[j] != 2 and not fixed[j]]
        if len(moving) <= limit:
            return choice
        gains = [(util[j, choice[j]] - util[j, 2], -j) for j in moving]
        worst = moving[gains.index(min(gains))]
        choice[worst] = 2


def _reference_choose(per, state, world, rows, decided=None):
    from sim.core import rng
    from sim.dynamics.decisions import dyadic_utilities, move_budget, theatre_utilities

    ro = world.roster
    u_d = dyadic_utilities(per, world, rows)
    u_t = theatre_utilities(per, state, world, rows)
    draws_d = rng.uniform(state.seeds, state.step, rng.Stream.DYADIC_CHOICE, (ro.n, ro.n))
    draws_t = rng.uniform(state.seeds, state.step, rng.Stream.THEATRE_CHOICE,
                          (ro.n, len(ro.theatre_ids)))
    fixed, budget = move_budget(world, decided)
    dyadic = np.empty(u_d.shape[:-1], dtype=np.int8)
    theatre = np.empty(u_t.shape[:-1], dtype=np.int8)
    for r in range(u_d.shape[0]):
        for k, i in enumerate(rows):
            lam = ro.rationality[i]
            picks = np.array([_reference_logit(u_d[r, k, j], lam, draws_d[r, i, j])
                              for j in range(ro.n)])
            dyadic[r, k] = _reference_cap(picks, u_d[r, k], budget[i], fixed[i])
            for t in range(u_t.shape[2]):
                theatre[r, k, t] = _reference_logit(u_t[r, k, t], lam, draws_t[r, i, t])
    return dyadic, theatre


@pytest.mark.parametrize("name, months", [("israel_iran_war_mutual_defence", 14),
                                          ("baseline", 30)])
def test_the_compiled_choice_is_the_documented_logit(name, months):
    """The month's decisions (utilities, exponents, NumPy's exp, keyed draws, picks side by
    side, the cap on moves) equal the documented logit computed cell by cell with the
    stream's array of draws: for all actors, for one actor alone (a Mesa agent), and with a
    player's moves taking part of the budget."""
    from sim.dynamics.decisions import choose
    from sim.dynamics.engine import open_month

    world, state = _mid_run(name, months)
    per = open_month(state, world).perception
    n = world.n
    decided = {(1, 2): 0, (1, 5): 2}
    for rows, moves in ((np.arange(n), None), (np.array([3]), None),
                        (np.array([1, 4]), decided)):
        got = choose(per, state, world, rows, moves)
        want = _reference_choose(per, state, world, rows, moves)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_the_perceived_cross_pressure_is_the_reference_formula():
    """Actors perceive the cross-pressure driver's input, computed by the compiled drivers'
    code: equal to the reference formula on a real and a shaken state."""
    from sim.dynamics.decisions import perceive
    from sim.dynamics.drivers.cross_pressure import cross_pressure_matrix

    world, state = _mid_run("baseline", 30)
    for s in (state, _shaken(state, np.random.default_rng(3))):
        np.testing.assert_allclose(perceive(s, world)[0].cross, cross_pressure_matrix(s),
                                   rtol=RTOL, atol=ATOL)


def test_compiled_keys_are_the_numpy_mixing_chain():
    from sim.core import rng

    seeds = np.array([0, 1, 7, 2**40 + 3, 2**63 - 1, 2**64 - 1], dtype=np.uint64)
    for step in (0, 1, 119, 10**6):
        for stream in rng.Stream:
            np.testing.assert_array_equal(rng.keys(seeds, step, stream),
                                          rng._keys_numpy(seeds, step, stream))


def _reference_move_impulses(dyadic, last, repeat_share, table, move_class, pending):
    """docs/ODD.md §7.13: a move's impulses in full when it changes course, at
    ``repeat_share`` when it carries a policy on; the mover's view and the partner's."""
    r_n, n, _ = dyadic.shape
    for r in range(r_n):
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                act = dyadic[r, i, j]
                scale = 1.0 if act != last[r, i, j] else repeat_share
                own, other = table[act, 0] * scale, table[act, 1] * scale
                if own or other:
                    pending[r, move_class[act], i, j] += own
                    pending[r, move_class[act], j, i] += other


def _reference_war_impulses(war, dyadic, asks, p, pending):
    from sim.dynamics.episodes import ARMS_CLASS, VIOLENCE
    from sim.dynamics.kernels.codes import ARMS

    r_n, n, _ = war.shape
    for r in range(r_n):
        for t in range(n):
            attackers = [a for a in range(n) if war[r, a, t] > 0.0]
            for a in attackers:
                pending[r, VIOLENCE, t, a] += p.impulse_strike_target
                pending[r, VIOLENCE, a, t] += p.impulse_strike_attacker
            if attackers:
                for j in range(n):
                    if j != t and asks[t, j] > 0.0 and dyadic[r, j, t] != ARMS:
                        pending[r, ARMS_CLASS, t, j] += p.impulse_arms_withheld * asks[t, j]


def _reference_resolution(state, world, opening, dyadic, theatre):
    """The month's resolution composed from the reference formulas: the drivers' NumPy
    forces, the documented impulses, the settlement (checked against its formulas in
    tests/test_kernels.py) and distrust learning by its NumPy rule."""
    from sim.core import rng
    from sim.dynamics.adjudication import apply_actions, learn_distrust
    from sim.dynamics.drivers import TERMS
    from sim.dynamics.episodes import MOVE_CLASS, TREATY, decay_factors, move_impulse_table
    from sim.dynamics.kernels import settle_month
    from sim.dynamics.obligations import judge_crises

    p = world.p
    apply_actions(state, world, dyadic, theatre)
    verdicts = judge_crises(world.treaties, state, dyadic, state.step,
                            float(p.treaty_reliability))
    given = delivered(dyadic)
    inputs = driver_inputs(world, state.step, given, opening.sanctions,
                           opening.sanctions_bite)
    contributions = _reference(structural_view(state), world, inputs)
    _reference_move_impulses(dyadic, state.last_dyadic, float(p.repeat_share),
                             move_impulse_table(p), MOVE_CLASS, state.pending)
    _reference_war_impulses(state.war, dyadic, world.roster.asks, p, state.pending)
    state.pending[:, TREATY] += p.impulse_treaty_verdict * verdicts
    noise = rng.normal(state.seeds, state.step, rng.Stream.NOISE, (world.n, world.n))
    a = state.alignment
    terms = np.empty((a.shape[0], len(TERMS), world.n, world.n))
    new_a, trend, target, seen, total = (np.empty_like(a) for _ in range(5))
    settle_month(contributions, state.shares, state.latent, state.memory, state.episodes,
                 state.pending, a, noise, world.kappa, float(p.memory_weight),
                 world.memory_rate, decay_factors(p), float(p.noise_sd), True, terms, new_a,
                 trend, target, seen, total)
    learn_distrust(state, world, given, verdicts)
    state.war = np.maximum(0.0, state.war - 1.0)
    state.alignment, state.perceived, state.target, state.trend = new_a, seen, target, trend
    state.episode_total = total
    return terms


@pytest.mark.parametrize("name, months", [("israel_iran_war_mutual_defence", 13),
                                          ("baseline", 30), ("history", 290)])
def test_the_compiled_resolution_equals_the_reference_term_by_term(name, months):
    """One month resolved by the compiled pass (`resolve_block`, which ends with
    `finish_replicate`) and by the reference formulas composed step by step: every state
    variable the month moves and every named term of its explanation agree, over several
    months of a war under a defence clause, of the baseline and of the history."""
    from sim.dynamics.decisions import choose
    from sim.dynamics.engine import open_month, resolve_month

    world, state = _mid_run(name, months)
    for _ in range(3):
        opening = open_month(state, world)
        dyadic, theatre = choose(opening.perception, state, world, np.arange(world.n))
        reference = state.copy()
        want_terms = _reference_resolution(reference, world, opening, dyadic, theatre)
        got = resolve_month(state, world, opening, dyadic, theatre, keep_terms=True)
        np.testing.assert_allclose(got.terms, want_terms, rtol=1e-9, atol=1e-12)
        for field in ("alignment", "latent", "memory", "episodes", "shares", "distrust",
                      "war", "perceived", "target", "trend", "interdependence",
                      "sanctions_own", "crisis_months", "crisis_kept"):
            np.testing.assert_allclose(getattr(state, field), getattr(reference, field),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{name}: {field}")


@pytest.mark.parametrize("name, months", [("israel_iran_war_mutual_defence", 13),
                                          ("sanctions_tightened", 20)])
def test_the_compiled_opening_equals_the_reference_formulas(name, months):
    """The sanctions in force and what actors perceive, compiled, equal their NumPy
    formulas to the last bit (the same elementwise arithmetic in the same order)."""
    from sim.dynamics.adjudication import sanctions_in_force, total_sanctions
    from sim.dynamics.decisions import perceive
    from sim.dynamics.drivers._common import ordered_sum
    from sim.dynamics.drivers.sanctions_pressure import sanctions_bite

    world, state = _mid_run(name, months)
    for s in (state, _shaken(state, np.random.default_rng(8))):
        total, secondary, bite = sanctions_in_force(s, world)
        np.testing.assert_array_equal(total, total_sanctions(s, world))
        np.testing.assert_array_equal(bite, sanctions_bite(total, secondary[None],
                                                           world.roster.power))
        per, seen_total, seen_bite = perceive(s, world)
        np.testing.assert_array_equal(seen_total, total)
        np.testing.assert_array_equal(seen_bite, bite)
        seen = s.perceived
        value = np.clip(seen + world.p.trend_weight * (seen - s.previous_seen), -1.0, 1.0)
        attacked = (ordered_sum(s.war, axis=1) > 0).astype(np.float64)
        np.testing.assert_array_equal(per.value, value)
        np.testing.assert_array_equal(per.gap, np.tanh(s.target + s.episode_total) - seen)
        np.testing.assert_array_equal(per.pressure, np.clip(bite + attacked, 0.0, 1.0))
        np.testing.assert_array_equal(
            per.salience, np.swapaxes(s.stake * s.intensity[:, :, None], 1, 2))


@pytest.mark.parametrize("name", ["israel_iran_war_mutual_defence", "baseline",
                                  "israel_iran_war"])
def test_compiled_crisis_judging_equals_the_reference(name):
    """Crises counted and judged by the compiled kernel equal the NumPy rule month after
    month, verdicts and counters alike, through wars that start and end."""
    from sim.dynamics.decisions import choose
    from sim.dynamics.engine import open_month, resolve_month
    from sim.dynamics.obligations import judge_crises, judge_crises_reference

    world, state = _mid_run(name, 0, seeds=tuple(range(1, 13)))
    assert world.treaties.clause_pairs
    counted = judged = 0
    for _ in range(30):
        opening = open_month(state, world)
        dyadic, theatre = choose(opening.perception, state, world, np.arange(world.n))
        ref = state.copy()
        want = judge_crises_reference(world.treaties, ref, dyadic, state.step, 0.75)
        probe = state.copy()
        got = judge_crises(world.treaties, probe, dyadic, state.step, 0.75)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(probe.crisis_months, ref.crisis_months)
        np.testing.assert_array_equal(probe.crisis_kept, ref.crisis_kept)
        counted += int(ref.crisis_months.sum() > state.crisis_months.sum())
        judged += int(np.count_nonzero(want))
        resolve_month(state, world, opening, dyadic, theatre, keep_terms=False)
    if name != "baseline":  # the wars make crises: the comparison covered counting and verdicts
        assert counted > 0 and judged > 0


@pytest.mark.parametrize("name", ["israel_iran_war_mutual_defence", "baseline",
                                  "israel_iran_war"])
def test_compiled_obligations_equal_the_reference(name):
    """What triggered clauses add to the bound actors' utilities, compiled, equals the NumPy
    rule to the last bit month after month, and both say "nothing binds" in the same
    months, through wars that start and end."""
    from sim.dynamics.obligations import obligation_utilities, obligation_utilities_reference

    world, state = _mid_run(name, 0, seeds=tuple(range(1, 13)))
    bound = 0
    for _ in range(36):
        got = obligation_utilities(world.treaties, state.war, state.step)
        want = obligation_utilities_reference(world.treaties, state.war, state.step)
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_array_equal(got.slot, want.slot)
            np.testing.assert_array_equal(got.adj, want.adj)
            assert not np.signbit(got.adj[got.adj == 0.0]).any()
            bound += int(np.count_nonzero(want.adj) > 0)
        advance(state, world, keep_terms=False)
    if name != "baseline":  # the wars trigger clauses: the comparison covered them
        assert bound > 0


@pytest.mark.parametrize("keep_terms", [False, True])
def test_every_share_stays_zero_towards_oneself(keep_terms):
    """The settlement writes the diagonal of the drivers' and the memory's shares only when
    terms are kept (they move only then); with or without terms, through months of war and
    White's adjustments, every share of a relation towards oneself stays exactly +0.0."""
    from sim.dynamics.state import set_alignment

    world = build_world(load_scenario("israel_iran_war_mutual_defence"))
    state = initial_state(world, np.arange(1, 5, dtype=np.uint64))
    n = world.n
    for month in range(18):
        if month == 6:
            set_alignment(state, [0, 2], 1, 3, 0.4)
        advance(state, world, keep_terms=keep_terms)
        diagonal = state.shares[:, :, np.arange(n), np.arange(n)]
        assert (diagonal == 0.0).all() and not np.signbit(diagonal).any(), month
