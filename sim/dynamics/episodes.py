"""Episodes: events and significant moves that jolt named relations, then fade.

Why a channel of its own (decision record 0008): a documented event (the 2016 Hamadan row,
Assad's fall, an arms delivery) is felt at once and then fades, while a driver's input is a
lasting condition. Putting events into driver inputs only made them act through bounded
stocks, a hundredth at a time. An episode instead adds an impulse to a dyad's latent level
that decays with its class's half-life, independently of how many drivers act, and the
month's explanation names it.

Episodes are kept by class (arms, diplomacy, sanctions, ...), each an (R, N, N) offset: the
classes' half-lives are global parameters, so episodes of one class decay alike and can be
summed. Which events fed a class in a month is in the run's event record.
"""

from __future__ import annotations

import numpy as np

from sim.dynamics.kernels.codes import ARMS, COVER, DEEPEN, DISTANCE, SANCTION

EPISODE_CLASSES: tuple[str, ...] = (
    "diplomacy", "arms", "sanctions", "violence", "recrimination", "treaty", "deal", "upheaval",
)

EPISODE_LABELS: dict[str, str] = {
    "diplomacy": "episodes: deliberate warming or cooling, summits and signings",
    "arms": "episodes: arms delivered or withheld",
    "sanctions": "episodes: sanctions imposed or lifted",
    "violence": "episodes: strikes, wars and ceasefires",
    "recrimination": "episodes: public rows and blame",
    "treaty": "episodes: treaty pledges honoured or failed in a crisis",
    "deal": "episodes: settlements",
    "upheaval": "episodes: a regime's fall",
}

DIPLOMACY, ARMS_CLASS, SANCTIONS_CLASS, VIOLENCE, RECRIMINATION, TREATY, DEAL, UPHEAVAL = range(8)


def class_index(name: str) -> int:
    try:
        return EPISODE_CLASSES.index(name)
    except ValueError:
        raise ValueError(f"unknown episode class {name!r}; allowed: "
                         f"{', '.join(EPISODE_CLASSES)}") from None


def decay_factors(p) -> np.ndarray:
    """Per class, the share of an episode left after one month: 2^(-1 / half-life)."""
    return np.array([2.0 ** (-1.0 / p[f"episode_half_life_{c}"]) for c in EPISODE_CLASSES])


def move_impulse_table(p) -> np.ndarray:
    """(7, 2) latent impulses of each dyadic action: [self, partner] (the mover's own view
    of the partner, the partner's view of the mover)."""
    table = np.zeros((7, 2))
    table[DEEPEN] = (p.impulse_deepen_self, p.impulse_deepen_partner)
    table[DISTANCE] = (p.impulse_distance_self, p.impulse_distance_partner)
    table[COVER] = (0.0, p.impulse_cover_partner)
    table[ARMS] = (p.impulse_arms_self, p.impulse_arms_partner)
    table[SANCTION] = (p.impulse_sanction_self, p.impulse_sanction_partner)
    return table


#: Episode class of each dyadic action's impulse (hedge and maintain carry none).
MOVE_CLASS = np.array([DIPLOMACY, DIPLOMACY, DIPLOMACY, DIPLOMACY, ARMS_CLASS, DIPLOMACY,
                       SANCTIONS_CLASS], dtype=np.int64)


def add_impulse(state, rows: np.ndarray, cls: int, i: int, j: int, size: float) -> None:
    """One dyad's impulse for the replicates in ``rows`` (events use this)."""
    state.pending[rows, cls, i, j] += size
