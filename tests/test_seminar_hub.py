"""The seminar app's hub without a browser: sessions, branches, saving, refusals, exports.

The browser tests (tests/e2e) show the pages; these pin down what the pages rely on.
"""

from __future__ import annotations

import json

import pytest

from sim.seminar.records import read_session_file
from sim.seminar.web.hub import Hub
from sim.seminar.web.settings import SeminarSettings

SHORT = "tests/data/seminar/seminar_short.toml"


@pytest.fixture
def hub(tmp_path) -> Hub:
    return Hub(SeminarSettings(folder=tmp_path, cone_replicates=20, cone_months=2))


def play_turn(hub: Hub) -> None:
    for _ in range(3):
        assert hub.act(hub.session.advance_phase).ok


def test_every_request_is_saved_not_only_every_turn(hub):
    label = hub.new_session(SHORT, 3, "game")
    path = hub.sessions_dir / "game.json"
    assert label == "game" and path.exists()
    assert hub.act(lambda: hub.session.assign("IRN", "blue")).ok
    assert hub.act(lambda: hub.session.submit_move("blue", "IRN", {"RUS": "deepen"})).ok
    log = read_session_file(path).log
    assert [r.kind for r in log] == ["assign", "move"]  # saved before the turn resolved


def test_refusals_become_messages_and_bump_the_revision(hub):
    hub.new_session(SHORT, 3, "game")
    seen = hub.revision
    out = hub.act(lambda: hub.session.override("RUS", dyadic={"IRN": "deepen"}, reason=""))
    assert not out.ok and "reason is required" in out.error
    assert hub.revision == seen + 1  # pages redraw to show the refusal
    assert hub.wait(seen, timeout=0.01) == seen + 1


def test_branch_from_turn_keeps_the_turns_before_and_becomes_active(hub):
    hub.new_session(SHORT, 3, "game")
    for _ in range(2):
        play_turn(hub)
        assert hub.act(hub.session.advance_phase).ok
    play_turn(hub)  # turns 0, 1 and 2 resolved
    main = hub.session
    out = hub.act(lambda: hub.branch(1))  # "branch from turn 2" on the page
    assert out.ok and out.value == "game-from-t2"
    assert hub.active == "game-from-t2"
    assert hub.session.resolved_turns == 2 and hub.session.phase == "resolved"
    assert (hub.session.alignment_history() == main.alignment_history()[:3]).all()
    bad = hub.act(lambda: hub.branch(5))
    assert "a branch plays again one of the turns 1 to 2" in bad.error
    taken = hub.act(lambda: hub.branch(0, "game"))
    assert "is taken" in taken.error  # a label never overwrites a file
    assert hub.act(lambda: hub.switch("game")).ok and hub.session is main


def test_a_damaged_file_is_refused_and_nothing_is_written(hub):
    hub.new_session(SHORT, 3, "game")
    play_turn(hub)
    hub.act(lambda: hub.branch(0, "alt"))
    damaged = hub.sessions_dir / "damaged.json"
    damaged.write_text('{"header": {"kind": "something else"}')
    before = {p: p.read_bytes() for p in hub.sessions_dir.iterdir()}
    active = hub.active
    out = hub.act(lambda: hub.open_session(damaged))
    assert not out.ok and "damaged.json" in out.error
    assert {p: p.read_bytes() for p in hub.sessions_dir.iterdir()} == before
    assert hub.active == active
    fresh = Hub(hub.settings)
    assert fresh.act(lambda: fresh.open_session(hub.sessions_dir / "game.json")).ok
    assert set(fresh.sessions) == {"game", "alt"}  # the branch beside it comes along


def test_export_writes_json_csv_and_the_report(hub):
    hub.new_session(SHORT, 3, "game")
    play_turn(hub)
    out = hub.act(hub.export)
    names = sorted(p.name for p in out.value)
    assert names == ["after_action_report.html", "alignment.csv", "log.csv", "session.json"]
    data = json.loads((hub.settings.folder / "exports/game/session.json").read_text())
    assert len(data["turns"]) == 1


def test_the_cone_is_cached_per_state(hub):
    hub.new_session(SHORT, 3, "game")
    first = hub.cone()
    assert hub.cone() is first
    hub.act(hub.session.advance_phase)  # a phase change alone does not change the cone
    assert hub.cone() is first
    hub.act(lambda: hub.session.override("RUS", dyadic={"IRN": "distance"}, reason="test"))
    changed = hub.cone()
    assert changed is not first and not (changed.alignment == first.alignment).all()
    assert not hub.act(lambda: hub.set_focus(("RUS", "XXX"))).ok
    assert hub.act(lambda: hub.set_focus(("IRN", "USA"))).ok and hub.focus == ("IRN", "USA")


def test_an_ad_hoc_inject_is_parsed_checked_and_logged(hub):
    hub.new_session(SHORT, 3, "game")
    bad = hub.act(lambda: hub.release_adhoc('{"type": "strike", "attacker": "ISR"'))
    assert "not JSON" in bad.error and "line 1" in bad.error
    wrong = hub.act(lambda: hub.release_adhoc('{"type": "strike", "attacker": "ISR"}'))
    assert not wrong.ok and "target" in wrong.error  # the event model names what is missing
    ok = hub.act(lambda: hub.release_adhoc(
        '{"type": "strike", "attacker": "ISR", "target": "IRN", "theatre": "israel_axis"}',
        "White tests an ad-hoc strike"))
    assert ok.ok and ok.value == "strike"
    rec = hub.session.log[-1]
    assert rec.kind == "inject" and rec.payload["key"] is None
    assert rec.reason == "White tests an ad-hoc strike" and rec.date == hub.session.date
