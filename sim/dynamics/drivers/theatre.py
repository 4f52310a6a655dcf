"""Theatres: cooperation where two engaged actors want the same outcome, rivalry where not.

Theory: issue-specific interests and competition for influence among partners (the
documents' "competitive partnership" in Syria, the Caucasus and Central Asia). In theatre
t, with intensity I, engagements e and positions x on the theatre's axis, the pull of i
towards j is I * e_i * e_j * (x_i x_j - c max(0, x_i x_j)): same side attracts, opposite
sides repel, and same-side actors in a zero-sum contest (competition c) rub against each
other.
"""

from __future__ import annotations

import numpy as np

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs


def theatre(state, world, x: StepInputs):
    from sim.dynamics.kernels import theatre_affinity  # compiled on first use

    out = np.empty_like(state.alignment)
    theatre_affinity(state.intensity, state.engagement, state.position,
                     world.roster.theatre_competition, out)
    return world.p.theatre_weight * out


DRIVER = Driver(
    "theatre", "cooperation and rivalry in theatres",
    "similarity of positions (Signorino & Ritter 1999)", theatre,
    order=6,
    rates={
        "theatre_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of shared or opposed positions in the theatres"),
    })
