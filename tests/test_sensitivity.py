"""Sensitivity indices: a parameter without effect comes out near zero (its interval covers
zero), and the dominant parameter of a hand-built case ranks first."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.analysis.sensitivity import analyse, morris_indices, sobol_indices
from sim.runs.sweep import load_sweep, run_sweep

PROBLEM = {"num_vars": 3, "names": ["dominant", "weak", "dummy"],
           "bounds": [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]}


def _hand_built(x: np.ndarray) -> np.ndarray:
    """y = 4 sin(pi x0) + 0.5 x1 + 0 x2: x0 dominates, x2 does nothing."""
    return 4.0 * np.sin(np.pi * x[:, 0]) + 0.5 * x[:, 1]


def test_sobol_on_a_hand_built_case():
    x = sobol_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=3)
    df = sobol_indices(PROBLEM, _hand_built(x), seed=3).set_index("parameter")
    assert df.index[0] == "dominant"
    assert df.loc["dominant", "ST"] > 0.9
    assert df.loc["dummy", "S1_low"] <= 0.0 <= df.loc["dummy", "S1_high"]
    assert abs(df.loc["dummy", "ST"]) < 0.01 and df.loc["dummy", "ST_low"] <= 0.0


def test_morris_on_a_hand_built_case():
    x = morris_sample.sample(PROBLEM, 40, num_levels=4, seed=5)
    df = morris_indices(PROBLEM, x, _hand_built(x), levels=4, seed=5).set_index("parameter")
    assert df.index[0] == "dominant"
    assert df.loc["dummy", "mu_star"] == 0.0
    assert df.loc["dominant", "mu_star"] > 10 * df.loc["weak", "mu_star"]


EXPERIMENT = """\
name = "{name}"
scenarios = ["baseline"]
seed = 5
replicates = 2
months = 24
[design]
kind = "{kind}"
samples = {samples}
levels = 4
[[parameters]]
name = "domestic_balance.IRN"
low = 0.0
high = 1.0
[[parameters]]
name = "dummy.control"
low = 0.0
high = 1.0
[outputs]
times = [24]
trajectories = "none"
dyads = ["IRN:RUS"]
"""


def test_indices_of_the_model_rank_the_dominant_parameter_and_clear_the_dummy(tmp_path):
    """On the model itself: Iran's domestic balance sets Iran's ideal towards Russia (the
    hardline ideal 0.7 against the reform ideal 0.35), a dummy parameter sets nothing."""
    for kind, samples in (("sobol", 64), ("morris", 10)):
        path = tmp_path / f"{kind}.toml"
        path.write_text(EXPERIMENT.format(name=kind, kind=kind, samples=samples))
        folder = run_sweep(path, workers=2, out=tmp_path / kind).folder
        report = analyse(load_sweep(folder), "dyad:IRN:RUS:mean")
        df = report.table.set_index("parameter")
        assert df.index[0] == "domestic_balance.IRN"
        if kind == "sobol":
            assert df.loc["domestic_balance.IRN", "ST"] > 0.8
            assert df.loc["dummy.control", "S1_low"] <= 0.0 <= df.loc["dummy.control", "S1_high"]
            assert abs(df.loc["dummy.control", "ST"]) < 0.02
        else:
            assert df.loc["dummy.control", "mu_star"] < 1e-3
        assert (report.folder / "indices.png").exists()
        assert (report.folder / "indices.csv").exists()


def test_cli_runs_the_sweep_on_either_engine_with_the_same_indices(tmp_path, monkeypatch):
    """`sim sensitivity EXPERIMENT` runs the sweep first, batched by default and through the
    Mesa agents on request; the indices are the same."""
    from typer.testing import CliRunner

    from sim.cli import app

    path = tmp_path / "tiny.toml"
    path.write_text(EXPERIMENT.format(name="tiny", kind="morris", samples=3)
                    .replace("months = 24", "months = 6").replace("times = [24]", "times = [6]"))
    tables = {}
    for engine in ("batched", "mesa"):
        monkeypatch.setenv("SIM_RESULTS_DIR", str(tmp_path / engine))
        result = CliRunner().invoke(app, ["sensitivity", str(path), "--workers", "1",
                                          "--engine", engine, "--output", "dyad:IRN:RUS:mean"])
        assert result.exit_code == 0, result.output
        (csv,) = (tmp_path / engine).rglob("indices.csv")
        tables[engine] = pd.read_csv(csv)
    pd.testing.assert_frame_equal(tables["batched"], tables["mesa"], check_exact=True)
    bad = CliRunner().invoke(app, ["sensitivity", str(path), "--engine", "warp"])
    assert bad.exit_code == 2
    assert "--engine: bad value 'warp'" in bad.output
