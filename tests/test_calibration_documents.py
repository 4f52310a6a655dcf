"""`sim calibrate` answers to the documents' episodes and scenario expectations as well as to
its targets and the votes: the costs mean what their docstrings say, a bad ``[episodes]`` or
``[expectations]`` table is refused with its field, and a run reports both, hand-set against
calibrated, with the parts of the loss that a fit trades against each other.

The run here is tiny (4 replicates, one generation): it checks the plumbing and the
bookkeeping, not a fit. The synthetic episode file is made from the model itself when the
test runs (as the recovery targets are), so retuning the dynamics does not make it stale.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

from sim.analysis.calibration import load_calibration, run_calibration
from sim.analysis.calibration.fit import build_problem, validation_seeds
from sim.analysis.calibration.objective import (
    effect_se,
    episode_cost,
    evaluate_candidate,
    expectation_cost,
    loss_parts,
)
from sim.analysis.history_episodes import Check, CheckResult, Replay, measure_check
from sim.analysis.scenario_effects import EffectResult, measure
from sim.core.config_errors import ConfigError
from sim.inputs.compile import build_world
from sim.inputs.scenario import ExpectedEffect, load_scenario
from sim.runs.ensemble import ensemble_seeds, run_batched

DATA = Path(__file__).parent / "data" / "calibration"
SCENARIO = DATA / "recovery_scenario.toml"
TARGETS = DATA / "targets_recovery.toml"
SCENARIO_WITH_OWN = DATA / "own_balance.toml"
EVIDENCE = {"assumption": "synthetic test value", "confidence": "low"}


def _expected(direction: str, min_effect: float = 0.02) -> ExpectedEffect:
    return ExpectedEffect(source="IRN", target="RUS", direction=direction, months=(1, 13),
                          min_effect=min_effect, statement="test", evidence=EVIDENCE)


def _effect(direction: str, effect: float, se: float, replicates: int = 32) -> EffectResult:
    from scipy import stats

    half = float(stats.t.ppf(0.975, replicates - 1)) * se
    return EffectResult(_expected(direction), effect, effect - half, effect + half, replicates)


def test_an_expectation_costs_nothing_when_met_at_most_the_cap_when_missed():
    met = _effect("up", 0.05, 0.01)
    assert met.met and expectation_cost(met, 9.0) == 0.0
    assert effect_se(met) == pytest.approx(0.01)
    short = _effect("up", 0.01, 0.005)  # 0.01 short of 0.02: two standard errors
    assert not short.met and expectation_cost(short, 9.0) == pytest.approx(4.0)
    far = _effect("down", -0.001, 0.0005)  # 38 standard errors short, right sign
    assert expectation_cost(far, 9.0) == 9.0
    wrong = _effect("up", -0.03, 0.01)  # the wrong sign is never capped
    assert expectation_cost(wrong, 9.0) == pytest.approx(9.0 + 9.0)
    # with a margin, a change met just over the line still costs: it may not hold on other seeds
    assert expectation_cost(met, 9.0, margin=1.645) == 0.0  # 3 standard errors clear
    just = _effect("up", 0.03, 0.01)
    assert just.met and expectation_cost(just, 9.0) == 0.0
    assert expectation_cost(just, 9.0, margin=1.645) == pytest.approx(0.645 ** 2)
    inside = _effect("none", 0.0, 0.005)
    assert inside.met and expectation_cost(inside, 9.0) == 0.0
    outside = _effect("none", 0.03, 0.005)  # interval reaches 0.03 + 1.96 se past 0.02
    assert not outside.met
    assert expectation_cost(outside, 100.0) == pytest.approx(
        ((0.03 + (outside.high - 0.03) - 0.02) / effect_se(outside)) ** 2)


def test_an_episode_costs_its_distance_outside_the_range_in_units_of_the_resolution():
    check = Check(dyad="IRN:RUS", statistic="level", after=["2020-01", "2020-02"],
                  low=0.1, high=0.2)
    inside = CheckResult(check, 0.15, 0.001, 0.002)
    below = CheckResult(check, 0.07, 0.001, 0.002)  # 0.03 out: 3 units of 0.01
    noisy = CheckResult(check, 0.26, 0.02, 0.04)  # 0.06 out: 3 of its standard error
    assert inside.slack == pytest.approx(0.05) and inside.passes
    assert below.slack == pytest.approx(-0.03) and not below.passes
    assert episode_cost({"a": [inside]}, 0.01) == 0.0
    assert episode_cost({"a": [inside, below], "b": [noisy]}, 0.01) == pytest.approx(18.0)
    assert episode_cost({"a": [below]}, 0.0) == pytest.approx(900.0)  # se alone


def _episode_file(folder: Path) -> Path:
    """One synthetic episode on the recovery scenario: Russia-Iran's rise after its ties
    deepen in March 2025, with the range the model gives at the scenario's own values, and
    a second check it cannot meet."""
    sc = load_scenario(SCENARIO)
    world = build_world(sc)
    rec = run_batched(world, ensemble_seeds(3, 8), keep_terms=False)
    replay = Replay(sc.start, world.roster.ids, rec.alignment)
    window = {"before": ["2025-01", "2025-02"], "after": ["2025-06", "2025-12"]}
    value = replay.statistic(Check(dyad="RUS:IRN", statistic="change", low=-2.0, **window))
    doc = {
        "tolerance_se": 2.0, "tolerance_reason": "synthetic",
        "episodes": [{
            "id": "ties_deepen", "title": "ties deepen", "reading": "a synthetic rise of ties",
            "refs": [{"kind": "events", "id": "ties_deepen", "date": "2025-03"}],
            "evidence": EVIDENCE, "size_evidence": EVIDENCE,
            "checks": [{"dyad": "RUS:IRN", "statistic": "change", **window,
                        "low": value - 0.02, "high": value + 0.02},
                       {"dyad": "IRN:RUS", "statistic": "change", **window, "low": 1.5}]}],
        "shape": {"early": ["2025-01", "2025-03"], "whole": ["2025-01", "2026-06"],
                  "max_early_share": 1.0, "key_dyads": ["RUS:IRN"], "reason": "synthetic"},
    }
    path = folder / "episodes.toml"
    path.write_text(tomli_w.dumps(doc))
    return path


def _joint_file(folder: Path, **tables) -> Path:
    doc = tomllib.loads((DATA / "recovery.toml").read_text())
    doc.update(scenario=str(SCENARIO), targets=str(TARGETS), replicates=4,
               validation_replicates=6, fits=1, profile_points=0,
               optimiser={"popsize": 2, "maxiter": 1},
               parameters=[{"name": "dynamics.balance_weight", "low": 0.0, "high": 1.5}])
    doc.update(tables)
    path = folder / "joint.toml"
    path.write_text(tomli_w.dumps(doc))
    return path


@pytest.fixture(scope="module")
def joint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("joint")
    episodes = _episode_file(folder)
    path = _joint_file(folder, episodes={"file": str(episodes)},
                       expectations={"scenarios": ["s400_delivered"]})
    outcome = run_calibration(path, results_dir=folder / "results", workers=1)
    return path, outcome


def test_a_joint_run_scores_episodes_and_expectations_in_its_loss(joint):
    path, outcome = joint
    res = outcome.result
    cal, _ = load_calibration(path)
    problem, _ = build_problem(cal, path)
    seeds = validation_seeds(cal.seed, cal.validation_replicates)
    ev = evaluate_candidate(problem, problem.hand_set, seeds)
    parts = loss_parts(problem, problem.hand_set, ev)
    assert parts.episodes == pytest.approx(episode_cost(ev.episodes, 0.01))
    assert parts.expectations == pytest.approx(sum(expectation_cost(r, 9.0)
                                                   for r in ev.expectations))
    assert parts.total == pytest.approx(res.hand_validation_loss)
    # the impossible check costs its distance in resolution units, at least (1.5 - 1)^2/0.01^2
    assert parts.episodes >= (0.5 / 0.01) ** 2
    (checks,) = ev.episodes.values()
    assert checks[0].passes and not checks[1].passes
    # at the hand-set values the expectations are the scenario's own, measured exactly as
    # `sim.analysis.scenario_effects` measures them on the same seeds
    seeds = ensemble_seeds(11, 6)
    _, own = measure("s400_delivered", replicates=6, base_seed=11)
    ev = evaluate_candidate(problem, problem.hand_set, seeds)
    assert [(r.expected, r.effect, r.low, r.high) for r in ev.expectations] == [
        (r.expected, r.effect, r.low, r.high) for r in own]


def test_a_joint_run_reports_both_hand_set_against_calibrated(joint):
    _, outcome = joint
    folder = outcome.folder
    report = (folder / "report.md").read_text()
    assert "## Documented episodes" in report and "## Scenario expectations" in report
    assert "| ties_deepen | RUS:IRN | change |" in report
    eps = pd.read_csv(folder / "episodes.csv")
    assert set(eps.parameters) == {"hand_set", "calibrated"} and len(eps) == 4
    exp = pd.read_csv(folder / "expectations.csv")
    n = len(load_scenario("s400_delivered").expected)
    assert len(exp) == 2 * n and set(exp.scenario) == {"s400_delivered"}
    assert np.all(exp.direction.isin(["up", "down", "none"]))


@pytest.mark.parametrize(("tables", "expected"), [
    ({"episodes": {"file": "no_such_episodes.toml"}},
     ["episodes.file: bad value 'no_such_episodes.toml'", "no such file"]),
    ({"episodes": {}},
     ["episodes: scenario 'recovery_scenario' starts 2025-01 and runs 18 months",
      "need"]),
    ({"episodes": {"resolution": -0.1}}, ["episodes.resolution", "-0.1"]),
    ({"expectations": {"scenarios": ["baseline"]}},
     ["expectations.scenarios[0]: bad value 'baseline'", "states no expectations"]),
    ({"expectations": {"scenarios": ["no_such_scenario"]}},
     ["expectations.scenarios[0]: bad value 'no_such_scenario'"]),
    ({"expectations": {"cap": -1.0}}, ["expectations.cap", "-1.0"]),
    ({"expectations": {"scenarios": [str(SCENARIO_WITH_OWN)]}},
     ["expectations.scenarios[0]: bad value 'own_balance'",
      "sets its own dynamics.balance_weight"]),
])
def test_bad_episode_and_expectation_tables_are_refused_with_their_field(tmp_path, tables,
                                                                         expected):
    path = _joint_file(tmp_path, **tables)
    with pytest.raises(ConfigError) as exc:
        load_calibration(path)
    text = str(exc.value)
    assert str(path) in text
    for piece in expected:
        assert piece in text, (piece, text)


def test_the_shipped_joint_file_is_valid_and_answers_to_every_part():
    cal, path = load_calibration("calibrate_joint")
    problem, _ = build_problem(cal, path)
    assert problem.unga is not None and problem.episodes is not None
    assert sum(len(c.scenario.expected) for c in problem.expectation_cases) == 45
    assert all(problem.low <= problem.hand_set) and all(problem.hand_set <= problem.high)
    assert problem.months_needed(problem.in_sample) == problem.scenario.horizon_months


def test_measuring_a_check_agrees_with_its_definition():
    """A change is the mean over `after` minus the mean over `before`, on the ensemble mean;
    its standard error is the replicates' spread of their own changes over sqrt(R)."""
    rng = np.random.default_rng(0)
    alignment = rng.normal(size=(7, 5, 2, 2))
    replay = Replay("2020-01", ["AAA", "BBB"], alignment)
    check = Check(dyad="AAA:BBB", statistic="change", before=["2020-01", "2020-02"],
                  after=["2020-04", "2020-06"], low=0.0)
    r = measure_check(check, replay, 2.0)
    x = alignment[:, :, 0, 1]
    per = x[4:7].mean(axis=0) - x[1:3].mean(axis=0)
    assert r.value == pytest.approx(per.mean())
    assert r.se == pytest.approx(per.std(ddof=1) / np.sqrt(5))
    assert r.tolerance == pytest.approx(2.0 * r.se)


def test_the_episodes_command_checks_every_episode_and_refuses_a_bad_file(tmp_path):
    from typer.testing import CliRunner

    from sim.analysis.history_episodes import load_episodes
    from sim.cli import app

    r = CliRunner().invoke(app, ["episodes", "-n", "4"], terminal_width=200)
    assert r.exit_code == 0, r.output
    n = len(load_episodes().episodes)
    assert re.search(rf"\b\d of {n} episodes met", r.output)
    assert "shape: " in r.output and "Traceback" not in r.output
    bad = tmp_path / "episodes.toml"
    bad.write_text('tolerance_se = 9.0\ntolerance_reason = "x"\n')
    r = CliRunner().invoke(app, ["episodes", "--file", str(bad)], terminal_width=200)
    assert r.exit_code == 2 and str(bad) in r.output and "tolerance_se" in r.output
    assert "Traceback" not in r.output
