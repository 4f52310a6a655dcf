"""What the browser tests do on a seminar page, written once: choose from a select, wait
for a text, open a facilitator tab, press the turn control.

Why a module: the Vuetify select needs a forced click and the turn control a wait past
the test server's settle time; a change to either is made here for every test.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

T = 20_000  # ms: the longest any step may take to show its result
SETTLE_MS = 400  # ms: past the test server's settle time (0.3 s) after a phase change


def pick(page: Page, label: str, option: str | re.Pattern) -> None:
    """Open a select by its label and choose an option (Vuetify menus need a forced click)."""
    box = page.get_by_label(label, exact=True)
    expect(box).to_be_visible(timeout=T)
    box.click(force=True)
    page.get_by_role("option", name=option, exact=isinstance(option, str)).click()


def says(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_text(text).first).to_be_visible(timeout=T)


def tab(page: Page, name: str) -> None:
    page.locator(".facilitator-tabs").get_by_role("button", name=name, exact=True).click()


def advance(page: Page) -> str:
    """Press the one turn control and wait until the page shows the next step, then past
    the server's refusal of a repeated click; returns the control's new label."""
    control = page.locator(".turn-control")
    before = control.text_content()
    control.click()
    expect(control).not_to_have_text(before, timeout=T)
    page.wait_for_timeout(SETTLE_MS)
    return control.text_content()
