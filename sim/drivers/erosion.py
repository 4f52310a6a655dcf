"""Erosion: alignment that no driver sustains drifts back towards neutrality.

Theory: Walt (1997), "Why alliances endure or collapse": alignments decay as the reasons
for them fade, and need continued investment. Without this term any dyad with only
positive forces (interdependence, say) would creep to +1. It is the one driver added to
the design brief's list; docs/decisions/0002-erosion-driver.md records why.

Enmity erodes more slowly than friendship (``erosion_enmity_share`` of the rate): enduring
rivalries persist for decades once their reasons fade (Goertz & Diehl 1993; Thompson 2001),
and at the full rate Iran's hostility to Israel softened from -0.95 to -0.73 within a year,
against every document (decision record 0004).
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from sim.drivers._common import StepInputs


@vectorize(["float64(float64, float64, float64)"], cache=True)
def _force(a, friendly_rate, hostile_rate):
    """-rate a, at the slower rate for enmity (a < 0); one compiled pass."""
    rate = hostile_rate if a < 0.0 else friendly_rate
    return -rate * a


def erosion(state, world, x: StepInputs):
    p = world.p
    return _force(state.alignment, p.erosion_rate, p.erosion_rate * p.erosion_enmity_share,
                  out=np.empty_like(state.alignment))
