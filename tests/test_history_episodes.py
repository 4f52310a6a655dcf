"""The documented episodes register in the history replay at their size, and the history
has a shape: sim/data/history_episodes.toml, checked on one 32-replicate replay of
scenarios/history.toml (the file's header defines every measurement;
`sim.analysis.history_episodes` measures it)."""

from __future__ import annotations

import pytest

from sim.analysis.history_episodes import (
    EPISODES_FILE,
    EpisodeFile,
    Ref,
    Replay,
    load_episodes,
    measure_check,
    shape_problems,
)
from sim.core.calendar import month_index
from sim.core.config_errors import ConfigError
from sim.core.provenance import default_seeds_dir, iter_citations, quote_in_document
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import ensemble_seeds, run_batched

REPLICATES = 32
BASE_SEED = 0


def _episode_ids() -> list:
    """One test per episode; an episode the model is known to miss (``model_agrees =
    false``, with its disagreement) is a strict xfail: the day it registers, it must be
    lifted."""
    try:
        episodes = load_episodes().episodes
    except ConfigError:
        return []  # test_the_episode_file_is_valid_and_cited reports why
    return [e.id if e.model_agrees else
            pytest.param(e.id, marks=pytest.mark.xfail(strict=True, reason=e.disagreement))
            for e in episodes]


EPISODE_IDS = _episode_ids()


@pytest.fixture(scope="module")
def episodes() -> EpisodeFile:
    return load_episodes()


@pytest.fixture(scope="module")
def replay() -> Replay:
    scenario = load_scenario("history")
    world = build_world(scenario)
    rec = run_batched(world, ensemble_seeds(BASE_SEED, REPLICATES), keep_terms=False)
    return Replay(scenario.start, world.roster.ids, rec.alignment)


def _find(scenario, ref: Ref) -> str | None:
    """None when the scenario has the referenced item at its date, else what is wrong."""
    items = {x.id: x for x in getattr(scenario, ref.kind) if x.id is not None}
    if ref.id not in items:
        return f"{ref.kind} {ref.id!r} is not in history.toml"
    item = items[ref.id]
    if ref.kind == "events":
        dates = [item.date]
    elif ref.kind == "treaties":
        dates = [item.signed]
    else:
        dates = [step.date for step in item.schedule]
    if ref.date not in dates:
        return f"{ref.kind} {ref.id!r} is dated {', '.join(map(str, dates))}, not {ref.date}"
    return None


# ------------------------------------------------------------------------------ the file
def test_the_episode_file_is_valid_and_cited(episodes):
    seeds = default_seeds_dir()
    bad = []
    for where, c in iter_citations(episodes, "episodes"):
        if c.is_assumption:
            continue
        if not quote_in_document(c.quote, seeds / c.source):
            bad.append(f"{where}: {c.quote!r} is not in {c.source}")
    assert not bad, "\n".join(bad)
    assert {"hamadan_row_2016", "assad_falls_2024", "invasion_of_ukraine_2022"} <= {
        e.id for e in episodes.episodes}


def test_a_bad_entry_is_refused_with_its_field(tmp_path):
    text = EPISODES_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "episodes.toml"
    bad.write_text(text.replace('statistic = "trough"', 'statistic = "dip"', 1)
                   .replace("low = -0.2\nhigh = -0.1", "low = -0.1\nhigh = -0.2", 1),
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_episodes(bad)
    text = str(err.value)
    assert str(bad) in text
    assert "checks[0].statistic" in text and "'dip'" in text
    bad.write_text(EPISODES_FILE.read_text(encoding="utf-8").replace(
        'before = ["2016-07", "2016-07"]\nafter = ["2016-08", "2016-10"]\nlow = -0.2\nhigh = -0.1',
        'before = ["2016-07", "2016-07"]\nafter = ["2016-08", "2016-10"]\nlow = -0.1\nhigh = -0.2',
        1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"low -0\.1 is above high -0\.2"):
        load_episodes(bad)


def test_every_episode_rests_on_events_of_the_replay_at_their_dates(episodes):
    history = load_scenario("history")
    refs = [r for e in episodes.episodes for r in e.refs]
    refs += [r for x in episodes.shape.exemptions for r in x.refs]
    missing = [msg for r in refs if (msg := _find(history, r)) is not None]
    assert not missing, "\n".join(missing)
    early = episodes.shape.early
    for x in episodes.shape.exemptions:
        for r in x.refs:
            assert (month_index(r.date, early[0]) >= 0
                    and month_index(early[1], r.date) >= 0), (
                f"exemption of {x.dyad}: {r.id} ({r.date}) is not in {early[0]}..{early[1]}")


# ------------------------------------------------------------------------------ the replay
@pytest.mark.parametrize("ident", EPISODE_IDS)
def test_the_episode_registers_at_its_documented_size(episodes, replay, ident):
    (episode,) = [e for e in episodes.episodes if e.id == ident]
    failed = []
    for n, check in enumerate(episode.checks):
        result = measure_check(check, replay, episodes.tolerance_se)
        if not result.passes:
            failed.append(f"checks[{n}] {result.describe()}")
    assert not failed, f"{ident}: " + "; ".join(failed)


def test_history_has_a_shape(episodes, replay):
    """No key dyad moves more in 1992-95 than the file allows, unless a dated, cited cause
    moved it; Russia is well disposed to the US in the early 1990s and hostile after 2014."""
    problems = shape_problems(episodes.shape, replay)
    assert not problems, "\n".join(problems)
