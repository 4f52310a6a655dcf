"""Scenes the facilitator pushes to the plenary: this turn's significant moves in words, an
inject briefing, why the focus dyad moved, or a comparison of branches.

Why scenes: a projected screen that always shows everything shows nothing in particular;
the facilitator directs the room's attention to what the discussion is about, and the
scene says it in large words, not in a table to be read from the back of the room.
"""

from __future__ import annotations

import html

from sim.seminar.branches import divergence
from sim.seminar.export import describe_record
from sim.seminar.injects import inject_catalogue
from sim.seminar.session import Session
from sim.seminar.why import signed

SCENES: dict[str, str] = {
    "none": "no scene (the standard plenary)",
    "moves": "this turn's significant moves, in words",
    "inject": "briefing on the last inject released",
    "why": "why the focus dyad moved",
    "branches": "the focus dyad in every branch, at the same month",
}
#: Moves listed at most in the moves scene: a room reads a handful of lines, not fifty.
MOVES_SHOWN = 8


def scene_lines(scene: str, sessions: dict[str, Session], active: str,
                focus: tuple[str, str]) -> tuple[str, list[str]]:
    """(title, lines) of a scene for the active session; plain text, escaped by the page."""
    s = sessions[active]
    if scene == "moves":
        if not s.resolved_turns:
            return "This turn's moves", ["No turn has been resolved yet."]
        o = s.outcomes[-1]
        players = set(s.roles.player_actors())
        ordered = sorted(o.moves, key=lambda m: (not any(p in m for p in players), m))
        lines = ([f"Events: {'; '.join(o.fired)}"] if o.fired else []) + ordered[:MOVES_SHOWN]
        more = len(o.moves) - MOVES_SHOWN
        if more > 0:
            lines.append(f"… and {more} more moves")
        return f"Moves of {o.date}", lines or ["Every actor kept to 'maintain'."]
    if scene == "inject":
        last = next((r for r in reversed(s.log) if r.kind == "inject"), None)
        if last is None:
            return "Inject briefing", ["No inject has been released yet."]
        key = last.payload.get("key")
        entry = inject_catalogue().entries.get(key) if key else None
        lines = [describe_record(last)]
        if entry is not None:
            lines += [entry.title, entry.description]
        if last.reason:
            lines.append(f"Why White released it: {last.reason}")
        return f"Inject, {last.date}", lines
    if scene == "why":
        if not s.resolved_turns:
            return "Why", ["No turn has been resolved yet."]
        why = s.why(*focus)
        lines = [why.headline()]
        lines += [f"{p.label}: {signed(p.value)}" for p in why.parts[:5]
                  if abs(p.value) >= 0.005]
        return f"Why {why.source_name} → {why.target_name} moved ({why.period})", lines
    if scene == "branches":
        months = min(x.resolved_turns for x in sessions.values())
        lines = []
        i, j = s.world.roster.index(focus[0]), s.world.roster.index(focus[1])
        base = s.alignment_history()[: months + 1]
        for label, x in sessions.items():
            hist = x.alignment_history()[: months + 1]
            d = divergence(hist, base, list(x.world.roster.ids), [focus])[0]
            lines.append(f"{label}: {signed(float(hist[-1, i, j]))}"
                         + ("" if label == active else f" ({signed(d.difference)} against "
                                                     f"{active})"))
        when = s.world.date(months)
        return (f"{focus[0]}→{focus[1]} in every branch, at the start of {when}",
                lines if len(sessions) > 1 else ["Only one session is open: no branch."])
    return "", []


def scene_html(title: str, lines: list[str]) -> str:
    if not title:
        return ""
    body = "".join(f"<li>{html.escape(x)}</li>" for x in lines)
    return f"<div class='plenary-scene'><h2>{html.escape(title)}</h2><ul>{body}</ul></div>"

