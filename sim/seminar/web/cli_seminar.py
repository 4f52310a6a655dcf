"""`sim seminar`: the seminar web app on this machine, offline (wrapped by `sim.cli`).

Why the help texts live here: they sit next to the checks they describe; `sim.cli`
only declares the options.
"""

from __future__ import annotations

from pathlib import Path

import typer

HELP: dict[str, str] = {
    "scenario": "scenario offered when a session is started: a name in scenarios/ or a file",
    "seed": "seed offered for a new session (default: SIM_SEMINAR_SEED or 1)",
    "session": "session file opened at start (default: none; start one on the page)",
    "folder": "where session files, branches and exports are written "
              "(default: SIM_SEMINAR_FOLDER or results/seminar)",
    "host": "address to listen on; keep 127.0.0.1 unless the room's screens need the LAN "
            "(then --pins is required)",
    "pins": "PIN file protecting the pages by role (white, viewer, analyst, [teams]); "
            "required with a --host beyond localhost",
    "port": "port to listen on",
    "drop_after": "seconds after which a page that lost its connection is dropped "
                  "(default: SIM_SEMINAR_DROP_AFTER or 120)",
}


def _check(scenario: str, seed: int | None, session: Path | None,
           folder: Path | None, drop_after: float | None = None,
           pins: Path | None = None) -> None:
    """Refuse bad choices here, with a message, rather than in the server's log."""
    from pydantic import ValidationError

    from sim.core.config_errors import ConfigError
    from sim.inputs.scenario import load_scenario
    from sim.seminar.web.settings import SeminarSettings

    given = {"scenario": scenario, "seed": seed, "session": session, "folder": folder,
             "drop_after": drop_after}
    try:
        SeminarSettings(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg']} "
                             f"(got {e['input']!r})"
                             for e in exc.errors())
        _fail(problems)
    try:
        load_scenario(scenario)
    except ConfigError as exc:
        _fail(str(exc))
    if folder is not None and folder.exists() and not folder.is_dir():
        _fail(f"--folder: {folder} exists and is not a folder")
    if pins is not None:
        from sim.seminar.web.pins import load_pins

        try:
            load_pins(pins)
        except ConfigError as exc:
            _fail(f"--pins: {exc}")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def seminar_command(scenario: str, seed: int | None, session: Path | None,
                    folder: Path | None, host: str, port: int,
                    drop_after: float | None = None, pins: Path | None = None) -> None:
    """Run the seminar web app: facilitator at /, plenary at /plenary, teams at /team/NAME,
    analysts (read-only) at /analyst.

    Everything is served from this machine, with no network needed (the page's scripts and
    fonts come from a folder built by `make seminar-assets`). Stop it with Ctrl-C.
    """
    from sim.seminar.web.server import serve

    _check(scenario, seed, session, folder, drop_after, pins)
    code = serve(scenario, seed, session, folder, host=host, port=port, drop_after=drop_after,
                 pins=pins)
    if code:
        raise typer.Exit(code)
