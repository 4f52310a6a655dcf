"""The seminar app's hub without a browser: sessions, branches, saving, refusals, exports.

The browser tests (tests/e2e) show the pages; these pin down what the pages rely on.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from sim.core.actions import Dyadic
from sim.core.config_errors import ConfigError
from sim.seminar.errors import SessionError
from sim.seminar.records import read_session_file
from sim.seminar.session import Session, argument_roll
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
    out = hub.act(lambda: hub.branch(1))  # "play again from turn 3" on the page
    assert out.ok and out.value == "game-from-t3"
    assert hub.active == "game-from-t3"
    assert hub.session.resolved_turns == 2 and hub.session.phase == "resolved"
    assert (hub.session.alignment_history() == main.alignment_history()[:3]).all()
    bad = hub.act(lambda: hub.branch(5))
    assert "a branch plays again from one of the turns 1 to 3" in bad.error
    taken = hub.act(lambda: hub.branch(0, "game"))
    assert "is taken" in taken.error  # a label never overwrites a file
    assert hub.act(lambda: hub.switch("game")).ok and hub.session is main
    first = hub.act(lambda: hub.branch(-1))  # "play again from turn 1": the first turn too
    assert first.ok and first.value == "game-from-t1"
    again = hub.session
    assert again.resolved_turns == 0 and (again.turn, again.phase) == (0, "collect")
    assert again.roles.teams() == main.roles.teams()  # the roles as they were at the start
    reopened = Session.load(again.path)
    assert reopened.branch_turn == -1 and reopened.resolved_turns == 0


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
    assert names == ["after_action_report.html", "alignment.csv", "arguments.csv",
                     "data_plan.csv", "hotwash.csv", "log.csv", "questionnaire.csv",
                     "requests.csv", "session.json", "team_moves.csv"]
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


def test_the_cone_samples_parameter_uncertainty_and_says_so(hub, tmp_path):
    """The room's cone spreads over parameter sets as well as random draws (the setting's
    count), and its legend and footnote say what it is: model runs, not a forecast."""
    from sim.seminar.web.charts import dyad_figure

    hub.new_session(SHORT, 3, "game")
    cone = hub.cone()
    assert len(cone.parameter_sets) == hub.settings.cone_parameter_sets == 10
    fig = dyad_figure(hub.session, "IRN", "RUS", cone)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()] + [
        t.get_text() for t in fig.texts]
    assert any("under 10 parameter sets" in t for t in texts)
    assert any("not a forecast" in t and "uncertain parameters" in t for t in texts)
    plain = Hub(SeminarSettings(folder=tmp_path / "plain", cone_replicates=20, cone_months=2,
                                cone_parameter_sets=0))
    plain.new_session(SHORT, 3, "game")
    assert plain.cone().parameter_sets == () and "random draws only" in plain.cone().describe()


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


# ------------------------------------------------------- a turn control that cannot slip
def test_a_repeated_or_stale_advance_moves_exactly_one_phase(tmp_path):
    hub = Hub(SeminarSettings(folder=tmp_path, cone_replicates=20, cone_months=2,
                              settle_seconds=0.5))
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    shown = (s.turn, s.phase)
    first = hub.act(lambda: hub.advance(shown))
    assert first.ok and s.phase == "propose"
    # a double-click: the same page's second click, whatever its closure carries
    for at in (shown, (s.turn, s.phase)):
        again = hub.act(lambda at=at: hub.advance(at))
        assert not again.ok and "not advanced" in again.error, again
    assert s.phase == "propose"
    time.sleep(0.6)  # past the settle time, a click the page made before the change
    stale = hub.act(lambda: hub.advance(shown))
    assert not stale.ok and "turn 1, phase 'collect'" in stale.error and s.phase == "propose"
    assert hub.act(lambda: hub.advance((s.turn, s.phase))).ok and s.phase == "adjudicate"
    phases = [r for r in s.log if r.kind == "phase"]
    assert [(r.payload["previous"], r.payload["opened"]) for r in phases] == [
        ("collect", "propose"), ("propose", "adjudicate")]
    assert all((r.turn, r.phase) == (0, r.payload["opened"]) for r in phases)


def test_two_pages_clicking_together_advance_one_phase(tmp_path):
    hub = Hub(SeminarSettings(folder=tmp_path, cone_replicates=20, cone_months=2))
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    shown = (s.turn, s.phase)
    results = []
    threads = [threading.Thread(target=lambda: results.append(hub.act(
        lambda: hub.advance(shown)))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.ok for r in results) == [False, True] and s.phase == "propose"


def test_phase_records_replay_and_every_request_carries_its_moment(hub):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    for _ in range(4):  # a whole turn and the next turn's collect
        hub._moved_at = float("-inf")  # no settle time between scripted clicks
        assert hub.act(lambda: hub.advance((s.turn, s.phase))).ok
    assert (s.turn, s.turn_number, s.phase) == (1, 2, "collect")
    reopened = Session.load(s.path)
    assert [r.kind for r in reopened.log] == [r.kind for r in s.log]
    assert (reopened.turn, reopened.phase) == (1, "collect")
    late = hub.act(lambda: s.note("late"), at=(0, "resolved"))
    assert not late.ok and "this page showed turn 1, phase 'resolved'" in late.error
    assert hub.act(lambda: s.note("now"), at=(1, "collect")).ok


@pytest.mark.parametrize("reason", ["", "   ", "\u200b", "\u200b\u2060\ufeff \u00a0"])
def test_blank_and_invisible_reasons_are_refused(hub, reason):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    for request in (lambda: s.override("RUS", dyadic={"IRN": "deepen"}, reason=reason),
                    lambda: s.release_inject("israel_iran_war:israel_war_on_iran", reason),
                    lambda: s.note(reason)):
        out = hub.act(request)
        assert not out.ok and ("reason is required" in out.error or "invisible" in out.error)
    play_turn(hub)
    out = hub.act(lambda: s.adjust("RUS", "IRN", 0.2, reason))
    assert not out.ok and "invisible text is not a reason" in out.error
    assert [r.kind for r in s.log if r.kind not in ("phase", "resolve")] == []


@pytest.mark.parametrize("value", [5.0, -1.5, float("nan"), float("inf"), "0.3x"])
def test_an_out_of_range_adjustment_is_a_message_not_a_traceback(hub, value):
    hub.new_session(SHORT, 3, "game")
    play_turn(hub)
    before = hub.session.dyad_history("RUS", "IRN")[-1]
    out = hub.act(lambda: hub.session.adjust("RUS", "IRN", value, "White's test"))
    assert not out.ok and "an alignment is a number from -1 to +1" in out.error
    assert "Traceback" not in out.error and hub.session.dyad_history("RUS", "IRN")[-1] == before


def test_a_defect_reaches_the_page_as_one_line_and_the_log_as_a_traceback(hub, caplog):
    hub.new_session(SHORT, 3, "game")

    def broken() -> None:
        raise RuntimeError("/secret/server/path exploded")

    with caplog.at_level("ERROR"):
        out = hub.act(broken)
    assert not out.ok and "RuntimeError" in out.error
    assert "/secret" not in out.error and "Traceback" not in out.error
    assert "exploded" in caplog.text


def test_open_pages_are_counted_until_dropped(hub):
    a, b = hub.page_opened("plenary"), hub.page_opened("team blue")
    hub.page_opened("team blue")
    assert hub.open_pages() == {"plenary": 1, "team blue": 2}
    hub.page_closed(a)
    hub.page_closed(b)
    assert hub.open_pages() == {"team blue": 1}


# ------------------------------------------------ styles, arguments, RFIs, data collection
def _resolve(s: Session) -> None:
    while s.phase != "resolved":
        s.advance_phase()


def test_adjudication_styles_are_recorded_and_enforced(tmp_path):
    s = Session.create(SHORT, 3, path=tmp_path / "s.json")
    s.set_style("rigid", open_adjudication=False)
    assert (s.style, s.open_adjudication) == ("rigid", False)
    with pytest.raises(SessionError, match="rigid adjudication"):
        s.override("RUS", dyadic={"IRN": "deepen"}, reason="White wants it")
    _resolve(s)
    with pytest.raises(SessionError, match="rigid adjudication"):
        s.adjust("RUS", "IRN", 0.3, "White wants it")
    s.set_style("semi_rigid")  # between turns
    s.adjust("RUS", "IRN", 0.3, "White wants it")
    s.advance_phase()
    s.override("RUS", dyadic={"IRN": "deepen"}, reason="now allowed")
    with pytest.raises(SessionError, match="only between turns"):
        s.set_style("free")
    with pytest.raises(SessionError, match="allowed rigid, semi_rigid, free, matrix"):
        s.set_style("loose")
    s.save()
    again = Session.load(s.path)
    assert [r.kind for r in again.log] == [r.kind for r in s.log]
    assert again.style == "semi_rigid" and again.open_adjudication


def test_a_matrix_game_argument_is_rolled_from_the_seed_logged_and_replayed(tmp_path):
    s = Session.create(SHORT, 3, path=tmp_path / "m.json")
    s.assign("IRN", "blue")
    with pytest.raises(SessionError, match="needs the matrix style"):
        s.argue("blue", "IRN", dyadic={"RUS": "deepen"}, reasons="r", probability=0.5)
    s.set_style("matrix")
    with pytest.raises(SessionError, match="reasons are required"):
        s.argue("blue", "IRN", dyadic={"RUS": "deepen"}, reasons="\u200b", probability=0.5)
    with pytest.raises(SessionError, match="a chance is a number from 0 to 1"):
        s.argue("blue", "IRN", dyadic={"RUS": "deepen"}, reasons="r", probability=1.5)
    sure = s.argue("blue", "IRN", dyadic={"RUS": "deepen"}, reasons="Tehran needs Moscow",
                   probability=1.0)
    never = s.argue("blue", "IRN", dyadic={"USA": "distance"}, reasons="and not Washington",
                    probability=0.0)
    assert sure.success and not never.success and sure.number == 0 and never.number == 1
    assert sure.roll == argument_roll(3, 0, 0) != never.roll == argument_roll(3, 0, 1)
    _resolve(s)
    imposed = s.outcomes[-1].imposed
    assert any(v == "deepen" for k, v in imposed.items() if "IRN" in k and "RUS" in k)
    assert not any(v == "distance" for v in imposed.values())
    s.save()
    again = Session.load(s.path)  # the rolls replay: same outcome to the last bit
    assert again.outcomes[-1].digest == s.outcomes[-1].digest
    tampered = s.to_file().model_dump(mode="json")
    arg = next(r for r in tampered["log"] if r["kind"] == "argument")
    arg["payload"]["roll"], arg["payload"]["success"] = 0.999, False
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    with pytest.raises(ConfigError, match="does not follow from the seed"):
        Session.load(bad)


def test_requests_for_information_are_answered_and_logged(hub):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    k = s.request_information("blue", "Does Russia still ship S-400 parts?")
    assert s.requests("blue")[0][2] is None
    with pytest.raises(SessionError, match="empty or invisible"):
        s.request_information("blue", "\u200b")
    s.answer_information(k, "Deliveries continue, slowly.")
    (_, req, ans), = s.requests("blue")
    assert req.payload["question"].startswith("Does Russia") and ans.author == "white"
    with pytest.raises(SessionError, match="already answered"):
        s.answer_information(k, "again")
    with pytest.raises(SessionError, match="no such request"):
        s.answer_information(k + 5, "nothing")


def test_questionnaires_hotwash_and_research_questions_form_the_data_plan(hub):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    s.add_research_question("RQ1", "Do teams expect Russia to honour the treaty?",
                            ["questionnaire", "move"])
    with pytest.raises(SessionError, match="unknown record kinds"):
        s.add_research_question("RQ2", "?", ["telepathy"])
    with pytest.raises(SessionError, match="no turn has been resolved"):
        s.answer_questionnaire("blue", 3, 2)
    play_turn(hub)
    s.answer_questionnaire("blue", 4, 2, "Russia hedges")
    with pytest.raises(SessionError, match="already answered for turn 1"):
        s.answer_questionnaire("blue", 4, 2)
    with pytest.raises(SessionError, match="confidence"):
        s.answer_questionnaire("red", 7, 2)
    s.hotwash("blue", worked="talking to White", learned="treaties are slow")
    with pytest.raises(SessionError, match="at least one answer"):
        s.hotwash("blue")
    (q, count), = s.research_questions()
    assert q.id == "RQ1" and count == 1  # the questionnaire answer


def test_collected_data_reach_the_csv_files_and_the_report(hub, tmp_path):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    s.assign("IRN", "blue")
    s.add_research_question("RQ1", "How sure are teams of Russia?", ["questionnaire", "rfi"])
    k = s.request_information("blue", "Is the S-400 coming?")
    s.answer_information(k, "Not this year.")
    s.submit_move("blue", "IRN", {"RUS": "deepen"}, reason="we need a patron")
    play_turn(hub)
    s.answer_questionnaire("blue", 2, 5, "Moscow hedges")
    s.hotwash("white", learned="the room trusted the cone")
    paths = {p.name: p for p in hub.export()}
    import pandas as pd
    q = pd.read_csv(paths["questionnaire.csv"])
    assert q.to_dict("records")[0] | {"created_utc": None} == {
        "team": "blue", "about_turn": 1, "confidence": 2, "surprise": 5,
        "expected_reaction": "Moscow hedges", "created_utc": None}
    r = pd.read_csv(paths["requests.csv"]).to_dict("records")[0]
    assert (r["question"], r["answer"], r["turn"]) == ("Is the S-400 coming?", "Not this year.", 1)
    moves = pd.read_csv(paths["team_moves.csv"])
    assert moves["reason"].tolist() == ["we need a patron"]
    plan = pd.read_csv(paths["data_plan.csv"]).to_dict("records")[0]
    assert plan["id"] == "RQ1" and plan["records_collected"] == 2  # the rfi, the questionnaire
    report = paths["after_action_report.html"].read_text()
    for text in ("Data collection plan", "How sure are teams of Russia?", "Not this year.",
                 "we need a patron", "Moscow hedges", "the room trusted the cone",
                 "Style: semi-rigid, open"):
        assert text in report, text


def test_every_record_kind_has_words_for_the_data_plan():
    from sim.seminar.records import KIND_LABELS
    from sim.seminar.session import KINDS

    assert set(KIND_LABELS) == set(KINDS)


# ------------------------------------------------------------------------- turn length
def test_a_three_month_turn_steps_three_months_with_the_moves_in_force(tmp_path):
    s = Session.create("baseline", 5, path=tmp_path / "q.json", months_per_turn=3)
    assert (s.turn_number, s.period) == (1, "2025-01 to 2025-03")
    s.assign("IRN", "blue")
    s.submit_move("blue", "IRN", {"RUS": "deepen"})
    _resolve(s)
    assert (s.resolved_turns, s.resolved_room_turns) == (3, 1)  # three months, one turn
    assert s.state.step == 3
    ro = s.world.roster
    i, j = ro.index("IRN"), ro.index("RUS")
    taken = [s._turns[m].result.dyadic[0, i, j] for m in range(3)]
    assert all(int(a) == int(Dyadic.DEEPEN) for a in taken)  # in force every month
    s.advance_phase()
    assert (s.turn, s.turn_number, s.date, s.period) == (3, 2, "2025-04", "2025-04 to 2025-06")
    s.save()
    again = Session.load(s.path)
    assert again.months_per_turn == 3
    assert [o.digest for o in again.outcomes] == [o.digest for o in s.outcomes]
    branch = s.branch(0)
    assert branch.resolved_turns == 3 and (branch.turn, branch.phase) == (0, "resolved")
    with pytest.raises(SessionError, match="allowed 1, 3, 6, 12"):
        Session.create("baseline", 5, months_per_turn=2)


def test_the_board_shows_who_has_decided_and_the_timer_its_phase(hub):
    hub.new_session(SHORT, 3, "game")
    s = hub.session
    s.assign("IRN", "blue")
    s.assign("RUS", "red")
    assert s.submissions() == {"blue": False, "red": False}
    s.submit_move("blue", "IRN", {"RUS": "deepen"})
    assert s.submissions() == {"blue": True, "red": False}
    assert hub.act(lambda: hub.set_timer(5)).ok and hub.timer_text().startswith("collect ends")
    assert not hub.act(lambda: hub.set_timer(-1)).ok
    s.advance_phase()
    assert hub.timer_text() == ""  # the timer was for collect
    play_turn(hub)
    s.advance_phase()
    assert s.submissions() == {"blue": False, "red": False}  # a new turn


def test_the_master_events_list_releases_its_injects_when_their_turn_opens(tmp_path):
    s = Session.create("baseline", 5, path=tmp_path / "msel.json")
    with pytest.raises(SessionError, match="a later turn"):
        s.schedule_inject(1, "israel_iran_war:israel_war_on_iran", "too late")
    s.schedule_inject(3, "israel_iran_war:israel_war_on_iran", "the war of the exercise")
    with pytest.raises(SessionError, match="reason"):
        s.schedule_inject(2, "israel_iran_war:israel_war_on_iran", "\u200b")
    assert s.scheduled() == [(3, "israel_iran_war:israel_war_on_iran",
                              "the war of the exercise", False)]
    for _ in range(2):  # turns 1 and 2, and open turn 3
        _resolve(s)
        s.advance_phase()
    assert s.turn_number == 3 and s.scheduled()[0][3]  # released as turn 3 opened
    inject = [r for r in s.log if r.kind == "inject"]
    assert len(inject) == 1 and inject[0].turn == 2 and inject[0].phase == "collect"
    assert inject[0].reason == "scheduled: the war of the exercise"
    _resolve(s)
    assert any("israel" in f.lower() or "strike" in f.lower() for f in s.outcomes[-1].fired)
    s.save()
    again = Session.load(s.path)  # the released inject replays once, not twice
    assert [r.kind for r in again.log] == [r.kind for r in s.log]
    assert again.outcomes[-1].digest == s.outcomes[-1].digest


def test_scenes_pushed_to_the_plenary_say_what_happened(hub):
    from sim.seminar.web.scenes import scene_html, scene_lines

    hub.new_session(SHORT, 3, "game")
    s = hub.session
    assert not hub.act(lambda: hub.set_scene("fireworks")).ok
    title, lines = scene_lines("moves", hub.sessions, hub.active, hub.focus)
    assert lines == ["No turn has been resolved yet."]
    s.release_inject("israel_iran_war:israel_war_on_iran", "the exercise's war")
    play_turn(hub)
    title, lines = scene_lines("moves", hub.sessions, hub.active, hub.focus)
    assert title == "Moves of 2025-01" and lines[0].startswith("Events: ")
    title, lines = scene_lines("inject", hub.sessions, hub.active, hub.focus)
    assert "Why White released it: the exercise's war" in lines
    title, lines = scene_lines("why", hub.sessions, hub.active, ("RUS", "IRN"))
    assert title.startswith("Why Russia → Iran moved") and lines[0].startswith("Russia→Iran")
    hub.act(lambda: hub.branch(-1, "again"))
    title, lines = scene_lines("branches", hub.sessions, hub.active, ("RUS", "IRN"))
    assert len(lines) == 2 and "against again" in lines[0]
    assert "<script" not in scene_html("<script>", ["<b>"])
    assert "&lt;b&gt;" in scene_html("t", ["<b>"])
    assert hub.act(lambda: hub.set_scene("why")).ok and hub.scene == "why"


def test_team_pages_wait_for_the_front_pages_to_draw_a_change(tmp_path):
    """After a change the plenary and White's page draw first; a team's page waits until
    they have drawn it, or for FOLLOW_LIMIT at most (a front page that never draws cannot
    hold the teams for long), and a front page that closes stops holding them."""
    import threading
    import time

    hub = Hub(SeminarSettings(folder=tmp_path))
    plenary = hub.page_opened("plenary")
    hub.page_opened("team blue")
    hub.drawn(plenary, 0)
    started = time.monotonic()
    hub.wait_for_front("plenary", 1)  # a front page never waits
    hub.wait_for_front("team blue", 0)  # nothing new to wait for
    assert time.monotonic() - started < 0.1
    threading.Timer(0.3, hub.drawn, (plenary, 1)).start()
    started = time.monotonic()
    hub.wait_for_front("team blue", 1)
    assert 0.25 <= time.monotonic() - started < 1.5  # released by the plenary's drawing
    started = time.monotonic()
    hub.wait_for_front("analyst", 2, limit=0.3)  # the plenary never draws revision 2
    assert 0.25 <= time.monotonic() - started < 1.0
    threading.Timer(0.2, hub.page_closed, (plenary,)).start()
    started = time.monotonic()
    hub.wait_for_front("team blue", 2, limit=5.0)
    assert time.monotonic() - started < 2.0  # the plenary closed: nothing holds the team


def test_team_pages_wait_for_the_figures_the_front_pages_asked_for(hub):
    """The projector's figures are drawn before the teams' pages redraw: a team's page
    waits while the painter has figures queued or in hand (at most FOLLOW_LIMIT)."""
    import time

    from matplotlib.figure import Figure

    hub.new_session(SHORT, 3, "game")
    hub.page_opened("team blue")

    def slow() -> Figure:
        time.sleep(0.3)
        fig = Figure(figsize=(1, 1))
        fig.subplots().plot([0, 1])
        return fig

    png, fresh = hub.figure(("slow",), slow)
    assert png is None and not fresh  # never drawn in the asking page's redraw
    started = time.monotonic()
    hub.wait_for_front("team blue", hub.revision)
    assert time.monotonic() - started >= 0.2
    png, fresh = hub.figure(("slow",), slow)
    assert fresh and png.startswith(b"\x89PNG")
