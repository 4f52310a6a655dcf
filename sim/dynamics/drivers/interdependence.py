"""Material interdependence: trade, arms, energy and nuclear ties, transport corridors.

Theory: commercial liberalism and the opportunity cost of conflict (Keohane & Nye 1977;
Oneal & Russett 1999): the more j is worth to i materially, the more i is drawn to it. The
stock of interdependence itself moves with actions (deepening builds it, distancing and
sanctions erode it) and relaxes towards its documented level.
"""

from __future__ import annotations

from sim.core.param_info import WEIGHT, ParamInfo
from sim.dynamics.drivers._common import Driver, StepInputs


def interdependence(state, world, x: StepInputs):
    return world.p.interdependence_weight * state.interdependence


DRIVER = Driver(
    "interdependence", "material interdependence",
    "Keohane & Nye 1977", interdependence,
    order=4,
    rates={
        "interdependence_weight": ParamInfo(
            0.0, 5.0, WEIGHT,
            "weight of trade, energy and arms ties"),
    })
