"""Counter-based random numbers keyed by (seed, step, stream, index).

Why not a sequential generator: a replicate's numbers must not depend on how many other
replicates share its batch, on the order in which agents act, or on whether a human took
over some actor's decision. A keyed hash gives every draw a fixed address, so the Mesa
per-agent path and the batched path see the same numbers for the same seed.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied in a
chain over the key parts; it is a bijection on 64-bit words with good avalanche, which is
what a counter-based generator needs (Salmon et al. 2011 use the same construction idea
for Philox/Threefry with stronger rounds).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np
from numba import njit

from sim.core.inverse_normal import inverse_normal_row

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = (np.uint64(s) for s in (30, 27, 31))


class Stream(IntEnum):
    """Independent families of draws; each use of randomness gets its own."""

    NOISE = 1
    DYADIC_CHOICE = 2
    THEATRE_CHOICE = 3
    EVENT_HAZARD = 4


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _keys_numpy(seeds: np.ndarray, step: int, stream: int) -> np.ndarray:
    """The keys by NumPy operations: the reference `keys` is checked against."""
    with np.errstate(over="ignore"):
        k = _mix(np.asarray(seeds, dtype=np.uint64) + _GOLDEN)
        k = _mix(k + np.uint64(step + 1) * _GOLDEN)
        return _mix(k + np.uint64(int(stream)) * _GOLDEN)


@njit(cache=True, nogil=True, error_model="numpy")
def _keys_kernel(seeds, step_word, stream_word, out):
    """The mixing chain of `_keys_numpy` in one compiled loop (a month asks for four
    streams' keys; as NumPy operations that was a dozen calls each)."""
    for r in range(seeds.shape[0]):
        z = finalise(seeds[r] + _GOLDEN)
        z = finalise(z + step_word * _GOLDEN)
        out[r] = finalise(z + stream_word * _GOLDEN)


def keys(seeds: np.ndarray, step: int, stream: int) -> np.ndarray:
    """(R,) uint64: each replicate's key for the draws of (step, stream)."""
    seeds = _seed_array(seeds)
    out = np.empty(seeds.shape[0], dtype=np.uint64)
    _keys_kernel(seeds, np.uint64(step + 1), np.uint64(int(stream)), out)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _month_keys_kernel(seeds, step_word, out):
    """``out[s - 1]`` = the keys of stream s, for every stream, by `_keys_kernel`."""
    for s in range(out.shape[0]):
        _keys_kernel(seeds, step_word, np.uint64(s + 1), out[s])


def month_keys(seeds: np.ndarray, step: int) -> np.ndarray:
    """(len(Stream), R) uint64: row ``stream - 1`` holds each replicate's key for the draws
    of (step, stream), the same words as `keys`. Why all at once: a month draws from every
    stream, and each call of `keys` is a compiled call with its own allocation; the
    per-agent path asked for the two choice streams once per agent
    (`sim.dynamics.state.State.month_keys` keeps them for the month)."""
    seeds = _seed_array(seeds)
    out = np.empty((len(Stream), seeds.shape[0]), dtype=np.uint64)
    _month_keys_kernel(seeds, np.uint64(step + 1), out)
    return out


def uniform_keyed(keys_of_stream: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`uniform` from the replicates' keys of its (step, stream) (a row of `month_keys`):
    the same draws."""
    out = np.empty((keys_of_stream.shape[0], math.prod(shape)))
    _uniform_kernel(keys_of_stream, out)
    return out.reshape((keys_of_stream.shape[0], *shape))


def _seed_array(seeds) -> np.ndarray:
    """The seeds as a contiguous 1-D uint64 array; a state's own seeds already are one, and
    are passed through without the conversions (a few microseconds each, four times a
    month: much of a small batch's month)."""
    if (type(seeds) is np.ndarray and seeds.dtype == np.uint64 and seeds.ndim == 1
            and seeds.flags.c_contiguous):
        return seeds
    return np.ascontiguousarray(np.atleast_1d(seeds), dtype=np.uint64)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def finalise(z):
    """SplitMix64's finaliser of one 64-bit word (`_mix`, compiled): every compiled draw
    and key uses this one function."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def word_to_uniform(z):
    """The top 53 bits of a mixed word, centred in their interval: a uniform in (0, 1)."""
    return (np.float64(z >> np.uint64(11)) + 0.5) * 2.0**-53


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _uniform_row(key, row):
    """row[c] = the c-th uniform of the replicate keyed ``key``: the same mixing as `_mix`,
    compiled, so a month's draws cost one pass instead of a dozen array passes."""
    word = key  # the c-th draw's word is key + (c + 1) x golden, modulo 2^64
    for c in range(row.shape[0]):
        word += _GOLDEN  # by addition: the compiler vectorises it, not the product
        row[c] = word_to_uniform(finalise(word))


@njit(cache=True, nogil=True, error_model="numpy")
def _uniform_kernel(keys, out):
    """out[r, c] = the c-th uniform of the replicate keyed ``keys[r]``."""
    for r in range(out.shape[0]):
        _uniform_row(keys[r], out[r])


def _draw_rows(seeds: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The seeds as uint64 and an empty (R, prod(shape)) array for their draws."""
    seeds = _seed_array(seeds)
    return seeds, np.empty((len(seeds), math.prod(shape)))


def uniform(seeds: np.ndarray, step: int, stream: int, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform draws in the open interval (0, 1), shaped ``(len(seeds), *shape)``.

    Element ``[r, *idx]`` depends only on ``seeds[r]``, ``step``, ``stream`` and ``idx``:
    the word is the mix of the replicate's key plus (flat index + 1) times the golden
    ratio, its top 53 bits centred in their interval.
    """
    return uniform_keyed(keys(seeds, step, stream), shape)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def normal_row(key, work, out):
    """out[c] = the inverse normal of the c-th uniform of the replicate keyed ``key``
    (`_uniform_row`, then `inverse_normal_row`); ``work`` is scratch for the uniforms, as
    long as ``out``. The month's resolution draws each replicate's noise with it
    (`sim.dynamics.kernels.month.resolve_block`)."""
    _uniform_row(key, work)
    inverse_normal_row(work, out)


@njit(cache=True, nogil=True, error_model="numpy")
def _normal_kernel(keys, out, work):
    """out[r] = `normal_row` of the replicate keyed ``keys[r]``."""
    for r in range(out.shape[0]):
        normal_row(keys[r], work, out[r])


def normal(seeds: np.ndarray, step: int, stream: int, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws by the inverse CDF of `uniform` (exact, elementwise): the same
    bits as SciPy's ``ndtri`` of those uniforms (`sim.core.inverse_normal`)."""
    seeds, out = _draw_rows(seeds, shape)
    _normal_kernel(keys(seeds, step, stream), out, np.empty(out.shape[1]))
    return out.reshape((len(seeds), *shape))


def derive_seed(*parts: int) -> int:
    """A 63-bit seed derived from integers (experiment seed, replicate, …) by chained mixing.

    Why: a sweep's runs need seeds that depend only on the experiment seed and the run's
    identity, never on the order in which workers pick them up.
    """
    with np.errstate(over="ignore"):
        k = _mix(np.array([0x5EED], dtype=np.uint64) + _GOLDEN)
        for part in parts:
            k = _mix(k + np.uint64(int(part) & 0xFFFFFFFFFFFFFFFF) * _GOLDEN)
    return int(k[0] >> np.uint64(1))
