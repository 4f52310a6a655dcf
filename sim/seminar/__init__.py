"""The seminar engine: a facilitator-run, turn-based wargame on the model.

One `Session` plays one replicate of a scenario, one month per turn, through the phases
``collect`` -> ``propose`` -> ``adjudicate`` -> ``resolved``. The model's dynamics are
never re-implemented: proposals, expected effects and the resolution call `sim.dynamics.engine`.

    from sim.seminar import Session
    s = Session.create("baseline", seed=7, path="game.json")   # auto-saves every turn
    s.assign("IRN", "blue")                                    # roles: between turns
    s.submit_move("blue", "IRN", dyadic={"RUS": "deepen"})     # collect
    s.advance_phase()                                          # -> propose
    s.proposals("blue"); s.accept_proposal("blue", "IRN")      # with expected effects
    s.advance_phase()                                          # -> adjudicate
    s.override("RUS", dyadic={"IRN": "hedge"}, reason="...")   # White, reason required
    s.release_inject("israel_iran_war:israel_war_on_iran")     # White, this month
    outcome = s.resolve_turn()                                 # the engine resolves
    s.why("RUS", "IRN").headline()                             # drivers, in plain words
    s.adjust("RUS", "IRN", 0.5, reason="...")                  # White, after resolution
    s.cone(replicates=200, months=24)                          # futures, never one line
    s.branch(2, path="alt.json"); Session.load("game.json")    # replayed from the log

Views: `Session.team_view`, `options`, `state_at`, `alignment_history`, `dyad_history`,
`why`, `record` (for `sim.analysis.explain`). Records: `Session.note`; `sim.seminar.export`
writes JSON, CSV and a self-contained HTML after-action report; `sim.seminar.branches`
compares branches and the model playing alone. `sim.seminar.injects` holds the inject
catalogue; `sim.seminar.terminal` the `sim play` turn loop. Refused requests raise
`SessionError`; bad files raise `sim.core.config_errors.ConfigError`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Where each public name lives. Imported on first use (PEP 562), so that a command which
#: only needs a small part of the package (the seminar's option help, the PIN file) does
#: not pay for the engine, the proposals and the exports: `sim validate` starts in a
#: fraction of a second.
_LOCATION = {
    "SessionError": "errors", "InjectCatalogue": "injects", "InjectEntry": "injects",
    "inject_catalogue": "injects", "ActorOptions": "proposals", "Effect": "proposals",
    "Proposal": "proposals", "PHASES": "records", "WHITE": "records",
    "LogRecord": "records", "Phase": "records", "SessionFile": "records",
    "TeamView": "roles", "Session": "session", "TurnOutcome": "session",
    "TREND_MONTHS": "why", "Why": "why", "noise_band": "why", "trend_label": "why",
}

if TYPE_CHECKING:
    from sim.seminar.errors import SessionError
    from sim.seminar.injects import InjectCatalogue, InjectEntry, inject_catalogue
    from sim.seminar.proposals import ActorOptions, Effect, Proposal
    from sim.seminar.records import PHASES, WHITE, LogRecord, Phase, SessionFile
    from sim.seminar.roles import TeamView
    from sim.seminar.session import Session, TurnOutcome
    from sim.seminar.why import TREND_MONTHS, Why, noise_band, trend_label


def __getattr__(name: str) -> Any:
    if name in _LOCATION:
        return getattr(import_module(f"sim.seminar.{_LOCATION[name]}"), name)
    raise AttributeError(f"module 'sim.seminar' has no attribute {name!r}")


__all__ = [
    "PHASES",
    "TREND_MONTHS",
    "WHITE",
    "ActorOptions",
    "Effect",
    "InjectCatalogue",
    "InjectEntry",
    "LogRecord",
    "Phase",
    "Proposal",
    "Session",
    "SessionError",
    "SessionFile",
    "TeamView",
    "TurnOutcome",
    "Why",
    "inject_catalogue",
    "noise_band",
    "trend_label",
]
