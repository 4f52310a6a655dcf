"""Ensemble speed: the batched path against the per-agent Mesa path, and issue 5's targets.

Run: ``.venv/bin/python benchmarks/ensemble_benchmark.py [--quick]``. Measures, side by side
in one run:

1. runs per second per core of the per-agent path and the batched path (baseline, 120 months);
2. a 10,000-replicate baseline ensemble over ten years through `sim sweep` on 2 workers
   (10 tasks of 1,000 replicates), its time and peak memory (driver + workers);
3. a 1,000-replicate cone of futures over 60 months from a mid-run state;
4. cost per replicate-month against the number of actors (16, 32, 64) and the horizon;
5. a profile of where a batched month's time goes.

Prints the figures and appends them, with the machine, to
``benchmarks/results/ensemble.jsonl`` and ``benchmarks/RESULTS.md``. The targets are stated
beside the figures; they are measured here, never asserted in tests.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from machine import baseline_experiment, machine
from scaled_worlds import scaled_world

from sim.dynamics.engine import advance
from sim.dynamics.state import initial_state
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.cone import cone_of_futures
from sim.runs.ensemble import run_batched, run_mesa

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv


def paths_per_core(world) -> dict:
    mesa_runs = 2 if QUICK else 4
    run_mesa(world, np.arange(1), keep_terms=False, months=1)  # Mesa imported, not timed
    t = time.perf_counter()
    run_mesa(world, np.arange(mesa_runs), keep_terms=False)
    mesa = mesa_runs / (time.perf_counter() - t)
    out = {"mesa_runs_per_s": round(mesa, 2)}
    for r in (16, 256, 1000):
        t = time.perf_counter()
        run_batched(world, np.arange(r), keep_terms=False)
        rate = r / (time.perf_counter() - t)
        out[f"batched_R{r}_runs_per_s"] = round(rate, 1)
    out["speedup_batched_vs_mesa"] = round(max(v for k, v in out.items()
                                              if k.startswith("batched")) / mesa, 1)
    return out




def ten_thousand() -> dict:
    """The 10,000-run ensemble through `sim sweep` on 2 workers, the way a user runs it
    (the default pool: a worker thread beside the driver), then with a spawned worker
    process for comparison."""
    reps, points = (200, 5) if QUICK else (1000, 10)
    out: dict = {"replicates": reps * points, "months": 120, "workers": 2,
                 "target_seconds": 10, "target_peak_mib": 1024}
    for pool in ("auto", "processes"):
        with tempfile.TemporaryDirectory() as d:
            exp = Path(d) / "e.toml"
            exp.write_text(baseline_experiment(reps, points, name="ten_thousand"))
            # VmHWM, not ru_maxrss, for the driver: Linux carries ru_maxrss across fork and
            # exec, so a child (even git, for the code version) would report the driver's
            # peak; a spawned worker's is its children's ru_maxrss
            code = ("import resource, time, re; from pathlib import Path; from sim.runs.sweep "
                    f"import run_sweep; t=time.perf_counter(); o=run_sweep({str(exp)!r}, "
                    f"workers=2, pool={pool!r}, out=Path({str(Path(d) / 'out')!r})); "
                    "s=time.perf_counter()-t; "
                    "hwm=int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())"
                    ".group(1)); print(s, hwm, "
                    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, o.engine)")
            res = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                 text=True, check=True)
        seconds, driver_kib, child_kib, engine = res.stdout.split()
        worker_mib = float(child_kib) / 1024 if engine == "processes" else 0.0
        key = "" if pool == "auto" else "_processes"
        out[f"pool{key}"] = engine
        out[f"seconds{key}"] = round(float(seconds), 1)
        out[f"runs_per_s{key}"] = round(reps * points / float(seconds), 1)
        out[f"peak_mib_driver{key}"] = round(float(driver_kib) / 1024)
        out[f"peak_mib_worker{key}"] = round(worker_mib)
        out[f"peak_mib_total{key}"] = round(float(driver_kib) / 1024 + worker_mib)
    return out


def cone(world) -> dict:
    """A mid-run state (one replicate after 60 months) continued 1,000 times for 60 months
    by `sim.runs.cone.cone_of_futures`, as the seminar asks for it: on both cores (threads)
    and, for comparison, on one; then sampling parameter uncertainty as well, split among
    the seminar's default number of parameter sets."""
    from sim.seminar.web.settings import SeminarSettings

    state = initial_state(world, [5])
    for _ in range(60):
        advance(state, world)
    sets = SeminarSettings().cone_parameter_sets
    cone_of_futures(state, world, replicates=20, months=2)  # compiled kernels loaded
    cone_of_futures(state, world, replicates=20, months=2, parameter_sets=2)
    out = {"replicates": 1000, "months": 60, "target_seconds": 0.3,
           "target_seconds_parameter_sets": 0.5, "parameter_sets": sets}
    for key, workers, ps in (("seconds", 2, 0), ("seconds_one_thread", 1, 0),
                             ("seconds_parameter_sets", 2, sets)):
        times = []
        for _ in range(1 if QUICK else 3):
            t = time.perf_counter()
            cone_of_futures(state, world, replicates=1000, months=60, workers=workers,
                            parameter_sets=ps)
            times.append(round(time.perf_counter() - t, 2))
        out[key] = float(np.median(times))  # the median of three asks, all kept
        out[key + "_all"] = times
    return out


def scaling(world) -> dict:
    out = {}
    for k in (1, 2, 4):
        w = scaled_world(world, k)
        reps, months = 200, 24
        t = time.perf_counter()
        run_batched(w, np.arange(reps), keep_terms=False, months=months)
        out[f"N{w.n}_us_per_replicate_month"] = round(
            1e6 * (time.perf_counter() - t) / (reps * months), 1)
    for months in (30, 60, 120):
        t = time.perf_counter()
        run_batched(world, np.arange(200), keep_terms=False, months=months)
        out[f"horizon{months}_seconds_R200"] = round(time.perf_counter() - t, 2)
    return out


def profile(world) -> list[str]:
    pr = cProfile.Profile()
    pr.enable()
    run_batched(world, np.arange(1000), keep_terms=False, months=6)
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(8)
    return [ln for ln in buf.getvalue().splitlines() if "/" in ln or "{" in ln][:8]


def main() -> None:
    world = build_world(load_scenario("baseline"))
    record = {"benchmark": "ensemble", "quick": QUICK, "machine": machine()}
    record["paths_per_core"] = paths_per_core(world)
    record["ten_thousand"] = ten_thousand()
    record["cone"] = cone(world)
    record["scaling"] = scaling(world)
    record["profile_top"] = profile(world)
    record["peak_rss_mib_this_process"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(record, indent=2))
    if QUICK:
        return
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "ensemble.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    p, t, c, s, m = (record["paths_per_core"], record["ten_thousand"], record["cone"],
                     record["scaling"], record["machine"])
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write(
            f"\n## Ensemble benchmark, {m['when_utc']}\n\n"
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
            f"{m['python']}, NumPy {m['numpy']}.\n\n"
            "| measurement | figure | target (issue 5; issue 17) |\n|---|---|---|\n"
            f"| per-agent Mesa path | {p['mesa_runs_per_s']} runs/s/core | |\n"
            f"| batched path, R = 16 / 256 / 1,000 | {p['batched_R16_runs_per_s']} / "
            f"{p['batched_R256_runs_per_s']} / {p['batched_R1000_runs_per_s']} runs/s/core | |\n"
            f"| batched / per-agent | x{p['speedup_batched_vs_mesa']} | x30 |\n"
            f"| 10,000 replicates x 120 months, 2 workers ({t['pool']}) | {t['seconds']} s, "
            f"peak {t['peak_mib_total']} MiB | < 60 s, < 2,048 MiB; <= 10 s, < 1,024 MiB |\n"
            f"| the same with a worker process | {t['seconds_processes']} s, peak "
            f"{t['peak_mib_total_processes']} MiB (driver {t['peak_mib_driver_processes']}, "
            f"worker {t['peak_mib_worker_processes']}) | |\n"
            f"| cone: 1,000 replicates x 60 months from month 60, 2 threads (1 thread) | "
            f"{c['seconds']} s ({c['seconds_one_thread']} s) | < 2 s; <= 0.3 s |\n"
            f"| the same cone sampling parameter uncertainty ({c['parameter_sets']} sets) | "
            f"{c['seconds_parameter_sets']} s | ; <= 0.5 s |\n"
            f"| cost per replicate-month, N = 16 / 32 / 64 actors | "
            f"{s['N16_us_per_replicate_month']} / {s['N32_us_per_replicate_month']} / "
            f"{s['N64_us_per_replicate_month']} us | |\n"
            f"| horizon 30 / 60 / 120 months, 200 replicates | {s['horizon30_seconds_R200']} / "
            f"{s['horizon60_seconds_R200']} / {s['horizon120_seconds_R200']} s | |\n\n"
            "Where a batched month's time goes (cProfile, 1,000 replicates, top 8 by own "
            "time):\n\n```\n" + "\n".join(record["profile_top"]) + "\n```\n")


if __name__ == "__main__":
    main()
