"""Bloc analysis with established theory, for a model state or a hand-given matrix.

Two independent predictions of how actors split into two camps, so each checks the other:

* `sim.analysis.blocs.landscape`: landscape theory of aggregation (Axelrod & Bennett 1993), the
  configurations of least energy, exact up to 20 actors, a seeded heuristic beyond;
* `sim.analysis.blocs.balance`: continuous-time structural balance (Marvel et al. 2011), the
  factions of the leading eigenvector at the blow-up of dX/dt = X^2.

`sim.analysis.blocs.from_model` turns a model state into their inputs and
`sim.analysis.blocs.io` reads a
hand-given file; `analyse_blocs` runs both and `BlocReport.to_dict` gives plain JSON.
docs/blocs.md states the conventions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.blocs.balance import Factions, factions
from sim.analysis.blocs.from_model import BlocInputs
from sim.analysis.blocs.landscape import (
    DEFAULT_RESTARTS,
    EXACT_LIMIT,
    Landscape,
    LandscapeResult,
    Minimum,
    analyse,
    frustration,
    imbalance,
)

__all__ = ["BlocInputs", "BlocReport", "Factions", "Landscape", "LandscapeResult",
           "analyse_blocs"]


@dataclass(frozen=True)
class BlocReport:
    inputs: BlocInputs
    landscape: LandscapeResult
    factions: Factions

    def disagreements(self) -> list[str]:
        """Actors the balance factions put on the other side of the landscape's best split.

        Both put actor 0 (or the first actor with a nonzero eigenvector component) on side
        0, so sides compare directly; undecided actors are left out.
        """
        best = self.landscape.minima[0].sides
        f = self.factions.sides
        first = int(np.argmax(f >= 0)) if (f >= 0).any() else 0
        flip = int(best[first] != f[first])
        return [nm for nm, b, s in zip(self.landscape.landscape.names, best, f, strict=True)
                if s >= 0 and (b ^ flip) != s]

    def to_dict(self) -> dict:
        ls = self.landscape.landscape
        names = list(ls.names)

        def minimum(m: Minimum) -> dict:
            return {"energy": m.energy, "basin": m.basin,
                    "side_a": m.members(ls.names, 0), "side_b": m.members(ls.names, 1),
                    "sides": {nm: int(s) for nm, s in zip(names, m.sides, strict=True)}}

        fac = self.factions
        return {
            "input": self.inputs.label,
            "notes": list(self.inputs.notes),
            "actors": names,
            "sizes": {nm: float(s) for nm, s in zip(names, ls.sizes, strict=True)},
            "landscape": {
                "method": self.landscape.method,
                "searched": self.landscape.searched,
                "seed": self.landscape.seed,
                "hits": self.landscape.hits,
                "local_minima_found": self.landscape.local_minima_found,
                "energy_convention": "E = sum_i s_i F_i = sum over ordered pairs i != j of "
                                     "s_i s_j p_ij d_ij",
                "global_minima": [
                    {**minimum(m),
                     "frustration": dict(zip(names, frustration(ls, m.sides).tolist(),
                                             strict=True)),
                     "imbalance": dict(zip(names, imbalance(ls, m.sides).tolist(),
                                           strict=True))}
                    for m in self.landscape.global_minima],
                "local_minima": [minimum(m) for m in self.landscape.minima],
                "notes": list(self.landscape.notes),
            },
            "balance": {
                "eigenvalues": fac.eigenvalues.tolist(),
                "blowup_time": fac.blowup if fac.blows_up else None,
                "degenerate": fac.degenerate,
                "leading_eigenvector": dict(zip(names, fac.vector.tolist(), strict=True)),
                "faction_a": fac.members(0), "faction_b": fac.members(1),
                "undecided": fac.members(-1),
                "notes": list(fac.notes),
            },
            "disagreements": self.disagreements(),
        }


def analyse_blocs(inputs: BlocInputs, *, exact_limit: int = EXACT_LIMIT,
                  restarts: int = DEFAULT_RESTARTS, seed: int = 0,
                  max_listed: int = 1000) -> BlocReport:
    """Both analyses of the same inputs."""
    result = analyse(inputs.landscape, exact_limit=exact_limit, restarts=restarts, seed=seed,
                     max_listed=max_listed)
    return BlocReport(inputs, result, factions(inputs.x0, inputs.landscape.names))
