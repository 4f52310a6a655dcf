"""The command line's consoles and its one way to fail.

Why one place: every command prints through these consoles, so a test or a wrapper can
widen them once, and every refusal looks alike (``error:`` and exit status 2, with nothing
written).
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

# Not on a terminal (CI logs, pipes), rich would wrap at 80 columns; tables need more.
console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def fail(message: str, code: int = 2) -> None:
    """Print a refusal and leave with ``code`` (2: bad input, nothing written)."""
    err.print(f"[bold red]error:[/bold red] {message}", highlight=False)
    raise typer.Exit(code)
