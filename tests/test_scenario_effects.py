"""Every named scenario against its reference: the effects the documents lead one to expect.

The expectations are data, in each scenario file's ``[[expected]]`` entries, with their
citations; each becomes one test here. An expectation the model is known to contradict is
marked ``model_agrees = false`` in its file with the reason, and runs here as a strict xfail:
it is reported, not hidden, and the day the model agrees the xfail fails and must be lifted.
"""

from __future__ import annotations

from functools import cache

import pytest

from sim.analysis.scenario_effects import EFFECT_REPLICATES, measure
from sim.core.settings import get_settings
from sim.inputs.scenario import load_scenario

SCENARIOS = sorted(get_settings().scenarios_dir.glob("*.toml"))

#: Every scenario the issue names, by file stem.
REQUIRED = (
    "baseline", "treaty_as_signed", "treaty_mutual_defence", "treaty_none",
    "sanctions_tightened", "sanctions_relaxed_russia", "sanctions_relaxed_iran",
    "sanctions_snapback_iran", "assad_falls", "assad_holds", "israel_iran_war",
    "israel_iran_war_mutual_defence", "israel_iran_war_no_treaty", "us_iran_deal",
    "ukraine_ceasefire", "zangezur_corridor", "iran_elected_government",
    "iran_security_establishment",
)


def _cases():
    for path in SCENARIOS:
        sc = load_scenario(path)
        for k, e in enumerate(sc.expected):
            marks = [] if e.model_agrees else [pytest.mark.xfail(strict=True,
                                                                 reason=e.disagreement)]
            yield pytest.param(path.stem, k, marks=marks,
                               id=f"{path.stem}:{e.source}->{e.target}:{e.direction}")


@cache
def _measured(name: str):
    return measure(name)[1]


def test_named_scenarios_exist_and_validate():
    names = {p.stem for p in SCENARIOS}
    missing = sorted(set(REQUIRED) - names)
    assert not missing, f"missing scenarios: {missing}"
    for path in SCENARIOS:
        sc = load_scenario(path)
        assert sc.name == path.stem, f"{path.name}: name {sc.name!r} differs from file name"
        assert sc.title and sc.description, f"{path.name}: needs a title and a description"


def test_every_scenario_with_changes_states_expected_effects():
    """Apart from the baseline and the references, a scenario says what it should do. The
    history replay is no counterfactual: what it should do is its dated targets
    (sim/data/history_targets.toml, tests/test_targets.py)."""
    references = {load_scenario(p).reference for p in SCENARIOS} | {"baseline", "history"}
    for path in SCENARIOS:
        sc = load_scenario(path)
        if path.stem not in references and path.stem != "treaty_as_signed":
            assert sc.expected, f"{path.name}: no [[expected]] effects"
        for e in sc.expected:
            if not e.model_agrees:
                assert len(e.disagreement or "") > 40, f"{path.name}: explain the disagreement"


@pytest.mark.parametrize(("name", "k"), list(_cases()))
def test_expected_effect(name, k):
    r = _measured(name)[k]
    assert r.replicates == EFFECT_REPLICATES
    assert r.met, r.describe()
