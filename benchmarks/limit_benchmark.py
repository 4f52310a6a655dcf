"""Where the limit is: the model's arithmetic rate against this machine's measured peak.

Run: ``.venv/bin/python benchmarks/limit_benchmark.py [--quick]``. Everything runs on one
core (``NUMBA_NUM_THREADS=1``, BLAS limited to one thread), measured in the same run:

1. the machine's peak: a compiled (numba) multiply-add loop that LLVM vectorises, and a
   NumPy matmul of two 512 x 512 float64 matrices, in GFLOP/s, best of several repeats;
   and the rates of the transcendental functions a month calls (NumPy's exp, tanh and
   expm1, and the compiled inverse normal of the noise, `sim.core.inverse_normal`, which
   gives SciPy's ndtri bit for bit), in values per second;
2. the model's rate: the baseline scenario on the batched path at 256 and 1,000
   replicates, in runs (120 months) per second, after a warm-up run;
3. the arithmetic one replicate-month needs, counted from the formulas (`month_operations`);
4. from 2 and 3 the achieved GFLOP/s, the gap to each peak (peak / achieved) and the
   runs per second the same arithmetic would allow at each peak;
5. cost per replicate-month against the number of actors (N = 16, 32, 64, 128: the default
   roster copied 1, 2, 4, 8 times, as ``scaling()`` in ``ensemble_benchmark.py``) with its
   growth exponent b in cost ~ N^b, and the achieved GFLOP/s at each N;
6. issue 17's targets as budgets per replicate-month against floors no code can go below
   on this machine (`floors`): the noise's bit-identical inverse normals and the counted
   arithmetic at the measured peak, with and without NumPy's other transcendentals.

Why counted from the formulas: this VM exposes no hardware performance counters (no ``cpu``
event source under /sys/bus/event_source/devices), so the processor cannot say how many
operations it ran. `month_operations` counts what the month's formulas need, read off the
code; it is an estimate of the arithmetic, not of what NumPy or the compiled kernels happen
to execute (temporaries, copies, branches and memory traffic are not operations here).

Without ``--quick`` the figures are appended, with the machine, to
``benchmarks/results/limit.jsonl`` and ``benchmarks/RESULTS.md``. ``--quick`` runs fewer
repeats, replicates and months, and only prints.
"""

from __future__ import annotations

import os

# Before numba is imported (by sim's kernels and below): the month is measured on one core.
os.environ["NUMBA_NUM_THREADS"] = "1"

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from machine import machine
from scaled_worlds import scaled_world

from sim.core.actions import Dyadic, TheatreAction
from sim.core.inverse_normal import inverse_normal_row
from sim.dynamics.drivers import DRIVER_NAMES
from sim.dynamics.episodes import EPISODE_CLASSES
from sim.dynamics.world import World
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
HORIZON = 120  # months of a baseline run: "runs per second" are runs of this length

# ---------------------------------------------------------------------------------------
# The op model: the arithmetic of one replicate-month, counted from the formulas.
# ---------------------------------------------------------------------------------------

A_D = 7  # dyadic actions (sim.core.actions.Dyadic)
A_T = 5  # theatre actions (sim.core.actions.TheatreAction)
C_EPISODES = 8  # episode classes (sim.dynamics.episodes.EPISODE_CLASSES)
D_DRIVERS = 11  # built-in drivers (sim.dynamics.drivers.DRIVERS)
MAX_MOVES = 2  # departures from "maintain" an actor keeps a month (dynamics.toml max_moves)
#: Share of an actor's partners towards whom the logit draw departs from "maintain" before
#: the cap (`_cap_moves`): measured, not read off the code (0.23-0.25 over months 12-24 of
#: the baseline and of the scaled worlds at N = 16, 32, 128). Only the cap's cost reads it.
DEPARTURE_SHARE = 0.24
UNIFORM_INT_OPS = 10  # integer ops of one counter-based uniform (see month_operations)
KEY_INT_OPS = 30  # integer ops of one replicate's key for one stream (three chained mixes)

_BUILT_IN_DRIVERS = ("common_threat", "structural_balance", "sanctions_pressure",
                     "interdependence", "treaty_commitment", "theatre", "historical_distrust",
                     "cross_pressure", "domestic_politics", "reciprocity", "standing")


def op_model_matches_code() -> bool:
    """Whether the menus, episode classes and drivers the op model counts are the code's:
    a new action, class or driver makes the count stale, and the record should say so."""
    return (len(Dyadic) == A_D and len(TheatreAction) == A_T
            and len(EPISODE_CLASSES) == C_EPISODES and len(DRIVER_NAMES) == D_DRIVERS
            and set(DRIVER_NAMES) == set(_BUILT_IN_DRIVERS))


def _part(where: str, flops: float = 0.0, multiply_adds: float = 0.0,
          integer_ops: float = 0.0, skippable: float = 0.0,
          **transcendentals: float) -> dict[str, Any]:
    return {"where": where, "flops": flops, "multiply_adds": multiply_adds,
            "integer_ops": integer_ops, "skippable_flops": skippable,
            "transcendentals": transcendentals}


def month_operations(n: int, t: int, *, guarantee: float = 0.0,
                     hazards: int = 0) -> dict[str, Any]:
    """Operations of one replicate-month of the batched path with ``n`` actors and ``t``
    theatres: what the formulas need, read off the code, per replicate.

    ``guarantee`` is the share of months with a mutual-defence guarantee in force (the
    treaty driver's two third-party sums run only then; 1 in the baseline), ``hazards`` the
    number of random event hazards (one uniform each a month; 3 in the baseline).

    Conventions. A flop is one +, -, x, / or one min, max, abs (a clip is two). Not counted:
    unary minus and loop-invariant scalar products (the compiler hoists them), comparisons
    that only steer a branch, copies, gathers, transposes, zero fills. A third-party sum
    ``out[i, j] = sum_k x[i, k] y[k, j]`` is N^3 multiply-adds = 2 N^3 flops, the diagonal
    and k = i, j included. Pairwise arrays count N^2 cells, the diagonal included (it is
    computed or written; an overcount of 1/N). Every action is counted feasible (arms and
    sanctions are infeasible below the capacity floor). Transcendental calls (exp, tanh,
    expm1, ndtri) and integer ops (the random numbers' mixing, the action codes' tests)
    are counted apart from the flops. Work done once a month for the whole block (the
    deterrence shield, treaty strength and standing, the sanctions schedule) is not per
    replicate and is left out; so are treaty obligations and crisis verdicts (O(P A N) in
    months of fighting against a treaty party, P <= 6 clause pairs in the baseline), the
    episodes of fighting, scheduled events and the recorder's copies.

    With A_d = 7, A_t = 5, C = 8 episode classes, D = 11 drivers, G = ``guarantee``:

        multiply-adds in third-party sums   (6 + 2G) N^3
        elementwise flops                   (249 + 7G + 7T) N^2 + 54 NT + 5N + 11T + 2H
                                            + 2 x (gains the move cap compares)
        transcendentals                     12 N^2 + 5 NT + N
        integer ops                         42 N^2 + 16 NT + 12H + 30 x streams

    Itemised (N^2 terms are per dyad cell, NT per actor-theatre cell):

    - sanctions in force (kernels/perception.py ``opening_block``, the rules of
      dynamics/adjudication.py ``sanctions_in_force`` and drivers/sanctions_pressure.py
      ``sanctions_bite``): min(1, scheduled + own) 2,
      (primary + secondary) x power 2, sum over imposers 1: 5 N^2; 1 - exp via ``expm1``:
      N expm1.
    - perception (kernels/perception.py ``opening_block``, called by dynamics/decisions.py
      ``perceive``): attacked (sum of war over attackers)
      1, trend-projected value clip(s + w (s - s_prev)) 5, tanh(target + episodes) 1,
      gap 1, cross-pressure inputs interdependence x max(0, a) 2 and max(0, -a) 1:
      11 N^2; salience TN; pressure clip(bite + attacked) 3N; N^2 tanh. Cross-pressure's
      third-party sum (kernels/month_drivers.py ``cross_pressure_of_replicate``): N^3.
    - dyadic decisions (kernels/choice.py): ``_dyadic_menu`` 20 + (A_d - 1) switching costs
      = 26; ``_exponents`` lam U - max lam U, 3 A_d - 1 = 20; the uniform's float part
      (``_keyed_draws``) 2; ``_picks`` inverse CDF, 3 A_d - 1 = 20: 68 N^2; A_d N^2 exp
      (decisions.py ``choose``); integer: 10 N^2 (uniform) + (A_d - 1) N^2 (pick counts).
    - move cap (kernels/choice.py ``_cap_moves``): data-dependent. With d = 0.24 (N - 1)
      departures per actor before the cap (``DEPARTURE_SHARE``, measured) and L = 2, each
      actor evaluates sum_{c=L+1}^{d} c = (d(d+1) - L(L+1))/2 gains, 2 flops each (about
      0.03 N^3 gains in all); integer: 2 N^2 (the departures' and fixed cells' tests).
    - theatre decisions (kernels/choice.py): ``_theatre_menu`` 15, ``_exponents``
      3 A_t - 1 = 14, uniform 2, ``_picks`` 3 A_t - 1 = 14: 45 NT; A_t NT exp;
      integer 12 NT + (A_t - 1) NT.
    - stocks (kernels/stocks.py ``stocks_of_replicate``, in kernels/month.py
      ``resolve_block``): per dyad warm and cold 4,
      interdependence step 9 and clip 2, own sanctions 5: 20 N^2; per actor-theatre
      engagement 4, intervention weight 1, push and calm 2: 7 NT; per theatre intensity 9
      and clip 2: 11 T; integer 9 N^2 (action code tests).
    - drivers (kernels/month_drivers.py ``drivers_of_replicate``, called for each replicate
      by kernels/month.py ``resolve_block``; the formulas of sim/dynamics/drivers/*.py):
      common threat: theta 9 (hostility 1, blend 4, clip 2, x power x shield 2), output 3:
      12 N^2, hegemon N, theta theta^T N^3;
      structural balance: tie 2, output 2: 4 N^2, N^3;
      sanctions pressure: willing 2, outside clip 4, value 6, output 6: 18 N^2,
      s^T s and interdependence x secondary 2 N^3, N^2 expm1;
      interdependence 1 N^2; historical distrust 1 N^2; standing 1 N^2;
      treaty commitment (only with a guarantee): hostility 3, output 4: 7G N^2, 2G N^3
      (``guarantor_of_enemy``);
      theatre: 7 per (theatre, i, j) (agree 1, affinity 3, accumulate 3): 7T N^2, lead TN,
      output 1 N^2;
      cross-pressure: inputs 3, output 1: 4 N^2, N^3;
      domestic politics 5 N^2 + N; reciprocity 2 N^2. Together (49 + 7G + 7T) N^2.
    - move impulses (kernels/impulses.py ``move_impulses_of_replicate``; the rule of
      docs/ODD.md §7.13): 2 scaled impulses, 2 adds:
      4 N^2; integer N^2 (the test for a change of course).
    - noise (core/rng.py ``normal_row``, in kernels/month.py ``resolve_block``): N^2
      uniforms, 2 N^2 flops, 10 N^2 integer; N^2 ndtri.
    - settlement (kernels/settle.py ``settle_replicate``, kernels/month.py ``finish_replicate``;
      without terms): the drivers' sum D = 11, target 3, adjustment 1, noise share 5, share
      updates 2, modelled part 2, latent step 4, episodes 5 per class (decay and impulse 2,
      total 1, change 2), new latent, level, memory and seen 7, change of alignment 1:
      (D + 25 + 5C) = 76 N^2; 2 N^2 tanh (engine.py ``resolve_month``).
    - distrust (kernels/month.py ``finish_replicate``; the rule of dynamics/adjudication.py
      ``learn_distrust``): evidence 1, learning 9, clip 2: 12 N^2.
    - war clock (kernels/month.py ``finish_replicate``): max(0, war - 1): 2 N^2.
    - hazards (dynamics/engine.py ``open_month``): H uniforms, 2H flops, 10H integer.
    - keys (core/rng.py ``keys``, ``_keys_kernel``): three chained SplitMix64 finalisers per
      stream and replicate, 30 integer ops; streams: dyadic, theatre, noise, and hazards if
      any.

    A uniform (core/rng.py ``_uniform_row``, kernels/choice.py ``_keyed_draws``): the
    word key + (index + 1) x golden, reached by adding golden to the previous word 1, the
    finaliser (shift, xor, multiply) x 2 + (shift, xor) 8, the top 53 bits 1: 10 integer
    ops; to a float in (0, 1) 2 flops.

    ``skippable_flops`` are flops of terms the compiled kernels skip where their inputs are
    zero (the sanctions' and guarantees' third-party sums skip zero rows and factors; the
    settlement computes empty episode cells, in vector code): the executed arithmetic
    lies between ``flops - skippable_flops`` and ``flops``, so an achieved rate computed
    from ``flops`` is an upper estimate.
    """
    n2, nt = n * n, n * t
    g = float(guarantee)
    d = DEPARTURE_SHARE * (n - 1)
    gains = max(0.0, (d * (d + 1) - MAX_MOVES * (MAX_MOVES + 1)) / 2) * n
    streams = 3 + (1 if hazards else 0)
    choice = "dynamics/kernels/choice.py decide_block"
    drivers = "dynamics/kernels/month_drivers.py drivers_of_replicate"
    parts = {
        "sanctions_in_force": _part("dynamics/kernels/perception.py opening_block "
                                    "(sanctions)", flops=5 * n2, expm1=n),
        "perception": _part("dynamics/kernels/perception.py opening_block (perception)",
                            flops=11 * n2 + nt + 3 * n,
                            multiply_adds=n ** 3, tanh=n2),
        "dyadic_decisions": _part(
            choice, flops=(20 + (A_D - 1) + (3 * A_D - 1) + 2 + (3 * A_D - 1)) * n2,
            integer_ops=(UNIFORM_INT_OPS + A_D - 1) * n2, exp=A_D * n2),
        "move_cap": _part("dynamics/kernels/choice.py _cap_moves", flops=2 * gains,
                          integer_ops=2 * n2),
        "theatre_decisions": _part(
            choice, flops=(15 + (3 * A_T - 1) + 2 + (3 * A_T - 1)) * nt,
            integer_ops=(UNIFORM_INT_OPS + A_T - 1) * nt, exp=A_T * nt),
        "stocks": _part("dynamics/kernels/stocks.py stocks_of_replicate",
                        flops=20 * n2 + 7 * nt + 11 * t, integer_ops=9 * n2),
        "driver_common_threat": _part(f"{drivers} (common threat)", flops=12 * n2 + n,
                                      multiply_adds=n ** 3),
        "driver_structural_balance": _part(f"{drivers} (structural balance)", flops=4 * n2,
                                           multiply_adds=n ** 3),
        "driver_sanctions_pressure": _part(f"{drivers} (sanctions pressure)", flops=18 * n2,
                                           multiply_adds=2 * n ** 3,
                                           skippable=4 * n ** 3, expm1=n2),
        "driver_treaty_commitment": _part(f"{drivers} (treaty commitment)",
                                          flops=7 * g * n2, multiply_adds=2 * g * n ** 3,
                                          skippable=4 * g * n ** 3),
        "driver_theatre": _part(f"{drivers} (theatre)", flops=7 * t * n2 + nt + n2),
        "driver_cross_pressure": _part(f"{drivers} (cross-pressure)", flops=4 * n2,
                                       multiply_adds=n ** 3),
        "drivers_other": _part(f"{drivers} (interdependence, historical distrust, standing, "
                               "domestic politics, reciprocity)",
                               flops=(1 + 1 + 1 + 5 + 2) * n2 + n),
        "move_impulses": _part("dynamics/kernels/impulses.py move_impulses_of_replicate",
                               flops=4 * n2, integer_ops=n2),
        "noise": _part("core/rng.py normal_row", flops=2 * n2, integer_ops=UNIFORM_INT_OPS * n2,
                       ndtri=n2),
        "settlement": _part("dynamics/kernels/settle.py settle_replicate; "
                            "kernels/month.py finish_replicate",
                            flops=(D_DRIVERS + 25 + 5 * C_EPISODES) * n2,
                            tanh=2 * n2),  # empty episode cells are computed too
        "distrust": _part("dynamics/kernels/month.py finish_replicate", flops=12 * n2),
        "war_clock": _part("dynamics/kernels/month.py finish_replicate", flops=2 * n2),
        "hazards": _part("dynamics/engine.py open_month", flops=2 * hazards,
                         integer_ops=UNIFORM_INT_OPS * hazards),
        "keys": _part("core/rng.py keys, _keys_kernel", integer_ops=KEY_INT_OPS * streams),
    }
    multiply_adds = sum(p["multiply_adds"] for p in parts.values())
    elementwise = sum(p["flops"] for p in parts.values())
    kinds = ("exp", "tanh", "expm1", "ndtri")
    by_kind = {k: sum(p["transcendentals"].get(k, 0.0) for p in parts.values()) for k in kinds}
    return {
        "n": n, "t": t, "guarantee": g, "hazards": hazards,
        "third_party_sums": round(multiply_adds / n ** 3, 2),
        "multiply_adds_third_party": round(multiply_adds),
        "flops_third_party": round(2 * multiply_adds),
        "elementwise_flops": round(elementwise),
        "flops": round(2 * multiply_adds + elementwise),
        "skippable_flops": round(sum(p["skippable_flops"] for p in parts.values())),
        "transcendentals": round(sum(by_kind.values())),
        "transcendentals_by_kind": {k: round(v) for k, v in by_kind.items()},
        "integer_ops": round(sum(p["integer_ops"] for p in parts.values())),
        "parts": {name: {**p, "flops": round(p["flops"] + 2 * p["multiply_adds"]),
                         "multiply_adds": round(p["multiply_adds"]),
                         "integer_ops": round(p["integer_ops"]),
                         "skippable_flops": round(p["skippable_flops"]),
                         "transcendentals": round(sum(p["transcendentals"].values()))}
                  for name, p in parts.items()},
    }


def world_operations(world: World, months: int = HORIZON) -> dict[str, Any]:
    """`month_operations` for a world's shape: its actors, theatres, hazards, and the share
    of its first ``months`` months with a mutual-defence guarantee in force."""
    months = min(months, world.horizon)
    share = float(np.mean([world.treaties.guarantee(s).any() for s in range(months)]))
    return month_operations(world.n, len(world.roster.theatre_ids), guarantee=share,
                            hazards=len(world.hazards))


# ---------------------------------------------------------------------------------------
# The machine's peak, measured in this run.
# ---------------------------------------------------------------------------------------

FMA_CHAIN = 8  # multiply-adds per element and pass (8 measured fastest; 32 ran 30% slower)
FMA_ELEMENTS = 2048  # 16 KiB of float64: stays in the L1 cache
MATMUL_N = 512


@njit(fastmath={"contract"}, nogil=True)
def _multiply_add_loop(x, passes, b, c):
    """``passes`` times, ``FMA_CHAIN`` multiply-adds a = a b + c on every element of ``x``,
    in place. Elements are independent, so LLVM vectorises across them and keeps many
    chains in flight; ``contract`` lets it fuse each a b + c into one FMA instruction; each
    pass reads the last, so no pass can be optimised away."""
    for _ in range(passes):
        for i in range(x.shape[0]):
            a = x[i]
            for _k in range(FMA_CHAIN):
                a = a * b + c
            x[i] = a
    return x[0]


def _best_seconds(run: Callable[[], Any], repeats: int,
                  warm: bool = True) -> tuple[float, list[float]]:
    """Best and all of ``repeats`` timings of ``run`` (after one untimed call if ``warm``):
    the best is the run least disturbed by the other tenants of the host."""
    if warm:
        run()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times), [round(s, 5) for s in times]


def _fma_instructions() -> str:
    """The packed FMA instructions LLVM emitted for `_multiply_add_loop` and the widest
    register they use (ymm: 4 float64, zmm: 8): why its peak may sit below the matmul's,
    whose BLAS kernel may use wider registers."""
    asm = _multiply_add_loop.inspect_asm(_multiply_add_loop.signatures[0])
    found = set(re.findall(r"(vfmadd\w+pd)\s+[^\n]*?%(zmm|ymm|xmm)", asm))
    if not found:
        return "no packed FMA instruction"
    width = next(r for r in ("zmm", "ymm", "xmm") if any(w == r for _, w in found))
    return f"{', '.join(sorted({i for i, _ in found}))} on {width}"


def _inverse_normal(v: np.ndarray, out: np.ndarray) -> None:
    """The noise's inverse normal as the month runs it, in NumPy's calling form."""
    inverse_normal_row(v, out)


def peak(repeats: int) -> dict[str, Any]:
    """GFLOP/s of the compiled multiply-add loop and of the 512 x 512 matmul (one BLAS
    thread), and values per second of each transcendental on an L1-sized array: what one
    core does when arithmetic is all there is."""
    x = np.linspace(0.5, 1.5, FMA_ELEMENTS)
    passes = 50_000 if QUICK else 200_000
    s, fma_all = _best_seconds(lambda: _multiply_add_loop(x, passes, 0.999, 1e-3), repeats)
    fma = 2 * FMA_CHAIN * FMA_ELEMENTS * passes / s / 1e9
    rng = np.random.default_rng(1)
    a, b = rng.random((MATMUL_N, MATMUL_N)), rng.random((MATMUL_N, MATMUL_N))
    out = np.empty_like(a)
    calls = 10

    def matmuls() -> None:
        for _ in range(calls):
            np.matmul(a, b, out=out)

    s, mm_all = _best_seconds(matmuls, repeats)
    matmul = 2 * MATMUL_N ** 3 * calls / s / 1e9
    size, loops = 4096, 200
    arguments = {"exp": (np.exp, np.linspace(-10.0, 0.0, size)),  # logit exponents <= 0
                 "tanh": (np.tanh, np.linspace(-3.0, 3.0, size)),
                 "expm1": (np.expm1, np.linspace(-3.0, 0.0, size)),
                 "ndtri": (_inverse_normal, np.linspace(1e-6, 1 - 1e-6, size))}
    rates = {}
    for name, (f, v) in arguments.items():
        buf = np.empty_like(v)

        def calls_of(f=f, v=v, buf=buf) -> None:
            for _ in range(loops):
                f(v, out=buf)

        s, _ = _best_seconds(calls_of, repeats)
        rates[name] = size * loops / s
    return {"fma_gflops": round(fma, 2), "fma_seconds_all": fma_all,
            "fma_instructions": _fma_instructions(),
            "fma_kernel": f"numba, {FMA_CHAIN} multiply-adds per element of a "
                          f"{FMA_ELEMENTS}-element float64 array, fastmath contract",
            "matmul_gflops": round(matmul, 2), "matmul_seconds_all": mm_all,
            "matmul": f"{MATMUL_N}x{MATMUL_N} float64 @, {calls} per timing, 1 BLAS thread",
            "transcendentals_per_s": {k: round(v) for k, v in rates.items()},
            "repeats": repeats}


# ---------------------------------------------------------------------------------------
# The model's rate, and its cost against the number of actors.
# ---------------------------------------------------------------------------------------

def model_rate(world: World, replicates: int, months: int, repeats: int,
               ops: dict[str, Any]) -> dict[str, Any]:
    """The batched path's best time for ``replicates`` x ``months`` (keep_terms off, as
    sweeps and cones run), as replicate-months and runs of `HORIZON` months per second, and
    the GFLOP/s that makes by the op model's count ``ops`` (`month_operations`): with all
    its flops, and without those the kernels may skip (a lower bound). The caller has
    warmed the compiled code up."""
    seeds = np.arange(replicates)
    best, all_s = _best_seconds(
        lambda: run_batched(world, seeds, keep_terms=False, months=months), repeats,
        warm=False)
    rate = replicates * months / best
    return {"replicates": replicates, "months": months, "seconds": round(best, 3),
            "seconds_all": [round(s, 3) for s in all_s],
            "replicate_months_per_s": round(rate, 1), "runs_per_s": round(rate / HORIZON, 2),
            "us_per_replicate_month": round(1e6 / rate, 2),
            "gflops": round(ops["flops"] * rate / 1e9, 3),
            "gflops_if_skipped": round((ops["flops"] - ops["skippable_flops"]) * rate / 1e9,
                                       3)}


#: Copies of the default roster (16 actors) -> (replicates, months) timed: N = 16, 32, 64,
#: 128, with fewer replicate-months as N grows, so that the largest finishes in seconds.
SCALING = {1: (200, 24), 2: (200, 24), 4: (64, 24), 8: (64, 12)}
SCALING_QUICK = {1: (64, 12), 2: (64, 12), 4: (32, 6), 8: (16, 6)}


def _exponent(ns: list[int], costs: list[float]) -> float:
    """b in cost ~ N^b, least squares on log-log."""
    return float(np.polyfit(np.log(ns), np.log(costs), 1)[0])


def scaling(world: World, repeats: int) -> dict[str, Any]:
    """µs per replicate-month at N = 16, 32, 64, 128 and the growth exponent, measured and
    by the op model, over all four N and from 64 to 128 (where the N^3 sums take over)."""
    out: dict[str, Any] = {}
    ns = []
    for copies, (reps, months) in (SCALING_QUICK if QUICK else SCALING).items():
        w = scaled_world(world, copies)
        ns.append(w.n)
        ops = world_operations(w)
        run_batched(w, np.arange(16), keep_terms=False, months=2)  # warm-up at this size
        out[f"N{w.n}"] = {**model_rate(w, reps, months, repeats, ops),
                          "flops_per_replicate_month": ops["flops"],
                          "third_party_share": round(ops["flops_third_party"] / ops["flops"],
                                                     3)}
    cost = [out[f"N{n}"]["us_per_replicate_month"] for n in ns]
    flops = [out[f"N{n}"]["flops_per_replicate_month"] for n in ns]
    out["exponent_all"] = round(_exponent(ns, cost), 2)
    out["exponent_64_128"] = round(_exponent(ns[-2:], cost[-2:]), 2)
    out["op_model_exponent_all"] = round(_exponent(ns, flops), 2)
    out["op_model_exponent_64_128"] = round(_exponent(ns[-2:], flops[-2:]), 2)
    return out


def gaps(ops: dict[str, Any], pk: dict[str, Any], achieved_rate: float) -> dict[str, Any]:
    """Peak / achieved GFLOP/s, and the runs per second the month's arithmetic would allow at
    each peak; also with its transcendentals at their measured rates (a fairer limit:
    they are calls of tens of flops each, which the flop count leaves out)."""
    flops = ops["flops"]
    achieved = flops * achieved_rate / 1e9
    trans_s = sum(count / pk["transcendentals_per_s"][kind]
                  for kind, count in ops["transcendentals_by_kind"].items())
    out: dict[str, Any] = {"achieved_gflops": round(achieved, 3)}
    for name in ("fma", "matmul"):
        top = pk[f"{name}_gflops"] * 1e9
        out[f"gap_{name}"] = round(top / 1e9 / achieved, 2)
        out[f"limit_runs_per_s_{name}"] = round(top / (flops * HORIZON), 1)
    out["limit_runs_per_s_fma_with_transcendentals"] = round(
        1.0 / ((flops / (pk["fma_gflops"] * 1e9) + trans_s) * HORIZON), 1)
    return out


#: Issue 17's targets as a budget of one core's seconds per replicate-month: (what, the
#: actors it is set at, replicate-months, cores, seconds). Two cores are counted as twice
#: one, which this machine's two-process ceiling (`two_core_ceiling.py`) does not reach.
TARGETS = (
    ("1,000 baseline runs per second per core", 16, 1_000 * HORIZON, 1, 1.0),
    ("10,000-run ten-year ensemble in 10 s on 2 cores", 16, 10_000 * HORIZON, 2, 10.0),
    ("1,000-run 60-month cone in 0.3 s on 2 cores", 16, 1_000 * 60, 2, 0.3),
    ("the same cone sampling parameters in 0.5 s", 16, 1_000 * 60, 2, 0.5),
    ("200 µs per replicate-month at 64 actors", 64, 1, 1, 200e-6),
)


def floors(ops_by_n: dict[int, dict[str, Any]], pk: dict[str, Any]) -> list[dict[str, Any]]:
    """For each of issue 17's `TARGETS`, its budget per replicate-month on one core against
    two floors of what one replicate-month must cost on this machine, measured in this run:

    - **streams and arithmetic**: the noise's inverse normals at the compiled inverse
      normal's measured rate (the issue keeps the random streams bit-identical, and the
      normal draws are SciPy's ndtri bit for bit, `sim.core.inverse_normal`), plus the
      month's counted flops, less those the kernels may skip, at the faster of the two
      measured peaks; every other cost (exp, tanh, memory, branches, Python) counted as
      nothing;
    - **with NumPy's transcendentals**: the same plus the month's exp, tanh and expm1 calls
      at NumPy's measured rates, the loops whose bits the model's results are today.

    A floor above the budget puts the target out of this machine's reach whatever the code:
    the first under the issue's own constraints, the second without replacing NumPy's
    transcendentals (which changes the model's numbers)."""
    rates = pk["transcendentals_per_s"]
    peak_flops = max(pk["fma_gflops"], pk["matmul_gflops"]) * 1e9
    out = []
    for what, n, replicate_months, cores, seconds in TARGETS:
        ops = ops_by_n[n]
        kinds = ops["transcendentals_by_kind"]
        streams = kinds["ndtri"] / rates["ndtri"]
        arithmetic = (ops["flops"] - ops["skippable_flops"]) / peak_flops
        others = sum(count / rates[kind] for kind, count in kinds.items() if kind != "ndtri")
        budget = seconds * cores / replicate_months
        strict = streams + arithmetic
        out.append({"target": what, "actors": n, "budget_us": round(budget * 1e6, 2),
                    "noise_us": round(streams * 1e6, 2),
                    "arithmetic_at_peak_us": round(arithmetic * 1e6, 2),
                    "floor_streams_and_arithmetic_us": round(strict * 1e6, 2),
                    "floor_with_numpy_transcendentals_us": round((strict + others) * 1e6, 2),
                    "out_of_reach": strict > budget,
                    "out_of_reach_with_numpy_transcendentals": strict + others > budget})
    return out


# ---------------------------------------------------------------------------------------
# The record.
# ---------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:,.2f}" if abs(x) < 1000 else f"{x:,.0f}"


def results_section(record: dict[str, Any]) -> str:
    """The RESULTS.md section: the figures, the op model at N = 16 part by part, and a
    plain reading of the gap."""
    m, pk, ops = record["machine"], record["peak"], record["op_model_baseline"]
    mod, sc = record["model"], record["scaling"]
    r256, r1000 = mod["R256"], mod["R1000"]
    g256, g1000 = record["gap"]["R256"], record["gap"]["R1000"]
    ns = [int(k[1:]) for k in sc if k.startswith("N")]
    tr = pk["transcendentals_per_s"]
    rows = [
        ("compiled multiply-add loop (numba, vectorised, 1 core)",
         f"{pk['fma_gflops']:.2f} GFLOP/s"),
        (f"NumPy matmul {MATMUL_N} x {MATMUL_N}, 1 BLAS thread",
         f"{pk['matmul_gflops']:.2f} GFLOP/s"),
        ("NumPy exp / tanh / expm1, compiled inverse normal (ndtri), 1 core",
         " / ".join(f"{tr[k] / 1e6:.0f}" for k in ("exp", "tanh", "expm1", "ndtri"))
         + " M values/s"),
        (f"op model, one replicate-month (N = {ops['n']}, T = {ops['t']})",
         f"{ops['flops']:,} flops ({ops['flops_third_party']:,} in third-party sums), "
         f"{ops['transcendentals']:,} transcendentals, {ops['integer_ops']:,} integer ops"),
        ("baseline, R = 256 / 1,000, one thread",
         f"{r256['runs_per_s']:.2f} / {r1000['runs_per_s']:.2f} runs/s "
         f"({r256['months']} / {r1000['months']} months timed)"),
        ("achieved", f"{g256['achieved_gflops']:.2f} / {g1000['achieved_gflops']:.2f} GFLOP/s "
                     f"({r256['gflops_if_skipped']:.2f} / {r1000['gflops_if_skipped']:.2f} "
                     "without the skippable terms)"),
        ("gap to the compiled loop (to the matmul)",
         f"x{g256['gap_fma']:.2f} / x{g1000['gap_fma']:.2f} "
         f"(x{g256['gap_matmul']:.2f} / x{g1000['gap_matmul']:.2f})"),
        ("limit at the compiled loop's peak (matmul's)",
         f"{_fmt(g1000['limit_runs_per_s_fma'])} ({_fmt(g1000['limit_runs_per_s_matmul'])}) "
         "runs/s"),
        ("limit, transcendentals at their measured rates",
         f"{_fmt(g1000['limit_runs_per_s_fma_with_transcendentals'])} runs/s"),
        ("cost per replicate-month, N = " + " / ".join(map(str, ns)),
         " / ".join(f"{sc[f'N{n}']['us_per_replicate_month']:,.2f}" for n in ns) + " µs"),
        ("achieved at N = " + " / ".join(map(str, ns)),
         " / ".join(f"{sc[f'N{n}']['gflops']:.2f}" for n in ns) + " GFLOP/s ("
         + " / ".join(f"{sc[f'N{n}']['gflops_if_skipped']:.2f}" for n in ns)
         + " without the skippable terms)"),
        ("growth exponent b, cost ~ N^b: 16-128 (64-128)",
         f"{sc['exponent_all']:.2f} ({sc['exponent_64_128']:.2f}); op model "
         f"{sc['op_model_exponent_all']:.2f} ({sc['op_model_exponent_64_128']:.2f})"),
    ]
    lines = [f"\n## Limit benchmark, {m['when_utc']}\n",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
             f"{m['python']}, NumPy {m['numpy']}. One core: NUMBA_NUM_THREADS=1, one BLAS "
             "thread; best of repeats. Operations are counted from the formulas "
             "(`month_operations`; no hardware counters in this VM). Scaled worlds: the "
             "default roster copied 1-8 times, no treaties, sanctions, hazards or events.\n",
             "| measurement | figure |", "|---|---|"]
    lines += [f"| {label} | {figure} |" for label, figure in rows]
    lines += ["", f"The op model part by part, one replicate-month of the baseline "
                  f"(N = {ops['n']}, T = {ops['t']}, a defence guarantee in force):", "",
              "| part | where | flops | of which third-party | transcendentals | integer ops |",
              "|---|---|---|---|---|---|"]
    for name, p in ops["parts"].items():
        lines.append(f"| {name} | {p['where']} | {p['flops']:,} | {2 * p['multiply_adds']:,} "
                     f"| {p['transcendentals']:,} | {p['integer_ops']:,} |")
    share = ops["flops_third_party"] / ops["flops"]
    skip = ops["skippable_flops"] / ops["flops"]
    n_big = ns[-1]
    big = sc[f"N{n_big}"]
    slower = sc["exponent_64_128"] < sc["op_model_exponent_64_128"]
    lines += ["", "Formula (G = share of months with a defence guarantee, H = hazards, T = "
                  "theatres): (6 + 2G) N^3 multiply-adds in third-party sums; "
                  "(249 + 7G + 7T) N^2 + 54 NT + 5N + 11T + 2H other flops, plus the move "
                  "cap's about 0.06 N^3; 12 N^2 + 5 NT + N transcendentals; "
                  "42 N^2 + 16 NT + 12H + 30 per random stream (3; 4 with hazards) "
                  "integer ops.", ""]
    lines += [(
        f"Reading: a baseline month needs about {ops['flops'] / 1e3:,.0f} thousand flops per "
        f"replicate by the formulas, {share:.0%} of them in sums over third parties. The "
        f"batched path ran them at {g1000['achieved_gflops']:.2f} GFLOP/s on one core "
        f"(1,000 replicates), {g1000['gap_fma']:.0f} times below the compiled multiply-add "
        f"loop and {g1000['gap_matmul']:.0f} times below the matmul: at those peaks the same "
        f"arithmetic would allow {_fmt(g1000['limit_runs_per_s_fma'])} and "
        f"{_fmt(g1000['limit_runs_per_s_matmul'])} runs per second (with its "
        f"{ops['transcendentals']:,} transcendental calls at their measured rates, "
        f"{_fmt(g1000['limit_runs_per_s_fma_with_transcendentals'])}), against "
        f"{r1000['runs_per_s']:.2f} measured. So the month is far from what its arithmetic "
        "needs at this core's peak: the gap lies in how it runs, not in how much it "
        "computes (scalar rather than vectorised arithmetic, passes over memory, Python "
        "calls between kernels, branches, the draws' integer mixing), which this benchmark "
        "does not apportion; ensemble_benchmark.py's profile shows the time by function. "
        f"Up to {skip:.0%} of the counted flops are in terms the kernels skip where their "
        "inputs are zero (sanctions, guarantees, empty episode classes), so the achieved "
        f"rate is an upper estimate. Cost grows as N^{sc['exponent_all']:.2f} from {ns[0]} "
        f"to {n_big} actors (N^{sc['exponent_64_128']:.2f} from {ns[-2]} to {n_big}), the "
        f"counted arithmetic as N^{sc['op_model_exponent_all']:.2f} "
        f"(N^{sc['op_model_exponent_64_128']:.2f}); at N = {n_big} the third-party sums are "
        f"{big['third_party_share']:.0%} of the count, and the month runs at "
        f"{big['gflops']:.2f} GFLOP/s: "
        + ("measured cost grows more slowly than the count, so the achieved rate rises with "
           "N." if slower else "measured cost grows as fast as the count or faster, so the "
           "achieved rate does not rise with N."))]
    if "floors" in record:
        lines += _floors_section(record["floors"])
    return "\n".join(lines) + "\n"


def _floors_section(rows: list[dict[str, Any]]) -> list[str]:
    """The targets' budgets against the floors (`floors`), and what they say."""
    lines = ["", "Issue 17's targets against this machine's floors, µs of one core per "
                 "replicate-month (`floors`: the noise's bit-identical inverse normals at "
                 "their measured rate plus the month's non-skippable flops at the faster "
                 "measured peak, everything else free; then NumPy's exp, tanh and expm1 "
                 "added at their measured rates):", "",
             "| target | actors | budget | noise | arithmetic at peak | floor | floor with "
             "NumPy's transcendentals | within reach |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        reach = ("no" if r["out_of_reach"] else
                 "only without NumPy's transcendentals"
                 if r["out_of_reach_with_numpy_transcendentals"] else "in principle")
        lines.append(f"| {r['target']} | {r['actors']} | {r['budget_us']:,.2f} | "
                     f"{r['noise_us']:,.2f} | {r['arithmetic_at_peak_us']:,.2f} | "
                     f"{r['floor_streams_and_arithmetic_us']:,.2f} | "
                     f"{r['floor_with_numpy_transcendentals_us']:,.2f} | {reach} |")
    out = [r["target"] for r in rows if r["out_of_reach"]]
    numpy = [r["target"] for r in rows
             if r["out_of_reach_with_numpy_transcendentals"] and not r["out_of_reach"]]
    lines += ["", "Reading: a floor counts only what no code can avoid on this machine while "
                  "the random streams stay bit-identical, as the issue asks, and counts every "
                  "flop at the measured peak, which the month's branching, logit draws and "
                  "passes over memory do not reach. "
              + (f"Out of reach whatever the code: {'; '.join(out)}. " if out else
                 "No target is out of reach by this floor alone. ")
              + (f"Out of reach while the model keeps NumPy's transcendentals (a faster exp "
                 f"or tanh would change every run's numbers): {'; '.join(numpy)}."
                 if numpy else "")]
    return lines


def main() -> None:
    repeats = 3 if QUICK else 7
    model_repeats = 1 if QUICK else 3
    months = 24 if QUICK else HORIZON
    if not op_model_matches_code():
        print("warning: the op model counts 7 dyadic and 5 theatre actions, 8 episode "
              "classes and the 11 built-in drivers; the code now has others, so the counts "
              "are stale", file=sys.stderr)
    record: dict[str, Any] = {"benchmark": "limit", "quick": QUICK, "machine": machine(),
                              "threads": {"NUMBA_NUM_THREADS": os.environ["NUMBA_NUM_THREADS"],
                                          "blas": 1},
                              "op_model_matches_code": op_model_matches_code()}
    with threadpool_limits(limits=1):
        record["peak"] = peak(repeats)
        world = build_world(load_scenario("baseline"))
        ops = world_operations(world)
        record["op_model_baseline"] = ops
        run_batched(world, np.arange(16), keep_terms=False, months=12)  # compiled code loaded
        record["model"] = {f"R{r}": model_rate(world, r, months, model_repeats, ops)
                           for r in (256, 1000)}
        record["gap"] = {key: gaps(ops, record["peak"], m["replicate_months_per_s"])
                         for key, m in record["model"].items()}
        record["scaling"] = scaling(world, model_repeats)
        ops_by_n = {16: ops, 64: world_operations(scaled_world(world, 4))}
        record["floors"] = floors(ops_by_n, record["peak"])
    print(json.dumps(record, indent=2))
    if not QUICK:
        record_results(record, HERE)


def record_results(record: dict[str, Any], where: Path) -> None:
    """Append the record to ``where``/results/limit.jsonl and its section to
    ``where``/RESULTS.md (apart from `main` so that it can be tried on a scratch folder)."""
    (where / "results").mkdir(exist_ok=True)
    with open(where / "results" / "limit.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    with open(where / "RESULTS.md", "a") as fh:
        fh.write(results_section(record))


if __name__ == "__main__":
    main()
