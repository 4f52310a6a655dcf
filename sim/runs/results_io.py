"""Writing a run to ``results/`` and reading it back.

Layout of one run (see results/README.md): ``runs/<run id>/`` holds ``manifest.json``,
``trajectories.parquet``, ``drivers.parquet``, ``actions.parquet``, ``events.parquet``,
``actors.parquet``, ``summary.json``, ``summary.md``, ``key_dyads.png`` and
``network.png``; ``latest`` points at the newest. Every Parquet file goes through
`write_parquet`, so its columns have the dtypes, units and descriptions of `sim.runs.schema`.

A run is written into a hidden temporary folder and renamed into place only when complete,
so a failed or interrupted run leaves nothing half-written and never touches earlier runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.actions import DYADIC_NAMES, THEATRE_NAMES, Dyadic, TheatreAction
from sim.core.calendar import month_label
from sim.core.config_errors import ConfigError
from sim.dynamics.drivers import TERM_NAMES
from sim.dynamics.world import World
from sim.runs import schema
from sim.runs.recording import Record


def new_run_id(scenario: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{scenario}-{stamp}-{uuid.uuid4().hex[:6]}"


@contextmanager
def atomic_file(path: Path | str, mode: str = "w") -> Iterator:
    """An open temporary file beside ``path``, renamed over it when the block succeeds.

    Why: a crash or a full disk mid-write must never leave a damaged file (a session, a
    manifest, a table) where a good one was; `os.replace` swaps the complete new file in at
    once, and a failed write leaves the old file and no temporary one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with tmp.open(mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(text)
    return Path(path)


def write_parquet(frame: pd.DataFrame, path: Path | str, table: str,
                  extra: tuple[schema.Column, ...] = ()) -> Path:
    """Write ``frame`` to ``path`` through `sim.runs.schema` (dtypes, units, descriptions),
    atomically.

    Why both: the schema makes every file self-describing and joinable without casts (a
    column it does not know, or a value its dtype cannot hold exactly, is refused before
    anything is written); the temporary file renamed over ``path`` means a crash leaves
    either the old file or the complete new one, never a damaged one.
    """
    path = Path(path)
    write_arrow(schema.arrow_table(frame, str(path), table, extra), path)
    return path


def write_arrow(table: pa.Table, path: Path | str) -> pa.Table:
    """Write an Arrow table made by `sim.runs.schema.arrow_table` to ``path`` as Parquet,
    atomically (`atomic_file`); returns the table, which a caller may keep instead of
    reading the file back."""
    with atomic_file(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
    return table


#: The file in a partial folder that names the process writing it.
OWNER_FILE = ".owner"


def _owner_alive(folder: Path) -> bool:
    """Whether the process that made a partial folder may still be writing it: it runs on
    this machine, or the folder says nothing (then it is left alone)."""
    try:
        host, pid = (folder / OWNER_FILE).read_text(encoding="utf-8").split()
        pid_number = int(pid)
    except (OSError, ValueError):
        return True
    if host != socket.gethostname():
        return True  # another machine's process: cannot tell, leave it
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_partials(parent: Path) -> list[Path]:
    """Remove the ``.partial-*`` folders whose writer is gone (a run killed with SIGKILL,
    a machine that lost power): they can never be completed. Returns what was removed."""
    removed = []
    try:
        candidates = list(Path(parent).glob(".partial-*"))
    except OSError:
        return removed
    for folder in candidates:
        if folder.is_dir() and not _owner_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def check_writable(folder: Path, needed_bytes: int = 0) -> None:
    """Before a long computation: refuse at once, naming the path, a results folder that
    cannot take the output (a file in the way, a read-only or full file system), instead of
    failing after the whole ensemble has run. Creates nothing that stays."""
    folder = Path(folder)
    existing = folder
    while not existing.exists():
        if existing.is_symlink():  # a dangling link in the way
            raise ConfigError(str(folder), [f"{existing}: a broken link is in the way"])
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(str(folder), [f"{existing}: is a file, not a folder; the results "
                                        "folder must be a folder"])
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(str(folder), [f"{existing}: cannot be written: "
                                        f"{exc.strerror or exc}"]) from None
    free = shutil.disk_usage(existing).free
    if needed_bytes and free < needed_bytes:
        raise ConfigError(str(folder), [
            f"{existing}: {free / 2**20:,.0f} MiB free; this output needs about "
            f"{needed_bytes / 2**20:,.0f} MiB"])


@contextmanager
def staged_dir(parent: Path, name: str) -> Iterator[Path]:
    """A temporary folder that becomes ``parent/name`` only if the block succeeds.

    On failure the partial folder goes, and so do the parent folders this call created, so
    a failed command leaves the results tree exactly as it found it. Partial folders left
    by killed processes are removed first (`clean_stale_partials`).
    """
    parent = Path(parent)
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale_partials(parent)
    tmp = parent / f".partial-{name}"
    tmp.mkdir()
    (tmp / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:  # deepest first: folders this call made, if still empty
            if any(folder.iterdir()):
                break
            folder.rmdir()
        raise
    (tmp / OWNER_FILE).unlink(missing_ok=True)
    tmp.rename(parent / name)


@contextmanager
def staged_run_dir(results_dir: Path, run_id: str) -> Iterator[Path]:
    """A staged ``runs/<run_id>`` (see `staged_dir`); ``latest`` points at it when done."""
    with staged_dir(Path(results_dir) / "runs", run_id) as tmp:
        yield tmp
    link = Path(results_dir) / "latest"
    tmp_link = Path(results_dir) / f".latest-{run_id}"
    tmp_link.symlink_to(Path("runs") / run_id)
    os.replace(tmp_link, link)


def _dyad_frame(world: World) -> dict[str, np.ndarray]:
    """Source and target indices of every ordered pair of distinct actors, row-major."""
    ids = np.array(world.roster.ids)
    n = len(ids)
    src, tgt = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = src != tgt
    return {"src": src[off], "tgt": tgt[off], "ids": ids, "n_pairs": int(off.sum()),
            "off": off}


def _categorical(values: np.ndarray, categories) -> pd.Categorical:
    """Codes and labels as a categorical: cheap in memory; `sim.runs.schema` stores the plain
    strings (no categoricals in files)."""
    return pd.Categorical.from_codes(values, categories=list(categories))


def _month_labels(world: World, months: int) -> list[str]:
    return [month_label(world.start, k) for k in range(months)]


def trajectories_table(world: World, rec: Record) -> pd.DataFrame:
    """Alignment and distrust of every ordered pair, every month (step 0 = the start)."""
    s1, r = rec.alignment.shape[:2]
    d = _dyad_frame(world)
    p = d["n_pairs"]
    align = rec.alignment[:, :, d["off"]]  # (S+1, R, P)
    dist = rec.distrust[:, :, d["off"]]
    step = np.repeat(np.arange(s1), r * p)
    return pd.DataFrame({
        "replicate": np.tile(np.repeat(np.arange(r, dtype=np.int32), p), s1),
        "seed": np.tile(np.repeat(rec.seeds.astype(np.uint64), p), s1),
        "step": step.astype(np.int32),
        "date": _categorical(step, _month_labels(world, s1)),
        "source": _categorical(np.tile(d["src"], s1 * r), d["ids"]),
        "target": _categorical(np.tile(d["tgt"], s1 * r), d["ids"]),
        "alignment": align.reshape(-1),
        "distrust": dist.reshape(-1),
    })


def drivers_table(world: World, rec: Record) -> pd.DataFrame:
    """Every term of every month's change, one row per (replicate, month, pair).

    Why ``from_date`` and ``to_date``: the row of step k is the change from month k to month
    k + 1, which a single date column left to the README to say.
    """
    s, r = rec.terms.shape[:2]
    d = _dyad_frame(world)
    p = d["n_pairs"]
    terms = rec.terms[:, :, :, d["off"]]  # (S, R, K, P)
    step = np.repeat(np.arange(s), r * p)
    labels = _month_labels(world, s + 1)
    frame = {
        "replicate": np.tile(np.repeat(np.arange(r, dtype=np.int32), p), s),
        "step": step.astype(np.int32),
        "from_date": _categorical(step, labels),
        "to_date": _categorical(step + 1, labels),
        "source": _categorical(np.tile(d["src"], s * r), d["ids"]),
        "target": _categorical(np.tile(d["tgt"], s * r), d["ids"]),
    }
    for j, name in enumerate(TERM_NAMES):
        frame[name] = terms[:, :, j, :].reshape(-1)
    return pd.DataFrame(frame)


ACTION_COLUMNS = ("replicate", "step", "date", "actor", "kind", "counterpart", "action")
EVENT_COLUMNS = ("replicate", "step", "date", "event")


def actions_table(world: World, rec: Record) -> pd.DataFrame:
    """Every move that is not the default (maintain / support), dyadic and theatre.

    The columns are the same with or without rows, so a reader never meets a table without
    the columns it selects.
    """
    ids = list(world.roster.ids)
    rows = []
    if rec.dyadic is not None:
        s, r, i, j = np.nonzero(rec.dyadic != Dyadic.MAINTAIN)
        keep = i != j
        s, r, i, j = s[keep], r[keep], i[keep], j[keep]
        rows.append(pd.DataFrame({
            "replicate": r.astype(np.int32), "step": s.astype(np.int32),
            "actor": [ids[x] for x in i], "kind": "dyadic",
            "counterpart": [ids[x] for x in j],
            "action": [DYADIC_NAMES[x] for x in rec.dyadic[s, r, i, j]],
        }))
    if rec.theatre is not None:
        s, r, i, t = np.nonzero((rec.theatre != TheatreAction.SUPPORT)
                                & (world.roster.stake.T[None, None] > 0))
        rows.append(pd.DataFrame({
            "replicate": r.astype(np.int32), "step": s.astype(np.int32),
            "actor": [ids[x] for x in i], "kind": "theatre",
            "counterpart": [world.roster.theatre_ids[x] for x in t],
            "action": [THEATRE_NAMES[x] for x in rec.theatre[s, r, i, t]],
        }))
    rows = [x for x in rows if len(x)]
    if not rows:
        return schema.empty_frame(ACTION_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out.insert(2, "date", [month_label(world.start, int(k)) for k in out["step"]])
    return out[list(ACTION_COLUMNS)]


def events_table(world: World, rec: Record) -> pd.DataFrame:
    """Every event that fired, one row per (replicate, month, event)."""
    rows = [(int(r), step, month_label(world.start, step), label)
            for step, label, mask in rec.events for r in np.flatnonzero(mask)]
    if not rows:
        return schema.empty_frame(EVENT_COLUMNS)
    # one order whatever the engine: the Mesa agents and the batched path fire the same
    # events in a different sequence within a month (issue 16)
    rows.sort(key=lambda row: (row[0], row[1], row[3]))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def actors_table(world: World) -> pd.DataFrame:
    """The run's actors in roster order: ids, names, kind, description and parameters.

    Why in every run folder: the other tables name actors by id only; this table says who
    they are and what the run assumed of them (values after the scenario's changes), so a
    run can be read without the roster file it was built from.
    """
    ro = world.roster
    by_id = {a.id: a for a in ro.source.actors}  # a scenario's added actors included
    actors = [by_id[i] for i in ro.ids]
    has_factions = [a.domestic is not None for a in actors]
    balance = np.asarray(world.initial_balance, dtype=np.float64)
    return pd.DataFrame({
        "index": np.arange(ro.n, dtype=np.int32),
        "id": list(ro.ids),
        "name": list(ro.names),
        "actor_kind": [a.kind for a in actors],
        "description": [a.description for a in actors],
        **{name: np.asarray(getattr(ro, name), dtype=np.float64)
           for name in ("power", "sanctions_exposure", "anti_hegemony", "rationality",
                        "hedging", "arms_capacity", "arms_need", "sanction_capacity")},
        "domestic_balance": np.where(has_factions, balance, np.nan),
    })


@dataclass(frozen=True)
class RunFiles:
    directory: Path

    @property
    def manifest(self) -> dict:
        return json.loads((self.directory / "manifest.json").read_text(encoding="utf-8"))

    def table(self, name: str, **kwargs) -> pd.DataFrame:
        return pd.read_parquet(self.directory / f"{name}.parquet", **kwargs)


def write_tables(directory: Path, world: World, rec: Record) -> None:
    """A run's Parquet files, each through `sim.runs.schema` (see results/README.md)."""
    directory = Path(directory)
    write_parquet(trajectories_table(world, rec), directory / "trajectories.parquet",
                  "run/trajectories")
    if rec.terms is not None:
        write_parquet(drivers_table(world, rec), directory / "drivers.parquet", "run/drivers")
    write_parquet(actions_table(world, rec), directory / "actions.parquet", "run/actions")
    write_parquet(events_table(world, rec), directory / "events.parquet", "run/events")
    write_parquet(actors_table(world), directory / "actors.parquet", "run/actors")


def resolve_run(results_dir: Path, run: str | Path = "latest") -> RunFiles:
    """A run by path, by id under ``runs/``, or ``latest``; clear error if absent."""
    candidates = [Path(run), Path(results_dir) / "runs" / str(run), Path(results_dir) / str(run)]
    for c in candidates:
        if (c / "manifest.json").exists():
            return RunFiles(c.resolve())
    raise FileNotFoundError(
        f"no run {str(run)!r} in {results_dir} (looked for manifest.json in "
        + ", ".join(str(c) for c in candidates) + "); run `sim run baseline` first")
