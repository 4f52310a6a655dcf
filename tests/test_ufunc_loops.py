"""NumPy's own exp, expm1 and tanh loops, called from compiled code, give NumPy's numbers to
the last bit (`sim.core.ufunc_loops`): whatever the values (infinities, NaN, subnormals,
overflow, -0.0), the length of the run and where it starts in memory (the vector loops'
tails and alignment), and computed in place as well as into another array."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from sim.core.ufunc_loops import UfuncLayoutError, apply_loop, float64_loop, loop_arguments


@njit(cache=True)
def _rows_by_loop(function, data, x, out, lengths, offsets):
    """out[k, o:o + n] = f(x[k, o:o + n]) for each row k's length n and offset o."""
    words = np.empty(5, dtype=np.int64)
    for k in range(x.shape[0]):
        lo, hi = offsets[k], offsets[k] + lengths[k]
        apply_loop(function, data, x[k, lo:hi], out[k, lo:hi], words)


@njit(cache=True)
def _in_place(function, data, x):
    words = np.empty(5, dtype=np.int64)
    flat = x.reshape(x.size)
    apply_loop(function, data, flat, flat, words)


def _hard_values(g: np.random.Generator, size: int) -> np.ndarray:
    x = np.concatenate([
        g.uniform(-50.0, 50.0, size),
        g.uniform(-800.0, 800.0, size // 4),  # overflow and underflow of exp
        g.normal(0.0, 1e-3, size // 4),
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310,
                  709.78, 709.79, -745.13, -745.14, 19.06, 22.0, 1e300, -1e300]),
    ])
    return g.permutation(x)


@pytest.mark.parametrize("ufunc", [np.exp, np.tanh, np.expm1])
def test_the_loop_gives_numpys_bits_for_every_length_and_offset(ufunc):
    g = np.random.default_rng(17)
    rows = 67
    width = 96
    x = _hard_values(g, rows * width)[: rows * width].reshape(rows, width)
    lengths = np.arange(1, rows + 1, dtype=np.int64)  # 1 to 67: every tail length
    offsets = np.arange(rows, dtype=np.int64) % 9  # misaligned starts
    out = np.full_like(x, 7.0)
    _rows_by_loop(*loop_arguments(ufunc), x, out, lengths, offsets)
    with np.errstate(all="ignore"):
        want = ufunc(x)
    for k in range(rows):
        lo, hi = offsets[k], offsets[k] + lengths[k]
        got_row, want_row = out[k, lo:hi], want[k, lo:hi]
        assert np.array_equal(got_row.view(np.uint64), want_row.view(np.uint64)), (
            f"{ufunc.__name__}: row {k} (length {hi - lo}, offset {lo}) differs from NumPy")
        untouched = np.r_[out[k, :lo], out[k, hi:]]
        assert (untouched == 7.0).all(), "the loop wrote outside its run"


@pytest.mark.parametrize("ufunc", [np.exp, np.tanh, np.expm1])
def test_the_loop_in_place_equals_numpy(ufunc):
    g = np.random.default_rng(5)
    x = _hard_values(g, 4000)
    got = x.copy()
    _in_place(*loop_arguments(ufunc), got)
    with np.errstate(all="ignore"):
        want = ufunc(x)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_the_loop_is_found_and_checked():
    loop = float64_loop(np.tanh)
    assert loop.name == "tanh"
    assert float64_loop(np.tanh) is loop  # read once
    with pytest.raises(UfuncLayoutError):
        float64_loop(np.add)  # not a unary loop
    with pytest.raises(UfuncLayoutError):
        float64_loop(np.isnan)  # no float64 -> float64 loop
