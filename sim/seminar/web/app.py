"""The seminar web app's entry point for Solara: one page, three kinds of view by path.

``/`` is the facilitator (White), ``/plenary`` the projector, ``/team/NAME`` a team's
view, ``/analyst`` the analysts' read-only view. Why paths and not logins: the seminar
runs on the room's own machine, bound to localhost by default, and the facilitator hands
each team its address.
"""

from __future__ import annotations

import solara

from sim.seminar.web.analyst import Analyst
from sim.seminar.web.facilitator import Facilitator
from sim.seminar.web.panels import CSS
from sim.seminar.web.player import Player
from sim.seminar.web.plenary import Plenary


@solara.component
def Team() -> None:
    """``/team/NAME``: the team's name is the part of the path after ``team``."""
    parts = solara.use_router().parts
    if len(parts) != 2:
        solara.Error("A team's view is at /team/NAME, e.g. /team/blue.")
        return
    Player(parts[1])


@solara.component
def Layout(children=None) -> None:
    """No navigation bar: each view is reached by its own address, and the plenary screen
    must show nothing to click."""
    solara.Style(CSS)
    solara.Column(children=children or [], style={"padding": "0 1em"})


routes = [
    solara.Route(path="/", component=Facilitator, label="facilitator", layout=Layout),
    solara.Route(path="plenary", component=Plenary, label="plenary"),
    solara.Route(path="team", component=Team, label="team"),
    solara.Route(path="analyst", component=Analyst, label="analyst"),
]
