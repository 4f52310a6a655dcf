"""The model's state: arrays with a leading replicate axis.

Why arrays with a replicate axis: the Mesa model is the same model as the batched
ensemble, with one replicate. Agents read and write their own rows of these arrays, and
the dynamics are written once, over all rows, so the two paths cannot diverge.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.world import World


@dataclass
class State:
    """Everything that changes during a run, for R replicates of N actors and T theatres."""

    step: int
    seeds: np.ndarray  # (R,) uint64: the replicate's identity for all its random draws
    alignment: np.ndarray  # (R, N, N) how far i stands with j, in [-1, 1]
    distrust: np.ndarray  # (R, N, N) memory of betrayal, in [0, 1]
    threat: np.ndarray  # (R, N, N) baseline threat i perceives from j
    interdependence: np.ndarray  # (R, N, N) material value of j to i
    interdependence_base: np.ndarray  # (R, N, N) structural level it relaxes to
    sanctions_own: np.ndarray  # (R, N, N) sanctions imposed by action, [imposer, target]
    war: np.ndarray  # (R, N, N) months of active strikes/war left, [attacker, target]
    intensity: np.ndarray  # (R, T) how active each theatre is
    intensity_base: np.ndarray  # (R, T) level each theatre relaxes to
    engagement: np.ndarray  # (R, T, N) how engaged each actor is in each theatre
    position: np.ndarray  # (R, T, N) the outcome each actor wants on each theatre's axis
    balance: np.ndarray  # (R, N) weight of the hardline faction (domestic politics)
    trend: np.ndarray  # (R, N, N) last month's change of alignment (what actors perceive)

    @property
    def replicates(self) -> int:
        return self.alignment.shape[0]

    def copy(self) -> State:
        return State(**{f.name: (getattr(self, f.name).copy()
                                 if isinstance(getattr(self, f.name), np.ndarray)
                                 else getattr(self, f.name)) for f in fields(self)})

    def take(self, rows: np.ndarray | list[int]) -> State:
        """The sub-state of some replicates (a copy)."""
        rows = np.asarray(rows)
        return State(**{f.name: (getattr(self, f.name)[rows].copy()
                                 if isinstance(getattr(self, f.name), np.ndarray)
                                 else getattr(self, f.name)) for f in fields(self)})


def initial_state(world: World, seeds: np.ndarray | list[int]) -> State:
    """The scenario's starting state, repeated for each seed."""
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    r = len(seeds)
    ro = world.roster

    def rep(x: np.ndarray) -> np.ndarray:
        return np.repeat(x[None], r, axis=0).astype(np.float64)

    threat = ro.threat.copy()
    h = ro.hegemon
    threat[:, h] = np.maximum(threat[:, h], ro.anti_hegemony)
    threat[h, h] = 0.0
    engagement = ro.stake.copy()
    n = ro.n
    return State(
        step=0, seeds=seeds,
        alignment=rep(world.initial_alignment), distrust=rep(ro.distrust), threat=rep(threat),
        interdependence=rep(ro.interdependence),
        interdependence_base=rep(ro.interdependence), sanctions_own=np.zeros((r, n, n)),
        war=np.zeros((r, n, n)), intensity=rep(ro.theatre_intensity),
        intensity_base=rep(ro.theatre_intensity), engagement=rep(engagement),
        position=rep(ro.position),
        balance=rep(world.initial_balance), trend=np.zeros((r, n, n)),
    )
