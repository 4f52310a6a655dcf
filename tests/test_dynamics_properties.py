"""The redesigned dynamics keep their promises (issue 13, decision record 0008).

- A one-off shock decays with its configured half-life, on every class of dyad: an episode
  with its class's half-life, a shift of the latent level with the adjustment half-life.
- A driver of weight 0 changes nothing.
- A lasting change of a driver's input moves the drivers' target by weight x change.
- Noise is neutral: over ten years of the baseline, mean alignment with and without noise
  differs by less than 0.01 on every dyad.

Shocks are measured against a control run on the same seeds with everyone maintaining, so
the difference is the shock's own effect, in the latent units the shock is given in
(arctanh of alignment): in alignment units the slope of tanh, which changes as the control
run drifts, would stretch or shrink the measured half-life by up to a fifth.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from worlds import maintain_all

from sim.dynamics import driver_block, engine
from sim.dynamics import drivers as drivers_pkg
from sim.dynamics.drivers import DRIVERS, Driver
from sim.dynamics.episodes import EPISODE_CLASSES, class_index
from sim.dynamics.equilibrium import drivers_target
from sim.dynamics.state import initial_state, set_alignment
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import ensemble_seeds, run_batched

SHOCK = 0.05
TOLERANCE = 0.15  # the issue's +-15% on a half-life

#: Classes of dyad by their starting alignment (baseline, January 2025).
CLASSES = {"allied": (0.5, 1.0), "friendly": (0.1, 0.5), "neutral": (-0.1, 0.1),
           "cool": (-0.5, -0.1), "hostile": (-1.0, -0.5)}


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario("baseline"))


def _classes(world) -> dict[str, list[tuple[int, int]]]:
    a = world.initial_alignment
    out: dict[str, list[tuple[int, int]]] = {k: [] for k in CLASSES}
    for i in range(world.n):
        for j in range(world.n):
            if i == j:
                continue
            for name, (lo, hi) in CLASSES.items():
                if lo <= a[i, j] < hi or (hi == 1.0 and a[i, j] == 1.0):
                    out[name].append((i, j))
    return out


def _half_life(diff: np.ndarray) -> float:
    """Months until a decaying displacement first falls to half its first value, linearly
    interpolated between months."""
    start = diff[0]
    for t in range(1, len(diff)):
        if abs(diff[t]) <= 0.5 * abs(start):
            before, after = abs(diff[t - 1]), abs(diff[t])
            return t - 1 + (before - 0.5 * abs(start)) / (before - after)
    return float("inf")


def _paired_runs(world, cells, shock, months: int = 30, seed: int = 11):
    """Control and shocked latent histories (months + 1, K) of each cell in ``cells``:
    replicate k of the shocked batch takes ``shock(state, k, i, j)`` on cell k alone after
    the first month (one dyad at a time: shocking several at once lets them answer each
    other through the drivers). Everyone maintains; all replicates share one seed, so the
    control is the same run for every k."""
    k_cells = len(cells)
    out = []
    for apply in (False, True):
        state = initial_state(world, [seed] * k_cells)
        history = []
        for t in range(months + 1):
            engine.advance(state, world, maintain_all(world), keep_terms=False)
            if t == 0 and apply:
                for k, (i, j) in enumerate(cells):
                    shock(state, k, i, j)
            history.append([np.arctanh(state.alignment[k, i, j])
                            for k, (i, j) in enumerate(cells)])
        out.append(np.array(history))
    return out


def _cells(world) -> list[tuple[str, int, int]]:
    return [(name, i, j) for name, group in _classes(world).items() for i, j in group[:3]]


@pytest.mark.parametrize("cls", EPISODE_CLASSES)
def test_an_episode_decays_with_its_class_half_life_on_every_class_of_dyad(world, cls):
    c = class_index(cls)
    named = _cells(world)

    def shock(state, k, i, j):
        state.episodes[k, c, i, j] += SHOCK
        # the month's settlement has run: put the offset into alignment as it would
        state.episode_total[k, i, j] += SHOCK
        state.alignment[k, i, j] = np.tanh(state.latent[k, i, j]
                                           + state.episode_total[k, i, j])

    control, shocked = _paired_runs(world, [(i, j) for _, i, j in named], shock)
    want = world.p[f"episode_half_life_{cls}"]
    for k, (name, i, j) in enumerate(named):
        got = _half_life(shocked[:, k] - control[:, k])
        assert got == pytest.approx(want, rel=TOLERANCE), (cls, name, i, j, got)


def test_a_shift_of_the_latent_level_decays_with_the_adjustment_half_life(world):
    """A hand-set shift (White's adjustment) settles back at the adjustment half-life."""
    named = _cells(world)

    def shock(state, k, i, j):
        value = float(np.tanh(np.arctanh(state.alignment[k, i, j]) + SHOCK))
        set_alignment(state, [k], i, j, value)

    control, shocked = _paired_runs(world, [(i, j) for _, i, j in named], shock)
    want = world.p.adjustment_half_life
    for k, (name, i, j) in enumerate(named):
        got = _half_life(shocked[:, k] - control[:, k])
        assert got == pytest.approx(want, rel=TOLERANCE), (name, i, j, got)


def _with_driver(monkeypatch, driver: Driver):
    """The driver table with ``driver`` added (a modeller's module without compiled code),
    and the baseline world rebuilt with it (its start split among D + 1 drivers)."""
    import sim.dynamics.equilibrium
    import sim.dynamics.state

    table = (*DRIVERS, driver)
    for module in (driver_block, drivers_pkg, engine, sim.dynamics.equilibrium):
        monkeypatch.setattr(module, "DRIVERS", table)
    driver_block.driver_layout.cache_clear()  # the compiled drivers' places among D + 1
    monkeypatch.setattr(sim.dynamics.state, "n_shares", lambda: len(table) + 3)
    monkeypatch.setattr(engine, "TERMS", (*drivers_pkg.TERMS, driver))
    return build_world(load_scenario("baseline"))


def test_a_driver_of_weight_zero_changes_nothing(world, monkeypatch):
    seeds = ensemble_seeds(5, 4)
    before = run_batched(world, seeds, keep_terms=False, months=24).alignment
    idle = Driver("idle", "a driver of weight 0", "test",
                  lambda state, w, x: 0.0 * state.interdependence)
    rebuilt = _with_driver(monkeypatch, idle)
    after = run_batched(rebuilt, seeds, keep_terms=False, months=24).alignment
    monkeypatch.undo()
    driver_block.driver_layout.cache_clear()
    assert np.array_equal(before, after)


def test_a_driver_without_compiled_code_reads_the_stocks_the_month_moved(monkeypatch):
    """The month's adjudication moves the stocks before the drivers read them, for a driver
    computed by its NumPy force as for the compiled ones (`adjudicate_block` runs first
    then): what the force reads is the state's stocks after the month."""
    read = []

    def probe(state, w, inputs):
        read.append((state.interdependence.copy(), state.intensity.copy(),
                     state.sanctions_own.copy()))
        return 0.0 * state.interdependence

    rebuilt = _with_driver(monkeypatch, Driver("probe", "reads the stocks", "test", probe))
    try:
        state = initial_state(rebuilt, ensemble_seeds(9, 3))
        for _ in range(3):
            before = state.interdependence.copy()
            engine.advance(state, rebuilt, keep_terms=False)
            inter, intensity, own = read[-1]
            assert np.array_equal(inter, state.interdependence)
            assert np.array_equal(intensity, state.intensity)
            assert np.array_equal(own, state.sanctions_own)
            assert not np.array_equal(inter, before)  # the month did move them
    finally:
        monkeypatch.undo()
        driver_block.driver_layout.cache_clear()


@pytest.mark.parametrize(("name", "field", "weight"), [
    ("interdependence", "interdependence", "interdependence_weight"),
    ("historical_distrust", "distrust", "distrust_weight"),
])
def test_a_lasting_change_of_input_moves_the_target_by_weight_times_change(world, name,
                                                                           field, weight):
    sign = -1.0 if name == "historical_distrust" else 1.0
    state = initial_state(world, [0])
    i, j = world.roster.index("IRN"), world.roster.index("RUS")
    before = drivers_target(state, world)[0, i, j]
    getattr(state, field)[:, i, j] += 0.2
    after = drivers_target(state, world)[0, i, j]
    assert after - before == pytest.approx(sign * world.p[weight] * 0.2, abs=1e-12)


def test_a_shift_of_the_domestic_balance_moves_the_target_by_weight_times_change(world):
    state = initial_state(world, [0])
    i, j = world.roster.index("IRN"), world.roster.index("USA")
    ro = world.roster
    before = drivers_target(state, world)[0, i, j]
    state.balance[:, i] += 0.1
    after = drivers_target(state, world)[0, i, j]
    want = world.p.domestic_weight * 0.1 * (ro.domestic_hardline[i, j] - ro.domestic_reform[i, j])
    assert after - before == pytest.approx(want, abs=1e-12)


def test_noise_is_neutral_over_ten_years_of_the_baseline(world):
    """Mean alignment over the decade and 96 replicates (common random numbers: the same
    choices' draws) with the documented noise and with none: below 0.01 on every dyad."""
    seeds = ensemble_seeds(20261127, 96)
    noisy = run_batched(world, seeds, keep_terms=False).alignment[1:].mean(axis=(0, 1))
    quiet_world = dataclasses.replace(world, p=type(world.p)({**world.p, "noise_sd": 0.0}))
    quiet = run_batched(quiet_world, seeds, keep_terms=False).alignment[1:].mean(axis=(0, 1))
    gap = np.abs(noisy - quiet)
    worst = np.unravel_index(np.argmax(gap), gap.shape)
    assert gap.max() < 0.01, (world.roster.ids[worst[0]], world.roster.ids[worst[1]],
                              float(gap.max()))
    assert world.p.noise_sd > 0.0
