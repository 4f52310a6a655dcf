"""Fail early, lose nothing (issue 16, defects 4 and 9): a results folder that cannot take
a run is refused before the ensemble runs; partial folders of killed runs are cleaned;
nothing unexpected reaches the terminal as a traceback."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

import sim.cli
from sim.core.config_errors import ConfigError
from sim.runs import results_io, run_job
from sim.runs.results_io import OWNER_FILE, check_writable, clean_stale_partials, staged_dir


def _never_simulate(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the ensemble ran before the folder was checked")

    monkeypatch.setattr(run_job, "run_ensemble", boom)


def test_a_file_in_the_way_is_refused_before_the_ensemble_runs(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    _never_simulate(monkeypatch)
    with pytest.raises(ConfigError, match="afile: is a file, not a folder"):
        run_job.run_scenario("baseline", replicates=2, base_seed=1,
                             results_dir=tmp_path / "afile" / "sub")


def test_a_read_only_file_system_is_refused_before_the_ensemble_runs(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(results_io.tempfile, "mkstemp", read_only)
    _never_simulate(monkeypatch)
    with pytest.raises(ConfigError, match=f"{tmp_path}: cannot be written: Read-only"):
        run_job.run_scenario("baseline", replicates=2, base_seed=1, results_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # the probe left nothing


def test_a_full_disk_is_refused_with_the_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(results_io.shutil, "disk_usage",
                        lambda p: type("U", (), {"free": 2**20})())
    with pytest.raises(ConfigError, match=r"1 MiB free; this output needs about 500 MiB"):
        check_writable(tmp_path, needed_bytes=500 * 2**20)


def test_partial_folders_of_dead_processes_are_cleaned_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    import socket

    for name, owner in (("dead", f"{socket.gethostname()} {dead}"),
                        ("alive", f"{socket.gethostname()} {__import__('os').getpid()}"),
                        ("elsewhere", f"another-host {dead}")):
        folder = tmp_path / f".partial-{name}"
        folder.mkdir()
        (folder / OWNER_FILE).write_text(owner)
    (tmp_path / ".partial-unmarked").mkdir()  # no owner: left alone
    assert clean_stale_partials(tmp_path) == [tmp_path / ".partial-dead"]
    with staged_dir(tmp_path, "run") as tmp:
        assert (tmp / OWNER_FILE).read_text().split()[1] == str(__import__("os").getpid())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".partial-alive", ".partial-elsewhere", ".partial-unmarked", "run"]
    assert not (tmp_path / "run" / OWNER_FILE).exists()


def test_a_killed_run_leaves_a_partial_that_the_next_run_removes(tmp_path):
    """SIGKILL in the middle of writing: the partial folder stays, and goes with the next
    run into the same folder."""
    code = ("import os, signal, sys\n"
            "from pathlib import Path\n"
            "from sim.runs.results_io import staged_dir\n"
            f"with staged_dir(Path({str(tmp_path)!r}), 'victim') as tmp:\n"
            "    (tmp / 'half.parquet').write_bytes(b'x')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (tmp_path / ".partial-victim").is_dir()
    with staged_dir(tmp_path, "next"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next"]


def test_no_traceback_reaches_the_terminal(monkeypatch, capsys):
    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device", "/results/runs/x.parquet")

    monkeypatch.setattr(sim.cli, "app", disk_full)
    with pytest.raises(SystemExit) as stop:
        sim.cli.main()
    err = capsys.readouterr().err
    assert stop.value.code == 1 and "Traceback" not in err
    assert "/results/runs/x.parquet: No space left on device" in err

    def bug():
        raise KeyError("surprise")

    monkeypatch.setattr(sim.cli, "app", bug)
    with pytest.raises(SystemExit):
        sim.cli.main()
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err and "sim-crash-" in err


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped (a container's init may not reap)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_a_killed_sweep_leaves_no_worker_behind(tmp_path, method):
    """SIGKILL the driver while its two workers are busy: both end within a few seconds
    (issue 16: they used to live on, about 0.5 GB each), spawned or forked."""
    import os
    import signal
    import time

    code = ("import time, sys\n"
            "from sim.runs.sweep import _process_pool\n"
            f"with _process_pool(2, {method!r}) as ex:\n"
            "    futures = [ex.submit(time.sleep, 120) for _ in range(2)]\n"
            "    while len(ex._processes) < 2:\n"
            "        time.sleep(0.05)\n"
            "    time.sleep(1.0)\n"
            "    print(' '.join(str(p) for p in ex._processes), flush=True)\n"
            "    time.sleep(120)\n")
    driver = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in driver.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in workers if _alive(p)]
        assert not left, f"workers {left} outlived their driver"
    finally:
        if driver.poll() is None:
            driver.kill()


def test_sim_validate_is_light():
    """Issue 16: every command imported the whole seminar stack and the compiled kernels,
    7 s of CPU even for `sim validate`. Validation now loads neither (measured: 0.5 s of
    CPU in all for `sim validate baseline`); asserted on what is imported, not on time."""
    code = ("import sys\n"
            "from typer.testing import CliRunner\n"
            "from sim.cli import app\n"
            "result = CliRunner().invoke(app, ['validate', 'baseline'])\n"
            "assert result.exit_code == 0, result.output\n"
            "heavy = [m for m in ('numba', 'sim.seminar.session', 'solara', 'matplotlib',\n"
            "                     'sim.runs.cone') if m in sys.modules]\n"
            "print(' '.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"sim validate imported {out}"


def test_a_bad_setting_in_the_environment_is_named_not_an_internal_error(monkeypatch,
                                                                          capsys):
    monkeypatch.setenv("SIM_WORKERS", "0")
    monkeypatch.setattr(sys, "argv", ["sim", "run", "baseline", "-n", "2"])
    with pytest.raises(SystemExit) as stop:
        sim.cli.main()
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "internal error" not in err
    assert "SIM_WORKERS: bad value '0'" in err
