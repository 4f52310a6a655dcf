"""Running a scenario for many seeds, by the Mesa path or the batched path.

Both paths run the same engine (`sim.engine`): the Mesa path one model per seed with
agents deciding in turn, the batched path all seeds at once as arrays. Results are the same
to the last bit (tests/test_determinism.py); the batched path is simply faster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from sim.engine import Overrides, advance
from sim.model import AlignmentModel
from sim.recording import Record, Recorder, concat_records
from sim.state import initial_state
from sim.world import World

Engine = Literal["mesa", "batched"]
Progress = Callable[[int], None]


def ensemble_seeds(base_seed: int, replicates: int) -> np.ndarray:
    """Replicate seeds derived from one base seed (replicate k gets base + k)."""
    return (np.uint64(base_seed) + np.arange(replicates, dtype=np.uint64)).astype(np.uint64)


def run_mesa(world: World, seeds, *, keep_terms: bool = True,
             progress: Progress | None = None) -> Record:
    records = []
    for seed in np.asarray(seeds, dtype=np.uint64):
        model = AlignmentModel(world, int(seed), keep_terms=keep_terms)
        records.append(model.run())
        if progress:
            progress(1)
    return concat_records(records)


def run_batched(world: World, seeds, *, keep_terms: bool = True,
                overrides: Overrides | None = None, months: int | None = None,
                progress: Progress | None = None) -> Record:
    """All seeds at once; ``months`` stops early (default: the scenario's horizon)."""
    state = initial_state(world, seeds)
    rec = Recorder(keep_terms=keep_terms)
    rec.start(state)
    stop = world.horizon if months is None else min(months, world.horizon)
    while state.step < stop:
        result = advance(state, world, overrides)
        rec.record(result, state)
    if progress:
        progress(len(state.seeds))
    return rec.finish(state.seeds)


def run_ensemble(world: World, seeds, *, engine: Engine = "mesa", keep_terms: bool = True,
                 progress: Progress | None = None) -> Record:
    if engine == "mesa":
        return run_mesa(world, seeds, keep_terms=keep_terms, progress=progress)
    return run_batched(world, seeds, keep_terms=keep_terms, progress=progress)
