"""The seminar's controls in front of a room, in headless Chromium: a turn control that
cannot slip, inputs that give messages instead of tracebacks, reasons that must be seen,
and pages that drop off without slowing the room.

Each test reads what the page shows and, where the page cannot show it, the session file
the app saved (every request is saved at once).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import T, advance, pick

pytestmark = pytest.mark.e2e

DROP_AFTER = 5.0  # seconds: this module's server drops a lost page after this long


@pytest.fixture(scope="module")
def seminar_drop_after() -> float:
    return DROP_AFTER



def _start(page: Page, url: str) -> None:
    page.goto(url)
    start = page.get_by_role("button", name="Start session")
    start.or_(page.locator(".turn-control")).first.wait_for(timeout=T)
    if start.count():
        start.click()
    expect(page.locator(".turn-control")).to_be_visible(timeout=T)


def _session_log(server) -> list[dict]:
    files = sorted((server.folder / "sessions").glob("*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(files[-1].read_text())["log"]


def _status(page: Page) -> str:
    return page.get_by_text("phase:").first.text_content()



def _to_phase(page: Page, phase: str) -> None:
    for _ in range(8):
        if f"phase: {phase}" in _status(page):
            return
        advance(page)
    raise AssertionError(f"never reached phase {phase}: {_status(page)}")


def test_a_double_click_advances_exactly_one_phase(seminar_server, offline_page, shot):
    fac = offline_page
    _start(fac, seminar_server.url)
    _to_phase(fac, "collect")
    before = _status(fac)
    phases_before = sum(r["kind"] == "phase" for r in _session_log(seminar_server))
    fac.locator(".turn-control").dblclick()
    expect(fac.get_by_text("phase: propose").first).to_be_visible(timeout=T)
    fac.wait_for_timeout(1500)  # a second phase change would have shown by now
    assert "phase: propose" in _status(fac), (before, _status(fac))
    # The second click reaches the button that showed "collect": it is gone (one button per
    # turn and phase) or refused as stale; either way nothing moves.
    log = _session_log(seminar_server)
    assert sum(r["kind"] == "phase" for r in log) == phases_before + 1  # logged, once
    assert log[-1]["payload"] == {"previous": "collect", "opened": "propose"}
    shot(fac, "20_double_click")


def test_two_facilitator_pages_clicking_together_advance_one_phase(
        seminar_server, offline_page, offline_page_factory):
    first = offline_page
    _start(first, seminar_server.url)
    _to_phase(first, "resolved")
    second, second_log = offline_page_factory(seminar_server.url)
    second.goto(seminar_server.url)
    expect(second.get_by_text("phase: resolved").first).to_be_visible(timeout=T)
    turn_before = _status(first).split("·")[0]
    # Both facilitators press the button they see, before either page has heard of the
    # other's click: the clicks go to the buttons as they were.
    a = first.locator(".turn-control").element_handle()
    b = second.locator(".turn-control").element_handle()
    a.dispatch_event("click")
    b.dispatch_event("click")
    for page in (first, second):
        expect(page.get_by_text("phase: collect").first).to_be_visible(timeout=T)
    first.wait_for_timeout(1500)
    assert "phase: collect" in _status(first) and "phase: collect" in _status(second)
    assert _status(first).split("·")[0] != turn_before  # the next turn, and only that
    assert not second_log.problems()


def test_an_out_of_range_adjustment_shows_a_message_and_the_page_stays_usable(
        seminar_server, offline_page, shot):
    fac = offline_page
    _start(fac, seminar_server.url)
    _to_phase(fac, "resolved")
    value = fac.get_by_label("New value of RUS→IRN", exact=False)
    expect(value).to_be_visible(timeout=T)
    start_value = float(value.input_value())
    assert -1.0 <= start_value <= 1.0 and start_value != 0.0  # from the current state
    value.fill("5")
    fac.get_by_label("Reason (required)").last.fill("White tests a bad value")
    expect(fac.locator(".adjust-problem")).to_contain_text("from -1 to +1", timeout=T)
    expect(fac.get_by_role("button", name="Adjust outcome")).to_be_disabled()
    assert fac.get_by_text("Traceback").count() == 0
    shot(fac, "21_bad_adjustment")
    value.fill("0.42")
    fac.get_by_role("button", name="Adjust outcome").click()
    expect(fac.get_by_text("RUS→IRN set to +0.42").first).to_be_visible(timeout=T)
    advance(fac)  # the page still works
    expect(fac.get_by_text("phase: collect").first).to_be_visible(timeout=T)
    adjust = [r for r in _session_log(seminar_server) if r["kind"] == "adjust"][-1]
    assert adjust["payload"]["value"] == 0.42 and adjust["reason"] == "White tests a bad value"


@pytest.mark.parametrize("reason", ["   ", "\u200b\u200b", "\u2060\ufeff"])
def test_blank_and_invisible_reasons_are_refused(seminar_server, offline_page, reason):
    fac = offline_page
    _start(fac, seminar_server.url)
    _to_phase(fac, "collect")
    kinds_before = [r["kind"] for r in _session_log(seminar_server)]
    fac.locator(".facilitator-tabs").get_by_role("button", name="Injects", exact=True).click()
    pick(fac, "Scenario of the inject", "israel_iran_war")
    pick(fac, "Inject", re.compile(r"^israel_war_on_iran"))
    fac.get_by_label("Why White releases it (required, logged)").fill(reason)
    expect(fac.get_by_role("button", name="Release inject")).to_be_disabled(timeout=T)
    fac.get_by_label("Why White releases it (required, logged)").fill("a visible reason")
    expect(fac.get_by_role("button", name="Release inject")).to_be_enabled(timeout=T)
    fac.locator(".facilitator-tabs").get_by_role("button", name="Turn", exact=True).click()
    pick(fac, "Override which actor", "RUS — Russia")
    pick(fac, "RUS: towards / in", "IRN — Iran")
    pick(fac, "RUS: action", "deepen")
    fac.get_by_label("Reason (required)").first.fill(reason)
    expect(fac.get_by_role("button", name="Override", exact=True)).to_be_disabled(timeout=T)
    assert [r["kind"] for r in _session_log(seminar_server)] == kinds_before  # nothing logged


def test_a_killed_page_is_dropped_within_the_configured_time(
        seminar_server, offline_page, offline_page_factory, browser):
    fac = offline_page
    _start(fac, seminar_server.url)
    ctx = browser.new_context()
    # A killed browser or a sleeping laptop says no goodbye: the page's close call (sent
    # when a tab closes normally) never arrives, only the connection ends.
    ctx.route("**/_solara/api/close/**", lambda route: route.abort())
    ctx.add_init_script("navigator.sendBeacon = () => true;")  # beacons bypass routing
    team = ctx.new_page()
    team.goto(seminar_server.url + "/team/gone")
    expect(team.get_by_role("heading", name="Seminar — team gone")).to_be_visible(timeout=T)
    note = fac.locator(".facilitator-tabs").get_by_role("button", name="Log & notes",
                                                          exact=True)
    note.click()

    def pages_line() -> str:  # the board redraws with the game: make a small change
        fac.get_by_label("Note").fill(f"check {time.monotonic():.3f}")
        fac.get_by_role("button", name="Add note").click()
        fac.wait_for_timeout(300)
        return fac.locator(".open-pages").text_content()

    opened = time.monotonic()
    while "team gone 1" not in (line := pages_line()):  # its watcher starts with the page
        assert time.monotonic() - opened < 20, f"the team page never counted: {line}"
        fac.wait_for_timeout(500)
    killed = time.monotonic()
    ctx.close()  # the browser is gone: its page's connection with it
    deadline = killed + DROP_AFTER + 15  # Solara checks for lost connections every few s
    while "team gone" in (line := pages_line()):
        assert time.monotonic() < deadline, f"the killed page was never dropped: {line}"
        fac.wait_for_timeout(1000)
    assert time.monotonic() - killed >= DROP_AFTER - 0.5  # dropped by the timeout, not before
