"""Special, huge and odd files are refused with a message naming the file, never read
whole, never waited on (issue 16, defect 2): sim.core.safe_read and every loader on it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.analysis.blocs.io import read_matrix_csv
from sim.analysis.calibration.unga import load_unga
from sim.cli.app import app
from sim.core import safe_read
from sim.core.config_errors import ConfigError
from sim.core.safe_read import read_bounded, read_text_bounded
from sim.inputs.scenario import load_scenario
from sim.seminar.records import read_session_file

runner = CliRunner()


def _fifo(tmp_path):
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


def test_regular_files_are_read_and_a_bom_is_dropped(tmp_path):
    f = tmp_path / "a.toml"
    f.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert read_bounded(f).startswith(b"\xef\xbb\xbf")
    assert read_text_bounded(f) == "name = 'x'\n"


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "missing"])
def test_special_paths_are_refused_at_once_naming_the_file(tmp_path, kind):
    path = {"folder": lambda: tmp_path, "fifo": lambda: _fifo(tmp_path),
            "device": lambda: "/dev/zero", "missing": lambda: tmp_path / "nope.toml"}[kind]()
    started = time.monotonic()
    with pytest.raises(ConfigError) as err:
        read_bounded(path)
    assert time.monotonic() - started < 2.0  # a FIFO is never waited on
    reason = {"folder": "is a folder", "fifo": "not a regular file",
              "device": "not a regular file", "missing": "file not found"}[kind]
    assert str(path) in str(err.value) and reason in str(err.value)


def test_files_above_their_kinds_limit_are_refused_with_the_sizes(tmp_path, monkeypatch):
    monkeypatch.setitem(safe_read.LIMITS, "matrix", 1000)
    f = tmp_path / "m.csv"
    f.write_text("a,b\n" * 400)
    with pytest.raises(ConfigError, match=r"is 1600 bytes: matrix files above 1000 bytes"):
        read_bounded(f, "matrix")
    assert read_bounded(f, "configuration")  # another kind, another limit


@pytest.mark.parametrize("field", ["dynamics_file", "roster", "extends"])
def test_a_scenario_naming_a_device_or_fifo_is_refused_quickly(tmp_path, field):
    pipe = _fifo(tmp_path)
    for target in ("/dev/zero", str(pipe)):
        sc = tmp_path / "s.toml"
        sc.write_text(f'name = "s"\n{field} = "{target}"\n')
        started = time.monotonic()
        with pytest.raises(ConfigError) as err:
            load_scenario(sc)
        assert time.monotonic() - started < 5.0
        assert target in str(err.value) or "not a regular file" in str(err.value), err.value


def test_sim_validate_on_dev_zero_gives_a_message_not_a_traceback(tmp_path):
    sc = tmp_path / "s.toml"
    sc.write_text('name = "s"\ndynamics_file = "/dev/zero"\n')
    result = runner.invoke(app, ["validate", str(sc)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "not a regular file" in result.output


def test_session_matrix_and_data_files_go_through_the_same_reader(tmp_path):
    pipe = _fifo(tmp_path)
    for load in (read_session_file, read_matrix_csv, load_unga):
        for path in (pipe, tmp_path, Path("/dev/zero")):
            with pytest.raises(ConfigError, match=r"not a regular file|is a folder"):
                load(path)


def test_a_bom_in_a_csv_file_is_accepted(tmp_path):
    from sim.analysis.calibration.unga import default_data_file

    data = default_data_file().read_bytes()
    f = tmp_path / "unga.csv"
    f.write_bytes(b"\xef\xbb\xbf" + data)
    assert len(load_unga(f)) == len(load_unga(default_data_file()))
