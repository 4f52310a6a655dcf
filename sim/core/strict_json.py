"""JSON that every reader accepts: a number that is not finite is written as null.

Why: Python's json writes NaN and Infinity, which are not JSON; jq, browsers' JSON.parse
and most other tools refuse the whole file (a 1e308 cell made `sim blocs --json` print
Infinity). Every JSON file and print of this program goes through `dumps`.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite_or_null(value: Any) -> Any:
    """``value`` with every float that is not finite replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """`json.dumps` of ``value`` as strict JSON (see the module's docstring)."""
    return json.dumps(finite_or_null(value), allow_nan=False, **kwargs)
