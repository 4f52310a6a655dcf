"""Starting a session, or reopening a saved one.

Why refusals are shown, not raised: a facilitator who picks a damaged or foreign file must
read what is wrong with it (file, field, value) and carry on with the sessions that are
fine; `Session.load` writes nothing while refusing, so no saved session is harmed.
"""

from __future__ import annotations

import solara

from sim.core.settings import get_settings
from sim.seminar.session import TURN_LENGTHS
from sim.seminar.web.hub import Hub
from sim.seminar.web.live import follow
from sim.seminar.web.panels import Feedback


def scenario_names() -> list[str]:
    return sorted(p.stem for p in get_settings().scenarios_dir.glob("*.toml"))


@solara.component
def StartPanel(hub: Hub) -> None:
    follow()
    scenario, set_scenario = solara.use_state(hub.settings.scenario)
    seed, set_seed = solara.use_state(hub.settings.seed)
    months, set_months = solara.use_state("1")
    label, set_label = solara.use_state("")
    chosen, set_chosen = solara.use_state("")
    outcome, set_outcome = solara.use_state(None)
    if hub.notice:
        solara.Warning(hub.notice)
    with solara.Card("New session"):
        names = scenario_names()
        if scenario not in names:
            names = [scenario, *names]  # a file path given to `sim seminar`
        solara.Select(label="Scenario", values=names, value=scenario, on_value=set_scenario)
        solara.InputInt("Seed", value=seed, on_value=set_seed, continuous_update=True)
        solara.Select(label="Months per turn", values=[str(k) for k in TURN_LENGTHS],
                      value=months, on_value=set_months)
        solara.InputText("Label (optional; names the session file)", value=label,
                         on_value=set_label, continuous_update=True)
        solara.Button("Start session", color="primary", on_click=lambda: set_outcome(hub.act(
            lambda: hub.new_session(scenario, int(seed), label.strip(), int(months)),
            lambda lab: f"session {lab} started; it is saved after every turn")))
    with solara.Card("Open a saved session"):
        files = [p.name for p in hub.session_files()]
        if files:
            solara.Select(label="Session file", values=files, value=chosen or None,
                          on_value=set_chosen)
        else:
            solara.Text(f"No session files in {hub.sessions_dir} yet.")
        solara.Button("Open session", disabled=not chosen, on_click=lambda: set_outcome(
            hub.act(lambda: hub.open_session(hub.sessions_dir / chosen),
                    lambda lab: f"session {lab} reopened (replayed from its log)")))
    Feedback(outcome)
