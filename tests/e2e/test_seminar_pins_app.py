"""PIN-protected pages in headless Chromium: a wrong PIN is refused and shows nothing of
the page; the right one opens it. The analysts' read-only view, behind its own PIN, follows
the game and offers nothing that changes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sim.seminar.web.server import running_server
from tests.e2e.pages import T, advance, says, tab

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def pinned_server(assets_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pinned")
    pins = folder / "pins.toml"
    pins.write_text('white = "4821"\nviewer = "1111"\nanalyst = "2468"\n'
                    '[teams]\nblue = "7315"\n')
    from tests.e2e.conftest import REPO, SHORT_SCENARIO

    with running_server(scenario=str(REPO / SHORT_SCENARIO), seed=1, folder=folder,
                        assets_dir=assets_dir, pins=pins, settle_seconds=0.3) as url:
        yield url


def test_a_pin_protected_role_refuses_a_wrong_pin(pinned_server, offline_page_factory, shot):
    team, log = offline_page_factory(pinned_server)
    team.goto(pinned_server + "/team/blue")
    expect(team.get_by_text("This page (team blue) is protected")).to_be_visible(timeout=T)
    team.get_by_label("PIN").fill("1111")  # the viewers' PIN is not the team's
    team.get_by_role("button", name="Open").click()
    expect(team.get_by_text("wrong PIN")).to_be_visible(timeout=T)
    assert team.get_by_text("Requests for information to White").count() == 0
    shot(team, "40_wrong_pin")
    team.get_by_label("PIN").fill("7315")
    team.get_by_role("button", name="Open").click()
    expect(team.get_by_role("heading", name="Seminar — team blue")).to_be_visible(timeout=T)
    fac, fac_log = offline_page_factory(pinned_server)
    fac.goto(pinned_server)
    expect(fac.get_by_text("This page (white) is protected")).to_be_visible(timeout=T)
    fac.get_by_label("PIN").fill("7315")
    fac.get_by_role("button", name="Open").click()
    expect(fac.get_by_text("wrong PIN")).to_be_visible(timeout=T)
    assert fac.get_by_role("button", name="Start session").count() == 0
    fac.get_by_label("PIN").fill("4821")
    fac.get_by_role("button", name="Open").click()
    expect(fac.get_by_role("button", name="Start session")).to_be_visible(timeout=T)
    assert not log.problems() and not fac_log.problems()


def test_the_analysts_view_is_read_only_and_behind_its_pin(pinned_server, offline_page_factory,
                                                            shot):
    fac, fac_log = offline_page_factory(pinned_server)
    fac.goto(pinned_server)
    fac.get_by_label("PIN").fill("4821")
    fac.get_by_role("button", name="Open").click()
    fac.get_by_role("button", name="Start session").click()
    advance(fac)  # collect -> propose
    ana, log = offline_page_factory(pinned_server)
    ana.goto(pinned_server + "/analyst")
    expect(ana.get_by_text("This page (analyst) is protected")).to_be_visible(timeout=T)
    ana.get_by_label("PIN").fill("1111")  # the plenary's PIN does not open the analysts'
    ana.get_by_role("button", name="Open").click()
    expect(ana.get_by_text("wrong PIN")).to_be_visible(timeout=T)
    ana.get_by_label("PIN").fill("2468")
    ana.get_by_role("button", name="Open").click()
    expect(ana.get_by_role("heading", name="Seminar — analysts (read-only)")).to_be_visible(
        timeout=T)
    says(ana, "phase: propose")
    says(ana, "This page changes nothing")
    shot(ana, "41_analyst_now")
    # the game moves on at White's page and the analysts' page follows
    advance(fac)
    advance(fac)  # turn 1 resolved: White's page now offers a branch
    says(ana, "phase: resolved")
    tab(fac, "Branches")
    expect(fac.get_by_role("button", name="Branch", exact=True)).to_be_visible(timeout=T)
    # every button on every tab of the analysts' page only changes what the page shows:
    # its tabs, the replay's steps and the downloads (White's page at the same moment
    # offers Branch, the turn control and the rest)
    tabs = ("Now", "Why & futures", "Replay", "Branches", "Log", "Data plan", "Data")
    drawn_with = {"Replay": "later ▶", "Data": "Download log (CSV)"}
    seen = set()
    for name in tabs:
        ana.locator(".analyst-tabs").get_by_role("button", name=name, exact=True).click()
        if name in drawn_with:  # wait for the tab's own control, not a fixed time
            expect(ana.get_by_role("button", name=drawn_with[name])).to_be_visible(timeout=T)
        ana.wait_for_timeout(500)
        # <button> elements (a select's box has the role too, but only chooses what is
        # shown); the theme shows button texts in capitals: compare without case
        buttons = {t.strip().casefold() for t in ana.locator("button").all_inner_texts()}
        seen |= buttons
        allowed = {x.casefold() for x in (*tabs, "◀ earlier", "later ▶")}
        changing = {b for b in buttons if b not in allowed and not b.startswith("download ")}
        assert not changing, (name, changing)
        assert ana.locator(".turn-control").count() == 0
    assert {"later ▶", "download log (csv)"} <= seen  # the tabs were drawn
    with ana.expect_download(timeout=T) as got:
        ana.get_by_role("button", name="Download log (CSV)").click()
    lines = Path(got.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "index,turn,phase,date,kind,author,reason,payload,created_utc"
    kinds = [row.split(",")[4] for row in lines[1:]]
    assert kinds.count("phase") == 3  # the three phase changes White made, as logged
    assert not log.problems() and not fac_log.problems()
