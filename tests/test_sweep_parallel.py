"""Parallel sweeps: groups of tasks, single-threaded workers that check the driver's code,
and the same numbers whatever the grouping, the number of workers or where they run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from experiment_files import write_experiment

import sim.runs.sweep as sweep
from sim.core.config_errors import ConfigError
from sim.runs.sweep import (
    THREAD_VARIABLES,
    CodeMismatchError,
    SweepFolder,
    TaskGroup,
    _GroupPlanner,
    code_fingerprint,
    key_tasks,
    load_sweep,
    run_group,
    run_sweep,
    task_executor,
    worker_info,
)

SIX = (0.04, 0.08, 0.12, 0.16, 0.2, 0.24)
COMPACTED = ("analysis.parquet", "dyads.parquet", "trajectories.parquet")


def _experiment(tmp_path: Path, name: str = "p", months: int = 12,
                values: tuple[float, ...] = SIX) -> Path:
    return write_experiment(tmp_path, name, months=months, trajectories="chosen",
                            parameters={"dynamics.sanctions_value": values})


def _assert_identical(a: Path, b: Path) -> None:
    """The compacted files hold the same rows in the same order, and load the same."""
    for name in COMPACTED:
        ta, tb = pq.read_table(a / name), pq.read_table(b / name)
        assert ta.equals(tb), f"{name} differs between {a.name} and {b.name}"
    ra, rb = load_sweep(a), load_sweep(b)
    for kind in ("runs", "dyads", "trajectories"):
        pd.testing.assert_frame_equal(getattr(ra, kind), getattr(rb, kind), check_exact=True)


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    """The experiment run in-process, one part per task: what every other way must give."""
    out = run_sweep(_experiment(tmp_path), workers=1, out=tmp_path / "reference")
    assert out.engine == "in-process" and out.tasks_run == 12
    return out.folder


# ------------------------------------------------------------------ grouping, no processes


def _specs(tmp_path: Path, values: tuple[float, ...] = SIX):
    from sim.inputs.experiment import design_points, experiment_path, load_experiment

    path = experiment_path(_experiment(tmp_path, values=values))
    exp = load_experiment(path)
    return list(sweep._tasks(exp, path, design_points(exp), "batched"))


def test_groups_are_sized_from_the_measured_cost_and_leave_work_for_every_worker(tmp_path):
    specs = _specs(tmp_path, values=tuple(0.01 * k for k in range(40)))  # 2 x 40 tasks
    planner = _GroupPlanner(specs, "code", workers=2)
    assert planner.size(1.0) == 1, "no measurement yet: one task at a time"
    first = sweep.GroupResult({}, seconds=0.5, pid=1, host="h")  # a process's first group
    planner.record(first, tasks=1)
    assert planner.cost == 0.5 and not planner.worth_spawning()  # cold, and short: not trusted
    planner.record(sweep.GroupResult({}, seconds=0.4, pid=1, host="h"), tasks=4)
    assert planner.cost == pytest.approx(0.1)  # warm: 0.1 s a task
    # 1 s of work is 10 tasks; 80 left over 4 groups x 2 workers allows 10
    assert planner.size(1.0) == 10
    assert planner.worth_spawning() is (2 * sweep.WORKER_START_SECONDS < 0.1 * 80)
    for _ in range(6):
        planner.queue.popleft()  # 74 left: at most ceil(74 / 8) = 10
    assert planner.size(1.0) == 10 and planner.size(0.25) == 2
    while len(planner.queue) > 9:
        planner.queue.popleft()
    assert planner.size(1.0) == 2  # ceil(9 / 8): the last groups are small, for balance


def test_a_group_holds_consecutive_points_of_one_scenario(tmp_path, monkeypatch):
    specs = _specs(tmp_path)  # scenario 0 points 0-5, scenario 1 points 0-5
    todo = [s for s in specs if (s.scenario_index, s.point) not in {(0, 2)}]  # (0, 2) done
    monkeypatch.setattr(sweep, "GROUP_SIZE", 3)
    planner = _GroupPlanner(todo, "code", workers=1)
    keys = []
    while (group := planner.next(1.0)) is not None:
        keys.append(group.key)
    assert keys == ["s00-p000000-p000001", "s00-p000003-p000005", "s01-p000000-p000002",
                    "s01-p000003-p000005"]
    assert [t for k in keys for t in key_tasks(k)] == [
        (s.scenario_index, s.point) for s in todo]
    assert key_tasks("s01-p000007") == [(1, 7)] and key_tasks("notes") == []


def test_a_crash_inside_a_group_resumes_to_the_same_tables(tmp_path, reference, monkeypatch):
    """Groups run in the driver (no process starts); the second group dies after writing its
    dyads part, before its runs part. The rerun, grouped otherwise, drops that orphan part
    and gives the uninterrupted tables."""
    exp = _experiment(tmp_path)
    folder = tmp_path / "crashed"
    monkeypatch.setattr(sweep, "WORKER_START_SECONDS", 1e9)  # the driver runs everything
    monkeypatch.setattr(sweep, "GROUP_SIZE", 2)
    writes = []
    real_write = SweepFolder.write_task

    def dying_write(self, key, tables):
        writes.append(key)
        if len(writes) == 2:
            from sim.runs.results_io import write_parquet

            write_parquet(tables["dyads"], self.part("dyads", key), "sweep/dyads")
            raise RuntimeError("killed between the dyads part and the runs part")
        return real_write(self, key, tables)

    monkeypatch.setattr(SweepFolder, "write_task", dying_write)
    with pytest.raises(RuntimeError, match="killed between"):
        run_sweep(exp, workers=2, out=folder, pool="processes")
    parts = SweepFolder(folder)
    assert parts.keys("runs") == ["s00-p000000-p000001"]
    assert parts.keys("dyads") == ["s00-p000000-p000001", "s00-p000002-p000003"]  # an orphan
    partial = load_sweep(folder)
    assert not partial.complete and len(partial.runs) == 2 * 3
    assert set(partial.dyads["point"]) == {0, 1}, "an orphan part's rows are not read"

    monkeypatch.setattr(SweepFolder, "write_task", real_write)
    monkeypatch.setattr(sweep, "GROUP_SIZE", 3)  # s00-p000002-p000004 now, and so on
    resumed = run_sweep(exp, workers=2, out=folder, pool="processes")
    assert (resumed.tasks_skipped, resumed.tasks_run) == (2, 10)
    assert resumed.extra["worker_processes"] == 0 and resumed.extra["tasks_in_driver"] == 10
    assert not (folder / "parts").exists()
    _assert_identical(reference, folder)


# ------------------------------------------------------------------ worker processes


def test_workers_are_single_threaded_and_the_driver_is_left_as_it_was():
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    mine = worker_info()
    with task_executor(2, None) as (ex, n):
        assert n == 2
        infos = [f.result() for f in [ex.submit(worker_info) for _ in range(4)]]
    for info in infos:
        assert info["pid"] != os.getpid()
        assert info["environment"] == dict.fromkeys(THREAD_VARIABLES, "1")
        assert info["thread_pools"], "threadpoolctl finds numpy's BLAS in a worker"
        assert all(pool["threads"] == 1 for pool in info["thread_pools"]), info
        assert info["numba_threads"] == 1
        assert info["code"] == code_fingerprint()
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == before
    assert worker_info()["thread_pools"] == mine["thread_pools"]


def test_the_code_fingerprint_follows_the_package_files(tmp_path):
    real = code_fingerprint()
    fake = tmp_path / "sim"
    (fake / "__pycache__").mkdir(parents=True)
    (fake / "sweep.py").write_text("# the module\n")
    (fake / "data").mkdir()
    (fake / "data" / "rates.toml").write_text("a = 1\n")

    def uncached() -> str:
        return sweep.fingerprint_of(fake)

    first = uncached()
    version, digest = first.split("+")
    assert version == sweep.version("rusiran-sim") and len(digest) == 12
    (fake / "__pycache__" / "sweep.cpython-312.pyc").write_bytes(b"compiled")
    (fake / "notes.swp").write_text("an editor's file")
    assert uncached() == first, "compiled and stray files are not code"
    (fake / "data" / "rates.toml").write_text("a = 2\n")
    assert uncached() != first, "a shipped table is part of the code"
    assert code_fingerprint() == real != first  # this process's own, computed once


def test_a_worker_running_other_code_is_refused(tmp_path, monkeypatch):
    real = code_fingerprint()
    with pytest.raises(CodeMismatchError) as err:
        worker_info("0.0.9+000000000000")
    assert "0.0.9+000000000000" in str(err.value) and real in str(err.value)
    group = TaskGroup(tuple(_specs(tmp_path)[:1]), "0.0.9+000000000000")
    with pytest.raises(CodeMismatchError):
        run_group(group)

    # a real spawned worker: the driver believes it runs other code than the worker imports
    # (a forked one is a copy of the driver, and runs its code by construction)
    monkeypatch.setattr(sweep, "code_fingerprint", lambda: "0.0.9+driver000000")
    monkeypatch.setattr(sweep, "DRIVER_RUNS_TASKS", False)
    monkeypatch.setattr(sweep, "WORKER_START_METHOD", "spawn")
    with pytest.raises(ConfigError) as err:
        run_sweep(_experiment(tmp_path), workers=2, out=tmp_path / "mixed", pool="processes")
    message = str(err.value)
    assert "runs rusiran-sim " + real in message and "driver runs 0.0.9+driver000000" in message
    assert SweepFolder(tmp_path / "mixed").keys("runs") == [], "nothing was written"


def test_groups_on_worker_processes_give_the_in_process_tables(tmp_path, reference,
                                                               monkeypatch):
    exp = _experiment(tmp_path)
    # every group on the two spawned workers, four tasks a group (4 + 2 per scenario)
    monkeypatch.setattr(sweep, "DRIVER_RUNS_TASKS", False)
    monkeypatch.setattr(sweep, "GROUP_SIZE", 4)
    # spawned: a test process has other threads (the forked way runs in a fresh process
    # below, `test_forked_workers_of_a_warm_driver_give_the_in_process_tables`)
    monkeypatch.setattr(sweep, "WORKER_START_METHOD", "spawn")
    workers = run_sweep(exp, workers=2, out=tmp_path / "workers", pool="processes")
    assert workers.engine == "processes" and workers.tasks_run == 12
    assert workers.extra["worker_processes"] == 2 and workers.extra["tasks_in_driver"] == 0
    assert workers.extra["worker_start"] == "spawn"
    assert workers.extra["groups"] == 4
    _assert_identical(reference, workers.folder)

    # the default: the driver and one spawned worker, groups sized from measured costs
    monkeypatch.setattr(sweep, "DRIVER_RUNS_TASKS", True)
    monkeypatch.setattr(sweep, "GROUP_SIZE", None)
    monkeypatch.setattr(sweep, "WORKER_START_SECONDS", 0.0)  # spawn at once
    shared = run_sweep(exp, workers=2, out=tmp_path / "shared", pool="processes")
    assert shared.extra["worker_processes"] == 1 and shared.extra["seconds_per_run"] > 0
    _assert_identical(reference, shared.folder)


_FORKED_SWEEP = """
import json, sys, warnings
from pathlib import Path
warnings.simplefilter("always")
import sim.runs.sweep as s
s.GROUP_SIZE = 2
s.FORKED_WORKER_START_SECONDS = 0.0  # fork once the driver is warm, however little is left
out = s.run_sweep(sys.argv[1], workers=2, pool="processes", out=Path(sys.argv[2]))
print(json.dumps(out.extra))
"""


def test_forked_workers_of_a_warm_driver_give_the_in_process_tables(tmp_path, reference):
    """A sweep started from a fresh, single-threaded process forks its worker once the driver
    has run a group (warm: the copy inherits its worlds and loaded kernels), with Python's
    warning about forking threaded processes silenced for that fork alone and no other."""
    exp = _experiment(tmp_path)
    done = subprocess.run([sys.executable, "-c", _FORKED_SWEEP, str(exp),
                           str(tmp_path / "forked")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    extra = json.loads(done.stdout.splitlines()[-1])
    assert extra["worker_start"] == "fork" and extra["worker_processes"] == 1
    assert 0 < extra["tasks_in_driver"] < 12, "the driver ran the first group, then shared"
    assert "fork" not in done.stderr, done.stderr[-2000:]
    _assert_identical(reference, tmp_path / "forked")


_FORKED_WORKER_INFO = """
import json
import numpy as np
import sim.runs.sweep as s
np.ones((64, 64)) @ np.ones((64, 64))  # the driver's BLAS pool is up before the fork
with s._process_pool(1, "fork") as ex:
    with s._starting("fork"):
        info = ex.submit(s.worker_info, s.code_fingerprint()).result()
print(json.dumps(info))
"""


def test_a_forked_worker_is_single_threaded_too():
    """A fork copies the driver's BLAS pool as it was; the worker limits its copy to one
    thread, and its environment says one thread to any library it loads later."""
    done = subprocess.run([sys.executable, "-c", _FORKED_WORKER_INFO], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    info = json.loads(done.stdout.splitlines()[-1])
    assert info["environment"] == dict.fromkeys(THREAD_VARIABLES, "1")
    assert info["thread_pools"], "threadpoolctl finds numpy's BLAS in a forked worker"
    assert all(pool["threads"] == 1 for pool in info["thread_pools"]), info
    assert info["code"] == code_fingerprint()


def test_a_driver_with_another_python_thread_spawns_its_workers(monkeypatch):
    """A fork copies one thread; a lock another Python thread holds would stay held in the
    child, so a driver that is not alone spawns (a progress bar's refresh thread, say)."""
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert sweep.worker_start_method() == "spawn"
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(sweep, "WORKER_START_METHOD", "fork")
    assert sweep.worker_start_method() == "fork"
    planner = _GroupPlanner([], "code", workers=2)
    planner.queue.extend(range(10))  # the work left by the floor: 10 tasks of a year
    monkeypatch.setattr(_GroupPlanner, "floor_seconds", lambda self: 1.0)
    assert sweep._process_start(True, planner, ran_in_driver=0) is None, \
        "a fork waits for the driver's first group, which warms up what the copy inherits"
    assert sweep._process_start(True, planner, ran_in_driver=1) == "fork"
    assert sweep._process_start(False, planner, ran_in_driver=0) == "fork"
    monkeypatch.setattr(sweep, "WORKER_START_METHOD", "spawn")
    assert sweep._process_start(True, planner, ran_in_driver=1) is None, \
        "1 s of work does not pay back a spawn's 3 s"


def test_groups_on_worker_threads_give_the_in_process_tables(tmp_path, reference,
                                                             monkeypatch):
    """Groups on a thread of the driver's process, which starts at once (no process is
    spawned), beside the driver's own groups."""
    exp = _experiment(tmp_path)
    monkeypatch.setattr(sweep, "GROUP_SIZE", 2)
    for name in sweep.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    threads = run_sweep(exp, workers=2, out=tmp_path / "threads", pool="threads")
    assert not any(name in os.environ for name in sweep.THREAD_VARIABLES), \
        "the worker threads' thread variables outlived the sweep"
    assert threads.engine == "threads" and threads.tasks_run == 12
    assert threads.extra["worker_threads"] == 1 and threads.extra["worker_processes"] == 0
    assert threads.extra["tasks_in_driver"] < 12, "the worker thread ran some groups"
    _assert_identical(reference, threads.folder)
    monkeypatch.setattr(sweep, "DRIVER_RUNS_TASKS", False)  # two worker threads
    both = run_sweep(exp, workers=2, out=tmp_path / "both", pool="threads")
    assert both.extra["worker_threads"] == 2 and both.extra["tasks_in_driver"] == 0
    _assert_identical(reference, both.folder)


def test_pool_auto_threads_only_for_large_batched_tasks_on_two_workers():
    assert sweep.local_pool("auto", 2, "batched", 1000) == "threads"
    assert sweep.local_pool("auto", 2, "batched", 16) == "processes"  # the GIL's share
    assert sweep.local_pool("auto", 4, "batched", 1000) == "processes"
    assert sweep.local_pool("auto", 2, "mesa", 1000) == "processes"
    assert sweep.local_pool("threads", 2, "batched", 2) == "threads"
    assert sweep.local_pool("processes", 2, "batched", 1000) == "processes"
    with pytest.raises(ConfigError, match="--pool: bad value 'fibres'"):
        sweep.local_pool("fibres", 2, "batched", 16)


def test_a_killed_parallel_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    """A real SIGKILL to a sweep whose groups run on two spawned workers; the rerun, in
    process and one part per task, completes it with the numbers of an uninterrupted run."""
    values = tuple(round(0.01 * k, 2) for k in range(1, 21))
    exp = _experiment(tmp_path, name="k", months=36, values=values)  # 2 x 20 tasks
    folder = tmp_path / "killed"
    code = ("import sim.runs.sweep as s; s.DRIVER_RUNS_TASKS = False; s.GROUP_SIZE = 2; "
            f"s.run_sweep({str(exp)!r}, workers=2, pool='processes', "
            f"out=__import__('pathlib').Path({str(folder)!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if len(SweepFolder(folder).done_tasks()) >= 4 or proc.poll() is not None:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers
    proc.wait(timeout=30)
    held = len(SweepFolder(folder).done_tasks())
    assert 0 < held < 40, f"the kill should land mid-sweep ({held} of 40 tasks done)"
    assert not load_sweep(folder).complete

    resumed = run_sweep(exp, workers=1, out=folder)
    assert (resumed.tasks_skipped, resumed.tasks_run) == (held, 40 - held)
    whole = run_sweep(exp, workers=1, out=tmp_path / "whole")
    _assert_identical(whole.folder, folder)


# ------------------------------------------------------------------ Dask


def test_a_dask_cluster_gives_the_in_process_tables(tmp_path, reference, monkeypatch):
    """Two Dask worker processes behind a scheduler, reached by its address as
    `sim sweep --scheduler` would; skipped where the sandbox cannot start them."""
    distributed = pytest.importorskip("distributed")
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
    except Exception as exc:  # no sockets or no subprocesses in this sandbox
        pytest.skip(f"cannot start a Dask LocalCluster here: {exc!r}")
    with cluster, distributed.Client(cluster.scheduler_address) as client:
        out = run_sweep(_experiment(tmp_path), scheduler=cluster.scheduler_address,
                        out=tmp_path / "dask")
        assert out.engine == "dask" and out.workers == 2 and out.extra["groups"] >= 2
        _assert_identical(reference, out.folder)
        for info in client.run(worker_info).values():
            assert info["code"] == code_fingerprint()
            assert all(pool["threads"] == 1 for pool in info["thread_pools"]), info

        monkeypatch.setattr(sweep, "code_fingerprint", lambda: "0.0.9+driver000000")
        with pytest.raises(ConfigError, match=r"driver runs 0\.0\.9"):
            run_sweep(_experiment(tmp_path), scheduler=cluster.scheduler_address,
                      out=tmp_path / "mixed")
