"""Erosion: alignment that no driver sustains drifts back towards neutrality.

Theory: Walt (1997), "Why alliances endure or collapse": alignments decay as the reasons
for them fade, and need continued investment. Without this term any dyad with only
positive forces (interdependence, say) would creep to +1. It is the one driver added to
the design brief's list; docs/decisions/0002-erosion-driver.md records why.
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def erosion(state, world, x: StepInputs):
    return -world.p.erosion_rate * state.alignment
