"""`sim calibrate`: it recovers a parameter that made its target, says when a parameter is
not identified, fits to UNGA votes, gives the same fit on any number of workers, writes files
scenarios can use, and refuses bad calibration files whole.

The calibrations here run on small scenarios of their own (tests/data/calibration/), not on
the history replay, and their synthetic targets and votes are made by running the model at
the known value when the tests run, so retuning the dynamics table does not make them stale.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from sim.analysis.calibration import load_calibration, run_calibration
from sim.analysis.calibration import unga as u
from sim.analysis.calibration.fit import build_problem, validation_seeds
from sim.analysis.calibration.objective import (
    candidate_world,
    evaluate_candidate,
    loss_parts,
    shortfall,
)
from sim.analysis.calibration.report import parameter_table
from sim.analysis.calibration.unga_loss import UngaFit, effective_sizes, n_log
from sim.cli import app
from sim.core.config_errors import ConfigError
from sim.dynamics.params import DEFAULT_DYNAMICS, RANGES, load_dynamics_file, plausible_ranges
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.inputs.targets import TargetResult, Z, evaluate, load_targets
from sim.runs.ensemble import run_batched

DATA = Path(__file__).parent / "data" / "calibration"
RECOVERY = DATA / "recovery.toml"
SCENARIO = DATA / "recovery_scenario.toml"
VOTES = DATA / "votes.toml"

#: adjustment_half_life that makes the recovery target, and the target's half-width.
KNOWN_HALF_LIFE, HALF_WIDTH = 2.0, 0.025
#: domestic_weight that makes the synthetic votes, and their measurement error.
KNOWN_WEIGHT, VOTE_ERROR = 2.0, 0.03


def _calibration_copy(src: Path, folder: Path, **changes) -> Path:
    """``src`` written into ``folder`` with its scenario and targets as absolute paths and
    ``changes`` applied (top-level keys; a dict updates a table)."""
    doc = tomllib.loads(src.read_text())
    for key in ("scenario", "targets"):
        doc[key] = str(src.parent / doc[key])
    for key, value in changes.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) else value
    out = folder / src.name
    out.write_text(tomli_w.dumps(doc))
    return out


def synthetic_targets(folder: Path) -> tuple[Path, float]:
    """The recovery target file with its in-sample range centred on the level that
    adjustment_half_life = 2.0 gives (as targets_recovery.toml describes), and that level."""
    tf = load_targets(DATA / "targets_recovery.toml")
    world = build_world(load_scenario(SCENARIO),
                        dynamics={"adjustment_half_life": KNOWN_HALF_LIFE})
    rec = run_batched(world, validation_seeds(77, 64), keep_terms=False, months=7)
    level = evaluate(tf.targets[0], rec.alignment, world.roster.ids, world.start).value
    doc = tomllib.loads((DATA / "targets_recovery.toml").read_text())
    doc["targets"][0].update(low=round(level - HALF_WIDTH, 4), high=round(level + HALF_WIDTH, 4))
    path = folder / "targets_recovery.toml"
    path.write_text(tomli_w.dumps(doc))
    return path, level


@pytest.fixture(scope="module")
def recovery_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recovery_input")
    targets, _ = synthetic_targets(folder)
    return _calibration_copy(RECOVERY, folder, targets=str(targets))


@pytest.fixture(scope="module")
def recovery(recovery_file, tmp_path_factory):
    return run_calibration(recovery_file, results_dir=tmp_path_factory.mktemp("calibration"),
                           workers=1)


def test_a_known_value_is_recovered_and_an_unseen_one_is_not_identified(recovery):
    """The in-sample target is the level Russia->Iran reaches in the four months after a
    step in its ties when adjustment_half_life = 2.0 (the hand-set value is 6). The level
    falls by a few hundredths per month of half-life near 2, so a range of +-0.025 pins it
    to about a month either way: the fit must land within 1.0 of 2.0, and the slice
    interval must hold 2.0 and not 6. The late row happens after every in-sample target, so
    nothing can identify its impulse: its slice must be flat over the whole range."""
    res = recovery.result
    table = parameter_table(res).set_index("parameter")
    half_life = table.loc["dynamics.adjustment_half_life"]
    assert half_life.calibrated == pytest.approx(KNOWN_HALF_LIFE, abs=1.0)
    assert half_life.slice_low <= KNOWN_HALF_LIFE <= half_life.slice_high < 6.0
    assert half_life.identified
    late = table.loc["event.late_row.impulses.0.size"]
    assert not late.identified and (late.slice_low, late.slice_high) == (-1.0, 0.0)
    for fit in res.fits:  # the hand-set values are in the first population: never worse
        assert fit.loss <= fit.hand_loss
    hand = {r.target.id: r for r in res.hand_results}
    fitted = {r.target.id: r for r in res.calibrated_results}
    assert hand["level_made_by_a_known_value"].verdict == "missed"
    # on fresh replicates the fit may sit within 1.645 standard errors of an edge
    assert fitted["level_made_by_a_known_value"].verdict in ("met", "unclear")
    assert res.parts()[1].targets < res.parts()[0].targets
    assert fitted["late_row_dip"].held_out and not fitted["level_made_by_a_known_value"].held_out
    assert res.hand_votes is None and res.parts()[1].votes == 0.0  # no [unga] table


def test_the_folder_holds_a_report_and_files_a_scenario_can_use(recovery):
    folder = recovery.folder
    for name in ("report.md", "parameters.csv", "targets.csv", "fits.csv", "slices.csv",
                 "slices.png", "manifest.json", "dynamics.toml",
                 "recovery_scenario_calibrated.toml"):
        assert (folder / name).is_file(), name
    report = (folder / "report.md").read_text()
    assert "level_made_by_a_known_value" in report and "held out" in report
    table = load_dynamics_file(folder / "dynamics.toml")  # a valid dynamics table
    fitted = recovery.result.calibrated
    assert table.params["adjustment_half_life"].value == fitted[0]
    assert "fitted by `sim calibrate`" in table.params["adjustment_half_life"].assumption
    # the fit's slice interval is the table's statement of uncertainty (what cones sample)
    (cut,) = [c for c in recovery.result.slices if c.name.endswith("adjustment_half_life")]
    lo, hi = cut.interval()
    assert table.params["adjustment_half_life"].plausible == pytest.approx((lo, hi))
    calibrated = build_world(load_scenario(folder / "recovery_scenario_calibrated.toml"))
    assert plausible_ranges(calibrated.dynamics_table, dict(calibrated.p))[
        "adjustment_half_life"] == pytest.approx((lo, hi))
    assert table.params["noise_sd"] == load_dynamics_file().params["noise_sd"]
    sc = load_scenario(folder / "recovery_scenario_calibrated.toml")
    world = build_world(sc)
    assert world.p["adjustment_half_life"] == fitted[0]  # over the parent's own table
    (row,) = [ev for ev in sc.events if ev.id == "late_row"]
    assert row.impulses[0].size == fitted[1] and row.amount == 0.1
    parent = load_scenario(SCENARIO)
    assert sc.start == "2025-01" and len(sc.events) == len(parent.events)


def test_the_same_fit_on_one_or_two_workers(recovery, recovery_file, tmp_path):
    two = run_calibration(recovery_file, results_dir=tmp_path, workers=2).result
    one = recovery.result
    assert [f.x.tolist() for f in one.fits] == [f.x.tolist() for f in two.fits]
    assert [f.validation_loss for f in one.fits] == [f.validation_loss for f in two.fits]
    assert [r.value for r in one.calibrated_results] == [r.value for r in two.calibrated_results]


def test_a_calibrated_table_runs_under_any_scenario_from_the_command_line(recovery, tmp_path):
    table = recovery.folder / "dynamics.toml"
    r = CliRunner().invoke(app, ["run", "baseline", "-n", "2", "--engine", "batched",
                                 "--no-figure", "--results", str(tmp_path),
                                 "--dynamics", str(table)])
    assert r.exit_code == 0, r.output
    (manifest,) = tmp_path.glob("runs/*/manifest.json")
    m = json.loads(manifest.read_text())
    assert m["dynamics_file"]["file"] == str(table.resolve())
    assert m["dynamics"]["adjustment_half_life"] == recovery.result.calibrated[0]


# ----------------------------------------------------------------------------- votes

def synthetic_votes(path: Path) -> Path:
    """Votes made by the model (votes.toml says how): distance = 1.5 - alignment + error."""
    world = build_world(load_scenario(DATA / "votes_scenario.toml"),
                        dynamics={"domestic_weight": KNOWN_WEIGHT})
    rec = run_batched(world, validation_seeds(99, 32), keep_terms=False)
    dyads = sorted(u.load_unga()["dyad"].unique())  # the real file's dyads, not its values
    yearly = u.yearly_alignment(rec.alignment, world.roster.ids, world.start, dyads).table
    error = np.random.default_rng(2026).normal(0.0, VOTE_ERROR, len(yearly))
    pd.DataFrame({"year": yearly["year"], "dyad": yearly["dyad"],
                  "measure": u.PRIMARY_MEASURE, "value": (1.5 - yearly["model"] + error).round(4),
                  "n_votes": 50}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def votes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("votes_input")
    data = synthetic_votes(folder / "synthetic_votes.csv")
    cal = _calibration_copy(VOTES, folder, unga={"data": str(data)})
    return run_calibration(cal, results_dir=tmp_path_factory.mktemp("votes"), workers=1)


def test_a_weight_that_made_the_votes_is_recovered_from_them(votes):
    """The only document target is met everywhere, so the votes alone move the fit. Eight
    years of votes with errors the size of the yearly changes bound the weight to about
    +-0.7 around the one that made them (2.0), and the Monte Carlo noise of 16 replicates
    attenuates the correlations, which favours larger weights by about 0.5 here
    (`sim.analysis.calibration.unga_loss` says why it is not corrected). So: the fit must come back
    within 1.0 of 2.0 and inside its own slice interval, the interval must reach to within
    0.5 of 2.0, and it must exclude the hand-set 1.0."""
    res = votes.result
    row = parameter_table(res).set_index("parameter").loc["dynamics.domestic_weight"]
    assert row.calibrated == pytest.approx(KNOWN_WEIGHT, abs=1.0)
    assert row.slice_low <= row.calibrated <= row.slice_high
    assert 1.0 < row.slice_low <= KNOWN_WEIGHT + 0.5 and row.identified
    assert row.slice_high >= KNOWN_WEIGHT
    hand, cal = res.parts()
    assert hand.targets == cal.targets == 0.0
    assert cal.votes < hand.votes < 0.0  # better than the score targets; lower is better
    assert res.calibrated_votes.scores.within_r > res.hand_votes.scores.within_r
    assert res.calibrated_votes.scores.last_year == 2012


def test_the_report_gives_the_measurement_model_hand_set_against_calibrated(votes):
    folder = votes.folder
    report = (folder / "report.md").read_text()
    assert "## UN General Assembly votes" in report and "Voeten" in report
    for word in ("alpha", "beta", "R^2", "residual sd", "Spearman", "within-dyad r"):
        assert word in report
    table = pd.read_csv(folder / "votes.csv").set_index("parameters")
    assert list(table.index) == ["hand_set", "calibrated"]
    assert (table["beta"] > 0).all() and (table["years"] == "2005-2012").all()
    m = json.loads((folder / "manifest.json").read_text())
    assert m["unga"]["weight"] == 1.0 and m["unga"]["held_out_from"] == 2013
    assert m["unga"]["calibrated"]["data_sha256"]


def test_the_votes_term_is_a_log_likelihood_with_effective_sizes():
    """n log(1 - r+^2): zero when the model says nothing (or the opposite), falling as the
    correlation rises; the term is zero at the score targets; the effective sizes discount
    autocorrelated years."""
    assert n_log(10.0, 0.0) == 0.0 == n_log(10.0, -0.5) == n_log(10.0, float("nan"))
    assert n_log(10.0, 0.5) == pytest.approx(10 * math.log(0.75))
    assert n_log(10.0, 0.9) < n_log(10.0, 0.5) < 0.0
    at_targets = UngaFit(u.SPEARMAN_TARGET, u.WITHIN_TARGET, 15.0, 35.0, 0.8, 2.0)
    assert at_targets.term == pytest.approx(0.0, abs=1e-12)
    better = replace(at_targets, within_r=0.5)
    assert better.term == pytest.approx(2.0 * 35.0 * math.log((1 - 0.25) / (1 - 0.16)))
    rng = np.random.default_rng(3)
    rows = []
    for d in range(40):  # AR(1) within dyads, rho = 0.6, on top of a level per dyad
        x = rng.normal()
        for year in range(1992, 2013):
            x = 0.6 * x + rng.normal() * 0.8
            rows.append({"year": year, "dyad": f"D{d}", "closeness": 3.0 * d + x})
    matched = u.Matched(pd.DataFrame(rows), np.zeros((len(rows), 1)), ())
    n_rank, n_within, rho = effective_sizes(matched)
    assert rho == pytest.approx(0.6, abs=0.08)
    assert n_rank == pytest.approx(40 / 1.06)
    assert n_within == pytest.approx((840 - 40) * (1 - rho) / (1 + rho))


# ----------------------------------------------------------------------------- dynamics files

def test_a_scenario_names_its_table_relative_to_itself(tmp_path):
    shutil.copy(DEFAULT_DYNAMICS, tmp_path / "rates.toml")
    text, n = re.subn(r"threat_shared = \{ value = [0-9.]+", "threat_shared = { value = 1.11",
                      (tmp_path / "rates.toml").read_text())
    # the shipped value's plausible range is a statement about that value, not 1.11
    text = re.sub(r"(threat_shared = .*?), plausible = \[[^]]*\]", r"\1", text)
    assert n == 1
    (tmp_path / "rates.toml").write_text(text)
    (tmp_path / "sub").mkdir()
    (tmp_path / "parent.toml").write_text('name = "parent"\nextends = "baseline"\n'
                                          'dynamics_file = "rates.toml"\n')
    (tmp_path / "sub" / "child.toml").write_text(
        'name = "child"\nextends = "../parent.toml"\n[dynamics]\nnoise_sd = 0.03\n')
    world = build_world(load_scenario(tmp_path / "sub" / "child.toml"))
    assert world.p["threat_shared"] == 1.11  # from the parent's table, found from the parent
    assert world.p["noise_sd"] == 0.03  # the scenario's own table still wins


def test_a_bad_dynamics_table_is_named_with_its_field(tmp_path):
    lo, hi = RANGES["threat_shared"]
    (tmp_path / "rates.toml").write_text(f'[params]\nthreat_shared = {{ value = {hi + 2}, '
                                         'assumption = "too big" }\n')
    (tmp_path / "s.toml").write_text('name = "s"\nextends = "baseline"\n'
                                     'dynamics_file = "rates.toml"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(tmp_path / "s.toml")
    text = str(exc.value)
    assert "dynamics_file" in text and "rates.toml" in text and "threat_shared" in text
    assert str(hi + 2) in text and f"[{lo}, {hi}]" in text


# ----------------------------------------------------------------------------- bad files

HAND = 6.0  # adjustment_half_life in recovery_scenario.toml's own table
LOW, HIGH = RANGES["adjustment_half_life"]


def _param(name: str, low: float, high: float) -> str:
    return f'[[parameters]]\nname = "{name}"\nlow = {low}\nhigh = {high}\n'


GOOD = _param("dynamics.adjustment_half_life", 1.0, 12.0)


@pytest.mark.parametrize(("params", "extra", "expected"), [
    (_param("dynamics.no_such_rate", 0.0, 1.0), "",
     ["parameters[0].name", "dynamics.no_such_rate", f"allowed: dynamics.{next(iter(RANGES))}"]),
    (_param("dynamics.adjustment_half_life", HAND + 1, HAND + 2), "",
     ["parameters[0]", f"hand-set value {HAND}"]),
    (_param("dynamics.adjustment_half_life", LOW, HIGH * 2), "",
     ["parameters[0]", f"[{LOW}, {HIGH * 2}]", f"allowed within [{LOW}, {HIGH}]"]),
    (_param("event.no_such_event.amount", 0.0, 1.0), "",
     ["parameters[0].name", "no event 'no_such_event'"]),
    (_param("event.late_row.source", 0.0, 1.0), "",
     ["parameters[0].name", "no numeric field 'source'", "allowed: amount, impulses.0.size"]),
    (_param("event.late_row.impulses.3.size", -1.0, 0.0), "",
     ["parameters[0].name", "has 1 impulse(s); allowed: impulses.0.size"]),
    (_param("event.ties_deepen.impulses.0.size", -1.0, 0.0), "",
     ["parameters[0].name", "states no impulses of its own"]),
    (_param("event.late_row.impulses.0.size", -4.0, 0.0), "",
     ["parameters[0]", "allowed within [-3.0, 3.0]"]),
    (GOOD, f'targets = "{DATA / "all_held_out.toml"}"', ["targets: every target of",
                                                        "held out (from 2025-01)"]),
    (_param("dynamics.adjustment_half_life", 3.0, 2.0), "",
     ["parameters[0]", "low 3.0 must be below high 2.0"]),
    (GOOD, '[unga]\nmeasure = "votes"\n',
     ["unga.measure", "'votes'", "allowed: idealpoint_distance_fp"]),
    (GOOD, "[unga]\nweight = -1.0\n", ["unga.weight", "-1.0", "greater than or equal to 0"]),
    (GOOD, '[unga]\ndata = "no_such_votes.csv"\n',
     ["unga.data: bad value 'no_such_votes.csv'", "file not found"]),
    (GOOD, "[unga]\n", ["unga: scenario 'recovery_scenario' starts 2025-01",
                        "0 whole year(s) in 1991-2012", "at least 3"]),
])
def test_bad_calibration_files_are_refused_with_field_and_value(tmp_path, params, extra,
                                                                expected):
    path = tmp_path / "bad.toml"
    top, _, table = extra.partition("[unga]")
    path.write_text(f'name = "bad"\nscenario = "{SCENARIO}"\nseed = 1\n{top}\n{params}'
                    + (f"[unga]{table}" if "[unga]" in extra else ""))
    with pytest.raises(ConfigError) as exc:
        load_calibration(path)
    text = str(exc.value)
    assert str(path) in text
    for piece in expected:
        assert piece in text, (piece, text)
    r = CliRunner().invoke(app, ["calibrate", str(path), "--results", str(tmp_path / "res")])
    assert r.exit_code == 2 and not (tmp_path / "res").exists()


# ----------------------------------------------------------------------------- shipped file

def test_the_shipped_calibration_file_is_valid_and_fits_assumptions_and_votes():
    cal, path = load_calibration("calibrate_history")
    problem, _ = build_problem(cal, path)
    assert len(problem.in_sample) >= 6
    assert all(problem.low <= problem.hand_set) and all(problem.hand_set <= problem.high)
    world = candidate_world(problem, problem.hand_set)
    hand_world = build_world(load_scenario(cal.scenario))
    assert dict(world.p) == dict(hand_world.p)  # the hand-set vector is the scenario itself
    assert cal.unga is not None and problem.unga is not None
    assert problem.unga.data["year"].max() <= u.LAST_YEAR  # nothing held out is read
    assert problem.months_needed(problem.in_sample) >= u.months_through(world.start)
    seeds = validation_seeds(1, 4)
    ev = evaluate_candidate(problem, problem.hand_set, seeds)
    parts = loss_parts(problem, problem.hand_set, ev)
    assert parts.prior == 0.0 and parts.votes == pytest.approx(cal.unga.weight
                                                              * ev.votes.deviance)
    full = evaluate_candidate(problem, problem.hand_set, seeds, report=True).votes
    assert full.term == ev.votes.term  # the objective's short path scores the same
    assert full.scores.last_year == u.LAST_YEAR and full.scores.fit.n > 100
    assert not any("2013" in note for note in full.scores.notes)  # the replay stops at 2012


def test_the_loss_is_zero_exactly_when_every_target_is_met():
    (t, *_) = load_targets().targets

    def result(slack: float, se: float) -> TargetResult:
        return TargetResult(t, False, 0.0, 0.0, 0.0, slack, se)

    met, unclear, missed = result(0.02, 0.01), result(0.01, 0.01), result(-0.03, 0.01)
    assert met.verdict == "met" and unclear.verdict == "unclear" and missed.verdict == "missed"
    s = shortfall([met, unclear, missed])
    assert s[0] == 0.0
    assert s[1] == pytest.approx(Z - 1.0) and s[2] == pytest.approx(Z + 3.0)
    assert np.all(shortfall([result(0.1, 0.0)]) == 0.0)  # a noiseless target met: no loss


def test_the_screen_ranks_every_rate_and_weight_and_idle_ones_last():
    """The recovery target follows a step in interdependence, so its weight and the
    adjustment half-life move it; no row happens before the late one, after every
    in-sample target, so the recrimination episodes' half-life cannot move it at all."""
    from sim.analysis.calibration.job import evaluation_mapper
    from sim.analysis.calibration.screen import NOT_SCREENED, screen_rates

    cal, path = load_calibration(RECOVERY)
    table = screen_rates(cal, path, evaluation_mapper(None, None)).set_index("parameter")
    assert set(table.index) == {f"dynamics.{k}" for k in RANGES if k not in NOT_SCREENED}
    top = list(table.index[:len(table) // 5])  # the decision model's costs also move it
    assert "dynamics.adjustment_half_life" in top and "dynamics.interdependence_weight" in top
    for idle in ("episode_half_life_recrimination", "impulse_recrimination"):
        assert table.loc[f"dynamics.{idle}", "effect"] == 0.0
        assert list(table.index).index(f"dynamics.{idle}") >= (table["effect"] > 0).sum()
    assert table.loc["dynamics.adjustment_half_life", "fitted"]
