"""The inverse of the standard normal distribution function, compiled: the noise stream's
normal draws from its uniforms.

Why our own: the noise stream was SciPy's ``ndtri`` applied to the uniforms, and the issue
that asked for speed also asked that the streams stay the same to the last bit. SciPy's
``ndtri`` is Moshier's Cephes routine, three rational approximations in Horner form, a
square root and the C library's ``log``; written here with the same coefficients and the
same operations in the same order (no fused multiply-adds), it gives the same bits for
every input (tests/test_rng.py checks millions of draws, the deep tails and the edges
against SciPy itself). Compiled, it runs inside the draw's own loop, with no temporary
array, and the central interval (73% of draws) as branch-free vector code; and a process
that draws noise no longer imports SciPy for it (about a third of a second of every
command's and every sweep worker's start, measured with ``python -X importtime``).

Credit: the approximation and its coefficients are from the Cephes Math Library, Copyright
1984, 1987, 1989 by Stephen L. Moshier, which SciPy distributes under the BSD 3-clause
licence with the author's permission. The code here is this project's (decision record
0018).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: exp(-2): below it (and above 1 - it) the tails' approximations take over.
_TAIL = 0.13533528323661269189
_SQRT_2PI = 2.50662827463100050242

# Cephes' coefficients, highest power first; the Q tables omit their leading 1.
# |u - 0.5| <= 3/8 (the centre): x / sqrt(2 pi) = w + w^3 P0(w^2) / Q0(w^2), w = u - 0.5
_P0 = np.array([-5.99633501014107895267E1, 9.80010754185999661536E1,
                -5.66762857469070293439E1, 1.39312609387279679503E1,
                -1.23916583867381258016E0])
_Q0 = np.array([1.95448858338141759834E0, 4.67627912898881538453E0,
                8.63602421390890590575E1, -2.25462687854119370527E2,
                2.00260212380060660359E2, -8.20372256168333339912E1,
                1.59056225126211695515E1, -1.18331621121330003142E0])
# z = sqrt(-2 log u) in [2, 8): x = z - log(z) / z - P1(1/z) / (z Q1(1/z))
_P1 = np.array([4.05544892305962419923E0, 3.15251094599893866154E1,
                5.71628192246421288162E1, 4.40805073893200834700E1,
                1.46849561928858024014E1, 2.18663306850790267539E0,
                -1.40256079171354495875E-1, -3.50424626827848203418E-2,
                -8.57456785154685413611E-4])
_Q1 = np.array([1.57799883256466749731E1, 4.53907635128879210584E1,
                4.13172038254672030440E1, 1.50425385692907503408E1,
                2.50464946208309415979E0, -1.42182922854787788574E-1,
                -3.80806407691578277194E-2, -9.33259480895457427372E-4])
# z in [8, 64): the same form, other coefficients
_P2 = np.array([3.23774891776946035970E0, 6.91522889068984211695E0,
                3.93881025292474443415E0, 1.33303460815807542389E0,
                2.01485389549179081538E-1, 1.23716634817820021358E-2,
                3.01581553508235416007E-4, 2.65806974686737550832E-6,
                6.23974539184983293730E-9])
_Q2 = np.array([6.02427039364742014255E0, 3.67983563856160859403E0,
                1.37702099489081330271E0, 2.16236993594496635890E-1,
                1.34204006088543189037E-2, 3.28014464682127739104E-4,
                2.89247864745380683936E-6, 6.79019408009981274425E-9])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _horner(x, coefficients):
    acc = coefficients[0]
    for k in range(1, coefficients.shape[0]):
        acc = acc * x + coefficients[k]
    return acc


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _horner_monic(x, coefficients):
    """A polynomial whose leading coefficient, 1, is not in the table."""
    acc = x + coefficients[0]
    for k in range(1, coefficients.shape[0]):
        acc = acc * x + coefficients[k]
    return acc


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _centre(u):
    """The central approximation, meant for exp(-2) < u <= 1 - exp(-2)."""
    w = u - 0.5
    w2 = w * w
    return (w + w * (w2 * _horner(w2, _P0) / _horner_monic(w2, _Q0))) * _SQRT_2PI


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _tail(u):
    """The tails' approximation, for 0 < u <= exp(-2) or 1 - exp(-2) < u < 1."""
    y = u
    lower = True
    if y > 1.0 - _TAIL:
        y = 1.0 - y
        lower = False
    z = np.sqrt(-2.0 * np.log(y))
    x0 = z - np.log(z) / z
    inv = 1.0 / z
    if z < 8.0:
        x1 = inv * _horner(inv, _P1) / _horner_monic(inv, _Q1)
    else:
        x1 = inv * _horner(inv, _P2) / _horner_monic(inv, _Q2)
    x = x0 - x1
    return -x if lower else x


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def inverse_normal(u):
    """x with Phi(x) = u: -inf at 0, +inf at 1, NaN outside [0, 1] (as SciPy's ``ndtri``)."""
    if u == 0.0:
        return -np.inf
    if u == 1.0:
        return np.inf
    if not (0.0 < u < 1.0):
        return np.nan
    if _TAIL < u <= 1.0 - _TAIL:
        return _centre(u)
    return _tail(u)


@njit(cache=True, nogil=True, error_model="numpy")
def inverse_normal_row(u, out):
    """``out[c] = inverse_normal(u[c])`` for a row (``out`` may not be ``u``).

    Why two passes: the central formula, computed for every cell without a branch, becomes
    vector code; the tails (about 27% of uniform draws) are then put right one by one.
    Each cell ends with exactly the value `inverse_normal` gives it."""
    n = u.shape[0]
    for c in range(n):
        out[c] = _centre(u[c])
    for c in range(n):
        v = u[c]
        if not (_TAIL < v <= 1.0 - _TAIL):
            out[c] = inverse_normal(v)
