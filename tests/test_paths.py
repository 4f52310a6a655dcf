"""One implementation of the dynamics: the per-agent Mesa path and the batched path agree.

The same seeds run one by one through Mesa agents and all at once through the batched
path give identical records, to the last bit, for scenarios with events (strikes, a regime
collapse, recriminations, an arms programme), triggered treaty clauses, sanctions
schedules, and moves overridden by a human; and a replicate does not change when the
batch around it changes.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.actions import Dyadic, TheatreAction
from sim.dynamics.engine import Overrides
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched, run_mesa

SEEDS = np.array([3, 17, 2024], dtype=np.uint64)
MONTHS = 30


def _assert_identical(a, b) -> None:
    for field in ("alignment", "terms", "dyadic", "theatre", "distrust", "clipped"):
        x, y = getattr(a, field), getattr(b, field)
        assert np.array_equal(x, y), f"{field} differs"
        # the Mesa path stacks its months (`Recorder`), the batched path fills a history
        # allocated once (`History`): the same arrays, dtypes included
        assert (x is None) == (y is None) and (x is None or x.dtype == y.dtype), field
    assert _events(a) == _events(b)
    assert _log(a) == _log(b), "the events are listed in another order"


def _log(rec) -> list[tuple[int, str, tuple[bool, ...]]]:
    return [(step, label, tuple(mask.tolist())) for step, label, mask in rec.events]


def _events(rec) -> dict[tuple[int, str], tuple[bool, ...]]:
    """(month, event) -> replicates it fired in; the order of the log is not part of it."""
    out: dict[tuple[int, str], np.ndarray] = {}
    for step, label, mask in rec.events:
        out[(step, label)] = out.get((step, label), np.zeros_like(mask)) | mask
    return {k: tuple(v.tolist()) for k, v in out.items()}


def _overrides(world) -> dict[int, Overrides]:
    """A player controls Russia and Iran for a few months: arms to Iran, Iran escalates in
    the Gulf, and Russia pointedly distances itself from Israel."""
    ro = world.roster
    rus, irn, isr = ro.index("RUS"), ro.index("IRN"), ro.index("ISR")
    gulf = ro.theatre_index("gulf")
    return {
        2: Overrides(dyadic={(rus, irn): int(Dyadic.TRANSFER_ARMS)}),
        3: Overrides(dyadic={(rus, irn): int(Dyadic.TRANSFER_ARMS),
                             (rus, isr): int(Dyadic.DISTANCE)},
                     theatre={(irn, gulf): int(TheatreAction.INTERVENE)}),
        7: Overrides(dyadic={(irn, rus): int(Dyadic.SANCTION)}),
    }


@pytest.mark.parametrize("name", ["israel_iran_war_mutual_defence", "sanctions_snapback_iran",
                                  "assad_falls", "s400_delivered", "zangezur_corridor"])
def test_mesa_and_batched_paths_are_identical(name):
    world = build_world(load_scenario(name))
    mesa = run_mesa(world, SEEDS, months=MONTHS)
    batched = run_batched(world, SEEDS, months=MONTHS)
    _assert_identical(mesa, batched)
    assert mesa.events, "the scenario should fire events within the window"


def test_paths_are_identical_with_human_overrides():
    world = build_world(load_scenario("israel_iran_war_mutual_defence"))
    plan = _overrides(world)
    mesa = run_mesa(world, SEEDS, overrides=plan, months=MONTHS)
    batched = run_batched(world, SEEDS, overrides=plan, months=MONTHS)
    _assert_identical(mesa, batched)
    ro = world.roster
    rus, irn = ro.index("RUS"), ro.index("IRN")
    assert (batched.dyadic[2, :, rus, irn] == Dyadic.TRANSFER_ARMS).all()
    assert (batched.dyadic[7, :, irn, rus] == Dyadic.SANCTION).all()
    free = run_batched(world, SEEDS, months=MONTHS)
    assert not np.array_equal(free.alignment, batched.alignment), "overrides must matter"


def test_a_replicate_is_independent_of_its_batch():
    """Same seed, alone or among others, in different positions: the same trajectory."""
    world = build_world(load_scenario("israel_iran_war_mutual_defence"))
    plan = _overrides(world)
    alone = run_batched(world, np.array([2024], dtype=np.uint64), overrides=plan,
                        months=MONTHS)
    crowd = run_batched(world, np.array([9, 8, 7, 2024, 6], dtype=np.uint64), overrides=plan,
                        months=MONTHS)
    other = run_batched(world, np.array([2024, 1], dtype=np.uint64), overrides=plan,
                        months=MONTHS)
    for rec, k in ((crowd, 3), (other, 0)):
        assert np.array_equal(alone.alignment[:, 0], rec.alignment[:, k])
        assert np.array_equal(alone.terms[:, 0], rec.terms[:, k])


def test_blocks_of_replicates_change_nothing(monkeypatch):
    """The batched path advances large batches in cache-sized blocks (`sim.dynamics.engine.
    block_size`); with blocks of 16 replicates, 40 replicates of a scenario with random
    events give the same record, events and their order included, as one block."""
    import sim.dynamics.engine

    world = build_world(load_scenario("baseline"))
    seeds = np.arange(100, 140, dtype=np.uint64)
    whole = run_batched(world, seeds, months=24)
    monkeypatch.setattr(sim.dynamics.engine, "BLOCK_CELLS", 16 * world.n * world.n)
    assert sim.dynamics.engine.block_size(world.n) == 16
    blocked = run_batched(world, seeds, months=24)
    _assert_identical(whole, blocked)
    assert any(label.endswith("[random]") and 0 < mask.sum() < len(seeds)
               for _, label, mask in whole.events), "random events should fire in some runs"


def test_the_events_table_has_one_row_order_whatever_the_engine():
    """Issue 16: both engines gave equal events, but events.parquet rows in another order.
    The table is sorted by replicate, month and event, so the order of the log (which
    differs with batching and with the engine) does not reach the file."""
    import dataclasses
    import random

    from sim.runs.results_io import events_table

    world = build_world(load_scenario("israel_iran_war_mutual_defence"))
    mesa = run_mesa(world, SEEDS, months=MONTHS)
    batched = run_batched(world, SEEDS, months=MONTHS)
    shuffled = list(batched.events)
    random.Random(4).shuffle(shuffled)
    other = dataclasses.replace(batched, events=shuffled)
    table = events_table(world, mesa)
    assert len(table) > 0
    for rec in (batched, other):
        assert events_table(world, rec).equals(table)
    assert table.equals(table.sort_values(["replicate", "step", "event"], kind="stable")
                        .reset_index(drop=True))
