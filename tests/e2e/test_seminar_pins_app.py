"""PIN-protected pages in headless Chromium: a wrong PIN is refused and shows nothing of
the page; the right one opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sim.seminar.web.server import running_server
from tests.e2e.pages import T

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def pinned_server(assets_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pinned")
    pins = folder / "pins.toml"
    pins.write_text('white = "4821"\nviewer = "1111"\n[teams]\nblue = "7315"\n')
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
