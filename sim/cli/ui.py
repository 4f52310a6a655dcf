"""The command line's consoles and its one way to fail.

Why one place: every command prints through these consoles, so a test or a wrapper can
widen them once, and every refusal looks alike (``error:`` and exit status 2, with nothing
written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# Not on a terminal (CI logs, pipes), rich would wrap at 80 columns; tables need more.
console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def path_value(text: str) -> Path:
    """A path option's value; an empty one is refused (``--results ""`` used to mean the
    current folder, and wrote a run there)."""
    if not text.strip():
        raise typer.BadParameter("bad value '': an empty path; allowed: a file or folder "
                                 "name")
    return Path(text)


def path_option(*args, **kwargs):
    """`typer.Option` for a path: the same, with an empty value refused (`path_value`)."""
    return typer.Option(*args, parser=path_value, **kwargs)


def error(message: str) -> None:
    """Print a refusal on standard error; the message is text, never markup (a problem
    naming a ``[dynamics]`` table would otherwise lose it as a style tag)."""
    err.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False)


def fail(message: str, code: int = 2) -> None:
    """Print a refusal and leave with ``code`` (2: bad input, nothing written)."""
    error(message)
    raise typer.Exit(code)


def progress(unit: str, *, rate: bool = False, remaining: bool = True,
             own_thread: bool = True) -> Progress:
    """A progress bar on standard error (standard output stays for tables and JSON): the
    task's name, done of total in ``unit``, optionally the rate the task reports in its
    ``rate`` field, the time taken and, when a total is known, the time left.

    ``own_thread=False`` draws it only when the caller updates it with ``refresh=True``,
    with no refresh thread: a sweep forks its workers only from a single-threaded process
    (`sim.runs.sweep.worker_start_method`)."""
    columns: list[ProgressColumn] = [TextColumn("[bold]{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), TextColumn(unit)]
    if rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    columns.append(TimeElapsedColumn())
    if remaining:
        columns += [TextColumn("left"), TimeRemainingColumn()]
    return Progress(*columns, console=err, auto_refresh=own_thread)
