"""examples/mesa_batch_run.py runs as a user would run it and prints the batched numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from sim.inputs.compile import build_world
from sim.inputs.experiment import apply_point
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mesa_batch_run.py"


def test_mesa_batch_run_example_runs_and_prints_the_batched_numbers():
    done = subprocess.run([sys.executable, str(EXAMPLE)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Alignment after 12 months (mesa.batch_run, 8 runs)"
    header = lines[1].split()
    assert header[:4] == ["scenario", "sanctions_value", "seed", "month"]
    rows = [dict(zip(header, line.split(), strict=True)) for line in lines[2:]]
    assert len(rows) == 8 and {r["scenario"] for r in rows} == {"baseline", "assad_falls"}
    # one printed row against the batched path, to the two decimals shown
    row = next(r for r in rows if r["scenario"] == "assad_falls" and r["seed"] == "2"
               and r["sanctions_value"] == "3.00")
    world = build_world(load_scenario("assad_falls"))
    world = apply_point(world, ["dynamics.sanctions_value"], np.array([3.0]))
    rec = run_batched(world, [2], months=12, keep_terms=False)
    ids = world.roster.ids
    for dyad in ("RUS:IRN", "IRN:RUS", "USA:IRN"):
        i, j = (ids.index(x) for x in dyad.split(":"))
        assert row[dyad] == f"{rec.alignment[12, 0, i, j]:.2f}", dyad
