"""The history replay against real votes: a measurement model for UN General Assembly data.

The documents give orderings and reactions (`sim.inputs.targets`); this module adds an outside,
yearly measurement. A pair of states that stand with each other tends to vote alike in the
General Assembly, so the distance between their UNGA ideal points should fall as the model's
alignment rises. We do not claim the two are the same quantity: the ideal points measure one
dimension (a state's stance towards the US-led order), on their own scale. So the model's
yearly alignment is linked to the data by a fitted linear measurement model, pooled over
dyad-years. Two are offered (`MEASUREMENTS`, ``sim unga --measurement``):

- ``hegemony`` (the default: it fits the in-sample votes better and says what the votes
  measure)::

      distance_ij ≈ alpha − beta × alignment_ij + gamma × |h_i − h_j|

  where h_k is state k's standing towards the US-led order as the model has it that year
  (`standing` says how it is built and why). Two partners far apart on that dimension (the
  US and Saudi Arabia) still vote apart; two states on the same side of it vote alike even
  when their own relation is cool.
- ``one``: distance ≈ alpha − beta × alignment, the bilateral alignment alone.

beta and gamma are expected positive. The scores are rank and within-dyad correlations,
blind to the scale: for ``one`` they correlate the model's alignment with the votes'
closeness (the distance negated), which for beta > 0 is the same as correlating the fitted
distance, negated; for ``hegemony`` they correlate the measurement model's prediction (its
fitted distance, negated to a closeness) with the votes' closeness.

Data (in-sample only, 1991-2012; the years from 2013 are held out for the out-of-sample
test and must never be fitted or looked at): ``unga_dyads_1991_2012.csv`` in the shared data
folder (``../shared/data``, or ``SIM_DATA_DIR``). Sources, cited wherever the data are used:

- Voeten, E., Strezhnev, A. & Bailey, M., *United Nations General Assembly Voting Data*,
  Harvard Dataverse, hdl:1902.1/12379 (CC0).
- Bailey, M. A., Strezhnev, A. & Voeten, E. (2017), Estimating dynamic state preferences
  from United Nations voting data, *Journal of Conflict Resolution* 61(2), 430-456.

Conventions: the model's alignment after month k of a run (row k + 1 of a record, row 0
being the initial state) is the month ``month_label(start, k)``, as in `sim.inputs.targets`; the
data's measures are symmetric, so a dyad's model value is the mean of both directions.
"""

from __future__ import annotations

import io
import json
import math
import re
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import month_index, month_label
from sim.core.config_errors import ConfigError, path_exists
from sim.core.safe_read import read_text_bounded
from sim.core.settings import get_settings

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
#: The measurement models (module docstring): name -> the link, as a report writes it.
MEASUREMENTS: dict[str, str] = {
    "hegemony": "alpha − beta × alignment + gamma × |h_i − h_j|",
    "one": "alpha − beta × alignment",
}
DEFAULT_MEASUREMENT = "hegemony"
#: The leader of the order whose stance the ideal points measure (data README), a roster id.
HEGEMON = "USA"

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
    if not path_exists(path):
        raise ConfigError(path, [f"{path}: file not found (the data folder is "
                                 "../shared/data beside the repository, or SIM_DATA_DIR)"])
    text = read_text_bounded(path, "data")  # a regular file of bounded size; a BOM is fine
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skipinitialspace=True)
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

def standing(alignment: np.ndarray, world_ids: Sequence[str]) -> np.ndarray:
    """Each state's standing towards the US-led order as the model has it, h_k: an array of
    alignments (..., N, N) gives (..., N), with

        h_k = (a[k, USA] + a[USA, k]) / 2   for k ≠ USA,      h_USA = 1.

    Why this quantity. The ideal points place every state on one dimension, its stance
    towards the US-led order (the data README; Bailey, Strezhnev & Voeten 2017), and the US
    sits at one end of that scale. The model has no separate "order"; what it has is each
    state's relation with the order's leader, so that relation is the state's place on the
    dimension. Both directions are averaged, as for the dyad term: the votes are symmetric in
    a pair, and a state's stance shows in how the US treats it as well as in how it treats
    the US (k's own direction alone was considered; for the data's states the two directions
    differ by less than a tenth in the history replay, so little rides on the choice). The US
    itself stands at the end of the scale, 1: the top of the alignment scale, the limit of a
    state's alignment with itself, which the model does not define and no other state reaches
    (alignment is a tanh). A pair's distance on the dimension is then |h_i − h_j|; for a pair
    with the US it is 1 − h_k, i.e. 1 − that pair's own alignment, so the hegemony term tells
    the two measurement models apart only through pairs without the US.

    Considered and not taken:

    - the West as the pole (the mean of the standing towards the US and the EU). The EU
      casts no votes in the Assembly, the scale's end is the US's position, and the EU's
      relations in the model carry trade and sanctions that are not the dimension the votes
      measure; on the history replay this variant also fitted the votes less well (R² 0.41
      against 0.42, pooled Spearman 0.57 against 0.64).
    - each actor's ``anti_hegemony`` (the threat it perceives from the US-led order, a
      roster parameter moved only by dated events). It is an input that drives the
      alignment, mostly an assumption, not the stance the model arrives at; and on the
      history replay its gap took the wrong sign (states further apart in it voting closer).

    The USA is also the roster's ``hegemon``, the actor whose order the anti-hegemonic
    actors resist, so the model and the data agree on the pole.

    NaN throughout when the USA is not among ``world_ids`` (no standing can be formed).
    """
    a = np.asarray(alignment, dtype=np.float64)
    ids = list(world_ids)
    if HEGEMON not in ids:
        return np.full(a.shape[:-1], math.nan)
    us = ids.index(HEGEMON)
    h = 0.5 * (a[..., :, us] + a[..., us, :])
    h[..., us] = 1.0
    return h


@dataclass(frozen=True)
class YearlyAlignment:
    """The model's yearly alignment of data dyads.

    ``table`` has one row per (year, dyad): year, dyad, a, b, model (mean over replicates),
    low and high (5% and 95% over replicates), months (months averaged), h_a and h_b (each
    state's yearly standing towards the US-led order, `standing`, mean over replicates) and
    gap (|h_a − h_b| of each replicate's yearly standings, mean over replicates; NaN
    without the USA in the run). ``replicates`` holds each replicate's yearly value, shape
    (rows of table, R), for uncertainty, ``gap_replicates`` each replicate's gap. ``notes``
    says what was left out and why.
    """

    table: pd.DataFrame
    replicates: np.ndarray
    notes: tuple[str, ...]
    gap_replicates: np.ndarray | None = None


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
    # each state's standing, averaged over each whole year: (years, R, N)
    stand = standing(series, ids)
    h_year = {year: stand[years == year].mean(axis=0) for year in full}
    rows: list[dict[str, Any]] = []
    reps: list[np.ndarray] = []
    gaps: list[np.ndarray] = []
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
            h_i, h_j = h_year[year][:, i], h_year[year][:, j]
            gap = np.abs(h_i - h_j)
            rows.append({"year": year, "dyad": dyad, "a": x, "b": y,
                         "model": float(per_rep.mean()), "low": float(lo), "high": float(hi),
                         "months": counts[year], "h_a": float(h_i.mean()),
                         "h_b": float(h_j.mean()), "gap": float(gap.mean())})
            reps.append(per_rep)
            gaps.append(gap)
    table = pd.DataFrame(rows, columns=["year", "dyad", "a", "b", "model", "low", "high",
                                        "months", "h_a", "h_b", "gap"])
    rep = np.array(reps) if reps else np.zeros((0, a.shape[1]))
    gap_rep = np.array(gaps) if gaps else np.zeros((0, a.shape[1]))
    return YearlyAlignment(table, rep, tuple(notes), gap_rep)


@dataclass(frozen=True)
class Matched:
    """Dyad-years present in both the model and the data, in the same rows.

    ``frame``: year, dyad, model, low, high, h_a, h_b, gap (as in `YearlyAlignment`), value
    (the measure), closeness (the value oriented so that larger = more aligned: a distance
    negated). ``replicates``: each replicate's yearly alignment for those rows, shape
    (rows, R); ``gap_replicates`` each replicate's standing gap (None when not known).
    """

    frame: pd.DataFrame
    replicates: np.ndarray
    notes: tuple[str, ...]
    gap_replicates: np.ndarray | None = None


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
    frame = both[["year", "dyad", "model", "low", "high", "h_a", "h_b", "gap",
                  "value"]].assign(closeness=sign * both["value"])
    rows = both["_row"].to_numpy()
    reps = yearly.replicates[rows] if len(both) else np.zeros((0, yearly.replicates.shape[1]))
    gap_reps = None
    if yearly.gap_replicates is not None:
        gap_reps = yearly.gap_replicates[rows] if len(both) else np.zeros(
            (0, yearly.gap_replicates.shape[1]))
    return Matched(frame, reps, tuple(notes), gap_reps)


# ----------------------------------------------------------------------------- fit and scores

def check_measurement(measurement: str, option: str = "--measurement") -> str:
    """``measurement`` if it names a measurement model; ValueError naming the allowed ones."""
    if measurement not in MEASUREMENTS:
        raise ValueError(f"{option}: bad value {measurement!r}; allowed: "
                         f"{', '.join(MEASUREMENTS)}")
    return measurement


@dataclass(frozen=True)
class MeasurementFit:
    """Least-squares link of the data to the model, pooled over dyad-years.

    For a distance: value ≈ alpha − beta × alignment (``one``), plus gamma × gap
    (``hegemony``, gap = |h_i − h_j|, `standing`); for an agreement measure the signs of
    both slopes are reversed. So beta > 0 means that more alignment in the model goes with
    closer votes, and gamma > 0 that states further apart in their standing towards the
    US-led order vote further apart. alpha, beta, gamma and their standard errors are the
    ordinary least-squares ones (usual formula, s² (X'X)⁻¹; they treat the dyad-years as
    independent, which they are not: the votes move slowly, so the standard errors are too
    small, perhaps twofold or more). gamma and gamma_se are NaN for ``one``.

    ``scored_beta`` and ``scored_gamma`` are the slopes the `hegemony` scores use: the
    least-squares ones when both have the expected sign (the usual case), else the
    least-squares fit with a wrong-signed slope held at 0, so that a replay whose alignment
    goes the wrong way is not credited for it through a flipped sign (the single-term
    scores read the sign straight off the raw alignment; the calibration loss counts a
    negative correlation as none).
    """

    measure: str
    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    r2: float
    resid_sd: float
    n: int
    measurement: str = "one"
    gamma: float = math.nan
    gamma_se: float = math.nan
    scored_beta: float = math.nan
    scored_gamma: float = math.nan

    @property
    def constrained(self) -> bool:
        """True when a scored slope differs from the least-squares one (a wrong sign)."""
        if self.measurement == "one":
            return False
        return (self.scored_beta, self.scored_gamma) != (self.beta, self.gamma)

    def predict(self, alignment: np.ndarray | float,
                gap: np.ndarray | float | None = None) -> np.ndarray:
        """The measure the least-squares fit expects at a given alignment (and, for
        ``hegemony``, standing gap)."""
        sign = 1.0 if MEASURES[self.measure].larger_is_closer else -1.0
        out = self.alpha + sign * self.beta * np.asarray(alignment, dtype=np.float64)
        if self.measurement == "hegemony":
            if gap is None:
                raise ValueError("the hegemony measurement model predicts from the standing "
                                 "gap too; none given")
            out = out - sign * self.gamma * np.asarray(gap, dtype=np.float64)
        return out

    def score_series(self, alignment: np.ndarray, gap: np.ndarray | None = None
                     ) -> np.ndarray:
        """What the scores correlate with the votes' closeness: the alignment itself for
        ``one`` (unchanged from before there were two models; for beta > 0 a monotone
        function of the prediction), the predicted closeness (the fitted distance negated,
        with the scored slopes; its intercept dropped, which no correlation sees) for
        ``hegemony``."""
        m = np.asarray(alignment, dtype=np.float64)
        if self.measurement == "one":
            return m
        if gap is None:
            raise ValueError("the hegemony measurement model scores from the standing gap "
                             "too; none given")
        return self.scored_beta * m - self.scored_gamma * np.asarray(gap, dtype=np.float64)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Least squares of y on the columns of x (the first a constant): coefficients, their
    standard errors (s² (X'X)⁻¹) and the residual sum of squares."""
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    rss = float(resid @ resid)
    dof = len(y) - x.shape[1]
    cov = rss / dof * np.linalg.inv(x.T @ x) if dof > 0 else np.full((x.shape[1],) * 2,
                                                                       math.nan)
    return coef, np.sqrt(np.clip(np.diag(cov), 0.0, None)), rss


def _sign_constrained(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with the intercept free and every slope at least 0: the best of the
    fits on each subset of the slopes whose slopes all come out non-negative (with few
    slopes this enumeration is exact; a bound that binds holds its slope at 0)."""
    k = x.shape[1] - 1
    best, best_rss = np.zeros(k + 1), math.inf
    for mask in range(1 << k):
        cols = [0] + [c + 1 for c in range(k) if mask >> c & 1]
        coef, *_ = np.linalg.lstsq(x[:, cols], y, rcond=None)
        if (coef[1:] < 0).any():
            continue
        resid = y - x[:, cols] @ coef
        rss = float(resid @ resid)
        if rss < best_rss:
            best, best_rss = np.zeros(k + 1), rss
            best[cols] = coef
    return best


def fit_measurement(alignment: Sequence[float] | np.ndarray, value: Sequence[float] | np.ndarray,
                    measure: str = PRIMARY_MEASURE, *, measurement: str = "one",
                    gap: Sequence[float] | np.ndarray | None = None) -> MeasurementFit:
    """Ordinary least squares of the measure on the model's alignment (and, for
    ``hegemony``, the standing gap), pooled over dyad-years (`numpy.linalg.lstsq`);
    ValueError when the fit is not defined."""
    check_measurement(measurement)
    x = np.asarray(alignment, dtype=np.float64)
    y = np.asarray(value, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"alignment and value must be two equal 1-d series; got {x.shape} "
                         f"and {y.shape}")
    n_coef = 3 if measurement == "hegemony" else 2
    if len(x) < n_coef + 1:
        raise ValueError(f"a measurement fit ({measurement}) needs at least {n_coef + 1} "
                         f"dyad-years; got {len(x)}")
    if np.ptp(x) == 0:
        raise ValueError("the model's alignment is the same in every dyad-year; no fit")
    sign = 1.0 if MEASURES[measure].larger_is_closer else -1.0
    cols = [np.ones_like(x), sign * x]  # oriented so that both slopes are expected positive
    if measurement == "hegemony":
        g = np.asarray(gap if gap is not None else [], dtype=np.float64)
        if g.shape != x.shape:
            raise ValueError(f"the hegemony measurement model needs the standing gap of "
                             f"every dyad-year; got {g.shape} for {x.shape}")
        if not np.isfinite(g).all():
            raise ValueError(f"--measurement: bad value 'hegemony': the standing towards the "
                             f"US-led order needs {HEGEMON} in the run's roster; allowed "
                             f"without it: one")
        cols.append(-sign * g)
    design = np.column_stack(cols)
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError("the standing gap is a straight-line function of the alignment in "
                         "every dyad-year (e.g. every dyad includes the USA), so the hegemony "
                         "measurement model cannot tell them apart; use --measurement one")
    coef, se, rss = _ols(design, y)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - rss / tss if tss > 0 else math.nan
    resid_sd = math.sqrt(rss / (len(x) - design.shape[1]))
    out = MeasurementFit(measure=measure, alpha=float(coef[0]), beta=float(coef[1]),
                         alpha_se=float(se[0]), beta_se=float(se[1]), r2=r2,
                         resid_sd=resid_sd, n=len(x), measurement=measurement,
                         scored_beta=float(coef[1]))
    if measurement == "one":
        return out
    scored = coef if (coef[1:] >= 0).all() else _sign_constrained(design, y)
    return replace(out, gamma=float(coef[2]), gamma_se=float(se[2]),
                   scored_beta=float(scored[1]), scored_gamma=float(scored[2]))


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


def rank_ceiling(model: np.ndarray, closeness: np.ndarray, groups: np.ndarray
                 ) -> tuple[float, float]:
    """How far the pooled Spearman can go with the model's levels: (levels only, ceiling).

    *Levels only* scores every dyad-year by its dyad's mean in ``model``, as if the model
    had each relation's level and no movement. The *ceiling* keeps those levels and adds
    the votes' own movement within each dyad, at the scale that ranks best: a model that
    followed every change of every relation perfectly, but kept its levels. Why report it:
    the pooled score mixes levels and changes, and where the levels are pinned by the
    documents (the standing residual) no global rate or weight can raise it past this
    ceiling; only different levels could, and the votes may not set those (issue 13's
    hold-out rule: the data set global parameters and the measurement model only).
    """
    model = np.asarray(model, dtype=np.float64)
    closeness = np.asarray(closeness, dtype=np.float64)
    level = pd.Series(model).groupby(np.asarray(groups)).transform("mean").to_numpy()
    moves = demean(closeness, groups)
    levels_only = spearman(level, closeness)
    spread = float(np.std(moves))
    if not np.isfinite(levels_only) or spread == 0.0:
        return levels_only, levels_only
    unit = float(np.std(model)) / spread if np.std(model) > 0 else 1.0
    # the score is a step function of the scale: a fine log grid finds its top
    best = max(spearman(level + unit * k * moves, closeness)
               for k in np.geomspace(1e-3, 1e3, 241))
    return levels_only, float(max(best, levels_only))


@dataclass(frozen=True)
class DyadScore:
    """One dyad's line of the report."""

    dyad: str
    years: int
    model_mean: float
    data_mean: float
    within_r: float  # Pearson over the dyad's years; NaN with fewer than 3 or no variation
    fitted_mean: float = math.nan  # the measurement model's fitted value, mean over years
    gap_mean: float = math.nan  # the standing gap |h_i − h_j| (hegemony), mean over years


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
    #: the pooled Spearman of the model's dyad levels alone, and its ceiling with those
    #: levels and perfect within-dyad tracking (`rank_ceiling`)
    spearman_levels_only: float = math.nan
    spearman_ceiling: float = math.nan

    @property
    def measurement(self) -> str:
        return self.fit.measurement

    @property
    def spearman_met(self) -> bool:
        return self.spearman >= SPEARMAN_TARGET

    @property
    def within_met(self) -> bool:
        return self.within_r >= WITHIN_TARGET

    def dyad_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(d) for d in self.dyads],
                            columns=["dyad", "years", "model_mean", "gap_mean", "fitted_mean",
                                     "data_mean", "within_r"])


def _range(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan
    lo, hi = np.quantile(v, [0.05, 0.95])
    return float(lo), float(hi)


def fit_matched(matched: Matched, measure: str = PRIMARY_MEASURE,
                measurement: str = DEFAULT_MEASUREMENT) -> tuple[MeasurementFit, np.ndarray]:
    """The measurement model fitted to the matched dyad-years' ensemble means, and the series
    the scores correlate with the votes' closeness (`MeasurementFit.score_series`)."""
    check_measurement(measurement)
    f = matched.frame
    model = f["model"].to_numpy()
    gap = f["gap"].to_numpy() if measurement == "hegemony" else None
    fit = fit_measurement(model, f["value"].to_numpy(), measure, measurement=measurement,
                          gap=gap)
    return fit, fit.score_series(model, gap)


def replicate_series(matched: Matched, measure: str, measurement: str) -> list[np.ndarray]:
    """The scored series of each single replicate: its own alignment for ``one``; for
    ``hegemony`` the prediction of the measurement model refitted to that replicate (as
    someone with that one run would fit it), all NaN where that fit is not defined."""
    reps = matched.replicates
    if measurement == "one":
        return [reps[:, k] for k in range(reps.shape[1])]
    if matched.gap_replicates is None:
        raise ValueError("the hegemony measurement model needs each replicate's standing gap")
    value = matched.frame["value"].to_numpy()
    out = []
    for k in range(reps.shape[1]):
        try:
            fit = fit_measurement(reps[:, k], value, measure, measurement=measurement,
                                  gap=matched.gap_replicates[:, k])
        except ValueError:
            out.append(np.full(len(value), math.nan))
            continue
        out.append(fit.score_series(reps[:, k], matched.gap_replicates[:, k]))
    return out


def score(matched: Matched, measure: str = PRIMARY_MEASURE,
          measurement: str = DEFAULT_MEASUREMENT) -> UngaScores:
    """Fit the measurement model and compute every score on matched dyad-years.

    The headline scores use the ensemble-mean yearly alignment; their 5-95% ranges over
    single replicates show how much one run of the model could differ. What is correlated
    with the votes' closeness: the alignment for ``one``, the measurement model's
    predicted closeness for ``hegemony`` (`MeasurementFit.score_series`).
    """
    f = matched.frame
    if len(f) < 3:
        raise ValueError(f"only {len(f)} dyad-year(s) are in both the run and the data; the "
                         "run must cover whole years from 1991 to 2012 and the data dyads' "
                         "actors")
    fit, series = fit_matched(matched, measure, measurement)
    g, yrs = f["dyad"].to_numpy(), f["year"].to_numpy()
    close = f["closeness"].to_numpy()
    share, count, threshold = large_changes(series, close, g, yrs)
    fitted = fit.predict(f["model"].to_numpy(), f["gap"].to_numpy())
    framed = f.assign(_series=series, _fitted=fitted)
    dyads = []
    for dyad, grp in framed.groupby("dyad", sort=True):
        r = (_quiet(stats.pearsonr, grp["_series"].to_numpy(), grp["closeness"].to_numpy())
             if len(grp) >= 3 else math.nan)
        dyads.append(DyadScore(str(dyad), len(grp), float(grp["model"].mean()),
                               float(grp["value"].mean()), r, float(grp["_fitted"].mean()),
                               float(grp["gap"].mean())))
    per_rep = replicate_series(matched, measure, measurement)
    levels_only, ceiling = rank_ceiling(series, close, g)
    return UngaScores(
        measure=measure, fit=fit,
        n_dyad_years=len(f), n_dyads=len(dyads), first_year=int(yrs.min()),
        last_year=int(yrs.max()), replicates=int(matched.replicates.shape[1]),
        spearman=spearman(series, close),
        spearman_range=_range([spearman(r, close) for r in per_rep]),
        within_r=within_dyad_r(series, close, g),
        within_r_range=_range([within_dyad_r(r, close, g) for r in per_rep]),
        large_change_share=share, large_changes=count, large_change_threshold=threshold,
        dyads=tuple(dyads), notes=matched.notes,
        spearman_levels_only=levels_only, spearman_ceiling=ceiling)


def evaluate_unga(record_alignment: np.ndarray, world_ids: Sequence[str], start: str,
                  data: pd.DataFrame, measure: str = PRIMARY_MEASURE,
                  measurement: str = DEFAULT_MEASUREMENT) -> tuple[UngaScores, Matched]:
    """A run's record against the data (from `load_unga`): yearly values, join, fit, scores."""
    check_measurement(measurement)
    obs = select_measure(data, measure)
    obs = obs[obs["year"] <= LAST_YEAR]  # never anything held out, whatever the frame holds
    yearly = yearly_alignment(record_alignment, world_ids, start, obs["dyad"].unique())
    matched = match_years(yearly, obs, measure)
    return score(matched, measure, measurement), matched


# ----------------------------------------------------------------------------- report

def _num(x: float, fmt: str = "{:.2f}") -> str:
    return "n/a" if x is None or not math.isfinite(x) else fmt.format(x)


def link_formula(scores: UngaScores) -> str:
    """The fitted link as a formula, oriented for the measure."""
    m = MEASURES[scores.measure]
    if m.larger_is_closer:
        return {"one": "alpha + beta × alignment",
                "hegemony": "alpha + beta × alignment − gamma × |h_i − h_j|"
                }[scores.measurement]
    return MEASUREMENTS[scores.measurement]


def _fit_columns(f: MeasurementFit) -> tuple[list[str], list[str]]:
    """Headers and cells of the fit's table (two decimals)."""
    heads = ["alpha", "se", "beta", "se"]
    cells = [_num(f.alpha), _num(f.alpha_se), _num(f.beta), _num(f.beta_se)]
    if f.measurement == "hegemony":
        heads += ["gamma", "se"]
        cells += [_num(f.gamma), _num(f.gamma_se)]
    heads += ["R²", "residual sd", "dyad-years"]
    cells += [_num(f.r2), _num(f.resid_sd), str(f.n)]
    return heads, cells


def _fit_sentences(f: MeasurementFit) -> list[str]:
    """What the fitted signs say, and whether the scores had to hold a slope at 0."""
    out = ["beta > 0: more alignment in the model goes with closer votes." if f.beta > 0 else
           "beta ≤ 0: the model's alignment does not go with closer votes."]
    if f.measurement == "hegemony":
        out.append("gamma > 0: states further apart in their standing towards the US-led "
                   "order vote further apart." if f.gamma > 0 else
                   "gamma ≤ 0: the standing gap does not go with votes further apart.")
        if f.constrained:
            out.append(f"A slope has the wrong sign, so the scores use the least-squares fit "
                       f"with it held at 0 (beta {_num(f.scored_beta)}, gamma "
                       f"{_num(f.scored_gamma)}).")
    return out


def scored_quantity(measurement: str, *, short: bool = False) -> str:
    """What the scores correlate with the votes' closeness, in words."""
    if measurement == "one":
        return "model alignment" if short else (
            "the model's alignment (for beta > 0 a monotone function of the fitted distance, "
            "so the same ranks)")
    return "fitted closeness" if short else (
        "the measurement model's prediction (its fitted distance, negated to a closeness)")


def unga_report(scores: UngaScores, *, scenario: str, seed: int, data_file: Path | str
                ) -> str:
    """The comparison as a short Markdown report: fit, scores against targets, per dyad."""
    s, f = scores, scores.fit
    m = MEASURES[s.measure]
    verdict = {True: "met", False: "not met"}
    heads, cells = _fit_columns(f)
    hegemony = s.measurement == "hegemony"
    lines = [
        f"# UNGA votes against the {scenario} replay ({s.first_year}-{s.last_year})", "",
        f"Scenario **{scenario}**, {s.replicates} replicates from seed {seed} (batched "
        f"engine); measure `{s.measure}` ({m.meaning}), {s.n_dyad_years} dyad-years of "
        f"{s.n_dyads} dyads, in-sample years only (from {HELD_OUT_FROM} the data are held "
        f"out). Data file: `{data_file}`.", "",
        f"Data: {CITATION}", "",
        f"## Measurement model: {s.measurement}", "",
        f"`{s.measure}` ≈ {link_formula(s)}, ordinary least squares pooled over dyad-years "
        "(model alignment: mean of both directions over the months of the year and the "
        "replicates).", "",
    ]
    if hegemony:
        lines += [f"h_k: state k's standing towards the US-led order in the model that year, "
                  f"the mean of its alignment with the {HEGEMON} in both directions "
                  f"({HEGEMON} itself: 1); |h_i − h_j| is averaged over replicates.", ""]
    lines += [
        "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads),
        "| " + " | ".join(cells) + " |", "",
        " ".join(_fit_sentences(f)),
        "Standard errors by the usual OLS formula, which treats dyad-years as independent; "
        "the votes move slowly, so they are too small.", "",
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
        f"| Spearman of the model's dyad levels alone | {_num(s.spearman_levels_only)} "
        "| | |",
        f"| Spearman ceiling at these levels | {_num(s.spearman_ceiling)} | | "
        f"{'above' if s.spearman_ceiling >= SPEARMAN_TARGET else 'below'} the target |",
        "",
        "The ceiling keeps the model's level for each dyad and adds the votes' own "
        "movement within it, at the scale that ranks best: what a model that followed every "
        "change perfectly would score with these levels. Below the target, only other levels "
        "could reach it.", "",
        f"Correlations compare {scored_quantity(s.measurement)} with the votes' closeness "
        "(a distance negated), so higher is better"
        + (" (single replicates: the model refitted to each)" if hegemony else "")
        + ". Large changes: year-to-year changes of a dyad above "
        f"the {LARGE_CHANGE_QUANTILE:.0%} quantile of all absolute changes.", "",
        "## Per dyad", "",
    ]
    if hegemony:
        lines += ["| dyad | years | model mean | standing gap | fitted | data mean | "
                  "within-dyad r |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {d.dyad} | {d.years} | {_num(d.model_mean, '{:+.2f}')} | "
                  f"{_num(d.gap_mean)} | {_num(d.fitted_mean)} | {_num(d.data_mean)} | "
                  f"{_num(d.within_r, '{:+.2f}')} |" for d in s.dyads]
    else:
        lines += ["| dyad | years | model mean | fitted | data mean | within-dyad r |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {d.dyad} | {d.years} | {_num(d.model_mean, '{:+.2f}')} | "
                  f"{_num(d.fitted_mean)} | {_num(d.data_mean)} | "
                  f"{_num(d.within_r, '{:+.2f}')} |" for d in s.dyads]
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
    hegemony = s.measurement == "hegemony"
    fit = Table(title=f"Measurement model {s.measurement}: {s.measure} ≈ {link_formula(s)} "
                      f"({s.first_year}-{s.last_year}, {s.replicates} replicates)",
                caption=" ".join(_fit_sentences(f)))
    heads, cells = _fit_columns(f)
    for col in heads:
        fit.add_column(col, justify="right")
    fit.add_row(*cells)
    sc = Table(title=f"Scores ({scored_quantity(s.measurement, short=True)} against the "
                     "votes' closeness)", caption=f"Correlated: "
                     f"{scored_quantity(s.measurement)}.")
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
    sc.add_row("Spearman of the dyad levels alone", _num(s.spearman_levels_only), "", "")
    sc.add_row("Spearman ceiling at these levels", _num(s.spearman_ceiling), "",
               "perfect tracking within each dyad")
    per = Table(title="Per dyad")
    for col in ("dyad", "years", "model mean", *(["standing gap"] if hegemony else []),
                "fitted", "data mean", "within-dyad r"):
        per.add_column(col, justify="left" if col == "dyad" else "right")
    for d in s.dyads:
        gap = [_num(d.gap_mean)] if hegemony else []
        per.add_row(d.dyad, str(d.years), _num(d.model_mean, "{:+.2f}"), *gap,
                    _num(d.fitted_mean), _num(d.data_mean), _num(d.within_r, "{:+.2f}"))
    return [fit, sc, per]


def dyad_year_table(matched: Matched, fit: MeasurementFit) -> pd.DataFrame:
    """The matched dyad-years with the fitted value and the scored series, for a results
    folder."""
    f = matched.frame
    gap = f["gap"].to_numpy() if fit.measurement == "hegemony" else None
    return f.assign(fitted=fit.predict(f["model"].to_numpy(), gap),
                    scored=fit.score_series(f["model"].to_numpy(), gap))


def write_unga(results_dir: Path | str, report: str, manifest: dict[str, Any],
               table: pd.DataFrame | None = None) -> Path:
    """Write ``unga/<UTC time>/`` (report.md, manifest.json, dyad_years.csv) under
    ``results_dir``, staged and renamed into place whole: nothing earlier is overwritten and
    a failure leaves nothing behind."""
    from sim.runs.results_io import atomic_write_text, staged_dir

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
    from sim.runs.manifest import sha256_file

    s = scores
    return {"kind": "rusiran-sim unga", "unga": {
        "data_file": str(data_file), "data_sha256": sha256_file(data_file),
        "citation": CITATION, "measure": measure, "measurement": s.measurement,
        "scored": scored_quantity(s.measurement), "years": [s.first_year, s.last_year],
        "held_out_from": HELD_OUT_FROM,
        "fit": dict(vars(s.fit)),
        "spearman": s.spearman, "spearman_range": list(s.spearman_range),
        "within_r": s.within_r, "within_r_range": list(s.within_r_range),
        "large_change_share": s.large_change_share, "large_changes": s.large_changes,
        "large_change_threshold": s.large_change_threshold,
        "spearman_levels_only": s.spearman_levels_only,
        "spearman_ceiling": s.spearman_ceiling,
        "dyad_years": s.n_dyad_years, "notes": list(s.notes)}}
