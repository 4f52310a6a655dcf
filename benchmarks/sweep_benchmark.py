"""Sweep throughput, scaling from 1 to 2 workers, and peak memory against sweep size.

Three shapes of sweep: few points of many replicates (throughput, about 8 s of work on one
worker), the same four times larger (about half a minute, as in the tens-of-thousands-of-runs
designs analysts run, where a worker's start-up is a small part), and many points of two
replicates (small tasks, as in a Sobol design), where worker start-up and per-task overhead
weigh most and two workers must still not be slower than one.
Before them, `two_core_ceiling` measures what two busy processes get from this machine's two
cores at all, so that the sweep's scaling is read against the machine's own.
Two workers run each way a sweep offers on one machine (`sim.runs.sweep.local_pool`): a
worker thread beside the driver (the default for tasks of 256 replicates or more) and a
worker process (the default for these sweeps' smaller tasks), forked from the warm driver
as the sweep chooses here (`sim.runs.sweep.worker_start_method`) and, in the throughput
rounds, spawned as well, which is what other systems and threaded drivers get. The
throughput sweep runs in two rounds, one worker and two alternating, since this machine's
speed drifts between minutes; its scaling is the median of the rounds' ratios.

Run: ``.venv/bin/python benchmarks/sweep_benchmark.py``. Each measurement runs `sim sweep`
in a fresh process (so imports, worker start-up and peak memory are those a user sees) on
the baseline scenario, 120 months. Prints the figures and appends them, with the machine,
to ``benchmarks/results/sweep.jsonl`` and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import baseline_experiment, machine
from two_core_ceiling import ceiling, sentence

HERE = Path(__file__).parent
_RUN = itertools.count()


def sweep(tmp: Path, points: int, replicates: int, workers: int, pool: str = "auto",
          start: str | None = None) -> dict:
    """One sweep in a fresh process; ``start`` forces how worker processes start ("spawn",
    "fork"; None: the sweep's own choice, `sim.runs.sweep.worker_start_method`)."""
    exp = tmp / f"bench-{points}-{replicates}-{workers}.toml"
    exp.write_text(baseline_experiment(replicates, points))
    out = tmp / f"out-{points}-{replicates}-{workers}-{pool}-{next(_RUN)}"  # never resumed
    forced = f"import sim.runs.sweep as S; S.WORKER_START_METHOD = {start!r}; " if start else ""
    cmd = [sys.executable, "-c",
           forced + "import resource, sys, time; from sim.runs.sweep import run_sweep; "
           "t=time.perf_counter(); "
           f"o=run_sweep({str(exp)!r}, workers={workers}, pool={pool!r}, "
           f"out=__import__('pathlib').Path({str(out)!r})); "
           "print(o.runs_done, time.perf_counter()-t, "
           "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
           "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, o.engine, "
           "o.extra.get('worker_start', '-'))"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    runs, seconds, rss_kib, child_kib, engine, started = res.stdout.split()
    # a worker process's peak (ru_maxrss of this sweep's children; a forked one's counts
    # the pages it still shares with the driver); threads have none
    worker_mib = round(int(child_kib) / 1024, 1) if engine == "processes" else 0.0
    label = {"fork": "processes, forked", "spawn": "processes, spawned"}.get(started, engine)
    return {"points": points, "replicates": replicates, "workers": workers, "pool": label,
            "runs": int(runs), "sweep_seconds": round(float(seconds), 3),
            "process_seconds": round(wall, 3),
            "runs_per_second": round(int(runs) / float(seconds), 2),
            "runs_per_second_per_core": round(int(runs) / float(seconds) / workers, 2),
            "driver_peak_rss_mib": round(int(rss_kib) / 1024, 1),
            "worker_process_peak_rss_mib": worker_mib,
            "total_peak_rss_mib": round(int(rss_kib) / 1024 + worker_mib, 1)}


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def main() -> None:
    rows: dict[str, dict] = {}
    rounds: list[dict[str, float]] = []
    machine_ceiling = ceiling()  # what two processes can get from two cores at all
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for k in range(2):
            one = sweep(tmp, points=48, replicates=16, workers=1)
            threads = sweep(tmp, points=48, replicates=16, workers=2, pool="threads")
            procs = sweep(tmp, points=48, replicates=16, workers=2, pool="processes")
            spawned = sweep(tmp, points=48, replicates=16, workers=2, pool="processes",
                            start="spawn")
            rows[f"throughput_1_worker_round{k + 1}"] = one
            rows[f"throughput_2_threads_round{k + 1}"] = threads
            rows[f"throughput_2_processes_round{k + 1}"] = procs
            rows[f"throughput_2_spawned_processes_round{k + 1}"] = spawned
            rounds.append({"threads": threads["runs_per_second"] / one["runs_per_second"],
                           "processes": procs["runs_per_second"] / one["runs_per_second"],
                           "spawned": spawned["runs_per_second"] / one["runs_per_second"]})
        rows["large_1_worker"] = sweep(tmp, points=192, replicates=16, workers=1)
        rows["large_2_threads"] = sweep(tmp, points=192, replicates=16, workers=2,
                                        pool="threads")
        rows["large_2_processes"] = sweep(tmp, points=192, replicates=16, workers=2,
                                          pool="processes")
        rows["small_tasks_1_worker"] = sweep(tmp, points=64, replicates=2, workers=1)
        rows["small_tasks_2_threads"] = sweep(tmp, points=64, replicates=2, workers=2,
                                              pool="threads")
        rows["small_tasks_2_processes"] = sweep(tmp, points=64, replicates=2, workers=2,
                                                pool="processes")
        rows["memory_small"] = sweep(tmp, points=8, replicates=8, workers=1)
        rows["memory_10x"] = sweep(tmp, points=80, replicates=8, workers=1)

    def ratio(two: str, one: str) -> float:
        return round(rows[two]["runs_per_second"] / rows[one]["runs_per_second"], 2)

    record = {"benchmark": "sweep", "machine": machine(), "results": rows,
              "scaling_1_to_2_workers": _median([r["threads"] for r in rounds]),
              "scaling_1_to_2_worker_processes": _median([r["processes"] for r in rounds]),
              "scaling_1_to_2_spawned_processes": _median([r["spawned"] for r in rounds]),
              "scaling_rounds": rounds,
              "scaling_1_to_2_workers_large": ratio("large_2_threads", "large_1_worker"),
              "scaling_1_to_2_worker_processes_large": ratio("large_2_processes",
                                                             "large_1_worker"),
              "scaling_small_tasks": ratio("small_tasks_2_threads", "small_tasks_1_worker"),
              "scaling_small_tasks_processes": ratio("small_tasks_2_processes",
                                                     "small_tasks_1_worker"),
              "two_core_ceiling": machine_ceiling,
              "memory_ratio_10x_sweep": round(rows["memory_10x"]["driver_peak_rss_mib"]
                                              / rows["memory_small"]["driver_peak_rss_mib"], 2)}
    print(json.dumps(record, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "sweep.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    m = record["machine"]
    ms, ml = rows["memory_small"], rows["memory_10x"]
    small_runs = rows["throughput_1_worker_round1"]["runs"]
    rounds_text = ", ".join(f"x{r['threads']:.2f} / x{r['processes']:.2f} / "
                            f"x{r['spawned']:.2f}" for r in rounds)
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write(
            f"\n## Sweep benchmark, {m['when_utc']}\n\n"
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
            f"{m['python']}, NumPy {m['numpy']}, Mesa {m['mesa']}, package {m['package']}.\n\n"
            "| measurement | runs | workers | seconds | runs/s | runs/s/core | peak RSS, "
            "driver + worker process (MiB) |\n|---|---|---|---|---|---|---|\n"
            + "".join(f"| {k} | {r['runs']} | {r['workers']} ({r['pool']}) | "
                      f"{r['sweep_seconds']} | {r['runs_per_second']} | "
                      f"{r['runs_per_second_per_core']} | {r['total_peak_rss_mib']} |\n"
                      for k, r in rows.items())
            + "\nScaling from 1 to 2 workers (median of the rounds' ratios; a worker thread / "
            f"a worker process, the default here / a spawned one): "
            f"x{record['scaling_1_to_2_workers']} / "
            f"x{record['scaling_1_to_2_worker_processes']} / "
            f"x{record['scaling_1_to_2_spawned_processes']} on {small_runs} runs (rounds: "
            f"{rounds_text}); on a sweep four times larger "
            f"x{record['scaling_1_to_2_workers_large']} / "
            f"x{record['scaling_1_to_2_worker_processes_large']}; small tasks (64 points of 2 "
            f"replicates) x{record['scaling_small_tasks']} / "
            f"x{record['scaling_small_tasks_processes']}. A sweep 10x larger ({ml['runs']} "
            f"against {ms['runs']} runs) peaks at {ml['driver_peak_rss_mib']} MiB against "
            f"{ms['driver_peak_rss_mib']} MiB (x{record['memory_ratio_10x_sweep']}): memory is "
            "bounded by the batch, not the sweep. Baseline, 120 months, batched path, one task "
            "= one point's replicates; on 2 workers tasks go in groups sized from their "
            "measured cost, and the driver is one of the workers.\n\n"
            + sentence(machine_ceiling) + " A sweep's two workers cannot scale beyond the "
            "model's ceiling.\n")


if __name__ == "__main__":
    main()
