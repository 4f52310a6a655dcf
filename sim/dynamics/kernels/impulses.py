"""Compiled episode impulses of a month's moves and fighting, one replicate at a time.

`sim.dynamics.episodes` documents the rules (docs/ODD.md §7.13); the fused month
(`sim.dynamics.kernels.month.resolve_block`) calls these while the replicate's arrays are
in cache.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def move_impulses_of_replicate(r, dyadic, last, repeat_share, table, move_class, pending):
    """Replicate r's significant moves into ``pending`` (R, C, N, N), in place: in full where
    the move changes course from ``last`` month's, at ``repeat_share`` where it carries a
    policy on (a year of arms deliveries is not twelve first deliveries)."""
    n = dyadic.shape[1]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            act = dyadic[r, i, j]
            scale = 1.0 if act != last[r, i, j] else repeat_share
            own = table[act, 0] * scale
            other = table[act, 1] * scale
            if own == 0.0 and other == 0.0:
                continue
            c = move_class[act]
            pending[r, c, i, j] += own
            pending[r, c, j, i] += other


@njit(cache=True, nogil=True, error_model="numpy")
def war_impulses_of_replicate(r, war, dyadic, asks, arms_code, on_target, on_attacker,
                              withheld, violence, arms_class, pending):
    """Replicate r's fighting into ``pending``, in place: every month of strikes (``war``
    [attacker, target] > 0) gives the target's view of the attacker ``on_target`` and the
    attacker's view of the target ``on_attacker``; a state under attack that asked partner
    j for arms (``asks`` [i, j] > 0) and got none this month counts ``withheld`` x ask on
    its view of j. Only where there is fighting."""
    n = war.shape[1]
    for t in range(n):
        attacked = False
        for a in range(n):
            if war[r, a, t] > 0.0:
                attacked = True
                pending[r, violence, t, a] += on_target
                pending[r, violence, a, t] += on_attacker
        if not attacked:
            continue
        for j in range(n):
            if j != t and asks[t, j] > 0.0 and dyadic[r, j, t] != arms_code:
                pending[r, arms_class, t, j] += withheld * asks[t, j]
