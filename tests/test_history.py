"""The history replay (scenarios/history.toml): the documented timeline, at its dates."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.calendar import month_index
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched

#: What issue 6 asks the replay to contain, and where the scenario has it: (kind, id, date).
TIMELINE = [
    ("events", "arms_trade_1990s", "1992-01"),
    ("events", "bushehr_agreement", "1995-01"),
    ("treaties", "rus_irn_basic_2001", "2001-03"),
    ("sanctions", "un_on_iran", "2006-12"),
    ("events", "syrian_war", "2011-03"),
    ("events", "russia_intervenes_in_syria", "2015-09"),
    ("events", "jcpoa", "2015-07"),
    ("events", "hamadan_row", "2016-08"),
    ("events", "us_quits_the_jcpoa", "2018-05"),
    ("events", "invasion_of_ukraine", "2022-02"),
    ("events", "drones_for_russia", "2022-08"),
    ("events", "sco_membership", "2023-07"),
    ("events", "brics_membership", "2024-01"),
    ("events", "pezeshkian_elected", "2024-07"),
    ("events", "ashgabat_and_kazan", "2024-10"),
    ("events", "israel_strikes_iran_october_2024", "2024-10"),
    ("events", "assad_regime_collapse", "2024-12"),
    ("treaties", "rus_irn_csp_2025", "2025-01"),
]


@pytest.fixture(scope="module")
def history():
    return load_scenario("history")


@pytest.mark.parametrize(("kind", "ident", "date"), TIMELINE)
def test_the_timeline_is_in_the_replay_at_its_date(history, kind, ident, date):
    items = {x.id: x for x in getattr(history, kind)}
    assert ident in items, f"{ident} missing from history.toml"
    item = items[ident]
    if kind == "events":
        assert item.date == date
        assert item.evidence is not None and item.evidence.source is not None
    elif kind == "treaties":
        assert item.signed == date
    else:
        assert item.schedule[0].date == date


def test_the_replay_runs_from_1992_to_2025_and_registers_the_un_votes(history):
    """Russia's votes for UN sanctions (2006-2010) cool Iran towards Russia; the Syrian
    cooperation after 2015 warms it again (32 replicates, yearly means)."""
    world = build_world(history)
    assert history.start == "1992-01"
    assert month_index("2025-12", history.start) == world.horizon - 1
    rec = run_batched(world, np.arange(32), keep_terms=False)
    ro = world.roster
    x = rec.alignment[1:, :, ro.index("IRN"), ro.index("RUS")]

    def year(y: int) -> float:
        k = month_index(f"{y}-01", history.start)
        return float(x[k:k + 12].mean())

    assert year(2008) < year(2005) - 0.05
    assert year(2017) > year(2012) + 0.05
