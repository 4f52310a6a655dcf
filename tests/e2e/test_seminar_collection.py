"""The seminar's communication and data collection in headless Chromium: a request for
information answered by White, a matrix-game argument rolled and logged, a questionnaire
answered after a turn, the constellation picture changing after a move, and all of it in
the exported CSV files.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.pages import T, advance, pick, says, tab

pytestmark = pytest.mark.e2e







def test_requests_arguments_questionnaires_and_the_network_reach_the_export(
        seminar_server, offline_page, offline_page_factory, shot):
    fac = offline_page
    fac.goto(seminar_server.url)
    fac.get_by_role("button", name="Start session").click()
    expect(fac.locator(".turn-control")).to_be_visible(timeout=T)
    pick(fac, "Actor", "IRN — Iran")
    fac.get_by_label("Team", exact=True).fill("blue")
    fac.get_by_role("button", name="Assign to team").click()
    says(fac, "IRN is played by team blue")

    # The data collection plan and the matrix-game style, chosen before the turn starts.
    tab(fac, "Data plan")
    pick(fac, "Adjudication style", "matrix")
    fac.get_by_role("button", name="Set style (between turns)").click()
    says(fac, "adjudication: matrix, open")
    fac.get_by_label("Question id (e.g. RQ1)").fill("RQ1")
    fac.get_by_label("Research question").fill("Does Iran expect Russia to deliver?")
    box = fac.get_by_label("Answered by these records", exact=True)
    box.click(force=True)
    fac.get_by_role("option", name=re.compile(r"^questionnaire")).click()
    fac.get_by_role("option", name=re.compile(r"^rfi —")).click()
    fac.keyboard.press("Escape")
    fac.get_by_role("button", name="Add research question").click()
    says(fac, "research question RQ1 added")

    # The team asks White; White answers; the team sees the answer.
    team, team_log = offline_page_factory(seminar_server.url)
    team.goto(seminar_server.url + "/team/blue")
    team.get_by_label("Question for White").fill("Is the S-400 coming this year?")
    team.get_by_role("button", name="Send request").click()
    says(team, re.compile(r"request \d+ sent to White"))
    tab(fac, "Requests")
    answer = fac.get_by_label(re.compile(r"^Answer to #\d+$"))
    expect(answer).to_be_visible(timeout=T)
    answer.fill("Not before the summer.")
    fac.get_by_role("button", name=re.compile(r"^Answer #\d+$")).click()
    says(fac, re.compile(r"request \d+ answered"))
    expect(team.locator(".rfi-table")).to_contain_text("Not before the summer.", timeout=T)

    # A matrix-game argument: Iran argues for deepening towards Russia; a sure chance.
    plenary, plenary_log = offline_page_factory(seminar_server.url)
    plenary.goto(seminar_server.url + "/plenary")
    network = plenary.locator("img.network-chart")
    expect(network).to_be_visible(timeout=T)
    before = network.get_attribute("src")
    tab(fac, "Turn")
    pick(fac, "Arguing team's actor", "IRN")
    pick(fac, "IRN: argued towards / in", "RUS — Russia")
    pick(fac, "IRN: argued action", "deepen")
    fac.get_by_label("The team's reasons (pros; the room weighs the cons)").fill(
        "Tehran needs a patron against the strikes")
    fac.get_by_label("Chance of success, 0 to 1").fill("1")
    fac.locator(".argument-roll").click()
    says(fac, re.compile(r"argument 0: roll 0\.\d\d against a chance of 1\.00: succeeds"))
    shot(fac, "30_matrix_argument")
    for _ in range(3):
        advance(fac)
    says(fac, "phase: resolved")
    expect(network).not_to_have_attribute("src", before, timeout=T)  # the picture moved

    # The questionnaire about the turn just played.
    expect(team.get_by_text("About turn 1")).to_be_visible(timeout=T)
    team.get_by_label("What do we expect the others to do next?").fill("Moscow hedges")
    team.get_by_role("button", name="Send answers").click()
    says(team, "answers for turn 1 recorded")
    shot(team, "31_questionnaire")

    # Everything reaches the export.
    tab(fac, "Export")
    fac.get_by_role("button", name="Export session and after-action report").click()
    says(fac, re.compile(r"exported \d+ files"))
    folder = next((seminar_server.folder / "exports").glob("*"))
    requests = pd.read_csv(folder / "requests.csv")
    assert requests[["question", "answer"]].values.tolist() == [
        ["Is the S-400 coming this year?", "Not before the summer."]]
    arguments = pd.read_csv(folder / "arguments.csv").to_dict("records")
    assert len(arguments) == 1 and arguments[0]["success"] and arguments[0]["probability"] == 1
    assert arguments[0]["reasons"] == "Tehran needs a patron against the strikes"
    answers = pd.read_csv(folder / "questionnaire.csv").to_dict("records")
    assert [(a["team"], a["about_turn"], a["expected_reaction"]) for a in answers] == [
        ("blue", 1, "Moscow hedges")]
    plan = pd.read_csv(folder / "data_plan.csv").to_dict("records")
    assert plan[0]["id"] == "RQ1" and plan[0]["records_collected"] == 2
    assert "argument" in (folder / "log.csv").read_text()
    report = (folder / "after_action_report.html").read_text()
    assert "Matrix-game arguments" in report and "Not before the summer." in report
    assert not team_log.problems() and not plenary_log.problems()


def test_a_three_month_turn_resolves_three_months(seminar_server, offline_page):
    fac = offline_page
    fac.goto(seminar_server.url)
    expect(fac.locator(".facilitator-tabs").or_(
        fac.get_by_role("button", name="Start session")).first).to_be_visible(timeout=T)
    if fac.locator(".facilitator-tabs").count():
        tab(fac, "Sessions")
    pick(fac, "Scenario", "baseline")
    pick(fac, "Months per turn", "3")
    fac.get_by_label("Label (optional; names the session file)").fill("quarterly")
    fac.get_by_role("button", name="Start session").click()
    says(fac, "session quarterly started")
    says(fac, "Turn 1 · 2025-01 to 2025-03 · phase: collect")
    for _ in range(3):
        advance(fac)
    says(fac, "Turn 1 · 2025-01 to 2025-03 · phase: resolved")
    expect(fac.locator(".turn-control")).to_contain_text("turn 2, 2025-04", timeout=T)
    tab(fac, "Replay")  # the turn's three months, one by one
    says(fac, "Turn 1 — 2025-01")
    for month in ("2025-02", "2025-03"):
        fac.get_by_role("button", name="later ▶").click()
        says(fac, f"Turn 1 — {month}")
    tab(fac, "Turn")
    advance(fac)
    says(fac, "Turn 2 · 2025-04 to 2025-06 · phase: collect")
    folder = seminar_server.folder / "sessions"
    data = (folder / "quarterly.json").read_text()
    assert '"months_per_turn":3' in data.replace(" ", "")
