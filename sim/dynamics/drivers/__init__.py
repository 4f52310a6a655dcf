"""The named drivers of alignment, and every named part of a month's change.

Each driver is a function ``(state, world, inputs) -> contribution`` with shape (R, N, N):
its weight times its input, in latent units. The drivers' contributions add up to the
target each relation moves towards (`sim.dynamics.engine`, decision record 0008). A month's change
of alignment is split exactly into `TERMS`: one per driver, the relation's memory, one per
episode class, adjustments by hand, and noise (see `sim.dynamics.kernels.settle_month` for how).

To add a driver, touch four files: a module here with its function and a ``DRIVER =
Driver(...)`` naming its place (``order``) and declaring the rates it reads (range, unit,
meaning); their values and reasons in ``sim/data/dynamics.toml``; a section in docs/ODD.md;
a row in the README's driver table. The package finds the module itself, and the contract
tests (tests/test_contracts.py) hold it to the rest. A new driver is computed by its force;
the built-in ones are compiled together (`sim.dynamics.driver_block`), their forces being
the reference formulas the compiled code is tested against.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.dynamics.drivers._common import Driver, StepInputs
from sim.dynamics.episodes import EPISODE_CLASSES, EPISODE_LABELS


def _discover() -> tuple[Driver, ...]:
    """Every module of this package (but ``_common``) defines one ``DRIVER``; they are
    ordered by their ``order``, which fixes the terms' order and the order in which the
    settlement sums contributions (so adding a driver changes no other driver's numbers)."""
    found: list[Driver] = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        driver = getattr(module, "DRIVER", None)
        if not isinstance(driver, Driver) or driver.force is None:
            raise ImportError(f"sim.dynamics.drivers.{mod.name} must define DRIVER = Driver(..., "
                              "force=..., order=..., rates={...})")
        found.append(driver)
    orders = sorted(d.order for d in found)
    if len(set(orders)) != len(orders) or len({d.name for d in found}) != len(found):
        raise ImportError("two drivers share an order or a name: "
                          + ", ".join(f"{d.name}={d.order}" for d in found))
    return tuple(sorted(found, key=lambda d: d.order))


DRIVERS: tuple[Driver, ...] = _discover()

#: Every named part of a month's change, in the order of the terms arrays.
TERMS: tuple[Driver, ...] = (
    *DRIVERS,
    Driver("memory", "the relation's long memory", "path dependence; Goertz & Diehl 1993",
           None),
    *(Driver(f"episode_{c}", EPISODE_LABELS[c], "episodes with a half-life", None)
      for c in EPISODE_CLASSES),
    Driver("adjustment", "a level set by hand (White) or a start off its rest, settling",
           "a hand-set level settling back to what the drivers sustain", None),
    Driver("noise", "unmodelled shocks", "stochastic residual", None),
)

DRIVER_NAMES: tuple[str, ...] = tuple(d.name for d in DRIVERS)
TERM_NAMES: tuple[str, ...] = tuple(d.name for d in TERMS)

__all__ = ["DRIVERS", "DRIVER_NAMES", "TERMS", "TERM_NAMES", "Driver", "StepInputs"]
