"""The plenary view, for the projector: large, sparse, and with no controls.

Why no controls: the shared screen is what the whole room reads; it shows where the game
is, the whole constellation at a glance (a network of the actors, the ties that moved in
the last turn highlighted, the actors players decide for outlined), the focus dyad's
spread of model runs scaled to its data, the key dyads with their trend words, why the
focus dyad last moved, and what White did and why, and nothing anybody can click by
mistake. Every figure is drawn once per change of the game and shared by every page.
"""

from __future__ import annotations

import html

import solara

from sim.seminar.web import charts
from sim.seminar.web.hub import get_hub
from sim.seminar.web.live import follow, use_watch
from sim.seminar.web.panels import ConeChart, KeyDyads, PinGate, SharedFigure, Status
from sim.seminar.web.scenes import scene_html, scene_lines


@solara.component
def PlenaryPage() -> None:
    follow()
    hub = get_hub()
    use_watch(hub, "plenary")
    solara.Title("Seminar — plenary")
    s = hub.session
    if s is None:
        solara.HTML(tag="div", unsafe_innerHTML="<div class='plenary-title'>The seminar "
                    "will start shortly.</div>")
        return
    Status(hub, large=True)
    src, tgt = hub.focus
    if hub.scene != "none":
        with hub.lock:
            title, lines = scene_lines(hub.scene, hub.sessions, hub.active, hub.focus)
        solara.HTML(tag="div", unsafe_innerHTML=scene_html(title, lines))
    with solara.Columns([1, 1]):
        with solara.Column():
            SharedFigure(hub, ("network",), lambda: charts.network_figure(s, large=True),
                         "network-chart")
        with solara.Column():
            ConeChart(hub, src, tgt, large=True)
    KeyDyads(s, large=True)
    lines = []
    if s.resolved_turns:
        with hub.lock:
            lines.append(s.why(src, tgt).headline())
            last = s.resolved_turns - 1
            o = s.outcomes[last]
            if o.fired:
                lines.append(f"Events in {o.date}: " + "; ".join(o.fired))
            for r in s.log:
                if r.turn == last and r.kind in ("override", "adjust", "inject") and r.reason:
                    lines.append(f"White ({r.kind}, {r.date}): {r.reason}")
    body = "".join(f"<p>{html.escape(x)}</p>" for x in lines)
    solara.HTML(tag="div", unsafe_innerHTML=f"<div class='plenary-why'>{body}</div>")


@solara.component
def Plenary() -> None:
    """The plenary, behind the viewers' PIN (or White's) when the seminar has PINs."""
    PinGate("viewer", PlenaryPage)
