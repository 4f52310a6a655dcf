"""Material interdependence: trade, arms, energy and nuclear ties, transport corridors.

Theory: commercial liberalism and the opportunity cost of conflict (Keohane & Nye 1977;
Oneal & Russett 1999): the more j is worth to i materially, the more i is drawn to it. The
stock of interdependence itself moves with actions (deepening builds it, distancing and
sanctions erode it) and relaxes towards its documented level.
"""

from __future__ import annotations

from sim.drivers._common import StepInputs


def interdependence(state, world, x: StepInputs):
    return world.p.interdependence_weight * state.interdependence
