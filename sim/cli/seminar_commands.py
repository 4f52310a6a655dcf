"""The seminar commands: play in the terminal, or serve the web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli import ui
from sim.cli.app import app
from sim.core.config_errors import ConfigError
from sim.seminar.web.cli_seminar import HELP as SEMINAR_HELP
from sim.seminar.web.cli_seminar import seminar_command


@app.command()
def play(
    scenario: Annotated[str, typer.Argument(help="scenario name in scenarios/ or a file")],
    seed: Annotated[int | None, typer.Option(help="seed of the session's one history")] = None,
    team: Annotated[list[str] | None, typer.Option(
        "--team", help="ACTOR=TEAM, e.g. IRN=blue (repeat for more actors)")] = None,
    session: Annotated[Path | None, ui.path_option(
        help="session file: resumed if it exists, else created; saved after every turn")]
    = None,
    turns: Annotated[int | None, typer.Option(min=1, help="stop after this many turns")] = None,
) -> None:
    """Play a scenario as a seminar, turn by turn: proposals, moves, White, resolution."""
    from sim.seminar.errors import SessionError
    from sim.seminar.terminal import console_reader, open_session
    from sim.seminar.terminal import play as play_loop

    try:
        game = open_session(scenario, seed, team or [], session)
        play_loop(game, console_reader(ui.console), ui.console, turns)
    except (ConfigError, SessionError) as exc:
        ui.fail(str(exc))


@app.command(help=seminar_command.__doc__)
def seminar(
    scenario: Annotated[str, typer.Argument(help=SEMINAR_HELP["scenario"])] = "baseline",
    seed: Annotated[int | None, typer.Option(min=0, help=SEMINAR_HELP["seed"])] = None,
    session: Annotated[Path | None, ui.path_option(help=SEMINAR_HELP["session"])] = None,
    folder: Annotated[Path | None, ui.path_option(help=SEMINAR_HELP["folder"])] = None,
    host: Annotated[str, typer.Option(help=SEMINAR_HELP["host"])] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=SEMINAR_HELP["port"])] = 8765,
    drop_after: Annotated[float | None, typer.Option(
        "--drop-after", help=SEMINAR_HELP["drop_after"])] = None,
    pins: Annotated[Path | None, ui.path_option(help=SEMINAR_HELP["pins"])] = None,
) -> None:
    seminar_command(scenario, seed, session, folder, host, port, drop_after, pins)
