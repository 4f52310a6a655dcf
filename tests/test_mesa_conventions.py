"""The model follows Mesa's conventions and Mesa's tools give the engine's numbers.

Keyword construction (``AlignmentModel(scenario=..., rng=..., months=..., params=...)``),
`mesa.batch_run` and SolaraViz must run the same replicate as the batched path for the
same seed, to the last bit; bad arguments must be named with what is allowed.
"""

from __future__ import annotations

import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.core.config_errors import ConfigError
from sim.inputs.compile import build_world
from sim.inputs.experiment import apply_point
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched
from sim.runs.model import AlignmentModel, AlignmentScenario

MONTHS = 12


def _world(name: str, params: dict[str, float] | None = None):
    world = build_world(load_scenario(name))
    if params:
        world = apply_point(world, list(params), np.array(list(params.values())))
    return world


def test_keyword_model_is_the_batched_replicate(baseline_world):
    """``AlignmentModel(rng=5)`` runs the baseline as replicate 5 of the batched path."""
    model = AlignmentModel(rng=5, months=MONTHS)
    assert model.scenario_name == "baseline"
    rec = model.run()
    assert model.steps == MONTHS and not model.running
    batched = run_batched(baseline_world, [5], months=MONTHS)
    assert np.array_equal(rec.alignment, batched.alignment)
    assert np.array_equal(rec.dyadic, batched.dyadic)
    other = AlignmentModel(rng=6, months=MONTHS).run()
    assert not np.array_equal(rec.alignment, other.alignment), "seeds must matter"


def test_scenario_months_and_params():
    params = {"dynamics.sanctions_value": 0.9}
    model = AlignmentModel(scenario="assad_falls", rng=5, months=MONTHS, params=params)
    assert model.scenario_name == "assad_falls" and model.params == params
    rec = model.run()
    assert rec.alignment.shape[0] == MONTHS + 1
    expected = run_batched(_world("assad_falls", params), [5], months=MONTHS)
    assert np.array_equal(rec.alignment, expected.alignment)
    # a dotted name as a keyword (as mesa.batch_run passes it) is the same parameter
    kw = AlignmentModel(scenario="assad_falls", rng=5, months=MONTHS, **params).run()
    assert np.array_equal(kw.alignment, rec.alignment)
    plain = AlignmentModel(scenario="assad_falls", rng=5, months=MONTHS).run()
    assert not np.array_equal(plain.alignment, rec.alignment), "the parameter must matter"


def test_engine_call_and_seed_aliases(baseline_world):
    """The engine's positional call is unchanged; ``seed``, ``rng`` and a Mesa scenario's
    ``rng`` name the same replicate."""
    ref = AlignmentModel(baseline_world, 11, keep_terms=False)
    assert ref.seed_value == 11 and ref.world is baseline_world
    ref_rec = ref.run()
    for model in (AlignmentModel(world=baseline_world, seed=11, keep_terms=False),
                  AlignmentModel(world=baseline_world, rng=11, keep_terms=False),
                  AlignmentModel(scenario=AlignmentScenario(rng=11), keep_terms=False),
                  AlignmentModel(world=baseline_world, rng=np.uint64(11), keep_terms=False)):
        assert model.seed_value == 11
        assert np.array_equal(model.run().alignment, ref_rec.alignment)


def test_no_seed_draws_a_fresh_one_and_keeps_it():
    a, b = AlignmentModel(months=1), AlignmentModel(months=1)
    assert a.scenario_name == "baseline"
    assert a.seed_value != b.seed_value  # Mesa's convention for rng=None
    again = AlignmentModel(rng=a.seed_value, months=1)
    assert np.array_equal(a.run().alignment, again.run().alignment)
    # a NumPy Generator (Mesa accepts one) gives a seed drawn from it, reproducibly
    drawn = [AlignmentModel(rng=np.random.default_rng(9), months=1).seed_value for _ in "ab"]
    assert drawn[0] == drawn[1]


@pytest.mark.parametrize(("kwargs", "named", "allowed"), [
    ({"scenario": "no_such_scenario"}, "no_such_scenario", "baseline"),
    ({"params": {"dynamics.sanction_value": 0.5}}, "dynamics.sanction_value",
     "sanctions_value"),
    ({"dynamics.sanctions_value": 50.0}, "dynamics.sanctions_value", "allowed"),
    ({"actor.XXX.power": 0.5}, "XXX", "IRN"),
    ({"actor.IRN.power": "strong"}, "strong", "a number is required"),
    ({"params": "dynamics.sanctions_value"}, "params", "mapping"),
    ({"montsh": 3}, "montsh", "months"),
    ({"months": 0}, "months", "at least 1"),
    ({"rng": -1}, "rng", "[0, 2**64)"),
    ({"rng": 1, "seed": 2}, "seed", "give one"),
    ({"collect": "RUS:XXX"}, "RUS:XXX", "IRN"),
    ({"partners": "XXX"}, "XXX", "RUS"),
    ({"scenario": 3.5}, "scenario", "scenario name"),
])
def test_bad_arguments_are_named_with_what_is_allowed(kwargs, named, allowed):
    with pytest.raises(ConfigError) as info:
        AlignmentModel(**kwargs)
    assert named in str(info.value) and allowed in str(info.value)


def test_world_and_scenario_name_conflict(baseline_world):
    with pytest.raises(ConfigError, match="not both"):
        AlignmentModel(baseline_world, 1, scenario="assad_falls")


def test_datacollector_reads_the_state_arrays():
    model = AlignmentModel(rng=3, months=6, collect="RUS:IRN,USA:IRN", partners="RUS,IRN")
    rec = model.run()
    dc = model.datacollector
    frame = dc.get_model_vars_dataframe()
    ids = model.world.roster.ids
    rus, irn, usa = ids.index("RUS"), ids.index("IRN"), ids.index("USA")
    assert list(frame["month"]) == list(range(7))
    assert np.array_equal(frame["RUS:IRN"].to_numpy(), rec.alignment[:, 0, rus, irn])
    assert np.array_equal(frame["USA:IRN"].to_numpy(), rec.alignment[:, 0, usa, irn])
    a = rec.alignment[-1, 0]
    off = ~np.eye(len(ids), dtype=bool)
    assert frame["mean_alignment"].iloc[-1] == pytest.approx(a[off].mean(), abs=1e-12)
    agents = dc.get_agent_vars_dataframe().xs(6.0, level="Step").set_index("actor")
    assert agents.loc["USA", "towards_IRN"] == a[usa, irn]
    assert np.isnan(agents.loc["IRN", "towards_IRN"])  # towards itself: not a relation
    assert "towards_USA" not in agents.columns


def test_without_collect_the_run_does_no_collection_work():
    """The per-month path is untouched: no collector exists until it is read, and then it
    holds the month at which it was read."""
    model = AlignmentModel(rng=3, months=4)
    assert model.dyads is None  # the reporters are not even chosen
    model.run()
    assert model._collector is None
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame["month"]) == [4]
    model.datacollector  # reading again in the same month adds nothing  # noqa: B018
    assert len(model.datacollector.get_model_vars_dataframe()) == 1


def test_batch_run_gives_the_batched_numbers():
    """`mesa.batch_run`, unchanged, over a dotted parameter and two seeds, gives the batched
    path's alignment for every month."""
    values = [0.5, 0.9]
    rows = pd.DataFrame(mesa.batch_run(
        AlignmentModel,
        parameters={"scenario": "baseline", "dynamics.sanctions_value": values,
                    "collect": "RUS:IRN,USA:IRN", "partners": ""},
        rng=[5, 6], max_steps=MONTHS, number_processes=1, data_collection_period=1,
        display_progress=False))
    assert len(rows) == 2 * len(values) * (MONTHS + 1)
    assert set(rows["replicate_seed"]) == {5, 6}
    ends = []
    for value in values:
        world = _world("baseline", {"dynamics.sanctions_value": value})
        ids = world.roster.ids
        rec = run_batched(world, [5, 6], months=MONTHS)
        for k, seed in enumerate((5, 6)):
            run = rows[(rows["dynamics.sanctions_value"] == value)
                       & (rows["replicate_seed"] == seed)].sort_values("Step")
            assert list(run["month"]) == list(range(MONTHS + 1))
            for dyad in ("RUS:IRN", "USA:IRN"):
                i, j = (ids.index(x) for x in dyad.split(":"))
                assert np.array_equal(run[dyad].to_numpy(), rec.alignment[:, k, i, j]), dyad
            ends.append(run["RUS:IRN"].iloc[-1])
    assert len(set(ends)) == len(ends), "seeds and the parameter must change the numbers"


def test_batch_run_without_collect_reports_the_last_month(baseline_world):
    rows = mesa.batch_run(AlignmentModel, parameters={"keep_terms": False}, rng=[7],
                          max_steps=3, number_processes=1, display_progress=False)
    model_rows = {r["RunId"]: r for r in rows}
    assert len(model_rows) == 1 and len(rows) == baseline_world.n  # one row per agent
    (row,) = model_rows.values()
    ids = baseline_world.roster.ids
    rec = run_batched(baseline_world, [7], months=3, keep_terms=False)
    assert row["month"] == 3
    assert row["RUS:IRN"] == rec.alignment[3, 0, ids.index("RUS"), ids.index("IRN")]


def test_solara_page_builds_and_steps():
    """The SolaraViz page renders (plot and matrix); its controller steps the model and its
    Reset rebuilds the chosen scenario, seed and horizon (no browser needed)."""
    pytest.importorskip("altair", reason="the 'viz' extra is not installed")
    import ipyvuetify as v
    import solara
    from mesa.visualization.solara_viz import ModelController
    from solara.widgets import VegaLite

    from sim.adapters.mesa_viz import alignment_frame, make_page

    model = AlignmentModel(rng=3, months=24, collect=True)
    _, rc = solara.render(make_page(model), handle_error=False)
    assert len(rc.find(VegaLite).widgets) == 2  # the dyads' line plot and the matrix
    n = model.world.n
    assert len(alignment_frame(model)) == n * (n - 1)

    reactive = solara.reactive(model)
    params = solara.reactive({"scenario_name": "assad_falls", "rng": 7, "months": 6,
                              "collect": "RUS:IRN"})
    _, rc = solara.render(ModelController(
        reactive, model_parameters=params, play_interval=solara.reactive(10),
        render_interval=solara.reactive(1), use_threads=solara.reactive(False)),
        handle_error=False)
    before = model.state.alignment.copy()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.steps == 1 and model.state.step == 1
    assert not np.array_equal(before, model.state.alignment)
    assert len(model.datacollector.get_model_vars_dataframe()) == 2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    fresh = reactive.value
    assert fresh is not model
    assert (fresh.scenario_name, fresh.seed_value, fresh.stop) == ("assad_falls", 7, 6)
    assert fresh.dyads == [("RUS", "IRN")]


def test_viz_without_altair_names_the_extra():
    """Without Altair, importing the page fails with the extra's name, not deep in Mesa (in a
    fresh interpreter, so this session's imports are left alone)."""
    code = "import sys; sys.modules['altair'] = None; import sim.adapters.mesa_viz"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode != 0
    assert "ImportError: sim.adapters.mesa_viz needs the optional 'viz' extra" in done.stderr
