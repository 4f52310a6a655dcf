"""`sim play`: the turn loop in a terminal, one prompt at a time.

Why prompts read line by line from standard input: the same loop serves a facilitator at
a keyboard and a scripted run (a file piped in, or a test), with no separate batch mode.
It only calls the `Session` API; everything it prints comes from there.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.core.config_errors import ConfigError
from sim.core.settings import get_settings
from sim.runs.reporting import key_dyads
from sim.seminar.errors import SessionError
from sim.seminar.injects import inject_catalogue
from sim.seminar.session import Session
from sim.seminar.why import signed

#: (prompt, default) -> the line typed; raises EOFError when the input ends.
Reader = Callable[[str, str], str]

WHITE_HELP = """White's commands (an empty line goes on; text after ' -- ' is the reason):
  inject KEY -- reason              release a catalogue event now (KEY: scenario:event_id)
  injects [WORD]                    list catalogue keys (containing WORD)
  override ACTOR X=ACTION ... -- why  impose moves (X: partner id or theatre); why required
  adjust SRC TGT VALUE -- why       after resolution: set a dyad's alignment
  note TEXT | insight TEXT          a note on this turn
  why SRC TGT                       the drivers of the dyad's last change
  quit                              save and stop"""


class Quit(Exception):
    """The facilitator asked to stop (or the input ended)."""


def console_reader(console: Console) -> Reader:
    def read(prompt: str, default: str) -> str:
        shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
        line = console.input(escape(shown))
        return line.strip() or default
    return read


def parse_cells(words: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """'RUS=deepen gulf=intervene' -> ({'RUS': 'deepen'}, {'gulf': 'intervene'}): actor ids
    are upper case, theatre ids lower case."""
    dyadic, theatre = {}, {}
    for w in words:
        key, sep, action = w.partition("=")
        if not sep or not key or not action:
            raise SessionError(f"bad move {w!r}: write PARTNER=ACTION or THEATRE=ACTION")
        (dyadic if key.isupper() else theatre)[key] = action.lower()
    return dyadic, theatre


def show_status(session: Session, console: Console) -> None:
    w = session.world
    t = Table(title=f"Turn {session.turn_number} · {session.date} · phase {session.phase}")
    for col in ("dyad", "alignment", "last change", "trend"):
        t.add_column(col)
    for a, b in key_dyads(w)[:8]:
        hist = session.dyad_history(a, b)
        if session.resolved_turns:
            change = f"{signed(session.why(a, b).change)}"
            label = session.trend(a, b).label
        else:
            change, label = "—", "—"
        t.add_row(f"{a}→{b}", f"{signed(hist[-1])}", change, label)
    console.print(t)


def _players(session: Session, read: Reader, console: Console) -> None:
    for prop in session.proposals():
        if prop.team is None:
            continue
        d, th = prop.changes()
        console.print(f"[bold]{prop.team}[/bold] plays {prop.actor}. The model proposes: "
                      + (", ".join(f"{k} {v}" for k, v in {**d, **th}.items())
                         or "maintain everything"), highlight=False)
        if prop.forced:
            console.print(f"  forced by this month's events towards: {', '.join(prop.forced)}")
        for e in prop.effects:
            console.print(f"  {e.text()}", highlight=False)
        while True:
            answer = read(f"{prop.team}/{prop.actor}: accept, or moves like RUS=deepen "
                          "gulf=intervene", "accept")
            if answer.lower() == "quit":
                raise Quit
            try:
                if answer.lower() != "accept":
                    dyadic, theatre = parse_cells(answer.split())
                    session.submit_move(prop.team, prop.actor, dyadic, theatre)
                session.accept_proposal(prop.team, prop.actor)
                break
            except SessionError as exc:
                console.print(str(exc), style="red", markup=False, highlight=False)


def _split_reason(line: str) -> tuple[str, str]:
    head, _, reason = line.partition(" -- ")
    return head.strip(), reason.strip()


def _white(session: Session, read: Reader, console: Console) -> None:
    """White's prompt until an empty line; commands allowed depend on the phase."""
    while True:
        line = read(f"white ({session.phase}; 'help')", "")
        if not line:
            return
        head, reason = _split_reason(line)
        try:
            words = (head.split() if head.lower().startswith(("note ", "insight "))
                     else shlex.split(head)) or [""]
            cmd, args = words[0].lower(), words[1:]
            if cmd == "quit":
                raise Quit
            if cmd == "help":
                console.print(WHITE_HELP, highlight=False, markup=False)
            elif cmd == "injects":
                keys = [k for k in inject_catalogue().entries if not args or args[0] in k]
                console.print("\n".join(keys) or "no match", highlight=False)
            elif cmd == "inject" and len(args) == 1:
                session.release_inject(args[0], reason)
                console.print(f"released {args[0]} in {session.date}", highlight=False)
            elif cmd == "override" and len(args) >= 2:
                dyadic, theatre = parse_cells(args[1:])
                session.override(args[0], dyadic=dyadic, theatre=theatre, reason=reason)
            elif cmd == "adjust" and len(args) == 3:
                session.adjust(args[0], args[1], float(args[2]), reason)
            elif cmd in ("note", "insight") and args:
                session.note(line.strip().partition(" ")[2].strip(), insight=cmd == "insight")
            elif cmd == "why" and len(args) == 2:
                console.print(session.why(args[0], args[1]).text(), highlight=False)
            else:
                console.print(f"unknown command {line!r}; type help", style="red",
                              markup=False, highlight=False)
        except (SessionError, ConfigError, ValueError) as exc:
            console.print(str(exc), style="red", markup=False, highlight=False)


def play_turn(session: Session, read: Reader, console: Console) -> None:
    """One turn: status, proposals for the players, White, resolution, White again."""
    show_status(session, console)
    if session.phase == "collect":
        session.advance_phase()
    if session.phase == "propose":
        _players(session, read, console)
        session.advance_phase()
    _white(session, read, console)
    outcome = session.resolve_turn()
    console.print(f"[bold]Resolved {outcome.date}[/bold]: events: "
                  f"{'; '.join(outcome.fired) or 'none'}", highlight=False)
    for a, b in key_dyads(session.world)[:4]:
        console.print("  " + session.why(a, b).headline(), highlight=False)
    _white(session, read, console)


def default_session_path(scenario: str, seed: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return get_settings().results_dir / "sessions" / f"{scenario}-seed{seed}-{stamp}.json"


def open_session(scenario: str, seed: int | None, teams: list[str],
                 session_file: Path | None) -> Session:
    """Resume ``session_file`` if it exists (it must be of this scenario and seed), else
    start a session there; ``teams`` are ACTOR=TEAM assignments, applied between turns.
    Everything is checked before a new file is written."""
    pairs = []
    for spec in teams:
        actor, sep, team = spec.partition("=")
        if not sep or not actor:
            raise SessionError(f"--team: bad value {spec!r}: write ACTOR=TEAM, e.g. IRN=blue")
        pairs.append((actor.upper(), team or None))
    if session_file is not None and session_file.exists():
        session = Session.load(session_file)
        if scenario != session.ref.name and Path(scenario).resolve() != Path(session.ref.file):
            raise SessionError(f"{session_file} is a session of scenario {session.ref.name!r}, "
                               f"not {scenario!r}")
        if seed is not None and seed != session.seed:
            raise SessionError(f"{session_file} is a session with seed {session.seed}, not "
                               f"{seed}")
    else:
        seed = get_settings().base_seed if seed is None else seed
        session = Session.create(scenario, seed)
    for actor, team in pairs:
        if session.roles.team_of(actor) != team:
            session.assign(actor, team)
    if session.path is None:
        session.save(session_file or default_session_path(session.world.scenario.name, seed))
    return session


def play(session: Session, read: Reader, console: Console, turns: int | None = None) -> int:
    """Play turns until the scenario ends, ``turns`` are played, or White quits; the
    session saves itself after every resolved turn. Returns the turns played."""
    played = 0
    try:
        while turns is None or played < turns:
            if session.phase == "resolved":
                if session.finished:
                    console.print("The scenario has ended.")
                    break
                session.advance_phase()
            play_turn(session, read, console)
            played += 1
    except (Quit, EOFError):
        console.print("Stopped.")
    session.save()
    console.print(f"Session saved: {session.path}", highlight=False)
    return played
