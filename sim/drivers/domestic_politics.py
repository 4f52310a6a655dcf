"""Domestic politics: factions pull foreign alignment towards their own ideal points.

Theory: two-level games (Putnam 1988) and selectorate politics; the documents' Iran, where
the security establishment sets the "big game" and the elected government plays the
"small game". The actor's target alignment is the balance-weighted mix of the factions'
ideals; only actors with factions (and only the partners they name) feel this driver.
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def domestic_politics(state, world, x: StepInputs):
    ro = world.roster
    b = state.balance[:, :, None]
    target = b * ro.domestic_hardline[None] + (1.0 - b) * ro.domestic_reform[None]
    return world.p.domestic_rate * ro.domestic_mask[None] * (target - state.alignment)
