"""A sweep's folder on disk: its parts, named by the tasks they hold, and the marks of a
finished compaction.

Why its own module: the sweep (`sim.runs.sweep`) writes parts into it and the compaction
(`sim.runs.compaction`) turns them into tables; both read the same names and the same
rules for what counts as done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim.runs import schema
from sim.runs.results_io import write_arrow

PART_KINDS = ("dyads", "trajectories", "runs")  # "runs" last: it marks a task done
#: Columns that identify a run in the runs part and the analysis table.
RUN_KEYS = ("scenario", "point", "replicate", "seed")
ANALYSIS = "analysis.parquet"  # written last by a compaction: its presence marks it done
COMPACTED = ("dyads.parquet", "trajectories.parquet", ANALYSIS)


_PART_KEY = re.compile(r"s(\d+)-p(\d+)(?:-p(\d+))?")


def key_tasks(key: str) -> list[tuple[int, int]]:
    """The (scenario index, point) tasks a part's name says it holds: ``s01-p000007`` one,
    ``s01-p000007-p000012`` six; none for a name of another form (a file nobody here wrote)."""
    m = _PART_KEY.fullmatch(key)
    if m is None:
        return []
    first = int(m[2])
    last = int(m[3]) if m[3] is not None else first
    return [(int(m[1]), point) for point in range(first, last + 1)]


@dataclass
class SweepFolder:
    root: Path

    def part(self, kind: str, key: str) -> Path:
        return self.root / "parts" / kind / f"{key}.parquet"

    @property
    def compacted(self) -> bool:
        """Whether the parts were compacted: the analysis table, written last, is there."""
        return (self.root / ANALYSIS).exists()

    def keys(self, kind: str) -> list[str]:
        """The keys of this kind's parts, in (scenario, first point) order, so that tables
        built from them keep that order whatever the grouping; other files are ignored."""
        folder = self.root / "parts" / kind
        if not folder.exists():
            return []
        found = [(tasks, f.stem) for f in folder.glob("*.parquet")
                 if (tasks := key_tasks(f.stem))]
        return [key for _, key in sorted(found)]

    def done_tasks(self) -> set[tuple[int, int]]:
        """The (scenario index, point) tasks whose ``runs`` part, written last, is there."""
        return {task for key in self.keys("runs") for task in key_tasks(key)}

    def remove_orphans(self) -> None:
        """Remove dyads and trajectories parts that have no ``runs`` part: a crash cut their
        group short, it runs again (grouped perhaps otherwise), and its rows must not be
        counted twice. Remove too the compacted tables a killed sweep had begun (their
        temporary files, `sim.runs.compaction`): the next compaction starts them again."""
        done = set(self.keys("runs"))
        for kind in PART_KINDS[:-1]:
            for key in self.keys(kind):
                if key not in done:
                    self.part(kind, key).unlink(missing_ok=True)
        for name in COMPACTED:
            for stale in self.root.glob(f".{name}.*.tmp"):
                stale.unlink(missing_ok=True)

    def write_task(self, key: str, tables: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
        """A finished task's parts, each atomically, ``runs`` last; empty parts are skipped
        (a table with no rows says nothing, and a sweep that keeps no trajectories would
        otherwise leave a file per task). Returns the Arrow tables written, by kind, for
        the compaction to append without reading them back
        (`sim.runs.compaction.CompactionStream`)."""
        if not len(tables["runs"]):
            raise ValueError(f"task {key}: no runs to write; a task runs at least one "
                             "replicate")
        written = {}
        for kind in PART_KINDS:
            if len(tables[kind]):
                path = self.part(kind, key)
                written[kind] = write_arrow(
                    schema.arrow_table(tables[kind], str(path), f"sweep/{kind}"), path)
        return written

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
