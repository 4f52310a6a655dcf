"""Targets from the documents, and how far a run meets them.

A scholar asks whether the model reproduces the past it was built from. The documents
do not give numbers for most years. They give orderings ("higher after 2014 than before"),
reactions ("fell after the Hamadan row") and rough levels ("good, not close"). Each becomes a
target over an ensemble. A target's *slack* is how far the ensemble mean clears its
condition, negative when it misses, so it is both a verdict and a smooth quantity to
calibrate on. Targets dated on or after ``held_out_from`` are held out of calibration
(`sim.analysis.calibration`) and reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import Month, month_index
from sim.core.config_errors import validate_file
from sim.core.paths import DATA_DIR
from sim.core.provenance import Citation

#: One-sided 5% normal quantile: how many standard errors a verdict needs.
Z = 1.6448536269514722

DEFAULT_TARGETS = DATA_DIR / "history_targets.toml"

Period = Annotated[list[Month], Field(min_length=2, max_length=2,
                                      description="first and last month, inclusive")]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    kind: Literal["ordinal", "directional", "range"]
    dyad: Annotated[str, Field(pattern=r"^[A-Z]{2,4}:[A-Z]{2,4}$",
                               description="SOURCE:TARGET, the source's view of the target")]
    higher: Period | None = None
    lower: Period | None = None
    before: Period | None = None
    after: Period | None = None
    direction: Literal["up", "down"] | None = None
    period: Period | None = None
    low: float | None = Field(default=None, ge=-1.0, le=1.0)
    high: float | None = Field(default=None, ge=-1.0, le=1.0)
    margin: float = Field(default=0.0, ge=0.0, le=2.0)
    evidence: Citation

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Target:
        need = {"ordinal": ("higher", "lower"), "directional": ("before", "after", "direction"),
                "range": ("period", "low", "high")}[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} target needs {', '.join(need)}; missing "
                             f"{', '.join(missing)}")
        for name in ("higher", "lower", "before", "after", "period"):
            p = getattr(self, name)
            if p is not None and month_index(p[1], p[0]) < 0:
                raise ValueError(f"{name}: {p[1]} is before {p[0]}")
        if self.kind == "range" and self.low > self.high:  # type: ignore[operator]
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self

    def periods(self) -> list[list[str]]:
        return [p for p in (self.higher, self.lower, self.before, self.after, self.period)
                if p is not None]

    def condition(self) -> str:
        """The target in words, for reports."""
        if self.kind == "ordinal":
            return (f"{self.dyad} higher in {'–'.join(self.higher)} than in "  # type: ignore[arg-type]
                    f"{'–'.join(self.lower)}")  # type: ignore[arg-type]
        if self.kind == "directional":
            return (f"{self.dyad} {'rises' if self.direction == 'up' else 'falls'} from "
                    f"{'–'.join(self.before)} to {'–'.join(self.after)}")  # type: ignore[arg-type]
        return f"{self.dyad} within [{self.low:+.2f}, {self.high:+.2f}] in {'–'.join(self.period)}"  # type: ignore[arg-type]


class TargetFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    held_out_from: Month = Field(description="targets reaching this month are held out")
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> TargetFile:
        ids = [t.id for t in self.targets]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"target ids must be unique; repeated: {', '.join(dup)}")
        return self

    def held_out(self, target: Target) -> bool:
        return any(month_index(p[1], self.held_out_from) >= 0 for p in target.periods())


def load_targets(path: Path | str = DEFAULT_TARGETS) -> TargetFile:
    """Read and validate a target file; a bad one raises `ConfigError` naming the field."""
    path = Path(path)
    return validate_file(path, TargetFile)


@dataclass(frozen=True)
class TargetResult:
    target: Target
    held_out: bool
    value: float  # ensemble mean of the target's statistic (difference or level)
    low: float  # 5% and 95% of the statistic across replicates
    high: float
    slack: float  # how far the mean clears the condition; < 0: missed
    se: float  # standard error of the mean statistic across replicates

    @property
    def verdict(self) -> str:
        """'met' or 'missed' when the mean clears or misses the condition by more than
        1.645 standard errors (one-sided 5%), else 'unclear': the replicates cannot tell."""
        if self.slack > Z * self.se:
            return "met"
        if self.slack < -Z * self.se:
            return "missed"
        return "unclear"

    @property
    def met(self) -> bool:
        return self.verdict == "met"


def _window_mean(series: np.ndarray, start: str, period: list[str]) -> np.ndarray:
    """Mean over an inclusive month range of (months, replicates) alignment after each
    month (row k = the state after month k of the scenario)."""
    a, b = month_index(period[0], start), month_index(period[1], start)
    if a < 0 or b >= series.shape[0]:
        raise ValueError(f"period {period[0]}–{period[1]} is outside the run "
                         f"({start} to month {series.shape[0]})")
    return series[a:b + 1].mean(axis=0)


def evaluate(target: Target, alignment: np.ndarray, ids: tuple[str, ...], start: str,
             held_out: bool = False) -> TargetResult:
    """One target on a run's alignment (S+1, R, N, N), month 0 being the initial state."""
    src, dst = target.dyad.split(":")
    if src not in ids or dst not in ids:
        raise ValueError(f"target {target.id}: dyad {target.dyad} names an actor not in the "
                         f"run ({', '.join(ids)})")
    series = alignment[1:, :, ids.index(src), ids.index(dst)].astype(np.float64)
    if target.kind == "ordinal":
        stat = (_window_mean(series, start, target.higher)  # type: ignore[arg-type]
                - _window_mean(series, start, target.lower))  # type: ignore[arg-type]
        slack = float(stat.mean()) - target.margin
    elif target.kind == "directional":
        stat = (_window_mean(series, start, target.after)  # type: ignore[arg-type]
                - _window_mean(series, start, target.before))  # type: ignore[arg-type]
        sign = 1.0 if target.direction == "up" else -1.0
        slack = sign * float(stat.mean()) - target.margin
    else:
        stat = _window_mean(series, start, target.period)  # type: ignore[arg-type]
        m = float(stat.mean())
        slack = min(m - target.low, target.high - m)  # type: ignore[operator]
    lo, hi = np.quantile(stat, [0.05, 0.95])
    se = float(stat.std(ddof=1) / np.sqrt(len(stat))) if len(stat) > 1 else float("inf")
    return TargetResult(target, held_out, float(stat.mean()), float(lo), float(hi), slack, se)


def evaluate_all(targets: TargetFile, alignment: np.ndarray, ids: tuple[str, ...],
                 start: str) -> list[TargetResult]:
    return [evaluate(t, alignment, ids, start, targets.held_out(t)) for t in targets.targets]
