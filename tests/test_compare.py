"""``sim compare``: statistics on arrays, scenario comparisons, and the report folder.

The scenario tests run short horizons (24-36 months) with 16-32 runs, so the file stays fast.
A real effect is tested with a construction whose effect is large against the noise (a
US-Iran deal moves Iran's alignment by tens of run-to-run standard deviations), so the test
cannot pass or fail by luck; the no-difference tests use identical scenarios.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.analysis.compare import (
    VERDICT_DIFFERS,
    VERDICT_NONE,
    CompareOptions,
    compare_arrays,
    compare_scenarios,
    crossing,
    difference,
    first_crossing,
    holm,
    parse_dyad,
    per_run_metrics,
)
from sim.analysis.compare_report import compare_command
from sim.core.config_errors import ConfigError

MONTHS = 36


# ------------------------------------------------------------------ statistics on arrays

def _noise(rng: np.random.Generator, months: int, runs: int, sd: float = 0.05) -> np.ndarray:
    return rng.normal(0.0, sd, size=(months + 1, runs))


def test_known_paired_difference_is_recovered():
    rng = np.random.default_rng(1)
    ref = 0.4 + _noise(rng, 12, 200)
    other = ref + 0.1 + _noise(rng, 12, 200, sd=0.02)  # shared noise: paired design
    out = compare_arrays(ref, other, paired=True, n_resamples=2000, seed=3)
    end = out["end"]
    assert end.design == "paired" and end.effect_size_kind == "d_z"
    assert end.ci_low < 0.1 < end.ci_high and end.t_low < 0.1 < end.t_high
    assert abs(end.difference - 0.1) < 0.005
    assert end.effect_size == pytest.approx(0.1 / 0.02, rel=0.15)
    assert end.verdict == VERDICT_DIFFERS
    mean = out["horizon_mean"]
    assert abs(mean.difference - 0.1) < 0.003 and mean.verdict == VERDICT_DIFFERS


def test_known_independent_difference_is_recovered():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.0, 1.0, 400), rng.normal(0.3, 1.0, 400)
    d = difference(a, b, paired=False, metric="end", n_resamples=2000, seed=5)
    assert d.design == "independent" and d.test == "Welch t"
    assert d.difference == pytest.approx(b.mean() - a.mean())
    assert d.ci_low < 0.3 < d.ci_high and d.t_low < 0.3 < d.t_high
    assert d.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert d.effect_size == pytest.approx(d.difference / pooled)
    assert d.verdict == VERDICT_DIFFERS


def test_bootstrap_is_reproducible_and_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=30), rng.normal(size=30)
    first = difference(a, b, paired=False, seed=11, n_resamples=999)
    again = difference(a, b, paired=False, seed=11, n_resamples=999)
    other = difference(a, b, paired=False, seed=12, n_resamples=999)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)


def test_false_differs_rate_under_no_difference_is_nominal():
    """Identical distributions: "differs" in at most about 5% of comparisons (at 32 runs)."""
    rng = np.random.default_rng(4)
    trials = 300
    hits = sum(difference(rng.normal(size=32), rng.normal(size=32), paired=False,
                          n_resamples=999, seed=k).verdict == VERDICT_DIFFERS
               for k in range(trials))
    assert hits / trials <= 0.09  # nominal 5%; 0.09 is about 3 binomial sd above it


def test_identical_samples_give_exact_zero():
    x = np.linspace(-0.5, 0.5, 20)
    d = difference(x, x.copy(), paired=True)
    assert (d.difference, d.ci_low, d.ci_high, d.t_low, d.t_high) == (0, 0, 0, 0, 0)
    assert d.effect_size == 0 and d.verdict == VERDICT_NONE
    both_constant = difference(np.zeros(10), np.zeros(12), paired=False)
    assert both_constant.verdict == VERDICT_NONE and both_constant.ci_high == 0
    with pytest.raises(ValueError, match="equal run counts"):
        difference(np.zeros(10), np.ones(12), paired=True)


def test_crossing_probability_and_interval():
    months, runs, k = 24, 40, 10
    x = np.full((months + 1, runs), 0.5)
    x[5, :k] = -0.2  # k runs dip below 0 once, at month 5
    c = crossing(x, 0.0, below=True)
    assert (c.crossed, c.n, c.probability) == (k, runs, k / runs)
    # Wilson score interval by hand
    z = stats.norm.ppf(0.975)
    p = k / runs
    centre = (p + z * z / (2 * runs)) / (1 + z * z / runs)
    half = z / (1 + z * z / runs) * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs ** 2))
    assert c.ci_low == pytest.approx(centre - half)
    assert c.ci_high == pytest.approx(centre + half)
    exact = crossing(x, 0.0, below=True, ci_method="exact")
    cp = stats.binomtest(k, runs).proportion_ci(method="exact")
    assert (exact.ci_low, exact.ci_high) == pytest.approx((cp.low, cp.high))
    up = crossing(x, 0.5, below=False)  # "at or above" includes equality
    assert up.probability == pytest.approx(1.0) and up.holds_at_start == 1.0
    assert up.ci_high == pytest.approx(1.0) and up.ci_low < 1.0
    none = crossing(x, 0.9, below=False)
    assert none.crossed == 0 and none.ci_low == 0.0 and 0 < none.ci_high < 0.1


def test_time_to_crossing_with_censoring():
    months = 10
    x = np.zeros((months + 1, 6))
    x[0, :] = -1.0  # below at the start: month 0 is not counted as a crossing
    for run, month in enumerate((3, 5, 7)):
        x[month:, run] = -1.0  # runs 0-2 cross at months 3, 5, 7; runs 3-5 never do
    first = first_crossing(x, -0.5, below=True)
    assert first.tolist() == [3, 5, 7, -1, -1, -1]
    c = crossing(x, -0.5, below=True)
    assert c.holds_at_start == 1.0 and c.horizon == months
    assert c.median_months_crossers == 5 and (c.q25_months_crossers, c.q75_months_crossers) \
        == (4, 6)
    assert c.never_share == 0.5
    assert c.median_months_all == 7  # half the runs have crossed by month 7
    one_more_censored = np.concatenate([x, np.zeros((months + 1, 1))], axis=1)
    c7 = crossing(one_more_censored, -0.5, below=True)
    assert c7.median_months_all is None  # 3 of 7 cross: median not reached by the horizon
    assert c7.median_months_crossers == 5


def test_per_run_metrics_skip_the_shared_start():
    x = np.array([[0.9, 0.9], [0.1, 0.8], [0.3, -0.2]])
    m = per_run_metrics(x, threshold_low=0.0, threshold_high=0.75)
    assert m["end"].tolist() == [0.3, -0.2]
    assert m["horizon_mean"] == pytest.approx([0.2, 0.3])
    assert m["rupture"].tolist() == [0.0, 1.0]
    assert m["alliance_like"].tolist() == [0.0, 1.0]  # month 0's 0.9 does not count


def test_holm_adjustment():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    assert holm(p) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([]).size == 0


def test_parse_dyad():
    assert parse_dyad("rus:irn") == ("RUS", "IRN")
    assert parse_dyad("USA->IRN") == ("USA", "IRN")
    with pytest.raises(ValueError, match="SOURCE:TARGET"):
        parse_dyad("RUSIRN")


# ------------------------------------------------------------------ scenarios

def _rows(comparison, metric: str | None = None):
    d = comparison.tables.differences
    return d if metric is None else d[d["metric"] == metric]


def test_a_deal_with_washington_differs_from_the_baseline():
    """The US-Iran deal (September 2025) moves Iran away from Russia and towards the USA."""
    # 32 paired replicates: since the joint calibration (record 0015) the relations' memory
    # makes replicates differ more, and 16 no longer reach p < 1e-4 for an effect of -0.18
    c = compare_scenarios(["baseline", "us_iran_deal"], dyads=["IRN:RUS", "USA:IRN"],
                          replicates=32, base_seed=7, months=MONTHS)
    d = _rows(c).set_index(["source", "target", "metric"])
    for key, sign in ((("IRN", "RUS", "end"), -1), (("IRN", "RUS", "horizon_mean"), -1),
                      (("USA", "IRN", "end"), 1), (("USA", "IRN", "horizon_mean"), 1)):
        row = d.loc[key]
        assert row["verdict"] == VERDICT_DIFFERS, key
        assert sign * row["ci_high"] > 0 and sign * row["ci_low"] > 0, key  # excludes 0
        # large against the paired noise (Cohen's "large" is 0.8; episodes and policies
        # that persist make replicates differ more since the redesign, record 0008)
        assert abs(row["effect_size"]) > 1.0, key
        assert row["p_holm"] < 1e-4
    assert c.scenarios[0].seeds.tolist() == c.scenarios[1].seeds.tolist()  # paired
    assert c.months == MONTHS and c.tables.bands["step"].max() == MONTHS


def test_same_scenario_independent_seeds_shows_no_difference():
    """Two copies of the baseline on unrelated seeds: every 95% interval covers 0.

    A fixed seed: with 16 rows, each at 95%, a false "differs" somewhere is possible by
    chance for other seeds (hence the Holm column); this checks the machinery, and that
    nothing about the second copy's seeds or label biases it.
    """
    c = compare_scenarios(["baseline", "baseline"], replicates=32, base_seed=1,
                          months=MONTHS, options=CompareOptions(paired=False))
    assert [s.label for s in c.scenarios] == ["baseline", "baseline#2"]
    assert c.scenarios[1].seeds[0] == c.scenarios[0].seeds[0] + 1_000_000
    d = _rows(c)
    assert len(d) == 4 * 4 and set(d["design"]) == {"independent"}
    assert (d["confidence"] == 0.95).all()
    assert ((d["ci_low"] <= 0) & (d["ci_high"] >= 0)).all()
    assert ((d["t_low"] <= 0) & (d["t_high"] >= 0)).all()
    assert (d["verdict"] == VERDICT_NONE).all()
    assert (d["p_holm"] >= 0.05).all()
    ends = d[d["metric"] == "end"]
    assert (ends["difference"] != 0).all()  # the runs really were different


def test_same_scenario_same_seeds_differs_by_exactly_zero():
    c = compare_scenarios(["baseline", "baseline"], dyads=["RUS:IRN", "IRN:RUS"],
                          replicates=16, base_seed=3, months=24)
    d = _rows(c)
    assert (d[["difference", "ci_low", "ci_high", "t_low", "t_high"]] == 0).all().all()
    assert (d["verdict"] == VERDICT_NONE).all()


def test_mismatched_horizon_and_bad_dyads_are_refused(tmp_path):
    short = tmp_path / "short.toml"
    short.write_text('name = "short"\nextends = "baseline"\nhorizon_months = 60\n',
                     encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        compare_scenarios(["baseline", str(short)], dyads=["RUS:XXX", "RUS:RUS", "bad"],
                          replicates=4)
    text = str(exc.value)
    assert "must share start and horizon" in text
    assert "XXX not in every scenario" in text
    assert "source and target are the same" in text
    assert "SOURCE:TARGET" in text
    with pytest.raises(ConfigError, match="at least two"):
        compare_scenarios(["baseline"], replicates=4)


# ------------------------------------------------------------------ the command

def test_command_writes_the_report_folder(tmp_path):
    out = compare_command(["baseline", "us_iran_deal"], dyads=["RUS:IRN", "IRN:RUS"],
                          replicates=16, seed=11, months=24, results=tmp_path)
    folder = out.directory
    assert folder.parent == tmp_path / "compare"
    assert folder.name.startswith("baseline-vs-us_iran_deal-")
    files = {p.name for p in folder.iterdir()}
    assert {"report.md", "bands.csv", "end_distribution.csv", "thresholds.csv",
            "differences.csv", "manifest.json", "bands_RUS_IRN.png", "end_hist_RUS_IRN.png",
            "bands_IRN_RUS.png", "end_hist_IRN_RUS.png", "differences.png"} <= files
    assert not [p for p in (tmp_path / "compare").iterdir() if p.name.startswith(".")]
    man = json.loads((folder / "manifest.json").read_text())
    assert man["kind"] == "rusiran-sim compare" and man["design"] == "paired"
    assert [s["name"] for s in man["scenarios"]] == ["baseline", "us_iran_deal"]
    assert all(len(s["sha256"]) == 64 for s in man["scenarios"])
    assert man["scenarios"][1]["seeds"] == list(range(11, 27))
    assert man["months"] == 24 and man["options"]["threshold_high"] == 0.75
    assert man["code"]["package"] and man["settings"]["results_dir"]
    report = (folder / "report.md").read_text()
    assert "![Russia → Iran bands](bands_RUS_IRN.png)" in report
    assert "differs" in report and "censored" in report and "95%" in report


def test_command_html_has_only_local_images(tmp_path):
    out = compare_command(["baseline", "baseline"], dyads=["RUS:IRN"], replicates=8,
                          seed=2, months=12, results=tmp_path, fmt="html", paired=False)
    page = (out.directory / "report.html").read_text()
    assert '<img src="bands_RUS_IRN.png"' in page and "end_hist_RUS_IRN.png" in page
    assert "http://" not in page and "https://" not in page
    assert not (out.directory / "report.md").exists()


def test_bad_scenario_writes_nothing(tmp_path):
    with pytest.raises(ConfigError, match="no such scenario"):
        compare_command(["baseline", "no_such_scenario"], replicates=4, months=6,
                        results=tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="--format"):
        compare_command(["baseline", "baseline"], replicates=4, results=tmp_path, fmt="pdf")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_folder(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("sim.analysis.compare_report.plot_end_histograms", broken)
    results = tmp_path / "results"
    with pytest.raises(RuntimeError, match="disk full"):
        compare_command(["baseline", "baseline"], dyads=["RUS:IRN"], replicates=4, months=6,
                        results=results)
    assert not results.exists()


def test_cli_command_when_wired(tmp_path):
    """Through ``sim compare`` once sim/cli.py registers it (skipped until then)."""
    from typer.testing import CliRunner

    from sim.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "")
             for c in app.registered_commands}
    if "compare" not in names:
        pytest.skip("sim compare is not registered in sim/cli.py yet")
    runner = CliRunner()
    ok = runner.invoke(app, ["compare", "baseline", "us_iran_deal", "--dyad", "RUS:IRN",
                             "-n", "4", "--months", "6", "--seed", "1",
                             "--results", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "Report:" in ok.output and len(list((tmp_path / "compare").iterdir())) == 1
    bad = runner.invoke(app, ["compare", "baseline", "atlantis", "--results",
                              str(tmp_path / "other")])
    assert bad.exit_code == 2 and "no such scenario" in bad.output
    assert not (tmp_path / "other").exists()


def test_report_path_is_printed(tmp_path):
    from rich.console import Console

    con = Console(record=True, width=200)
    out = compare_command(["baseline", "baseline"], dyads=["RUS:IRN"], replicates=4, seed=1,
                          months=6, results=tmp_path, console=con)
    text = con.export_text()
    assert f"Report: {out.directory / 'report.md'}" in text
    assert "Russia → Iran" in text
    assert Path(out.directory / "report.md").exists()


def test_compare_accepts_sweep_results(tmp_path):
    """Two scenarios of one sweep (common seeds) compare paired; a clear difference shows,
    and a dyad whose trajectories the sweep did not keep is refused with the remedy."""
    from sim.analysis.compare import compare_scenarios
    from sim.runs.sweep import run_sweep

    exp = tmp_path / "cmp.toml"
    exp.write_text('name = "cmp"\nscenarios = ["baseline", "us_iran_deal"]\nseed = 4\n'
                   'replicates = 8\nmonths = 36\n[design]\nkind = "grid"\n'
                   '[[parameters]]\nname = "dummy.control"\nvalues = [0.0, 1.0]\n'
                   '[outputs]\ntimes = [36]\ndyads = ["IRN:RUS"]\n')
    folder = run_sweep(exp, out=tmp_path / "sw").folder
    c = compare_scenarios([f"{folder}::baseline", f"{folder}::us_iran_deal"],
                          dyads=["IRN:RUS"])
    assert c.replicates == 16  # 2 points x 8 replicates, pooled
    assert c.months == 36
    diff = c.tables.differences
    assert (diff["verdict"] == "differs").any(), diff.to_string()
    with pytest.raises(ConfigError, match="no trajectories kept"):
        compare_scenarios([f"{folder}::baseline", f"{folder}::us_iran_deal"],
                          dyads=["RUS:USA"])
