"""Model time: months counted from the scenario's start, written as YYYY-MM."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def _check_month(text: str) -> str:
    m = _MONTH.fullmatch(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2025-01")
    return text


#: A calendar month, e.g. "2025-01".
Month = Annotated[str, AfterValidator(_check_month)]


def month_index(month: str, start: str) -> int:
    """Months from ``start`` to ``month`` (negative when before)."""
    y, m = (int(x) for x in month.split("-"))
    y0, m0 = (int(x) for x in start.split("-"))
    return (y - y0) * 12 + (m - m0)


def month_label(start: str, offset: int) -> str:
    """The month ``offset`` months after ``start``."""
    y0, m0 = (int(x) for x in start.split("-"))
    total = y0 * 12 + (m0 - 1) + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
