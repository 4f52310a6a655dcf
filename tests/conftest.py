"""Shared fixtures: the baseline world and one batched ensemble, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.dynamics.engine import advance
from sim.dynamics.state import initial_state
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import ensemble_seeds, run_batched

#: Ensemble used by the scenario checks: 32 replicates from a fixed base seed.
BASELINE_SEEDS = ensemble_seeds(777, 32)


@pytest.fixture(scope="module")
def mid_run():
    """The mutual-defence war after 20 months of run 11: a moment to continue from (the
    cone's tests and the parameter sets'). Tests read it and never advance it."""
    world = build_world(load_scenario("israel_iran_war_mutual_defence"))
    state = initial_state(world, [11])
    for _ in range(20):
        advance(state, world)
    return world, state


@pytest.fixture(scope="session")
def baseline_world():
    return build_world(load_scenario("baseline"))


@pytest.fixture(scope="session")
def baseline_record(baseline_world):
    return run_batched(baseline_world, BASELINE_SEEDS)


def dyad(world, record, a: str, b: str) -> np.ndarray:
    """Alignment of a towards b, shape (months + 1, replicates)."""
    ids = world.roster.ids
    return record.alignment[:, :, ids.index(a), ids.index(b)]


BASELINE_FILE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


@pytest.fixture
def scen_dir(tmp_path, monkeypatch) -> Path:
    """A scenarios folder holding only a copy of the baseline, set as SIM_SCENARIOS_DIR."""
    d = tmp_path.resolve() / "scenarios"
    d.mkdir()
    shutil.copy(BASELINE_FILE, d / "baseline.toml")
    monkeypatch.setenv("SIM_SCENARIOS_DIR", str(d))
    return d
