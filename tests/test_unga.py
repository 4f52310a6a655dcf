"""The UNGA measurement model: the data file is read and checked, the model's yearly values
are averaged right, the fit and the scores recover what synthetic data were built with, and
`sim unga` runs, reports and refuses bad input cleanly."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.analysis.calibration import load_calibration
from sim.analysis.calibration import unga as u
from sim.analysis.calibration.config import UngaSettings
from sim.analysis.calibration.unga_loss import UngaData, fit_votes, load_unga_data
from sim.cli import app
from sim.core.config_errors import ConfigError
from sim.inputs.roster import default_roster_file

runner = CliRunner()
HEADER = "year,dyad,measure,value,n_votes\n"


def _csv(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "unga.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def _problems(path) -> str:
    with pytest.raises(ConfigError) as exc:
        u.load_unga(path)
    return " ".join(str(exc.value).split())


# ----------------------------------------------------------------------------- loading

def test_the_shared_file_loads_and_every_code_is_a_roster_actor():
    df = u.load_unga()
    assert list(df.columns) == ["year", "dyad", "a", "b", "measure", "value", "n_votes"]
    assert (df["year"].min(), df["year"].max()) == (1991, 2012)  # nothing held out
    assert set(df["measure"]) == set(u.MEASURES)
    assert df["dyad"].nunique() == 16 and "RUS-IRN" in set(df["dyad"])
    roster = {a.id for a in default_roster_file().actors}
    assert set(df["a"]) | set(df["b"]) <= roster
    assert (df["n_votes"] >= 20).all()  # the README: fewer joint votes are left out


def test_missing_file_names_the_file(tmp_path):
    text = _problems(tmp_path / "absent.csv")
    assert "absent.csv: file not found" in text and "SIM_DATA_DIR" in text


def test_missing_and_unknown_columns(tmp_path):
    path = _csv(tmp_path, "1995,RUS-IRN,unga_s_score,0.5,70\n",
                header="year,dyad,measure,score,n_votes\n")
    text = _problems(path)
    assert "column 'value' is missing" in text
    assert "column 'score' is unknown" in text


def test_every_bad_value_is_reported_with_line_field_and_allowed(tmp_path):
    path = _csv(tmp_path, "\n".join([
        "1995,RUS-IRN,idealpoint_distance_fp,0.5,70",  # line 2: good
        "2015,RUS-IRN,idealpoint_distance_fp,0.5,70",  # line 3: held-out year
        "1995,RUS-XXX,idealpoint_distance_fp,0.5,70",  # line 4: unknown code
        "1995,RUS-IRN,closeness,0.5,70",  # line 5: unknown measure
        "1995,RUS-USA,idealpoint_distance_fp,abc,70",  # line 6: not a number
        "1995,RUS-TUR,idealpoint_distance_fp,-0.2,70",  # line 7: negative distance
        "1995,RUS-CHN,unga_s_score,1.5,many",  # line 8: out of range, bad count
    ]) + "\n")
    text = _problems(path)
    assert "line 2" not in text
    assert "line 3: year: bad value '2015': allowed 1991 to 2012 (years from 2013 are held " \
           "out)" in text
    assert "line 4: dyad: bad value 'RUS-XXX'" in text and "unknown country code(s) XXX" in text
    assert "line 5: measure: bad value 'closeness': allowed idealpoint_distance_fp" in text
    assert "line 6: value: bad value 'abc': not a number" in text
    assert "line 7: value: bad value '-0.2': idealpoint_distance_fp must lie in [0.0, inf]" \
        in text
    assert "line 8: value: bad value '1.5': unga_s_score must lie in [-1.0, 1.0]" in text
    assert "line 8: n_votes: bad value 'many'" in text


def test_duplicates_and_empty_files_are_refused(tmp_path):
    row = "1995,RUS-IRN,unga_s_score,0.5,70\n"
    assert "repeated on lines 2, 3" in _problems(_csv(tmp_path, row + row))
    assert "no data rows" in _problems(_csv(tmp_path, ""))
    (tmp_path / "blank.csv").write_text("")
    assert "the file is empty" in _problems(tmp_path / "blank.csv")


def test_roster_pair_and_measure_selection():
    assert u.roster_pair("RUS-IRN") == ("RUS", "IRN")
    for bad in ("RUSIRN", "RUS-IRN-USA", "RUS-RUS", "RUS-EU"):
        with pytest.raises(ValueError, match="dyad"):
            u.roster_pair(bad)
    with pytest.raises(ValueError, match="allowed: idealpoint_distance_fp"):
        u.select_measure(u.load_unga(), "votes")


# ----------------------------------------------------------------------------- yearly values

def _record(months: int, reps: int = 2) -> np.ndarray:
    """Alignment (months + 1, reps, 3, 3) over RUS, IRN, USA: after month k, in replicate r,
    RUS->IRN = k/100 + r/10 and IRN->RUS = 3k/100; row 0 (initial state) is 9, which no
    yearly mean may include."""
    a = np.zeros((months + 1, reps, 3, 3))
    k = np.arange(months)[:, None]
    r = np.arange(reps)[None, :]
    a[1:, :, 0, 1] = k / 100 + r / 10
    a[1:, :, 1, 0] = 3 * k / 100 + 0 * r
    a[0] = 9.0
    return a


IDS = ("RUS", "IRN", "USA")


def test_yearly_alignment_averages_months_directions_and_replicates():
    y = u.yearly_alignment(_record(24), IDS, "2000-01", ["RUS-IRN", "RUS-ISR"])
    t = y.table.set_index("year")
    # mean of both directions = 2k/100 + r/20: 2000 holds k = 0..11, 2001 k = 12..23
    assert t.loc[2000, "model"] == pytest.approx((0.11 + 0.16) / 2)
    assert t.loc[2001, "model"] == pytest.approx((0.35 + 0.40) / 2)
    assert y.replicates.shape == (2, 2)
    np.testing.assert_allclose(y.replicates, [[0.11, 0.16], [0.35, 0.40]])
    assert t.loc[2000, "low"] == pytest.approx(0.11 + 0.05 * 0.05)  # 5% between two reps
    assert t.loc[2000, "high"] == pytest.approx(0.11 + 0.95 * 0.05)
    assert list(t["months"]) == [12, 12]
    assert any("RUS-ISR: ISR not in the run's roster; skipped" in n for n in y.notes)


def test_part_years_are_left_out_with_a_note():
    y = u.yearly_alignment(_record(18), IDS, "2000-07", ["IRN-RUS"])
    assert list(y.table["year"]) == [2001]  # 2000 has only July to December
    # 2001 = months k = 6..17 of the run: mean 2·11.5/100 = 0.23, plus r/20
    assert y.table["model"].iloc[0] == pytest.approx(0.23 + 0.025)
    assert "2000: only 6 month(s) in the run; left out" in y.notes
    assert u.months_through("2000-07", 2001) == 18
    assert u.months_through("2025-01") == 0


def test_yearly_alignment_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match="N = 2 actors"):
        u.yearly_alignment(_record(12), ("RUS", "IRN"), "2000-01", ["RUS-IRN"])


# ----------------------------------------------------------------------------- fit and scores

def test_fit_recovers_known_alpha_and_beta():
    g = np.random.default_rng(20240601)
    x = g.uniform(-1, 1, 400)
    y = 2.0 - 1.5 * x + g.normal(0, 0.1, 400)
    f = u.fit_measurement(x, y)
    assert f.n == 400
    assert abs(f.alpha - 2.0) < 4 * f.alpha_se and abs(f.beta - 1.5) < 4 * f.beta_se
    assert f.beta > 0  # a distance falls as alignment rises
    # standard errors of the size OLS theory gives: sd / sqrt(n · var x), var x = 1/3
    assert f.beta_se == pytest.approx(0.1 / math.sqrt(400 / 3), rel=0.15)
    assert f.resid_sd == pytest.approx(0.1, rel=0.1)
    assert f.r2 > 0.98
    assert f.predict(0.5) == pytest.approx(f.alpha - 0.5 * f.beta)


def test_fit_orientation_for_an_agreement_measure_and_refusals():
    x = np.linspace(-1, 1, 21)
    f = u.fit_measurement(x, 0.5 + 0.3 * x, "unga_agreement_lijphart")
    assert (f.alpha, f.beta, f.r2) == pytest.approx((0.5, 0.3, 1.0))
    assert f.resid_sd == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least 3"):
        u.fit_measurement([0.1, 0.2], [1.0, 2.0])
    with pytest.raises(ValueError, match="same in every dyad-year"):
        u.fit_measurement([0.2] * 5, [1.0, 2.0, 3.0, 4.0, 5.0])


def test_spearman_is_one_for_monotone_and_near_zero_for_noise():
    x = np.linspace(-1, 1, 50)
    assert u.spearman(x, np.exp(3 * x)) == pytest.approx(1.0)
    g = np.random.default_rng(7)
    # independent series of 2,000: sd of rho is about 1/sqrt(2000) = 0.022; allow 0.1
    assert abs(u.spearman(g.normal(size=2000), g.normal(size=2000))) < 0.1
    assert math.isnan(u.spearman(np.ones(10), x[:10]))  # constant: NaN, no warning


def test_demeaning_removes_a_dyad_level_offset():
    g = np.random.default_rng(11)
    groups = np.repeat(["A", "B", "C", "D"], 20)
    common = g.normal(0, 0.1, 80)
    # dyad levels ordered one way in the model, the other way in the data
    model = np.repeat([0.9, 0.3, -0.3, -0.9], 20) + common
    data = np.repeat([-2.0, -1.0, 1.0, 2.0], 20) + common + g.normal(0, 0.01, 80)
    assert np.corrcoef(model, data)[0, 1] < -0.9  # pooled levels: badly wrong
    assert u.within_dyad_r(model, data, groups) > 0.95  # changes within dyads: right
    centred = pd.Series(u.demean(data, groups)).groupby(groups).mean()
    np.testing.assert_allclose(centred, 0.0, atol=1e-12)


def test_the_rank_ceiling_separates_levels_from_changes():
    g = np.random.default_rng(5)
    groups = np.repeat(["A", "B", "C", "D"], 20)
    moves = g.normal(0, 0.3, 80)
    votes = np.repeat([-2.0, -1.0, 1.0, 2.0], 20) + moves
    # the right levels and the right changes: both scores reach 1 at the right scale
    levels, ceiling = u.rank_ceiling(votes, votes, groups)
    assert ceiling == pytest.approx(1.0)
    assert 0.7 < levels < ceiling  # levels alone tie every year of a dyad
    # levels in the wrong order: no tracking of the changes can rescue the ranks
    wrong = np.repeat([2.0, 1.0, -1.0, -2.0], 20)
    levels, ceiling = u.rank_ceiling(wrong + g.normal(0, 0.01, 80), votes, groups)
    assert levels < -0.7 and ceiling < 0.5
    # the ceiling never falls below the levels alone, and does not depend on the model's
    # movement within dyads (only on its levels)
    mixed = np.repeat([-2.0, 1.0, -1.0, 2.0], 20)
    a = u.rank_ceiling(mixed + u.demean(g.normal(0, 0.5, 80), groups), votes, groups)
    b = u.rank_ceiling(mixed + u.demean(g.normal(0, 0.5, 80), groups), votes, groups)
    assert a[1] >= a[0]
    assert a == pytest.approx(b, abs=1e-9)


def test_large_changes_direction_share():
    # dyad A moves by 0.1, 0.1, -1.0; dyad B by 0.1, 2.0, 0.1 (changes of closeness); the
    # 75% quantile of the six |changes| is 0.775, so the large ones are -1.0 (A) and 2.0 (B)
    groups = np.repeat(["A", "B"], 4)
    years = np.tile([2000, 2001, 2002, 2003], 2)
    close = np.array([0.0, 0.1, 0.2, -0.8, 0.0, 0.1, 2.1, 2.2])
    right = np.array([0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.3, 0.0])  # both large ones right
    share, count, threshold = u.large_changes(right, close, groups, years)
    assert (share, count) == (1.0, 2) and threshold == pytest.approx(0.775)
    half = right.copy()
    half[3] = 0.5  # A's fall now a rise in the model
    assert u.large_changes(half, close, groups, years)[0] == 0.5
    # a gap in the years is not a year-to-year change
    assert u.large_changes(right, close, groups, years * 2)[1] == 0


def _synthetic_data(record: np.ndarray, start: str, gamma: float = 0.0) -> pd.DataFrame:
    """Distances made exactly 1.0 − 0.5 × the model's yearly alignment + gamma × the
    standing gap, plus rows the comparison must leave out: a year before the run, a dyad the
    run does not have."""
    dyads = ["RUS-IRN", "RUS-USA", "IRN-USA"]
    y = u.yearly_alignment(record, IDS, start, dyads).table
    rows = [{"year": r.year, "dyad": r.dyad, "measure": u.PRIMARY_MEASURE,
             "value": 1.0 - 0.5 * r.model + gamma * r.gap, "n_votes": 50}
            for r in y.itertuples()]
    rows = [r for r in rows if not (r["dyad"] == "IRN-USA" and r["year"] == 1993)]
    rows += [{"year": 1991, "dyad": "RUS-IRN", "measure": u.PRIMARY_MEASURE, "value": 0.3,
              "n_votes": 50},
             {"year": 1992, "dyad": "RUS-ISR", "measure": u.PRIMARY_MEASURE, "value": 0.3,
              "n_votes": 50}]
    df = pd.DataFrame(rows)
    df[["a", "b"]] = [u.roster_pair(d) for d in df["dyad"]]
    return df


@pytest.mark.parametrize("measurement", ["one", "hegemony"])
def test_evaluate_recovers_an_exact_measurement_model_and_notes_the_gaps(measurement):
    g = np.random.default_rng(5)
    rec = g.uniform(-0.8, 0.8, (48 + 1, 3, 3, 3))  # 1992-1995, 3 replicates
    scores, matched = u.evaluate_unga(rec, IDS, "1992-01", _synthetic_data(rec, "1992-01"),
                                      measurement=measurement)
    f = scores.fit
    assert scores.measurement == measurement
    assert (f.alpha, f.beta, f.r2) == pytest.approx((1.0, 0.5, 1.0))
    if measurement == "hegemony":  # the data have no standing term: gamma comes out 0
        assert f.gamma == pytest.approx(0.0, abs=1e-9)
    assert scores.spearman == pytest.approx(1.0) and scores.within_r == pytest.approx(1.0)
    assert scores.large_change_share == 1.0
    assert scores.n_dyad_years == 3 * 4 - 1 and scores.n_dyads == 3
    assert (scores.first_year, scores.last_year, scores.replicates) == (1992, 1995, 3)
    lo, hi = scores.spearman_range
    assert -1.0 <= lo <= hi <= 1.0
    assert matched.replicates.shape == (11, 3)
    notes = " ".join(scores.notes)
    assert "RUS-ISR: ISR not in the run's roster; skipped" in notes
    assert "1991: 1 dyad-year(s) of data outside the run's full years" in notes
    assert "1 model dyad-year(s) with no data" in notes and "IRN-USA 1993" in notes
    per = scores.dyad_frame().set_index("dyad")
    assert list(per["years"]) == [3, 4, 4]
    np.testing.assert_allclose(per["within_r"], 1.0)


def test_report_cites_the_data_and_rounds_to_two_decimals():
    g = np.random.default_rng(9)
    rec = g.uniform(-0.8, 0.8, (24 + 1, 2, 3, 3))  # two years: a dyad's r is undefined
    data = _synthetic_data(rec, "1992-01")
    scores, _ = u.evaluate_unga(rec, IDS, "1992-01", data, measurement="one")
    md = u.unga_report(scores, scenario="history", seed=4242, data_file="unga.csv")
    assert "hdl:1902.1/12379" in md and "61(2)" in md and "Bailey" in md
    assert "| alpha | se | beta | se | R² | residual sd | dyad-years |" in md
    assert "| 1.00 | 0.00 | 0.50 | 0.00 | 1.00 | 0.00 | 5 |" in md
    assert "| RUS-IRN | 2 |" in md and "| n/a |" in md
    assert "2013" in md  # says the later years are held out
    assert "Correlations compare the model's alignment" in md
    scores, _ = u.evaluate_unga(rec, IDS, "1992-01", data, measurement="hegemony")
    md = u.unga_report(scores, scenario="history", seed=4242, data_file="unga.csv")
    assert "## Measurement model: hegemony" in md and "|h_i − h_j|" in md
    assert "| alpha | se | beta | se | gamma | se | R² | residual sd | dyad-years |" in md
    assert "| 1.00 | 0.00 | 0.50 | 0.00 |" in md
    assert "Correlations compare the measurement model's prediction" in md


# ----------------------------------------------------------------------------- hegemony

def test_standing_is_the_mean_alignment_with_the_usa_and_one_for_the_usa():
    ids = ("RUS", "IRN", "USA", "ISR")
    a = np.zeros((2, 4, 4))  # two months
    a[:, 0, 2], a[:, 2, 0] = 0.4, 0.2  # RUS->USA, USA->RUS
    a[:, 1, 2], a[:, 2, 1] = -0.8, -0.6
    a[:, 3, 2] = 0.9  # ISR->USA only; USA->ISR is 0
    a[:, 0, 1] = a[:, 2, 2] = 0.7  # a bilateral relation and a diagonal: neither counts
    h = u.standing(a, ids)
    assert h.shape == (2, 4)
    np.testing.assert_allclose(h[1], [0.3, -0.7, 1.0, 0.45])
    assert np.isnan(u.standing(a[:, :2, :2], ("RUS", "IRN"))).all()  # no USA, no standing


def test_the_standing_gap_is_each_replicates_distance_averaged():
    # RUS stands at +0.5 in replicate 0 and -0.5 in replicate 1, IRN at 0 in both: the gap
    # is 0.5 in each, although RUS's mean standing equals IRN's
    a = np.zeros((13, 2, 3, 3))
    a[1:, 0, 0, 2] = a[1:, 0, 2, 0] = 0.5
    a[1:, 1, 0, 2] = a[1:, 1, 2, 0] = -0.5
    a[0] = 9.0  # the initial state is in no year
    y = u.yearly_alignment(a, IDS, "2000-01", ["RUS-IRN", "RUS-USA"])
    t = y.table.set_index("dyad")
    assert t.loc["RUS-IRN", "gap"] == pytest.approx(0.5)
    assert (t.loc["RUS-IRN", "h_a"], t.loc["RUS-IRN", "h_b"]) == pytest.approx((0.0, 0.0))
    np.testing.assert_allclose(y.gap_replicates, [[0.5, 0.5], [0.5, 1.5]])  # USA: 1 − h
    assert t.loc["RUS-USA", "gap"] == pytest.approx(1.0)


def test_single_term_fit_is_the_textbook_regression():
    g = np.random.default_rng(17)
    x = g.uniform(-1, 1, 60)
    y = 2.0 - 1.0 * x + g.normal(0, 0.3, 60)
    res = stats.linregress(x, y)
    f = u.fit_measurement(x, y)
    assert (f.alpha, f.beta, f.alpha_se, f.beta_se, f.r2) == pytest.approx(
        (res.intercept, -res.slope, res.intercept_stderr, res.stderr, res.rvalue ** 2))
    assert f.measurement == "one" and math.isnan(f.gamma) and not f.constrained
    np.testing.assert_array_equal(f.score_series(x), x)  # the one model scores alignment


def test_hegemony_fit_recovers_its_coefficients_and_ols_standard_errors():
    g = np.random.default_rng(31)
    x, gap = g.uniform(-1, 1, 300), g.uniform(0, 2, 300)
    est, ses = [], []
    for _ in range(200):  # repeated data: the reported se must be the estimates' spread
        y = 1.0 - 0.6 * x + 0.9 * gap + g.normal(0, 0.1, 300)
        f = u.fit_measurement(x, y, measurement="hegemony", gap=gap)
        est.append((f.alpha, f.beta, f.gamma))
        ses.append((f.alpha_se, f.beta_se, f.gamma_se))
    est, ses = np.array(est), np.array(ses)
    np.testing.assert_allclose(est.mean(axis=0), [1.0, 0.6, 0.9], atol=0.01)
    # the spread of 200 estimates is known to about 5%; 15% is three times that
    np.testing.assert_allclose(ses.mean(axis=0), est.std(axis=0, ddof=1), rtol=0.15)
    assert f.n == 300 and f.r2 > 0.9 and f.resid_sd == pytest.approx(0.1, rel=0.15)
    assert not f.constrained and (f.scored_beta, f.scored_gamma) == (f.beta, f.gamma)
    assert f.predict(0.5, 1.0) == pytest.approx(f.alpha - 0.5 * f.beta + f.gamma)
    # an agreement measure: larger is closer, so both signs turn round
    z = u.fit_measurement(x, 0.5 + 0.3 * x - 0.2 * gap, "unga_agreement_lijphart",
                          measurement="hegemony", gap=gap)
    assert (z.alpha, z.beta, z.gamma, z.r2) == pytest.approx((0.5, 0.3, 0.2, 1.0))
    with pytest.raises(ValueError, match="at least 4"):
        u.fit_measurement(x[:3], x[:3], measurement="hegemony", gap=gap[:3])
    with pytest.raises(ValueError, match="allowed: hegemony, one"):
        u.fit_measurement(x, x, measurement="two")


def test_a_wrong_signed_slope_is_not_credited_in_the_scores():
    g = np.random.default_rng(41)
    x, gap = g.uniform(-1, 1, 200), g.uniform(0, 2, 200)
    y = 1.0 + 0.5 * x + 0.8 * gap + g.normal(0, 0.05, 200)  # distance rises with alignment
    f = u.fit_measurement(x, y, measurement="hegemony", gap=gap)
    assert f.beta < 0 and f.gamma > 0 and f.constrained
    assert f.scored_beta == 0.0  # held at 0: the gap alone, by least squares
    assert f.scored_gamma == pytest.approx(stats.linregress(gap, y).slope)
    scored = f.score_series(x, gap)
    assert u.spearman(scored, -y) == pytest.approx(u.spearman(-gap, -y))
    # the unconstrained prediction would have been credited for the wrong-signed alignment
    assert u.spearman(-f.predict(x, gap), -y) > u.spearman(scored, -y) + 0.05
    both_wrong = u.fit_measurement(x, 1.0 + 0.5 * x - 0.8 * gap, measurement="hegemony",
                                   gap=gap)
    assert (both_wrong.scored_beta, both_wrong.scored_gamma) == (0.0, 0.0)
    assert math.isnan(u.spearman(both_wrong.score_series(x, gap), -y))  # counts as none


def test_hegemony_scores_the_prediction_and_recovers_a_standing_term():
    g = np.random.default_rng(5)
    rec = g.uniform(-0.8, 0.8, (48 + 1, 3, 3, 3))  # 1992-1995, 3 replicates
    data = _synthetic_data(rec, "1992-01", gamma=1.0)
    heg, matched = u.evaluate_unga(rec, IDS, "1992-01", data, measurement="hegemony")
    f = heg.fit
    assert (f.alpha, f.beta, f.gamma, f.r2) == pytest.approx((1.0, 0.5, 1.0, 1.0))
    assert heg.spearman == pytest.approx(1.0) and heg.within_r == pytest.approx(1.0)
    frame = matched.frame
    np.testing.assert_allclose(f.predict(frame["model"], frame["gap"]), frame["value"])
    per = heg.dyad_frame().set_index("dyad")
    np.testing.assert_allclose(per["fitted_mean"], per["data_mean"])
    one, _ = u.evaluate_unga(rec, IDS, "1992-01", data, measurement="one")
    # the one model still scores the raw alignment, which misses the standing term
    assert one.spearman == pytest.approx(u.spearman(frame["model"], frame["closeness"]))
    assert one.spearman < 0.95 and one.fit.r2 < 0.95


def test_hegemony_refuses_a_run_without_the_usa_or_only_pairs_with_it():
    g = np.random.default_rng(8)
    rec = g.uniform(-0.8, 0.8, (48 + 1, 2, 3, 3))  # 1992-1995
    data = _synthetic_data(rec, "1992-01")
    with pytest.raises(ValueError, match="cannot tell them apart; use --measurement one"):
        u.evaluate_unga(rec, IDS, "1992-01", data[data["dyad"] != "RUS-IRN"],
                        measurement="hegemony")
    two = rec[:, :, :2, :2]  # RUS and IRN only
    only = data[data["dyad"] == "RUS-IRN"]
    with pytest.raises(ValueError, match="needs USA in the run's roster; allowed without "
                                         "it: one"):
        u.evaluate_unga(two, ("RUS", "IRN"), "1992-01", only, measurement="hegemony")
    with pytest.raises(ValueError, match="allowed: hegemony, one"):
        u.evaluate_unga(two, ("RUS", "IRN"), "1992-01", only, measurement="both")


@pytest.mark.parametrize("measurement", ["one", "hegemony"])
def test_the_loss_scores_what_the_report_scores(measurement):
    g = np.random.default_rng(12)
    # 1992-1996, 4 replicates sharing a signal, each with noise of its own
    rec = g.uniform(-0.8, 0.8, (60 + 1, 1, 3, 3)) + g.normal(0, 0.05, (60 + 1, 4, 3, 3))
    data = _synthetic_data(rec, "1992-01", gamma=0.8)
    data["value"] += g.normal(0, 0.05, len(data))
    votes = UngaData(data, Path("synthetic.csv"), u.PRIMARY_MEASURE, 1.0, measurement)
    short = fit_votes(votes, rec, IDS, "1992-01")
    full = fit_votes(votes, rec, IDS, "1992-01", full=True)
    assert full.scores is not None and full.scores.measurement == measurement
    assert (short.spearman, short.within_r, short.term) == (
        full.spearman, full.within_r, full.term)
    assert (short.reliability_rank, short.reliability_within) == (
        full.reliability_rank, full.reliability_within)
    assert 0.5 < full.reliability_within < 1.0  # mostly signal, not all
    f = full.scores.fit
    _, matched = u.evaluate_unga(rec, IDS, "1992-01", data, measurement=measurement)
    frame = matched.frame
    scored = f.score_series(frame["model"].to_numpy(), frame["gap"].to_numpy())
    assert short.spearman == u.spearman(scored, frame["closeness"].to_numpy())
    raw = u.spearman(frame["model"], frame["closeness"])
    if measurement == "one":
        assert short.spearman == raw
    else:  # the prediction, which sees the standing term the data were made with
        assert short.spearman > raw + 0.05


# ----------------------------------------------------------------------------- calibration files

CAL_DATA = Path(__file__).parent / "data" / "calibration"


def _calibration_file(tmp_path, unga_table: str,
                      scenario: Path = CAL_DATA / "votes_scenario.toml") -> Path:
    path = tmp_path / "cal.toml"
    path.write_text(f'name = "t"\nscenario = "{scenario}"\n'
                    f'targets = "{CAL_DATA / "targets_votes.toml"}"\nseed = 1\n'
                    f"[unga]\n{unga_table}\n[[parameters]]\n"
                    'name = "dynamics.domestic_weight"\nlow = 0.2\nhigh = 4.0\n')
    return path


def test_calibration_files_choose_the_measurement_model(tmp_path):
    cal, _ = load_calibration(_calibration_file(tmp_path, "weight = 1.0"))
    assert cal.unga.measurement == u.DEFAULT_MEASUREMENT  # older files: the report's model
    table = tomllib.loads((CAL_DATA / "votes.toml").read_text())["unga"]
    assert UngaSettings(**table).measurement == "one"  # the model its votes are made by
    votes = load_unga_data(u.default_data_file(), u.PRIMARY_MEASURE, 1.0, "one")
    assert votes.measurement == "one"
    with pytest.raises(ValueError, match=r"unga\.measurement: bad value 'two'"):
        load_unga_data(u.default_data_file(), u.PRIMARY_MEASURE, 1.0, "two")
    with pytest.raises(ConfigError) as exc:
        load_calibration(_calibration_file(tmp_path, 'measurement = "two"'))
    text = " ".join(str(exc.value).split())
    assert "unga.measurement" in text and "'two'" in text and "allowed: hegemony, one" in text


def test_a_calibration_the_hegemony_model_cannot_fit_is_refused(tmp_path, monkeypatch):
    # votes of pairs with the USA only: there the standing gap is 1 minus the alignment
    votes = tmp_path / "us_pairs.csv"
    votes.write_text(HEADER + "".join(f"{y},{d},{u.PRIMARY_MEASURE},1.5,50\n"
                                      for y in range(2005, 2013) for d in ("RUS-USA", "IRN-USA")))
    with pytest.raises(ConfigError) as exc:
        load_calibration(_calibration_file(tmp_path, f'data = "{votes}"'))
    text = " ".join(str(exc.value).split())
    assert "unga.measurement: bad value 'hegemony': scenario 'votes_scenario' and the data " \
           "share only dyads with the USA" in text and "allowed: one" in text
    cal, _ = load_calibration(_calibration_file(
        tmp_path, f'data = "{votes}"\nmeasurement = "one"'))
    assert cal.unga.measurement == "one"
    # a world without the order's leader (the roster cannot drop it; a roster of its own
    # could leave it out), here as a hegemon the roster does not have
    monkeypatch.setattr(u, "HEGEMON", "GBR")
    with pytest.raises(ConfigError) as exc:
        load_calibration(_calibration_file(tmp_path, ""))
    text = " ".join(str(exc.value).split())
    assert "unga.measurement: bad value 'hegemony': scenario 'votes_scenario' has no GBR" \
        in text and "allowed without it: one" in text


# ----------------------------------------------------------------------------- command line

def test_sim_unga_runs_reports_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_RESULTS_DIR", str(tmp_path))
    result = runner.invoke(app, ["unga", "-n", "2", "--seed", "3"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("Measurement model", "Spearman", "within-dyad", "RUS-IRN", "hdl:1902.1/12379"):
        assert text in result.output
    [first] = list((tmp_path / "unga").iterdir())
    assert {p.name for p in first.iterdir()} == {"report.md", "manifest.json",
                                                  "dyad_years.csv"}
    man = json.loads((first / "manifest.json").read_text())
    assert man["kind"] == "rusiran-sim unga" and man["scenario"]["name"] == "history"
    assert man["seeds"] == [3, 4] and man["engine"] == "batched"
    assert man["unga"]["measure"] == u.PRIMARY_MEASURE and man["unga"]["held_out_from"] == 2013
    assert man["unga"]["years"][1] <= 2012
    assert man["unga"]["measurement"] == u.DEFAULT_MEASUREMENT == "hegemony"
    assert man["unga"]["fit"]["gamma"] is not None
    table = pd.read_csv(first / "dyad_years.csv")
    assert {"gap", "fitted", "scored"} <= set(table.columns)
    report = (first / "report.md").read_text()
    again = runner.invoke(app, ["unga", "-n", "2", "--seed", "3", "--measure",
                                "unga_s_score", "--measurement", "one"])
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "unga").iterdir())) == 2
    assert (first / "report.md").read_text() == report
    [second] = [d for d in (tmp_path / "unga").iterdir() if d != first]
    man = json.loads((second / "manifest.json").read_text())
    assert man["unga"]["measurement"] == "one" and man["unga"]["fit"]["gamma"] is None


def test_sim_unga_refuses_bad_input_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_RESULTS_DIR", str(tmp_path))
    cases = [
        (["unga", "--measure", "votes"], "--measure: bad value 'votes'; allowed:"),
        (["unga", "--measurement", "two"],
         "--measurement: bad value 'two'; allowed: hegemony, one"),
        (["unga", "atlantis", "-n", "2"], "no such scenario"),
        (["unga", "baseline", "-n", "2"], "no whole year before 2013"),
        (["unga", "-n", "2", "--data", str(_csv(tmp_path, "2020,RUS-IRN,unga_s_score,0,30\n"))],
         "line 2: year: bad value '2020'"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
        assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
        assert "Traceback" not in result.output
    assert not (tmp_path / "unga").exists()
