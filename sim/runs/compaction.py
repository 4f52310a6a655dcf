"""Compacting a sweep: its parts become one analysis table and one table each of dyad
metrics and trajectories, rows in (scenario, point, replicate) order whatever the grouping.

Why while the sweep runs: compacting only at the end read every part back from disk and
wrote the tables on the driver alone, after the last group, while the other cores idled
(a third of a second on a ten-second sweep, growing with the sweep). `CompactionStream`
appends each group's tables as the driver writes its parts, from memory, in task order;
the end only closes the files, writes the analysis table and removes the parts. Parts
that were not seen in memory (written by an earlier, interrupted run of the same sweep,
or a group that finished out of order and is still waiting for the one before it) are
read from disk or held until their turn, so the tables are the same whatever the order
in which groups finished.

Crash safety is unchanged: the compacted tables grow under temporary names and are
renamed into place only at the end, the analysis table last (its presence marks the
compaction done), and the parts are removed only after that. A killed sweep leaves its
parts whole; its temporary tables are removed by the next run
(`sim.runs.sweep_folder.SweepFolder.remove_orphans`), which compacts again.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.config_errors import ConfigError
from sim.runs import schema
from sim.runs.results_io import write_parquet
from sim.runs.sweep_folder import ANALYSIS, RUN_KEYS, SweepFolder, key_tasks

#: Rows gathered before a row group of a compacted table is written: large enough for
#: fast scans, small enough that compacting never holds the whole sweep in memory.
ROW_GROUP = 1 << 20
#: The compacted tables made by appending parts (the analysis table is made at the end).
STREAMED_KINDS = ("dyads", "trajectories")

Task = tuple[int, int]  # (scenario index, point)


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


class _TableFile:
    """One compacted table growing under a temporary name beside ``dest``.

    Parts are gathered into row groups of about `ROW_GROUP` rows and written one group at
    a time. Every part must have the schema of the first (same columns, dtypes and
    descriptions)."""

    def __init__(self, dest: Path):
        self.dest = dest
        self.tmp = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp"
        self._file = None
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._first: Path | None = None
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self.rows = 0

    def append(self, table: pa.Table, source: Path) -> None:
        """Add a part's rows; ``source`` is the part's file, named if its schema differs."""
        if self._writer is None:
            self._file = self.tmp.open("wb")
            self._schema, self._first = table.schema, source
            self._writer = pq.ParquetWriter(self._file, table.schema, compression="zstd")
        elif not table.schema.equals(self._schema, check_metadata=True):
            raise schema.SchemaError(
                f"{source}: its columns {table.schema.names} (dtypes "
                f"{[str(t) for t in table.schema.types]}) differ from those of "
                f"{self._first}; allowed: the same schema in every part")
        self._buffer.append(table)
        self.rows += table.num_rows
        self._buffered += table.num_rows
        if self._buffered >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._writer.write_table(pa.concat_tables(self._buffer))  # type: ignore[union-attr]
        self._buffer, self._buffered = [], 0

    def publish(self) -> None:
        """Write what is left, make it durable, check its rows and rename it into place; a
        table without any part removes a stale ``dest`` instead."""
        if self._writer is None:
            self.dest.unlink(missing_ok=True)
            return
        self._flush()
        self._writer.close()
        self._writer = None
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        written = pq.ParquetFile(self.tmp).metadata.num_rows
        if written != self.rows:
            raise OSError(f"{self.tmp}: wrote {written} rows of {self.rows}; the parts are "
                          "kept")
        os.replace(self.tmp, self.dest)

    def discard(self) -> None:
        """Close and remove the temporary file (a compaction that did not finish)."""
        if self._writer is not None:
            with contextlib.suppress(OSError):  # removed below; its error says nothing new
                self._writer.close()
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None
        self.tmp.unlink(missing_ok=True)


class CompactionStream:
    """A sweep's compacted tables, appended part by part in task order as groups finish.

    ``tasks`` are all the sweep's tasks in (scenario, point) order. `add` takes a part
    just written, as the Arrow tables written; a part is appended when every task before
    its first is, so a part that finished early waits in memory (at most the groups in
    flight). Parts already on disk, from an earlier run of the same sweep, are read when
    their turn comes. `finish` completes the tables; `discard` removes what an unfinished
    compaction wrote (a no-op after `finish`).
    """

    def __init__(self, folder: SweepFolder, tasks: Sequence[Task]):
        self.folder = folder
        self.tasks = list(tasks)
        self._cursor = 0
        self._held: dict[Task, tuple[str, dict[str, pa.Table]]] = {}
        self._on_disk = self._parts_on_disk()
        self._files = {kind: _TableFile(folder.root / f"{kind}.parquet")
                       for kind in STREAMED_KINDS}
        self._runs: list[pa.Table] = []
        self._appended: list[str] = []
        self.finished = False
        self._advance()

    def _parts_on_disk(self) -> dict[Task, str]:
        return {tasks[0]: key for key in self.folder.keys("runs")
                if (tasks := key_tasks(key))}

    def add(self, key: str, tables: dict[str, pa.Table]) -> None:
        """A part written now: ``tables`` by kind (kinds without rows absent)."""
        tasks = key_tasks(key)
        if not tasks or "runs" not in tables:
            raise ValueError(f"part {key!r}: not a task group's name or no runs table")
        self._held[tasks[0]] = (key, tables)
        self._advance()

    def _advance(self) -> None:
        while self._cursor < len(self.tasks):
            task = self.tasks[self._cursor]
            if task in self._held:
                key, tables = self._held.pop(task)
            elif task in self._on_disk:
                key = self._on_disk[task]
                tables = self._read(key)
            else:
                return
            self._append(key, tables)

    def _read(self, key: str) -> dict[str, pa.Table]:
        return {kind: pq.read_table(path) for kind in (*STREAMED_KINDS, "runs")
                if (path := self.folder.part(kind, key)).exists()}

    def _append(self, key: str, tables: dict[str, pa.Table]) -> None:
        held = key_tasks(key)
        expected = self.tasks[self._cursor:self._cursor + len(held)]
        if held != expected:
            raise RuntimeError(f"{self.folder.root}: part {key} holds tasks {held[:3]}..., "
                               f"the compaction expected {expected[:3]}...; not compacted")
        for kind, table_file in self._files.items():
            if kind in tables:
                table_file.append(tables[kind], self.folder.part(kind, key))
        self._runs.append(tables["runs"])
        self._appended.append(key)
        self._cursor += len(held)

    def finish(self) -> None:
        """Append the parts not yet appended (from disk), publish the tables, write the
        analysis table last and remove the parts.

        Order, for a crash at any point: dyads and trajectories first, the analysis table
        last (it marks the compaction done), and the parts are removed only after it is in
        place and every table holds as many rows as its parts."""
        self._on_disk = self._parts_on_disk()
        self._advance()
        if self._cursor < len(self.tasks):
            missing = self.tasks[self._cursor:self._cursor + 5]
            raise RuntimeError(f"{self.folder.root}: cannot compact, tasks not done: "
                               f"{', '.join(f's{s:02d}-p{p:06d}' for s, p in missing)}"
                               f"{' ...' if len(self.tasks) - self._cursor > 5 else ''}")
        for table_file in self._files.values():
            table_file.publish()
        root = self.folder.root
        manifest = json.loads((root / "manifest.json").read_text())
        params = parameter_columns(list(manifest["design"]["parameters"]),
                                   root / "manifest.json")
        write_parquet(self._analysis_frame(params), root / ANALYSIS, "sweep/analysis",
                      params)
        self.finished = True
        self.folder.remove_parts(self._appended)

    def _analysis_frame(self, params: tuple[schema.Column, ...]) -> pd.DataFrame:
        """One row per run: its keys, the parameters of its point, its metrics (``m_``)."""
        runs = pa.concat_tables(self._runs).to_pandas()
        points_file = self.folder.root / "points.parquet"
        points = pd.read_parquet(points_file)
        missing = [c.name for c in params if c.name not in points.columns]
        if missing:
            raise schema.SchemaError(f"{points_file}: no column(s) {missing}; allowed: the "
                                     "columns this sweep's parameters give (was it written "
                                     "by an earlier version? use --restart)")
        merged = runs.merge(points[["point", *(c.name for c in params)]], on="point",
                            how="left", validate="many_to_one")
        metrics = [c for c in runs.columns if c not in RUN_KEYS]
        frame = merged[[*RUN_KEYS, *(c.name for c in params), *metrics]]
        return frame.rename(columns={m: f"m_{m}" for m in metrics})

    def discard(self) -> None:
        """Remove the temporary tables of a compaction that did not finish; the parts stay."""
        if not self.finished:
            for table_file in self._files.values():
                table_file.discard()


def compact_sweep(folder: SweepFolder, keys: list[str],
                  stream: CompactionStream | None = None) -> None:
    """Turn a complete sweep's parts ``keys`` into its tables, then remove the parts:
    finish the ``stream`` that appended them while the sweep ran, or compact them all from
    disk (a sweep resumed after every task was done, or compacted again)."""
    if stream is None:
        stream = CompactionStream(folder, [task for key in keys for task in key_tasks(key)])
    try:
        stream.finish()
    finally:
        stream.discard()
