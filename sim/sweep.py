"""Running an experiment: many scenarios × points × replicates, crash-safe and resumable.

A *task* is one (scenario, point): all its replicates run together on the batched path.
Every replicate's seed comes from the experiment seed and the replicate's identity
(`sim.rng.derive_seed`), so results do not depend on the number of workers, the engine or
the order in which tasks finish.

Tasks go to a `concurrent.futures.Executor`: in-process for one worker, a process pool for
several, or a Dask distributed cluster (``Client.get_executor``). At most two tasks per
worker are in flight, so memory is bounded by the batch, not the sweep. Each finished task
is written at once as Parquet parts (atomically: written to a temporary name, then
renamed; the task's ``runs`` part is renamed last and marks it done). A killed sweep loses
only the tasks in flight; the same command resumes where it stopped.

Layout of ``<results>/sweeps/<experiment>/``: ``manifest.json``, ``points.parquet`` (the
design), ``parts/runs/``, ``parts/dyads/``, ``parts/trajectories/`` (one file per task).
"""

from __future__ import annotations

import json
import os
import time
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

from sim import rng
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
from sim.results_io import atomic_write_text
from sim.scenario import Scenario, load_scenario
from sim.scenario_files import read_scenario_chain
from sim.settings import get_settings
from sim.world import World, build_world

PART_KINDS = ("dyads", "trajectories", "runs")  # "runs" last: it marks a task done


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
        return pd.DataFrame({"scenario": pd.Series(dtype=str), "point": pd.Series(dtype="int32"),
                             "replicate": pd.Series(dtype="int32"),
                             "step": pd.Series(dtype="int32"),
                             "source": pd.Series(dtype=str), "target": pd.Series(dtype=str),
                             "alignment": pd.Series(dtype=float)})
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

    def done(self, key: str) -> bool:
        return self.part("runs", key).exists()

    def write_task(self, key: str, tables: dict[str, pd.DataFrame]) -> None:
        for kind in PART_KINDS:
            final = self.part(kind, key)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
            tables[kind].to_parquet(tmp, index=False, compression="zstd")
            os.replace(tmp, final)


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
        for stale in (out / "parts").glob("*/.*.tmp"):  # writes cut short by a crash
            stale.unlink(missing_ok=True)
        return folder
    if restart and out.exists():
        import shutil
        shutil.rmtree(out / "parts", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    names = [p.name for p in exp.parameters]
    table = pd.DataFrame(points, columns=names) if names else pd.DataFrame(index=[0])
    table.insert(0, "point", np.arange(points.shape[0], dtype=np.int32))
    tmp = out / ".points.parquet.tmp"
    table.to_parquet(tmp, index=False)
    os.replace(tmp, out / "points.parquet")
    atomic_write_text(man_path, json.dumps(manifest, indent=2) + "\n")
    return folder


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
    folder: Path
    tasks_total: int
    tasks_run: int
    tasks_skipped: int
    runs_done: int
    seconds: float
    workers: int
    engine: str
    extra: dict = field(default_factory=dict)


Progress = Callable[[int, int], None]  # (runs finished now, runs total)


def run_sweep(experiment: str | Path, *, workers: int = 1, scheduler: str | None = None,
              out: Path | None = None, restart: bool = False, engine: str = "batched",
              progress: Progress | None = None) -> SweepOutcome:
    """Run (or resume) an experiment; see the module docstring for the guarantees."""
    from sim.experiment import load_experiment

    path = experiment_path(experiment)
    exp = load_experiment(path)
    points = design_points(exp)
    out = out or (get_settings().results_dir / "sweeps" / exp.name)
    folder = _prepare_folder(exp, path, Path(out), points, restart)
    if engine not in ("batched", "mesa"):
        raise ConfigError("sim sweep", [f"--engine: bad value {engine!r}; allowed: batched, "
                                        "mesa"])
    tasks = list(_tasks(exp, path, points, engine))
    todo = [t for t in tasks if not folder.done(t.key)]
    total_runs = len(tasks) * exp.replicates
    done_runs = (len(tasks) - len(todo)) * exp.replicates
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
    return SweepOutcome(folder=Path(out), tasks_total=len(tasks), tasks_run=len(todo),
                        tasks_skipped=len(tasks) - len(todo), runs_done=done_runs,
                        seconds=time.perf_counter() - t0, workers=n_workers, engine=where,
                        extra={"path": engine})


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


def _read_parts(folder: Path, kind: str) -> pd.DataFrame:
    files = sorted((folder / "parts" / kind).glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def load_sweep(folder: str | Path) -> SweepResults:
    folder = Path(folder)
    man_path = folder / "manifest.json"
    if not man_path.exists():
        raise FileNotFoundError(f"{folder} is not a sweep folder (no manifest.json); run "
                                "`sim sweep EXPERIMENT` first")
    manifest = json.loads(man_path.read_text())
    points = pd.read_parquet(folder / "points.parquet")
    order = {name: k for k, name in enumerate(manifest["experiment"]["resolved"]["scenarios"])}
    tables = {}
    for kind, keys in (("runs", ["replicate"]), ("dyads", ["replicate", "source", "target"]),
                       ("trajectories", ["replicate", "step", "source", "target"])):
        df = _read_parts(folder, kind)
        if len(df):
            df = (df.assign(_s=df["scenario"].map(order))
                  .sort_values(["_s", "point", *keys], kind="stable")
                  .drop(columns="_s").reset_index(drop=True))
        tables[kind] = df
    expected = manifest["design"]["points"] * len(order)
    done = len(list((folder / "parts" / "runs").glob("*.parquet")))
    return SweepResults(folder, manifest, points, tables["runs"], tables["dyads"],
                        tables["trajectories"], complete=done == expected)
