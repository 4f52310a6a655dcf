"""What two processes can get out of this machine's two cores, whatever the sweep does.

Why: the sweep benchmark's bar is two workers at least 1.7 times one. That is a claim about
the sweep only if the machine itself delivers close to twice one core when two busy
processes run at once. A virtual machine's two "cores" may be two hardware threads of one
physical core, or share it with other guests, and they always share the last-level cache
and the memory bus. So this measures the ceiling directly, with no sweep machinery in the
way: the same fixed work, once in one process alone, then in two processes started
together, each already warm (imports done, kernels compiled) and waiting at a barrier.

Two kinds of work:

- ``compute``: a compiled multiply-add loop on an array that stays in the first-level
  cache; it measures the cores alone.
- ``model``: the baseline's batched path (256 replicates, 60 months, one thread) that every
  sweep task runs; it adds what the model shares between cores (cache, memory bus).

Ceiling = (work done by the two processes per second) / (work done by one alone per
second), the median of alternating rounds. Run standalone
(``.venv/bin/python benchmarks/two_core_ceiling.py``) or from the sweep benchmark, which
records it beside the sweep's own scaling.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
KINDS = ("compute", "model")

#: The child: warm up, say "ready", wait for "go", do the work, print its seconds.
_CHILD = r"""
import os, sys, time
os.environ["NUMBA_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np
kind = sys.argv[1]
if kind == "compute":
    from numba import njit

    @njit(fastmath={"contract"}, nogil=True, cache=False)
    def loop(x, passes, b, c):
        for _ in range(passes):
            for i in range(x.shape[0]):
                x[i] = x[i] * b + c
        return x[0]

    x = np.full(2048, 0.5)
    loop(x, 10, 0.999, 0.0005)

    def work():
        loop(x, 10_000_000, 0.999, 0.0005)  # about 3 s
else:
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario
    from sim.runs.ensemble import run_batched

    world = build_world(load_scenario("baseline"))
    run_batched(world, np.arange(4), keep_terms=False, months=2)

    def work():
        run_batched(world, np.arange(256), keep_terms=False, months=60)  # about 3 s
print("ready", flush=True)
sys.stdin.readline()
t = time.perf_counter()
work()
print(time.perf_counter() - t, flush=True)
"""


def _together(kind: str, processes: int) -> list[float]:
    """Seconds each of ``processes`` warm children took for the same work, started at once."""
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, kind], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
                for _ in range(processes)]
    try:
        for child in children:
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {kind} child did not start")
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        return [float(child.stdout.readline()) for child in children]
    finally:
        for child in children:
            child.wait(timeout=600)


def ceiling(rounds: int = 4) -> dict:
    """Per kind: one process's seconds, two processes' seconds, and the ceiling (the rate of
    two together against one alone), each the median over ``rounds`` alternating rounds."""
    out: dict = {"rounds": rounds, "cpu_count": os.cpu_count()}
    for kind in KINDS:
        alone, pair, ratios = [], [], []
        for _ in range(rounds):
            (one,) = _together(kind, 1)
            two = _together(kind, 2)
            alone.append(one)
            pair.append(max(two))
            ratios.append(2 * one / max(two))  # the pair's rate against one's: 2 units of work
        out[kind] = {"one_alone_seconds": round(statistics.median(alone), 3),
                     "two_together_seconds": round(statistics.median(pair), 3),
                     "ceiling": round(statistics.median(ratios), 2),
                     "ceiling_rounds": [round(r, 2) for r in ratios]}
    return out


def sentence(result: dict) -> str:
    """The ceiling in words, for RESULTS.md."""
    c, m = result["compute"], result["model"]
    return (f"This machine's own ceiling for two busy processes against one (the same work, "
            f"warm, started together; median of {result['rounds']} alternating rounds): "
            f"x{c['ceiling']} for a compiled loop in the first-level cache "
            f"(rounds {', '.join(f'x{r}' for r in c['ceiling_rounds'])}), "
            f"x{m['ceiling']} for the model's batched path "
            f"(rounds {', '.join(f'x{r}' for r in m['ceiling_rounds'])}).")


if __name__ == "__main__":
    res = ceiling()
    print(json.dumps(res, indent=2))
    print(sentence(res))
