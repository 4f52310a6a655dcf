"""The public Python API (sim.api): the same numbers as the paths it wraps, tidy tables,
and the registry's refusals."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.core.config_errors import ConfigError
from sim.dynamics.engine import advance
from sim.dynamics.state import initial_state
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.cone import cone_of_futures
from sim.runs.ensemble import ensemble_seeds, run_batched


@pytest.fixture(scope="module")
def sim4():
    return api.simulate("baseline", replicates=4, seed=10, months=12,
                        params={"dynamics.sanctions_value": 0.9})


def test_simulate_equals_the_batched_path_with_the_values_set(sim4):
    world = build_world(load_scenario("baseline"))
    from sim.inputs.compile import set_values

    world = set_values(world, {"dynamics.sanctions_value": 0.9})
    rec = run_batched(world, ensemble_seeds(10, 4), months=12, keep_terms=False)
    np.testing.assert_array_equal(sim4.alignment, rec.alignment)
    assert sim4.params == {"dynamics.sanctions_value": 0.9}
    assert sim4.manifest["params"] == sim4.params  # the manifest says what was set


def test_a_replicate_does_not_depend_on_the_others(sim4):
    alone = api.simulate("baseline", replicates=1, seed=12, months=12,
                         params={"dynamics.sanctions_value": 0.9})
    np.testing.assert_array_equal(alone.alignment[:, 0], sim4.alignment[:, 2])


def test_tables_are_tidy(sim4):
    n = sim4.world.n
    frame = sim4.trajectories()
    assert len(frame) == 13 * 4 * n * (n - 1)
    assert list(frame.columns) == ["replicate", "seed", "month", "date", "source", "target",
                                   "alignment"]
    assert frame["replicate"].dtype == np.int32 and frame["month"].dtype == np.int32
    row = frame[(frame.replicate == 1) & (frame.month == 5) & (frame.source == "IRN")
                & (frame.target == "RUS")]
    ids = list(sim4.world.roster.ids)
    assert row["alignment"].item() == sim4.alignment[5, 1, ids.index("IRN"), ids.index("RUS")]
    chosen = sim4.trajectories(["IRN:RUS"])
    assert set(zip(chosen.source, chosen.target, strict=True)) == {("IRN", "RUS")}
    bands = sim4.bands("IRN", "RUS")
    assert (bands["q05"] <= bands["q50"]).all() and (bands["q50"] <= bands["q95"]).all()
    assert len(sim4.summary(["RUS:IRN", "IRN:RUS"])) == 2


@pytest.mark.parametrize(("kwargs", "piece"), [
    ({"params": {"dynamics.sanction_value": 0.9}}, "sanctions_value"),
    ({"params": {"dynamics.sanctions_value": 50}}, "allowed within [0.0, 5.0]"),
    ({"params": {"actor.IRX.power": 0.3}}, "unknown actor 'IRX'"),
    ({"replicates": 0}, "replicates"),
    ({"engine": "warp"}, "allowed: batched, mesa"),
])
def test_bad_arguments_are_refused_with_what_is_allowed(kwargs, piece):
    with pytest.raises(ConfigError) as exc:
        api.simulate("baseline", months=2, **kwargs)
    assert piece in str(exc.value)


def test_unknown_dyads_are_refused(sim4):
    with pytest.raises(ConfigError) as exc:
        sim4.trajectories(["IRN:XXX"])
    assert "dyads[0]" in str(exc.value) and "IRN:XXX" in str(exc.value)


def test_cone_equals_the_cone_of_the_state_it_starts_from():
    got = api.cone("baseline", at_month=6, replicates=20, months=6, seed=3, workers=1)
    world = build_world(load_scenario("baseline"))
    state = initial_state(world, [3])
    for _ in range(6):
        advance(state, world, keep_terms=False)
    want = cone_of_futures(state, world, replicates=20, months=6, workers=1)
    np.testing.assert_array_equal(got.alignment, want.alignment)
    assert got.start_step == 6


def test_compare_returns_what_the_command_line_prints():
    names = ["israel_iran_war", "israel_iran_war_mutual_defence"]
    comparison = api.compare(names, dyads=["IRN:RUS"], replicates=8, seed=1, months=12)
    assert [s.world.scenario.name for s in comparison.scenarios] == names
    assert comparison.dyads == [("IRN", "RUS")] and comparison.months == 12
    assert comparison.tables, "the comparison holds its tables"
