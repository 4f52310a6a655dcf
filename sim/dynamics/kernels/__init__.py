"""Compiled kernels for the hot loops of a month, the one implementation of each.

Why compiled: a batched month touches every (replicate, actor, partner[, action]) cell many
times; NumPy makes a full pass over memory for every operation, a compiled loop makes one.

The rules the kernels keep, so that speed never changes a number:

- **The same arithmetic in the same order** as the NumPy formulas they replaced
  (tests/test_kernels.py holds those formulas and checks the kernels to the last bit;
  tests/test_month_kernels.py checks the compiled drivers against the drivers' NumPy
  forces, whose third-party sums are BLAS matmuls, to a few units in the last place).
  Third-party sums run in increasing index order, skipping zero terms. `exp`, `expm1`
  and `tanh` are NumPy's vectorised ones (several times faster than the C library's
  scalar ones), called inside the opening's, the decisions' and the resolution's kernels
  through NumPy's own loops (`sim.core.ufunc_loops`, decision records 0019 and 0020); the
  noise's inverse normal is compiled and gives SciPy's `ndtri` bit for bit
  (`sim.core.inverse_normal`, decision record 0018).
- **Each cell alone**: no reduction across replicates, so a replicate's result does not
  depend on its batch (tests/test_determinism.py).
- **A replicate at a time**: the month's three passes (`perception.opening_block`,
  `choice.decide_block`, `month.resolve_block`) finish one replicate's work before the
  next, so its arrays stay in cache.
- **nogil**: they release the GIL, so threads overlap them (`sim.runs.cone`,
  `sim.runs.ensemble.run_batched`).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Where each kernel lives; a module is imported (and numba with it) on first use, so that
#: importing a driver's declarations costs nothing (`sim.dynamics.kernels.lazy`).
_LOCATION = {
    "decide_block": "choice",
    "dyadic_utilities_kernel": "choice", "logit_draw": "choice", "logit_exponents": "choice",
    "theatre_utilities_kernel": "choice", "compute_drivers": "month_drivers",
    "sanctions_force": "drivers", "theatre_affinity": "drivers",
    "settle_month": "settle", "update_stocks": "stocks",
    "resolve_block": "month", "adjudicate_block": "month",
    "opening_block": "perception", "sanctions_block": "perception",
}

if TYPE_CHECKING:
    from sim.dynamics.kernels.choice import (
        decide_block,
        dyadic_utilities_kernel,
        logit_draw,
        logit_exponents,
        theatre_utilities_kernel,
    )
    from sim.dynamics.kernels.drivers import sanctions_force, theatre_affinity
    from sim.dynamics.kernels.month import adjudicate_block, resolve_block
    from sim.dynamics.kernels.month_drivers import compute_drivers
    from sim.dynamics.kernels.perception import opening_block, sanctions_block
    from sim.dynamics.kernels.settle import settle_month
    from sim.dynamics.kernels.stocks import update_stocks


def __getattr__(name: str) -> Any:
    """A kernel's first lookup imports its module; the kernel is then kept in this module's
    namespace, so later lookups (a dozen a month, from functions that import a kernel
    where they use it) are plain attribute reads, not an import each."""
    if name in _LOCATION:
        kernel = getattr(import_module(f"sim.dynamics.kernels.{_LOCATION[name]}"), name)
        globals()[name] = kernel
        return kernel
    raise AttributeError(f"module 'sim.dynamics.kernels' has no attribute {name!r}")


__all__ = [
    "adjudicate_block",
    "compute_drivers",
    "decide_block",
    "dyadic_utilities_kernel",
    "logit_draw",
    "logit_exponents",
    "opening_block",
    "resolve_block",
    "sanctions_block",
    "sanctions_force",
    "settle_month",
    "theatre_affinity",
    "theatre_utilities_kernel",
    "update_stocks",
]
