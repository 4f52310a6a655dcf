"""Reproducibility: same seed, same bits; Mesa path and batched path agree exactly."""

from __future__ import annotations

import numpy as np

from sim.runs.ensemble import run_batched, run_mesa
from sim.runs.model import AlignmentModel


def test_same_seed_bit_identical_different_seeds_differ(baseline_world):
    w = baseline_world
    a = AlignmentModel(w, 11).run()
    b = AlignmentModel(w, 11).run()
    c = AlignmentModel(w, 12).run()
    assert np.array_equal(a.alignment, b.alignment)
    assert np.array_equal(a.terms, b.terms)
    assert np.array_equal(a.dyadic, b.dyadic)
    assert not np.array_equal(a.alignment, c.alignment)


def test_mesa_path_equals_batched_path(baseline_world):
    seeds = np.array([5, 6, 7], dtype=np.uint64)
    mesa = run_mesa(baseline_world, seeds)
    batched = run_batched(baseline_world, seeds)
    assert np.array_equal(mesa.alignment, batched.alignment)
    assert np.array_equal(mesa.terms, batched.terms)
    assert np.array_equal(mesa.dyadic, batched.dyadic)
    assert np.array_equal(mesa.theatre, batched.theatre)


def test_agent_activation_order_does_not_matter(baseline_world, monkeypatch):
    """Agents decide simultaneously: reversing their order changes nothing."""
    w = baseline_world
    shuffled = AlignmentModel(w, 21)
    shuffled_rec = shuffled.run()
    ordered = AlignmentModel(w, 21)
    monkeypatch.setattr(type(ordered.agents), "shuffle_do",
                        lambda self, name: [getattr(a, name)() for a in reversed(list(self))])
    ordered_rec = ordered.run()
    assert np.array_equal(shuffled_rec.alignment, ordered_rec.alignment)


def test_replicate_independent_of_its_batch(baseline_world):
    """A replicate's trajectory depends on its seed only, not on the other members."""
    alone = run_batched(baseline_world, np.array([42], dtype=np.uint64), keep_terms=False)
    with_others = run_batched(baseline_world, np.array([3, 42, 99, 1000], dtype=np.uint64),
                              keep_terms=False)
    assert np.array_equal(alone.alignment[:, 0], with_others.alignment[:, 1])


def test_threads_and_blocks_change_nothing(baseline_world, monkeypatch):
    """Blocks of the batched path run on threads: with one thread or two, in one block or
    in blocks of 16 (the smallest), every replicate's record is the same to the last bit."""
    from sim.dynamics import engine

    seeds = np.arange(200, 240, dtype=np.uint64)
    one = run_batched(baseline_world, seeds, keep_terms=True, months=18)
    monkeypatch.setattr(engine, "BLOCK_CELLS", 1)  # blocks of 16: 16, 16 and 8
    for threads in (1, 2):
        other = run_batched(baseline_world, seeds, keep_terms=True, months=18, threads=threads)
        for name in ("alignment", "terms", "dyadic", "theatre", "distrust"):
            assert np.array_equal(getattr(one, name), getattr(other, name)), (threads, name)
        assert repr(one.events) == repr(other.events)
