"""Results that describe themselves: every Parquet file a run or a sweep writes has a unit and
a description for every column, one dtype per column name across all files, tables that
polars and DuckDB join without casts, and a complete sweep compacted into one analysis
table (issue 14)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from experiment_files import write_experiment

import sim.runs.compaction
import sim.runs.sweep
from sim.core.config_errors import ConfigError
from sim.dynamics.drivers import TERM_NAMES
from sim.runs import schema
from sim.runs.results_io import write_parquet
from sim.runs.run_job import run_scenario
from sim.runs.sweep import SweepFolder, load_sweep, run_sweep

SHORT = 'name = "short"\nextends = "baseline"\nhorizon_months = 24\n'


RUN_TABLES = ("trajectories", "drivers", "actions", "events", "actors")
SQL = re.compile(r"[a-z][a-z0-9_]*")


def _experiment(folder: Path, name: str = "s", trajectories: str = "chosen") -> Path:
    return write_experiment(folder, name, replicates=2, months=6, times=(3, 6),
                            trajectories=trajectories,
                            parameters={"dynamics.sanctions_value": (0.5, 1.0),
                                        "domestic_balance.IRN": (0.6, 0.9)})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("run")
    (tmp / "short.toml").write_text(SHORT)
    out = run_scenario(str(tmp / "short.toml"), replicates=3, base_seed=5,
                       results_dir=tmp / "results", engine="batched", figure=False)
    return out.directory


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """The same sweep compacted, and left as parts (as a sweep killed before compacting)."""
    tmp = tmp_path_factory.mktemp("sweeps")
    exp = _experiment(tmp)
    compacted = run_sweep(exp, out=tmp / "compacted").folder
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.runs.sweep, "compact_sweep", lambda folder, keys, stream=None: None)
        parts = run_sweep(exp, out=tmp / "parts").folder
    return {"compacted": compacted, "parts": parts}


def _files(run_dir: Path, sweeps: dict[str, Path]) -> list[Path]:
    files = [*run_dir.glob("*.parquet"), *sweeps["compacted"].rglob("*.parquet"),
             *sweeps["parts"].rglob("*.parquet")]
    assert {f.name for f in run_dir.glob("*.parquet")} == {f"{t}.parquet" for t in RUN_TABLES}
    assert len(list((sweeps["parts"] / "parts").rglob("*.parquet"))) > 0
    return files


# ------------------------------------------------------------------------ every file


def test_every_column_of_every_file_has_a_description_a_unit_and_its_dtype(run_dir, sweeps):
    for path in _files(run_dir, sweeps):
        sch = pq.read_schema(path)
        assert sch.metadata[b"table"].decode() in schema.TABLES, path
        assert sch.metadata[b"description"], path
        for f in sch:
            meta = f.metadata or {}
            assert meta.get(b"description", b"").strip(), f"{path}: {f.name} has no description"
            assert meta.get(b"unit", b"").strip(), f"{path}: {f.name} has no unit"
            # a column the table does not define is an error: column() raises for it
            want = (schema.parameter_column(meta[b"parameter"].decode())
                    if b"parameter" in meta else schema.column(f.name))
            assert want.name == f.name
            assert f.type == want.arrow_type, f"{path}: {f.name} is {f.type}, not {want.dtype}"
            assert meta[b"description"].decode() == want.description
            assert meta[b"unit"].decode() == want.unit


def test_one_dtype_per_column_name_across_all_files_and_no_categoricals(run_dir, sweeps):
    seen: dict[str, set[str]] = {}
    for path in _files(run_dir, sweeps):
        for f in pq.read_schema(path):
            seen.setdefault(f.name, set()).add(str(f.type))
        frame = pd.read_parquet(path)
        assert not any(isinstance(t, pd.CategoricalDtype) for t in frame.dtypes), path
    mixed = {name: types for name, types in seen.items() if len(types) > 1}
    assert not mixed, f"columns with more than one dtype: {mixed}"
    for name in ("replicate", "step", "source", "target", "scenario", "point", "alignment"):
        assert name in seen
    assert seen["replicate"] == {"int32"} and seen["step"] == {"int32"}
    assert seen["date"] == {"string"} and seen["source"] == {"string"}


def test_a_column_the_schema_does_not_define_or_cannot_hold_is_refused(tmp_path):
    path = tmp_path / "x.parquet"
    with pytest.raises(schema.SchemaError, match=r"x\.parquet.*'mystery'.*no definition"):
        write_parquet(pd.DataFrame({"replicate": [0], "mystery": [1.0]}), path,
                      "run/events")
    with pytest.raises(schema.SchemaError, match=r"'replicate'.*bad dtype.*allowed: int32"):
        write_parquet(pd.DataFrame({"replicate": ["zero"]}), path, "run/events")
    with pytest.raises(schema.SchemaError, match=r"'step'.*bad value for int32"):
        write_parquet(pd.DataFrame({"step": [1.5]}), path, "run/events")
    with pytest.raises(schema.SchemaError, match=r"'step'.*bad value for int32"):
        write_parquet(pd.DataFrame({"step": [2**40]}), path, "run/events")
    with pytest.raises(schema.SchemaError, match="bad table kind"):
        write_parquet(pd.DataFrame({"step": [1]}), path, "run/nothing")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


# ------------------------------------------------------------------------ a run folder


def _keys(a: Path, b: Path) -> list[str]:
    names_a, names_b = pq.read_schema(a).names, pq.read_schema(b).names
    return [k for k in schema.KEYS if k in names_a and k in names_b]


def test_polars_and_duckdb_join_every_pair_of_a_runs_tables_without_casting(run_dir):
    con = duckdb.connect()
    pairs = 0
    for a, b in itertools.combinations(RUN_TABLES, 2):
        pa_, pb = run_dir / f"{a}.parquet", run_dir / f"{b}.parquet"
        if "actors" in (a, b):  # actors join on their id, named by its role elsewhere
            path = pb if a == "actors" else pa_
            roles = [r for r in ("source", "actor") if r in pq.read_schema(path).names]
            if not roles:  # events name no actor in a column of their own
                assert path.name == "events.parquet"
                continue
            on_left, on_right = ["id"], roles[:1]
            left, right = run_dir / "actors.parquet", path
        else:
            on_left = on_right = _keys(pa_, pb)
            left, right = pa_, pb
        assert on_left, f"{a} and {b} share no key column"
        n_polars = (pl.scan_parquet(left).join(pl.scan_parquet(right), left_on=on_left,
                                               right_on=on_right, how="inner")
                    .select(pl.len()).collect().item())
        types_l, types_r = ({r[0]: r[1] for r in
                             con.execute(f"DESCRIBE SELECT * FROM '{f}'").fetchall()}
                            for f in (left, right))
        for kl, kr in zip(on_left, on_right, strict=True):
            assert types_l[kl] == types_r[kr], f"{a}.{kl} {types_l[kl]} vs {b}.{kr} {types_r[kr]}"
        cond = " AND ".join(f"l.{kl} = r.{kr}" for kl, kr in zip(on_left, on_right, strict=True))
        n_duck = con.execute(f"SELECT count(*) FROM '{left}' l JOIN '{right}' r ON {cond}"
                             ).fetchone()[0]
        assert n_polars == n_duck > 0, (a, b)
        pairs += 1
    assert pairs == 9  # all ten but actors with events


def test_every_driver_row_is_the_change_between_two_trajectory_rows(run_dir):
    """from_date and to_date say which months a change runs between, and it is so: the
    terms of a row sum to the alignment of to_date minus that of from_date."""
    traj = pl.read_parquet(run_dir / "trajectories.parquet").select(
        "replicate", "date", "source", "target", "alignment")
    drv = pl.read_parquet(run_dir / "drivers.parquet")
    joined = (drv.join(traj.rename({"date": "from_date", "alignment": "a0"}),
                       on=["replicate", "from_date", "source", "target"])
              .join(traj.rename({"date": "to_date", "alignment": "a1"}),
                    on=["replicate", "to_date", "source", "target"]))
    assert joined.height == drv.height
    change = joined["a1"] - joined["a0"]
    total = joined.select(pl.sum_horizontal([pl.col(t).cast(pl.Float64)
                                             for t in TERM_NAMES])).to_series()
    assert np.allclose(change.to_numpy(), total.to_numpy(), atol=1e-6)
    steps = drv.select("step", "from_date", "to_date").unique().sort("step")
    assert steps["from_date"][0] == "2025-01" and steps["to_date"][0] == "2025-02"
    assert steps["from_date"][1:].to_list() == steps["to_date"][:-1].to_list()


def test_the_actors_table_names_every_actor_the_other_tables_use(run_dir):
    actors = pd.read_parquet(run_dir / "actors.parquet")
    import json

    man = json.loads((run_dir / "manifest.json").read_text())
    assert actors["id"].tolist() == man["roster"]["actors"]
    assert actors["index"].tolist() == list(range(len(actors)))
    assert actors.loc[actors["id"] == "IRN", "name"].item() == "Iran"
    assert set(actors["actor_kind"]) <= {"state", "union", "network"}
    assert actors["description"].str.len().gt(0).all()
    assert actors["power"].between(0, 1).all()
    assert actors.loc[actors["id"] == "IRN", "domestic_balance"].notna().item()
    traj = pd.read_parquet(run_dir / "trajectories.parquet", columns=["source", "target"])
    acts = pd.read_parquet(run_dir / "actions.parquet", columns=["actor"])
    assert set(traj["source"]) | set(traj["target"]) | set(acts["actor"]) <= set(actors["id"])


# ------------------------------------------------------------------------ sweeps


def test_a_complete_sweep_is_one_analysis_table_with_no_parts_left(sweeps):
    folder = sweeps["compacted"]
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    assert names == ["analysis.parquet", "dyads.parquet", "manifest.json", "points.parquet",
                     "trajectories.parquet"]
    analysis = pd.read_parquet(folder / "analysis.parquet")
    params = ["p_dynamics_sanctions_value", "p_domestic_balance_irn"]
    metrics = [f"m_{m}" for m in schema.RUN_METRICS]
    assert analysis.columns.tolist() == ["scenario", "point", "replicate", "seed", *params,
                                         *metrics]
    assert all(SQL.fullmatch(c) for c in analysis.columns)
    assert len(analysis) == 2 * 4 * 2  # scenarios x points x replicates: one row per run
    assert not analysis[["scenario", "point", "replicate"]].duplicated().any()
    meta = {f.name: f.metadata for f in pq.read_schema(folder / "analysis.parquet")}
    assert meta["p_domestic_balance_irn"][b"parameter"] == b"domestic_balance.IRN"
    res = load_sweep(folder)
    assert res.complete
    # the parameters are those of the run's design point, the metrics those of the run
    by_point = res.points.set_index("point")
    for row in analysis.itertuples(index=False):
        assert row.p_dynamics_sanctions_value == by_point.loc[row.point,
                                                              "dynamics.sanctions_value"]
        assert row.p_domestic_balance_irn == by_point.loc[row.point, "domestic_balance.IRN"]
    runs = res.runs.set_index(["scenario", "point", "replicate"])
    wide = analysis.set_index(["scenario", "point", "replicate"]).loc[runs.index]
    for m in schema.RUN_METRICS:
        assert np.array_equal(wide[f"m_{m}"].to_numpy(), runs[m].to_numpy()), m


def test_the_compacted_tables_read_back_as_the_parts_did(sweeps):
    a, b = load_sweep(sweeps["compacted"]), load_sweep(sweeps["parts"])
    assert a.complete and b.complete
    assert (sweeps["parts"] / "parts").exists() and not (sweeps["compacted"] / "parts").exists()
    for kind in ("points", "runs", "dyads", "trajectories"):
        assert len(getattr(a, kind)) > 0
        pd.testing.assert_frame_equal(getattr(a, kind), getattr(b, kind), check_exact=True)


def test_no_empty_part_is_written_and_a_sweep_without_trajectories_reads_back(tmp_path,
                                                                              monkeypatch):
    exp = _experiment(tmp_path, trajectories="none")
    monkeypatch.setattr(sim.runs.sweep, "compact_sweep", lambda folder, keys, stream=None: None)
    folder = run_sweep(exp, out=tmp_path / "parts").folder
    files = list((folder / "parts").rglob("*.parquet"))
    assert files and all(pq.read_metadata(f).num_rows > 0 for f in files)
    assert not (folder / "parts" / "trajectories").exists()
    monkeypatch.undo()
    compacted = run_sweep(exp, out=tmp_path / "compacted")
    assert not (compacted.folder / "trajectories.parquet").exists()
    res = load_sweep(compacted.folder)
    assert len(res.trajectories) == 0
    assert res.trajectories.columns.tolist() == list(sim.runs.sweep.TRAJECTORY_COLUMNS)
    assert len(res.runs) == 16 and len(res.dyads) > 0


def test_throughput_after_a_resume_counts_only_the_runs_made_now(tmp_path, monkeypatch):
    exp = _experiment(tmp_path)
    real = sim.runs.sweep.run_task
    calls = []

    class Interrupted(Exception):
        pass

    def interrupted_after_three(spec):
        if len(calls) == 3:
            raise Interrupted
        calls.append(spec.key)
        return real(spec)

    monkeypatch.setattr(sim.runs.sweep, "run_task", interrupted_after_three)
    monkeypatch.setattr(sim.runs.sweep, "GROUP_SIZE", 1)  # each task written as it ends
    with pytest.raises(Interrupted):
        run_sweep(exp, out=tmp_path / "s")
    monkeypatch.undo()
    assert len(SweepFolder(tmp_path / "s").done_tasks()) == 3
    assert not (tmp_path / "s" / "analysis.parquet").exists()

    seen: list[tuple[int, int]] = []
    resumed = run_sweep(exp, out=tmp_path / "s", progress=lambda d, t: seen.append((d, t)))
    assert (resumed.tasks_total, resumed.tasks_skipped, resumed.tasks_run) == (8, 3, 5)
    assert (resumed.runs_total, resumed.runs_skipped, resumed.runs_done) == (16, 6, 10)
    assert resumed.runs_per_second == pytest.approx(10 / resumed.seconds)
    assert seen[0] == (6, 16) and seen[-1] == (16, 16)  # the bar still shows the whole sweep
    again = run_sweep(exp, out=tmp_path / "s")
    assert again.runs_done == 0 and again.runs_per_second == 0.0
    assert load_sweep(tmp_path / "s").complete


def test_a_compaction_cut_short_keeps_the_parts_and_the_next_run_completes_it(tmp_path,
                                                                               monkeypatch):
    exp = _experiment(tmp_path)
    real = sim.runs.compaction.write_parquet

    def full_disk(frame, path, table, extra=()):
        if Path(path).name == "analysis.parquet":
            raise OSError("disk full")
        return real(frame, path, table, extra)

    monkeypatch.setattr(sim.runs.compaction, "write_parquet", full_disk)
    with pytest.raises(OSError, match="disk full"):
        run_sweep(exp, out=tmp_path / "s")
    monkeypatch.undo()
    folder = tmp_path / "s"
    assert len(SweepFolder(folder).done_tasks()) == 8, "every group's parts were kept"
    assert not (folder / "analysis.parquet").exists()
    assert not list(folder.rglob(".*.tmp"))
    again = run_sweep(exp, out=folder)
    assert again.tasks_run == 0 and again.compacted
    assert not (folder / "parts").exists()
    whole = run_sweep(exp, out=tmp_path / "whole")
    for kind in ("runs", "dyads", "trajectories"):
        pd.testing.assert_frame_equal(getattr(load_sweep(folder), kind),
                                      getattr(load_sweep(whole.folder), kind),
                                      check_exact=True)


def test_parameters_that_would_share_a_column_are_refused_before_anything_is_written(
        tmp_path):
    path = tmp_path / "clash.toml"
    path.write_text('name = "clash"\nscenarios = ["baseline"]\nseed = 1\nreplicates = 1\n'
                    'months = 2\n[[parameters]]\nname = "dummy.Control"\nvalues = [0.0]\n'
                    '[[parameters]]\nname = "dummy.control"\nvalues = [1.0]\n')
    with pytest.raises(ConfigError, match="both become the column 'p_dummy_control'"):
        run_sweep(path, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
