"""Sanctions regimes: who sanctions whom, how hard, over time, and on third parties.

A regime's intensity is a schedule of levels at dates (held as steps, or interpolated as
ramps), so tightening, relaxation and snapback are all one mechanism. Secondary sanctions
reach third parties that deal with the target (for example trade through Chabahar).
Compiled, regimes become per-month matrices ``[imposer, target]`` that the sanctions
driver reads; actors may add their own sanctions by action on top of these.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import Month, month_index
from sim.core.provenance import UnitSourced
from sim.dynamics.world import CompiledSanctions


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Month
    level: UnitSourced


class SanctionsRegime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    name: str
    imposers: list[str] = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    schedule: list[Level] = Field(min_length=1, description="levels from each date on")
    shape: Literal["step", "ramp"] = Field(
        default="step", description="hold each level (step) or interpolate between (ramp)")
    secondary: UnitSourced | None = Field(
        default=None, description="weight of secondary sanctions on third parties")

    @model_validator(mode="after")
    def _check(self) -> SanctionsRegime:
        overlap = set(self.imposers) & set(self.targets)
        if overlap:
            raise ValueError(f"an actor cannot sanction itself: {sorted(overlap)}")
        dates = [lv.date for lv in self.schedule]
        if dates != sorted(dates):
            raise ValueError("schedule dates must be in increasing order")
        return self

    def levels(self, start: str, steps: int) -> np.ndarray:
        """Intensity at each month 0..steps-1 (0 before the first date)."""
        xs = np.array([month_index(lv.date, start) for lv in self.schedule], dtype=float)
        ys = np.array([lv.level.value for lv in self.schedule])
        t = np.arange(steps, dtype=float)
        if self.shape == "ramp":
            out = np.interp(t, xs, ys)
        else:
            idx = np.searchsorted(xs, t, side="right") - 1
            out = np.where(idx >= 0, ys[np.clip(idx, 0, None)], 0.0)
        return np.where(t < xs[0], 0.0, out)


def compile_sanctions(regimes: list[SanctionsRegime], ids: tuple[str, ...], start: str,
                      steps: int) -> CompiledSanctions:
    """Sum regimes into per-month matrices, capped at 1; actors not in the roster drop out."""
    pos = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    primary = np.zeros((steps, n, n))
    secondary = np.zeros((steps, n, n))
    for reg in regimes:
        lv = reg.levels(start, steps)
        imp = [pos[a] for a in reg.imposers if a in pos]
        tgt = [pos[a] for a in reg.targets if a in pos]
        for i in imp:
            for j in tgt:
                primary[:, i, j] = np.minimum(1.0, primary[:, i, j] + lv)
                if reg.secondary is not None:
                    secondary[:, i, j] = np.minimum(
                        1.0, secondary[:, i, j] + lv * reg.secondary.value)
    return CompiledSanctions(primary=primary, secondary=secondary)
