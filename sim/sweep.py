"""Running an experiment: many scenarios × points × replicates, crash-safe and resumable.

A *task* is one (scenario, point): all its replicates run together on the batched path.
Every replicate's seed comes from the experiment seed and the replicate's identity
(`sim.rng.derive_seed`), so results do not depend on the number of workers, the engine or
the order in which tasks finish.

Tasks go to a `concurrent.futures.Executor`: in-process for one worker, a process pool for
several, or a Dask distributed cluster (``Client.get_executor``). At most two tasks per
worker are in flight, so memory is bounded by the batch, not the sweep. Each finished task
is written at once as Parquet parts (atomically: written to a temporary name, then
renamed; the task's ``runs`` part is renamed last and marks it done; a part with no rows is
not written). A killed sweep loses only the tasks in flight; the same command resumes where
it stopped.

When every task is done the parts are compacted (`compact_sweep`): one analysis table with a
row per run, parameters (``p_``) and metrics (``m_``) side by side under SQL-friendly names,
and one table each of dyad metrics and trajectories. The analysis table is written last and
marks the compaction done; only then are the parts removed. Every file goes through
`sim.schema` (dtypes, units, descriptions).

Layout of ``<results>/sweeps/<experiment>/``: ``manifest.json``, ``points.parquet`` (the
design), then either ``parts/runs/``, ``parts/dyads/``, ``parts/trajectories/`` (one file
per task, while the sweep is incomplete) or ``analysis.parquet``, ``dyads.parquet`` and
``trajectories.parquet`` (when it is complete; trajectories only if any were kept).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import rng, schema
from sim.config_errors import ConfigError
from sim.ensemble import run_ensemble
from sim.experiment import (
    Experiment,
    apply_point,
    design_points,
    experiment_path,
    scenario_path,
)
from sim.manifest import array_sha256, code_version, sha256_file
from sim.results_io import atomic_write_text, write_parquet
from sim.scenario import Scenario, load_scenario
from sim.scenario_files import read_scenario_chain
from sim.settings import get_settings
from sim.world import World, build_world

PART_KINDS = ("dyads", "trajectories", "runs")  # "runs" last: it marks a task done

#: Columns that identify a run in the runs part and the analysis table.
RUN_KEYS = ("scenario", "point", "replicate", "seed")
TRAJECTORY_COLUMNS = ("scenario", "point", "replicate", "step", "source", "target",
                      "alignment")
ANALYSIS = "analysis.parquet"  # written last by a compaction: its presence marks it done
COMPACTED = ("dyads.parquet", "trajectories.parquet", ANALYSIS)

#: Rows gathered before a row group of a compacted table is written: large enough for
#: fast scans, small enough that compacting never holds the whole sweep in memory.
ROW_GROUP = 1 << 20


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs, picklable, with no reference to the driver's state."""

    scenario_index: int
    scenario: Scenario
    scenario_dir: str
    point: int
    names: tuple[str, ...]
    values: tuple[float, ...]
    seeds: tuple[int, ...]
    months: int | None
    times: tuple[int, ...]
    trajectories: str
    dyads: tuple[str, ...]
    engine: str = "batched"  # or "mesa": the per-agent path, identical results, slower

    @property
    def key(self) -> str:
        return f"s{self.scenario_index:02d}-p{self.point:06d}"


def replicate_seeds(exp: Experiment, scenario_index: int, point: int) -> tuple[int, ...]:
    """Seeds from the experiment seed and the run's identity (common random numbers:
    replicate k has the same seed at every point and scenario, which sharpens contrasts)."""
    if exp.common_random_numbers:
        return tuple(rng.derive_seed(exp.seed, k) for k in range(exp.replicates))
    return tuple(rng.derive_seed(exp.seed, scenario_index, point, k)
                 for k in range(exp.replicates))


@lru_cache(maxsize=8)
def _base_world(scenario_json: str, scenario_dir: str) -> World:
    return build_world(Scenario.model_validate_json(scenario_json), Path(scenario_dir))


#: Replicates run together inside a task. A replicate does not depend on its batch, so the
#: chunk size changes no result; it bounds a worker's memory (a full monthly history of
#: 1,000 replicates is about 600 MB).
CHUNK = 256


def run_task(spec: TaskSpec) -> dict[str, pd.DataFrame]:
    """Run one task's replicates and reduce them to tables (executes on a worker)."""
    from sim.metrics import dyad_metrics, run_metrics

    world = apply_point(_base_world(spec.scenario.model_dump_json(), spec.scenario_dir),
                        list(spec.names), np.array(spec.values))
    seeds = np.array(spec.seeds, dtype=np.uint64)
    parts: dict[str, list[pd.DataFrame]] = {"runs": [], "dyads": [], "trajectories": []}
    for first in range(0, len(seeds), CHUNK):
        rec = run_ensemble(world, seeds[first:first + CHUNK], engine=spec.engine,
                           keep_terms=False, months=spec.months)
        tables = {"runs": run_metrics(world, rec),
                  "dyads": dyad_metrics(world, rec, spec.times),
                  "trajectories": _trajectories(world, rec, spec)}
        del rec
        for kind, frame in tables.items():
            frame["replicate"] = (frame["replicate"] + first).astype(np.int32)
            parts[kind].append(frame)
    out = {kind: pd.concat(frames, ignore_index=True) for kind, frames in parts.items()}
    for kind in ("runs", "dyads"):
        out[kind].insert(0, "point", np.int32(spec.point))
        out[kind].insert(0, "scenario", spec.scenario.name)
    return out


def _trajectories(world: World, rec, spec: TaskSpec) -> pd.DataFrame:
    ids = list(world.roster.ids)
    if spec.trajectories == "none":
        pairs: list[tuple[str, str]] = []
    elif spec.trajectories == "all":
        pairs = [(a, b) for a in ids for b in ids if a != b]
    else:
        pairs = [tuple(d.split(":")) for d in spec.dyads]  # type: ignore[misc]
        pairs = [(a, b) for a, b in pairs if a in ids and b in ids]
    if not pairs:
        return schema.empty_frame(TRAJECTORY_COLUMNS)
    s1, r = rec.alignment.shape[:2]
    src = np.array([ids.index(a) for a, _ in pairs])
    tgt = np.array([ids.index(b) for _, b in pairs])
    vals = rec.alignment[:, :, src, tgt]  # (S+1, R, P)
    p = len(pairs)
    return pd.DataFrame({
        "scenario": spec.scenario.name, "point": np.int32(spec.point),
        "replicate": np.tile(np.repeat(np.arange(r, dtype=np.int32), p), s1),
        "step": np.repeat(np.arange(s1, dtype=np.int32), r * p),
        "source": np.tile([a for a, _ in pairs], s1 * r),
        "target": np.tile([b for _, b in pairs], s1 * r),
        "alignment": vals.reshape(-1),
    })


# ------------------------------------------------------------------------ the folder


@dataclass
class SweepFolder:
    root: Path

    def part(self, kind: str, key: str) -> Path:
        return self.root / "parts" / kind / f"{key}.parquet"

    @property
    def compacted(self) -> bool:
        """Whether the parts were compacted: the analysis table, written last, is there."""
        return (self.root / ANALYSIS).exists()

    def done(self, key: str) -> bool:
        return self.compacted or self.part("runs", key).exists()

    def write_task(self, key: str, tables: dict[str, pd.DataFrame]) -> None:
        """A finished task's parts, each atomically, ``runs`` last; empty parts are skipped
        (a table with no rows says nothing, and a sweep that keeps no trajectories would
        otherwise leave a file per task)."""
        if not len(tables["runs"]):
            raise ValueError(f"task {key}: no runs to write; a task runs at least one "
                             "replicate")
        for kind in PART_KINDS:
            if len(tables[kind]):
                write_parquet(tables[kind], self.part(kind, key), f"sweep/{kind}")

    def remove_parts(self, keys: list[str]) -> None:
        """Remove the parts of ``keys`` (after a compaction), then the emptied folders.

        Besides those parts only temporary files of writes cut short go; anything else
        found there (a file nobody here wrote) is left in place, and so is its folder.
        """
        for kind in PART_KINDS:
            for key in keys:
                self.part(kind, key).unlink(missing_ok=True)
            folder = self.root / "parts" / kind
            if folder.exists():
                for stale in folder.glob(".*.tmp"):
                    stale.unlink(missing_ok=True)
                if not any(folder.iterdir()):
                    folder.rmdir()
        parts = self.root / "parts"
        if parts.exists() and not any(parts.iterdir()):
            parts.rmdir()


def _experiment_manifest(exp: Experiment, path: Path, points: np.ndarray) -> dict:
    scenarios_dir = get_settings().scenarios_dir
    chains = {}
    for name in exp.scenarios:
        chains[name] = [{"file": str(f), "sha256": sha256_file(f)}
                        for f in read_scenario_chain(scenario_path(name, path),
                                                     scenarios_dir).files]
    return {
        "kind": "rusiran-sim sweep",
        "experiment": {"name": exp.name, "file": str(path), "sha256": sha256_file(path),
                       "resolved": exp.model_dump(mode="json")},
        "scenarios": chains,
        "design": {"kind": exp.design.kind, "points": int(points.shape[0]),
                   "parameters": [p.name for p in exp.parameters],
                   "sha256": array_sha256(points)},
        "replicates": exp.replicates,
        "seeds": "sim.rng.derive_seed(experiment seed, replicate)" if exp.common_random_numbers
        else "sim.rng.derive_seed(experiment seed, scenario index, point, replicate)",
        "code": code_version(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }




def _prepare_folder(exp: Experiment, path: Path, out: Path, points: np.ndarray,
                    restart: bool) -> SweepFolder:
    """Create the sweep folder, or check that an existing one holds this same experiment."""
    folder = SweepFolder(out)
    man_path = out / "manifest.json"
    columns = parameter_columns([p.name for p in exp.parameters], path)
    manifest = _experiment_manifest(exp, path, points)
    if man_path.exists() and not restart:
        old = json.loads(man_path.read_text())
        same = (old["experiment"]["resolved"] == manifest["experiment"]["resolved"]
                and old["design"]["sha256"] == manifest["design"]["sha256"]
                and old["scenarios"] == manifest["scenarios"])
        if not same:
            raise ConfigError(out, [
                f"{out} holds a sweep of a different experiment or scenario files; results "
                "are never mixed. Use --out for a new folder, or --restart to start this one "
                "afresh (its parts are then deleted)"])
        if old["code"].get("git_commit") != manifest["code"].get("git_commit"):
            raise ConfigError(out, [
                f"{out} was started by code {old['code'].get('git_commit')}, this is "
                f"{manifest['code'].get('git_commit')}: resuming would mix results of two "
                "versions of the model. Use --restart or --out"])
        for stale in [*(out / "parts").glob("*/.*.tmp"), *out.glob(".*.tmp")]:
            stale.unlink(missing_ok=True)  # writes cut short by a crash
        if not folder.compacted:  # a compaction cut short: its parts are all still there
            for name in COMPACTED:
                (out / name).unlink(missing_ok=True)
        return folder
    if restart and out.exists():
        (out / ANALYSIS).unlink(missing_ok=True)  # first: the folder is no longer complete
        for name in COMPACTED:
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "parts", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(points, columns=[c.name for c in columns])
    table.insert(0, "point", np.arange(points.shape[0], dtype=np.int32))
    write_parquet(table, out / "points.parquet", "sweep/points", columns)
    atomic_write_text(man_path, json.dumps(manifest, indent=2) + "\n")
    return folder


def parameter_columns(names: list[str], where: Path | str) -> tuple[schema.Column, ...]:
    """The analysis-table columns of an experiment's parameters (``p_`` + SQL name).

    Why checked here: two parameter names that differ only in case or punctuation
    (``dummy.Control`` and ``dummy.control``) would become one column; the experiment is
    refused before anything is written.
    """
    columns = tuple(schema.parameter_column(n) for n in names)
    seen: dict[str, str] = {}
    problems = []
    for name, col in zip(names, columns, strict=True):
        if col.name in seen:
            problems.append(f"parameters: {seen[col.name]!r} and {name!r} both become the "
                            f"column {col.name!r}; allowed: names that differ in more than "
                            "case and punctuation")
        seen[col.name] = name
    if problems:
        raise ConfigError(where, problems)
    return columns


def _tasks(exp: Experiment, path: Path, points: np.ndarray,
           engine: str) -> Iterator[TaskSpec]:
    names = tuple(p.name for p in exp.parameters)
    for s, name in enumerate(exp.scenarios):
        sc_path = scenario_path(name, path)
        sc = load_scenario(sc_path)
        for point in range(points.shape[0]):
            yield TaskSpec(
                scenario_index=s, scenario=sc, scenario_dir=str(sc_path.parent), point=point,
                names=names, values=tuple(float(v) for v in points[point]),
                seeds=replicate_seeds(exp, s, point), months=exp.months,
                times=tuple(exp.outputs.times), trajectories=exp.outputs.trajectories,
                dyads=tuple(exp.outputs.dyads), engine=engine)


@contextmanager
def task_executor(workers: int, scheduler: str | None) -> Iterator[tuple[Executor | None, int]]:
    """The engine: None (in-process), a spawn-based process pool, or a Dask executor."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler, timeout="20s")
        try:
            n = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), n
        finally:
            client.close()
    elif workers > 1:
        # spawn, not fork: the driver runs a progress thread, and forking a threaded process
        # can deadlock a child
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as ex:
            yield ex, workers
    else:
        yield None, 1


@dataclass
class SweepOutcome:
    """What one invocation did.

    ``runs_done`` counts the runs made by this invocation only (not those a resumed sweep
    found done), so ``runs_per_second`` is the throughput actually achieved; ``seconds`` is
    the time spent running tasks, compaction excluded (it is in ``extra``).
    """

    folder: Path
    tasks_total: int
    tasks_run: int
    tasks_skipped: int
    runs_done: int
    seconds: float
    workers: int
    engine: str
    runs_total: int = 0
    runs_skipped: int = 0
    compacted: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def runs_per_second(self) -> float:
        """Runs made by this invocation per second of running them (0 if none were)."""
        return self.runs_done / self.seconds if self.runs_done and self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]  # (runs finished so far, resumed ones included; total)


def run_sweep(experiment: str | Path, *, workers: int = 1, scheduler: str | None = None,
              out: Path | None = None, restart: bool = False, engine: str = "batched",
              progress: Progress | None = None) -> SweepOutcome:
    """Run (or resume) an experiment, then compact it; see the module docstring for the
    guarantees."""
    from sim.experiment import load_experiment

    path = experiment_path(experiment)
    exp = load_experiment(path)
    points = design_points(exp)
    out = out or (get_settings().results_dir / "sweeps" / exp.name)
    if engine not in ("batched", "mesa"):
        raise ConfigError("sim sweep", [f"--engine: bad value {engine!r}; allowed: batched, "
                                        "mesa"])
    folder = _prepare_folder(exp, path, Path(out), points, restart)
    tasks = list(_tasks(exp, path, points, engine))
    todo = [t for t in tasks if not folder.done(t.key)]
    total_runs = len(tasks) * exp.replicates
    skipped_runs = (len(tasks) - len(todo)) * exp.replicates
    done_runs = skipped_runs
    if progress:
        progress(done_runs, total_runs)
    t0 = time.perf_counter()
    where = "dask" if scheduler else ("processes" if workers > 1 else "in-process")
    with task_executor(workers, scheduler) as (ex, n_workers):
        if ex is None:
            for spec in todo:
                folder.write_task(spec.key, run_task(spec))
                done_runs += exp.replicates
                if progress:
                    progress(done_runs, total_runs)
        else:
            pending: dict[Future, TaskSpec] = {}
            queue = iter(todo)
            window = 2 * n_workers
            while True:
                while len(pending) < window:
                    spec = next(queue, None)
                    if spec is None:
                        break
                    pending[ex.submit(run_task, spec)] = spec
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    spec = pending.pop(fut)
                    folder.write_task(spec.key, fut.result())
                    done_runs += exp.replicates
                    if progress:
                        progress(done_runs, total_runs)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    keys = [t.key for t in tasks]
    if folder.compacted:
        folder.remove_parts(keys)  # a compaction whose clean-up was cut short
    else:
        compact_sweep(folder, keys)
    return SweepOutcome(folder=Path(out), tasks_total=len(tasks), tasks_run=len(todo),
                        tasks_skipped=len(tasks) - len(todo),
                        runs_done=done_runs - skipped_runs, seconds=seconds,
                        workers=n_workers, engine=where, runs_total=total_runs,
                        runs_skipped=skipped_runs, compacted=True,
                        extra={"path": engine,
                               "compact_seconds": round(time.perf_counter() - t1, 3)})


# ------------------------------------------------------------------------ compaction


def _concat_parts(files: list[Path], dest: Path) -> int:
    """Append the parts ``files`` into one Parquet file ``dest``, atomically; its rows.

    Streams: parts are gathered into row groups of about `ROW_GROUP` rows and written one
    group at a time, so a sweep larger than memory compacts as well as a small one. Every
    part must have the schema of the first (same columns, dtypes and descriptions).
    """
    tmp = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp"
    writer: pq.ParquetWriter | None = None
    first: pa.Schema | None = None
    buffer: list[pa.Table] = []
    rows = buffered = 0
    try:
        with tmp.open("wb") as fh:
            for f in files:
                table = pq.read_table(f)
                if first is None:
                    first = table.schema
                    writer = pq.ParquetWriter(fh, first, compression="zstd")
                elif not table.schema.equals(first, check_metadata=True):
                    raise schema.SchemaError(
                        f"{f}: its columns {table.schema.names} (dtypes "
                        f"{[str(t) for t in table.schema.types]}) differ from those of "
                        f"{files[0]}; allowed: the same schema in every part")
                buffer.append(table)
                rows += table.num_rows
                buffered += table.num_rows
                if buffered >= ROW_GROUP:
                    writer.write_table(pa.concat_tables(buffer))  # type: ignore[union-attr]
                    buffer, buffered = [], 0
            if writer is not None:
                if buffer:
                    writer.write_table(pa.concat_tables(buffer))
                writer.close()
            fh.flush()
            os.fsync(fh.fileno())
        if pq.ParquetFile(tmp).metadata.num_rows != rows:
            raise OSError(f"{tmp}: wrote {pq.ParquetFile(tmp).metadata.num_rows} rows of "
                          f"{rows}; the parts are kept")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def _analysis_frame(folder: SweepFolder, keys: list[str],
                    params: tuple[schema.Column, ...]) -> pd.DataFrame:
    """One row per run: its keys, the parameters of its point, its metrics (``m_``)."""
    runs = pd.concat([pd.read_parquet(folder.part("runs", k)) for k in keys],
                     ignore_index=True)
    points = pd.read_parquet(folder.root / "points.parquet")
    missing = [c.name for c in params if c.name not in points.columns]
    if missing:
        raise schema.SchemaError(f"{folder.root / 'points.parquet'}: no column(s) {missing}; "
                                 "allowed: the columns this sweep's parameters give "
                                 "(was it written by an earlier version? use --restart)")
    merged = runs.merge(points[["point", *(c.name for c in params)]], on="point",
                        how="left", validate="many_to_one")
    metrics = [c for c in runs.columns if c not in RUN_KEYS]
    frame = merged[[*RUN_KEYS, *(c.name for c in params), *metrics]]
    return frame.rename(columns={m: f"m_{m}" for m in metrics})


def compact_sweep(folder: SweepFolder, keys: list[str]) -> None:
    """Turn a complete sweep's parts into its tables, then remove the parts.

    Order, for a crash at any point: dyads and trajectories first, the analysis table last
    (it marks the compaction done), and the parts are removed only after it is in place and
    every table holds as many rows as its parts. A compaction cut short leaves the parts
    whole; the next `run_sweep` removes what it had written and compacts again.
    """
    missing = [k for k in keys if not folder.part("runs", k).exists()]
    if missing:
        raise RuntimeError(f"{folder.root}: cannot compact, tasks not done: "
                           f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    manifest = json.loads((folder.root / "manifest.json").read_text())
    params = parameter_columns(list(manifest["design"]["parameters"]),
                               folder.root / "manifest.json")
    for kind in ("dyads", "trajectories"):
        files = [f for k in keys if (f := folder.part(kind, k)).exists()]
        dest = folder.root / f"{kind}.parquet"
        if files:
            _concat_parts(files, dest)
        else:
            dest.unlink(missing_ok=True)
    frame = _analysis_frame(folder, keys, params)
    write_parquet(frame, folder.root / ANALYSIS, "sweep/analysis", params)
    folder.remove_parts(keys)


# ------------------------------------------------------------------------ reading results


@dataclass
class SweepResults:
    """A sweep folder read back; tables sorted by (scenario index, point, replicate)."""

    folder: Path
    manifest: dict
    points: pd.DataFrame
    runs: pd.DataFrame
    dyads: pd.DataFrame
    trajectories: pd.DataFrame
    complete: bool


def _columns(kind: str, manifest: dict) -> list[str]:
    """The columns of a table of ``kind`` in this sweep (for a table with no rows)."""
    if kind == "runs":
        return [*RUN_KEYS, *schema.RUN_METRICS]
    if kind == "dyads":
        times = manifest["experiment"]["resolved"]["outputs"]["times"]
        return ["scenario", "point", "replicate", "source", "target",
                *(f"at_{t}" for t in times), "mean", "min", "max", "first_below_zero",
                "first_alliance"]
    return list(TRAJECTORY_COLUMNS)


def _read_parts(folder: Path, kind: str) -> pd.DataFrame | None:
    files = sorted((folder / "parts" / kind).glob("*.parquet"))
    if not files:
        return None
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _read_compacted(folder: Path, kind: str) -> pd.DataFrame | None:
    """A compacted table as the parts held it: the runs from the analysis table, without
    the parameters and with the metrics under their own names."""
    if kind == "runs":
        frame = pd.read_parquet(folder / ANALYSIS)
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("p_")])
        return frame.rename(columns={c: c[2:] for c in frame.columns if c.startswith("m_")})
    path = folder / f"{kind}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _read_points(path: Path) -> pd.DataFrame:
    """The design, parameter columns under the experiment's own names (``dynamics.x``),
    which the file keeps in each column's ``parameter`` metadata."""
    table = pq.read_table(path)
    names = {f.name: f.metadata[b"parameter"].decode() for f in table.schema
             if f.metadata and b"parameter" in f.metadata}
    return table.to_pandas().rename(columns=names)


def load_sweep(folder: str | Path) -> SweepResults:
    """A sweep's tables, from its compacted tables when complete, else from its parts."""
    folder = Path(folder)
    man_path = folder / "manifest.json"
    if not man_path.exists():
        raise FileNotFoundError(f"{folder} is not a sweep folder (no manifest.json); run "
                                "`sim sweep EXPERIMENT` first")
    manifest = json.loads(man_path.read_text())
    points = _read_points(folder / "points.parquet")
    compacted = (folder / ANALYSIS).exists()
    order = {name: k for k, name in enumerate(manifest["experiment"]["resolved"]["scenarios"])}
    tables = {}
    for kind, keys in (("runs", ["replicate"]), ("dyads", ["replicate", "source", "target"]),
                       ("trajectories", ["replicate", "step", "source", "target"])):
        df = _read_compacted(folder, kind) if compacted else _read_parts(folder, kind)
        if df is None:
            df = schema.empty_frame(_columns(kind, manifest))
        if len(df):
            df = (df.assign(_s=df["scenario"].map(order))
                  .sort_values(["_s", "point", *keys], kind="stable")
                  .drop(columns="_s").reset_index(drop=True))
        tables[kind] = df
    expected = manifest["design"]["points"] * len(order)
    done = len(list((folder / "parts" / "runs").glob("*.parquet")))
    return SweepResults(folder, manifest, points, tables["runs"], tables["dyads"],
                        tables["trajectories"], complete=compacted or done == expected)
