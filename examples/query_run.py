"""Querying a run folder's Parquet files with DuckDB and with polars.

A small baseline run is written to a temporary folder (or ``--out``), then the same
question is asked of it twice: where does every actor stand towards Russia in the run's
last month, on average over the replicates and at the extremes? Alignments are in
``trajectories.parquet`` (actor ids in ``source`` and ``target``); names and kinds of actor
are in ``actors.parquet``. The files share dtypes (results/README.md), so they join without
casts in either engine, and both answers agree.

Run it from the repository root::

    python examples/query_run.py [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from sim.runs.run_job import run_scenario

SCENARIO = "baseline"
REPLICATES = 8
TARGET = "RUS"

QUERY = """
SELECT a.name, a.actor_kind,
       avg(t.alignment) AS mean, min(t.alignment) AS lowest, max(t.alignment) AS highest
FROM trajectories AS t
JOIN actors AS a ON a.id = t.source
WHERE t.target = $target AND t.step = (SELECT max(step) FROM trajectories)
GROUP BY a.name, a.actor_kind
ORDER BY mean DESC, a.name
"""


def make_run(results_dir: Path) -> Path:
    """A baseline run of ``REPLICATES`` replicates on the batched path; its folder."""
    outcome = run_scenario(SCENARIO, replicates=REPLICATES, base_seed=1,
                           results_dir=results_dir, engine="batched", figure=False)
    return outcome.directory


def with_duckdb(run: Path, target: str = TARGET) -> pl.DataFrame:
    """The question in SQL, on views over the run's files."""
    con = duckdb.connect()
    for table in ("trajectories", "actors"):
        path = str(run / f"{table}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return con.sql(QUERY, params={"target": target}).pl()


def with_polars(run: Path, target: str = TARGET) -> pl.DataFrame:
    """The same question as a lazy polars query (only the rows needed are read)."""
    trajectories = pl.scan_parquet(run / "trajectories.parquet")
    actors = pl.scan_parquet(run / "actors.parquet")
    last = trajectories.select(pl.col("step").max()).collect().item()
    return (trajectories
            .filter((pl.col("target") == target) & (pl.col("step") == last))
            .join(actors, left_on="source", right_on="id")
            .group_by("name", "actor_kind")
            .agg(mean=pl.col("alignment").mean(), lowest=pl.col("alignment").min(),
                 highest=pl.col("alignment").max())
            .sort(["mean", "name"], descending=[True, False])
            .collect())


def main(out: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame, Path]:
    """Make the run in ``out`` (a temporary folder if None); print both answers."""
    with tempfile.TemporaryDirectory() as tmp:
        run = make_run(Path(out) if out is not None else Path(tmp))
        sql, lazy = with_duckdb(run), with_polars(run)
    gap = max(float((sql[c] - lazy[c]).abs().max()) for c in ("mean", "lowest", "highest"))
    same = sql.select("name", "actor_kind").equals(lazy.select("name", "actor_kind"))
    print(f"Alignment towards {TARGET} in the last month of a {SCENARIO} run "
          f"({REPLICATES} replicates), DuckDB:")
    with pl.Config(tbl_rows=-1, tbl_hide_dataframe_shape=True, float_precision=2,
                   fmt_str_lengths=60, tbl_formatting="ASCII_MARKDOWN",
                   tbl_hide_column_data_types=True):
        print(sql)
    print(f"polars gives the same {len(lazy)} actors in the same order: "
          f"{'yes' if same else 'NO'}; largest difference {gap:.2f}")
    return sql, lazy, run


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder to keep the run in (runs/<id>/ inside it)")
    main(parser.parse_args().out)
