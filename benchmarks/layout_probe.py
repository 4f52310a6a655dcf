"""Would a layout with replicates innermost speed up the month's heaviest arithmetic?

Why: the limit benchmark finds the batched path far below this core's peak. Earlier notes
named the layout as a lever: the state is (R, N, N), one replicate's N x N block at a time,
and an (N, N, R) layout would let every formula run as vector code across replicates. A
rewrite of every kernel is a large decision, so this probes it where it should pay most:
the sums over third parties, ``out[i, j] = sum_k x[i, k] y[k, j]``, about 44% of a
baseline month's counted flops (the limit benchmark's op model).

Measured in one process on one core, alternating, on the same random inputs (a quarter of
``x`` zero, as the model's inputs have zeros):

- ``per replicate``: the model's own `sim.dynamics.kernels.month_drivers._third_party_sum`
  on each replicate's block (the row ``j`` innermost: 16 lanes, two AVX-512 vectors);
- ``replicates innermost``: the same sums on (N, N, R) arrays, the replicate innermost.

Both add the same products in the same order for every cell (the second adds the zero
products the first skips, which changes no finite sum), so they must give the same sums
bit for bit; the probe checks that before it times anything. At 128 replicates the
arrays (3 x 256 KiB) leave the first two cache levels; in the month a replicate's blocks
are in cache when its sums run, so the 32-replicate figures are the closer to it.

Run: ``.venv/bin/python benchmarks/layout_probe.py``. Prints the figures and appends them,
with the machine, to ``benchmarks/results/layout_probe.jsonl`` and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine

from sim.dynamics.kernels.month_drivers import _third_party_sum

HERE = Path(__file__).parent
N = 16  # the baseline's actors
REPLICATES = (32, 128)  # 128: the batched path's block at 16 actors
ROUNDS = 6
CALLS = 200


@njit(cache=True, nogil=True, error_model="numpy")
def per_replicate(x, y, out):
    work = np.empty((2, x.shape[1]))
    for r in range(x.shape[0]):
        _third_party_sum(x[r], y[r], out[r], work)


@njit(cache=True, nogil=True, error_model="numpy")
def replicates_innermost(x, y, out):
    """x, y, out (N, N, R): out[i, j, :] = sum over k, increasing, of x[i, k, :] y[k, j, :]."""
    n, _, n_rep = x.shape
    for i in range(n):
        for j in range(n):
            o = out[i, j]
            for r in range(n_rep):
                o[r] = 0.0
            for k in range(n):
                a = x[i, k]
                b = y[k, j]
                for r in range(n_rep):
                    o[r] += a[r] * b[r]


def _seconds_per_replicate(f: Callable, x: np.ndarray, y: np.ndarray, out: np.ndarray,
                           replicates: int) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(CALLS):
            f(x, y, out)
        best = min(best, time.perf_counter() - t)
    return best / CALLS / replicates


def probe(replicates: int) -> dict:
    rng = np.random.default_rng(17)
    x = rng.uniform(-1.0, 1.0, (replicates, N, N))
    x[x < -0.5] = 0.0
    y = rng.uniform(-1.0, 1.0, (replicates, N, N))
    xt, yt = (np.ascontiguousarray(a.transpose(1, 2, 0)) for a in (x, y))
    outs = {"per_replicate": np.empty_like(x), "replicates_innermost": np.empty_like(xt)}
    calls = {"per_replicate": (per_replicate, x, y),
             "replicates_innermost": (replicates_innermost, xt, yt)}
    for name, (f, a, b) in calls.items():
        f(a, b, outs[name])
    same = {"replicates_innermost": bool(np.array_equal(
                outs["per_replicate"], outs["replicates_innermost"].transpose(2, 0, 1)))}
    if not all(same.values()):
        raise SystemExit(f"a variant's sums differ from the model's: {same}")
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):  # alternating, so that the host's drift hits every variant
        for name, (f, a, b) in calls.items():
            times[name].append(_seconds_per_replicate(f, a, b, outs[name], replicates) * 1e6)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {"replicates": replicates, "actors": N, "bit_identical": same,
            "us_per_replicate": {k: round(v, 3) for k, v in median.items()},
            "us_per_replicate_rounds": {k: [round(v, 3) for v in t] for k, t in times.items()},
            "speed_vs_per_replicate": {k: round(median["per_replicate"] / v, 2)
                                       for k, v in median.items()},
            "gflops": {k: round(2 * N ** 3 / (v * 1e-6) / 1e9, 2) for k, v in median.items()}}


def main() -> None:
    record = {"benchmark": "layout_probe", "machine": machine(),
              "probes": [probe(r) for r in REPLICATES]}
    print(json.dumps(record, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "layout_probe.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    m = record["machine"]
    lines = [f"\n## Layout probe, {m['when_utc']}\n",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
             f"{m['python']}, NumPy {m['numpy']}. One core. The sums over third parties "
             f"(N = {N}), µs per replicate, median of {ROUNDS} alternating rounds; both "
             "give the same sums bit for bit.\n",
             "| replicates | per replicate (the model) | replicates innermost |",
             "|---|---|---|"]
    lines += [_table_row(p) for p in record["probes"]]
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write("\n".join(lines) + "\n")


def _table_row(probe_record: dict) -> str:
    us = probe_record["us_per_replicate"]
    ratio = probe_record["speed_vs_per_replicate"]["replicates_innermost"]
    return (f"| {probe_record['replicates']} | {us['per_replicate']:.2f} | "
            f"{us['replicates_innermost']:.2f} (x{ratio:.2f}) |")


if __name__ == "__main__":
    main()
