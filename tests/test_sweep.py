"""Sweeps: identical results whatever the engine, and a killed sweep resumes exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from experiment_files import write_experiment

from sim.core.config_errors import ConfigError
from sim.runs.sweep import SweepFolder, load_sweep, run_sweep


def _experiment(tmp_path: Path, name: str = "t", months: int = 12,
                values: tuple[float, ...] = (0.06, 0.18)) -> Path:
    return write_experiment(tmp_path, name, seed=31, months=months,
                            parameters={"dynamics.sanctions_value": values,
                                        "dummy.control": (0.0, 1.0)})


def _assert_same(a, b) -> None:
    for kind in ("runs", "dyads", "trajectories"):
        pd.testing.assert_frame_equal(getattr(a, kind), getattr(b, kind), check_exact=True)


def test_one_worker_two_workers_and_dask_give_identical_results(tmp_path):
    exp = _experiment(tmp_path)
    one = run_sweep(exp, workers=1, out=tmp_path / "one")
    two = run_sweep(exp, workers=2, out=tmp_path / "two", pool="processes")
    threads = run_sweep(exp, workers=2, out=tmp_path / "threads", pool="threads")
    from distributed import LocalCluster

    # the scheduler's HTTP server always starts: ":0" gives it a free port, so that two
    # clusters of parallel test workers do not both ask for 8787
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        dask = run_sweep(exp, scheduler=cluster.scheduler_address, out=tmp_path / "dask")
    assert (one.engine, two.engine, threads.engine, dask.engine) == (
        "in-process", "processes", "threads", "dask")
    assert threads.extra["worker_threads"] == 1 and threads.extra["worker_processes"] == 0
    results = [load_sweep(o.folder) for o in (one, two, dask, threads)]
    assert all(r.complete for r in results)
    assert len(results[0].runs) == 2 * 4 * 3  # scenarios x points x replicates
    _assert_same(results[0], results[1])
    _assert_same(results[0], results[3])
    _assert_same(results[0], results[2])


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    """A real SIGKILL to a real `sim sweep` process part-way; the rerun completes it."""
    exp = _experiment(tmp_path, name="k", months=36,
                      values=(0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22))
    folder = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(folder), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(SweepFolder(folder).done_tasks()) >= 5 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    interrupted = len(SweepFolder(folder).done_tasks())  # in the groups written
    assert 0 < interrupted < 40, f"the kill should land mid-sweep ({interrupted} of 40 done)"
    assert not load_sweep(folder).complete

    resumed = run_sweep(exp, workers=2, out=folder)
    assert resumed.tasks_skipped == interrupted
    assert resumed.tasks_run == 40 - interrupted
    whole = run_sweep(exp, workers=1, out=tmp_path / "whole")
    a, b = load_sweep(folder), load_sweep(whole.folder)
    assert a.complete and b.complete
    keys = a.runs[["scenario", "point", "replicate"]]
    assert not keys.duplicated().any() and len(keys) == 2 * 20 * 3
    _assert_same(a, b)


def test_rerun_of_a_complete_sweep_does_nothing_and_other_experiments_are_refused(tmp_path):
    exp = _experiment(tmp_path)
    folder = tmp_path / "s"
    run_sweep(exp, out=folder)
    again = run_sweep(exp, out=folder)
    assert again.tasks_run == 0 and again.tasks_skipped == again.tasks_total
    other = _experiment(tmp_path, name="t", values=(0.06, 0.10))
    with pytest.raises(ConfigError, match="different experiment"):
        run_sweep(other, out=folder)
    restarted = run_sweep(other, out=folder, restart=True)
    assert restarted.tasks_run == restarted.tasks_total


def test_seeds_depend_on_replicate_not_on_point(tmp_path):
    """Common random numbers: replicate k has the same seed at every point and scenario."""
    run_sweep(_experiment(tmp_path), out=tmp_path / "s")
    runs = load_sweep(tmp_path / "s").runs
    per_rep = runs.groupby("replicate")["seed"].nunique()
    assert (per_rep == 1).all()
    assert runs.groupby(["scenario", "point"])["seed"].nunique().eq(3).all()


def test_mesa_engine_gives_the_same_sweep(tmp_path):
    """The per-agent path on request: the same tables as the batched default."""
    exp = _experiment(tmp_path, months=6)
    batched = load_sweep(run_sweep(exp, out=tmp_path / "b").folder)
    mesa = load_sweep(run_sweep(exp, out=tmp_path / "m", engine="mesa").folder)
    _assert_same(batched, mesa)


def test_chunking_within_a_task_changes_nothing(tmp_path, monkeypatch):
    """Replicates run in chunks inside a task to bound memory; the tables are the same."""
    import sim.runs.sweep

    exp = _experiment(tmp_path, months=6)
    whole = load_sweep(run_sweep(exp, out=tmp_path / "whole").folder)
    monkeypatch.setattr(sim.runs.sweep, "CHUNK", 2)
    chunked = load_sweep(run_sweep(exp, out=tmp_path / "chunked").folder)
    _assert_same(whole, chunked)


def test_scenario_files_are_found_beside_the_experiment(tmp_path, monkeypatch):
    """A scenario named as a .toml path is the file beside the experiment, for validation,
    the run and the manifest alike, whatever folder the command runs from."""
    (tmp_path / "mine.toml").write_text('name = "mine"\nextends = "baseline"\n'
                                        'horizon_months = 12\n')
    exp = tmp_path / "e.toml"
    exp.write_text('name = "e"\nscenarios = ["mine.toml"]\nseed = 2\nreplicates = 2\n'
                   'months = 3\n[outputs]\ntimes = [3]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    res = load_sweep(run_sweep(exp, out=tmp_path / "s").folder)
    assert res.complete and set(res.runs["scenario"]) == {"mine"}
    chain = res.manifest["scenarios"]["mine.toml"]
    assert Path(chain[0]["file"]) == (tmp_path / "mine.toml").resolve()
