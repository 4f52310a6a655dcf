"""Speed of this tree against an earlier commit, measured side by side in one run.

Run: ``.venv/bin/python benchmarks/side_by_side.py [--base REV] [--rounds K]``.

Why: this machine's speed drifts by a quarter or more over hours (other tenants of the
host), so figures recorded at different times cannot show a change of 20%. Here both
versions run in alternation, in fresh processes, the order swapped every round, each
round measuring:

- the per-agent Mesa path (2 baseline runs of 120 months), runs per second;
- the batched path in tasks of 2 replicates (20 of them, as a Sobol design's points run:
  the month's fixed cost in Python weighs most), and at 16, 256 and 1,000 replicates
  (120 months), runs per second;
- a 1,000-replicate, 60-month cone of futures from month 60 on 2 threads, seconds.

The base commit is checked out into a temporary git worktree and imported from there
(``PYTHONPATH``); both use this tree's virtual environment. Prints the medians over the
rounds and appends them, with the machine, to ``benchmarks/results/side_by_side.jsonl``
and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine

HERE = Path(__file__).parent
ROOT = HERE.parent

MEASURE = r"""
import json, time
import numpy as np
try:  # the layered package (sim.core, sim.dynamics, sim.inputs, sim.runs, ...)
    from sim.runs.cone import cone_of_futures
    from sim.dynamics.engine import advance
    from sim.runs.ensemble import run_batched, run_mesa
    from sim.inputs.scenario import load_scenario
    from sim.dynamics.state import initial_state
    from sim.inputs.compile import build_world
except ImportError:  # commits before the layers: one flat package
    from sim.cone import cone_of_futures
    from sim.engine import advance
    from sim.ensemble import run_batched, run_mesa
    from sim.scenario import load_scenario
    from sim.state import initial_state
    try:
        from sim.compile import build_world
    except ImportError:  # commits before sim.compile
        from sim.world import build_world

world = build_world(load_scenario("baseline"))
run_batched(world, np.arange(16), keep_terms=False, months=3)  # compiled kernels loaded
run_mesa(world, np.arange(1), keep_terms=False, months=1)  # Mesa loaded (lazily since ee2fb7d)
out = {}
t = time.perf_counter()
run_mesa(world, np.arange(2), keep_terms=False)
out["mesa_runs_per_s"] = 2 / (time.perf_counter() - t)
t = time.perf_counter()
for k in range(0, 40, 2):  # 20 tasks of 2 replicates, as a Sobol design's points run
    run_batched(world, np.arange(k, k + 2), keep_terms=False)
out["batched_R2_runs_per_s"] = 40 / (time.perf_counter() - t)
for r in (16, 256, 1000):
    t = time.perf_counter()
    run_batched(world, np.arange(r), keep_terms=False)
    out[f"batched_R{r}_runs_per_s"] = r / (time.perf_counter() - t)
state = initial_state(world, [5])
for _ in range(60):
    advance(state, world)
cone_of_futures(state, world, replicates=20, months=2)
t = time.perf_counter()
cone_of_futures(state, world, replicates=1000, months=60, workers=2)
out["cone_seconds"] = time.perf_counter() - t
print(json.dumps(out))
"""


def measure(source: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run([sys.executable, "-c", MEASURE], env=env, cwd=source,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="453cedd",
                        help="the commit to compare with (default: the last before the "
                             "dynamics redesign of issue 13)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()
    runs: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base_tree), args.base],
                       cwd=ROOT, check=True)
        try:
            for k in range(args.rounds):
                # the order swaps every round, so that a host's drift within a round (or
                # the one that goes first warming the caches) does not favour one side
                order = (("base", base_tree), ("head", ROOT))
                for side, tree in order if k % 2 == 0 else order[::-1]:
                    runs[side].append(measure(tree))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)],
                           cwd=ROOT, check=False)
    medians = {side: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]}
               for side, rs in runs.items()}
    record = {"benchmark": "side_by_side", "machine": machine(), "base": args.base,
              "head": head, "rounds": args.rounds, "median": medians, "all": runs}
    print(json.dumps(record, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "side_by_side.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    m = record["machine"]
    b, h = medians["base"], medians["head"]
    rows = [("per-agent Mesa path, runs/s", "mesa_runs_per_s", True)]
    rows += [("batched path, 20 tasks of R = 2, runs/s", "batched_R2_runs_per_s", True)]
    rows += [(f"batched path, R = {r:,}, runs/s", f"batched_R{r}_runs_per_s", True)
             for r in (16, 256, 1000)]
    rows += [("cone, 1,000 x 60 months, 2 threads, s", "cone_seconds", False)]
    lines = [f"\n## Side by side, {m['when_utc']}\n",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
             f"{m['python']}, NumPy {m['numpy']}. Base {args.base} against {head}, "
             f"alternating (the order swapped every round), medians of {args.rounds} "
             "rounds (fresh processes).\n",
             f"| measurement | {args.base} | {head} | change |", "|---|---|---|---|"]
    for label, key, higher_better in rows:
        change = h[key] / b[key] - 1.0
        better = change > 0 if higher_better else change < 0
        lines.append(f"| {label} | {b[key]:.2f} | {h[key]:.2f} | {change:+.0%} "
                     f"({'faster' if better else 'slower'}) |")
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
