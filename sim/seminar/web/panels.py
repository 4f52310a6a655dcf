"""Read-only panels every view shares: where the game is, the key dyads, why a dyad moved,
its cone of futures, the log and the notes.

Why shared: the facilitator, the projector and the teams must see the same numbers with the
same words; only the controls around them differ by view.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import solara

from sim.runs.reporting import key_dyads
from sim.seminar.errors import SessionError
from sim.seminar.export import describe_record, html_table
from sim.seminar.session import Session
from sim.seminar.web import charts
from sim.seminar.web.hub import Hub, Outcome, get_hub
from sim.seminar.web.live import follow
from sim.seminar.why import TREND_MONTHS, signed

PHASE_WORDS = {
    "collect": "teams decide their moves",
    "propose": "the model proposes; teams accept or replace",
    "adjudicate": "White adjudicates",
    "resolved": "the month is resolved",
}
TREND_ARROWS = {"strengthening": "▲", "stable": "■", "weakening": "▼"}


def actor_label(session: Session, actor: str) -> str:
    ro = session.world.roster
    return f"{actor} — {ro.names[ro.index(actor)]}"


def dyad_name(session: Session, source: str, target: str) -> str:
    ro = session.world.roster
    return f"{ro.names[ro.index(source)]} → {ro.names[ro.index(target)]}"


def Table(header, rows, css_class: str) -> None:
    """A plain HTML table (escaped, as in the after-action report), styled by class."""
    solara.HTML(tag="div", unsafe_innerHTML=html_table(header, rows, css_class))


@solara.component
def Feedback(outcome: Outcome | None) -> None:
    """The answer to this page's last request: a refusal in red, else a quiet line."""
    follow()
    if outcome is None:
        return
    if outcome.error:
        solara.Error(outcome.error, classes=["seminar-error"])
    elif outcome.message:
        solara.Success(outcome.message, classes=["seminar-ok"])


@solara.component
def PinPrompt(hub: Hub, role: str, on_open) -> None:
    """Asks for the PIN of ``role``'s page; ``on_open`` is called when it is right."""
    pin, set_pin = solara.use_state("")
    outcome, set_outcome = solara.use_state(None)

    def enter() -> None:
        problem = hub.guard.check(role, pin)
        set_pin("")
        if problem is None:
            on_open()
        else:
            set_outcome(Outcome("", problem))

    solara.Markdown(f"This page ({role}) is protected: enter its PIN.")
    solara.InputText("PIN", value=pin, on_value=set_pin, password=True,
                     continuous_update=True)
    solara.Button("Open", on_click=enter, color="primary", disabled=not pin)
    Feedback(outcome)


@solara.component
def PinGate(role: str, page: Callable[..., Any], *args: Any) -> None:
    """``page(*args)`` behind ``role``'s PIN when the seminar has PINs (else open)."""
    hub = get_hub()
    opened, set_opened = solara.use_state(False)
    if hub.guard.needs_pin(role) and not opened:
        PinPrompt(hub, role, lambda: set_opened(True))
        return
    page(*args)


@solara.component
def Status(hub: Hub, large: bool = False) -> None:
    """Turn, in-game date and phase: the stamp every record of this moment carries."""
    follow()
    s = hub.session
    if s is None:
        solara.Text("No session is open yet.")
        return
    if hub.notice:
        solara.Warning(hub.notice)
    where = (f"Turn {s.turn_number} · {s.period} · phase: {s.phase} ({PHASE_WORDS[s.phase]})"
             + (" · the scenario has ended" if s.finished else ""))
    title = f"{s.world.scenario.title or s.world.scenario.name} — {hub.active}"
    pages = " · ".join(f"{role} {n}" for role, n in hub.open_pages().items())
    timer = hub.timer_text()
    if timer:
        where += f" · {timer}"
    if large:
        solara.HTML(tag="div", unsafe_innerHTML=f"<div class='plenary-title'>"
                    f"{html.escape(title)}</div><div class='plenary-status'>"
                    f"{html.escape(where)}</div>")
    else:
        solara.Markdown(f"**{title}**  \n{where}")
        solara.Text(f"Pages open: {pages or 'none'}", classes=["open-pages"],
                    style={"font-size": "0.85em", "display": "block"})


@solara.component
def KeyDyads(session: Session, turn: int | None = None, large: bool = False) -> None:
    """The key dyads now (or at the start of a replayed turn), each with its last change
    and a coarse label beside the number."""
    follow()
    at = session.resolved_turns if turn is None else turn
    hist = session.alignment_history()
    ro = session.world.roster
    rows = []
    for a, b in key_dyads(session.world)[:8]:
        i, j = ro.index(a), ro.index(b)
        if at > 0:
            change = signed(session.why(a, b, turn=at - 1).change)
            label = session.trend(a, b, turn=at - 1).label
        else:
            change, label = "—", "not yet played"
        rows.append((dyad_name(session, a, b), signed(hist[at, i, j]), change,
                     f"{TREND_ARROWS.get(label, '')} {label}"))
    cls = "plenary-table" if large else "seminar-table"
    Table(("dyad", f"alignment, start of {session.world.date(at)}", "last month",
           f"trend ({TREND_MONTHS} months)"), rows, cls)
    if not large:
        solara.Text(f"The trend reads the last {TREND_MONTHS} months: 'stable' when the change "
                    "is within what the model's own month-to-month noise gives (two standard "
                    "deviations). Alignment runs from -1 (hostile) to +1 (allied).",
                    style={"font-size": "0.8em", "color": "#666"})


@solara.component
def DyadPicker(session: Session, dyad: tuple[str, str], on_dyad) -> None:
    """Choose the dyad the chart and the driver breakdown show."""
    follow()
    ids = list(session.world.roster.ids)
    labels = [actor_label(session, a) for a in ids]
    src, tgt = dyad
    with solara.Row():
        solara.Select(label="From", values=labels, value=actor_label(session, src),
                      on_value=lambda v: on_dyad((v.split(" — ")[0], tgt)))
        solara.Select(label="Towards", values=labels, value=actor_label(session, tgt),
                      on_value=lambda v: on_dyad((src, v.split(" — ")[0])))


@solara.component
def WhyPanel(session: Session, source: str, target: str, turn: int | None = None) -> None:
    """The drivers of the dyad's change in the last resolved turn (or in ``turn``), in plain
    words, with the numbers and a chart."""
    follow()
    if source == target:
        solara.Warning("Choose two different actors.")
        return
    if session.resolved_turns == 0:
        solara.Info(f"{dyad_name(session, source, target)}: no month has been resolved yet, "
                    "so there is no change to explain.")
        return
    try:
        why = session.why(source, target, turn=turn)
    except SessionError as exc:
        solara.Error(str(exc))
        return
    solara.HTML(tag="div", unsafe_innerHTML=f"<p class='why-headline'><b>Why:</b> "
                f"{html.escape(why.headline())}</p>")
    rows = [(p.label, f"{signed(p.value)}") for p in why.parts if abs(p.value) >= 0.005]
    small = sum(abs(p.value) < 0.005 for p in why.parts)
    if small:
        rows.append((f"{small} other drivers, each below 0.005", "±0.00"))
    if abs(why.clip) >= 0.005:
        rows.append(("held at the bound of [-1, 1]", f"{signed(why.clip)}"))
    if abs(why.adjustment) >= 0.005:
        rows.append(("White's adjustment", f"{signed(why.adjustment)}"))
    Table(("driver", "contribution"), rows, "seminar-table why-table")
    for e in why.events:
        solara.Text(f"event: {e}", style={"display": "block"})
    for m in why.moves:
        solara.Text(f"move: {m}", style={"display": "block"})
    solara.Text(f"from {signed(why.before)} to {signed(why.after)} over {why.period}; "
                f"'{why.label}': 'stable' within ±{why.band:.2f}, what the model's own noise "
                f"gives over {why.months} month(s).",
                style={"font-size": "0.8em", "color": "#666", "display": "block"})
    hub = get_hub()  # one drawing per state for every page that shows this dyad
    SharedFigure(hub, ("drivers", source, target, turn), lambda: charts.drivers_figure(why),
                 "drivers-chart")


@solara.component
def ConeChart(hub: Hub, source: str, target: str, upto: int | None = None,
              large: bool = False) -> None:
    """The dyad's path so far with the cone of futures from the current month."""
    follow()
    s = hub.session
    if s is None or source == target:
        return
    ended = upto is None and s.state.step >= s.world.horizon

    def draw():
        cone = (hub.cone(turn=upto - 1) if upto is not None  # as the room saw it then
                else None if ended else hub.cone())
        return charts.dyad_figure(s, source, target, cone, upto=upto, large=large)

    SharedFigure(hub, ("dyad", source, target, upto, large), draw, "dyad-chart")
    if ended:
        solara.Text("The scenario has ended: there are no futures left to show.")


@solara.component
def SharedFigure(hub: Hub, what: tuple, draw, css: str) -> None:
    """A figure drawn once per state of the game for every page (`Hub.figure`): the last
    one drawn is shown, marked as updating, until this state's is ready."""
    follow()
    png, fresh = hub.figure(what, draw)
    if png is None:
        solara.Text("drawing…", classes=[f"{css}-pending"])
        return
    solara.Image(png, classes=[css])
    if not fresh:
        solara.Text("updating…", classes=[f"{css}-pending"],
                    style={"font-size": "0.8em", "color": "#888", "display": "block"})


@solara.component
def LogPanel(session: Session, turn: int | None = None, limit: int = 200) -> None:
    """The append-only log, newest first: every record with its turn, phase and date."""
    follow()
    recs = [(k, r) for k, r in enumerate(session.log) if turn is None or r.turn == turn]
    rows = [(k, session.turn_of(r.turn), r.phase, r.date, r.author, r.kind, describe_record(r)
             if r.kind != "resolve" else "month resolved", r.reason or "")
            for k, r in reversed(recs[-limit:])]
    Table(("#", "turn", "phase", "date", "who", "what", "detail", "reason"), rows,
          "seminar-table log-table")


@solara.component
def NotesPanel(hub: Hub, author: str) -> None:
    """Notes and insights tagged to the current turn, by White or a team; and the list."""
    follow()
    text, set_text = solara.use_state("")
    insight, set_insight = solara.use_state(False)
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return

    def add() -> None:
        kind = "insight" if insight else "note"
        set_outcome(hub.act(lambda: s.note(text, author=author, insight=insight),
                            f"{kind} recorded for turn {s.turn_number}"))
        set_text("")

    with solara.Row():
        solara.InputText("Note", value=text, on_value=set_text, continuous_update=True)
        solara.Checkbox(label="insight", value=insight, on_value=set_insight)
        solara.Button("Add note", on_click=add, disabled=not text.strip())
    Feedback(outcome)
    notes = [r for r in s.log if r.kind == "note"]
    rows = [(r.turn, r.date, r.author, "insight" if r.payload.get("insight") else "note",
             r.payload["text"]) for r in reversed(notes)]
    if rows:
        Table(("turn", "date", "who", "kind", "text"), rows, "seminar-table notes-table")


CSS = """
.seminar-table {border-collapse: collapse; margin: 0.4em 0; font-size: 0.92em}
.seminar-table td, .seminar-table th {border: 1px solid #ccc; padding: 3px 8px;
  text-align: left; vertical-align: top}
.seminar-table th {background: #f0f0f0}
.plenary-table {border-collapse: collapse; font-size: 1.5em; margin: 0.5em 0}
.plenary-table td, .plenary-table th {border-bottom: 1px solid #ccc; padding: 6px 14px;
  text-align: left; white-space: nowrap}
.plenary-title {font-size: 2.2em; font-weight: bold}
.plenary-status {font-size: 1.7em; margin-bottom: 0.4em}
.plenary-why {font-size: 1.5em}
.plenary-scene {font-size: 1.6em; border-left: 8px solid #f5b800; padding: 0.2em 0.8em;
  margin: 0.4em 0; background: #fffbea}
.plenary-scene h2 {font-size: 1.3em; margin: 0.2em 0}
.why-headline {font-size: 1.05em}
.network-chart, .dyad-chart {max-width: 100%; height: auto}
"""
