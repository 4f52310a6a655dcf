"""The action menus, shared by the model's decisions, the adjudication and human players.

Two menus: a *dyadic* one (what actor i does towards partner j this month) and a
*theatre* one (what i does in theatre t). Both are fixed enumerations so that choices
are small integer arrays, identical in the Mesa and the batched paths.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Dyadic(IntEnum):
    DISTANCE = 0
    HEDGE = 1
    MAINTAIN = 2
    DEEPEN = 3
    TRANSFER_ARMS = 4
    DIPLOMATIC_COVER = 5
    SANCTION = 6


class TheatreAction(IntEnum):
    WITHDRAW = 0
    RESTRAIN = 1
    SUPPORT = 2
    INTERVENE = 3
    MEDIATE = 4


DYADIC_NAMES = tuple(a.name.lower() for a in Dyadic)
THEATRE_NAMES = tuple(a.name.lower() for a in TheatreAction)

#: What an action towards j delivers to j, on a scale where "maintain" is 0 and a
#: significant arms transfer is +1. Reciprocity compares this with what j asked for.
#: Assumption: an ordinal scale of diplomatic value, fixed so that arms > cover > deepen.
DELIVERED = np.array([-0.5, -0.05, 0.0, 0.3, 1.0, 0.5, -1.0])

#: Actions that count as help to a partner (for treaty obligations).
ASSISTANCE = (Dyadic.DEEPEN, Dyadic.TRANSFER_ARMS, Dyadic.DIPLOMATIC_COVER)
MILITARY_ASSISTANCE = (Dyadic.DEEPEN, Dyadic.TRANSFER_ARMS)
DEFENCE_SUPPORT = (Dyadic.TRANSFER_ARMS, Dyadic.DIPLOMATIC_COVER)
HOSTILE = (Dyadic.DISTANCE, Dyadic.SANCTION)

#: Engagement an actor moves towards in a theatre, as a multiple of its stake (intervene
#: adds an absolute 0.3 on top). Assumption: withdrawal empties, restraint halves.
ENGAGEMENT_TARGET = np.array([0.0, 0.5, 1.0, 1.0, 1.0])


def dyadic_code(name: str) -> int:
    try:
        return DYADIC_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown action {name!r}; allowed: {', '.join(DYADIC_NAMES)}") from None


def theatre_code(name: str) -> int:
    try:
        return THEATRE_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown theatre action {name!r}; allowed: "
                         f"{', '.join(THEATRE_NAMES)}") from None
