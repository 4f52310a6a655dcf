"""Compiled functions that compile (or load from numba's cache) on first use.

Why: declaring a numba function at import loads numba and its cached machine code, about
half a second, in every process that imports the module, even one that never runs a month:
`sim validate` needs the drivers' declarations (their rates) but none of their kernels.
A lazy function is the same compiled function from its first call on, so no number
changes; its attributes (``py_func``, a ufunc's ``reduce``) are the compiled function's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any


class LazyCompiled:
    """``build()`` makes the compiled function, once, on first use."""

    def __init__(self, build: Callable[[], Any], python: Callable):
        self._build = build
        self._compiled: Any = None
        self._lock = threading.Lock()
        functools.update_wrapper(self, python)

    def compiled(self) -> Any:
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._build()
        return self._compiled

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_build", "_compiled", "_lock"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)


def lazy_vectorize(signatures: list[str], **options: Any) -> Callable[[Callable], LazyCompiled]:
    """`numba.vectorize(signatures, **options)`, compiled on first use."""
    def wrap(python: Callable) -> LazyCompiled:
        def build():
            from numba import vectorize

            return vectorize(signatures, **options)(python)
        return LazyCompiled(build, python)
    return wrap


def lazy_njit(**options: Any) -> Callable[[Callable], LazyCompiled]:
    """`numba.njit(**options)`, compiled on first use. Only for functions called from
    Python: compiled code cannot call a lazy function."""
    def wrap(python: Callable) -> LazyCompiled:
        def build():
            from numba import njit

            return njit(**options)(python)
        return LazyCompiled(build, python)
    return wrap
