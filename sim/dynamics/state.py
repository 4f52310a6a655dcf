"""The model's state: arrays with a leading replicate axis.

Why arrays with a replicate axis: the Mesa model is the same model as the batched
ensemble, with one replicate. Agents read and write their own rows of these arrays, and
the dynamics are written once, over all rows, so the two paths cannot diverge.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.core import rng
from sim.dynamics.world import World


@dataclass
class State:
    """Everything that changes during a run, for R replicates of N actors and T theatres."""

    step: int
    seeds: np.ndarray  # (R,) uint64: the replicate's identity for all its random draws
    alignment: np.ndarray  # (R, N, N) how far i stands with j: tanh(latent + episodes)
    latent: np.ndarray  # (R, N, N) the relation's level, moving towards its drivers' target
    shares: np.ndarray  # (R, D + 3, N, N) the latent level split by cause: drivers, memory,
    # adjustments, noise (`sim.dynamics.kernels.settle_month`)
    memory: np.ndarray  # (R, N, N) slow disposition: the realised level over years
    target: np.ndarray  # (R, N, N) last month's latent target: what interests sustain
    episodes: np.ndarray  # (R, C, N, N) live episode offsets by class, decaying
    pending: np.ndarray  # (R, C, N, N) impulses of this month's episodes, not yet settled
    crisis_months: np.ndarray  # (R, P) months of the current crisis, per clause pair
    crisis_kept: np.ndarray  # (R, P) of those, months the clause was kept
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
    stake: np.ndarray  # (R, T, N) how much each theatre matters to each actor
    anti_hegemony: np.ndarray  # (R, N) threat each actor perceives from the hegemon's order
    balance: np.ndarray  # (R, N) weight of the hardline faction (domestic politics)
    trend: np.ndarray  # (R, N, N) last month's change of alignment
    perceived: np.ndarray  # (R, N, N) alignment without its noise share: what actors see
    previous_seen: np.ndarray  # (R, N, N) the same a month before (for the trend they see)
    episode_total: np.ndarray  # (R, N, N) sum of the live episode offsets
    last_dyadic: np.ndarray  # (R, N, N) int8 last month's moves (a change of course is an
    # episode; a policy carried on is not)

    @property
    def replicates(self) -> int:
        return self.alignment.shape[0]

    def month_keys(self) -> np.ndarray:
        """(len(Stream), R) this month's keys of every random stream
        (`sim.core.rng.month_keys`; row ``stream - 1``), made once a month.

        Kept as a plain attribute, not a field: `copy` and `take` start without it, and it
        is remade whenever the step or the seeds array is another (a cone's or a
        sub-state's replicates are other seeds)."""
        made = self.__dict__.get("_month_keys")
        if made is not None and made[0] == self.step and made[1] is self.seeds:
            return made[2]
        keys = rng.month_keys(self.seeds, self.step)
        self.__dict__["_month_keys"] = (self.step, self.seeds, keys)
        return keys

    def keys(self, stream: rng.Stream) -> np.ndarray:
        """(R,) this month's keys of ``stream``: `rng.keys` of the state's seeds and step."""
        return self.month_keys()[int(stream) - 1]

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


#: Largest |alignment| a starting value is taken at: tanh's inverse is infinite at 1.
MAX_START = 0.98


def latent_of(alignment: np.ndarray) -> np.ndarray:
    """The latent level of an alignment (0 on the diagonal, where a = 1 by definition)."""
    z = np.arctanh(np.clip(alignment, -MAX_START, MAX_START))
    n = z.shape[-1]
    z[..., np.arange(n), np.arange(n)] = 0.0
    return z


def alignment_of(latent: np.ndarray) -> np.ndarray:
    """Alignment from a latent level: tanh, with 1 on the diagonal."""
    a = np.tanh(latent)
    n = a.shape[-1]
    a[..., np.arange(n), np.arange(n)] = 1.0
    return a


def set_alignment(state: State, rows, i: int, j: int, value: float) -> None:
    """Put a dyad at an alignment (White's adjustment, a hand-set test state): the latent
    level takes what the live episodes do not already give."""
    target = float(np.arctanh(np.clip(value, -MAX_START, MAX_START)))
    new = target - state.episode_total[rows, i, j]
    state.shares[rows, -2, i, j] += new - state.latent[rows, i, j]
    state.latent[rows, i, j] = new
    state.alignment[rows, i, j] = np.tanh(state.latent[rows, i, j]
                                          + state.episode_total[rows, i, j])
    state.perceived[rows, i, j] = np.tanh(state.latent[rows, i, j]
                                          - state.shares[rows, -1, i, j]
                                          + state.episode_total[rows, i, j])


def initial_state(world: World, seeds: np.ndarray | list[int], shares: bool = True
                  ) -> State:
    """The scenario's starting state, repeated for each seed.

    The threat an actor perceives from the hegemon is not raised to its anti-hegemonic
    outlook here: the common-threat driver reads both each month
    (`sim.dynamics.drivers.common_threat`),
    so a dated change of either shows when it happens.
    """
    from sim.dynamics.episodes import EPISODE_CLASSES
    from sim.dynamics.kernels.codes import MAINTAIN

    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    r = len(seeds)
    ro = world.roster

    def rep(x: np.ndarray) -> np.ndarray:
        return np.repeat(x[None], r, axis=0).astype(np.float64)

    n, c, p = ro.n, len(EPISODE_CLASSES), len(world.treaties.clause_pairs)
    latent = latent_of(world.initial_alignment)
    state = State(
        step=0, seeds=seeds,
        alignment=rep(alignment_of(latent)), latent=rep(latent), memory=rep(latent),
        target=rep(latent), shares=np.zeros((r, n_shares(), n, n)),
        episodes=np.zeros((r, c, n, n)), pending=np.zeros((r, c, n, n)),
        crisis_months=np.zeros((r, p)), crisis_kept=np.zeros((r, p)),
        distrust=rep(ro.distrust), threat=rep(ro.threat),
        interdependence=rep(ro.interdependence),
        interdependence_base=rep(ro.interdependence), sanctions_own=np.zeros((r, n, n)),
        war=np.zeros((r, n, n)), intensity=rep(ro.theatre_intensity),
        intensity_base=rep(ro.theatre_intensity), engagement=rep(ro.stake),
        position=rep(ro.position), stake=rep(ro.stake), anti_hegemony=rep(ro.anti_hegemony),
        balance=rep(world.initial_balance), trend=np.zeros((r, n, n)),
        last_dyadic=np.full((r, n, n), MAINTAIN, dtype=np.int8),
        perceived=rep(alignment_of(latent)), previous_seen=rep(alignment_of(latent)),
        episode_total=np.zeros((r, n, n)),
    )
    if shares:
        state.shares = starting_shares(state, world)
    return state


def n_shares() -> int:
    """Shares of the latent level: one per driver, memory, adjustments, noise."""
    from sim.dynamics.drivers import DRIVERS

    return len(DRIVERS) + 3


def starting_shares(state: State, world: World) -> np.ndarray:
    """The starting latent level split by cause: each driver's part of the target at the
    family's documented start (`sim.dynamics.equilibrium.with_standing`), the memory's, the
    rest as an adjustment (zero when the start is the drivers' equilibrium), no noise yet.
    A scenario that changes a driver's input from the start (no treaty, say) then shows
    that driver moving the relation away from the documented start, by name."""
    if world.start_contributions is None:
        raise ValueError("a world is built by sim.inputs.compile.build_world (or fixed by "
                         "sim.dynamics.equilibrium.with_standing) before a run can start from it")
    w = world.p.memory_weight
    parts = (1.0 - w) * world.start_contributions[:, None]  # (D, 1, N, N)
    shares = np.zeros((state.replicates, parts.shape[0] + 3, world.n, world.n))
    shares[:, :-3] = np.swapaxes(parts, 0, 1)
    shares[:, -3] = w * state.memory
    shares[:, -2] = state.latent - shares[:, :-2].sum(axis=1)
    n = world.n
    shares[:, :, np.arange(n), np.arange(n)] = 0.0
    return shares
