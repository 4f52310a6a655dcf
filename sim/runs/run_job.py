"""The run job: scenario in, self-describing results folder out.

Everything is checked before anything is written: the scenario loads (or `ConfigError`
names every problem), the world compiles, and only then does the run start; results are
staged and moved into place at the end (see `sim.runs.results_io.staged_run_dir`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.core import strict_json
from sim.dynamics.params import load_dynamics_file
from sim.dynamics.world import World
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario, resolve_scenario_path
from sim.runs.ensemble import Engine, default_threads, ensemble_seeds, run_ensemble
from sim.runs.manifest import build_manifest, write_manifest
from sim.runs.recording import Record
from sim.runs.reporting import summarise, summary_markdown
from sim.runs.results_io import check_writable, new_run_id, staged_run_dir, write_tables


@dataclass
class RunOutcome:
    run_id: str
    directory: Path
    world: World
    record: Record
    summary: dict
    seconds: float


@dataclass
class PreparedRun:
    """A scenario loaded, checked and compiled: nothing can fail for bad input after this."""

    path: Path
    world: World


def prepare_run(scenario: str, dynamics_file: Path | None = None) -> PreparedRun:
    """Load and compile a scenario; ``dynamics_file`` replaces the table it reads its rates
    from (a calibrated one, say), as if the scenario named it."""
    path = resolve_scenario_path(scenario)
    sc = load_scenario(path)
    if dynamics_file is not None:
        load_dynamics_file(Path(dynamics_file))  # a bad table is refused, naming its file
        sc = sc.model_copy(update={"dynamics_file": str(Path(dynamics_file).resolve())})
    return PreparedRun(path, build_world(sc, path.parent))


def run_scenario(scenario: str | PreparedRun, *, replicates: int, base_seed: int,
                 results_dir: Path, engine: Engine = "mesa", figure: bool = True,
                 progress: Callable[[int], None] | None = None) -> RunOutcome:
    prepared = scenario if isinstance(scenario, PreparedRun) else prepare_run(scenario)
    path, world = prepared.path, prepared.world
    sc = world.scenario
    seeds = ensemble_seeds(base_seed, replicates)
    # refuse a folder that cannot take the run now, not after the whole ensemble has run:
    # the tables hold about 8 bytes per replicate, month and dyad, before compression
    check_writable(Path(results_dir),
                   needed_bytes=8 * replicates * (world.horizon + 1) * world.n ** 2)
    t0 = time.perf_counter()
    rec = run_ensemble(world, seeds, engine=engine, progress=progress,
                       threads=default_threads())
    seconds = time.perf_counter() - t0
    run_id = new_run_id(sc.name)
    summary = summarise(world, rec)
    manifest = build_manifest(world, path, seeds, engine,
                              extra={"run_id": run_id, "run_seconds": round(seconds, 3),
                                     "base_seed": base_seed})
    with staged_run_dir(results_dir, run_id) as tmp:
        write_manifest(tmp / "manifest.json", manifest)
        write_tables(tmp, world, rec)
        (tmp / "summary.json").write_text(strict_json.dumps(summary, indent=2) + "\n")
        (tmp / "summary.md").write_text(summary_markdown(world, summary, run_id))
        if figure:  # matplotlib is imported here, not by whoever only prepares a run
            from sim.runs.network_figure import plot_network_start_end
            from sim.runs.reporting import plot_key_dyads

            plot_key_dyads(world, rec, tmp / "key_dyads.png")
            plot_network_start_end(world, rec, tmp / "network.png")
    return RunOutcome(run_id, Path(results_dir) / "runs" / run_id, world, rec, summary, seconds)
