"""A cone of futures: many continuations of one moment of a run, for a room that is waiting.

In a seminar the question after each turn is "where could this go from here?". The cone
takes the state of one replicate at the current month, gives each of many continuations
its own seed, and runs them forward with the batched engine (`sim.dynamics.engine.advance`, the
same dynamics as the Mesa agents). Players' standing decisions can be carried into every
continuation as overrides.

Parameter uncertainty: with ``parameter_sets`` the continuations are split evenly among
that many sets of dynamics parameters drawn from their plausible ranges
(`sim.runs.parameter_spread`), so the spread covers what is not known about the model's
rates and weights as well as its random draws. A continuation keeps its seed either way.

Why threads, not processes: the compiled kernels release the GIL and NumPy does for large
arrays, so two threads on two cores overlap most of a month; a process pool would have to
start, import and pickle the state while the room waits. Replicates do not depend on the
batch they share (tests/test_determinism.py), so splitting the cone between threads
changes no number: the result is the same whatever ``workers`` is.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from sim.core.rng import derive_seed
from sim.dynamics.engine import Overrides, advance, block_size
from sim.dynamics.state import State
from sim.dynamics.world import World
from sim.runs.ensemble import default_threads
from sim.runs.parameter_spread import PARAMETER_SET_TAG, parameter_sets, worlds_for

#: Stream tag mixed into cone seeds so they never coincide with a sweep's replicate seeds.
CONE_TAG = 0xC0E


@dataclass
class Cone:
    """Continuations of one state: month 0 is the state the cone starts from."""

    start_step: int
    seeds: np.ndarray  # (R,) uint64, one per continuation
    alignment: np.ndarray  # (M+1, R, N, N) float32
    events: list[tuple[int, str, int]]  # (step, label, how many continuations it fired in)
    #: the dynamics parameter sets the continuations ran under, evenly split; empty: the
    #: world's own parameters for all (random draws only)
    parameter_sets: tuple[dict[str, float], ...] = field(default_factory=tuple)

    @property
    def months(self) -> int:
        return self.alignment.shape[0] - 1

    def describe(self) -> str:
        """What the spread is, in words for a chart's legend: model runs, not a forecast."""
        runs = f"{len(self.seeds)} model runs"
        if self.parameter_sets:
            return (f"spread of {runs}: random draws under {len(self.parameter_sets)} "
                    "parameter sets, 5–95%")
        return f"spread of {runs}: random draws only, 5–95%"

    def bands(self, i: int, j: int,
              quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> np.ndarray:
        """Quantiles (len(quantiles), M+1) of i's alignment with j across continuations."""
        return np.quantile(self.alignment[:, :, i, j].astype(np.float64), quantiles, axis=1)


def cone_seeds(base_seed: int, step: int, replicates: int) -> np.ndarray:
    """Seeds of a cone's continuations: they depend on the run's seed, the month and the
    continuation's number only, so the same cone asked twice is the same cone."""
    return np.array([derive_seed(CONE_TAG, base_seed, step, k) for k in range(replicates)],
                    dtype=np.uint64)


def _continue(start: State, world: World, seeds: np.ndarray, stop: int,
              overrides: dict[int, Overrides] | None, out: np.ndarray,
              events: list[tuple[int, str, int]]) -> None:
    """A thread's continuations, a cache-sized block at a time (`block_size`): a block of
    500 replicates ran about a sixth slower than four of 128."""
    per_block = block_size(world.n)
    for lo in range(0, len(seeds), per_block):
        _continue_block(start, world, seeds[lo:lo + per_block], stop, overrides,
                        out[:, lo:lo + per_block], events)


def _continue_block(start: State, world: World, seeds: np.ndarray, stop: int,
                    overrides: dict[int, Overrides] | None, out: np.ndarray,
                    events: list[tuple[int, str, int]]) -> None:
    state = start.take(np.zeros(len(seeds), dtype=np.intp))
    state.seeds = seeds
    out[0] = state.alignment
    m = 0
    while state.step < stop:
        result = advance(state, world, (overrides or {}).get(state.step), keep_terms=False)
        m += 1
        out[m] = result.alignment
        events += [(result.step, label, int(rows.sum())) for label, rows in result.fired]


def cone_of_futures(state: State, world: World, *, replicates: int = 1000, months: int = 60,
                    replicate: int = 0, seeds: np.ndarray | None = None,
                    overrides: dict[int, Overrides] | None = None,
                    workers: int | None = None, parameter_sets: int = 0) -> Cone:
    """Run ``replicates`` continuations of ``state`` (its row ``replicate``) for ``months``
    months, or to the scenario's horizon if that comes first.

    ``seeds`` defaults to `cone_seeds` of the replicate's own seed; ``overrides`` maps a
    month to moves imposed in every continuation (players' announced decisions).
    ``parameter_sets``: how many sets of dynamics parameters to split the continuations
    among (at most one per continuation; 0: the world's own parameters only). The sets
    depend on the replicate's seed and the month, like the seeds.
    """
    start = state.take([replicate])
    if seeds is None:
        seeds = cone_seeds(int(start.seeds[0]), start.step, replicates)
    seeds = np.asarray(seeds, dtype=np.uint64)
    sets = parameter_sets_for(world, int(start.seeds[0]), start.step,
                              min(max(0, parameter_sets), len(seeds)))
    stop = min(start.step + months, world.horizon)
    n = world.n
    out = np.empty((stop - start.step + 1, len(seeds), n, n), dtype=np.float32)
    workers = default_threads() if workers is None else max(1, workers)
    # one chunk a thread, each at most four of the batched path's cache-sized blocks: the
    # threads share the GIL for the month's Python, so the chunks are kept large (measured:
    # 1,000 replicates on 2 threads took 2.4 s in chunks of 500, 2.8 s in chunks of 125)
    if sets:
        # one chunk per parameter set: continuation k runs under set k * S // R
        worlds: Sequence[World] = worlds_for(world, sets)
        groups = np.array_split(np.arange(len(seeds)), len(sets))
        chunks, chunk_world = groups, list(worlds)
    else:
        per_chunk = 4 * block_size(n)
        count = max(workers, -(-len(seeds) // per_chunk))
        chunks = [c for c in np.array_split(np.arange(len(seeds)), count) if len(c)]
        chunk_world = [world] * len(chunks)
    fired: list[list[tuple[int, str, int]]] = [[] for _ in chunks]

    def job(k: int) -> None:
        lo, hi = chunks[k][0], chunks[k][-1] + 1  # disjoint slices: threads never share
        _continue(start, chunk_world[k], seeds[lo:hi], stop, overrides, out[:, lo:hi],
                  fired[k])

    if len(chunks) == 1:
        job(0)
    else:
        with ThreadPoolExecutor(min(workers, len(chunks))) as pool:
            list(pool.map(job, range(len(chunks))))
    totals: dict[tuple[int, str], int] = {}
    for part in fired:
        for step, label, count in part:
            totals[(step, label)] = totals.get((step, label), 0) + count
    events = sorted((step, label, c) for (step, label), c in totals.items())
    return Cone(start_step=start.step, seeds=seeds, alignment=out, events=events,
                parameter_sets=tuple(sets))


def parameter_sets_for(world: World, seed: int, step: int, count: int
                       ) -> list[dict[str, float]]:
    """The parameter sets of a cone from run ``seed`` at ``step``."""
    return parameter_sets(world, count, derive_seed(PARAMETER_SET_TAG, seed, step))
