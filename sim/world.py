"""The compiled, unchanging context of a run: roster arrays, rates, treaties, sanctions, events.

Why separate from `State`: the world is shared by every replicate of a scenario and never
changes during a run, so it is built once, checked once, and passed by reference.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.calendar import month_index, month_label
from sim.dynamics_params import dynamics_values, load_dynamics_file
from sim.events import Hazard
from sim.roster import Roster, compile_roster, dyad_values, load_roster_file
from sim.sanctions import CompiledSanctions, compile_sanctions
from sim.scenario import Scenario
from sim.treaties import CompiledTreaties, compile_treaties


class Rates(dict):
    """The dynamics parameters, readable as attributes (``w.p.noise_sd``)."""

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class World:
    scenario: Scenario
    roster: Roster
    p: Rates
    start: str
    horizon: int
    treaties: CompiledTreaties
    sanctions: CompiledSanctions
    scheduled: dict[int, list] = field(default_factory=dict)
    hazards: list[tuple[Hazard, int, int]] = field(default_factory=list)
    initial_alignment: np.ndarray = None  # type: ignore[assignment]
    initial_balance: np.ndarray = None  # type: ignore[assignment]
    #: (N, N) the standing residual of each dyad (`sim.drivers.standing`)
    standing: np.ndarray = None  # type: ignore[assignment]
    #: the world of the scenario that fixes the residual; None: this one
    standing_world: World | None = None
    #: (D, N, N) each driver's contribution at the family's documented start, from which a
    #: run's shares of the latent level start (`sim.state.starting_shares`); computed once
    start_contributions: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.roster.n

    @property
    def kappa(self) -> float:
        """Share of the gap to its target a relation covers in a month."""
        return 1.0 - 2.0 ** (-1.0 / self.p.adjustment_half_life)

    @property
    def memory_rate(self) -> float:
        """Share of the gap to the realised level the memory covers in a month."""
        return 1.0 - 2.0 ** (-1.0 / self.p.memory_half_life)

    def date(self, step: int) -> str:
        return month_label(self.start, step)

    def sanctions_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(primary, secondary) scheduled sanctions matrices at a step."""
        k = min(step, self.sanctions.primary.shape[0] - 1)
        return self.sanctions.primary[k], self.sanctions.secondary[k]


def _apply_roster_changes(roster: Roster, scenario: Scenario) -> None:
    """Scenario changes to the compiled roster's arrays (a fresh compile, safe to modify)."""
    ids = roster.ids
    for name, changes in scenario.actor_params.items():
        if name in ids:
            for pname, val in changes.items():
                getattr(roster, pname)[roster.index(name)] = val.value
    for field_name, s, t, value in dyad_values(scenario.dyads, ids):
        getattr(roster, field_name)[roster.index(s), roster.index(t)] = value
    for st in scenario.theatre_stakes:
        if st.actor in ids:
            k, i = roster.theatre_index(st.theatre), roster.index(st.actor)
            roster.stake[k, i] = st.stake.value
            roster.position[k, i] = st.position.value
    for name, val in scenario.domestic_balance.items():
        if name in ids:
            roster.domestic_balance[roster.index(name)] = val


def build_world(scenario: Scenario, base: Path | None = None,
                dynamics: dict[str, float] | None = None) -> World:
    """Compile a validated scenario; ``dynamics`` overrides rates (for sweeps).

    Rates come from the scenario's ``dynamics_file`` (else the built-in table), then its
    own ``dynamics`` table, then ``dynamics``: the most specific setting wins. The standing
    residual is fixed on the scenario named by ``standing_from`` (the root of its extends
    chain), compiled with the same rates."""
    from sim.equilibrium import with_standing

    world = _compile(scenario, base, dynamics)
    root = None
    standing = scenario.standing_path(base)
    if standing is not None:
        from sim.scenario import load_scenario

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
    _apply_roster_changes(roster, scenario)
    dyn_path = scenario.dynamics_path(base)
    table = load_dynamics_file(dyn_path) if dyn_path is not None else None
    rates = Rates(dynamics_values(table, overrides={**scenario.dynamics, **(dynamics or {})}))
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
    )
