"""The named drivers of alignment change, in the order they are summed and reported.

Each driver is a function ``(state, world, inputs) -> force`` with shape (R, N, N); the
engine turns forces into bounded alignment changes (see `sim.engine.saturate`) and keeps
every term, so any change can be explained afterwards. To add a driver: write a module
with one such function, add a `Driver` entry here, a rate in ``sim/data/dynamics.toml``
and its range in `sim.dynamics_params.RANGES`, and a section in docs/ODD.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.drivers._common import StepInputs
from sim.drivers.common_threat import common_threat
from sim.drivers.cross_pressure import cross_pressure
from sim.drivers.domestic_politics import domestic_politics
from sim.drivers.erosion import erosion
from sim.drivers.historical_distrust import historical_distrust
from sim.drivers.interdependence import interdependence
from sim.drivers.noise import noise
from sim.drivers.reciprocity import reciprocity
from sim.drivers.sanctions_pressure import sanctions_pressure
from sim.drivers.structural_balance import structural_balance
from sim.drivers.theatre import theatre
from sim.drivers.treaty_commitment import treaty_commitment


@dataclass(frozen=True)
class Driver:
    name: str
    label: str  # plain words for explanations
    theory: str
    force: Callable[..., np.ndarray]


DRIVERS: tuple[Driver, ...] = (
    Driver("common_threat", "shared threat", "Walt 1987, balance of threat", common_threat),
    Driver("structural_balance", "friends and enemies of third parties",
           "Heider 1946; Marvel et al. 2011", structural_balance),
    Driver("sanctions_pressure", "sanctions pressure", "Hufbauer et al. 2007; Early 2015",
           sanctions_pressure),
    Driver("interdependence", "material interdependence", "Keohane & Nye 1977",
           interdependence),
    Driver("treaty_commitment", "treaty commitment", "Keohane 1984; Leeds 2003",
           treaty_commitment),
    Driver("theatre", "cooperation and rivalry in theatres",
           "similarity of positions (Signorino & Ritter 1999)",
           theatre),
    Driver("historical_distrust", "historical distrust", "Slovic 1993; Kydd 2005",
           historical_distrust),
    Driver("cross_pressure", "cross-pressure from third parties", "Snyder 1997",
           cross_pressure),
    Driver("domestic_politics", "domestic politics", "Putnam 1988", domestic_politics),
    Driver("reciprocity", "reciprocity", "Axelrod 1984; Keohane 1986", reciprocity),
    Driver("erosion", "erosion of unsustained ties", "Walt 1997", erosion),
    Driver("noise", "unmodelled shocks", "stochastic residual", noise),
)

DRIVER_NAMES: tuple[str, ...] = tuple(d.name for d in DRIVERS)

__all__ = ["DRIVERS", "DRIVER_NAMES", "Driver", "StepInputs"]
