"""Running a scenario for many seeds, by the Mesa path or the batched path.

Both paths run the same engine (`sim.dynamics.engine`): the Mesa path one model per seed with
agents deciding in turn, the batched path all seeds at once as arrays. Results are the same
to the last bit (tests/test_determinism.py, tests/test_paths.py); the batched path is simply faster.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from sim.dynamics.drivers import TERMS
from sim.dynamics.engine import Overrides, advance, block_size
from sim.dynamics.state import initial_state
from sim.dynamics.world import World
from sim.runs.recording import BlockRecorder, History, Record, concat_records, merge_events

Engine = Literal["mesa", "batched"]
Progress = Callable[[int], None]


def default_threads() -> int:
    """Threads for one process's batched runs and cones: both cores of this 2-core machine,
    at most two (beyond that the month's Python, which holds the GIL, would limit them)."""
    return max(1, min(2, os.cpu_count() or 1))


def ensemble_seeds(base_seed: int, replicates: int) -> np.ndarray:
    """Replicate seeds derived from one base seed (replicate k gets base + k)."""
    return (np.uint64(base_seed) + np.arange(replicates, dtype=np.uint64)).astype(np.uint64)


#: Moves decided outside the model, by month: what players or White decide in a seminar.
OverrideSchedule = dict[int, Overrides]


def run_mesa(world: World, seeds, *, keep_terms: bool = True,
             overrides: OverrideSchedule | None = None, months: int | None = None,
             progress: Progress | None = None) -> Record:
    """One Mesa model per seed; agents decide their own rows (the per-agent path). Mesa is
    imported here, not with the module: the batched path and a sweep's workers never
    need it."""
    from sim.runs.model import AlignmentModel

    records = []
    stop = world.horizon if months is None else min(months, world.horizon)
    for seed in np.asarray(seeds, dtype=np.uint64):
        model = AlignmentModel(world, int(seed), keep_terms=keep_terms)
        while model.running and model.state.step < stop:
            planned = (overrides or {}).get(model.state.step)
            if planned is not None:
                model.overrides = Overrides(dict(planned.dyadic), dict(planned.theatre))
            model.step()
        records.append(model.record())
        if progress:
            progress(1)
    return concat_records(records, firing_rank(world))


def firing_rank(world: World) -> Callable[[int, str], int]:
    """The order in which `sim.dynamics.engine.open_month` fires a month's events: scheduled events
    in the schedule's order, then random ones in the hazards' order; used to list the
    events of joined records as a single batched run lists them."""
    def rank(step: int, label: str) -> int:
        names = [ev.label() for ev in world.scheduled.get(step, [])]
        names += [hz.event.label() + " [random]" for hz, _, _ in world.hazards]
        return names.index(label) if label in names else len(names)
    return rank


def run_batched(world: World, seeds, *, keep_terms: bool = True,
                overrides: OverrideSchedule | None = None, months: int | None = None,
                progress: Progress | None = None, threads: int = 1) -> Record:
    """All seeds as arrays (the batched path), in cache-sized blocks
    (`sim.dynamics.engine.block_size`), on ``threads`` threads (the month's compiled
    kernels release the GIL, so blocks on two threads use two cores); ``months`` stops
    early. A replicate does not depend on its batch, so blocks and threads change nothing
    but speed (tests/test_determinism.py). A sweep's worker processes keep one thread each:
    they are the parallelism there."""
    seeds = np.asarray(seeds, dtype=np.uint64)
    per_block = block_size(world.n)
    stop = world.horizon if months is None else min(months, world.horizon)
    history = History.allocate(stop, len(seeds), world.n, len(world.roster.theatre_ids),
                               len(TERMS) if keep_terms else None)
    starts = range(0, len(seeds), per_block)

    def block(lo: int) -> tuple[int, list]:
        return lo, _run_block(world, seeds[lo:lo + per_block], stop, overrides, progress,
                              BlockRecorder(history, slice(lo, lo + per_block)))

    if threads <= 1 or len(starts) == 1:
        events = [block(lo) for lo in starts]
    else:
        with ThreadPoolExecutor(min(threads, len(starts))) as pool:
            events = list(pool.map(block, starts))
    return history.record(seeds, merge_events(events, len(seeds), firing_rank(world)))


def _run_block(world: World, seeds: np.ndarray, stop: int,
               overrides: OverrideSchedule | None, progress: Progress | None,
               rec: BlockRecorder) -> list[tuple[int, str, np.ndarray]]:
    """Run one block of replicates to month ``stop``, recorded into its rows of the run's
    history; returns its events."""
    state = initial_state(world, seeds)
    rec.start(state)
    keep_terms = rec.history.terms is not None
    while state.step < stop:
        result = advance(state, world, (overrides or {}).get(state.step), keep_terms)
        rec.record(result, state)
    if rec.months != stop:
        raise ValueError(f"a block recorded {rec.months} months of {stop}")
    if progress:
        progress(len(state.seeds))
    return rec.events


def run_ensemble(world: World, seeds, *, engine: Engine = "mesa", keep_terms: bool = True,
                 overrides: OverrideSchedule | None = None, months: int | None = None,
                 progress: Progress | None = None, threads: int = 1) -> Record:
    """Either path; they give identical records (tests/test_paths.py). ``threads`` is for
    the batched path (the per-agent path runs one model at a time)."""
    if engine == "mesa":
        return run_mesa(world, seeds, keep_terms=keep_terms, overrides=overrides,
                        months=months, progress=progress)
    return run_batched(world, seeds, keep_terms=keep_terms, overrides=overrides,
                       months=months, progress=progress, threads=threads)
