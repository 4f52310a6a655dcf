"""Every driver's contribution for a block of replicates: the compiled kernel for the
built-in drivers, a driver's own NumPy ``force`` for any driver the kernel does not know.

Why both: the month's speed needs one compiled pass over a replicate's blocks
(`sim.dynamics.kernels.month_drivers`), while a modeller adds a driver by adding a module
with a ``force`` function (`sim.dynamics.drivers`). Such a driver is computed by its force
until it gets compiled code; the built-in ones are computed by the kernel, and their forces
are the reference it is tested against (tests/test_month_kernels.py). The engine and the
start's equilibrium both call `driver_contributions`: one implementation of the drivers.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.dynamics.drivers import DRIVERS, StepInputs
from sim.dynamics.drivers.sanctions_pressure import IMPOSER_THRESHOLD


@functools.cache
def driver_layout() -> tuple[np.ndarray, tuple[int, ...]]:
    """(slots, others): for each driver the kernel knows, its index in `DRIVERS` (-1 if the
    driver table has none of that name); and the indices of drivers it does not know."""
    from sim.dynamics.kernels.month_drivers import KNOWN

    names = [d.name for d in DRIVERS]
    slots = np.array([names.index(k) if k in names else -1 for k in KNOWN], dtype=np.int64)
    others = tuple(i for i, name in enumerate(names) if name not in KNOWN)
    return slots, others


def rate_vector(world) -> np.ndarray:
    """The rates the kernel reads, in its order, from the world's dynamics table (made once
    per world, `sim.dynamics.world.World.derived`)."""
    from sim.dynamics.kernels.month_drivers import RATES

    return world.derived("rate_vector",
                         lambda: np.array([float(world.p[name]) for name in RATES]))


def driver_parameters(world, inputs: StepInputs) -> tuple:
    """What the compiled drivers read besides the replicates' own arrays, in the order both
    compiled passes take it (`compute_drivers`, `sim.dynamics.kernels.month.resolve_block`):
    the month's secondary sanctions, treaty strength and guarantees, the roster's arrays,
    the standing residual, the imposer threshold and the rates."""
    ro = world.roster

    def f64(x):
        return np.ascontiguousarray(x, dtype=np.float64)

    return (f64(inputs.secondary), f64(inputs.treaty_strength), f64(inputs.guarantee),
            ro.power, int(ro.hegemon), ro.sanctions_exposure, ro.theatre_competition,
            ro.domestic_mask, ro.domestic_hardline, ro.domestic_reform, f64(world.standing),
            IMPOSER_THRESHOLD, rate_vector(world))


def driver_contributions(view, world, inputs: StepInputs) -> np.ndarray:
    """(D, R, N, N) each driver's contribution (weight x input, latent units) in the state
    ``view`` (the structural view: alignment without its noise share), in the order of
    `DRIVERS`; zero on the diagonal."""
    from sim.dynamics.kernels.month_drivers import compute_drivers

    r, n = view.alignment.shape[0], world.n
    out = np.empty((len(DRIVERS), r, n, n))
    slots, others = driver_layout()
    compute_drivers(
        slots, view.alignment, view.threat, view.anti_hegemony, view.war, view.distrust,
        view.interdependence, view.balance, view.intensity, view.engagement, view.position,
        np.ascontiguousarray(inputs.delivered, dtype=np.float64), world.roster.asks,
        np.ascontiguousarray(inputs.sanctions, dtype=np.float64),
        np.ascontiguousarray(inputs.sanctions_bite, dtype=np.float64),
        *driver_parameters(world, inputs), out)
    for k in others:
        out[k] = DRIVERS[k].force(view, world, inputs)
        out[k, :, np.arange(n), np.arange(n)] = 0.0
    return out
