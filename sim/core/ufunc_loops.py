"""NumPy's own inner loops of ``exp``, ``expm1`` and ``tanh``, callable from compiled code.

Why: the model's numbers are those of NumPy's vectorised ``exp`` and ``tanh``; the golden
reference holds them to the last bit. The C library's scalar functions, which compiled
code calls otherwise, differ from them in the last bit and are several times slower
(decision record 0013). So every compiled pass stopped where a transcendental was needed,
and NumPy made a pass of its own over the whole block. Called through NumPy's own loop, a
compiled pass computes them for the rows it has in cache, bit for bit as NumPy does.

How: a ufunc keeps one inner loop per type signature in a table of C function pointers,
with a data pointer for each (``PyUFuncObject.functions`` and ``.data``, public C API in
``numpy/ufuncobject.h``). The float64 loop's pointers are read once, and the fields read
with them are checked first: the ufunc's name, its number of arguments and of loops must
be what Python says they are. If they are not, this NumPy lays the struct out otherwise,
and a `UfuncLayoutError` says so; nothing guesses. tests/test_ufunc_loops.py holds the
loops to NumPy's ufuncs bit for bit, infinities, NaN and subnormals included.

The loops are passed to compiled functions as integer addresses and called through a small
intrinsic (`_call_loop`). Numba caches a function that receives an address at run time;
one written into its code could not be cached.
"""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic

#: Byte offsets of the fields read, after PyObject_HEAD (16 bytes) and four ints (nin,
#: nout, nargs, identity).
_NARGS, _FUNCTIONS, _DATA, _NTYPES, _NAME, _TYPES = 24, 32, 40, 48, 56, 64


class UfuncLayoutError(RuntimeError):
    """NumPy's ufunc struct is not laid out as this module reads it."""


@dataclass(frozen=True)
class Loop:
    """A ufunc's float64 -> float64 inner loop: its address and its data pointer."""

    name: str
    address: int
    data: int


@functools.cache
def float64_loop(ufunc: np.ufunc) -> Loop:
    """The inner loop NumPy runs for ``ufunc`` on float64 arrays (``exp``, ``tanh``)."""
    if ctypes.sizeof(ctypes.c_void_p) != 8 or ufunc.nin != 1 or ufunc.nout != 1:
        raise UfuncLayoutError(f"only unary float64 loops on 64-bit platforms ({ufunc})")
    at = id(ufunc)
    nargs = ctypes.c_int.from_address(at + _NARGS).value
    ntypes = ctypes.c_int.from_address(at + _NTYPES).value
    name_ptr = ctypes.c_void_p.from_address(at + _NAME).value
    name = ctypes.string_at(name_ptr).decode() if name_ptr else ""
    if (name, nargs, ntypes) != (ufunc.__name__, ufunc.nargs, ufunc.ntypes):
        raise UfuncLayoutError(
            f"NumPy {np.__version__} does not lay out its ufuncs as sim.core.ufunc_loops "
            f"reads them (read {name!r}, {nargs} arguments, {ntypes} loops; the ufunc "
            f"says {ufunc.__name__!r}, {ufunc.nargs}, {ufunc.ntypes})")
    types_read = ctypes.string_at(ctypes.c_void_p.from_address(at + _TYPES).value,
                                  ntypes * nargs)
    want = bytes([np.dtype(np.float64).num] * 2)
    for k in range(ntypes):
        if types_read[k * nargs:(k + 1) * nargs] == want:
            functions = ctypes.c_void_p.from_address(at + _FUNCTIONS).value
            data = ctypes.c_void_p.from_address(at + _DATA).value
            address = ctypes.c_void_p.from_address(functions + 8 * k).value
            if not address:
                break
            payload = ctypes.c_void_p.from_address(data + 8 * k).value if data else 0
            return Loop(name, address, payload or 0)
    raise UfuncLayoutError(f"{ufunc.__name__} has no float64 loop of its own")


@intrinsic
def _call_loop(typingctx, address, args, dimensions, steps, data):
    """Call the C function at ``address`` as ``void f(args, dimensions, steps, data)``,
    every argument a 64-bit word.

    Why an intrinsic: the address comes in as an integer at run time, so Numba caches the
    functions that call it (an address written into their code could not be cached) and
    its dispatcher types an integer at once (a ctypes function as argument cost about
    5 µs a call to type)."""
    word = types.int64
    sig = types.void(word, word, word, word, word)

    def codegen(context, builder, signature, arguments):
        function_type = ir.FunctionType(ir.VoidType(), [ir.IntType(64)] * 4)
        function = builder.inttoptr(arguments[0], function_type.as_pointer())
        builder.call(function, arguments[1:])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def apply_loop(address, data, x, out, words):
    """``out[:] = f(x)`` elementwise by the ufunc's loop at ``address`` (with its ``data``),
    for contiguous 1-D ``x`` and ``out`` of one length (the same array for in place);
    ``words`` is int64 scratch of length 5 (the loop's argument, length and step words)."""
    words[0] = x.ctypes.data
    words[1] = out.ctypes.data
    words[2] = x.shape[0]
    words[3] = 8
    words[4] = 8
    base = np.int64(words.ctypes.data)
    _call_loop(np.int64(address), base, base + 16, base + 24, np.int64(data))


def loop_arguments(ufunc: np.ufunc) -> tuple[int, int]:
    """(address, data) of ``ufunc``'s float64 loop, as compiled functions take them."""
    loop = float64_loop(ufunc)
    return loop.address, loop.data
