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

#: Months a trend word reads: one month's change is mostly that month's shock, and a word
#: that flips from month to month on noise tells the room nothing.
TREND_MONTHS = 3
#: A change is called a trend when it exceeds this many standard deviations of what the
#: model's own noise alone would move the dyad over the same months (about one time in
#: twenty by chance).
TREND_SIGMAS = 2.0
#: Never call a change a trend that two decimals cannot show.
TREND_FLOOR = 0.01

#: Drivers named in the one-line summary; the rest are summed as "other drivers".
TOP_DRIVERS = 3


def signed(x: float) -> str:
    """Two decimals with a sign, and "0.00" (not "-0.00") for what rounds to nothing."""
    text = f"{x:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def noise_band(level: float, noise_sd: float, months: int) -> float:
    """The change a dyad at alignment ``level`` makes over ``months`` months from the model's
    own noise alone, at `TREND_SIGMAS` standard deviations (at least `TREND_FLOOR`).

    Why this size: the noise is ``noise_sd`` a month in the latent level, and alignment is
    its tanh, whose slope at ``level`` is 1 - level²; independent monthly shocks add up to
    sqrt(months) times one month's. A dyad near a bound moves little for the same shock,
    so its band is narrower; the floor keeps a trend visible at two decimals.
    """
    slope = max(0.0, 1.0 - level * level)
    return max(TREND_FLOOR, TREND_SIGMAS * noise_sd * slope * float(np.sqrt(max(months, 1))))


def trend_label(change: float, band: float) -> str:
    """'strengthening', 'stable' or 'weakening': a change within ``band`` (`noise_band`) is
    what noise alone could do, so it is called stable."""
    if abs(change) <= band:
        return "stable"
    return "strengthening" if change > 0 else "weakening"


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
    band: float = TREND_FLOOR  # what noise alone gives over the period (`noise_band`)

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def label(self) -> str:
        """The trend word of this period's change against the model's own noise."""
        return trend_label(self.change, self.band)

    def headline(self, top: int = TOP_DRIVERS) -> str:
        """E.g. 'Russia→Iran +0.06: sanctions pressure +0.04, shared threat +0.03, …'."""
        main = [f"{p.label} {signed(p.value)}" for p in self.parts[:top]]
        rest = sum(p.value for p in self.parts[top:])
        if abs(rest) >= 0.005:
            main.append(f"other drivers {signed(rest)}")
        if abs(self.clip) >= 0.005:
            main.append(f"held at the bound {signed(self.clip)}")
        if abs(self.adjustment) >= 0.005:
            main.append(f"White adjustment {signed(self.adjustment)}")
        return (f"{self.source_name}→{self.target_name} {signed(self.change)} ({self.period}, "
                f"{self.label}): " + ", ".join(main))

    def text(self) -> str:
        lines = [self.headline(),
                 f"  from {signed(self.before)} to {signed(self.after)}; 'stable' means within "
                 f"±{self.band:.2f}, what the model's own noise gives over {self.months} "
                 "month(s)"]
        lines += [f"  {p.label:<38} {signed(p.value)}" for p in self.parts if abs(p.value) >= 0.005]
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
    band = noise_band(before, float(world.p.noise_sd), last - first + 1)
    return Why(ro.ids[i], ro.ids[j], ro.names[i], ro.names[j], first, last, period, before,
               after, parts, clip=resolved - float(total.sum()),
               adjustment=after - before - resolved, events=tuple(events), moves=tuple(moves),
               band=band)
