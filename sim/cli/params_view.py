"""Printing an actor's parameters with their provenance (`sim params iran`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.core.provenance import Sourced
from sim.inputs.roster import RosterFile


def find_actor(roster: RosterFile, name: str):
    """By id (``IRN``) or name (``iran``), case-insensitive."""
    key = name.strip().lower()
    for a in roster.actors:
        if key in (a.id.lower(), a.name.lower()) or a.name.lower().startswith(key):
            return a
    known = ", ".join(f"{a.id} ({a.name})" for a in roster.actors)
    raise KeyError(f"unknown actor {name!r}; known: {known}")


def _row(table: Table, name: str, v: Sourced) -> None:
    if v.is_assumption:
        src, evidence = "assumption", v.assumption or ""
    else:
        src, evidence = v.source or "", f"\u201c{v.quote}\u201d"
    if v.note:
        evidence += f"\n[dim]note: {v.note}[/dim]"
    table.add_row(name, f"{v.value:+.2f}", v.confidence, src, evidence)


def _table(title: str) -> Table:
    t = Table(title=title, show_lines=True, expand=True)
    for col, kw in (("parameter", {"no_wrap": True}), ("value", {"justify": "right"}),
                    ("confidence", {}), ("source", {}), ("evidence", {"ratio": 1})):
        t.add_column(col, **kw)
    return t


def print_actor(roster: RosterFile, name: str, console: Console | None = None,
                dyads: bool = True) -> None:
    console = console or Console()
    a = find_actor(roster, name)
    console.print(f"[bold]{a.name}[/bold] ({a.id}, {a.kind}): {a.description}")
    t = _table("Preference and capability parameters")
    for field in type(a.params).model_fields:
        _row(t, field, getattr(a.params, field))
    console.print(t)
    if a.domestic:
        t = _table(f"Domestic politics: {a.domestic.hardline_label} vs {a.domestic.reform_label}")
        _row(t, "balance (hardline weight)", a.domestic.balance)
        for ref in a.domestic.hardline:
            _row(t, f"hardline ideal -> {ref}", a.domestic.hardline[ref])
            _row(t, f"reform ideal -> {ref}", a.domestic.reform[ref])
        console.print(t)
    if dyads:
        t = _table(f"Relations of {a.id} (directed; 'A->B' is how far A stands with B)")
        for d in roster.dyads:
            if a.id not in (d.source, d.target):
                continue
            arrow = "<->" if d.symmetric else "->"
            for field in ("alignment", "distrust", "threat", "interdependence", "asks"):
                v = getattr(d, field)
                if v is not None:
                    _row(t, f"{field} {d.source}{arrow}{d.target}", v)
        console.print(t)
        stakes = [(th, st) for th in roster.theatres for st in th.stakes if st.actor == a.id]
        if stakes:
            t = _table("Stakes in theatres")
            for th, st in stakes:
                _row(t, f"{th.id} stake", st.stake)
                _row(t, f"{th.id} position ({th.axis})", st.position)
            console.print(t)
