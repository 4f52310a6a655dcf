"""The seminar app end to end, as a facilitator and a team would use it, in headless
Chromium with the network cut (see conftest.py).

One long test follows the issue's script on one server: start a session, give Iran to team
blue, make a move on the team's page, release an inject, accept a proposal, override with a
reason, release an ad-hoc inject, resolve three turns, open the driver breakdown, replay,
branch from turn 2, compare, export the after-action report, and look at the plenary
screen. Screenshots of every step are kept in results/test-artifacts/e2e/. Every assertion
reads what the page shows, and the files the app wrote are checked on disk.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import T, advance, pick, says, tab

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def seminar_scenario() -> str:
    return "scenarios/baseline.toml"






def test_a_seminar_from_start_to_after_action_report(seminar_server, offline_page,
                                                      offline_page_factory, shot):
    fac = offline_page
    fac.goto(seminar_server.url)
    fac.get_by_role("button", name="Start session").click()
    expect(fac.locator(".turn-control")).to_contain_text("Close moves", timeout=T)
    says(fac, "Turn 1 · 2025-01 · phase: collect")
    shot(fac, "01_started")

    # Roles: Iran goes to team blue.
    pick(fac, "Actor", "IRN — Iran")
    fac.get_by_label("Team", exact=True).fill("blue")
    fac.get_by_role("button", name="Assign to team").click()
    says(fac, "IRN is played by team blue")
    says(fac, re.compile(r"team blue plays IRN"))

    # The team's own page: its actor, its menu, the expected effect, its move.
    team, team_log = offline_page_factory(seminar_server.url)
    team.goto(seminar_server.url + "/team/blue")
    expect(team.get_by_text("Iran (IRN)")).to_be_visible(timeout=T)
    says(team, "The model's proposals are shown when White closes the moves.")
    pick(team, "IRN: towards / in", "RUS — Russia")
    pick(team, "IRN: action", "deepen")
    says(team, re.compile(r"Expected effect: IRN deepen towards RUS \(vs maintain\), next "
                          r"month: .*RUS→IRN [+-]\d\.\d{2}\b"))
    team.get_by_role("button", name="Submit move").click()
    says(team, "blue moves IRN: deepen (RUS — Russia)")
    says(team, "Decided this turn: RUS: deepen")
    shot(team, "02_team_move")

    # White releases an inject from the catalogue, with a reason.
    tab(fac, "Injects")
    pick(fac, "Scenario of the inject", "israel_iran_war")
    pick(fac, "Inject", re.compile(r"^israel_war_on_iran"))
    fac.get_by_label("Why White releases it (required, logged)").fill("the exercise tests a war")
    fac.get_by_role("button", name="Release inject").click()
    says(fac, "inject released in 2025-01: israel_iran_war:israel_war_on_iran")
    shot(fac, "03_inject")

    # Turn 1: collect -> propose -> adjudicate -> resolved.
    tab(fac, "Turn")
    assert "White adjudicates" in advance(fac)
    says(fac, "phase: propose")
    expect(fac.locator(".moves-table")).to_contain_text("blue")
    expect(fac.locator(".moves-table")).to_contain_text("RUS: deepen ▶ team")
    advance(fac)
    advance(fac)
    says(fac, "turn 1 (2025-01): now resolved")

    # Turn 2: the team accepts the model's proposal; White overrides Russia with a reason.
    advance(fac)
    says(fac, "Turn 2 · 2025-02 · phase: collect")
    advance(fac)
    says(team, "The model proposes:")
    team.get_by_role("button", name="Accept the proposal for IRN").click()
    says(team, "blue accepts the model's proposal for IRN")
    advance(fac)
    says(fac, "phase: adjudicate")
    pick(fac, "Override which actor", "RUS — Russia")
    pick(fac, "RUS: towards / in", "IRN — Iran")
    pick(fac, "RUS: action", "transfer_arms")
    fac.get_by_label("Reason (required)").first.fill("Moscow delivers the S-400 after all")
    fac.get_by_role("button", name="Override", exact=True).click()
    says(fac, "White overrides RUS: transfer_arms (IRN — Iran)")
    expect(fac.locator(".moves-table")).to_contain_text("IRN: transfer_arms ⚑ White override")
    shot(fac, "04_override")
    advance(fac)
    says(fac, "turn 2 (2025-02): now resolved")

    # Turn 3, with an ad-hoc inject: a typing slip is refused with the reason, then released.
    advance(fac)
    tab(fac, "Injects")
    fac.get_by_label("Why White releases it (required, logged)").fill("a strike the room asked")
    adhoc = fac.locator(".adhoc-inject textarea")
    adhoc.fill('{"type": "strike", "attacker": "ISR"')
    fac.get_by_role("button", name="Release ad-hoc inject").click()
    says(fac, re.compile(r"ad-hoc inject: not JSON"))
    adhoc.fill('{"type": "strike", "attacker": "ISR", "target": "IRN", "theatre": "israel_axis"}')
    fac.get_by_role("button", name="Release ad-hoc inject").click()
    says(fac, "ad-hoc inject (strike) released in 2025-03")
    tab(fac, "Turn")
    for _ in range(3):
        advance(fac)
    says(fac, "turn 3 (2025-03): now resolved")
    shot(fac, "05_three_turns")

    # Seeing why: the driver breakdown of Russia -> Iran, in words and numbers.
    tab(fac, "Why & futures")
    headline = fac.locator(".why-headline")
    expect(headline).to_contain_text(re.compile(
        r"Why: Russia→Iran [+-]\d\.\d{2} \(2025-03, (strengthening|stable|weakening)\): "),
        timeout=T)
    expect(fac.locator(".why-table")).to_contain_text("contribution")
    expect(fac.get_by_role("img").first).to_be_visible()
    shot(fac, "06_why")

    # The log carries the override's reason and the inject, stamped with turn and phase.
    tab(fac, "Log & notes")
    fac.get_by_label("Note").fill("Iran leans on Moscow once war starts")
    fac.get_by_role("checkbox").check(force=True)  # Vuetify covers the input with a ripple
    fac.get_by_role("button", name="Add note").click()
    says(fac, "insight recorded for turn 3")
    log = fac.locator(".log-table")
    expect(log).to_contain_text("Moscow delivers the S-400 after all")
    expect(log).to_contain_text("the exercise tests a war")
    expect(log).to_contain_text("[insight] Iran leans on Moscow once war starts")

    # Replay: the time slider's step buttons walk through past turns.
    tab(fac, "Replay")
    says(fac, "Turn 1 — 2025-01")
    fac.get_by_role("button", name="later ▶").click()
    says(fac, "Turn 2 — 2025-02")
    expect(fac.locator(".log-table")).to_contain_text("Moscow delivers the S-400 after all")
    shot(fac, "07_replay")

    # Go back to turn 3 and branch; the room now plays the branch.
    tab(fac, "Branches")
    fac.get_by_label("Play again from turn").fill("3")
    fac.get_by_role("button", name="Branch", exact=True).click()
    says(fac, re.compile(r"branch .*-from-t3 made: it keeps turns 1 to 2 and plays turn 3 again"))
    says(fac, "Turn 2 · 2025-02 · phase: resolved")
    table = fac.locator(".branches-table")
    expect(table).to_contain_text("-from-t3")
    expect(fac.locator(".compare-table")).to_contain_text("model alone")
    expect(fac.locator(".compare-table tbody tr")).to_have_count(2)
    shot(fac, "08_branch")

    # Export: JSON, CSV and the after-action report, written where the page says.
    tab(fac, "Export")
    fac.get_by_role("button", name="Export session and after-action report").click()
    says(fac, "exported 10 files")
    says(fac, re.compile(r"written: .*after_action_report\.html"))
    shot(fac, "09_export")
    exports = list((seminar_server.folder / "exports").glob("*/after_action_report.html"))
    assert len(exports) == 1
    report = exports[0].read_text()
    assert "After-action report" in report and "Divergence from the model playing alone" in report
    assert "Moscow delivers the S-400 after all" in report
    assert not re.search(r"(src|href)=[\"']https?://", report), "report must be self-contained"
    aar, aar_log = offline_page_factory(seminar_server.url)
    aar.set_content(report)  # self-contained: drawn with no server and no network
    expect(aar.get_by_text("Divergence from the model playing alone").first).to_be_visible(
        timeout=T)
    shot(aar, "09b_after_action_report")
    assert not aar_log.problems()
    data = json.loads((exports[0].parent / "session.json").read_text())
    assert data["header"]["branch_turn"] == 1 and len(data["turns"]) == 2

    # The plenary screen: large, sparse, no controls, the same numbers.
    plenary, plenary_log = offline_page_factory(seminar_server.url)
    plenary.goto(seminar_server.url + "/plenary")
    expect(plenary.locator(".plenary-status")).to_contain_text("Turn 2 · 2025-02", timeout=T)
    expect(plenary.locator(".plenary-table")).to_contain_text("Russia → Iran")
    expect(plenary.locator(".plenary-why")).to_contain_text("Russia→Iran")
    assert plenary.get_by_role("button").count() == 0
    assert plenary.locator("input, select, textarea").count() == 0
    shot(plenary, "10_plenary")

    # On a 1920x1080 projector: the constellation beside the focus dyad, text a room reads.
    plenary.set_viewport_size({"width": 1920, "height": 1080})
    network, dyad = plenary.locator("img.network-chart"), plenary.locator("img.dyad-chart")
    expect(network).to_be_visible(timeout=T)
    expect(dyad).to_be_visible(timeout=T)
    for img in (network, dyad):  # shown at (nearly) its own size: its 15 pt text is >= 20 px
        shown, own = img.evaluate("e => [e.clientWidth, e.naturalWidth]")
        assert own > 0 and shown >= 0.95 * own, (shown, own)
    for css in (".plenary-status", ".plenary-table td", ".plenary-why p"):
        size = plenary.locator(css).first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 20, (css, size)
    n_box, d_box = network.bounding_box(), dyad.bounding_box()
    assert n_box["x"] + n_box["width"] <= d_box["x"] + 1  # side by side
    shot(plenary, "10b_plenary_1920x1080")

    # The facilitator pushes a scene to the plenary: this turn's moves, in words.
    tab(fac, "Why & futures")
    pick(fac, "Plenary scene", "this turn's significant moves, in words")
    expect(plenary.locator(".plenary-scene")).to_contain_text("Moves of 2025-02", timeout=T)
    shot(plenary, "10c_plenary_scene")

    # A change on the facilitator's screen reaches the other pages without a reload.
    tab(fac, "Turn")
    advance(fac)
    expect(plenary.locator(".plenary-status")).to_contain_text("Turn 3 · 2025-03 · phase: "
                                                               "collect", timeout=T)
    says(team, "Turn 3 · 2025-03 · phase: collect")
    assert not team_log.problems() and not plenary_log.problems()


def test_a_damaged_session_file_is_refused_and_the_good_one_reopens(seminar_server,
                                                                    offline_page, shot):
    sessions = seminar_server.folder / "sessions"
    good = sorted(sessions.glob("*.json"))
    assert good, "the first test leaves its session files"
    damaged = sessions / "damaged.json"
    damaged.write_text('{"header": {"kind": "something else"}, "log": [')
    before = {p.name: p.read_bytes() for p in good}
    page = offline_page
    page.goto(seminar_server.url)
    tab(page, "Sessions")
    pick(page, "Session file", "damaged.json")
    page.get_by_role("button", name="Open session").click()
    says(page, re.compile(r"damaged\.json"))
    expect(page.locator(".seminar-error")).to_be_visible(timeout=T)
    shot(page, "11_refused")
    assert {p.name: p.read_bytes() for p in good} == before, "refusing must write nothing"
    main = next(p for p in good if "-from-t" not in p.name)
    pick(page, "Session file", main.name)
    page.get_by_role("button", name="Open session").click()
    says(page, f"session {main.stem} reopened (replayed from its log)")
    says(page, "Turn 3 · 2025-03 · phase: resolved")  # where the main line was left
    tab(page, "Branches")
    expect(page.locator(".branches-table tbody tr")).to_have_count(2)  # its branch came too
