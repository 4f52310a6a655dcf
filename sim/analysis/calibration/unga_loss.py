"""The UN General Assembly votes as a term of the calibration loss.

`sim.analysis.calibration.unga` links the replay's yearly alignment to the votes by a measurement
model and scores it by the pooled Spearman correlation and the within-dyad correlation.
Here those two scores become a term of the loss, in the same units as the rest of it. The
measurement model is the one `sim unga` reports with (``measurement`` of the ``[unga]``
table: ``hegemony`` by default, or ``one``; `unga.MEASUREMENTS`), so the loss and the report
score the same quantity: the alignment itself for ``one``, the measurement model's predicted
closeness for ``hegemony`` (refitted to each candidate's replay: the measurement model's
coefficients are nuisance parameters, profiled out like the slope below).

Why this term. The document targets' part of the loss is a sum of squared z-scores, and the
slices read intervals off it with the chi-square cut 2.71: it is (minus twice) a
log-likelihood up to a constant. A term for the votes must be one too, or its weight would
be an arbitrary exchange rate and the intervals meaningless. So each score is read as the
fit of a Gaussian measurement model, the data held fixed and the candidate's alignment
varying: profiled over its intercept, slope and error variance, minus twice the
log-likelihood of a linear model of n observations with correlation r between the two
series is ``n log(1 - r^2)`` plus a constant that does not depend on the candidate. The
slope is constrained to be positive (more alignment, closer votes: `unga` names it beta),
so a negative correlation counts as none, r+ = max(r, 0). With the ``hegemony`` model the
series is the least-squares prediction from the alignment and the standing gap, whose
correlation with the votes is the multiple correlation R, so the same n log(1 - R^2)
holds with one more profiled coefficient, the same for every candidate, so the constant
still cancels; its slopes are held to their expected signs (`unga.MeasurementFit`), the
counterpart of r+. The term is

    weight × [ n_rank log((1 - s+^2) / (1 - s*^2)) + n_within log((1 - w+^2) / (1 - w*^2)) ]

with s the pooled Spearman (a Gaussian model on ranks, whose sampling variance is about
1.06 times a Pearson correlation's: Fieller, Hartley & Pearson 1957, so its n is divided
by 1.06) and w the within-dyad correlation (dyad means removed: a model with one intercept
per dyad). The constant is chosen so that the term is zero when both scores sit exactly at
the targets docs/validation.md sets for them (s* = 0.7, w* = 0.4, `unga.SPEARMAN_TARGET`
and `unga.WITHIN_TARGET`): positive when the replay follows the votes less well, negative
when better. Lower is better, like the rest of the loss, and a difference of 2.71 between
two candidates is the same evidence in either part. (The constant changes neither the fit
nor the intervals; it keeps the loss near zero, where the optimiser's relative
convergence tolerance means what it says.)

Why these n. The dyad-years are not independent observations. The ideal points move slowly
(the lag-1 autocorrelation of a dyad's demeaned distance is about 0.8), so the within-dyad
changes count as ``(n - n_dyads) (1 - rho) / (1 + rho)`` independent ones, the usual AR(1)
effective sample size with rho estimated once from the data. (For the correlation of two
autocorrelated series the factor has rho_model × rho_data in place of rho; the model's
yearly series are at least as smooth as the votes, so using rho_data alone errs towards the
smaller n.) The levels, which dominate the pooled ranks (nine tenths of the distances' variance is
between dyads), carry one independent observation per dyad: n_rank = n_dyads / 1.06.
Counting each dyad-year as independent would overweight the votes several-fold against
the documents; counting the within-dyad changes in both parts would count them twice. Both
n are computed from the data alone, so the term is a fixed function of the two scores.

Monte Carlo attenuation, and why it is not corrected. The candidate's yearly alignment is an
ensemble mean over a few replicates, so it carries Monte Carlo noise, and noise in one
series lowers its correlation with any other by the square root of its reliability (the
share of its variance that is not noise: ``1 - (mean replicate variance / R) / variance of
the ensemble means``, `reliabilities`). A candidate whose relations move more is less
attenuated, so the term leans towards larger responses. On the history replay the
within-dyad reliability is about 0.93 at 16 replicates, and a difference of a few hundredths
between candidates moves the term by a few hundredths of a unit, far inside the 2.71 of an
interval; on the synthetic votes of tests/test_calibration.py, where the correlations are
near 1 and the changes small, it shifts the fit up by a quarter of the true value or so. The
textbook remedy, dividing by the square root of the estimated reliability (Spearman 1904),
was tried and rejected: where a candidate's relations hardly move, its reliability is
small and itself noisy, and the optimiser sought such candidates out, whose corrected
correlations were large on the fit's seeds and gone on fresh ones. The report gives the
within-dyad reliability (votes.csv both), and warns when it is low enough to matter (then:
more replicates).

``weight`` 1 takes this likelihood at face value. The votes measure one dimension of a
relation (a state's stance towards the US-led order), so a lower weight is a defensible
discount; 0 keeps the scores in the report without fitting to them.

Only in-sample years are used: `unga.load_unga` refuses a file with years from 2013,
`load_unga_data` keeps the years up to 2012 whatever, and the objective hands over the
replay up to December 2012 only, however far the document targets make it run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration import unga as u

#: Sampling variance of Fisher's z of a Spearman correlation relative to a Pearson one
#: (Fieller, Hartley & Pearson 1957).
SPEARMAN_VARIANCE = 1.06
#: Correlations are capped here: a perfect fit would make the log-likelihood infinite.
MAX_R = 0.999


@dataclass(frozen=True)
class UngaData:
    """What a worker needs to score a replay against the votes (small, picklable)."""

    data: pd.DataFrame  # `unga.load_unga` rows, in-sample years only
    data_file: Path
    measure: str
    weight: float
    measurement: str = u.DEFAULT_MEASUREMENT  # `unga.MEASUREMENTS`


@dataclass(frozen=True)
class UngaFit:
    """One candidate's comparison with the votes, and its term of the loss."""

    spearman: float  # pooled Spearman of the ensemble means, as `unga.score` has it
    within_r: float  # within-dyad correlation, as `unga.score` has it
    n_rank: float  # effective observations behind the pooled Spearman
    n_within: float  # effective observations behind the within-dyad correlation
    rho: float  # lag-1 autocorrelation of the data's demeaned closeness
    weight: float
    reliability_rank: float = 1.0  # share of the ensemble means' pooled variance not noise
    reliability_within: float = 1.0  # the same within dyads (a diagnostic, see above)
    scores: u.UngaScores | None = None  # every figure of `unga.score`, for reports

    @property
    def deviance(self) -> float:
        """The unweighted term: minus twice the log-likelihood ratio against a replay whose
        scores sit at their targets."""
        return (n_log(self.n_rank, self.spearman) - n_log(self.n_rank, u.SPEARMAN_TARGET)
                + n_log(self.n_within, self.within_r) - n_log(self.n_within, u.WITHIN_TARGET))

    @property
    def term(self) -> float:
        return self.weight * self.deviance


def n_log(n: float, r: float) -> float:
    """``n log(1 - r+^2)``: a NaN correlation (a constant series) counts as none."""
    r = 0.0 if not math.isfinite(r) else min(max(r, 0.0), MAX_R)
    return n * math.log1p(-r * r)


def lag1_autocorrelation(values: np.ndarray, groups: np.ndarray, years: np.ndarray) -> float:
    """Pooled lag-1 autocorrelation of a series demeaned within each group (consecutive
    years only), floored at 0."""
    df = pd.DataFrame({"g": groups, "y": years, "v": u.demean(values, groups)})
    df = df.sort_values(["g", "y"])
    prev = df.groupby("g")[["y", "v"]].shift(1)
    pair = (df["y"] - prev["y"]) == 1
    if pair.sum() < 3:
        return 0.0
    x, y = df.loc[pair, "v"].to_numpy(), prev.loc[pair, "v"].to_numpy()
    denom = math.sqrt(float((x * x).sum() * (y * y).sum()))
    return max(0.0, float((x * y).sum()) / denom) if denom > 0 else 0.0


def effective_sizes(matched: u.Matched) -> tuple[float, float, float]:
    """(n_rank, n_within, rho) of the matched dyad-years (see the module's docstring)."""
    f = matched.frame
    g = f["dyad"].to_numpy()
    n_dyads = len(set(g))
    rho = lag1_autocorrelation(f["closeness"].to_numpy(), g, f["year"].to_numpy())
    n_within = (len(f) - n_dyads) * (1.0 - rho) / (1.0 + rho)
    return n_dyads / SPEARMAN_VARIANCE, n_within, rho


def reliabilities(matched: u.Matched, fit: u.MeasurementFit | None = None
                  ) -> tuple[float, float]:
    """(pooled, within-dyad) share of the ensemble means' variance that is not Monte Carlo
    noise, from the replicates; 0 for a candidate that is all noise. Of the scored series:
    the alignment, or with a ``hegemony`` ``fit`` its prediction (the same coefficients
    applied to each replicate, so that the ensemble series is the replicates' mean)."""
    reps = matched.replicates
    f = matched.frame
    if reps.shape[1] < 2 or len(f) < 3:
        return 1.0, 1.0
    model = f["model"].to_numpy()
    if fit is not None and fit.measurement != "one":
        if matched.gap_replicates is None:
            raise ValueError("the hegemony measurement model needs each replicate's gap")
        reps = fit.score_series(reps, matched.gap_replicates)
        model = fit.score_series(model, f["gap"].to_numpy())
    noise = float(reps.var(axis=1, ddof=1).mean()) / reps.shape[1]
    pooled = float(model.var(ddof=1))
    within = float(u.demean(model, f["dyad"].to_numpy()).var(ddof=1))
    return tuple(max(0.0, 1.0 - noise / v) if v > 0 else 0.0  # type: ignore[return-value]
                 for v in (pooled, within))


def load_unga_data(data_file: Path, measure: str, weight: float,
                   measurement: str = u.DEFAULT_MEASUREMENT) -> UngaData:
    """The checked data file's rows of one measure, in-sample years only."""
    u.check_measurement(measurement, "unga.measurement")
    data = u.load_unga(data_file)
    data = data[(data["measure"] == measure) & (data["year"] <= u.LAST_YEAR)]
    return UngaData(data.reset_index(drop=True), Path(data_file), measure, weight,
                    measurement)


def fit_votes(unga: UngaData, alignment: np.ndarray, ids, start: str, *,
              full: bool = False) -> UngaFit:
    """A replay's record against the votes: the two correlations, effective sizes and
    reliabilities, the term of the loss; with ``full`` every figure of `unga.score` too.

    Without ``full`` the scores are computed as `unga.evaluate_unga` computes them, but
    without the per-replicate ranges that only a report reads (and, for the ``one`` model,
    without the measurement fit, which its scores do not use): the objective is evaluated
    hundreds of times."""
    if full:
        scores, matched = u.evaluate_unga(alignment, ids, start, unga.data, unga.measure,
                                          unga.measurement)
        spearman, within, fit = scores.spearman, scores.within_r, scores.fit
    else:
        obs = unga.data.drop(columns="measure")  # one measure's rows, up to 2012 only
        yearly = u.yearly_alignment(alignment, ids, start, obs["dyad"].unique())
        matched = u.match_years(yearly, obs, unga.measure)
        f, scores, fit = matched.frame, None, None
        if unga.measurement == "one":  # no fit needed: the alignment is scored as it is
            series = f["model"].to_numpy()
        else:
            try:
                fit, series = u.fit_matched(matched, unga.measure, unga.measurement)
            except ValueError:  # no fit (e.g. a replay whose alignment never moves): no
                series = np.full(len(f), math.nan)  # correlation, which counts as none
        spearman = u.spearman(series, f["closeness"].to_numpy())
        within = u.within_dyad_r(series, f["closeness"].to_numpy(), f["dyad"].to_numpy())
    n_rank, n_within, rho = effective_sizes(matched)
    if fit is None and unga.measurement != "one":
        rank, within_rel = 0.0, 0.0  # no measurement fit: nothing is scored
    else:
        rank, within_rel = reliabilities(matched, fit)
    return UngaFit(spearman, within, n_rank, n_within, rho, unga.weight, rank, within_rel,
                   scores)
