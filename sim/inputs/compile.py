"""Compiling a scenario into a world, and setting parameter values on a compiled world.

Why a module of its own: compiling reads the scenario language (`sim.inputs.scenario`) and solves
the start's equilibrium (`sim.dynamics.equilibrium`, which runs the engine); the world itself
(`sim.dynamics.world`) is what the engine reads. Keeping the step that needs both here means no
module imports one that imports it back (tests/test_layout.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.calendar import month_index
from sim.dynamics.equilibrium import with_standing
from sim.dynamics.params import (
    default_dynamics_file,
    dynamics_values,
    load_dynamics_file,
)
from sim.dynamics.world import Rates, World
from sim.inputs import registry
from sim.inputs.roster import Roster, compile_roster, load_roster_file
from sim.inputs.sanctions import compile_sanctions
from sim.inputs.scenario import Scenario, load_scenario
from sim.inputs.treaties import compile_treaties


def apply_values(roster: Roster, rates: dict[str, float], alignment: np.ndarray,
                 balance: np.ndarray, values: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Set checked registry values on a world's inputs, in place: the one way a value
    reaches a world, for a scenario's own tables (at compile) and for every other caller
    (`set_values`). Addresses naming an actor the roster lacks are skipped (a family's
    root may lack an actor its child adds). Returns the event values, by event id, for
    the caller to set on its schedule."""
    events: dict[str, dict[str, float]] = {}
    for address, value in values.items():
        parts = address.split(".")
        kind = parts[0]
        if kind == "dynamics":
            rates[parts[1]] = float(value)
        elif kind == "actor" and parts[1] in roster.ids:
            getattr(roster, parts[2])[roster.index(parts[1])] = value
        elif kind == "domestic_balance" and parts[1] in roster.ids:
            balance[roster.index(parts[1])] = value
        elif kind == "dyad" and parts[1] in roster.ids and parts[2] in roster.ids:
            i, j = roster.index(parts[1]), roster.index(parts[2])
            if parts[3] == "alignment":
                alignment[i, j] = value
            else:
                getattr(roster, parts[3])[i, j] = value
        elif kind == "event":
            events.setdefault(parts[1], {})[".".join(parts[2:])] = float(value)
    return events


def _apply_stakes(roster: Roster, scenario: Scenario) -> None:
    """A scenario's theatre stakes: a stake and a position together, not a registry value."""
    for st in scenario.theatre_stakes:
        if st.actor in roster.ids:
            k, i = roster.theatre_index(st.theatre), roster.index(st.actor)
            roster.stake[k, i] = st.stake.value
            roster.position[k, i] = st.position.value


def build_world(scenario: Scenario, base: Path | None = None,
                dynamics: dict[str, float] | None = None) -> World:
    """Compile a validated scenario; ``dynamics`` overrides rates (for sweeps).

    Rates come from the scenario's ``dynamics_file`` (else the built-in table), then its
    own ``dynamics`` table, then ``dynamics``: the most specific setting wins. The standing
    residual is fixed on the scenario named by ``standing_from`` (the root of its extends
    chain), compiled with the same rates."""
    world = _compile(scenario, base, dynamics)
    root = None
    standing = scenario.standing_path(base)
    if standing is not None:
        root_sc = load_scenario(standing, frozenset({standing.resolve()}))
        if root_sc.model_dump() != scenario.model_dump():
            root = _compile(root_sc, base, None)
            root = dataclasses.replace(root, p=world.p)
    return with_standing(world, root)


def _compile(scenario: Scenario, base: Path | None,
             dynamics: dict[str, float] | None) -> World:
    spec = load_roster_file(scenario.roster_path(base))
    if scenario.add_actors:
        spec = spec.model_copy(update={"actors": [*spec.actors, *scenario.add_actors]})
    roster = compile_roster(spec, drop=tuple(scenario.drop_actors))
    dyn_path = scenario.dynamics_path(base)
    table = load_dynamics_file(dyn_path) if dyn_path is not None else default_dynamics_file()
    rates = dynamics_values(table)
    own = {tv.address: tv.value for tv in registry.scenario_values(scenario, roster.ids)}
    extra = registry.check({f"dynamics.{k}": v for k, v in (dynamics or {}).items()},
                           registry.Scope(roster.ids), "dynamics overrides")
    apply_values(roster, rates, roster.alignment, roster.domestic_balance, {**own, **extra})
    _apply_stakes(roster, scenario)
    rates = Rates(rates)
    steps = scenario.horizon_months
    present = set(roster.ids)
    scheduled: dict[int, list] = {}
    for ev in scenario.events:
        if set(ev.actors()) <= present and ev.date is not None:
            first = month_index(ev.date, scenario.start)
            for k in range(first, first + ev.duration()):
                scheduled.setdefault(k, []).append(ev)
    hazards = []
    for hz in scenario.hazards:
        if set(hz.event.actors()) <= present:
            lo = month_index(hz.start, scenario.start) if hz.start else 0
            hi = month_index(hz.end, scenario.start) if hz.end else steps
            hazards.append((hz, lo, hi))
    return World(
        scenario=scenario, roster=roster, p=rates, start=scenario.start, horizon=steps,
        treaties=compile_treaties(scenario.treaties, roster.ids, scenario.start, steps),
        sanctions=compile_sanctions(scenario.sanctions, roster.ids, scenario.start, steps),
        scheduled=scheduled, hazards=hazards, initial_alignment=roster.alignment.copy(),
        initial_balance=roster.domestic_balance.copy(),
        dynamics_table=table,
    )


def _set_inputs(world: Any, values: Mapping[str, float], *, events: bool) -> Any:
    """``world`` with the values set on its inputs; addresses naming an actor the world
    lacks are skipped (a family's root may lack an actor its child adds)."""
    ro = world.roster
    roster = dataclasses.replace(ro, **{
        f.name: getattr(ro, f.name).copy() for f in dataclasses.fields(ro)
        if isinstance(getattr(ro, f.name), np.ndarray)})
    rates = dict(world.p)
    align = world.initial_alignment.copy()
    balance = world.initial_balance.copy()
    event_values = apply_values(roster, rates, align, balance, values)
    if not events:
        event_values = {}
    out = dataclasses.replace(world, roster=roster, p=Rates(rates), initial_alignment=align,
                              initial_balance=balance)
    return _with_events(out, event_values) if event_values else out


def _with_events(world: Any, values: dict[str, dict[str, float]]) -> Any:
    """``world`` with the named events changed, in its schedule and its scenario."""
    sc = world.scenario
    new = {ev.id: registry.with_event_values(ev, values[ev.id])
           for ev in sc.events if ev.id in values}

    def swap(ev):
        return new.get(ev.id, ev) if getattr(ev, "id", None) is not None else ev

    return dataclasses.replace(
        world, scenario=sc.model_copy(update={"events": [swap(ev) for ev in sc.events]}),
        scheduled={k: [swap(ev) for ev in evs] for k, evs in world.scheduled.items()})


def set_values(world: World, values: Mapping[str, Any], source: str = "parameters") -> World:
    """The world with ``values`` set (a copy: the input is not changed), after `check`.

    The standing residual is then fixed again, on the world that fixes it (the family's
    root, decision record 0008), as compiling a scenario with these values would:

    - global rates (``dynamics.*``) are set on the root too: the residual is what the
      drivers leave unexplained under these rates, so the documented start stays the rest
      point and the rates change only responses;
    - actor, relation, domestic and event values are this world's departures from its
      family's documented start, as a scenario's own tables are: the root keeps its values,
      so the relations respond to them.
    """
    clean = registry.check(values, registry.Scope.of_world(world), source)
    if not clean:
        return world
    rates = {k: v for k, v in clean.items() if k.startswith("dynamics.")}
    departures = any(not k.startswith(("dynamics.", "dummy.")) for k in clean)
    # a family's root fixes the residual on itself: its documented values, before these
    root = world.standing_world if world.standing_world is not None or not departures \
        else world
    return with_standing(_set_inputs(world, clean, events=True),
                         None if root is None else _set_inputs(root, rates, events=False))
