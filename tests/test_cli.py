"""The command line as a user meets it: params with sources, run, explain, failures."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def test_params_prints_sources(monkeypatch):
    monkeypatch.setattr("sim.cli.ui.console", Console(width=400))  # no wrapping inside quotes
    result = runner.invoke(app, ["params", "iran"])
    assert result.exit_code == 0, result.output
    assert "Iran (IRN" in result.output
    assert "sanctions_exposure" in result.output
    assert "003_ce207ddf94db0e6d.txt" in result.output
    assert "most sanctioned" in result.output
    assert "assumption" in result.output


def test_params_unknown_actor():
    result = runner.invoke(app, ["params", "atlantis"])
    assert result.exit_code == 2
    assert "unknown actor" in result.output


def test_run_writes_self_describing_results_and_explain_reads_them(tmp_path):
    result = runner.invoke(app, ["run", "baseline", "-n", "3", "--engine", "batched",
                                 "--seed", "5", "--results", str(tmp_path), "--no-figure"])
    assert result.exit_code == 0, result.output
    latest = tmp_path / "latest"
    files = {p.name for p in latest.iterdir()}
    assert {"manifest.json", "trajectories.parquet", "drivers.parquet", "actions.parquet",
            "events.parquet", "summary.json", "summary.md"} <= files
    man = json.loads((latest / "manifest.json").read_text())
    assert man["scenario"]["name"] == "baseline"
    assert man["seeds"] == [5, 6, 7]
    assert man["code"]["package"]
    assert "noise_sd" in man["dynamics"]
    assert len(man["scenario"]["sha256"]) == 64
    assert [Path(c["file"]).name for c in man["scenario"]["extends_chain"]] == ["baseline.toml"]
    out = runner.invoke(app, ["explain", "RUS", "IRN", "--results", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "RUS -> IRN" in out.output
    assert "sanctions pressure" in out.output
    one = runner.invoke(app, ["explain", "IRN", "RUS", "--replicate", "1",
                              "--results", str(tmp_path)])
    assert one.exit_code == 0 and "replicate 1" in one.output


def test_failed_run_touches_nothing(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "keep.txt").write_text("earlier work")
    bad = tmp_path / "bad.toml"
    bad.write_text(BASELINE.read_text().replace('targets = ["RUS"]', 'targets = ["XXX"]'))
    result = runner.invoke(app, ["run", str(bad), "-n", "2", "--results", str(results)])
    assert result.exit_code == 2
    assert "bad value 'XXX': unknown actor" in " ".join(result.output.split())
    assert "runs" not in result.output  # refused before any run started
    assert sorted(p.name for p in results.iterdir()) == ["keep.txt"]
    assert (results / "keep.txt").read_text() == "earlier work"


def test_validate_and_listing_commands():
    assert runner.invoke(app, ["validate", str(BASELINE)]).exit_code == 0
    listing = runner.invoke(app, ["scenarios"])
    assert listing.exit_code == 0 and "baseline" in listing.output
    drivers = runner.invoke(app, ["drivers"], env={"COLUMNS": "200"})
    assert drivers.exit_code == 0 and "common_threat" in drivers.output
