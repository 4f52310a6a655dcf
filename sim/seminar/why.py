"""Why did a dyad move this turn? Its change in plain words and numbers.

Every resolved month keeps each driver's term for every dyad (`keep_terms=True`), and the
change of a[i, j] is the sum of those terms (plus, rarely, a clip at ±1). A White
adjustment after the resolution is reported on its own line, never hidden in a driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.actions import DYADIC_NAMES, Dyadic
from sim.dynamics.drivers import TERMS
from sim.dynamics.engine import MonthResult
from sim.dynamics.state import State
from sim.dynamics.world import World

#: Below this mean change per month (in absolute value) a dyad is called "stable".
#: Why 0.005: it is about a third of a dyad's typical month-to-month movement in the
#: baseline (median |change| 0.014, mostly unmodelled shocks), and a steady 0.005 a month
#: adds up to 0.06 a year, about the smallest shift the documents' wording ("closer",
#: "cooler") would register. One month's label reads that month, shock included; a trend
#: is read over several months (`months=` of `Session.why`) or in the cone of futures.
STABLE_PER_MONTH = 0.005

#: Drivers named in the one-line summary; the rest are summed as "other drivers".
TOP_DRIVERS = 3


def trend_label(change_per_month: float) -> str:
    """'strengthening', 'stable' or 'weakening' (see `STABLE_PER_MONTH`)."""
    if abs(change_per_month) < STABLE_PER_MONTH:
        return "stable"
    return "strengthening" if change_per_month > 0 else "weakening"


@dataclass(frozen=True)
class DriverPart:
    driver: str
    label: str
    value: float


@dataclass(frozen=True)
class Why:
    """A dyad's change over resolved turns ``first``..``last`` (inclusive), by driver."""

    source: str
    target: str
    source_name: str
    target_name: str
    first: int
    last: int
    period: str  # "2025-03" or "2025-01 to 2025-06"
    before: float
    after: float
    parts: tuple[DriverPart, ...]  # every driver, largest |value| first
    clip: float  # change the bound of [-1, 1] took away
    adjustment: float  # White's adjustments after resolution
    events: tuple[str, ...]  # events that fired in the period
    moves: tuple[str, ...]  # the two actors' moves towards each other that were not maintain

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def label(self) -> str:
        return trend_label(self.change / self.months)

    def headline(self, top: int = TOP_DRIVERS) -> str:
        """E.g. 'Russia→Iran +0.06: sanctions pressure +0.04, shared threat +0.03, …'."""
        main = [f"{p.label} {p.value:+.3f}" for p in self.parts[:top]]
        rest = sum(p.value for p in self.parts[top:])
        if abs(rest) >= 5e-4:
            main.append(f"other drivers {rest:+.3f}")
        if abs(self.clip) >= 5e-4:
            main.append(f"held at the bound {self.clip:+.3f}")
        if abs(self.adjustment) >= 5e-4:
            main.append(f"White adjustment {self.adjustment:+.3f}")
        return (f"{self.source_name}→{self.target_name} {self.change:+.3f} ({self.period}, "
                f"{self.label}): " + ", ".join(main))

    def text(self) -> str:
        lines = [self.headline(),
                 f"  from {self.before:+.3f} to {self.after:+.3f}; 'stable' means less than "
                 f"{STABLE_PER_MONTH} a month either way"]
        lines += [f"  {p.label:<38} {p.value:+.4f}" for p in self.parts if abs(p.value) >= 5e-5]
        lines += [f"  event: {e}" for e in self.events]
        lines += [f"  move: {m}" for m in self.moves]
        return "\n".join(lines)


def dyad_why(world: World, starts: Sequence[State], results: Sequence[MonthResult], i: int,
             j: int, first: int, last: int) -> Why:
    """The change of a[i, j] over resolved turns ``first``..``last``, from each turn's
    starting state (``starts``, after White's adjustments) and the engine's results."""
    ro = world.roster
    span = range(first, last + 1)
    events, moves = [], []
    for t in span:
        res = results[t]
        events += [lab for lab, _ in res.fired]
        for a, b in ((i, j), (j, i)):
            code = int(res.dyadic[0, a, b])
            if code != Dyadic.MAINTAIN:
                moves.append(f"{ro.ids[a]} chose {DYADIC_NAMES[code]} towards {ro.ids[b]} "
                             f"({world.date(t)})")
    terms = np.stack([results[t].terms[0, :, i, j] for t in span])
    total = terms.sum(axis=0)
    order = np.argsort(-np.abs(total), kind="stable")
    parts = tuple(DriverPart(TERMS[k].name, TERMS[k].label, float(total[k])) for k in order)
    before = float(starts[first].alignment[0, i, j])
    after = float(starts[last + 1].alignment[0, i, j])
    resolved = sum(float(results[t].alignment[0, i, j] - starts[t].alignment[0, i, j])
                   for t in span)
    period = world.date(first) if first == last else f"{world.date(first)} to {world.date(last)}"
    return Why(ro.ids[i], ro.ids[j], ro.names[i], ro.names[j], first, last, period, before,
               after, parts, clip=resolved - float(total.sum()),
               adjustment=after - before - resolved, events=tuple(events), moves=tuple(moves))
