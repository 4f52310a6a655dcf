"""The batched path's history, allocated once and filled block by block
(`sim.runs.recording.History`), holds what the month-by-month recorder holds, and refuses
a month it has no room for instead of writing past what a caller asked for."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dynamics import engine
from sim.dynamics.engine import advance
from sim.dynamics.state import initial_state
from sim.runs.recording import BlockRecorder, History, Recorder


def test_a_block_recorder_fills_the_rows_a_recorder_stacks(baseline_world):
    world = baseline_world
    seeds = np.arange(5, dtype=np.uint64)
    history = History.allocate(3, 8, world.n, len(world.roster.theatre_ids),
                               len(engine.TERMS))
    history.alignment[:] = np.nan
    block, plain = initial_state(world, seeds), initial_state(world, seeds)
    into, stacked = BlockRecorder(history, slice(2, 7)), Recorder()
    into.start(block)
    stacked.start(plain)
    for _ in range(3):
        into.record(advance(block, world), block)
        stacked.record(advance(plain, world), plain)
    rec = stacked.finish(seeds)
    for name in ("alignment", "terms", "dyadic", "theatre", "distrust", "clipped"):
        mine, theirs = getattr(history, name)[:, 2:7], getattr(rec, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert np.isnan(history.alignment[:, :2]).all() and np.isnan(history.alignment[:, 7:]).all()
    assert [(s, label) for s, label, _ in into.events] == [(s, label) for s, label, _ in
                                                           rec.events]
    with pytest.raises(ValueError, match="month 3: the history holds 3 months"):
        into.record(advance(block, world), block)


def test_a_run_of_no_months_keeps_no_actions_or_terms(baseline_world):
    history = History.allocate(0, 4, baseline_world.n, 7, len(engine.TERMS))
    assert history.alignment.shape == (1, 4, baseline_world.n, baseline_world.n)
    assert history.terms is None and history.dyadic is None and history.theatre is None
    assert history.clipped.shape == (0, 4)
