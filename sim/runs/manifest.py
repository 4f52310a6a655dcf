"""The manifest every result carries: enough to reproduce it exactly.

Scenario (file hash and full resolved content), roster and dynamics values, seeds, engine,
code version (git commit and whether the tree was dirty), library versions, machine, time.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from sim.core import strict_json
from sim.core.paths import REPO_ROOT
from sim.dynamics.world import World

REPO = REPO_ROOT


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's values as contiguous float64 bytes: equal only if every bit is."""
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()


def code_version() -> dict[str, Any]:
    """Package version and, in a git checkout, the commit and whether it had local changes."""
    info: dict[str, Any] = {"package": version("rusiran-sim")}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, capture_output=True, text=True, check=True,
                               timeout=10).stdout.strip()
        info.update(git_commit=commit, git_dirty=bool(dirty))
    except (OSError, subprocess.SubprocessError):
        info.update(git_commit=None, git_dirty=None)
    return info


def _chain(scenario_path: Path | None) -> list[dict[str, str]]:
    """Every file the scenario was merged from, child first, with its hash."""
    if scenario_path is None:
        return []
    from sim.core.settings import get_settings
    from sim.inputs.scenario_files import read_scenario_chain

    files = read_scenario_chain(scenario_path, get_settings().scenarios_dir).files
    return [{"file": str(f), "sha256": sha256_file(f)} for f in files]


def _dynamics_file(world: World, scenario_path: Path | None) -> dict[str, str] | None:
    """The table the rates were read from, when a scenario names one (a calibration's)."""
    path = world.scenario.dynamics_path(scenario_path.parent if scenario_path else None)
    return None if path is None else {"file": str(path), "sha256": sha256_file(path)}


def build_manifest(world: World, scenario_path: Path | None, seeds: np.ndarray, engine: str,
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    sc = world.scenario
    roster_path = sc.roster_path(scenario_path.parent if scenario_path else None)
    return {
        "kind": "rusiran-sim run",
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": {
            "name": sc.name, "title": sc.title,
            "file": str(scenario_path) if scenario_path else None,
            "sha256": sha256_file(scenario_path) if scenario_path else None,
            "extends_chain": _chain(scenario_path),
            "resolved": sc.model_dump(mode="json"),
        },
        "roster": {"file": str(roster_path), "sha256": sha256_file(roster_path),
                   "actors": list(world.roster.ids), "theatres": list(world.roster.theatre_ids)},
        "dynamics": dict(world.p),
        "dynamics_file": _dynamics_file(world, scenario_path),
        "start": world.start, "horizon_months": world.horizon,
        "seeds": [int(s) for s in seeds], "replicates": len(seeds), "engine": engine,
        "code": code_version(),
        "environment": {
            "python": sys.version.split()[0], "numpy": np.__version__,
            "mesa": version("mesa"), "platform": platform.platform(),
            "machine": platform.machine(), "processor": platform.processor(),
        },
        **(extra or {}),
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(strict_json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
