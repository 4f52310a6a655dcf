"""The named drivers of alignment, and every named part of a month's change.

Each driver is a function ``(state, world, inputs) -> contribution`` with shape (R, N, N):
its weight times its input, in latent units. The drivers' contributions add up to the
target each relation moves towards (`sim.engine`, decision record 0008). A month's change
of alignment is split exactly into `TERMS`: one per driver, the relation's memory, one per
episode class, adjustments by hand, and noise (see `sim.kernels.settle_month` for how).

To add a driver: write a module with one such function, add a `Driver` entry here naming
the rates it reads, a weight in ``sim/data/dynamics.toml`` declared in
`sim.dynamics_params.DYNAMICS_INFO` (the registry's source), and a section in docs/ODD.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.drivers._common import StepInputs
from sim.drivers.common_threat import common_threat
from sim.drivers.cross_pressure import cross_pressure
from sim.drivers.domestic_politics import domestic_politics
from sim.drivers.historical_distrust import historical_distrust
from sim.drivers.interdependence import interdependence
from sim.drivers.reciprocity import reciprocity
from sim.drivers.sanctions_pressure import sanctions_pressure
from sim.drivers.standing import standing
from sim.drivers.structural_balance import structural_balance
from sim.drivers.theatre import theatre
from sim.drivers.treaty_commitment import treaty_commitment
from sim.episodes import EPISODE_CLASSES, EPISODE_LABELS


@dataclass(frozen=True)
class Driver:
    name: str
    label: str  # plain words for explanations
    theory: str
    force: Callable[..., np.ndarray] | None  # the contribution; None for a non-driver term
    rates: tuple[str, ...] = ()  # the dynamics parameters it reads (registry: dynamics.NAME)


DRIVERS: tuple[Driver, ...] = (
    Driver("common_threat", "shared threat", "Walt 1987, balance of threat", common_threat,
           ("threat_shared", "threat_direct", "threat_base_weight", "defence_deterrence")),
    Driver("structural_balance", "friends and enemies of third parties",
           "Heider 1946; Marvel et al. 2011", structural_balance, ("balance_weight",)),
    Driver("sanctions_pressure", "sanctions pressure", "Hufbauer et al. 2007; Early 2015",
           sanctions_pressure,
           ("sanctions_value", "sanctions_resentment", "sanctions_secondary")),
    Driver("interdependence", "material interdependence", "Keohane & Nye 1977",
           interdependence, ("interdependence_weight",)),
    Driver("treaty_commitment", "treaty commitment", "Keohane 1984; Leeds 2003; Snyder 1997",
           treaty_commitment, ("treaty_weight", "defence_weight", "defence_third")),
    Driver("theatre", "cooperation and rivalry in theatres",
           "similarity of positions (Signorino & Ritter 1999)", theatre, ("theatre_weight",)),
    Driver("historical_distrust", "historical distrust", "Slovic 1993; Kydd 2005",
           historical_distrust, ("distrust_weight",)),
    Driver("cross_pressure", "cross-pressure from third parties", "Snyder 1997",
           cross_pressure, ("cross_pressure_weight",)),
    Driver("domestic_politics", "domestic politics", "Putnam 1988", domestic_politics,
           ("domestic_weight",)),
    Driver("reciprocity", "reciprocity", "Axelrod 1984; Keohane 1986", reciprocity,
           ("reciprocity_weight",)),
    Driver("standing", "standing relation (what the drivers leave unexplained)",
           "a fixed effect per dyad, decision record 0008", standing, ("standing_weight",)),
)

#: Every named part of a month's change, in the order of the terms arrays.
TERMS: tuple[Driver, ...] = (
    *DRIVERS,
    Driver("memory", "the relation's long memory", "path dependence; Goertz & Diehl 1993",
           None),
    *(Driver(f"episode_{c}", EPISODE_LABELS[c], "episodes with a half-life", None)
      for c in EPISODE_CLASSES),
    Driver("adjustment", "a level set by hand (White) or a start off its rest, settling",
           "a hand-set level settling back to what the drivers sustain", None),
    Driver("noise", "unmodelled shocks", "stochastic residual", None),
)

DRIVER_NAMES: tuple[str, ...] = tuple(d.name for d in DRIVERS)
TERM_NAMES: tuple[str, ...] = tuple(d.name for d in TERMS)

__all__ = ["DRIVERS", "DRIVER_NAMES", "TERMS", "TERM_NAMES", "Driver", "StepInputs"]
