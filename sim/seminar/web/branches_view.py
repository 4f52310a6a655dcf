"""Branching from a past turn and comparing the branches with each other and with the
model playing the scenario alone.

Why the model alone is always on the chart: with the same scenario and seed it is what
would have happened without the room, so every gap on the chart is a decision's doing.
"""

from __future__ import annotations

import solara

from sim.seminar.branches import divergence, model_alone
from sim.seminar.web import charts
from sim.seminar.web.hub import Hub
from sim.seminar.web.live import follow
from sim.seminar.web.panels import DyadPicker, Feedback, Table, dyad_name
from sim.seminar.why import signed


def _kept(turn: int) -> str:
    """What a branch that plays ``turn`` again keeps, in words."""
    if turn <= 1:
        return ""
    return "it keeps turn 1 and " if turn == 2 else f"it keeps turns 1 to {turn - 1} and "


@solara.component
def BranchesPanel(hub: Hub, dyad, set_dyad) -> None:
    follow()
    turn, set_turn = solara.use_state(1)
    label, set_label = solara.use_state("")
    chosen, set_chosen = solara.use_state("")
    outcome, set_outcome = solara.use_state(None)
    s = hub.session
    if s is None:
        return
    with solara.Card("Go back to a turn and branch"):
        if s.resolved_turns == 0:
            solara.Text("Resolve a turn first: a branch keeps the turns before the one it "
                        "plays again.")  # (from turn 1: start a new session instead)
        else:
            solara.InputInt("Play again from turn", value=turn, on_value=set_turn,
                            continuous_update=True)
            solara.InputText("Branch label (optional)", value=label, on_value=set_label,
                             continuous_update=True)
            solara.Button("Branch", color="primary", on_click=lambda: set_outcome(hub.act(
                lambda: hub.branch(int(turn) - 2, label.strip()),
                lambda lab: f"branch {lab} made: {_kept(int(turn))}plays turn {int(turn)} "
                "again; the room now plays it")))
            solara.Text(f"Allowed: 1 to {s.resolved_room_turns + 1}. The session so far is kept "
                        "as it is; switch back to it at any time.",
                        style={"font-size": "0.85em"})
    with solara.Card("Sessions of this seminar"):
        SessionsTable(hub)
        with solara.Row():
            solara.Select(label="Switch to", values=list(hub.sessions), value=chosen or None,
                          on_value=set_chosen)
            solara.Button("Switch", disabled=not chosen, on_click=lambda: set_outcome(
                hub.act(lambda: hub.switch(chosen), f"now playing {chosen}")))
    Feedback(outcome)
    BranchComparison(hub, dyad, set_dyad)


@solara.component
def SessionsTable(hub: Hub) -> None:
    """The seminar's sessions and branches, read-only: where each came from and stands."""
    follow()
    rows = [(lab, "active" if lab == hub.active else "", x.parent or "—",
             "—" if x.branch_turn is None else x.branch_turn + 2, x.resolved_turns,
             f"turn {x.turn_number}, {x.phase}")
            for lab, x in hub.sessions.items()]
    Table(("label", "", "branched from", "plays again from turn", "turns resolved",
           "now at"), rows, "seminar-table branches-table")


@solara.component
def BranchComparison(hub: Hub, dyad, set_dyad) -> None:
    """Every branch against the model alone on one dyad, read-only (White's Branches tab
    and the analysts' view)."""
    follow()
    s = hub.session
    if s is None:
        return
    with solara.Card("Compare branches"):
        DyadPicker(s, dyad, set_dyad)
        if dyad[0] == dyad[1]:
            return
        with hub.lock:
            months = max(x.resolved_turns for x in hub.sessions.values())
            alone = model_alone(s, months)
            fig = charts.branches_figure(hub.sessions, alone, *dyad)
            ids = s.world.roster.ids
            rows = []
            for lab, x in hub.sessions.items():
                d = divergence(x.alignment_history(), alone, ids, [dyad])[0]
                rows.append((lab, dyad_name(s, *dyad), f"{signed(d.now)}", f"{signed(d.other)}",
                             f"{signed(d.difference)}",
                             "never" if d.first_turn is None else s.world.date(d.first_turn)))
        solara.FigureMatplotlib(fig, format="png")
        Table(("session", "dyad", "now", "model alone", "difference", "first differs"), rows,
              "seminar-table compare-table")
