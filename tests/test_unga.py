"""The UNGA measurement model: the data file is read and checked, the model's yearly values
are averaged right, the fit and the scores recover what synthetic data were built with, and
`sim unga` runs, reports and refuses bad input cleanly."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.calibration import unga as u
from sim.cli import app
from sim.config_errors import ConfigError
from sim.roster import default_roster_file

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


def _synthetic_data(record: np.ndarray, start: str) -> pd.DataFrame:
    """Distances made exactly 1.0 − 0.5 × the model's yearly alignment, plus rows the
    comparison must leave out: a year before the run, a dyad the run does not have."""
    dyads = ["RUS-IRN", "RUS-USA", "IRN-USA"]
    y = u.yearly_alignment(record, IDS, start, dyads).table
    rows = [{"year": r.year, "dyad": r.dyad, "measure": u.PRIMARY_MEASURE,
             "value": 1.0 - 0.5 * r.model, "n_votes": 50} for r in y.itertuples()]
    rows = [r for r in rows if not (r["dyad"] == "IRN-USA" and r["year"] == 1993)]
    rows += [{"year": 1991, "dyad": "RUS-IRN", "measure": u.PRIMARY_MEASURE, "value": 0.3,
              "n_votes": 50},
             {"year": 1992, "dyad": "RUS-ISR", "measure": u.PRIMARY_MEASURE, "value": 0.3,
              "n_votes": 50}]
    df = pd.DataFrame(rows)
    df[["a", "b"]] = [u.roster_pair(d) for d in df["dyad"]]
    return df


def test_evaluate_recovers_an_exact_measurement_model_and_notes_the_gaps():
    g = np.random.default_rng(5)
    rec = g.uniform(-0.8, 0.8, (48 + 1, 3, 3, 3))  # 1992-1995, 3 replicates
    scores, matched = u.evaluate_unga(rec, IDS, "1992-01", _synthetic_data(rec, "1992-01"))
    f = scores.fit
    assert (f.alpha, f.beta, f.r2) == pytest.approx((1.0, 0.5, 1.0))
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
    scores, _ = u.evaluate_unga(rec, IDS, "1992-01", _synthetic_data(rec, "1992-01"))
    md = u.unga_report(scores, scenario="history", seed=4242, data_file="unga.csv")
    assert "hdl:1902.1/12379" in md and "61(2)" in md and "Bailey" in md
    assert "| 1.00 | 0.00 | 0.50 | 0.00 | 1.00 | 0.00 | 5 |" in md
    assert "| RUS-IRN | 2 |" in md and "| n/a |" in md
    assert "2013" in md  # says the later years are held out


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
    report = (first / "report.md").read_text()
    again = runner.invoke(app, ["unga", "-n", "2", "--seed", "3", "--measure",
                                "unga_s_score"])
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "unga").iterdir())) == 2
    assert (first / "report.md").read_text() == report


def test_sim_unga_refuses_bad_input_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_RESULTS_DIR", str(tmp_path))
    cases = [
        (["unga", "--measure", "votes"], "--measure: bad value 'votes'; allowed:"),
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
