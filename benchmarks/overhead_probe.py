"""Where a month's time goes besides its arithmetic: the fixed cost of a block's month, and
whether the compiled resolution waits on memory.

Why: the limit benchmark finds the batched path far below this core's peak, and the
layout probe found that a replicate-innermost layout is not a multiple-x lever. Two other
explanations were left to measure:

- **the fixed cost of a month.** Every block pays Python, the three compiled calls'
  dispatch and the month's setup, whatever its number of replicates. A sweep whose tasks
  hold few replicates (a Sobol design's points) pays it for every few runs. Measured by
  timing the batched path's months for blocks of one and eight replicates, in alternating
  rounds: ``cost(R) = fixed + per_replicate x R`` through the two medians. A
  one-replicate month is split into the compiled calls (wall time of each call, dispatch
  included) and Python.
- **memory.** A block of 128 replicates holds about 10 MiB of state, more than this core's
  second-level cache. The compiled resolution (`sim.dynamics.kernels.resolve_block`) is
  timed per replicate on one block resolved again and again: a block of 8 replicates
  stays in the second-level cache, one of 512 does not. If the month waited on memory,
  the small block would be several times faster per replicate.

Run: ``.venv/bin/python benchmarks/overhead_probe.py``. Prints the figures and appends
them, with the machine, to ``benchmarks/results/overhead_probe.jsonl`` and
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import copy
import functools
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine

from sim.dynamics import decisions, engine
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched

HERE = Path(__file__).parent
MONTHS = 120
#: Block sizes whose months are timed: one and eight replicates give the fixed part (both
#: small, so that the host's drift over a long run does not swamp it), 128 the cost per
#: replicate of a full block (the batched path's block at 16 actors).
SMALL, LARGE = (1, 8), 128
#: Block sizes of the memory probe: 8 stays in the second-level cache, 512 does not.
HOT_REPLICATES = (8, 128, 512)
ROUNDS = 5

#: The compiled calls of a month, where the engine looks them up: (module, name).
_KERNELS = ((decisions, "decide_block"), (engine, "resolve_block"))


class _KernelClock:
    """Wraps the month's three compiled calls to add up their wall time (dispatch
    included), so that a month's time can be split into them and Python."""

    def __init__(self) -> None:
        from sim.dynamics import kernels

        self.spent: Counter = Counter()
        self._originals = [(kernels, "opening_block", kernels.opening_block)]
        self._originals += [(mod, name, getattr(mod, name)) for mod, name in _KERNELS]

    def __enter__(self) -> _KernelClock:
        for mod, name, f in self._originals:
            setattr(mod, name, self._timed(name, f))
        return self

    def __exit__(self, *exc) -> None:
        for mod, name, f in self._originals:
            setattr(mod, name, f)

    def _timed(self, name: str, f):
        @functools.wraps(f)
        def call(*args):
            t = time.perf_counter_ns()
            try:
                return f(*args)
            finally:
                self.spent[name] += time.perf_counter_ns() - t
        return call


def _month_us(world, replicates: int, runs: int, clock: _KernelClock | None = None
              ) -> tuple[float, dict[str, float]]:
    """µs per month of a block of ``replicates``, over ``runs`` whole runs; with ``clock``,
    also the µs per month of each compiled call."""
    if clock:
        clock.spent.clear()
    t = time.perf_counter()
    for s in range(runs):
        run_batched(world, np.arange(replicates) + 1000 * s, keep_terms=False, months=MONTHS)
    months = runs * MONTHS
    calls = {k: v / months / 1e3 for k, v in clock.spent.items()} if clock else {}
    return (time.perf_counter() - t) / months * 1e6, calls


def fixed_cost(world) -> dict:
    """The fixed part of a block's month and the cost per replicate, from blocks of one and
    eight replicates timed in alternating rounds (medians), with a one-replicate month
    split into its compiled calls (wall time, dispatch included) and Python; and the cost
    per replicate of a full block of `LARGE`."""
    one, eight, large, python = [], [], [], []
    calls: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        with _KernelClock() as clock:
            month, spent = _month_us(world, SMALL[0], 10, clock)
        one.append(month)
        python.append(month - sum(spent.values()))
        for k, v in spent.items():
            calls.setdefault(k, []).append(v)
        eight.append(_month_us(world, SMALL[1], 4)[0])
        large.append(_month_us(world, LARGE, 1)[0] / LARGE)
    c1, c8 = statistics.median(one), statistics.median(eight)
    per_replicate = (c8 - c1) / (SMALL[1] - SMALL[0])
    fixed = c1 - per_replicate * SMALL[0]
    return {"us_per_month": {str(SMALL[0]): round(c1, 1), str(SMALL[1]): round(c8, 1)},
            "fixed_us_per_month": round(fixed, 1),
            "us_per_replicate_month_small": round(per_replicate, 2),
            "us_per_replicate_month_block": round(statistics.median(large), 2),
            "fixed_share": {str(r): round(fixed / (fixed + per_replicate * r), 3)
                            for r in (1, 2, 4, 8, 32)},
            "one_replicate": {
                "compiled_calls_us": {k: round(statistics.median(v), 1)
                                      for k, v in calls.items()},
                "python_us": round(statistics.median(python), 1),
                "python_share": round(statistics.median(python) / c1, 3)}}


def _resolve_arguments(world, replicates: int, step: int = 60) -> tuple:
    """The arguments of month ``step``'s compiled resolution of a block, as the engine
    passes them (copied: the call changes them in place)."""
    caught: list[tuple] = []
    real = engine.resolve_block

    def spy(*args):
        if not caught and state.step == step:
            caught.append(copy.deepcopy(args))
        return real(*args)

    from sim.runs.ensemble import initial_state
    state = initial_state(world, np.arange(replicates, dtype=np.uint64))
    engine.resolve_block = spy
    try:
        while state.step <= step:
            engine.advance(state, world, None, False)
    finally:
        engine.resolve_block = real
    return caught[0]


def memory_probe(world) -> dict:
    """The compiled resolution's µs per replicate, one block resolved again and again (its
    state as warm as its size allows), median of alternating rounds."""
    args = {r: _resolve_arguments(world, r) for r in HOT_REPLICATES}
    times: dict[int, list[float]] = {r: [] for r in HOT_REPLICATES}
    for _ in range(ROUNDS):
        for r in HOT_REPLICATES:
            calls = max(2, 2048 // r)
            engine.resolve_block(*args[r])
            t = time.perf_counter()
            for _ in range(calls):
                engine.resolve_block(*args[r])
            times[r].append((time.perf_counter() - t) * 1e6 / (r * calls))
    median = {r: statistics.median(t) for r, t in times.items()}
    state_mib = {r: round(sum(a.nbytes for a in args[r] if isinstance(a, np.ndarray))
                          / 2**20, 1) for r in HOT_REPLICATES}
    return {"us_per_replicate": {str(r): round(v, 2) for r, v in median.items()},
            "arrays_mib": {str(r): v for r, v in state_mib.items()},
            "largest_over_smallest": round(median[HOT_REPLICATES[-1]]
                                           / median[HOT_REPLICATES[0]], 2)}


def main() -> None:
    world = build_world(load_scenario("baseline"))
    run_batched(world, np.arange(4), keep_terms=False, months=12)  # compile and warm
    record = {"benchmark": "overhead_probe", "machine": machine(), "actors": world.n,
              "fixed_cost": fixed_cost(world), "memory": memory_probe(world)}
    print(json.dumps(record, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "overhead_probe.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write(results_section(record))


def results_section(record: dict) -> str:
    """The record as a RESULTS.md section."""
    m, fc, mem = record["machine"], record["fixed_cost"], record["memory"]
    one = fc["one_replicate"]
    calls = ", ".join(f"{k} {v:.1f}" for k, v in one["compiled_calls_us"].items())
    shares = ", ".join(f"{r}: {100 * s:.0f}%" for r, s in fc["fixed_share"].items())
    months = " / ".join(f"{v:.1f}" for v in fc["us_per_month"].values())
    hot = " / ".join(f"{v:.2f}" for v in mem["us_per_replicate"].values())
    mib = " / ".join(f"{v:.1f}" for v in mem["arrays_mib"].values())
    lines = [
        f"\n## Overhead probe, {m['when_utc']}\n",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
        f"{m['python']}, NumPy {m['numpy']}. One core; baseline, {record['actors']} actors, "
        f"batched path, terms off; medians of {ROUNDS} alternating rounds.\n",
        "| measurement | figure |", "|---|---|",
        f"| µs per month of a block of R = {' / '.join(fc['us_per_month'])} | {months} |",
        f"| fixed µs per month of a block + µs per replicate-month (from R = 1 and 8) | "
        f"{fc['fixed_us_per_month']:.1f} + {fc['us_per_replicate_month_small']:.2f} R |",
        f"| µs per replicate-month in a block of {LARGE} | "
        f"{fc['us_per_replicate_month_block']:.2f} |",
        f"| the fixed part's share of a task's time, by replicates per task | {shares} |",
        f"| one replicate's month: compiled calls (dispatch included) / Python, µs | "
        f"{calls} / {one['python_us']:.1f} ({100 * one['python_share']:.0f}% of the month) |",
        f"| compiled resolution, µs per replicate, one block again and again, R = "
        f"{', '.join(map(str, HOT_REPLICATES))} (its arrays, MiB: {mib}) | {hot} "
        f"(x{mem['largest_over_smallest']:.2f} largest over smallest) |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
