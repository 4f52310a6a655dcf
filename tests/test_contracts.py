"""Contract tests over every registered driver and every event type, in the spirit of the
Axelrod library's per-strategy tests: whatever a modeller adds must keep these promises.

A driver: the state's shape, finite values, a zero diagonal, no force when its declared
rates are zero, a replicate's force independent of the batch around it, its rates in the
parameter registry, a section in docs/ODD.md and a row in the README.

An event type: used by a shipped scenario (so it is exercised), applying it keeps the
state's shapes, alignment's unit diagonal and finite values, a replicate's result does not
depend on its batch, its numeric fields are registry addresses, and it is named in the
README and docs/ODD.md.
"""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest

from sim.core.settings import REPO_ROOT
from sim.dynamics.adjudication import delivered, sanctions_in_force
from sim.dynamics.drivers import DRIVERS
from sim.dynamics.engine import FREE, driver_inputs, open_month, structural_view
from sim.dynamics.state import initial_state
from sim.inputs import registry
from sim.inputs.compile import build_world, set_values
from sim.inputs.events import Event
from sim.inputs.scenario import load_scenario

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ODD = (REPO_ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
SEEDS = np.array([1, 2, 3], dtype=np.uint64)


def _event_types() -> dict[str, type]:
    union = typing.get_args(typing.get_args(Event)[0])
    return {cls.model_fields["type"].annotation.__args__[0]: cls for cls in union}


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario("israel_iran_war_mutual_defence"))


def _state_after(world, months: int, seeds=SEEDS):
    from sim.dynamics.engine import advance

    state = initial_state(world, seeds)
    for _ in range(months):
        advance(state, world, keep_terms=False)
    return state


def _force(driver, state, world):
    opening = open_month(state, world)
    sanctions, _, bite = sanctions_in_force(state, world)
    zero_moves = np.zeros_like(state.alignment, dtype=np.int8)
    inputs = driver_inputs(world, state.step, delivered(zero_moves), sanctions, bite)
    assert opening is not None
    return np.asarray(driver.force(structural_view(state), world, inputs))


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.name)
def test_every_driver_keeps_the_contract(driver, world):
    state = _state_after(world, 8)  # mid-war: threats, sanctions, strikes all active
    force = np.broadcast_to(_force(driver, state, world), state.alignment.shape)
    n = world.n
    assert force.shape == (len(SEEDS), n, n)
    assert np.isfinite(force).all()
    assert not force[:, np.arange(n), np.arange(n)].any(), "a relation with oneself"
    # a replicate's force does not depend on the others in its batch
    alone = np.broadcast_to(_force(driver, state.take([1]), world), (1, n, n))
    np.testing.assert_array_equal(alone[0], force[1])
    # declared rates: registry addresses, and with all of them zero, no force at all
    assert driver.rates, f"{driver.name} declares no rates"
    zero = set_values(world, {f"dynamics.{r}": 0.0 for r in driver.rates})
    quiet = _force(driver, _state_after(zero, 8), zero)
    assert not np.any(quiet), f"{driver.name} pushes with its rates at zero"
    # documented where a reader looks
    assert f"(`{driver.name}`)" in ODD, f"docs/ODD.md has no section for {driver.name}"
    assert any(line.startswith("| ") and f"`{driver.name}`" in line
               for line in README.splitlines()), \
        f"the README's driver table has no row for {driver.name}"


#: Event types no shipped scenario uses, each with a hand-made case: type -> (scenario,
#: the event as a scenario would write it).
HAND_MADE = {
    "ceasefire": ("israel_iran_war_mutual_defence",
                  {"type": "ceasefire", "id": "truce", "parties": ["ISR", "IRN"],
                   "theatre": "israel_axis"}),
}


def _scenario_events() -> dict[str, tuple[str, object]]:
    """One shipped scenario using each event type (or a hand-made case): type ->
    (scenario, event)."""
    from pydantic import TypeAdapter

    found: dict[str, tuple[str, object]] = {}
    for path in sorted((REPO_ROOT / "scenarios").glob("*.toml")):
        sc = load_scenario(path)
        for ev in list(sc.events) + [h.event for h in sc.hazards]:
            found.setdefault(ev.type, (path.stem, ev))
    for kind, (name, data) in HAND_MADE.items():
        found.setdefault(kind, (name, TypeAdapter(Event).validate_python(data)))
    return found


SCENARIO_EVENTS = _scenario_events()


def test_every_event_type_is_exercised():
    """Each type is used by a shipped scenario, or has a hand-made case here."""
    assert set(SCENARIO_EVENTS) == set(_event_types())


@pytest.mark.parametrize("kind", sorted(_event_types()))
def test_every_event_type_keeps_the_contract(kind):
    name, event = SCENARIO_EVENTS[kind]
    world = build_world(load_scenario(name))
    n, r = world.n, 3
    state = initial_state(world, np.arange(r, dtype=np.uint64))
    shapes = {k: np.shape(v) for k, v in vars(state).items() if isinstance(v, np.ndarray)}
    rows = np.array([True, False, True])
    forced = np.full((r, n, n), FREE, dtype=np.int8)
    event.apply(state, world, rows, forced)
    event.add_impulses(state, world, rows)
    for k, v in vars(state).items():
        if isinstance(v, np.ndarray):
            assert np.shape(v) == shapes[k], f"{kind} changed the shape of {k}"
            if v.dtype.kind == "f":
                assert np.isfinite(v).all(), f"{kind} left non-finite values in {k}"
    assert (state.alignment[:, np.arange(n), np.arange(n)] == 1.0).all()
    # the replicate it did not touch is as before; a touched one does not depend on others
    fresh = initial_state(world, np.arange(r, dtype=np.uint64))
    for k, v in vars(state).items():
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == r:
            np.testing.assert_array_equal(v[1], getattr(fresh, k)[1], err_msg=f"{kind}: {k}")
    alone = initial_state(world, np.array([2], dtype=np.uint64))
    event.apply(alone, world, np.array([True]), np.full((1, n, n), FREE, dtype=np.int8))
    event.add_impulses(alone, world, np.array([True]))
    np.testing.assert_array_equal(alone.pending[0], state.pending[2])
    np.testing.assert_array_equal(alone.alignment[0], state.alignment[2])
    # every numeric field is addressable through the registry
    if event.id is not None and kind not in HAND_MADE:
        scope = registry.Scope.of_world(world)
        for field in registry.event_fields(event):
            registry.spec(f"event.{event.id}.{field}", scope)
    assert f"`{kind}`" in README, f"the README does not name the {kind!r} event"
    assert f"`{kind}`" in ODD, f"docs/ODD.md does not name the {kind!r} event"


def test_the_contract_files_exist():
    assert Path(REPO_ROOT / "docs" / "ODD.md").is_file()
