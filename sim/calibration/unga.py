"""The history replay against real votes: a measurement model for UN General Assembly data.

The documents give orderings and reactions (`sim.targets`); this module adds an outside,
yearly measurement. A pair of states that stand with each other tends to vote alike in the
General Assembly, so the distance between their UNGA ideal points should fall as the model's
alignment rises. We do not claim the two are the same quantity: the ideal points measure one
dimension (a state's stance towards the US-led order), on their own scale. So the model's
yearly alignment is linked to the data by a fitted linear measurement model,

    distance ≈ alpha − beta × alignment    (beta expected positive),

pooled over dyad-years, and judged by rank and within-dyad correlations that do not depend
on the scale at all.

Data (in-sample only, 1991-2012; the years from 2013 are held out for the out-of-sample
test and must never be fitted or looked at): ``unga_dyads_1991_2012.csv`` in the shared data
folder (``../shared/data``, or ``SIM_DATA_DIR``). Sources, cited wherever the data are used:

- Voeten, E., Strezhnev, A. & Bailey, M., *United Nations General Assembly Voting Data*,
  Harvard Dataverse, hdl:1902.1/12379 (CC0).
- Bailey, M. A., Strezhnev, A. & Voeten, E. (2017), Estimating dynamic state preferences
  from United Nations voting data, *Journal of Conflict Resolution* 61(2), 430-456.

Conventions: the model's alignment after month k of a run (row k + 1 of a record, row 0
being the initial state) is the month ``month_label(start, k)``, as in `sim.targets`; the
data's measures are symmetric, so a dyad's model value is the mean of both directions.
"""

from __future__ import annotations

import json
import math
import re
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.calendar import month_index, month_label
from sim.config_errors import ConfigError
from sim.settings import get_settings

#: The data file's name in the shared data folder.
DATA_FILE = "unga_dyads_1991_2012.csv"
#: The in-sample years; from HELD_OUT_FROM on the data are held out (never read here).
FIRST_YEAR, LAST_YEAR = 1991, 2012
HELD_OUT_FROM = LAST_YEAR + 1
#: Columns of the file, in order.
COLUMNS = ("year", "dyad", "measure", "value", "n_votes")
#: Targets for the scores (docs/validation.md): what counts as reproducing the votes.
SPEARMAN_TARGET = 0.7
WITHIN_TARGET = 0.4
#: Year-to-year changes of the data above this quantile of |change| are "large".
LARGE_CHANGE_QUANTILE = 0.75
#: Problems listed in one error before the rest are only counted.
MAX_PROBLEMS = 20

CITATION = (
    "Voeten, Strezhnev & Bailey, *United Nations General Assembly Voting Data*, Harvard "
    "Dataverse, hdl:1902.1/12379; Bailey, Strezhnev & Voeten (2017), Estimating dynamic "
    "state preferences from United Nations voting data, *Journal of Conflict Resolution* "
    "61(2), 430-456."
)


@dataclass(frozen=True)
class Measure:
    """One measure of the file: what it means, and which way is "closer"."""

    name: str
    meaning: str
    larger_is_closer: bool  # False for a distance
    low: float  # allowed range of values
    high: float


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("idealpoint_distance_fp", "distance between UNGA ideal points (final passage)",
            False, 0.0, math.inf),
    Measure("unga_agreement_lijphart", "share of agreement on recorded votes", True, 0.0, 1.0),
    Measure("unga_s_score", "S score (2 × agreement − 1)", True, -1.0, 1.0),
)}
#: The primary measure: ideal points are built to be comparable over time (data README).
PRIMARY_MEASURE = "idealpoint_distance_fp"

#: ISO3 code in the data -> actor id in sim/data/roster.toml. The states of the roster use
#: their ISO3 codes as ids; the EU and the "axis of resistance" are not UN members.
ISO3_TO_ROSTER: dict[str, str] = {code: code for code in (
    "RUS", "IRN", "USA", "ISR", "SAU", "ARE", "QAT", "TUR", "CHN", "IND", "SYR", "AZE", "ARM",
    "PRK")}


# ----------------------------------------------------------------------------- the data

def default_data_file() -> Path:
    """The data file in the shared data folder (``../shared/data``, or ``SIM_DATA_DIR``)."""
    return get_settings().data_dir / DATA_FILE


def roster_pair(dyad: str) -> tuple[str, str]:
    """The roster ids of a data dyad such as ``RUS-IRN``; ValueError naming a bad code."""
    parts = dyad.split("-")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"dyad {dyad!r} is not two ISO3 codes joined by '-', e.g. RUS-IRN")
    unknown = [p for p in parts if p not in ISO3_TO_ROSTER]
    if unknown:
        raise ValueError(f"dyad {dyad!r}: unknown country code(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(ISO3_TO_ROSTER))}")
    if parts[0] == parts[1]:
        raise ValueError(f"dyad {dyad!r} pairs a state with itself")
    return ISO3_TO_ROSTER[parts[0]], ISO3_TO_ROSTER[parts[1]]


def _row_problems(line: int, row: dict[str, str]) -> list[str]:
    """Every problem of one data row (``line`` as a reader counts, header = line 1)."""
    out = []
    year = row["year"].strip()
    if not re.fullmatch(r"-?[0-9]+", year):
        out.append(f"line {line}: year: bad value {year!r}: not a whole year")
    elif not FIRST_YEAR <= int(year) <= LAST_YEAR:
        held = " (years from 2013 are held out)" if int(year) >= HELD_OUT_FROM else ""
        out.append(f"line {line}: year: bad value {year!r}: allowed {FIRST_YEAR} to "
                   f"{LAST_YEAR}{held}")
    try:
        roster_pair(row["dyad"].strip())
    except ValueError as exc:
        out.append(f"line {line}: dyad: bad value {row['dyad']!r}: {exc}")
    measure = MEASURES.get(row["measure"].strip())
    if measure is None:
        out.append(f"line {line}: measure: bad value {row['measure']!r}: allowed "
                   f"{', '.join(MEASURES)}")
    try:
        value = float(row["value"])
    except ValueError:
        out.append(f"line {line}: value: bad value {row['value']!r}: not a number")
    else:
        if not math.isfinite(value):
            out.append(f"line {line}: value: bad value {row['value']!r}: must be finite")
        elif measure is not None and not measure.low <= value <= measure.high:
            out.append(f"line {line}: value: bad value {row['value']!r}: {measure.name} "
                       f"must lie in [{measure.low}, {measure.high}]")
    votes = row["n_votes"].strip()
    if not re.fullmatch(r"[0-9]+", votes):
        out.append(f"line {line}: n_votes: bad value {votes!r}: not a count (0, 1, 2, ...)")
    return out


def load_unga(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check the UNGA dyad file into a tidy frame.

    Columns: year, dyad (as in the file), a and b (roster ids), measure, value, n_votes;
    sorted by measure, dyad and year. A missing or malformed file raises `ConfigError`
    listing every problem (line, field, bad value, what is allowed), so a user fixes the file
    at once instead of reading a traceback; years from 2013 are refused as held out.
    """
    path = Path(path) if path is not None else default_data_file()
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ConfigError(path, [f"{path}: file not found (the data folder is "
                                 "../shared/data beside the repository, or SIM_DATA_DIR)"]
                          ) from None
    except IsADirectoryError:
        raise ConfigError(path, [f"{path}: is a folder, not a file"]) from None
    except pd.errors.EmptyDataError:
        raise ConfigError(path, [f"{path}: the file is empty; it needs the header "
                                 + ",".join(COLUMNS) + " and data rows"]) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"{path}: not a readable CSV file: {exc}"]) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(path, [f"{str(path)[:200]}: cannot be read: {exc}"]) from None
    cols = [str(c).strip() for c in raw.columns]
    problems = [f"column {c!r} is missing; the file needs the columns {', '.join(COLUMNS)}"
                for c in COLUMNS if c not in cols]
    problems += [f"column {c!r} is unknown; the columns are {', '.join(COLUMNS)}"
                 for c in cols if c not in COLUMNS]
    if problems:
        raise ConfigError(path, problems)
    raw.columns = cols
    if raw.empty:
        raise ConfigError(path, [f"{path}: no data rows below the header"])
    raw = raw.fillna("")  # a short row's missing fields: reported as bad values below
    for i, row in enumerate(raw[list(COLUMNS)].to_dict("records")):
        problems += _row_problems(i + 2, row)
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        more = [] if len(problems) <= MAX_PROBLEMS else ["(further rows not checked)"]
        raise ConfigError(path, problems[:MAX_PROBLEMS] + more)
    df = pd.DataFrame({
        "year": raw["year"].astype(int), "dyad": raw["dyad"].str.strip(),
        "measure": raw["measure"].str.strip(), "value": raw["value"].astype(float),
        "n_votes": raw["n_votes"].astype(int)})
    dup = df.duplicated(["year", "dyad", "measure"], keep=False)
    if dup.any():
        lines = [str(i + 2) for i in np.flatnonzero(dup.to_numpy())[:MAX_PROBLEMS]]
        raise ConfigError(path, [f"year, dyad, measure: repeated on lines {', '.join(lines)}; "
                                 "each dyad-year has one value per measure"])
    pairs = {d: roster_pair(d) for d in df["dyad"].unique()}
    df.insert(2, "a", df["dyad"].map(lambda d: pairs[d][0]))
    df.insert(3, "b", df["dyad"].map(lambda d: pairs[d][1]))
    return df.sort_values(["measure", "dyad", "year"], ignore_index=True)


def select_measure(data: pd.DataFrame, measure: str = PRIMARY_MEASURE) -> pd.DataFrame:
    """One measure's rows (year, dyad, a, b, value, n_votes); ValueError for an unknown one."""
    if measure not in MEASURES:
        raise ValueError(f"--measure: bad value {measure!r}; allowed: {', '.join(MEASURES)}")
    out = data.loc[data["measure"] == measure].drop(columns="measure")
    if out.empty:
        raise ValueError(f"the data hold no values of the measure {measure!r}")
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- the model side

@dataclass(frozen=True)
class YearlyAlignment:
    """The model's yearly alignment of data dyads.

    ``table`` has one row per (year, dyad): year, dyad, a, b, model (mean over replicates),
    low and high (5% and 95% over replicates), months (months averaged). ``replicates`` holds
    each replicate's yearly value, shape (rows of table, R), for uncertainty. ``notes`` says
    what was left out and why.
    """

    table: pd.DataFrame
    replicates: np.ndarray
    notes: tuple[str, ...]


def months_through(start: str, last_year: int = LAST_YEAR) -> int:
    """Months a run starting at ``start`` needs to cover every month up to December of
    ``last_year`` (0 when it starts later): no need to simulate into the held-out years."""
    return max(0, month_index(f"{last_year + 1:04d}-01", start))


def yearly_alignment(record_alignment: np.ndarray, world_ids: Sequence[str], start: str,
                     dyads: Iterable[str], *, min_months: int = 12) -> YearlyAlignment:
    """Per (year, dyad): the model's alignment averaged over both directions, the months of
    the calendar year and, for ``model``, the replicates.

    ``record_alignment`` is a record's (S+1, R, N, N) array (row 0 = the initial state, row
    k + 1 = after month k). A year with fewer than ``min_months`` months in the run (by
    default any year not wholly covered) is left out: a part-year is not comparable with a
    year's votes. A dyad naming an actor the run does not have is skipped with a note.
    """
    a = np.asarray(record_alignment, dtype=np.float64)
    if a.ndim != 4 or a.shape[2] != a.shape[3] or a.shape[2] != len(world_ids):
        raise ValueError(f"alignment must be (months + 1, replicates, N, N) with N = "
                         f"{len(world_ids)} actors; got shape {a.shape}")
    series = a[1:]
    years = np.array([int(month_label(start, k)[:4]) for k in range(series.shape[0])])
    counts = {int(y): int((years == y).sum()) for y in np.unique(years)}
    full = [y for y, c in counts.items() if c >= min_months]
    notes = [f"{y}: only {c} month(s) in the run; left out" for y, c in counts.items()
             if c < min_months]
    ids = list(world_ids)
    rows: list[dict[str, Any]] = []
    reps: list[np.ndarray] = []
    for dyad in dict.fromkeys(dyads):
        x, y = roster_pair(dyad)
        missing = [v for v in (x, y) if v not in ids]
        if missing:
            notes.append(f"{dyad}: {', '.join(missing)} not in the run's roster; skipped")
            continue
        i, j = ids.index(x), ids.index(y)
        both = 0.5 * (series[:, :, i, j] + series[:, :, j, i])  # (S, R)
        for year in full:
            per_rep = both[years == year].mean(axis=0)
            lo, hi = np.quantile(per_rep, [0.05, 0.95])
            rows.append({"year": year, "dyad": dyad, "a": x, "b": y,
                         "model": float(per_rep.mean()), "low": float(lo), "high": float(hi),
                         "months": counts[year]})
            reps.append(per_rep)
    table = pd.DataFrame(rows, columns=["year", "dyad", "a", "b", "model", "low", "high",
                                        "months"])
    rep = np.array(reps) if reps else np.zeros((0, a.shape[1]))
    return YearlyAlignment(table, rep, tuple(notes))


@dataclass(frozen=True)
class Matched:
    """Dyad-years present in both the model and the data, in the same rows.

    ``frame``: year, dyad, model, low, high, value (the measure), closeness (the value
    oriented so that larger = more aligned: a distance negated). ``replicates``: each
    replicate's yearly alignment for those rows, shape (rows, R).
    """

    frame: pd.DataFrame
    replicates: np.ndarray
    notes: tuple[str, ...]


def match_years(yearly: YearlyAlignment, data: pd.DataFrame,
                measure: str = PRIMARY_MEASURE) -> Matched:
    """Join the model's yearly values with one measure's data on (year, dyad).

    Dyad-years in only one of the two are left out with a note: data years outside the run
    (1991, before a 1992 start) and model years without data (fewer than 20 joint votes).
    """
    m = MEASURES[measure]
    obs = data[["year", "dyad", "value"]]
    model = yearly.table.assign(_row=np.arange(len(yearly.table)))
    both = model.merge(obs, on=["year", "dyad"], how="inner", validate="one_to_one")
    both = both.sort_values(["dyad", "year"], ignore_index=True)
    notes = list(yearly.notes)
    only_data = obs.merge(model[["year", "dyad"]], on=["year", "dyad"], how="left",
                          indicator=True)
    only_data = only_data[(only_data["_merge"] == "left_only")  # skipped dyads: noted already
                          & only_data["dyad"].isin(set(model["dyad"]))]
    for year, grp in only_data.groupby("year"):
        notes.append(f"{year}: {len(grp)} dyad-year(s) of data outside the run's full years; "
                     "left out")
    only_model = model.merge(obs[["year", "dyad"]], on=["year", "dyad"], how="left",
                             indicator=True)
    only_model = only_model[only_model["_merge"] == "left_only"]
    if len(only_model):
        listed = ", ".join(f"{r.dyad} {r.year}" for r in only_model.head(12).itertuples())
        more = "" if len(only_model) <= 12 else f" and {len(only_model) - 12} more"
        notes.append(f"{len(only_model)} model dyad-year(s) with no data (fewer than 20 joint "
                     f"votes, or not in the file): {listed}{more}; left out")
    sign = 1.0 if m.larger_is_closer else -1.0
    frame = both[["year", "dyad", "model", "low", "high", "value"]].assign(
        closeness=sign * both["value"])
    reps = yearly.replicates[both["_row"].to_numpy()] if len(both) else np.zeros(
        (0, yearly.replicates.shape[1]))
    return Matched(frame, reps, tuple(notes))


# ----------------------------------------------------------------------------- fit and scores

@dataclass(frozen=True)
class MeasurementFit:
    """Least-squares link of the data to the model: value ≈ alpha − beta × alignment for a
    distance (alpha + beta × alignment for an agreement measure), so beta > 0 means that
    more alignment in the model goes with closer votes."""

    measure: str
    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    r2: float
    resid_sd: float
    n: int

    def predict(self, alignment: np.ndarray | float) -> np.ndarray:
        """The measure the fit expects at a given alignment."""
        sign = 1.0 if MEASURES[self.measure].larger_is_closer else -1.0
        return self.alpha + sign * self.beta * np.asarray(alignment, dtype=np.float64)


def fit_measurement(alignment: Sequence[float] | np.ndarray, value: Sequence[float] | np.ndarray,
                    measure: str = PRIMARY_MEASURE) -> MeasurementFit:
    """Ordinary least squares of the measure on the model's alignment, pooled over
    dyad-years (`scipy.stats.linregress`); ValueError when the fit is not defined."""
    x = np.asarray(alignment, dtype=np.float64)
    y = np.asarray(value, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"alignment and value must be two equal 1-d series; got {x.shape} "
                         f"and {y.shape}")
    if len(x) < 3:
        raise ValueError(f"a measurement fit needs at least 3 dyad-years; got {len(x)}")
    if np.ptp(x) == 0:
        raise ValueError("the model's alignment is the same in every dyad-year; no fit")
    res = stats.linregress(x, y)
    sign = 1.0 if MEASURES[measure].larger_is_closer else -1.0
    resid = y - (res.intercept + res.slope * x)
    return MeasurementFit(measure=measure, alpha=float(res.intercept),
                          beta=float(sign * res.slope), alpha_se=float(res.intercept_stderr),
                          beta_se=float(res.stderr), r2=float(res.rvalue ** 2),
                          resid_sd=float(np.sqrt((resid ** 2).sum() / (len(x) - 2))),
                          n=len(x))


def _quiet(func, *args) -> float:
    """A correlation, NaN (not a warning) when one series is constant."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        return float(func(*args)[0])


def spearman(model: np.ndarray, closeness: np.ndarray) -> float:
    """Rank correlation pooled over dyad-years: does the model order the dyad-years as the
    votes do? Blind to any monotone rescaling, so it needs no measurement model."""
    return _quiet(stats.spearmanr, np.asarray(model), np.asarray(closeness))


def demean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each value minus the mean of its group (dyad)."""
    s = pd.Series(np.asarray(values, dtype=np.float64))
    return (s - s.groupby(np.asarray(groups)).transform("mean")).to_numpy()


def within_dyad_r(model: np.ndarray, closeness: np.ndarray, groups: np.ndarray) -> float:
    """Pearson correlation pooled over dyad-years after removing each dyad's mean from both
    series: does the model follow each relation's changes over time, not just which
    relations are close? (The pooled Spearman alone can be met by levels only.)"""
    return _quiet(stats.pearsonr, demean(model, groups), demean(closeness, groups))


def large_changes(model: np.ndarray, closeness: np.ndarray, groups: np.ndarray,
                  years: np.ndarray, quantile: float = LARGE_CHANGE_QUANTILE
                  ) -> tuple[float, int, float]:
    """Share of the data's large year-to-year changes whose direction the model gets right.

    Changes are taken within a dyad between consecutive years; "large" is |change| above the
    ``quantile`` of all |changes|. A model change of exactly zero counts as wrong. Returns
    (share right, number of large changes, threshold); the share is NaN with none.
    """
    df = pd.DataFrame({"g": np.asarray(groups), "y": np.asarray(years),
                       "m": np.asarray(model, dtype=np.float64),
                       "c": np.asarray(closeness, dtype=np.float64)}).sort_values(["g", "y"])
    step = df.groupby("g")[["y", "m", "c"]].diff()
    step = step[step["y"] == 1]
    if step.empty:
        return math.nan, 0, math.nan
    threshold = float(np.quantile(step["c"].abs(), quantile))
    big = step[step["c"].abs() > threshold]
    if big.empty:
        return math.nan, 0, threshold
    right = np.sign(big["m"]) == np.sign(big["c"])
    return float(right.mean()), len(big), threshold


@dataclass(frozen=True)
class DyadScore:
    """One dyad's line of the report."""

    dyad: str
    years: int
    model_mean: float
    data_mean: float
    within_r: float  # Pearson over the dyad's years; NaN with fewer than 3 or no variation


@dataclass(frozen=True)
class UngaScores:
    """Every figure of the comparison with the UNGA data (one measure)."""

    measure: str
    fit: MeasurementFit
    n_dyad_years: int
    n_dyads: int
    first_year: int
    last_year: int
    replicates: int
    spearman: float
    spearman_range: tuple[float, float]  # 5% and 95% over single replicates
    within_r: float
    within_r_range: tuple[float, float]
    large_change_share: float
    large_changes: int
    large_change_threshold: float
    dyads: tuple[DyadScore, ...]
    notes: tuple[str, ...]

    @property
    def spearman_met(self) -> bool:
        return self.spearman >= SPEARMAN_TARGET

    @property
    def within_met(self) -> bool:
        return self.within_r >= WITHIN_TARGET

    def dyad_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(d) for d in self.dyads],
                            columns=["dyad", "years", "model_mean", "data_mean", "within_r"])


def _range(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan
    lo, hi = np.quantile(v, [0.05, 0.95])
    return float(lo), float(hi)


def score(matched: Matched, measure: str = PRIMARY_MEASURE) -> UngaScores:
    """Fit the measurement model and compute every score on matched dyad-years.

    The headline scores use the ensemble-mean yearly alignment; their 5-95% ranges over
    single replicates show how much one run of the model could differ.
    """
    f = matched.frame
    if len(f) < 3:
        raise ValueError(f"only {len(f)} dyad-year(s) are in both the run and the data; the "
                         "run must cover whole years from 1991 to 2012 and the data dyads' "
                         "actors")
    g, yrs = f["dyad"].to_numpy(), f["year"].to_numpy()
    model, close = f["model"].to_numpy(), f["closeness"].to_numpy()
    share, count, threshold = large_changes(model, close, g, yrs)
    dyads = []
    for dyad, grp in f.groupby("dyad", sort=True):
        r = (_quiet(stats.pearsonr, grp["model"].to_numpy(), grp["closeness"].to_numpy())
             if len(grp) >= 3 else math.nan)
        dyads.append(DyadScore(str(dyad), len(grp), float(grp["model"].mean()),
                               float(grp["value"].mean()), r))
    reps = matched.replicates
    return UngaScores(
        measure=measure, fit=fit_measurement(model, f["value"].to_numpy(), measure),
        n_dyad_years=len(f), n_dyads=len(dyads), first_year=int(yrs.min()),
        last_year=int(yrs.max()), replicates=int(reps.shape[1]),
        spearman=spearman(model, close),
        spearman_range=_range([spearman(reps[:, k], close) for k in range(reps.shape[1])]),
        within_r=within_dyad_r(model, close, g),
        within_r_range=_range([within_dyad_r(reps[:, k], close, g)
                               for k in range(reps.shape[1])]),
        large_change_share=share, large_changes=count, large_change_threshold=threshold,
        dyads=tuple(dyads), notes=matched.notes)


def evaluate_unga(record_alignment: np.ndarray, world_ids: Sequence[str], start: str,
                  data: pd.DataFrame, measure: str = PRIMARY_MEASURE
                  ) -> tuple[UngaScores, Matched]:
    """A run's record against the data (from `load_unga`): yearly values, join, fit, scores."""
    obs = select_measure(data, measure)
    obs = obs[obs["year"] <= LAST_YEAR]  # never anything held out, whatever the frame holds
    yearly = yearly_alignment(record_alignment, world_ids, start, obs["dyad"].unique())
    matched = match_years(yearly, obs, measure)
    return score(matched, measure), matched


# ----------------------------------------------------------------------------- report

def _num(x: float, fmt: str = "{:.2f}") -> str:
    return "n/a" if x is None or not math.isfinite(x) else fmt.format(x)


def unga_report(scores: UngaScores, *, scenario: str, seed: int, data_file: Path | str
                ) -> str:
    """The comparison as a short Markdown report: fit, scores against targets, per dyad."""
    s, f = scores, scores.fit
    m = MEASURES[s.measure]
    link = "alpha + beta × alignment" if m.larger_is_closer else "alpha − beta × alignment"
    verdict = {True: "met", False: "not met"}
    lines = [
        f"# UNGA votes against the {scenario} replay ({s.first_year}-{s.last_year})", "",
        f"Scenario **{scenario}**, {s.replicates} replicates from seed {seed} (batched "
        f"engine); measure `{s.measure}` ({m.meaning}), {s.n_dyad_years} dyad-years of "
        f"{s.n_dyads} dyads, in-sample years only (from {HELD_OUT_FROM} the data are held "
        f"out). Data file: `{data_file}`.", "",
        f"Data: {CITATION}", "",
        "## Measurement model", "",
        f"`{s.measure}` ≈ {link}, least squares pooled over dyad-years (model alignment: "
        "mean of both directions over the months of the year and the replicates).", "",
        "| alpha | se | beta | se | R² | residual sd | dyad-years |",
        "|---|---|---|---|---|---|---|",
        f"| {_num(f.alpha)} | {_num(f.alpha_se)} | {_num(f.beta)} | {_num(f.beta_se)} | "
        f"{_num(f.r2)} | {_num(f.resid_sd)} | {f.n} |", "",
        "beta > 0: more alignment in the model goes with closer votes." if f.beta > 0 else
        "beta ≤ 0: the model's alignment does not go with closer votes.", "",
        "## Scores", "",
        "| score | value | 5-95% over replicates | target |", "|---|---|---|---|",
        f"| Spearman, pooled dyad-years | {_num(s.spearman)} | "
        f"{_num(s.spearman_range[0])} to {_num(s.spearman_range[1])} | ≥ {SPEARMAN_TARGET} "
        f"({verdict[s.spearman_met]}) |",
        f"| within-dyad correlation (demeaned) | {_num(s.within_r)} | "
        f"{_num(s.within_r_range[0])} to {_num(s.within_r_range[1])} | ≥ {WITHIN_TARGET} "
        f"({verdict[s.within_met]}) |",
        f"| large changes in the right direction | {_num(s.large_change_share)} "
        f"({s.large_changes} changes, abs change > {_num(s.large_change_threshold)}) | | |",
        "",
        "Correlations compare the model's alignment with the votes' closeness (a distance "
        "negated), so higher is better. Large changes: year-to-year changes of a dyad above "
        f"the {LARGE_CHANGE_QUANTILE:.0%} quantile of all absolute changes.", "",
        "## Per dyad", "",
        "| dyad | years | model mean | data mean | within-dyad r |", "|---|---|---|---|---|",
    ]
    lines += [f"| {d.dyad} | {d.years} | {_num(d.model_mean, '{:+.2f}')} | "
              f"{_num(d.data_mean)} | {_num(d.within_r, '{:+.2f}')} |" for d in s.dyads]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in s.notes]
    if s.first_year <= 1991:
        lines.append("- \"RUS\" in 1991 is the USSR for votes before its end (data README).")
    lines += ["- The votes measure one dimension (stance towards the US-led order), not every "
              "side of a bilateral relation: evidence about slow structure, not single events."]
    return "\n".join(lines) + "\n"


def rich_tables(scores: UngaScores) -> list[Any]:
    """The fit, the scores and the per-dyad table as rich tables, for the command line."""
    from rich.table import Table

    s, f = scores, scores.fit
    fit = Table(title=f"Measurement model: {s.measure} ≈ alpha "
                      f"{'+' if MEASURES[s.measure].larger_is_closer else '−'} beta × alignment "
                      f"({s.first_year}-{s.last_year}, {s.replicates} replicates)")
    for col in ("alpha", "se", "beta", "se", "R²", "residual sd", "dyad-years"):
        fit.add_column(col, justify="right")
    fit.add_row(_num(f.alpha), _num(f.alpha_se), _num(f.beta), _num(f.beta_se), _num(f.r2),
                _num(f.resid_sd), str(f.n))
    sc = Table(title="Scores (model alignment against the votes' closeness)")
    for col in ("score", "value", "5-95% over replicates", "target"):
        sc.add_column(col)
    met = {True: "met", False: "not met"}
    sc.add_row("Spearman, pooled dyad-years", _num(s.spearman),
               f"{_num(s.spearman_range[0])} to {_num(s.spearman_range[1])}",
               f">= {SPEARMAN_TARGET} ({met[s.spearman_met]})")
    sc.add_row("within-dyad r (demeaned)", _num(s.within_r),
               f"{_num(s.within_r_range[0])} to {_num(s.within_r_range[1])}",
               f">= {WITHIN_TARGET} ({met[s.within_met]})")
    sc.add_row("large changes, direction right", _num(s.large_change_share),
               f"{s.large_changes} changes > {_num(s.large_change_threshold)}", "")
    per = Table(title="Per dyad")
    for col in ("dyad", "years", "model mean", "data mean", "within-dyad r"):
        per.add_column(col, justify="left" if col == "dyad" else "right")
    for d in s.dyads:
        per.add_row(d.dyad, str(d.years), _num(d.model_mean, "{:+.2f}"), _num(d.data_mean),
                    _num(d.within_r, "{:+.2f}"))
    return [fit, sc, per]


def dyad_year_table(matched: Matched, fit: MeasurementFit) -> pd.DataFrame:
    """The matched dyad-years with the fitted value, for a results folder."""
    return matched.frame.assign(fitted=fit.predict(matched.frame["model"].to_numpy()))


def write_unga(results_dir: Path | str, report: str, manifest: dict[str, Any],
               table: pd.DataFrame | None = None) -> Path:
    """Write ``unga/<UTC time>/`` (report.md, manifest.json, dyad_years.csv) under
    ``results_dir``, staged and renamed into place whole: nothing earlier is overwritten and
    a failure leaves nothing behind."""
    from sim.results_io import atomic_write_text, staged_dir

    parent = Path(results_dir) / "unga"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = stamp
    while (parent / name).exists() or (parent / f".partial-{name}").exists():
        name = f"{stamp}-{uuid.uuid4().hex[:6]}"
    with staged_dir(parent, name) as tmp:
        atomic_write_text(tmp / "report.md", report)
        atomic_write_text(tmp / "manifest.json",
                          json.dumps(_finite(manifest), indent=2, allow_nan=False) + "\n")
        if table is not None:
            atomic_write_text(tmp / "dyad_years.csv", table.to_csv(index=False))
    return parent / name


def _finite(obj: Any) -> Any:
    """NaN and infinities as null: a manifest must be valid JSON for every reader."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def manifest_extra(scores: UngaScores, data_file: Path, measure: str) -> dict[str, Any]:
    """What a UNGA comparison adds to the run manifest: the data (file, hash, citation) and
    every figure."""
    from sim.manifest import sha256_file

    s = scores
    return {"kind": "rusiran-sim unga", "unga": {
        "data_file": str(data_file), "data_sha256": sha256_file(data_file),
        "citation": CITATION, "measure": measure, "years": [s.first_year, s.last_year],
        "held_out_from": HELD_OUT_FROM,
        "fit": dict(vars(s.fit)),
        "spearman": s.spearman, "spearman_range": list(s.spearman_range),
        "within_r": s.within_r, "within_r_range": list(s.within_r_range),
        "large_change_share": s.large_change_share, "large_changes": s.large_changes,
        "large_change_threshold": s.large_change_threshold,
        "dyad_years": s.n_dyad_years, "notes": list(s.notes)}}
