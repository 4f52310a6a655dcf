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

from sim.drivers._common import StepInputs, zero_diagonal


def theatre(state, world, x: StepInputs):
    ro = world.roster
    out = np.zeros_like(state.alignment)
    for t in range(len(ro.theatre_ids)):
        pos = state.position[:, t, :]
        agree = pos[:, :, None] * pos[:, None, :]
        affinity = agree - ro.theatre_competition[t] * np.maximum(0.0, agree)
        e = state.engagement[:, t, :]
        out = out + (state.intensity[:, t, None, None] * e[:, :, None] * e[:, None, :]
                     * affinity)
    return world.p.theatre_rate * zero_diagonal(out)
