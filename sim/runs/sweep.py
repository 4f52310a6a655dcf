"""Running an experiment: many scenarios × points × replicates, crash-safe and resumable.

A *task* is one (scenario, point): all its replicates run together on the batched path.
Every replicate's seed comes from the experiment seed and the replicate's identity
(`sim.core.rng.derive_seed`), so results do not depend on the number of workers, the engine, the
grouping of tasks or the order in which they finish.

Tasks run in *groups* (`TaskGroup`: consecutive points of one scenario), sized from the
measured cost per task so that a group is about `TARGET_TASK_SECONDS` of work, with at
least `MIN_TASKS_PER_WORKER` groups per worker left for balance: a task of a small Sobol
sweep takes tens of milliseconds, less than shipping it to a process, and writing its
parts costs about 20 ms whatever their size. One worker runs every group in-process. On
one machine the driver is one of the workers and runs groups itself between writing
results; the others are
threads of its process (`local_pool`: the batched path on up to two workers with tasks of
many replicates, where its compiled kernels, which release the GIL, are most of the work) or
worker processes, which it starts only when the work left outweighs their start-up: forked
from the driver once it has run a group, where that is safe (`worker_start_method`), or
spawned (`WORKER_START_SECONDS`: a spawned process imports the model before it can run
anything). A Dask cluster (``Client.get_executor``) gets every group. At most two groups
per worker are in flight, so memory is bounded by the groups, not the sweep. Workers limit
BLAS and OpenMP (and, when spawned here, numba) to one thread each (`pin_threads`): N
single-threaded processes on N cores, not N² threads. They refuse a group from a driver
running other code (`code_fingerprint`).

Each finished group is written at once as Parquet parts (atomically: written to a
temporary name, then renamed; its ``runs`` part is renamed last and marks it done; a part
with no rows is not written). A part's name says which points it holds (``s00-p000012``, or
``s00-p000012-p000027`` for a group). A killed sweep loses only the groups in flight; the
same command resumes where it stopped, whatever the grouping or number of workers then.

The parts are compacted (`sim.runs.compaction`) into one analysis table with a row per run,
parameters (``p_``) and metrics (``m_``) side by side under SQL-friendly names, and one
table each of dyad metrics and trajectories, rows in (scenario, point, replicate) order
whatever the grouping. The dyads and trajectories grow as groups are written, from the
tables in memory; when every task is done they are renamed into place, and the analysis
table, written last, marks the compaction done; only then are the parts removed. Every
file goes through `sim.runs.schema` (dtypes, units, descriptions).

Layout of ``<results>/sweeps/<experiment>/``: ``manifest.json``, ``points.parquet`` (the
design), then either ``parts/runs/``, ``parts/dyads/``, ``parts/trajectories/`` (one file
per task or group, while the sweep is incomplete) or ``analysis.parquet``, ``dyads.parquet``
and ``trajectories.parquet`` (when it is complete; trajectories only if any were kept).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import socket
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.core import rng, strict_json
from sim.core.config_errors import ConfigError
from sim.core.paths import PACKAGE_ROOT
from sim.core.settings import Pool, get_settings
from sim.dynamics.world import World
from sim.inputs.compile import build_world
from sim.inputs.experiment import (
    Experiment,
    apply_point,
    design_points,
    experiment_path,
    scenario_path,
)
from sim.inputs.scenario import Scenario, load_scenario
from sim.inputs.scenario_files import read_scenario_chain
from sim.runs import schema
from sim.runs.compaction import CompactionStream, compact_sweep, parameter_columns
from sim.runs.ensemble import run_ensemble
from sim.runs.manifest import array_sha256, code_version, sha256_file
from sim.runs.results_io import atomic_write_text, write_parquet
from sim.runs.sweep_folder import (
    ANALYSIS,
    COMPACTED,
    PART_KINDS,
    RUN_KEYS,
    SweepFolder,
    key_tasks,
)

TRAJECTORY_COLUMNS = ("scenario", "point", "replicate", "step", "source", "target",
                      "alignment")


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
#: 128 replicates of the baseline is about 110 MB, of 1,000 about 850 MB) and is the
#: batched path's block at 16 actors, so it costs no speed.
CHUNK = 128


def run_task(spec: TaskSpec) -> dict[str, pd.DataFrame]:
    """Run one task's replicates and reduce them to tables (executes on a worker)."""
    from sim.runs.metrics import dyad_metrics, run_metrics

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


# ------------------------------------------------------------------------ workers

#: A group of tasks sent to a worker aims at this much work, in seconds: long enough that
#: shipping it and writing its parts (milliseconds each) are noise, short enough that a
#: killed sweep loses little and the last groups spread evenly over the workers.
TARGET_TASK_SECONDS = 1.0
#: Groups per worker, at least, among the tasks left: the last groups are smaller, so no
#: worker sits idle while another finishes a long one.
MIN_TASKS_PER_WORKER = 4
#: What a spawned worker process costs before it runs anything: it imports numpy, pandas,
#: SciPy, numba and the model, builds the scenario's world and loads the compiled kernels
#: (about 3.5 s measured on the 2-core reference machine). The driver starts workers only
#: when the work left is estimated at more than twice what their start costs.
WORKER_START_SECONDS = 3.0
#: What a forked worker costs before it runs anything: a copy of the warm driver, which has
#: imported the model, built the worlds and loaded the kernels already (`worker_start_method`;
#: tens of milliseconds measured on the reference machine, rounded up).
FORKED_WORKER_START_SECONDS = 0.2
#: How local worker processes start: None chooses (`worker_start_method`: a fork of the
#: warm driver where that is safe, a spawn otherwise); "spawn" or "fork" forces one (tests).
WORKER_START_METHOD: str | None = None
#: The least a replicate-month costs, in seconds, below what any roster took on the
#: reference machine (about 45 us at 16 actors on the batched path): before a first group
#: is measured, the work left at this rate says whether workers would pay back their
#: start-up, so a large sweep starts them at once instead of after its first task.
FLOOR_SECONDS_PER_REPLICATE_MONTH = 20e-6
#: Whether, on one machine, the driver runs groups itself between writing results (it is
#: then one of the ``workers``, and one process fewer is spawned).
DRIVER_RUNS_TASKS = True
#: A fixed number of tasks per group instead of the sizing from measured costs (tests).
GROUP_SIZE: int | None = None

#: Thread counts of OpenMP, OpenBLAS, MKL and numba, set to 1 in every worker.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
#: Files of the `sim` package that make up its code version: sources and shipped tables.
SOURCE_SUFFIXES = (".py", ".toml", ".csv", ".json")


class CodeMismatchError(RuntimeError):
    """A worker runs other model code than the driver (see `code_fingerprint`)."""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """This process's model code: package version and a hash of the `sim` package's files,
    e.g. ``0.1.0+ad6fdce4a5f8``.

    Why not the git commit: a Dask worker may run an installed copy with no checkout, and an
    uncommitted edit changes results as much as a commit does. The hash covers every source
    file and shipped table, by path relative to the package and content, so two copies of
    the same code agree wherever they are installed. Computed once per process (about
    20 ms), at its first use: a worker process at start, the driver at its first sweep.
    """
    return fingerprint_of(PACKAGE_ROOT)


def fingerprint_of(root: Path) -> str:
    """The fingerprint of the package whose folder is ``root`` (see `code_fingerprint`)."""
    digest = hashlib.sha256()
    files = sorted(f for f in root.rglob("*") if f.suffix in SOURCE_SUFFIXES
                   and "__pycache__" not in f.parts and f.is_file())
    for f in files:
        digest.update(f.relative_to(root).as_posix().encode() + b"\0")
        digest.update(f.read_bytes() + b"\0")
    try:
        package = version("rusiran-sim")
    except PackageNotFoundError:  # a copy of the sources on the path, not installed
        package = "unknown"
    return f"{package}+{digest.hexdigest()[:12]}"


def _check_code(driver: str) -> None:
    """Refuse to run for a driver whose code differs from this process's."""
    mine = code_fingerprint()
    if driver != mine:
        raise CodeMismatchError(
            f"worker {socket.gethostname()} (pid {os.getpid()}) runs rusiran-sim {mine}, "
            f"the driver runs {driver}: a sweep never mixes results of two versions of the "
            "model. Install the driver's code on every worker (same package version and sim/ "
            "files; `python -c 'from sim.runs.sweep import code_fingerprint as f; print(f())'` "
            "shows it) and restart the workers")


_pinned = threading.local()


def pin_threads() -> None:
    """One thread for BLAS, OpenMP and numba in this worker (idempotent, once per thread).

    Why: a sweep already runs one process per core; a library that starts a thread per core
    in each of them oversubscribes the machine (N² threads on N cores), and idle OpenBLAS
    threads spin. The variables reach libraries loaded later; threadpoolctl, if installed,
    limits the pools already loaded (OpenMP's limit is per thread, hence once per thread: a
    Dask worker runs tasks on several). A process spawned by `_process_pool` has the
    variables before it imports numpy, which reads them only then; a forked one has numpy
    loaded already, and threadpoolctl limits its copy of the pool (numba's configured
    maximum stays the driver's, which no kernel of the model uses). numba's own pool is never
    started by the model (no parallel kernels) and is not touched: sizing it would start it.
    """
    if getattr(_pinned, "done", False):
        return
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(limits=1)
    _pinned.done = True


def worker_info(code: str | None = None) -> dict[str, Any]:
    """What this process runs: host, pid, code fingerprint and the threads its libraries may
    use (the thread variables, each BLAS or OpenMP pool threadpoolctl finds, numba's maximum).

    Given ``code`` (the driver's fingerprint), a process running other code refuses. The
    driver submits one per spawned worker: it checks the worker once, and its answer says the
    worker has started. Run it anywhere to see how a worker is set up.
    """
    if code is not None:
        _check_code(code)
    pools: list[dict[str, Any]] = []
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        pools = [{"api": p.get("internal_api"), "library": Path(p.get("filepath", "")).name,
                  "threads": p.get("num_threads")} for p in threadpool_info()]
    numba = sys.modules.get("numba")
    return {"host": socket.gethostname(), "pid": os.getpid(), "code": code_fingerprint(),
            "environment": {name: os.environ.get(name) for name in THREAD_VARIABLES},
            "thread_pools": pools,
            "numba_threads": None if numba is None else int(numba.config.NUMBA_NUM_THREADS)}


#: Seconds between a worker's looks at whether its driver is still alive.
PARENT_CHECK_SECONDS = 0.5


def watch_parent(parent: int, interval: float = PARENT_CHECK_SECONDS) -> threading.Thread:
    """End this process when the one that started it dies.

    Why: a driver killed with SIGKILL cannot stop its pool, and an idle worker blocked on
    the task queue never learns (it holds both ends of the queue's pipe), so it lived on
    with its half gigabyte. When its parent dies the worker is handed to another process
    (``getppid`` changes), which a daemon thread notices within ``interval`` seconds.
    ``parent`` is the driver's pid as the driver gave it: a worker still importing when
    the driver died must not take its new parent for its driver.
    """

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


def _start_worker(driver: int) -> None:
    """A worker process's first act: end with its driver, pin its threads and hash its
    code while it is fresh."""
    watch_parent(driver)
    pin_threads()
    code_fingerprint()


@contextmanager
def _thread_variables_pinned() -> Iterator[None]:
    """The thread variables set to 1 in this process's environment while a pool of workers
    lives, and restored afterwards: the caller's environment is the same after a sweep as
    before it (`pin_threads`, which every worker calls, sets them too)."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


@contextmanager
def _process_pool(processes: int, method: str = "spawn") -> Iterator[ProcessPoolExecutor]:
    """A pool of single-threaded worker processes, started by ``method``
    (`worker_start_method`).

    The thread variables are set in this process's environment while the pool lives
    (`_thread_variables_pinned`), since a spawned child copies it before it imports numpy;
    anything else this process starts meanwhile inherits them too. A forked child has
    numpy loaded already: `pin_threads` limits its copy of the driver's BLAS pool.
    """
    with _thread_variables_pinned(), ProcessPoolExecutor(
            max_workers=processes, mp_context=get_context(method),
            initializer=_start_worker, initargs=(os.getpid(),)) as ex:
        yield ex


def worker_start_method() -> str:
    """``fork`` where this process may be copied safely now, else ``spawn``.

    Why fork: a spawned worker imports NumPy, pandas, SciPy, numba and the model, builds
    the scenario's world and loads the compiled kernels before it runs anything, about
    3.5 s on the 2-core reference machine: a third of a ten-second sweep's worker gone. A
    fork of the driver, once the driver has run a group itself, starts with all of that
    done, in milliseconds.

    Why only here: a fork copies the calling thread alone, and a lock another thread held
    at that moment stays held in the child for good. The native pools this process runs
    (OpenBLAS's, Arrow's and its allocator's) register fork handlers that release and
    restart them; a Python thread does not. So the driver forks only while its main thread
    is its only Python thread, on Linux, and spawns otherwise (other systems, a progress
    bar refreshing on its own thread, a sweep started from a worker thread).
    `WORKER_START_METHOD` forces one way.
    """
    if WORKER_START_METHOD is not None:
        return WORKER_START_METHOD
    if sys.platform != "linux" or "fork" not in get_all_start_methods():
        return "spawn"
    alone = threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    return "fork" if alone else "spawn"


@contextmanager
def _starting(method: str) -> Iterator[None]:
    """Around the first submission to a pool, which starts its processes: Python's general
    warning that forking a process with native threads may deadlock is silenced for a fork
    that `worker_start_method` chose (its docstring says why this one is safe)."""
    if method != "fork":
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                message=r".*use of fork\(\) may lead to deadlocks")
        yield


def _process_start(driver: bool, planner: _GroupPlanner, ran_in_driver: int) -> str | None:
    """How to start the local worker processes now, or None to wait and ask again after
    the driver's next group.

    A driver that runs groups forks its workers only once it has run one (the first warms
    it up: the worlds built, the kernels loaded, all of which the copies inherit), and then
    only when the work left pays back a fork's start; it spawns them when the work left
    pays back a spawn's (`_GroupPlanner.worth_spawning`). Without a driver running groups
    the workers start at once."""
    method = worker_start_method()
    if not driver:
        return method
    if method == "fork":
        if ran_in_driver == 0:
            return None
        return method if planner.worth_spawning(FORKED_WORKER_START_SECONDS) else None
    return method if planner.worth_spawning(WORKER_START_SECONDS) else None


#: Local workers up to which "auto" may run a sweep's groups on threads of the driver rather
#: than in worker processes (`local_pool`).
THREADS_UP_TO = 2
#: Replicates a task must hold for "auto" to take threads: two of the batched path's blocks
#: at 16 actors, so that the month's Python, which holds the GIL, is a small share of it.
THREADS_MIN_REPLICATES = 256


def local_pool(pool: str, workers: int, engine: str, replicates: int) -> str:
    """``threads`` or ``processes``: what a sweep's local workers are.

    Why both: the batched path's compiled kernels release the GIL, so threads share the
    cores, and a thread costs neither a process's start-up (it imports NumPy, pandas, SciPy,
    numba and the model: seconds) nor its memory (about 260 MB before any run). But the
    month's Python parts and the tables' pandas hold the GIL, and on small tasks they are
    much of the work. Measured on the 2-core benchmark machine (benchmarks/RESULTS.md,
    2026-11-29): the 10,000-run ensemble (tasks of 1,000 replicates) ran as fast on a worker
    thread as on a worker process, in 724 MiB against 1,135; sweeps of 16-replicate tasks
    scaled x1.51 on threads against x1.82 on processes, and tasks of two replicates were
    slower on two threads than on one. So "auto" takes threads only for the batched path, on
    up to `THREADS_UP_TO` workers, with tasks of at least `THREADS_MIN_REPLICATES`
    replicates; processes otherwise (the per-agent Mesa path is Python throughout)."""
    if pool not in get_args(Pool):
        raise ConfigError("sim sweep", [f"--pool: bad value {pool!r}; allowed: "
                                        f"{', '.join(get_args(Pool))}"])
    if pool != "auto":
        return pool
    big = replicates >= THREADS_MIN_REPLICATES
    return ("threads" if engine == "batched" and workers <= THREADS_UP_TO and big
            else "processes")


@contextmanager
def _thread_pool(threads: int) -> Iterator[ThreadPoolExecutor]:
    """Worker threads in this process, each with one BLAS and OpenMP thread
    (`pin_threads`; the driver's own pools are limited by `_driver_single_threaded`), the
    thread variables restored when they end (`_thread_variables_pinned`)."""
    with _thread_variables_pinned(), ThreadPoolExecutor(
            max_workers=threads, initializer=pin_threads,
            thread_name_prefix="sweep-worker") as ex:
        yield ex


@contextmanager
def _driver_single_threaded() -> Iterator[None]:
    """The driver, when it runs groups beside its workers, limits its BLAS and OpenMP pools
    to one thread too, for the sweep only (its environment and later work are untouched)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


@dataclass(frozen=True)
class TaskGroup:
    """Consecutive points of one scenario, run by one worker as one task and written as one
    set of parts; ``code`` is the driver's `code_fingerprint`, which the worker checks."""

    specs: tuple[TaskSpec, ...]
    code: str

    @property
    def key(self) -> str:
        first, last = self.specs[0], self.specs[-1]
        return first.key if len(self.specs) == 1 else f"{first.key}-p{last.point:06d}"


@dataclass
class GroupResult:
    """A group's tables, the seconds its tasks took where they ran, and which process ran
    them (a process's first group also builds worlds and loads compiled kernels)."""

    tables: dict[str, pd.DataFrame]
    seconds: float
    pid: int
    host: str


def run_group(group: TaskGroup) -> GroupResult:
    """Run a group on a worker: refuse a driver with other code, pin threads, run the tasks."""
    _check_code(group.code)
    pin_threads()
    return _run_group(group)


def _run_group(group: TaskGroup) -> GroupResult:
    """The group's tasks one after another, their tables concatenated in point order (a
    task's rows do not depend on its group, so neither do the sweep's tables)."""
    t0 = time.perf_counter()
    results = [run_task(spec) for spec in group.specs]
    tables = {kind: pd.concat([r[kind] for r in results], ignore_index=True)
              for kind in PART_KINDS}
    return GroupResult(tables, time.perf_counter() - t0, os.getpid(), socket.gethostname())


class _GroupPlanner:
    """Hands out the tasks left as groups sized from the measured cost of a task.

    The cost is the seconds per task of the latest group measured on a process that had run
    one before (a process's first group also builds worlds and loads compiled kernels); until
    there is one, the latest first group stands in. A group holds about ``target`` seconds of
    work, at most the tasks left over `MIN_TASKS_PER_WORKER` times the workers, and at least
    one task; it never spans two scenarios or a point done already.
    """

    def __init__(self, todo: list[TaskSpec], code: str, workers: int):
        self.queue: deque[TaskSpec] = deque(todo)
        self.code = code
        self.workers = workers
        self.warm: float | None = None
        self.cold: float | None = None
        self.groups = 0
        self._seen: set[tuple[str, int]] = set()

    @property
    def cost(self) -> float | None:
        """Seconds per task, as measured so far (None before any group finished)."""
        return self.warm if self.warm is not None else self.cold

    def record(self, result: GroupResult, tasks: int) -> None:
        per_task = result.seconds / tasks
        process = (result.host, result.pid)
        if process in self._seen:
            self.warm = per_task
        else:
            self._seen.add(process)
            self.cold = per_task

    def size(self, target: float) -> int:
        if GROUP_SIZE is not None:
            return GROUP_SIZE
        if not self.cost:
            return 1
        by_time = max(1, int(target / self.cost))
        balance = max(1, math.ceil(len(self.queue) / (MIN_TASKS_PER_WORKER * self.workers)))
        return min(by_time, balance)

    def next(self, target: float) -> TaskGroup | None:
        if not self.queue:
            return None
        n = self.size(target)
        specs = [self.queue.popleft()]
        while (len(specs) < n and self.queue
               and self.queue[0].scenario_index == specs[-1].scenario_index
               and self.queue[0].point == specs[-1].point + 1):
            specs.append(self.queue.popleft())
        self.groups += 1
        return TaskGroup(tuple(specs), self.code)

    def worth_spawning(self, start_seconds: float = WORKER_START_SECONDS) -> bool:
        """Whether workers would pay back their start-up, ``start_seconds`` each: the work
        left, at the measured cost, is more than twice that. Decided on a warm measurement,
        or on a first one long enough (a whole target's worth) that warming up is a small
        part."""
        if start_seconds <= 0:
            return True
        cost = self.warm if self.warm is not None else (
            self.cold if self.cold is not None and self.cold >= TARGET_TASK_SECONDS else None)
        if cost is None:  # nothing measured yet: the work's floor decides
            return self.floor_seconds() > 2 * start_seconds
        return cost * len(self.queue) > 2 * start_seconds

    def floor_seconds(self) -> float:
        """The least the tasks left can take: their replicate-months at
        `FLOOR_SECONDS_PER_REPLICATE_MONTH`, each task running its stated months or, as
        `sim.runs.ensemble.run_batched` does without them, its scenario's horizon.

        Why the horizon: counting a year for a task without stated months (most sweeps)
        put a ten-second sweep's floor below a fork's start, so the driver ran a second
        group alone before forking its worker."""
        months = sum(len(t.seeds) * _task_months(t) for t in self.queue)
        return months * FLOOR_SECONDS_PER_REPLICATE_MONTH


def _task_months(spec: TaskSpec) -> int:
    """The months a task runs: its stated months, capped at its scenario's horizon, or the
    horizon."""
    horizon = spec.scenario.horizon_months
    return horizon if spec.months is None else min(spec.months, horizon)


def _run_groups(planner: _GroupPlanner, folder: SweepFolder, workers: int,
                scheduler: str | None, finished: Callable[[TaskGroup], None],
                pool: str = "processes", stream: CompactionStream | None = None) -> dict:
    """Run the planner's tasks as groups on workers (and, on one machine, in the driver);
    write each group as it finishes. Returns counts for the outcome's ``extra``. ``pool``
    (`local_pool`) says whether local workers are worker processes or threads of this
    one; threads start at once and share this process's code, so they are neither probed
    nor waited for.

    A worker with other code is refused as a `ConfigError` (the command line prints it
    without a traceback); the groups written before it stay valid and a rerun resumes.
    """
    stats = {"worker_processes": 0, "worker_threads": 0, "tasks_in_driver": 0}
    threads = scheduler is None and pool == "threads"
    pending: dict[Future, TaskGroup] = {}
    probes: list[Future] = []
    ex: Executor | None = None
    where = scheduler or "worker processes"
    with ExitStack() as stack:
        if scheduler:
            ex, n = stack.enter_context(task_executor(1, scheduler))
            driver, helpers, window = False, 0, 2 * n
            planner.workers = n
        else:
            driver = DRIVER_RUNS_TASKS or workers == 1
            helpers = workers - 1 if driver else workers  # local workers beside the driver
            window = 2 * helpers
            if driver and helpers:  # a lone driver keeps its libraries' threads
                stack.enter_context(_driver_single_threaded())

        def write(group: TaskGroup, result: GroupResult) -> None:
            written = folder.write_task(group.key, result.tables)
            if stream is not None:
                stream.add(group.key, written)
            planner.record(result, len(group.specs))
            finished(group)

        while True:
            for fut in [f for f in pending if f.done()]:
                group = pending.pop(fut)
                try:
                    result = fut.result()
                except CodeMismatchError as exc:
                    raise ConfigError(where, [str(exc)]) from exc
                write(group, result)
            for probe in [p for p in probes if p.done()]:
                probes.remove(probe)
                try:
                    probe.result()
                except CodeMismatchError as exc:
                    raise ConfigError(where, [str(exc)]) from exc
            if ex is None and planner.queue and threads and helpers:
                ex = stack.enter_context(_thread_pool(helpers))
                stats["worker_threads"] = helpers
            elif ex is None and helpers and planner.queue and (
                    method := _process_start(driver, planner, stats["tasks_in_driver"])):
                ex = stack.enter_context(_process_pool(helpers, method))
                stats["worker_processes"] = helpers
                stats["worker_start"] = method
                with _starting(method):
                    probes = [ex.submit(worker_info, planner.code) for _ in range(helpers)]
            # groups go out as soon as there are workers, queued behind their probes: a
            # worker starts on one as soon as it is up, not when the driver is next free to
            # hand one out (each group checks the worker's code itself)
            if ex is not None:
                while len(pending) < window and (group := planner.next(TARGET_TASK_SECONDS)):
                    pending[ex.submit(run_group, group)] = group
            if driver and planner.queue:
                # half a worker's share beside workers: the driver is back soon to write and
                # hand out more; a whole one alone
                group = planner.next(TARGET_TASK_SECONDS / 2 if helpers else
                                     TARGET_TASK_SECONDS)
                assert group is not None
                write(group, _run_group(group))
                stats["tasks_in_driver"] += len(group.specs)
                continue
            if not pending and not planner.queue:
                break
            wait([*pending, *probes], return_when=FIRST_COMPLETED)
        if isinstance(ex, ProcessPoolExecutor):
            ex.shutdown(wait=False, cancel_futures=True)  # probes of workers still starting
    return stats


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
        "seeds": "sim.core.rng.derive_seed(experiment seed, replicate)" if exp.common_random_numbers
        else "sim.core.rng.derive_seed(experiment seed, scenario index, point, replicate)",
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
    atomic_write_text(man_path, strict_json.dumps(manifest, indent=2) + "\n")
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
    """The engine: None (in-process), a spawn-based pool of ``workers`` single-threaded
    processes (`_process_pool`), or a Dask executor (tasks pin their own threads)."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler, timeout="20s")
        try:
            n = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), n
        finally:
            client.close()
    elif workers > 1:
        with _process_pool(workers) as ex:
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
              progress: Progress | None = None, pool: str | None = None) -> SweepOutcome:
    """Run (or resume) an experiment, then compact it; see the module docstring for the
    guarantees. ``pool``: local workers as threads or processes (`local_pool`; None: the
    ``SIM_POOL`` setting, "auto" by default)."""
    from sim.inputs.experiment import load_experiment

    path = experiment_path(experiment)
    exp = load_experiment(path)
    points = design_points(exp)
    out = out or (get_settings().results_dir / "sweeps" / exp.name)
    if engine not in ("batched", "mesa"):
        raise ConfigError("sim sweep", [f"--engine: bad value {engine!r}; allowed: batched, "
                                        "mesa"])
    kind = local_pool(pool or get_settings().pool, workers, engine, exp.replicates)
    folder = _prepare_folder(exp, path, Path(out), points, restart)
    if not folder.compacted:
        folder.remove_orphans()
    tasks = list(_tasks(exp, path, points, engine))
    done = ({(t.scenario_index, t.point) for t in tasks} if folder.compacted
            else folder.done_tasks())
    todo = [t for t in tasks if (t.scenario_index, t.point) not in done]
    total_runs = len(tasks) * exp.replicates
    skipped_runs = (len(tasks) - len(todo)) * exp.replicates
    done_runs = skipped_runs
    if progress:
        progress(done_runs, total_runs)

    def finished(n_tasks: int) -> None:
        nonlocal done_runs
        done_runs += n_tasks * exp.replicates
        if progress:
            progress(done_runs, total_runs)

    t0 = time.perf_counter()
    where = "dask" if scheduler else (kind if workers > 1 else "in-process")
    extra: dict[str, Any] = {"path": engine}
    planner = _GroupPlanner(todo, code_fingerprint(), workers)
    # the compacted tables grow as groups are written (`sim.runs.compaction`)
    stream = None if folder.compacted else CompactionStream(
        folder, [(t.scenario_index, t.point) for t in tasks])
    try:
        extra.update(_run_groups(planner, folder, workers, scheduler,
                                 lambda group: finished(len(group.specs)), kind, stream))
        n_workers = planner.workers if scheduler else workers
        extra["groups"] = planner.groups
        if planner.cost is not None:
            extra["seconds_per_run"] = round(planner.cost / exp.replicates, 4)
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        if folder.compacted:
            # a compaction whose clean-up was cut short
            folder.remove_parts(sorted({k for kind in PART_KINDS for k in folder.keys(kind)}))
        else:
            keys = folder.keys("runs")
            held = [task for key in keys for task in key_tasks(key)]
            if len(held) != len(set(held)) or set(held) != {(t.scenario_index, t.point)
                                                            for t in tasks}:
                raise RuntimeError(f"{folder.root}: the runs parts hold {len(held)} tasks "
                                   f"({len(set(held))} distinct) of {len(tasks)}; not "
                                   "compacted")
            compact_sweep(folder, keys, stream)
    finally:
        if stream is not None:
            stream.discard()  # what an unfinished compaction wrote; the parts stay
    extra["compact_seconds"] = round(time.perf_counter() - t1, 3)
    return SweepOutcome(folder=Path(out), tasks_total=len(tasks), tasks_run=len(todo),
                        tasks_skipped=len(tasks) - len(todo),
                        runs_done=done_runs - skipped_runs, seconds=seconds,
                        workers=n_workers, engine=where, runs_total=total_runs,
                        runs_skipped=skipped_runs, compacted=True, extra=extra)


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
    """The parts of finished tasks (a part whose ``runs`` part is missing was cut short)."""
    parts = SweepFolder(folder)
    done = set(parts.keys("runs"))
    files = [parts.part(kind, key) for key in parts.keys(kind) if key in done]
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
    done = len(SweepFolder(folder).done_tasks())
    return SweepResults(folder, manifest, points, tables["runs"], tables["dyads"],
                        tables["trajectories"], complete=compacted or done == expected)
