"""Why did a dyad move? Driver attribution in plain words and numbers.

Every month's change of a[i, j] is the sum of its named terms: the drivers, the memory, the
episode classes, adjustments by hand and noise (decision record 0008), so the change over
any period is the sum of each term over it (to the float32 precision in which terms are
stored; the residual, once a clip at ±1, is now rounding only). This module
adds them up, ranks them, and tells the story: over the whole run, year by year, and for
the largest single months with the events and moves that went with them. It works on a run
written to ``results/`` or on a record in memory (the seminar), through the same
`DyadHistory`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import DYADIC_NAMES, Dyadic
from sim.core.calendar import month_label
from sim.dynamics.drivers import TERM_NAMES, TERMS
from sim.runs.recording import Record
from sim.runs.results_io import RunFiles

LABELS = {d.name: d.label for d in TERMS}


@dataclass
class DyadHistory:
    source: str
    target: str
    start: str
    alignment: np.ndarray  # (S+1, R)
    terms: np.ndarray  # (S, R, K)
    events: dict[int, list[tuple[str, np.ndarray]]]  # step -> [(label, replicate mask)]
    moves: dict[int, list[tuple[str, str, np.ndarray]]]  # step -> [(who, action, mask)]

    @property
    def replicates(self) -> int:
        return self.alignment.shape[1]

    @property
    def steps(self) -> int:
        return self.terms.shape[0]


def history_from_record(rec: Record, ids: tuple[str, ...], start: str, source: str,
                        target: str) -> DyadHistory:
    if rec.terms is None:
        raise ValueError("this record kept no driver terms; run with terms kept to explain")
    i, j = ids.index(source), ids.index(target)
    events: dict[int, list] = {}
    for step, label, mask in rec.events:
        events.setdefault(step, []).append((label, mask))
    moves: dict[int, list] = {}
    if rec.dyadic is not None:
        for who, (a, b) in ((source, (i, j)), (target, (j, i))):
            acts = rec.dyadic[:, :, a, b]
            for step in range(acts.shape[0]):
                for code in np.unique(acts[step]):
                    if code != Dyadic.MAINTAIN:
                        moves.setdefault(step, []).append(
                            (who, DYADIC_NAMES[code], acts[step] == code))
    return DyadHistory(source, target, start, rec.alignment[:, :, i, j].copy(),
                       rec.terms[:, :, :, i, j].astype(np.float64), events, moves)


def history_from_run(run: RunFiles, source: str, target: str) -> DyadHistory:
    man = run.manifest
    ids = man["roster"]["actors"]
    for who in (source, target):
        if who not in ids:
            raise KeyError(f"unknown actor {who!r}; this run has: {', '.join(ids)}")
    reps, steps = man["replicates"], man["horizon_months"]
    filt = [("source", "==", source), ("target", "==", target)]
    traj = run.table("trajectories", filters=filt).sort_values(["step", "replicate"])
    align = traj["alignment"].to_numpy().reshape(steps + 1, reps)
    drv = run.table("drivers", filters=filt).sort_values(["step", "replicate"])
    terms = drv[list(TERM_NAMES)].to_numpy(np.float64).reshape(steps, reps, len(TERM_NAMES))
    events: dict[int, list] = {}
    ev = run.table("events")
    for (step, label), grp in ev.groupby(["step", "event"]):
        mask = np.zeros(reps, dtype=bool)
        mask[grp["replicate"].to_numpy()] = True
        events.setdefault(int(step), []).append((label, mask))
    moves: dict[int, list] = {}
    act = run.table("actions")
    if len(act):
        pair = act[(act["kind"] == "dyadic")
                   & (((act["actor"] == source) & (act["counterpart"] == target))
                      | ((act["actor"] == target) & (act["counterpart"] == source)))]
        for (step, who, action), grp in pair.groupby(["step", "actor", "action"]):
            mask = np.zeros(reps, dtype=bool)
            mask[grp["replicate"].to_numpy()] = True
            moves.setdefault(int(step), []).append((who, action, mask))
    return DyadHistory(source, target, man["start"], align, terms, events, moves)


@dataclass
class Contribution:
    driver: str
    label: str
    total: float


@dataclass
class Explanation:
    source: str
    target: str
    scope: str  # "ensemble mean of R runs" or "replicate k"
    first: str
    last: str
    start_value: float
    end_value: float
    end_band: tuple[float, float] | None
    whole: list[Contribution]
    residual: float  # change not accounted for by the terms (rounding only)
    years: list[tuple[str, float, list[Contribution]]]
    big_months: list[tuple[str, float, list[Contribution], list[str]]]

    def text(self, top: int = 5) -> str:
        lines = [f"{self.source} -> {self.target} ({self.scope}), {self.first} to {self.last}"]
        band = (f"; 90% of runs end between {self.end_band[0]:+.2f} and {self.end_band[1]:+.2f}"
                if self.end_band else "")
        lines.append(f"Alignment moved from {self.start_value:+.2f} to {self.end_value:+.2f} "
                     f"({self.end_value - self.start_value:+.2f}){band}.")
        lines.append("")
        lines.append("What moved it over the whole period, largest first:")
        for c in self.whole[:top]:
            lines.append(f"  {c.label:<36} {c.total:+.3f}")
        rest = sum(c.total for c in self.whole[top:])
        if len(self.whole) > top:
            lines.append(f"  {'all other drivers':<36} {rest:+.3f}")
        if abs(self.residual) > 5e-4:
            lines.append(f"  {'held at the bound of [-1, 1]':<36} {self.residual:+.3f}")
        lines.append("")
        lines.append("Year by year (net change: main drivers):")
        for year, net, contribs in self.years:
            main = ", ".join(f"{c.label} {c.total:+.3f}" for c in contribs[:3])
            lines.append(f"  {year}  {net:+.3f}: {main}")
        lines.append("")
        lines.append("Largest single months:")
        for date, net, contribs, notes in self.big_months:
            main = ", ".join(f"{c.label} {c.total:+.3f}" for c in contribs[:3])
            lines.append(f"  {date}  {net:+.3f}: {main}")
            for note in notes:
                lines.append(f"           {note}")
        return "\n".join(lines)


def _ranked(values: np.ndarray) -> list[Contribution]:
    order = np.argsort(-np.abs(values), kind="stable")
    return [Contribution(TERM_NAMES[k], LABELS[TERM_NAMES[k]], float(values[k]))
            for k in order]


def _share(mask: np.ndarray, rows: np.ndarray) -> str:
    hit = int(mask[rows].sum())
    return "" if len(rows) == 1 else f" (in {hit} of {len(rows)} runs)"


def explain(hist: DyadHistory, replicate: int | None = None, months: int = 5,
            first: int = 0, last: int | None = None) -> Explanation:
    """Attribute the change of a dyad between steps ``first`` and ``last`` to drivers."""
    last = hist.steps if last is None else last
    if not 0 <= first < last <= hist.steps:
        raise ValueError(f"period must satisfy 0 <= first < last <= {hist.steps}")
    if replicate is None:
        rows = np.arange(hist.replicates)
        scope = f"ensemble mean of {hist.replicates} runs"
    else:
        if not 0 <= replicate < hist.replicates:
            raise ValueError(f"replicate must be in 0..{hist.replicates - 1}")
        rows = np.array([replicate])
        scope = f"replicate {replicate}"
    align = hist.alignment[:, rows]
    terms = hist.terms[:, rows].mean(axis=1)  # (S, K)
    path = align.mean(axis=1)
    whole = terms[first:last].sum(axis=0)
    residual = float(path[last] - path[first] - whole.sum())
    years = []
    for y0 in range(first, last, 12):
        y1 = min(last, y0 + 12)
        contrib = terms[y0:y1].sum(axis=0)
        label = month_label(hist.start, y0)[:4]
        years.append((label, float(path[y1] - path[y0]), _ranked(contrib)))
    monthly = path[first + 1:last + 1] - path[first:last]
    big = np.argsort(-np.abs(monthly), kind="stable")[:months] + first
    big_months = []
    for step in sorted(big):
        notes = [f"event: {label}{_share(mask, rows)}"
                 for label, mask in hist.events.get(int(step), []) if mask[rows].any()]
        notes += [f"move: {who} chose {action}{_share(mask, rows)}"
                  for who, action, mask in hist.moves.get(int(step), [])
                  if mask[rows].mean() >= (0.5 if len(rows) > 1 else 1.0)]
        big_months.append((month_label(hist.start, int(step)), float(monthly[step - first]),
                           _ranked(terms[step]), notes))
    band = None
    if len(rows) > 1:
        band = tuple(float(q) for q in np.quantile(align[last], [0.05, 0.95]))
    return Explanation(hist.source, hist.target, scope, month_label(hist.start, first),
                       month_label(hist.start, last), float(path[first]), float(path[last]),
                       band, _ranked(whole), residual, years, big_months)
