"""The compaction that grows while a sweep runs (`sim.runs.compaction.CompactionStream`)
gives the same files as compacting every part from disk, whatever the order in which
groups finish, where their tables come from (memory or disk) and how rows fall into row
groups; and what an unfinished one wrote never outlives the next run."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from experiment_files import write_experiment

import sim.runs.compaction
import sim.runs.sweep
from sim.runs.compaction import CompactionStream, compact_sweep
from sim.runs.sweep import load_sweep, run_sweep
from sim.runs.sweep_folder import COMPACTED, PART_KINDS, SweepFolder, key_tasks


def _experiment(folder: Path) -> Path:
    return write_experiment(folder, "c", replicates=2, months=6, times=(3, 6),
                            trajectories="chosen",
                            parameters={"dynamics.sanctions_value": (0.5, 0.75, 1.0),
                                        "domestic_balance.IRN": (0.6, 0.9)})


@pytest.fixture(scope="module")
def parts_folder(tmp_path_factory) -> Path:
    """A sweep left as parts, one part per task (12 of them)."""
    tmp = tmp_path_factory.mktemp("compaction")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.runs.sweep, "compact_sweep", lambda folder, keys, stream=None: None)
        mp.setattr(sim.runs.sweep, "GROUP_SIZE", 1)
        folder = run_sweep(_experiment(tmp), out=tmp / "parts").folder
    assert len(SweepFolder(folder).keys("runs")) == 12
    return folder


def _copy(src: Path, dest: Path) -> SweepFolder:
    shutil.copytree(src, dest)
    return SweepFolder(dest)


def _tables(folder: SweepFolder, key: str) -> dict:
    return {kind: pq.read_table(p) for kind in PART_KINDS
            if (p := folder.part(kind, key)).exists()}


def _same_files(a: Path, b: Path) -> None:
    for name in COMPACTED:
        assert (a / name).exists() == (b / name).exists(), name
        if (a / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert not (a / "parts").exists() and not (b / "parts").exists()
    assert not list(a.glob(".*.tmp")) and not list(b.glob(".*.tmp"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parts_added_in_any_order_some_from_disk_give_the_files_of_a_compaction_from_disk(
        parts_folder, tmp_path, monkeypatch, seed):
    monkeypatch.setattr(sim.runs.compaction, "ROW_GROUP", 100)  # several row groups
    reference = _copy(parts_folder, tmp_path / "reference")
    compact_sweep(reference, reference.keys("runs"))
    assert pq.ParquetFile(reference.root / "dyads.parquet").num_row_groups > 1

    folder = _copy(parts_folder, tmp_path / "streamed")
    keys = folder.keys("runs")
    tasks = [task for key in keys for task in key_tasks(key)]
    order = random.Random(seed).sample(keys, len(keys))
    # a third of the parts were written by an earlier run: on disk only, read in turn
    earlier, now = order[:4], order[4:]
    memory = {key: _tables(folder, key) for key in now}
    for key in now:  # this run's parts are on disk only once it writes them
        for kind in PART_KINDS:
            folder.part(kind, key).rename(tmp_path / f"{kind}-{key}.parquet")
    stream = CompactionStream(folder, tasks)
    for key in now:
        for kind in PART_KINDS:
            if (tmp_path / f"{kind}-{key}.parquet").exists():
                (tmp_path / f"{kind}-{key}.parquet").rename(folder.part(kind, key))
        stream.add(key, memory[key])
    assert set(earlier) <= set(folder.keys("runs"))
    compact_sweep(folder, folder.keys("runs"), stream)
    _same_files(reference.root, folder.root)


def test_a_part_missing_stops_the_compaction_and_keeps_the_parts(parts_folder, tmp_path):
    folder = _copy(parts_folder, tmp_path / "gap")
    keys = folder.keys("runs")
    tasks = [task for key in keys for task in key_tasks(key)]
    for kind in PART_KINDS:
        folder.part(kind, keys[5]).unlink(missing_ok=True)
    with pytest.raises(RuntimeError, match="cannot compact, tasks not done: s00-p000005"):
        compact_sweep(folder, folder.keys("runs"), CompactionStream(folder, tasks))
    assert len(folder.keys("runs")) == 11, "the other parts are kept"
    assert not list(folder.root.glob(".*.tmp")), "the unfinished tables are removed"
    assert not any((folder.root / name).exists() for name in COMPACTED)


def test_a_killed_sweeps_unfinished_tables_are_removed_by_the_next_run(parts_folder,
                                                                       tmp_path):
    """A sweep killed while its tables grow leaves them under temporary names; the next
    run of the same sweep removes them and compacts from the parts."""
    folder = _copy(parts_folder, tmp_path / "killed")
    stale = [folder.root / f".{name}.0123abcd.tmp" for name in COMPACTED]
    for path in stale:
        path.write_bytes(b"half a table")
    outcome = run_sweep(_experiment(tmp_path), out=folder.root)
    assert outcome.tasks_run == 0 and outcome.compacted
    assert not any(path.exists() for path in stale)
    reference = _copy(parts_folder, tmp_path / "reference")
    compact_sweep(reference, reference.keys("runs"))
    _same_files(reference.root, folder.root)
    assert load_sweep(folder.root).complete
