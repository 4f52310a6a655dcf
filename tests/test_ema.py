"""sim.adapters.ema: the model as an EMA Workbench model, run by EMA's evaluators and analysed with
PRIM and feature scoring.

Skipped as a whole without the ``ema`` extra (``pip install -e '.[ema]'``). Kept short: a
16-point design of 12 months and 2 replicates, run once per evaluator for the module.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*ipyparallel.*", category=UserWarning)
    pytest.importorskip("ema_workbench", reason="the ema extra (ema-workbench) is not "
                                                "installed: pip install -e '.[ema]'")

from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator
from ema_workbench.analysis import feature_scoring, prim
from ema_workbench.em_framework.points import SampleCollection

from sim import api
from sim.adapters import ema
from sim.core.config_errors import ConfigError
from sim.inputs.experiment import design_points, load_experiment
from sim.runs.metrics import dyad_metrics

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ema_prim.py"

ADDRESSES = ["dynamics.sanctions_value", "dynamics.adjustment_half_life",
             "dynamics.memory_weight"]
EXPERIMENT = """\
name = "ema_small"
scenarios = ["baseline"]
seed = 11
replicates = 2
months = 12

[design]
kind = "lhs"
samples = 16

[[parameters]]
name = "dynamics.sanctions_value"
low = 0.2
high = 2.0

[[parameters]]
name = "dynamics.adjustment_half_life"
low = 2.0
high = 18.0

[[parameters]]
name = "dynamics.memory_weight"
low = 0.05
high = 0.6

[outputs]
times = [12]
dyads = ["RUS:IRN", "IRN:RUS"]
"""


def _write(folder: Path, text: str, name: str = "ema_small.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("ema"), EXPERIMENT)


@pytest.fixture(scope="module")
def model(experiment_file) -> ema.EmaModel:
    return ema.from_experiment(experiment_file)


@pytest.fixture(scope="module")
def sequential(model):
    with SequentialEvaluator(model.model) as evaluator:
        return evaluator.perform_experiments(scenarios=model.design(), log_progress=True)


@pytest.fixture(scope="module")
def pooled(model):
    with MultiprocessingEvaluator(model.model, n_processes=2) as evaluator:
        return evaluator.perform_experiments(scenarios=model.design(), log_progress=True)


# ----------------------------------------------------------------------------- names

def test_uncertainties_are_named_by_address_with_an_identifier_mapping(model):
    assert model.names == {a.replace(".", "__"): a for a in ADDRESSES}
    assert model.addresses == {a: n for n, a in model.names.items()}
    for u in model.model.uncertainties:
        assert u.name.isidentifier()
        assert u.variable_name == [model.names[u.name]]  # the function receives addresses
    by_name = {u.name: u for u in model.uncertainties}
    assert (by_name["dynamics__sanctions_value"].low,
            by_name["dynamics__sanctions_value"].high) == (0.2, 2.0)
    assert ema.ema_name("event.E1.impulses.0.size") == "event__E1__impulses__0__size"
    assert set(model.outcomes) == {"RUS_IRN_end", "RUS_IRN_mean", "IRN_RUS_end",
                                   "IRN_RUS_mean", "RUS_IRN_path"}
    assert model.scalar_outcomes == ["RUS_IRN_end", "RUS_IRN_mean", "IRN_RUS_end",
                                     "IRN_RUS_mean"]


def test_the_design_is_the_experiment_files_own(model, experiment_file, sequential):
    experiments, _ = sequential
    points = design_points(load_experiment(experiment_file))
    assert points.shape == (16, 3)
    table = model.with_addresses(experiments)
    np.testing.assert_array_equal(table[ADDRESSES].to_numpy(), points)


# ----------------------------------------------------------------------------- evaluators

# EMA starts its log-reading thread before it forks the pool (Linux's default start method)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_both_evaluators_give_identical_outcomes(model, sequential, pooled):
    (e1, o1), (e2, o2) = sequential, pooled
    names = list(model.names)
    np.testing.assert_array_equal(e1[names].to_numpy(), e2[names].to_numpy())
    assert set(o1) == set(o2) == set(model.outcomes)
    for name in o1:
        np.testing.assert_array_equal(o1[name], o2[name], err_msg=name)
    assert o1["RUS_IRN_end"].shape == (16,)
    assert o1["RUS_IRN_path"].shape == (16, 13)  # months 0..12
    assert np.isfinite(o1["RUS_IRN_end"]).all()
    assert np.ptp(o1["RUS_IRN_end"]) > 0  # the parameters matter: no constant outcome


def test_outcomes_do_not_depend_on_the_order_of_the_design(model, sequential):
    _, outcomes = sequential
    points = model.design_points[::-1]
    with SequentialEvaluator(model.model) as evaluator:
        _, backwards = evaluator.perform_experiments(
            scenarios=SampleCollection(points, model.parameters), log_progress=True)
    for name in model.scalar_outcomes:
        np.testing.assert_array_equal(backwards[name][::-1], outcomes[name], err_msg=name)


def test_the_model_function_survives_pickling_as_spawned_workers_need(model, sequential):
    """Workers started by spawn or forkserver (the default from Python 3.14) get the model
    pickled, not forked: the copy must compute the same outcomes."""
    experiments, outcomes = sequential
    copy = pickle.loads(pickle.dumps(model.model))
    values = {a: float(experiments[n].iloc[0]) for n, a in model.names.items()}
    again = copy.function(**values)
    for name in model.scalar_outcomes:
        assert again[name] == outcomes[name][0], name


def test_an_outcome_is_the_replicates_mean_of_the_runs_metrics(model, sequential):
    """Point 3 rerun by hand: api.simulate with the experiment's seed, replicates and
    months, then sim.runs.metrics.dyad_metrics; the EMA outcomes are their replicate means."""
    experiments, outcomes = sequential
    k = 3
    params = {a: float(experiments[n].iloc[k]) for n, a in model.names.items()}
    run = api.simulate("baseline", params=params, replicates=2, seed=11, months=12)
    metrics = dyad_metrics(run.world, run.record, times=(12,))
    for src, tgt in (("RUS", "IRN"), ("IRN", "RUS")):
        rows = metrics[(metrics.source == src) & (metrics.target == tgt)]
        assert len(rows) == 2
        assert outcomes[f"{src}_{tgt}_end"][k] == pytest.approx(rows["at_12"].mean(), abs=1e-12)
        assert outcomes[f"{src}_{tgt}_mean"][k] == pytest.approx(rows["mean"].mean(), abs=1e-12)
    ids = list(run.world.roster.ids)
    path = run.alignment[:, :, ids.index("RUS"), ids.index("IRN")].mean(axis=1)
    np.testing.assert_allclose(outcomes["RUS_IRN_path"][k], path, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- analysis

# EMA 3.0's PRIM calls DataFrame.drop(inplace=True), deprecated by pandas 3.1
@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
def test_prim_finds_a_box_of_low_russia_iran_alignment(model, sequential):
    experiments, outcomes = sequential
    x = experiments[list(model.names)]
    end = outcomes["RUS_IRN_end"]
    y = end <= np.quantile(end, 0.25)
    assert 0 < y.sum() < len(y)
    finder = prim.Prim(x, y)
    box = finder.find_box()
    assert box is not None
    assert box.coverage > 0 and box.density > y.mean()  # denser than the whole sample
    assert box.res_dim >= 1
    limits = box.box_lim
    assert set(limits.columns) == set(model.names)
    for u in model.uncertainties:
        assert u.low <= limits[u.name][0] <= limits[u.name][1] <= u.high


def test_feature_scoring_scores_every_uncertainty(model, sequential):
    experiments, outcomes = sequential
    x = experiments[list(model.names)]
    scores = feature_scoring.get_feature_scores_all(
        x, {k: outcomes[k] for k in model.scalar_outcomes}, random_state=0)
    assert set(scores.index) == set(model.names)
    assert set(scores.columns) == set(model.scalar_outcomes)
    values = scores.to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    np.testing.assert_allclose(values.sum(axis=0), 1.0)


# ----------------------------------------------------------------------------- registry

def test_from_registry_uses_the_declared_ranges_and_the_run_settings():
    from sim.inputs import registry

    m = ema.from_registry("baseline", ADDRESSES, replicates=2, seed=5, months=12,
                          dyads=["IRN:RUS"], series=False)
    scope = registry.Scope.of_world(api.world("baseline"))
    for u in m.uncertainties:
        s = registry.spec(u.address, scope)
        assert (u.low, u.high) == (s.low, s.high)
    assert (m.run.replicates, m.run.seed, m.run.months) == (2, 5, 12)
    assert set(m.outcomes) == {"IRN_RUS_end", "IRN_RUS_mean"}
    first = m.latin_hypercube(4)
    again = m.latin_hypercube(4)
    np.testing.assert_array_equal(first.samples, again.samples)  # same seed, same points
    m2 = ema.from_registry("baseline", {"dynamics.sanctions_value": (0.5, 1.5),
                                        "dummy.control": (0.0, 1.0)}, months=12)
    assert [(u.name, u.low, u.high) for u in m2.uncertainties] == [
        ("dynamics__sanctions_value", 0.5, 1.5), ("dummy__control", 0.0, 1.0)]


def _problems(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(exc.value.problems)


def test_a_misspelt_address_is_refused_naming_it_and_the_near_one():
    with pytest.raises(ConfigError) as exc:
        ema.from_registry("baseline", ["dynamics.sanction_value"])
    text = _problems(exc)
    assert "'dynamics.sanction_value'" in text and "sanctions_value" in text
    assert "uncertainties[0]" in text


def test_a_range_outside_the_registrys_is_refused_naming_address_value_and_allowed():
    from sim.inputs import registry

    s = registry.spec("dynamics.sanctions_value",
                      registry.Scope.of_world(api.world("baseline")))
    with pytest.raises(ConfigError) as exc:
        ema.from_registry("baseline", {"dynamics.sanctions_value": (0.5, s.high + 50.0)})
    text = _problems(exc)
    assert "dynamics.sanctions_value" in text
    assert f"[0.5, {s.high + 50.0}]" in text
    assert f"allowed within [{s.low}, {s.high}]" in text


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as exc:
        ema.from_registry("baseline", {"actor.XXX.power": None,
                                       "dummy.control": None,
                                       "dynamics.memory_weight": (0.5, 0.2),
                                       "dynamics.noise_sd": "wide"})
    problems = exc.value.problems
    assert len(problems) == 4
    assert any("unknown actor 'XXX'" in p for p in problems)
    assert any("dummy.control has no finite declared range" in p for p in problems)
    assert any("[0.5, 0.2]" in p and "low must be below high" in p for p in problems)
    assert any("'wide'" in p and "dynamics.noise_sd" in p for p in problems)


def test_bad_run_settings_and_dyads_are_refused():
    with pytest.raises(ConfigError, match="RUS:XXX"):
        ema.from_registry("baseline", ADDRESSES, dyads=["RUS:XXX"])
    with pytest.raises(ConfigError, match="replicates"):
        ema.from_registry("baseline", ADDRESSES, replicates=0)
    with pytest.raises(ConfigError, match="no address given"):
        ema.from_registry("baseline", [])


def test_an_experiment_the_adapter_cannot_run_faithfully_is_refused(tmp_path):
    crn = _write(tmp_path, EXPERIMENT.replace("months = 12",
                                              "months = 12\ncommon_random_numbers = false"))
    with pytest.raises(ConfigError, match="common_random_numbers"):
        ema.from_experiment(crn)
    two = _write(tmp_path, EXPERIMENT.replace('["baseline"]', '["baseline", "assad_falls"]'),
                 "two.toml")
    with pytest.raises(ConfigError, match="one model per scenario"):
        ema.from_experiment(two)
    assert ema.from_experiment(two, scenario="assad_falls").run.scenario.endswith(
        "assad_falls.toml")
    bad = _write(tmp_path, EXPERIMENT.replace('"dynamics.memory_weight"',
                                              '"dynamics.memory_wieght"'), "bad.toml")
    with pytest.raises(ConfigError) as exc:
        ema.from_experiment(bad)
    assert "dynamics.memory_wieght" in str(exc.value) and "memory_weight" in str(exc.value)


# ----------------------------------------------------------------------------- example

def test_the_example_runs_and_prints_a_prim_box_and_feature_scores():
    done = subprocess.run([sys.executable, str(EXAMPLE)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "EMA Workbench: 32 experiments of baseline, 24 months, 4 replicates each"
    assert lines[2].startswith("PRIM box: coverage ")
    assert lines[3].split() == ["parameter", "box_low", "box_high", "declared_low",
                                "declared_high"]
    scores_at = lines.index("Feature scores (extra trees)")
    box_rows = [line.split() for line in lines[4:scores_at]]
    assert box_rows and all(len(r) == 5 and r[0].startswith("dynamics.") for r in box_rows)
    for row in box_rows:  # two decimals, the box within the declared range
        assert all(len(v.split(".")[1]) == 2 for v in row[1:])
        low, high, d_low, d_high = map(float, row[1:])
        assert d_low <= low <= high <= d_high
    score_rows = [line.split() for line in lines[scores_at + 3:]]
    assert sorted(r[0] for r in score_rows) == sorted(
        ["dynamics.sanctions_value", "dynamics.threat_shared", "dynamics.distrust_weight",
         "dynamics.adjustment_half_life"])
    assert all(len(r) == 5 and all(len(v.split(".")[1]) == 2 for v in r[1:])
               for r in score_rows)
