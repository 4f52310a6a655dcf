"""Compiled parts of drivers whose arithmetic is more than one fused expression.

(Drivers that are one expression carry their own compiled ufunc in their module.)
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def theatre_affinity(intensity, engagement, position, competition, out):
    """Sum over theatres of I e_i e_j (x_i x_j - c max(0, x_i x_j)) into ``out`` (R, N, N),
    theatres added in order, zero on the diagonal (the theatre driver, docs/ODD.md)."""
    n_rep, n_th, n = engagement.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                total = 0.0
                if i != j:
                    for t in range(n_th):
                        agree = position[r, t, i] * position[r, t, j]
                        affinity = agree - competition[t] * max(0.0, agree)
                        total += (intensity[r, t] * engagement[r, t, i] * engagement[r, t, j]
                                  * affinity)
                out[r, i, j] = total


@njit(cache=True, nogil=True, error_model="numpy")
def sanctions_force(s, pressure, shared, secondary_stake, alignment, exposure, power,
                    threshold, value_rate, resentment_rate, secondary_rate, out):
    """The sanctions-pressure driver's force into ``out`` (R, N, N), given the pressure on
    each target (R, N), how far i and j are sanctioned by the same imposers (R, N, N) and
    i's stake with j's secondary sanctioners (R, N, N); see
    `sim.dynamics.drivers.sanctions_pressure`. (``shared`` comes in computed: NumPy's expm1 and
    the C library's differ in the last bit.)"""
    n_rep, n, _ = s.shape
    for r in range(n_rep):
        for i in range(n):
            for j in range(n):
                s_t = s[r, j, i]  # j's sanctions on i
                if i == j:
                    value = 0.0
                else:
                    willing = 0.5 * (1.0 + alignment[r, j, i])
                    outside = min(max(1.0 - s_t / threshold, 0.0), 1.0)
                    value = (exposure[i] * pressure[r, i] * outside * power[j] * willing
                             * (1.0 + shared[r, i, j]))
                held = secondary_stake[r, i, j]
                s_own = 0.0 if i == j else s[r, i, j]  # i's sanctions on j
                out[r, i, j] = (value_rate * value - resentment_rate * (s_t + s_own)
                                - secondary_rate * held)
