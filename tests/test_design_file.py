"""External designs: `sim sweep` runs the points of a CSV or Parquet table (made by EMA
Workbench, SALib or a PRIM box) exactly as the same points given as a grid."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from experiment_files import write_experiment

from sim.core.config_errors import ConfigError
from sim.inputs.experiment import design_points, load_experiment
from sim.runs.sweep import load_sweep, run_sweep

GRID = """\
[design]
kind = "grid"
[[parameters]]
name = "dynamics.sanctions_value"
values = [0.5, 1.0]
[[parameters]]
name = "actor.IRN.power"
values = [0.2, 0.3]
"""
POINTS = list(itertools.product([0.5, 1.0], [0.2, 0.3]))


def _write_design(tmp_path, suffix: str, columns=("dynamics.sanctions_value",
                                                   "actor.IRN.power"), rows=POINTS):
    table = pd.DataFrame(rows, columns=list(columns))
    path = tmp_path / f"points{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")  # with a byte-order mark
    else:
        table.to_parquet(path)
    return path


def _experiment(tmp_path, name: str, design: str):
    return write_experiment(tmp_path, name, design=design, scenarios=("baseline",), seed=3,
                            replicates=2, months=6, times=(6,), trajectories="none",
                            dyads=("IRN:RUS",))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_design_file_runs_as_the_same_points_given_as_a_grid(tmp_path, suffix):
    grid = _experiment(tmp_path, "grid", GRID)
    design = _write_design(tmp_path, suffix)
    external = _experiment(tmp_path, "external",
                           f'[design]\nkind = "file"\nfile = "{design.name}"\n')
    exp = load_experiment(external)
    assert [p.name for p in exp.parameters] == ["dynamics.sanctions_value", "actor.IRN.power"]
    np.testing.assert_array_equal(design_points(exp), design_points(load_experiment(grid)))
    a = load_sweep(run_sweep(grid, out=tmp_path / "a").folder)
    b = load_sweep(run_sweep(external, out=tmp_path / "b").folder)
    for kind in ("runs", "dyads"):
        pd.testing.assert_frame_equal(getattr(a, kind), getattr(b, kind), check_exact=True)


def test_declared_parameters_fix_the_order_and_bound_the_file(tmp_path):
    design = _write_design(tmp_path, ".csv", columns=("actor.IRN.power",
                                                      "dynamics.sanctions_value"),
                           rows=[(b, a) for a, b in POINTS])
    declared = ('[design]\nkind = "file"\nfile = "points.csv"\n'
                '[[parameters]]\nname = "dynamics.sanctions_value"\nlow = 0.0\nhigh = 2.0\n'
                '[[parameters]]\nname = "actor.IRN.power"\nlow = 0.0\nhigh = 1.0\n')
    exp = load_experiment(_experiment(tmp_path, "declared", declared))
    np.testing.assert_array_equal(design_points(exp), np.array(POINTS))
    narrow = declared.replace("high = 2.0", "high = 0.8")
    with pytest.raises(ConfigError) as exc:
        load_experiment(_experiment(tmp_path, "narrow", narrow))
    assert "dynamics.sanctions_value" in str(exc.value) and "[0.0, 0.8]" in str(exc.value)
    assert design.exists()


@pytest.mark.parametrize(("columns", "rows", "pieces"), [
    (("dynamics.sanction_value",), [(0.5,)], ["dynamics.sanction_value", "sanctions_value"]),
    (("dynamics.sanctions_value",), [(50.0,)], ["50.0", "allowed within [0.0, 5.0]"]),
    (("dynamics.sanctions_value",), [("abc",)], ["row 1", "'abc'", "a finite number"]),
    (("dynamics.sanctions_value",), [], ["no points"]),
])
def test_bad_design_files_are_refused_naming_file_column_and_value(tmp_path, columns, rows,
                                                                   pieces):
    design = _write_design(tmp_path, ".csv", columns=columns, rows=rows)
    path = _experiment(tmp_path, "bad", f'[design]\nkind = "file"\nfile = "{design.name}"\n')
    with pytest.raises(ConfigError) as exc:
        load_experiment(path)
    text = str(exc.value)
    assert str(design) in text or str(path) in text
    for piece in pieces:
        assert piece in text, (piece, text)


def test_a_missing_or_special_design_file_is_refused(tmp_path):
    for target in ("nowhere.csv", "."):
        path = _experiment(tmp_path, "missing", f'[design]\nkind = "file"\nfile = "{target}"\n')
        with pytest.raises(ConfigError) as exc:
            load_experiment(path)
        assert "not a regular file" in str(exc.value)
    path = _experiment(tmp_path, "nofile", '[design]\nkind = "file"\n')
    with pytest.raises(ConfigError) as exc:
        load_experiment(path)
    assert "needs design.file" in str(exc.value)
