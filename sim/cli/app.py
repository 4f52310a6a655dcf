"""The Typer application every command registers on."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Agent-based model of Russia-Iran alignment and its neighbours.")
