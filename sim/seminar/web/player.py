"""A team's view: its own actors, the model's proposals for them with expected effects,
and the same action menu the model uses to accept or replace them.

Why the proposal comes first: players decide faster and better when they can see what
the model would do and what that would do next month, and then depart from it on purpose.
"""

from __future__ import annotations

import solara

from sim.seminar.errors import SessionError
from sim.seminar.roles import TeamView, check_team_name
from sim.seminar.web.collection_views import HotwashForm, QuestionnaireForm, RequestForm
from sim.seminar.web.hub import Hub, get_hub
from sim.seminar.web.live import follow, use_watch
from sim.seminar.web.move_form import MoveForm
from sim.seminar.web.panels import (
    ConeChart,
    DyadPicker,
    Feedback,
    KeyDyads,
    NotesPanel,
    PinGate,
    Status,
    WhyPanel,
)


@solara.component
def ActorCard(hub: Hub, view: TeamView, actor: str) -> None:
    follow()
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return
    team = view.team
    ro = s.world.roster
    with solara.Card(f"{ro.names[ro.index(actor)]} ({actor})"):
        moves = view.moves.get(actor, {})
        prop = next((p for p in view.proposals if p.actor == actor), None)
        if prop is not None:
            d, t = prop.changes()
            words = ([f"{a} towards {p}" for p, a in d.items()]
                     + [f"{a} in {th}" for th, a in t.items()]) or ["maintain everything"]
            solara.Markdown("**The model proposes:** " + "; ".join(words))
            for e in prop.effects if s.open_adjudication else ():
                solara.Text(f"Expected: {e.text()}", style={"display": "block",
                                                            "font-size": "0.9em"})
            solara.Button(f"Accept the proposal for {actor}", color="primary",
                          disabled=s.phase != "propose", on_click=lambda: set_outcome(hub.act(
                              lambda: s.accept_proposal(team, actor),
                              f"{team} accepts the model's proposal for {actor}")))
        elif s.phase == "collect":
            solara.Text("The model's proposals are shown when White closes the moves.")
        solara.Markdown("**Decided this turn:** " + (", ".join(
            f"{k}: {v}" for k, v in moves.items()) or "nothing yet"))
        if s.phase in ("collect", "propose"):
            MoveForm(hub, actor, team, "Submit move")
        Feedback(outcome)


@solara.component
def PlayerPage(team: str) -> None:
    follow()
    hub = get_hub()
    use_watch(hub, f"team {team}")
    dyad, set_dyad = solara.use_state(("RUS", "IRN"))
    solara.Title(f"Seminar — team {team}")
    solara.Markdown(f"# Seminar — team {team}")
    try:
        check_team_name(team)
    except SessionError as exc:
        solara.Error(str(exc))
        return
    s = hub.session
    if s is None:
        solara.Info("The facilitator has not started a session yet.")
        return
    Status(hub)
    with hub.lock:
        view = s.team_view(team)  # once for all the team's actors
    if not view.options:
        solara.Info(f"Team {team} plays no actor yet: White assigns actors between turns.")
    for opts in view.options:
        ActorCard(hub, view, opts.actor)
    with solara.Card("Key dyads"):
        KeyDyads(s)
    if s.open_adjudication:
        with solara.Card("Why and futures"):
            DyadPicker(s, dyad, set_dyad)
            ConeChart(hub, *dyad)
            WhyPanel(s, *dyad)
    else:
        solara.Info("Closed adjudication: White keeps the model's reasoning to itself this "
                    "session.")
    with solara.Card("Requests for information to White"):
        RequestForm(hub, team)
    if s.phase == "resolved":
        with solara.Card("Questionnaire about the turn just played"):
            QuestionnaireForm(hub, team)
    with solara.Card("Team notes"):
        NotesPanel(hub, team)
    with solara.Card("Hot wash (end of game)"):
        HotwashForm(hub, team)


@solara.component
def Player(team: str) -> None:
    """A team's page, behind the team's PIN (or White's) when the seminar has PINs."""
    PinGate(f"team {team}", PlayerPage, team)
