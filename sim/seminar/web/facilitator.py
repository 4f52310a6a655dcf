"""The facilitator's (White cell's) view: everything, and every control.

Why one turn button: the room follows one rhythm (teams move, the model proposes, White
adjudicates, the month resolves), and a single control that names its next step keeps the
facilitator from skipping one in front of the room.
"""

from __future__ import annotations

from pathlib import Path

import solara

from sim.runs.reporting import key_dyads
from sim.seminar.injects import inject_catalogue
from sim.seminar.moves import names_of
from sim.seminar.records import WHITE, visible_text
from sim.seminar.session import Session
from sim.seminar.web.branches_view import BranchesPanel
from sim.seminar.web.collection_views import (
    ArgumentForm,
    DataPlanPanel,
    HotwashForm,
    RequestsPanel,
    StylePanel,
)
from sim.seminar.web.hub import Hub, get_hub
from sim.seminar.web.live import follow, use_watch
from sim.seminar.web.move_form import MoveForm
from sim.seminar.web.panels import (
    ConeChart,
    DyadPicker,
    Feedback,
    KeyDyads,
    LogPanel,
    NotesPanel,
    PinGate,
    Status,
    Table,
    WhyPanel,
    actor_label,
)
from sim.seminar.web.replay import ReplayPanel
from sim.seminar.web.scenes import SCENES
from sim.seminar.web.start import StartPanel
from sim.seminar.why import signed

TABS = ("Turn", "Injects", "Requests", "Why & futures", "Replay", "Branches", "Log & notes",
        "Data plan", "Export", "Sessions")
NEXT_STEP = {
    "collect": "Close moves: show the model's proposals",
    "propose": "Close proposals: White adjudicates",
    "adjudicate": "Resolve the turn",
    "resolved": "Start the next turn",
}


@solara.component
def TurnControl(hub: Hub, on_outcome) -> None:
    """The one button that moves the game on. Its request carries the turn and phase this
    page shows; the hub refuses it if the game has moved on since, or moved a moment ago
    (a double-click, a second facilitator's page), so one click is one phase."""
    follow()
    busy, set_busy = solara.use_state(False)
    s = hub.session
    if s is None:
        return
    shown = (s.turn, s.phase)
    nxt = s.turn + s.months_per_turn if s.phase == "resolved" else s.turn
    label = f"▶ {NEXT_STEP[s.phase]} (turn {s.turn_of(nxt)}, {s.world.date(nxt)})"

    def click() -> None:
        set_busy(True)
        try:
            on_outcome(hub.act(lambda: hub.advance(shown),
                               lambda phase: f"turn {s.turn_number} ({s.date}): now {phase}"))
        finally:
            set_busy(False)

    # One button per (session, turn, phase): a click the browser sent to the button it
    # showed reaches that button's handler, with that button's (turn, phase), even if the
    # page has redrawn since; a stale click is then refused instead of advancing again.
    solara.Button(label, color="primary", classes=["turn-control"],
                  disabled=s.finished or busy, on_click=click).key(
        f"turn-control-{hub.active}-{s.turn}-{s.phase}")


@solara.component
def TimerControl(hub: Hub) -> None:
    """A timer for the phase under way, shown on every page's status line."""
    follow()
    minutes, set_minutes = solara.use_state(5)
    outcome, set_outcome = solara.use_state(None)
    solara.InputInt("Phase timer, minutes (0: none)", value=minutes, on_value=set_minutes,
                    continuous_update=True)
    solara.Button("Set timer", outlined=True, on_click=lambda: set_outcome(
        hub.act(lambda: hub.set_timer(minutes or 0), lambda text: text)))
    Feedback(outcome)


@solara.component
def SubmissionBoard(session: Session) -> None:
    """Which teams have decided this turn: the facilitator sees who is still deciding."""
    follow()
    board = session.submissions()
    if not board or session.phase not in ("collect", "propose"):
        return
    solara.Text("Teams this turn: " + " · ".join(
        f"{team} {'✓ submitted' if done else '… deciding'}" for team, done in board.items()),
        classes=["submission-board"], style={"display": "block"})


@solara.component
def RolesPanel(hub: Hub, session: Session) -> None:
    """Who plays which actor; changeable between turns only (the engine says so if not)."""
    follow()
    actor, set_actor = solara.use_state("")
    team, set_team = solara.use_state("")
    outcome, set_outcome = solara.use_state(None)
    ids = session.world.roster.ids
    labels = [actor_label(session, a) for a in ids]

    def assign(to: str | None) -> None:
        a = actor.split(" — ")[0]
        set_outcome(hub.act(lambda: session.assign(a, to),
                            f"{a} is played by {'team ' + to if to else 'the model'}"))

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(label="Actor", values=labels, value=actor or None, on_value=set_actor)
        solara.InputText("Team", value=team, on_value=set_team, continuous_update=True)
        solara.Button("Assign to team", on_click=lambda: assign(team.strip()),
                      disabled=not (actor and team.strip()))
        solara.Button("Give back to the model", on_click=lambda: assign(None),
                      disabled=not actor, outlined=True)
    Feedback(outcome)
    teams = session.roles.teams()
    if teams:
        for t in teams:
            solara.Markdown(f"- team **{t}** plays {', '.join(session.roles.actors_of(t))} — "
                            f"player view: [/team/{t}](/team/{t})")
    else:
        solara.Text("Every actor is played by the model.")


@solara.component
def MovesTable(session: Session) -> None:
    """Every actor's state this turn: who plays it, the model's proposal, what is decided."""
    follow()
    rows = []
    props = ({p.actor: p for p in session.proposals(effects=False)}
             if session.phase in ("propose", "adjudicate") else {})
    dec = session.decisions_at(session.resolved_turns) if session.phase != "resolved" else None
    ro = session.world.roster
    for a in ro.ids:
        p = props.get(a)
        proposal = "—"
        if p is not None:
            d, t = p.changes()
            proposal = ", ".join([f"{v} towards {k}" for k, v in d.items()]
                                 + [f"{v} in {k}" for k, v in t.items()]) or "maintain all"
        decided = "—"
        if dec is not None:
            # who decided each cell: White's overrides and the teams' moves are marked, so
            # the adjudicator sees at a glance what departs from the model's own play
            parts = []
            for cell, value in dec.of_actor(ro.index(a)).items():  # White's word is final
                mark = (" ⚑ White override" if cell in dec.white
                        else " ▶ team" if cell in dec.players else "")
                d, t = names_of(session.world, {cell: value})
                parts += [f"{k}: {v}{mark}" for k, v in {**d, **t}.items()]
            decided = ", ".join(parts) or "—"
        team = session.roles.team_of(a)
        if proposal in ("—", "maintain all") and decided == "—" and team is None:
            continue  # the adjudication workspace shows departures, not the quiet actors
        rows.append((actor_label(session, a), f"▶ team {team}" if team else "model",
                     proposal, decided))
    Table(("actor", "played by", "model's proposal", "decided this turn"), rows,
          "seminar-table moves-table")
    quiet = len(ro.ids) - len(rows)
    if quiet:
        solara.Text(f"{quiet} actors played by the model keep to 'maintain' and are not shown.",
                    style={"display": "block", "font-size": "0.85em"})


@solara.component
def InjectPanel(hub: Hub, session: Session) -> None:
    """White releases a catalogue event or an ad-hoc one into the month being played."""
    follow()
    source, set_source = solara.use_state("")
    key, set_key = solara.use_state("")
    reason, set_reason = solara.use_state("")
    later, set_later = solara.use_state(session.turn_number + 1)
    adhoc, set_adhoc = solara.use_state("")
    outcome, set_outcome = solara.use_state(None)
    cat = inject_catalogue()
    sources = sorted({e.scenario for e in cat.entries.values()})
    options = {f"{e.event_id} — {e.title}": k for k, e in sorted(cat.entries.items())
               if e.scenario == source}

    shown = (session.turn, session.phase)

    def release() -> None:
        k = options[key]
        set_outcome(hub.act(lambda: session.release_inject(k, reason),
                            f"inject released in {session.date}: {k}", at=shown))

    def release_adhoc() -> None:
        set_outcome(hub.act(lambda: hub.release_adhoc(adhoc, reason),
                            lambda kind: f"ad-hoc inject ({kind}) released in {session.date}",
                            at=shown))

    with solara.Row():
        solara.Select(label="Scenario of the inject", values=sources, value=source or None,
                      on_value=lambda v: (set_source(v), set_key("")))
        solara.Select(label="Inject", values=list(options), value=key or None,
                      on_value=set_key)
    # Always drawn (empty until an inject is chosen): an element appearing above the reason
    # field would make Solara replace the field and drop what is being typed.
    e = cat.entries[options[key]] if key in options else None
    solara.Text("" if e is None else
                f"{e.description} {('Evidence: ' + e.evidence) if e.evidence else ''}",
                style={"font-size": "0.85em", "display": "block"})
    solara.InputText("Why White releases it (required, logged)", value=reason,
                     on_value=set_reason, continuous_update=True)
    has_reason = bool(visible_text(reason))
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Release inject", on_click=release, color="primary",
                      disabled=key not in options or not has_reason)
        solara.InputInt("or schedule for turn", value=later, on_value=set_later,
                        continuous_update=True)
        solara.Button("Schedule on the master events list", outlined=True,
                      disabled=key not in options or not has_reason,
                      on_click=lambda: set_outcome(hub.act(
                          lambda: session.schedule_inject(int(later), options[key], reason),
                          f"scheduled for turn {later}: {options.get(key)}")))
    with solara.Column(classes=["adhoc-inject"]):
        solara.InputTextArea("Ad-hoc inject (an event as JSON, as in a scenario file; no date)",
                             value=adhoc, on_value=set_adhoc, continuous_update=True, rows=3)
    solara.Button("Release ad-hoc inject", on_click=release_adhoc,
                  disabled=not adhoc.strip() or not has_reason)
    if cat.problems:
        solara.Warning("Some scenario files could not be read for the catalogue: "
                       + "; ".join(cat.problems))
    Feedback(outcome)
    plan = session.scheduled()
    if plan:
        solara.Markdown("**Master events list** (released when their turn opens)")
        Table(("turn", "inject", "reason", "released"),
              [(n, label, why, "yes" if done else "not yet") for n, label, why, done in plan],
              "seminar-table msel-table")


@solara.component
def AdjustPanel(hub: Hub, session: Session) -> None:
    """White sets a dyad's value after a resolution, with a reason (logged and shown).

    The panel picks its own dyad (never one chosen on another tab), and its value starts
    from the dyad's current alignment, so entering only a reason changes nothing."""
    follow()
    dyad, set_dyad = solara.use_state(("RUS", "IRN"))
    outcome, set_outcome = solara.use_state(None)
    ids = session.world.roster.ids
    if dyad[0] not in ids or dyad[1] not in ids:
        dyad = key_dyads(session.world)[0]
    DyadPicker(session, dyad, set_dyad)
    if dyad[0] == dyad[1]:
        solara.Warning("Choose two different actors.")
        return
    # A fresh form (value from the current state) for each dyad and each resolved turn.
    AdjustForm(hub, session, dyad, set_outcome).key(
        f"adjust-{dyad[0]}-{dyad[1]}-{session.resolved_turns}-{session.phase}")
    Feedback(outcome)


@solara.component
def AdjustForm(hub: Hub, session: Session, dyad: tuple[str, str], on_outcome) -> None:
    a, b = dyad
    now = float(session.dyad_history(a, b)[-1])
    value, set_value = solara.use_state(round(now, 2))
    reason, set_reason = solara.use_state("")
    shown = (session.turn, session.phase)
    problem = None
    if value is None or not -1.0 <= value <= 1.0:
        problem = f"The new value must be a number from -1 to +1 (now {signed(now)})."
    with solara.Row(style={"align-items": "center"}):
        solara.InputFloat(f"New value of {a}→{b} (now {signed(now)})", value=value,
                          on_value=set_value, continuous_update=True)
        solara.InputText("Reason (required)", value=reason, on_value=set_reason,
                         continuous_update=True)
        solara.Button("Adjust outcome", disabled=problem is not None or not visible_text(reason)
                      or session.phase != "resolved",
                      on_click=lambda: on_outcome(hub.act(
                          lambda: session.adjust(a, b, float(value), reason),
                          f"{a}→{b} set to {signed(value)} (was {signed(now)})", at=shown)))
    if problem:
        solara.Warning(problem, classes=["adjust-problem"])
    elif session.phase != "resolved":
        solara.Text("An outcome can be adjusted once the turn is resolved.",
                    style={"font-size": "0.85em"})


@solara.component
def ScenePicker(hub: Hub) -> None:
    """Push a scene to the plenary: this turn's moves, an inject briefing, the why of the
    focus dyad, or the branches compared."""
    follow()
    outcome, set_outcome = solara.use_state(None)
    words = {v: k for k, v in SCENES.items()}
    solara.Select(label="Plenary scene", values=list(words), value=SCENES[hub.scene],
                  on_value=lambda v: set_outcome(hub.act(lambda: hub.set_scene(words[v]),
                                                         f"plenary shows: {v}")))
    Feedback(outcome)


@solara.component
def WhyAndFutures(hub: Hub, session: Session, dyad, set_dyad, show_plenary: bool = True) -> None:
    follow()
    DyadPicker(session, dyad, set_dyad)
    if show_plenary:
        solara.Button("Show this dyad on the plenary screen", outlined=True,
                      on_click=lambda: hub.act(lambda: hub.set_focus(dyad)))
        ScenePicker(hub)
    ConeChart(hub, *dyad)
    WhyPanel(session, *dyad)


@solara.component
def FacilitatorPage() -> None:
    follow()
    hub = get_hub()
    use_watch(hub, "facilitator")
    outcome, set_outcome = solara.use_state(None)
    dyad, set_dyad = solara.use_state(("RUS", "IRN"))
    tab, set_tab = solara.use_state(TABS[0])
    solara.Title("Seminar — facilitator")
    solara.Markdown("# Seminar — facilitator")
    s = hub.session
    if s is None:
        StartPanel(hub)
        return
    if dyad[0] not in s.world.roster.ids or dyad[1] not in s.world.roster.ids:
        dyad = key_dyads(s.world)[0]
    Status(hub)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        TurnControl(hub, set_outcome)
        TimerControl(hub)
        solara.Markdown("Views: [plenary](/plenary) · teams at /team/NAME")
    SubmissionBoard(s)
    Feedback(outcome)
    # A plain button bar, not animated tabs: only the open panel is drawn (every change of
    # the game redraws what is shown, and hidden charts would cost the room seconds), and
    # a sliding transition between panels only gets in the way on a shared screen.
    solara.ToggleButtonsSingle(value=tab, values=list(TABS), on_value=set_tab,
                               classes=["facilitator-tabs"])
    TabContent(hub, s, tab, dyad, set_dyad)


@solara.component
def TabContent(hub: Hub, s: Session, title: str, dyad, set_dyad) -> None:
    follow()
    if title == "Turn":
        # White's two interventions first, right under the turn control they belong to.
        with solara.Columns([1, 1]):
            with solara.Card("White: override a move (reason required)"):
                OverrideChooser(hub, s)
            with solara.Card("White: adjust an outcome after resolution"):
                AdjustPanel(hub, s)
        with solara.Card("Moves this turn (departures from maintain)"):
            MovesTable(s)
        if s.style == "matrix":
            with solara.Card("Matrix game: an argued action, its chance and the roll"):
                ArgumentForm(hub, s)
        with solara.Card("Key dyads"):
            KeyDyads(s)
        with solara.Card("Roles (between turns)"):
            RolesPanel(hub, s)
    elif title == "Injects":
        InjectPanel(hub, s)
    elif title == "Requests":
        RequestsPanel(hub, s)
    elif title == "Why & futures":
        WhyAndFutures(hub, s, dyad, set_dyad)
    elif title == "Replay":
        ReplayPanel(hub, s, dyad, set_dyad)
    elif title == "Branches":
        BranchesPanel(hub, dyad, set_dyad)
    elif title == "Log & notes":
        NotesPanel(hub, WHITE)
        with solara.Card("White's hot wash (end of game)"):
            HotwashForm(hub, WHITE)
        LogPanel(s)
    elif title == "Data plan":
        with solara.Card("Adjudication style"):
            StylePanel(hub, s)
        with solara.Card("Research questions and the records that answer them"):
            DataPlanPanel(hub, s)
    elif title == "Export":
        ExportPanel(hub)
    else:
        StartPanel(hub)


@solara.component
def OverrideChooser(hub: Hub, session: Session) -> None:
    follow()
    actor, set_actor = solara.use_state("")
    labels = [actor_label(session, a) for a in session.world.roster.ids]
    solara.Select(label="Override which actor", values=labels, value=actor or None,
                  on_value=set_actor)
    if actor:
        MoveForm(hub, actor.split(" — ")[0], WHITE, "Override")


@solara.component
def ExportPanel(hub: Hub) -> None:
    """The whole session as JSON and CSV, and the printable after-action report."""
    follow()
    paths, set_paths = solara.use_state([])
    outcome, set_outcome = solara.use_state(None)

    def export() -> None:
        result = hub.act(hub.export, lambda ps: f"exported {len(ps)} files")
        set_outcome(result)
        if result.ok:
            set_paths([str(p) for p in result.value])

    solara.Button("Export session and after-action report", on_click=export, color="primary")
    Feedback(outcome)
    for p in paths:
        solara.Text(f"written: {p}", style={"display": "block", "font-family": "monospace"})
    if paths:
        report = next(p for p in paths if p.endswith(".html"))
        solara.FileDownload(lambda: Path(report).read_bytes(),
                            filename="after_action_report.html",
                            label="Download the after-action report")
        data = next(p for p in paths if p.endswith("session.json"))
        solara.FileDownload(lambda: Path(data).read_bytes(), filename="session.json",
                            label="Download the session (JSON)")


@solara.component
def Facilitator() -> None:
    """The facilitator's page, behind White's PIN when the seminar has PINs."""
    PinGate("white", FacilitatorPage)
