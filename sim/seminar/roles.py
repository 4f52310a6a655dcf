"""Who plays which actor: player teams, or the model.

Why a separate, small object: roles are the one thing a facilitator sets before play and
changes only between turns, and every view a team gets (its actors, their menus, the
model's proposals) is filtered through them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sim.seminar.errors import SessionError
from sim.seminar.proposals import ActorOptions, Proposal
from sim.seminar.records import MODEL, WHITE

TEAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,39}")


def check_team_name(team: str) -> str:
    """A team name: a letter, then letters, digits, '_' or '-' (at most 40 characters)."""
    if not isinstance(team, str) or not TEAM_NAME.fullmatch(team):
        raise SessionError(f"team: bad value {team!r}: a team name is a letter followed by "
                           "letters, digits, '_' or '-' (at most 40 characters)")
    if team.lower() in (WHITE, MODEL):
        raise SessionError(f"team: bad value {team!r}: {team.lower()!r} is reserved "
                           "(White is the facilitator; 'model' means no team)")
    return team


@dataclass
class Roles:
    """Actor id -> team name, or None where the model plays the actor."""

    actors: tuple[str, ...]
    assigned: dict[str, str | None] = field(default_factory=dict)

    def check_actor(self, actor: str) -> str:
        if actor not in self.actors:
            raise SessionError(f"actor: bad value {actor!r}: allowed: {', '.join(self.actors)}")
        return actor

    def team_of(self, actor: str) -> str | None:
        return self.assigned.get(self.check_actor(actor))

    def set(self, actor: str, team: str | None) -> None:
        self.check_actor(actor)
        if team is None:
            self.assigned.pop(actor, None)
        else:
            self.assigned[actor] = check_team_name(team)

    def teams(self) -> tuple[str, ...]:
        return tuple(sorted({t for t in self.assigned.values() if t is not None}))

    def actors_of(self, team: str) -> tuple[str, ...]:
        return tuple(a for a in self.actors if self.assigned.get(a) == team)

    def player_actors(self) -> tuple[str, ...]:
        return tuple(a for a in self.actors if self.assigned.get(a) is not None)

    def check_controls(self, team: str, actor: str) -> None:
        owner = self.team_of(actor)
        if owner != team:
            who = "the model" if owner is None else f"team {owner!r}"
            raise SessionError(f"team {team!r} does not play {actor}: {actor} is played by "
                               f"{who}; {team!r} plays "
                               f"{', '.join(self.actors_of(team)) or 'no actor'}")


@dataclass(frozen=True)
class TeamView:
    """What one team sees: its actors, their menus, the model's proposals, its moves."""

    team: str
    turn: int
    phase: str
    date: str
    options: tuple[ActorOptions, ...]
    proposals: tuple[Proposal, ...]  # empty before the propose phase
    moves: dict[str, dict[str, str]]  # actor -> {partner or theatre: action} decided so far
