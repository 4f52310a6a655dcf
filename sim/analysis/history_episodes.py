"""The documented episodes of the history replay, and how a replay registers them.

The documents say that some dated events moved Russia-Iran visibly: the Bushehr deal, the UN
sanctions votes, the Syrian intervention, the Hamadan row, the 2022 invasion, Assad's fall.
`sim/data/history_episodes.toml` gives each one the size the documents imply, with the
reading behind it, and the shape the whole history must have. This module reads that file
and measures a replay against it. The tests use it to hold the model to the file, and
`sim calibrate` (with ``episodes = true``) uses it to fit the global rates and weights to
the episodes, so that a fit to the votes cannot silently trade them away.

The file's header defines every measurement: the ensemble mean series m(X), the windows and
the four statistics (level, change, trough, peak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import Month, month_index
from sim.core.config_errors import validate_file
from sim.core.paths import DATA_DIR
from sim.core.provenance import Citation

EPISODES_FILE = DATA_DIR / "history_episodes.toml"

Period = Annotated[list[Month], Field(min_length=2, max_length=2,
                                      description="first and last month, inclusive")]
DyadName = Annotated[str, Field(pattern=r"^[A-Z]{2,4}:[A-Z]{2,4}$",
                                description="SOURCE:TARGET, the source's view of the target")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(period: list[str] | None, name: str) -> None:
    if period is not None and month_index(period[1], period[0]) < 0:
        raise ValueError(f"{name}: {period[1]} is before {period[0]}")


class Ref(_Strict):
    """What an episode rests on in the scenario: an event (its date), a sanctions regime (a
    date of its schedule) or a treaty (its signing date)."""

    kind: Literal["events", "sanctions", "treaties"]
    id: str
    date: Month


class Check(_Strict):
    dyad: DyadName
    statistic: Literal["level", "change", "trough", "peak"]
    before: Period | None = None
    after: Period
    low: float | None = Field(default=None, ge=-2.0, le=2.0)
    high: float | None = Field(default=None, ge=-2.0, le=2.0)

    @model_validator(mode="after")
    def _consistent(self) -> Check:
        if self.low is None and self.high is None:
            raise ValueError("a check needs a bound: low, high or both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        if self.statistic != "level" and self.before is None:
            raise ValueError(f"a {self.statistic!r} check needs a 'before' window")
        _ordered(self.before, "before")
        _ordered(self.after, "after")
        return self

    def bounds(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:+.2f}"
        hi = "+inf" if self.high is None else f"{self.high:+.2f}"
        return f"[{lo}, {hi}]"


class Episode(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    title: str = Field(min_length=3)
    reading: str = Field(min_length=10, description="how the documents are read, in a sentence")
    refs: list[Ref] = Field(min_length=1)
    evidence: Citation
    size_evidence: Citation
    checks: list[Check] = Field(min_length=1)
    model_agrees: bool = True
    disagreement: str | None = Field(
        default=None, description="where the model misses the episode, what it measures and "
                                  "why: the episode runs as a strict xfail, reported, not hidden")

    @model_validator(mode="after")
    def _explained(self) -> Episode:
        if not self.model_agrees and len(self.disagreement or "") < 40:
            raise ValueError("an episode the model misses needs its disagreement explained")
        return self


class Exemption(_Strict):
    dyad: DyadName
    refs: list[Ref] = Field(min_length=1)
    evidence: Citation


class Sign(_Strict):
    dyad: DyadName
    period: Period
    sign: Literal["positive", "negative"]
    evidence: Citation


class Shape(_Strict):
    early: Period
    whole: Period
    max_early_share: float = Field(gt=0.0, le=1.0)
    key_dyads: list[DyadName] = Field(min_length=1)
    reason: str = Field(min_length=3)
    exemptions: list[Exemption] = []
    signs: list[Sign] = []


class EpisodeFile(_Strict):
    tolerance_se: float = Field(ge=0.0, le=4.0, description="tolerance in standard errors")
    tolerance_reason: str = Field(min_length=3)
    episodes: list[Episode] = Field(min_length=1)
    shape: Shape

    @model_validator(mode="after")
    def _unique(self) -> EpisodeFile:
        ids = [e.id for e in self.episodes]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"episode ids must be unique; repeated: {', '.join(dup)}")
        return self


def load_episodes(path: Path = EPISODES_FILE) -> EpisodeFile:
    """Read and validate the episode file; a bad one raises `ConfigError` naming the field."""
    return validate_file(path, EpisodeFile)


class Replay:
    """One replay of the history: the ensemble mean series m (S+1, N, N) and the replicates'
    alignment (S+1, R, N, N), row k + 1 being the state after month k of the scenario."""

    def __init__(self, start: str, ids: Sequence[str], alignment: np.ndarray):
        self.start = start
        self.ids = list(ids)
        self.alignment = alignment
        self.mean = alignment.mean(axis=1)

    def rows(self, dyad: str) -> tuple[int, int]:
        s, t = dyad.split(":")
        return self.ids.index(s), self.ids.index(t)

    def series(self, dyad: str) -> np.ndarray:
        """m(X) of the dyad for every row (row 0: before the first month)."""
        i, j = self.rows(dyad)
        return self.mean[:, i, j]

    def window(self, x: np.ndarray, period: list[str]) -> np.ndarray:
        """Rows of ``x`` (rows as in the record) for the months of an inclusive window."""
        a, b = month_index(period[0], self.start), month_index(period[1], self.start)
        if a < 0 or b + 1 >= x.shape[0]:
            raise ValueError(f"window {period} is outside the run")
        return x[1 + a:2 + b]

    def statistic(self, check: Check, x: np.ndarray | None = None) -> float:
        """The check's statistic on the series ``x`` (default: the ensemble mean)."""
        x = self.series(check.dyad) if x is None else x
        after = self.window(x, check.after)
        if check.statistic == "level":
            return float(after.mean())
        base = float(self.window(x, check.before).mean())  # type: ignore[arg-type]
        pick = {"change": np.mean, "trough": np.min, "peak": np.max}[check.statistic]
        return float(pick(after)) - base

    def spread(self, check: Check) -> float:
        """Standard error of the statistic: its spread over the replicates / sqrt(R)."""
        i, j = self.rows(check.dyad)
        per = [self.statistic(check, self.alignment[:, r, i, j])
               for r in range(self.alignment.shape[1])]
        return float(np.std(per, ddof=1) / np.sqrt(len(per)))

    def movement(self, dyad: str, period: list[str]) -> float:
        """Sum over the window's months of |m(month) - m(month before)|."""
        x = self.series(dyad)
        a, b = month_index(period[0], self.start), month_index(period[1], self.start)
        return float(np.abs(np.diff(x[a:b + 2])).sum())




@dataclass(frozen=True)
class CheckResult:
    """One check measured on a replay. ``slack`` is how far the ensemble statistic lies
    inside the documented range (negative: outside it, by that much); the check passes when
    it is outside by no more than ``tolerance`` (``tolerance_se`` standard errors)."""

    check: Check
    value: float
    se: float
    tolerance: float

    @property
    def slack(self) -> float:
        low = np.inf if self.check.low is None else self.value - self.check.low
        high = np.inf if self.check.high is None else self.check.high - self.value
        return float(min(low, high))

    @property
    def passes(self) -> bool:
        return self.slack >= -self.tolerance

    def describe(self) -> str:
        c = self.check
        return (f"{c.dyad} {c.statistic} {c.before or ''} -> {c.after}: {self.value:+.3f} "
                f"{'inside' if self.slack >= 0 else 'outside'} {c.bounds()} "
                f"(tolerance {self.tolerance:.3f}, standard error {self.se:.3f})")


def measure_check(check: Check, replay: Replay, tolerance_se: float) -> CheckResult:
    se = replay.spread(check)
    return CheckResult(check, replay.statistic(check), se, tolerance_se * se)


def episode_results(episodes: EpisodeFile, replay: Replay) -> dict[str, list[CheckResult]]:
    """Every check of every episode, by episode id."""
    return {e.id: [measure_check(c, replay, episodes.tolerance_se) for c in e.checks]
            for e in episodes.episodes}


def shape_problems(shape: Shape, replay: Replay) -> list[str]:
    """What breaks the history's shape: a key dyad that makes more than the allowed share of
    its movement early without an exempting cause, or a sign period with the other sign."""
    exempt = {x.dyad for x in shape.exemptions}
    problems = []
    for dyad in shape.key_dyads:
        early = replay.movement(dyad, shape.early)
        whole = replay.movement(dyad, shape.whole)
        share = early / whole if whole > 0 else 0.0
        if share > shape.max_early_share and dyad not in exempt:
            problems.append(f"{dyad} moves {early:.3f} in {'..'.join(shape.early)}, "
                            f"{share:.0%} of its {whole:.3f} over {'..'.join(shape.whole)} "
                            f"(at most {shape.max_early_share:.0%} without a cited cause)")
    for sign in shape.signs:
        mean = float(replay.window(replay.series(sign.dyad), sign.period).mean())
        if (mean > 0) != (sign.sign == "positive") or mean == 0:
            problems.append(f"{sign.dyad} averages {mean:+.3f} over "
                            f"{'..'.join(sign.period)}; expected {sign.sign}")
    return problems


def months_needed(episodes: EpisodeFile, start: str) -> int:
    """Months a run from ``start`` must last for every window of the file to be inside it."""
    periods = [p for e in episodes.episodes for c in e.checks
               for p in (c.before, c.after) if p is not None]
    periods += [episodes.shape.early, episodes.shape.whole]
    periods += [s.period for s in episodes.shape.signs]
    return max(month_index(p[1], start) + 1 for p in periods)
