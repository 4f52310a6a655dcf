"""The seminar engine: turn cycle, determinism against the model, replay, branches, files."""

from __future__ import annotations

import json
import os
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app
from sim.core.actions import Dyadic, TheatreAction
from sim.core.config_errors import ConfigError
from sim.dynamics.engine import Overrides, advance
from sim.runs.ensemble import run_batched
from sim.runs.reporting import key_dyads
from sim.runs.run_job import prepare_run
from sim.seminar import (
    Session,
    SessionError,
    inject_catalogue,
    noise_band,
    trend_label,
)
from sim.seminar.branches import compare_branches, divergence, model_alone
from sim.seminar.export import log_table, report_html, trajectory_table, write_csv, write_json

DATA = Path(__file__).resolve().parent / "data" / "seminar"
SEED = 11
TURNS = 6  # the scripted game's length


def script_turn(s: Session, k: int) -> None:
    """Turn ``k`` of the scripted game: the same decisions whenever turn k is played."""
    if s.phase == "resolved":
        s.advance_phase()
    assert s.turn == k and s.phase == "collect"
    if k == 0:
        s.assign("IRN", "blue")
        s.assign("USA", "red")
    s.submit_move("blue", "IRN", dyadic={"RUS": "transfer_arms"})
    s.advance_phase()
    s.accept_proposal("blue", "IRN")
    s.accept_proposal("red", "USA")
    s.advance_phase()
    if k == 1:
        s.override("RUS", dyadic={"IRN": "diplomatic_cover"}, theatre={"gulf": "mediate"},
                   reason="Moscow shields Tehran at the UN")
        s.note("Blue hedges its bets", author="blue", insight=True)
    if k == 2:
        s.release_inject("israel_iran_war:israel_war_on_iran", reason="test the treaty")
    if k == 3:
        s.release_inject({"type": "recrimination", "source": "IRN", "target": "RUS",
                          "amount": 0.2}, reason="an ad-hoc grievance")
    s.resolve_turn()
    if k == 2:
        s.adjust("RUS", "IRN", 0.8, reason="a summit the model does not know")


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> Session:
    path = tmp_path_factory.mktemp("seminar") / "game.json"
    s = Session.create("baseline", SEED, path=path)
    for k in range(TURNS):
        script_turn(s, k)
    return s


def _model(scenario: str, seed: int, months: int):
    return run_batched(prepare_run(scenario).world, [seed], keep_terms=True, months=months)


# --------------------------------------------------------------------- determinism
def test_session_nobody_touches_is_the_model_bit_for_bit():
    s = Session.create("baseline", 7)
    for _ in range(12):
        s.advance_phase()
        s.proposals(effects=True)  # proposing must not shift any random number
        s.advance_phase()
        s.advance_phase()  # adjudicate -> resolved
        s.advance_phase()
    rec = _model("baseline", 7, 12)
    hist = s.alignment_history()
    assert hist.dtype == rec.alignment.dtype
    assert np.array_equal(hist, rec.alignment[:, 0])
    assert np.array_equal(s.record().terms.astype(np.float32), rec.terms)


def test_accepting_every_proposal_is_the_model_playing():
    s = Session.create("baseline", 3)
    s.assign("IRN", "blue")
    s.assign("RUS", "green")
    proposed = []
    for _ in range(8):
        s.advance_phase()
        props = s.proposals()
        proposed.append({p.actor: (p.dyadic, p.theatre) for p in props})
        s.accept_proposal("blue", "IRN")
        s.accept_proposal("green", "RUS")
        s.resolve_turn()
        s.advance_phase()
    rec = _model("baseline", 3, 8)
    assert np.array_equal(s.alignment_history(), rec.alignment[:, 0])
    ids = s.world.roster.ids
    for t, month in enumerate(proposed):  # every actor's proposal is the move it made
        for actor, (dyadic, _) in month.items():
            i = ids.index(actor)
            taken = {ids[j]: Dyadic(rec.dyadic[t, 0, i, j]).name.lower()
                     for j in range(len(ids)) if j != i}
            assert dyadic == taken


def test_inject_equals_the_scenario_that_schedules_the_event():
    s = Session.create("baseline", SEED)
    for k in range(8):
        if k == 5:  # June 2025, the month israel_iran_war.toml dates its events
            s.release_inject("israel_iran_war:israel_war_on_iran", "test")
            s.release_inject("israel_iran_war:iran_war_on_israel", "test")
        s.resolve_turn()
        s.advance_phase()
    assert s.outcomes[5].fired[:2] == ("ISR strikes IRN (israel_axis, 3 mo)",
                                       "IRN strikes ISR (israel_axis, 3 mo)")
    rec = _model("israel_iran_war", SEED, 8)
    assert np.array_equal(s.alignment_history(), rec.alignment[:, 0])
    assert not np.array_equal(s.alignment_history(), _model("baseline", SEED, 8).alignment[:, 0])


def test_expected_effect_is_the_one_month_difference_against_maintain():
    """Checked by another route: two whole months through `advance` with `Overrides`."""
    s = Session.create("baseline", 5)
    s.assign("IRN", "blue")
    s.advance_phase()
    (prop,) = s.proposals("blue")
    assert {e.kind for e in prop.effects} == {"dyadic", "theatre"}
    ro = s.world.roster
    i = ro.index("IRN")

    def month(kind: str, target: str, action: str) -> np.ndarray:
        st = s.state
        if kind == "dyadic":
            over = Overrides(dyadic={(i, ro.index(target)): Dyadic[action.upper()]})
        else:
            over = Overrides(theatre={(i, ro.theatre_index(target)):
                                      TheatreAction[action.upper()]})
        advance(st, s.world, over, keep_terms=False)
        return st.alignment[0]

    for eff in prop.effects:
        assert eff.versus == ("maintain" if eff.kind == "dyadic" else "support")
        d = month(eff.kind, eff.target, eff.move) - month(eff.kind, eff.target, eff.versus)
        for src, tgt, value in eff.changes:
            assert value == d[ro.index(src), ro.index(tgt)]
        assert eff.text().startswith(f"IRN {eff.move} ")


# --------------------------------------------------------------------- turn cycle, roles
def test_phases_stamps_and_the_end_of_the_scenario():
    s = Session.create(str(DATA / "seminar_short.toml"), 1)
    assert (s.turn, s.phase, s.date) == (0, "collect", "2025-01")
    assert [s.advance_phase() for _ in range(4)] == ["propose", "adjudicate", "resolved",
                                                     "collect"]
    assert (s.turn, s.date, s.resolved_turns) == (1, "2025-02", 1)
    s.note("halfway")
    rec = s.log[-1]
    assert (rec.kind, rec.turn, rec.phase, rec.date, rec.author) == ("note", 1, "collect",
                                                                     "2025-02", "white")
    s.resolve_turn()
    s.advance_phase()
    s.resolve_turn()
    assert s.finished and s.alignment_history().shape == (4, 16, 16)
    with pytest.raises(SessionError, match="scenario ends after 2025-03"):
        s.advance_phase()
    with pytest.raises(SessionError, match="cone: the scenario has ended"):
        s.cone(replicates=2)


def test_roles_change_only_between_turns_and_views_follow_them():
    s = Session.create("baseline", 2)
    s.assign("IRN", "blue")
    s.submit_move("blue", "IRN", dyadic={"RUS": "deepen"})
    with pytest.raises(SessionError, match="only between turns"):
        s.assign("SYR", "blue")
    with pytest.raises(SessionError, match="does not play RUS"):
        s.submit_move("blue", "RUS", dyadic={"IRN": "deepen"})
    for bad in ("model", "9lives", "a b"):
        with pytest.raises(SessionError, match="team"):
            s.note("x", author=bad)
    view = s.team_view("blue")
    assert [o.actor for o in view.options] == ["IRN"]
    assert view.moves == {"IRN": {"RUS": "deepen"}}
    assert view.proposals == ()  # not before the propose phase
    opts = view.options[0]
    assert "sanction" not in opts.dyadic["RUS"]  # Iran has no sanction capacity
    assert set(opts.dyadic) == set(s.world.roster.ids) - {"IRN"}
    s.resolve_turn()
    s.assign("SYR", "blue")  # between turns
    s.assign("IRN", None)
    assert s.roles.actors_of("blue") == ("SYR",)


def test_moves_are_checked_against_the_model_menu():
    s = Session.create("baseline", 2)
    s.assign("SAU", "gold")
    with pytest.raises(SessionError, match="bad value 'sanction' for SAU; allowed: distance"):
        s.submit_move("gold", "SAU", dyadic={"IRN": "sanction"})
    with pytest.raises(SessionError, match="unknown partner of SAU"):
        s.submit_move("gold", "SAU", dyadic={"XXX": "deepen"})
    with pytest.raises(SessionError, match="reason is required"):
        s.override("RUS", dyadic={"IRN": "deepen"}, reason="  ")
    s.override("RUS", dyadic={"IRN": "transfer_arms"}, reason="test")
    s.resolve_turn()
    ro = s.world.roster
    assert s.record().dyadic[0, 0, ro.index("RUS"), ro.index("IRN")] == Dyadic.TRANSFER_ARMS
    assert s.outcomes[0].imposed == {"RUS>IRN": "transfer_arms"}
    with pytest.raises(SessionError, match="phase collect or propose or adjudicate only"):
        s.override("RUS", dyadic={"IRN": "deepen"}, reason="too late")
    with pytest.raises(SessionError, match="phase collect or propose or adjudicate only"):
        s.release_inject("israel_iran_war:israel_war_on_iran", "test")


def test_injects_catalogue_and_ad_hoc_checks():
    cat = inject_catalogue()
    entry = cat.get("s400_delivered:s400_programme")
    assert entry.title == "RUS delivers arms to IRN"
    assert "001_379727125cb813d3.txt" in entry.evidence
    assert "israel_iran_war:israel_war_on_iran" in cat.entries and not cat.problems
    with pytest.raises(SessionError, match="no such event"):
        cat.get("baseline:nothing")
    s = Session.create("baseline", 2)
    with pytest.raises(ConfigError) as exc:
        s.release_inject({"type": "strike", "attacker": "ISR", "severity": 3})
    text = str(exc.value)
    assert "ad-hoc inject" in text and "strike.target: required field is missing" in text
    assert "strike.severity: bad value 3" in text
    with pytest.raises(SessionError, match="'ATL' is not in this session"):
        s.release_inject({"type": "recrimination", "source": "ATL", "target": "IRN"})
    with pytest.raises(SessionError, match="takes effect in the month being played"):
        s.release_inject({"type": "recrimination", "source": "IRN", "target": "RUS",
                          "date": "2026-01"})
    assert not s.log  # nothing refused was logged


# --------------------------------------------------------------------- why, history, cone
def test_why_adds_up_and_reports_white_adjustments(scripted):
    why = scripted.why("RUS", "IRN", turn=2)
    assert why.adjustment != 0 and why.after == 0.8
    assert "White adjustment" in why.headline() and why.headline().startswith("Russia→Iran ")
    total = sum(p.value for p in why.parts) + why.clip + why.adjustment
    assert total == pytest.approx(why.change, abs=1e-12)
    plain = scripted.why("IRN", "RUS", turn=4, months=3)
    assert plain.adjustment == pytest.approx(0.0, abs=1e-12)
    assert plain.period == "2025-03 to 2025-05"
    band = noise_band(0.0, 0.02, 3)
    assert band == pytest.approx(2.0 * 0.02 * np.sqrt(3))  # two sd of three months' noise
    assert noise_band(0.9, 0.02, 3) < band  # near a bound the same shock moves less
    assert noise_band(1.0, 0.02, 3) == 0.01  # never below what two decimals show
    assert trend_label(band * 0.9, band) == "stable"
    assert trend_label(band * 1.1, band) == "strengthening"
    assert trend_label(-band * 1.1, band) == "weakening"
    trend = scripted.trend("IRN", "RUS", turn=4)
    assert (trend.first, trend.last, trend.label) == (2, 4, plain.label)
    assert scripted.trend("IRN", "RUS", turn=0).months == 1  # fewer months at the start
    hist = scripted.alignment_history()
    for t in (0, 3, TURNS):
        assert np.array_equal(scripted.state_at(t).alignment[0], hist[t])
    with pytest.raises(SessionError, match=r"allowed 0\.\.6"):
        scripted.state_at(TURNS + 1)


def test_cone_carries_this_turns_decisions():
    s = Session.create("baseline", 4)
    s.assign("IRN", "blue")
    plain = s.cone(replicates=8, months=3, workers=1)
    s.submit_move("blue", "IRN", dyadic={"RUS": "transfer_arms"})
    moved = s.cone(replicates=8, months=3, workers=1)
    standing = s.cone(replicates=8, months=3, workers=1, standing=True)
    assert moved.alignment.shape == (4, 8, 16, 16) and moved.start_step == 0
    assert np.array_equal(moved.alignment[0, 0], s.state.alignment[0].astype(np.float32))
    ro = s.world.roster
    rus, irn = ro.index("RUS"), ro.index("IRN")
    assert not np.array_equal(plain.alignment[1, :, rus, irn], moved.alignment[1, :, rus, irn])
    assert np.array_equal(standing.alignment[1], moved.alignment[1])
    assert not np.array_equal(standing.alignment[3], moved.alignment[3])
    assert moved.bands(rus, irn).shape == (5, 4)


# --------------------------------------------------------------------- save, replay, branch
def test_saved_session_replays_bit_identically(scripted):
    assert scripted.path.exists()  # auto-saved after every resolved turn
    again = Session.load(scripted.path)
    a, b = scripted.alignment_history(), again.alignment_history()
    assert a.dtype == b.dtype == np.float64 and a.shape == (TURNS + 1, 16, 16)
    assert np.array_equal(a, b)
    assert again.log == scripted.log
    assert (again.turn, again.phase) == (scripted.turn, scripted.phase)
    assert again.roles.assigned == {"IRN": "blue", "USA": "red"}
    assert again.why("RUS", "IRN").text() == scripted.why("RUS", "IRN").text()
    kinds = [r.kind for r in again.log]
    for kind in ("assign", "move", "proposal_accepted", "override", "adjust", "inject", "note",
                 "resolve"):
        assert kind in kinds
    over = next(r for r in again.log if r.kind == "override")
    assert (over.turn, over.phase, over.date, over.reason) == (
        1, "adjudicate", "2025-02", "Moscow shields Tehran at the UN")
    assert not np.array_equal(a, model_alone(scripted))  # the room changed history


def test_branch_at_turn_two_replayed_with_the_same_moves_is_the_original(scripted, tmp_path):
    branch = scripted.branch(2, path=tmp_path / "branch.json")
    assert (branch.turn, branch.phase, branch.parent, branch.branch_turn) == (
        2, "resolved", scripted.session_id, 2)
    assert branch.log[-1].kind == "branch"
    assert np.array_equal(branch.alignment_history(), scripted.alignment_history()[:4])
    for k in range(3, TURNS):
        script_turn(branch, k)
    assert np.array_equal(branch.alignment_history(), scripted.alignment_history())
    other = scripted.branch(2)
    other.advance_phase()
    other.override("IRN", dyadic={"RUS": "distance"}, reason="what if Tehran cools")
    other.resolve_turn()
    divs = divergence(other.alignment_history(), scripted.alignment_history(),
                      scripted.world.roster.ids, [("RUS", "IRN"), ("IRN", "RUS")])
    assert [d.first_turn for d in divs] == [4, 4]
    table = compare_branches({"main": scripted, "cool": other}, [("RUS", "IRN")])
    assert len(table) == TURNS + 1 + 5 and set(table["branch"]) == {"main", "cool"}
    reopened = Session.load(tmp_path / "branch.json")
    assert reopened.parent == scripted.session_id and reopened.resolved_turns == TURNS


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_bad_session_files_are_refused_and_nothing_is_written(scen_dir, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    good = folder / "good.json"
    s = Session.create("baseline", 9, path=good)
    s.override("RUS", dyadic={"IRN": "deepen"}, reason="test")
    s.resolve_turn()
    data = json.loads(good.read_text())
    cases = {
        "corrupt.json": ("{not json", "not valid JSON"),
        "manifest.json": (json.dumps({"kind": "rusiran-sim run", "seeds": [1]}),
                          "header.kind: bad value 'rusiran-sim run': this is a run manifest"),
        "future.json": (json.dumps({**data, "header": {**data["header"], "version": 99}}),
                        "header.version: bad value 99"),
        "noseed.json": (json.dumps({**data, "header": {**data["header"], "seed": -1}}),
                        "header.seed: bad value -1"),
    }
    tampered = json.loads(good.read_text())
    tampered["log"][0]["payload"]["dyadic"]["IRN"] = "hedge"
    cases["tampered.json"] = (json.dumps(tampered), "log[1] (resolve, turn 0, collect): "
                                                    "replaying gives a different outcome")
    for name, (text, _) in cases.items():
        (folder / name).write_text(text)
    before = _listing(folder)
    for name, (_, message) in cases.items():
        with pytest.raises(ConfigError) as exc:
            Session.load(folder / name)
        assert str(folder / name) in str(exc.value) and message in str(exc.value), name
    with (scen_dir / "baseline.toml").open("a") as fh:
        fh.write("\n# edited after the game\n")
    with pytest.raises(ConfigError, match=r"header\.scenario\.sha256: bad value"):
        Session.load(good)
    assert _listing(folder) == before


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "game.json"
    s = Session.create("baseline", 9, path=path)
    old = path.read_bytes()
    s.note("something new")

    def broken(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr("sim.runs.results_io.os.replace", broken)  # where the atomic write lives
    with pytest.raises(OSError, match="disk full"):
        s.save()
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["game.json"]


# --------------------------------------------------------------------- records and exports
def test_exports_json_csv_and_a_self_contained_report(scripted, tmp_path):
    out = json.loads(write_json(scripted, tmp_path / "s.json").read_text())
    assert out["header"]["kind"] == "rusiran-sim seminar session"
    assert np.array_equal(np.array(out["alignment"]), scripted.alignment_history())
    log_csv, traj_csv, *collected = write_csv(scripted, tmp_path / "csv")
    assert [p.name for p in collected] == ["requests.csv", "questionnaire.csv", "hotwash.csv",
                                           "arguments.csv", "team_moves.csv", "data_plan.csv"]
    assert len(log_table(scripted)) == len(scripted.log)
    assert log_csv.read_text().count("\n") >= len(scripted.log) + 1
    traj = trajectory_table(scripted)
    assert len(traj) == (TURNS + 1) * 16 * 15
    import pandas as pd
    back = pd.read_csv(traj_csv)
    assert np.array_equal(back["alignment"].to_numpy(), traj["alignment"].to_numpy())
    page = report_html(scripted)
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 2
    for remote in ("http://", "https://", "<script", "<link"):
        assert remote not in page
    for text in ("Moscow shields Tehran at the UN", "Blue hedges its bets",
                 "israel_iran_war:israel_war_on_iran", "a summit the model does not know",
                 "Divergence from the model playing alone", "Russia → Iran"):
        assert text in page
    # turns as the room counts them (the override was made in the second turn), and no
    # negative zero among the two-decimal numbers
    assert ("<td>2</td><td>white</td><td>override</td><td>RUS — IRN: diplomatic_cover, "
            "gulf: mediate</td><td>Moscow shields Tehran at the UN</td>") in page
    assert "-0.00" not in page


# --------------------------------------------------------------------- the terminal loop
def test_sim_play_reads_its_turns_from_standard_input(tmp_path, monkeypatch):
    for name in ("console", "err"):  # no wrapping of long paths in messages
        monkeypatch.setattr(f"sim.cli.ui.{name}", Console(width=400))
    runner = CliRunner()
    path = tmp_path / "play.json"
    script = "\n".join([
        "RUS=deepen",  # turn 0: blue replaces one cell, accepts the rest
        "override RUS IRN=hedge -- White: Moscow hesitates",
        "inject israel_iran_war:israel_war_on_iran -- escalation",
        "",  # resolve
        "insight Tehran felt let down",
        "",  # next turn
        "accept",  # turn 1
        "override RUS IRN=hedge",  # refused: no reason; the loop carries on
        "",
        "",
    ]) + "\n"
    res = runner.invoke(app, ["play", "baseline", "--seed", "4", "--team", "IRN=blue",
                              "--session", str(path), "--turns", "2"], input=script)
    assert res.exit_code == 0, res.output
    assert "blue plays IRN" in res.output and "a reason is required" in res.output
    s = Session.load(path)
    assert s.resolved_turns == 2
    assert [r.kind for r in s.log].count("override") == 1
    assert s.outcomes[0].fired == ("ISR strikes IRN (israel_axis, 3 mo)",)
    assert s.outcomes[0].imposed["IRN>RUS"] == "deepen"
    assert any(r.kind == "note" and r.payload["insight"] for r in s.log)
    again = runner.invoke(app, ["play", "baseline", "--session", str(path), "--turns", "1"],
                          input="accept\n\n\n")
    assert again.exit_code == 0, again.output
    assert Session.load(path).resolved_turns == 3
    wrong = runner.invoke(app, ["play", "baseline", "--session", str(path), "--seed", "5"],
                          input="")
    assert wrong.exit_code == 2 and "seed 4, not 5" in wrong.output
    bad = runner.invoke(app, ["play", "baseline", "--team", "IRN", "--session",
                              str(tmp_path / "new.json")], input="")
    assert bad.exit_code == 2 and "write ACTOR=TEAM" in bad.output
    assert not (tmp_path / "new.json").exists()
    (tmp_path / "broken.json").write_text("{")
    broken = runner.invoke(app, ["play", "baseline", "--session", str(tmp_path / "broken.json")],
                           input="")
    assert broken.exit_code == 2 and "not valid JSON" in broken.output
    assert (tmp_path / "broken.json").read_text() == "{"


def test_trend_words_do_not_flip_month_to_month_on_noise():
    """Over a year of the baseline played by the model alone (4 seeds, the key dyads), the
    three-month trend word changes between consecutive months at most one time in five
    (measured 0.12 over 8 seeds); the earlier one-month word with a fixed 0.005 threshold
    changed 0.69 of the time, mostly on the month's shock."""
    flips = pairs = 0
    for seed in range(4):
        s = Session.create("baseline", seed)
        for _ in range(12):
            for _ in range(3):
                s.advance_phase()
            if not s.finished:
                s.advance_phase()
        for a, b in key_dyads(s.world)[:8]:
            words = [s.trend(a, b, turn=t).label for t in range(s.resolved_turns)]
            flips += sum(x != y for x, y in pairwise(words))
            pairs += len(words) - 1
    assert flips / pairs <= 0.2, flips / pairs
