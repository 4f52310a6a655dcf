"""The model's state as input to the bloc analyses: sizes, propensities and X0.

Why symmetrise: both theories need a symmetric relation (landscape theory's energy falls
with every frustration-reducing move only when p is symmetric; dX/dt = X^2 is stated for
symmetric X), while the model's alignment a[i, j] is directed. The propensity of a pair is
therefore the mean of the two directions, (a + a^T)/2, with a zero diagonal; the size of
an actor is its roster ``power`` (capability relative to the United States). X0 for the
balance dynamics is the same matrix: a diagonal of 1 (everyone aligned with itself) would
only shift every eigenvalue by 1, moving the blow-up time but not the factions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.blocs.landscape import Landscape
from sim.core.calendar import month_label


@dataclass(frozen=True)
class ModelState:
    """Alignment of every replicate at one month, and what the sizes come from."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    power: np.ndarray  # (N,)
    alignment: np.ndarray  # (R, N, N), a[r, i, j] = i towards j
    month: int
    date: str
    source: str
    seeds: tuple[int, ...]
    notes: tuple[str, ...] = ()

    @property
    def replicates(self) -> int:
        return self.alignment.shape[0]


@dataclass(frozen=True)
class BlocInputs:
    """What both analyses read: the landscape and X0, with a label saying where they came from."""

    landscape: Landscape
    x0: np.ndarray
    label: str
    notes: tuple[str, ...] = ()


def propensity_from_alignment(alignment: np.ndarray) -> np.ndarray:
    """(a + a^T)/2 with a zero diagonal, for one (N, N) matrix or a stack (..., N, N): the
    undirected tie the run's metrics use too (`sim.runs.metrics.symmetrised`)."""
    from sim.runs.metrics import symmetrised  # lazily: metrics brings pandas and the engine

    return symmetrised(np.asarray(alignment, dtype=np.float64))


def bloc_inputs(state: ModelState, replicate: int | None = 0) -> BlocInputs:
    """One replicate's state (``replicate``) or the replicate mean (None) as bloc inputs."""
    if replicate is None:
        a = state.alignment.mean(axis=0)
        which = f"mean of {state.replicates} replicate(s)"
    else:
        if not 0 <= replicate < state.replicates:
            raise ValueError(f"replicate {replicate} does not exist; allowed: 0.."
                             f"{state.replicates - 1}")
        a = state.alignment[replicate]
        which = f"replicate {replicate} (seed {state.seeds[replicate]})"
    p = propensity_from_alignment(a)
    landscape = Landscape(state.ids, state.power, p)
    label = f"{state.source}, month {state.month} ({state.date}), {which}"
    return BlocInputs(landscape, p, label, state.notes)


def state_from_scenario(scenario: str | Path, month: int, seeds: Sequence[int]
                        ) -> ModelState:
    """Run a scenario on the batched path to ``month`` and keep that month's alignment.

    Raises `ConfigError` for a bad scenario and ValueError for a month outside the horizon.
    """
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario, resolve_scenario_path
    from sim.runs.ensemble import run_batched

    path = resolve_scenario_path(scenario)
    world = build_world(load_scenario(path), path.parent)
    if not 0 <= month <= world.horizon:
        raise ValueError(f"--month: bad value {month}; allowed: 0..{world.horizon} "
                         f"(the horizon of scenario {world.scenario.name!r})")
    seeds = [int(s) for s in seeds]
    rec = run_batched(world, np.asarray(seeds, dtype=np.uint64), months=month,
                      keep_terms=False)
    ro = world.roster
    return ModelState(ro.ids, ro.names, ro.power.copy(), rec.alignment[month].copy(), month,
                      world.date(month), f"scenario {world.scenario.name}", tuple(seeds))


def state_from_run(run: str | Path, month: int, results_dir: Path) -> ModelState:
    """A month of a run written by ``sim run`` (``latest``, a run id, or its folder).

    The alignment comes from ``trajectories.parquet``; sizes, which the run does not store,
    come from the run's scenario as recorded in its manifest (or, if this code can no longer
    read that record, from the scenario file it names, with a note).
    """
    from sim.runs.results_io import resolve_run

    files = resolve_run(results_dir, run)
    man = files.manifest
    ids = tuple(man["roster"]["actors"])
    horizon = int(man["horizon_months"])
    if not 0 <= month <= horizon:
        raise ValueError(f"--month: bad value {month}; allowed: 0..{horizon} (the horizon "
                         f"of run {files.directory.name})")
    traj = files.table("trajectories", filters=[("step", "==", month)],
                       columns=["replicate", "source", "target", "alignment"])
    reps = int(man["replicates"])
    pos = {a: k for k, a in enumerate(ids)}
    align = np.repeat(np.eye(len(ids))[None], reps, axis=0)
    align[traj["replicate"].to_numpy(),
          traj["source"].astype(str).map(pos).to_numpy(),
          traj["target"].astype(str).map(pos).to_numpy()] = traj["alignment"].to_numpy()
    names, power, notes = _run_sizes(man, ids)
    return ModelState(ids, names, power, align, month, month_label(man["start"], month),
                      f"run {files.directory.name}", tuple(int(s) for s in man["seeds"]),
                      notes)


def _run_sizes(man: dict, ids: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray,
                                                          tuple[str, ...]]:
    """Actor names and power of a run's world, rebuilt from its manifest."""
    from pydantic import ValidationError

    from sim.core.config_errors import ConfigError
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import Scenario, load_scenario
    from sim.runs.manifest import sha256_file

    rec = man["scenario"]
    file = Path(rec["file"]) if rec.get("file") else None
    base = file.parent if file else None
    notes: list[str] = []
    try:
        world = build_world(Scenario.model_validate(rec["resolved"]), base)
    except (ValidationError, ConfigError, OSError):
        if file is None or not file.exists():
            raise ValueError(f"cannot rebuild the actors' sizes of this run: its scenario "
                             f"record no longer validates and its file {file} is gone") from None
        world = build_world(load_scenario(file), base)
        changed = rec.get("sha256") and sha256_file(file) != rec["sha256"]
        notes.append(f"sizes read from the current {file.name}"
                     + (" (changed since the run)" if changed else ""))
    if world.roster.ids != ids:
        raise ValueError(f"the run's actors ({', '.join(ids)}) differ from its scenario's "
                         f"now ({', '.join(world.roster.ids)}); sizes cannot be matched")
    return world.roster.names, world.roster.power.copy(), tuple(notes)
