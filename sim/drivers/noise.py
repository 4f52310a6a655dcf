"""Noise: everything the model leaves out, as a small normal shock per dyad and month.

Drawn from the counter-based stream `sim.rng.Stream.NOISE`, so a replicate's noise depends
only on its seed, the month and the dyad.
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def noise(state, world, x: StepInputs):
    return world.p.noise_sd * x.noise
