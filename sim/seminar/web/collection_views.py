"""Panels for talking to White and for the data collection plan: requests for
information, the per-turn questionnaire, the hot wash, research questions, the
adjudication style and matrix-game arguments.

Why in the tool, not on paper: what a team asked, what it expected and why it moved are the
seminar's data. Kept in the session log, they are saved with every request, replayed with
the session, exported as CSV and printed in the after-action report.
"""

from __future__ import annotations

import solara

from sim.seminar.export import collection_tables
from sim.seminar.records import KIND_LABELS, STYLES, visible_text
from sim.seminar.session import Session
from sim.seminar.web.hub import Hub
from sim.seminar.web.live import follow, use_typed
from sim.seminar.web.move_form import move_menu, parse_choice
from sim.seminar.web.panels import Feedback, Table

STYLE_WORDS = {
    "rigid": "rigid: the model decides (no overrides or adjustments)",
    "semi_rigid": "semi-rigid: the model proposes, White amends",
    "free": "free: White decides, overriding and adjusting at will",
    "matrix": "matrix game: teams argue, White sets the chance, a logged roll decides",
}


@solara.component
def RequestForm(hub: Hub, team: str) -> None:
    """A team asks White a question; the team sees its questions and White's answers."""
    follow()
    text, set_text, typed = use_typed("")
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return

    def ask() -> None:
        set_outcome(hub.act(lambda: s.request_information(team, typed()),
                            lambda k: f"request {k} sent to White"))
        set_text("")

    solara.InputText("Question for White", value=text, on_value=set_text,
                     continuous_update=True)
    solara.Button("Send request", on_click=ask, disabled=not visible_text(text))
    Feedback(outcome)
    rows = [(k, s.turn_of(r.turn), r.payload["question"], a.payload["answer"] if a else "(waiting)")
            for k, r, a in s.requests(team)]
    if rows:
        Table(("#", "turn", "question", "White's answer"), rows, "seminar-table rfi-table")


@solara.component
def RequestsPanel(hub: Hub, session: Session) -> None:
    """White answers the teams' requests for information (answers are logged)."""
    follow()
    answers, set_answers = solara.use_state({})
    outcome, set_outcome = solara.use_state(None)
    pending = [(k, r) for k, r, a in session.requests() if a is None]
    if not pending:
        solara.Text("No open requests.")
    for k, r in pending:
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(f"#{k} team {r.author} (turn {session.turn_of(r.turn)}): "
                        f"{r.payload['question']}")
            solara.InputText(f"Answer to #{k}", value=answers.get(k, ""),
                             on_value=lambda v, k=k: set_answers({**answers, k: v}),
                             continuous_update=True)
            solara.Button(f"Answer #{k}", disabled=not visible_text(answers.get(k, "")),
                          on_click=lambda k=k: set_outcome(hub.act(
                              lambda: session.answer_information(k, answers[k]),
                              f"request {k} answered")))
    Feedback(outcome)
    done = [(k, r.author, r.payload["question"], a.payload["answer"])
            for k, r, a in session.requests() if a is not None]
    if done:
        Table(("#", "team", "question", "answer"), done, "seminar-table rfi-table")


@solara.component
def QuestionnaireForm(hub: Hub, team: str) -> None:
    """After a resolved turn: how sure the team was, how surprised, what it expects next."""
    follow()
    confidence, set_confidence, confidence_now = use_typed(3)
    surprise, set_surprise, surprise_now = use_typed(3)
    expects, set_expects, expects_now = use_typed("")
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None or not s.resolved_turns:
        solara.Text("The questionnaire opens after the first resolved turn.")
        return
    about = s.resolved_turns - 1
    answered = any(r.kind == "questionnaire" and r.author == team
                   and r.payload["about_turn"] == about for r in s.log)
    if answered:
        solara.Text(f"Thank you: team {team} has answered for turn {s.turn_of(about)}.")
        Feedback(outcome)
        return
    solara.Markdown(f"**About turn {s.turn_of(about)} ({s.world.date(about)})**")
    solara.SliderInt("Confidence in our plan (1 low, 5 high)", value=confidence, min=1, max=5,
                     on_value=set_confidence)
    solara.SliderInt("How surprising was the outcome (1 not, 5 very)", value=surprise, min=1,
                     max=5, on_value=set_surprise)
    solara.InputText("What do we expect the others to do next?", value=expects,
                     on_value=set_expects, continuous_update=True)
    solara.Button("Send answers", color="primary", on_click=lambda: set_outcome(hub.act(
        lambda: s.answer_questionnaire(team, confidence_now(), surprise_now(), expects_now()),
        f"answers for turn {s.turn_of(about)} recorded")))
    Feedback(outcome)


@solara.component
def HotwashForm(hub: Hub, author: str) -> None:
    """End-of-game reflections: what worked, what did not, what we learned."""
    follow()
    worked, set_worked, worked_now = use_typed("")
    did_not, set_did_not, did_not_now = use_typed("")
    learned, set_learned, learned_now = use_typed("")
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return
    solara.InputTextArea("What worked", value=worked, on_value=set_worked, rows=2,
                         continuous_update=True)
    solara.InputTextArea("What did not work", value=did_not, on_value=set_did_not, rows=2,
                         continuous_update=True)
    solara.InputTextArea("What we learned", value=learned, on_value=set_learned, rows=2,
                         continuous_update=True)
    solara.Button("Send hot-wash answers", on_click=lambda: set_outcome(hub.act(
        lambda: s.hotwash(author, worked_now(), did_not_now(), learned_now()),
        "hot-wash answers recorded")),
        disabled=not any(visible_text(x) for x in (worked, did_not, learned)))
    Feedback(outcome)


@solara.component
def DataPlanPanel(hub: Hub, session: Session) -> None:
    """White's research questions, each linked to the records that answer it, with how many
    have been collected so far; the tables the export writes."""
    follow()
    qid, set_qid = solara.use_state("")
    question, set_question = solara.use_state("")
    kinds, set_kinds = solara.use_state([])
    outcome, set_outcome = solara.use_state(None)
    labels = {f"{k} — {v}": k for k, v in KIND_LABELS.items()}
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText("Question id (e.g. RQ1)", value=qid, on_value=set_qid,
                         continuous_update=True)
        solara.InputText("Research question", value=question, on_value=set_question,
                         continuous_update=True)
        solara.SelectMultiple("Answered by these records", values=kinds,
                              all_values=list(labels), on_value=set_kinds)
        solara.Button("Add research question", disabled=not (qid.strip() and kinds and
                                                             visible_text(question)),
                      on_click=lambda: set_outcome(hub.act(
                          lambda: session.add_research_question(
                              qid, question, [labels[k] for k in kinds]),
                          f"research question {qid.strip()} added")))
    Feedback(outcome)
    DataPlanTally(session)


@solara.component
def DataPlanTally(session: Session) -> None:
    """The research questions and how many records answer each so far, read-only."""
    follow()
    rows = [(q.id, q.question, ", ".join(q.records), n) for q, n in session.research_questions()]
    Table(("id", "question", "answered by", "records so far"), rows,
          "seminar-table data-plan-table")
    counts = {name: len(t) for name, t in collection_tables(session).items()}
    solara.Text("Collected so far: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                 for k, v in counts.items()),
                style={"display": "block", "font-size": "0.85em"})


@solara.component
def StylePanel(hub: Hub, session: Session) -> None:
    """The adjudication style, chosen per session and changed between turns only."""
    follow()
    style, set_style = solara.use_state(session.style)
    is_open, set_open = solara.use_state(session.open_adjudication)
    outcome, set_outcome = solara.use_state(None)
    solara.Text(f"Now: {STYLE_WORDS[session.style]}; "
                f"{'open' if session.open_adjudication else 'closed'} adjudication.",
                classes=["style-now"], style={"display": "block"})
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(label="Adjudication style", values=list(STYLES), value=style,
                      on_value=set_style)
        solara.Checkbox(label="Open: teams see the model's reasoning", value=is_open,
                        on_value=set_open)
        solara.Button("Set style (between turns)", on_click=lambda: set_outcome(hub.act(
            lambda: session.set_style(style, is_open),
            f"adjudication: {style.replace('_', '-')}, {'open' if is_open else 'closed'}")))
    Feedback(outcome)


@solara.component
def ArgumentForm(hub: Hub, session: Session) -> None:
    """Matrix game: a team's argued action, the chance White (or the room) gives it, and
    a roll from the session's seed that decides it (logged with its number)."""
    follow()
    actor, set_actor = solara.use_state("")
    where, set_where = solara.use_state("")
    action, set_action = solara.use_state("")
    reasons, set_reasons = solara.use_state("")
    chance, set_chance = solara.use_state(0.5)
    outcome, set_outcome = solara.use_state(None)
    players = list(session.roles.player_actors())
    if not players:
        solara.Text("Give an actor to a team first: an argument is a team's.")
        return
    solara.Select(label="Arguing team's actor", values=players, value=actor or None,
                  on_value=lambda v: (set_actor(v), set_where(""), set_action("")))
    if not actor:
        return
    menu = move_menu(session, actor)
    acts = menu.get(where, ())
    team = session.roles.team_of(actor) or ""
    shown = (session.turn, session.phase)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(label=f"{actor}: argued towards / in", values=list(menu),
                      value=where or None, on_value=lambda v: (set_where(v), set_action("")))
        solara.Select(label=f"{actor}: argued action", values=list(acts),
                      value=action or None, on_value=set_action)
    solara.InputTextArea("The team's reasons (pros; the room weighs the cons)", value=reasons,
                         on_value=set_reasons, rows=2, continuous_update=True)
    solara.InputFloat("Chance of success, 0 to 1", value=chance, on_value=set_chance,
                      continuous_update=True)

    def roll() -> None:
        d, t = parse_choice(where, action)
        set_outcome(hub.act(
            lambda: session.argue(team, actor, dyadic=d, theatre=t, reasons=reasons,
                                  probability=chance),
            lambda a: (f"argument {a.number}: roll {a.roll:.2f} against a chance of "
                       f"{a.probability:.2f}: {'succeeds' if a.success else 'fails'}"),
            at=shown))

    ok = where and action in acts and visible_text(reasons) and chance is not None \
        and 0.0 <= chance <= 1.0
    solara.Button("Roll", color="primary", on_click=roll, disabled=not ok,
                  classes=["argument-roll"])
    Feedback(outcome)
