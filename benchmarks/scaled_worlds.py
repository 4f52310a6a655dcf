"""Worlds of 16 x k actors for measuring cost against the number of actors, shared by
`ensemble_benchmark.py` and `limit_benchmark.py`."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.dynamics.equilibrium import with_standing
from sim.dynamics.world import World
from sim.inputs.roster import RosterFile, compile_roster, default_roster_file


def scaled_roster(k: int) -> RosterFile:
    """The default roster copied k times (ids suffixed), copies related as the originals."""
    base = default_roster_file()
    actors, dyads = [], []
    for c in range(k):
        suffix = "" if c == 0 else chr(ord("A") + c - 1)
        ren = {a.id: (a.id[:2] + suffix if suffix else a.id) for a in base.actors}
        actors += [a.model_copy(update={"id": ren[a.id]}) for a in base.actors]
        dyads += [d.model_copy(update={"source": ren[d.source], "target": ren[d.target]})
                  for d in base.dyads]
    return base.model_copy(update={"actors": actors, "dyads": dyads})


def scaled_world(world: World, k: int) -> World:
    """``world`` with the roster copied k times and no treaties, sanctions, hazards or
    scheduled events: the month's cost in N alone."""
    roster = compile_roster(scaled_roster(k))
    no_treaties = dataclasses.replace(
        world.treaties, parties=np.zeros((0, roster.n), dtype=bool), ids=(),
        start=np.zeros(0, int), end=np.zeros(0, int), strength=np.zeros(0),
        anchor=np.zeros(0), clauses=(), clause_pairs=())
    no_sanctions = dataclasses.replace(
        world.sanctions, primary=np.zeros((world.horizon, roster.n, roster.n)),
        secondary=np.zeros((world.horizon, roster.n, roster.n)))
    w = dataclasses.replace(world, roster=roster, initial_alignment=roster.alignment.copy(),
                            initial_balance=roster.domestic_balance.copy(),
                            treaties=no_treaties, sanctions=no_sanctions, hazards=[],
                            scheduled={}, standing_world=None)
    return with_standing(w)
