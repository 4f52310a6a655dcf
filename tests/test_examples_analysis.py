"""examples/salib_sweep.py and examples/query_run.py run, and their numbers are the model's:
the hand-made Morris screening equals `sim sensitivity`'s, and the DuckDB and polars
answers equal each other and the batched path's arrays."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_salib_example_screens_the_sweep_as_sim_sensitivity_does(tmp_path, capsys):
    from sim.analysis.sensitivity import analyse
    from sim.runs.sweep import load_sweep

    example = _example("salib_sweep")
    table = example.main(out=tmp_path)
    printed = capsys.readouterr().out
    assert printed.startswith("Morris screening of m_bloc_cohesion_end (30 points x 2 ")
    assert "The dummy's mu* is exactly zero, as it must be." in printed
    assert re.search(r"dummy\.control\s+0\.00\s+0\.00\s+0\.00", printed)

    mu = table.set_index("parameter")["mu_star"]
    assert mu["dummy.control"] == 0.0  # the model never reads it: every effect is exactly 0
    assert (mu.drop("dummy.control") > 0).all()
    report = analyse(load_sweep(tmp_path / "sweep"), "run:bloc_cohesion_end",
                     out=tmp_path / "sensitivity")
    package = report.table.set_index("parameter")
    for column in ("mu_star", "mu_star_conf", "sigma"):
        np.testing.assert_allclose(table.set_index("parameter")[column],
                                   package.loc[mu.index, column], rtol=1e-12, atol=0)


def test_query_example_joins_a_run_in_duckdb_and_polars_to_the_model_numbers(tmp_path,
                                                                             capsys):
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario
    from sim.runs.ensemble import ensemble_seeds, run_batched

    example = _example("query_run")
    sql, lazy, run = example.main(out=tmp_path)
    printed = capsys.readouterr().out
    assert f"same {len(sql)} actors in the same order: yes" in printed
    assert run.parent == tmp_path / "runs" and (run / "trajectories.parquet").exists()

    assert sql.columns == lazy.columns == ["name", "actor_kind", "mean", "lowest", "highest"]
    assert sql["name"].to_list() == lazy["name"].to_list()
    for column in ("mean", "lowest", "highest"):
        np.testing.assert_allclose(sql[column].to_numpy(), lazy[column].to_numpy(),
                                   rtol=1e-12, atol=0)

    world = build_world(load_scenario(example.SCENARIO))
    rec = run_batched(world, ensemble_seeds(1, example.REPLICATES), keep_terms=False)
    ids = list(world.roster.ids)
    assert len(sql) == len(ids) - 1  # every actor but Russia itself
    iran = sql.row(by_predicate=pl.col("name") == "Iran", named=True)
    assert iran["actor_kind"] == "state"
    last = rec.alignment[-1, :, ids.index("IRN"), ids.index(example.TARGET)]
    assert iran["mean"] == pytest.approx(last.mean(), rel=1e-12)
    assert (iran["lowest"], iran["highest"]) == (last.min(), last.max())
    assert sql["mean"].is_sorted(descending=True)
