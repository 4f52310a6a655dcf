"""The analysts' view: everything the facilitator sees, and nothing anybody can change.

Why a page of its own: a seminar's analysts and observers follow the game to answer its
research questions. On White's page one stray click would advance the turn or override a
move; on the plenary they could not pick a dyad or a turn. This page lets them look at any
dyad, any resolved turn and any branch, and download the records, while the game goes on.
Nothing on it calls the hub with a change: it only reads the session, under the hub's
lock where a view must not see a half-made change.
"""

from __future__ import annotations

import solara

from sim.core import strict_json
from sim.runs.reporting import key_dyads
from sim.seminar.export import collection_tables, log_table, session_dict, trajectory_table
from sim.seminar.session import Session
from sim.seminar.web.branches_view import BranchComparison, SessionsTable
from sim.seminar.web.collection_views import STYLE_WORDS, DataPlanTally
from sim.seminar.web.facilitator import MovesTable, SubmissionBoard, WhyAndFutures
from sim.seminar.web.hub import Hub, get_hub
from sim.seminar.web.live import follow, use_watch
from sim.seminar.web.panels import (
    KeyDyads,
    LogPanel,
    PinGate,
    Status,
)
from sim.seminar.web.replay import ReplayPanel

ANALYST_TABS = ("Now", "Why & futures", "Replay", "Branches", "Log", "Data plan", "Data")


@solara.component
def AnalystPage() -> None:
    follow()
    hub = get_hub()
    use_watch(hub, "analyst")
    dyad, set_dyad = solara.use_state(("RUS", "IRN"))
    tab, set_tab = solara.use_state(ANALYST_TABS[0])
    solara.Title("Seminar — analysts (read-only)")
    solara.Markdown("# Seminar — analysts (read-only)")
    s = hub.session
    if s is None:
        solara.Info("No session is open yet: this page follows the game once White starts "
                    "one.")
        return
    if dyad[0] not in s.world.roster.ids or dyad[1] not in s.world.roster.ids:
        dyad = key_dyads(s.world)[0]
    Status(hub)
    solara.Text(f"Session {hub.active}: {STYLE_WORDS[s.style]}, "
                f"{'open' if s.open_adjudication else 'closed'} adjudication, "
                f"{s.months_per_turn} month(s) a turn. This page changes nothing.",
                classes=["analyst-banner"], style={"display": "block"})
    SubmissionBoard(s)
    solara.ToggleButtonsSingle(value=tab, values=list(ANALYST_TABS), on_value=set_tab,
                               classes=["analyst-tabs"])
    AnalystTab(hub, s, tab, dyad, set_dyad)


@solara.component
def AnalystTab(hub: Hub, s: Session, title: str, dyad, set_dyad) -> None:
    follow()
    if title == "Now":
        with solara.Card("Key dyads"):
            KeyDyads(s)
        with solara.Card("Moves this turn (departures from maintain)"):
            MovesTable(s)
    elif title == "Why & futures":
        WhyAndFutures(hub, s, dyad, set_dyad, show_plenary=False)
    elif title == "Replay":
        ReplayPanel(hub, s, dyad, set_dyad)
    elif title == "Branches":
        with solara.Card("Sessions of this seminar"):
            SessionsTable(hub)
        BranchComparison(hub, dyad, set_dyad)
    elif title == "Log":
        LogPanel(s)
    elif title == "Data plan":
        DataPlanTally(s)
    else:
        DataDownloads(hub, s)


def _csv(frame) -> bytes:
    return frame.to_csv(index=False, float_format="%.6g").encode("utf-8")


@solara.component
def DataDownloads(hub: Hub, s: Session) -> None:
    """The session's records as files, made in memory from the session as it is now: the
    export White writes, without writing anything to the seminar's folder."""
    follow()
    solara.Markdown("Each file is made when it is downloaded, from the session as it is "
                    "then: the same tables as White's export.")

    def table(name: str):
        def make() -> bytes:
            with hub.lock:
                if name == "log":
                    return _csv(log_table(s))
                if name == "alignment":
                    return _csv(trajectory_table(s))
                return _csv(collection_tables(s)[name])
        return make

    def session_json() -> bytes:
        with hub.lock:
            return strict_json.dumps(session_dict(s), indent=1).encode("utf-8")

    names = ["log", "alignment", *collection_tables(s)]
    with solara.Column():
        for name in names:
            solara.FileDownload(table(name), filename=f"{name}.csv",
                                label=f"Download {name.replace('_', ' ')} (CSV)")
        solara.FileDownload(session_json, filename="session.json",
                            label="Download the session (JSON)")


@solara.component
def Analyst() -> None:
    """The analysts' page, behind the analysts' PIN (or the viewers', or White's) when the
    seminar has PINs."""
    PinGate("analyst", AnalystPage)
