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

from sim.drivers._common import StepInputs


def erosion(state, world, x: StepInputs):
    a = state.alignment
    rate = np.where(a < 0.0, world.p.erosion_rate * world.p.erosion_enmity_share,
                    world.p.erosion_rate)
    return -rate * a
