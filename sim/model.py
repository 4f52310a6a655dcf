"""The Mesa model: one replicate, one agent per actor, simultaneous decisions.

Each `CountryAgent` decides its own moves (its rows of the choice arrays) from what it
perceives; the model then adjudicates the month. Decisions read the shared perception and
draw from counter-based random numbers keyed by the actor, so the agents' activation order
cannot change the outcome, and a human player can take any agent's place through
`AlignmentModel.overrides` (set before a step, applied to that month only). Random draws
are keyed by the flat (actor, partner) or (actor, theatre) index.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.decisions import choose
from sim.engine import (
    MonthOpening,
    MonthResult,
    Overrides,
    apply_overrides,
    open_month,
    resolve_month,
)
from sim.recording import Record, Recorder
from sim.state import State, initial_state
from sim.world import World


class CountryAgent(mesa.Agent):
    """A state (or network) deciding its moves towards partners and in theatres."""

    def __init__(self, model: AlignmentModel, actor_id: str, index: int):
        super().__init__(model)
        self.actor_id = actor_id
        self.index = index

    def decide(self) -> None:
        m = self.model
        dyadic, theatre = choose(m.opening.perception, m.state, m.world, np.array([self.index]),
                                 m.overrides.dyadic)
        m.dyadic_choices[:, self.index, :] = dyadic[:, 0, :]
        m.theatre_choices[:, self.index, :] = theatre[:, 0, :]

    def alignment_towards(self, other: str) -> float:
        j = self.model.world.roster.index(other)
        return float(self.model.state.alignment[0, self.index, j])


class AlignmentModel(mesa.Model):
    """Russia-Iran alignment and its neighbours, one replicate, monthly steps."""

    def __init__(self, world: World, seed: int, *, state: State | None = None,
                 keep_terms: bool = True, keep_actions: bool = True):
        super().__init__(rng=int(seed))
        self.world = world
        self.seed_value = int(seed)
        self.state = state if state is not None else initial_state(world, [seed])
        self.overrides = Overrides()
        self.recorder = Recorder(keep_terms=keep_terms, keep_actions=keep_actions)
        self.recorder.start(self.state)
        self.last_result: MonthResult | None = None
        for i, actor_id in enumerate(world.roster.ids):
            CountryAgent(self, actor_id, i)
        self.running = self.state.step < world.horizon

    def step(self) -> None:
        w, n, t = self.world, self.world.n, len(self.world.roster.theatre_ids)
        self.opening: MonthOpening = open_month(self.state, w)
        self.dyadic_choices = np.zeros((1, n, n), dtype=np.int8)
        self.theatre_choices = np.zeros((1, n, t), dtype=np.int8)
        self.agents.shuffle_do("decide")
        dyadic, theatre = apply_overrides(self.dyadic_choices, self.theatre_choices,
                                          self.opening.forced, self.overrides)
        self.overrides = Overrides()  # a player's or White's move is for one month only
        self.last_result = resolve_month(self.state, w, self.opening, dyadic, theatre,
                                         self.recorder.keep_terms)
        self.recorder.record(self.last_result, self.state)
        self.running = self.state.step < w.horizon

    def run(self) -> Record:
        while self.running:
            self.step()
        return self.record()

    def record(self) -> Record:
        return self.recorder.finish(np.array([self.seed_value], dtype=np.uint64))
