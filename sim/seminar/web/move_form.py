"""Choosing a move from the model's own action menu, with its expected effect shown first.

Why one form for teams and White: a team replacing the model's proposal and White
overriding a resolution pick from the same menus the model uses (`Session.options`), and
see the same expected one-month effect before they commit; only who signs the record, and
White's obligatory reason, differ.
"""

from __future__ import annotations

import solara

from sim.seminar.errors import SessionError
from sim.seminar.records import visible_text
from sim.seminar.session import Session
from sim.seminar.web.hub import Hub
from sim.seminar.web.live import follow, use_typed
from sim.seminar.web.panels import Feedback

THEATRE = "theatre: "


def move_menu(session: Session, actor: str) -> dict[str, tuple[str, ...]]:
    """'RUS — Russia' or 'theatre: gulf' -> the actions open to ``actor`` there."""
    opts = session.options(actor)
    ro = session.world.roster
    out = {f"{p} — {ro.names[ro.index(p)]}": acts for p, acts in opts.dyadic.items()}
    out.update({f"{THEATRE}{t}": acts for t, acts in opts.theatre.items()})
    return out


def parse_choice(where: str, action: str) -> tuple[dict[str, str], dict[str, str]]:
    """A menu choice as (dyadic, theatre) moves: partner -> action or theatre -> action."""
    if where.startswith(THEATRE):
        return {}, {where[len(THEATRE):]: action}
    return {where.split(" — ")[0]: action}, {}


@solara.component
def MoveForm(hub: Hub, actor: str, author: str, label: str) -> None:
    """A team's move for ``actor`` (``author`` = the team) or White's override
    (``author`` = "white", which requires a reason)."""
    follow()
    where, set_where = solara.use_state("")
    action, set_action = solara.use_state("")
    reason, set_reason, reason_now = use_typed("")
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return
    white = author == "white"
    with hub.lock:
        menu = move_menu(s, actor)
        acts = menu.get(where, ())
        effect = ""
        if where and action in acts and s.phase in ("collect", "propose", "adjudicate"):
            d, t = parse_choice(where, action)
            try:
                effect = "; ".join(e.text() for e in s.expected_effects(actor, d, t)) or (
                    "no change from the default move")
            except SessionError as exc:
                effect = str(exc)

    shown = (s.turn, s.phase)

    def submit() -> None:
        d, t = parse_choice(where, action)
        if white:
            set_outcome(hub.act(lambda: s.override(actor, dyadic=d, theatre=t, reason=reason_now()),
                                f"White overrides {actor}: {action} ({where})", at=shown))
        else:
            set_outcome(hub.act(lambda: s.submit_move(author, actor, d, t, reason_now()),
                                f"{author} moves {actor}: {action} ({where})", at=shown))

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select(label=f"{actor}: towards / in", values=list(menu), value=where or None,
                      on_value=lambda v: (set_where(v), set_action("")))
        solara.Select(label=f"{actor}: action", values=list(acts), value=action or None,
                      on_value=set_action)
        if white:
            solara.InputText("Reason (required)", value=reason, on_value=set_reason,
                             continuous_update=True)
        else:
            solara.InputText(f"{actor}: why (optional, in the report)", value=reason,
                             on_value=set_reason, continuous_update=True)
        solara.Button(label, on_click=submit, color="primary",
                      disabled=not (where and action in acts)
                      or (white and not visible_text(reason)))
    if effect:
        solara.Text(f"Expected effect: {effect}", style={"display": "block",
                                                         "font-size": "0.9em"})
    Feedback(outcome)
