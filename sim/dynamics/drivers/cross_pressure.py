"""Third-party cross-pressure: ties to j are held back by valued partners hostile to j.

Theory: cross-pressure and alliance management (Snyder 1997's alliance security dilemma;
Lazarsfeld's cross-pressures applied to states); the documents: Russia's ties with Israel
and the Gulf monarchies restrain it towards Iran. Unlike structural balance, the weight is
material (how much i has to lose with k), not sentiment. It lowers i's target towards j by
its weight times what i stands to lose; it does not read a_ij itself, so it is no hidden
restoring force on the relation it restrains.
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs, clear_diagonal, pair_sum
from sim.dynamics.kernels.lazy import lazy_vectorize


@lazy_vectorize(["float64(float64, float64)"], cache=True)
def _stake(interdependence, a):
    """What i has to lose with k: material value times the warm part of the relation."""
    return interdependence * max(0.0, a)


@lazy_vectorize(["float64(float64)"], cache=True)
def _hostile(a):
    return max(0.0, -a)




def cross_pressure_matrix(state) -> np.ndarray:
    """cp[r, i, j]: how much i stands to lose with its partners by closing with j (the
    NumPy reference of the compiled `cross_pressure_of_replicate` actors perceive)."""
    a = state.alignment
    stake = clear_diagonal(_stake(state.interdependence, a, out=np.empty_like(a)))
    hostile = clear_diagonal(_hostile(a, out=np.empty_like(a)))
    return pair_sum(stake, hostile)


def cross_pressure(state, world, x: StepInputs):
    return clear_diagonal(-world.p.cross_pressure_weight * cross_pressure_matrix(state))


DRIVER = Driver(
    "cross_pressure", "cross-pressure from third parties",
    "Snyder 1997", cross_pressure,
    order=8,
    rates={
        "cross_pressure_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "restraint from ties with a partner's enemies"),
    })
