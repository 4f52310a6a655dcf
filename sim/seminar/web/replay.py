"""The time slider: any resolved turn shown again as the room saw it.

Why a replay and not an undo: the log is append-only, so going back means looking (this
panel) or branching (the Branches tab); nothing the room did is ever erased.
"""

from __future__ import annotations

import solara

from sim.seminar.session import Session
from sim.seminar.web.hub import Hub
from sim.seminar.web.live import follow
from sim.seminar.web.panels import ConeChart, DyadPicker, KeyDyads, LogPanel, WhyPanel


@solara.component
def ReplayPanel(hub: Hub, session: Session, dyad, set_dyad) -> None:
    follow()
    turn, set_turn = solara.use_state(0)
    last = session.resolved_turns - 1
    if last < 0:
        solara.Info("No turn has been resolved yet: there is nothing to replay.")
        return
    turn = min(turn, last)
    o = session.outcomes[turn]
    solara.SliderInt("Replay turn", value=turn + 1, min=1, max=last + 1,
                     on_value=lambda v: set_turn(v - 1), tick_labels=False)
    with solara.Row():
        solara.Button("◀ earlier", disabled=turn == 0, on_click=lambda: set_turn(turn - 1))
        solara.Button("later ▶", disabled=turn == last, on_click=lambda: set_turn(turn + 1))
    solara.Markdown(f"### Turn {session.turn_of(turn)} — {o.date}\n"
                    f"- events: {'; '.join(o.fired) or 'none'}\n"
                    f"- moves imposed by players and White: "
                    f"{'; '.join(f'{k}={v}' for k, v in o.imposed.items()) or 'none'}\n"
                    f"- moves taken (not maintain/support): {len(o.moves)}")
    KeyDyads(session, turn=turn + 1)
    DyadPicker(session, dyad, set_dyad)
    ConeChart(hub, *dyad, upto=turn + 1)
    WhyPanel(session, *dyad, turn=turn)
    LogPanel(session, turn=turn)
