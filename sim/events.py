"""Events: things that happen to the world at a date, or at random with a monthly hazard.

An event changes the state (a war starts, a theatre flares, a leader changes) or forces an
action (an arms delivery made or withheld); the drivers then carry its consequences into
alignment. Events never write alignment directly, so every change keeps a named cause.

To add an event type: a pydantic class with a unique ``type`` literal and an ``apply``
method, added to `EVENT_TYPES`. Its fields are validated with the scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.actions import Dyadic
from sim.calendar import Month

if TYPE_CHECKING:
    from sim.state import State
    from sim.world import World


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Month | None = Field(default=None, description="when it happens (scheduled events)")
    note: str = ""

    def actors(self) -> list[str]:
        """Actors the event names (for roster checks)."""
        return []

    def theatres(self) -> list[str]:
        return []

    def label(self) -> str:
        raise NotImplementedError

    def apply(self, state: State, world: World, rows: np.ndarray, forced: np.ndarray) -> None:
        raise NotImplementedError


class Strike(_Event):
    """Strikes or war by ``attacker`` on ``target``, lasting ``months``."""

    type: Literal["strike"]
    attacker: str
    target: str
    theatre: str
    months: int = Field(default=1, ge=1, le=120)
    severity: float = Field(default=0.3, ge=0.0, le=1.0, description="rise of theatre intensity")

    @model_validator(mode="after")
    def _distinct(self) -> Strike:
        if self.attacker == self.target:
            raise ValueError("attacker and target must differ")
        return self

    def actors(self) -> list[str]:
        return [self.attacker, self.target]

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"{self.attacker} strikes {self.target} ({self.theatre}, {self.months} mo)"

    def apply(self, state, world, rows, forced):
        a, t = world.roster.index(self.attacker), world.roster.index(self.target)
        k = world.roster.theatre_index(self.theatre)
        state.war[rows, a, t] = np.maximum(state.war[rows, a, t], self.months)
        state.intensity[rows, k] = np.minimum(1.0, state.intensity[rows, k] + self.severity)


class Ceasefire(_Event):
    """Ends strikes between two actors and calms their theatre."""

    type: Literal["ceasefire"]
    parties: Annotated[list[str], Field(min_length=2, max_length=2)]
    theatre: str
    relief: float = Field(default=0.3, ge=0.0, le=1.0, description="fall of theatre intensity")

    def actors(self) -> list[str]:
        return list(self.parties)

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"ceasefire {self.parties[0]}-{self.parties[1]} ({self.theatre})"

    def apply(self, state, world, rows, forced):
        a, b = (world.roster.index(p) for p in self.parties)
        k = world.roster.theatre_index(self.theatre)
        state.war[rows, a, b] = 0.0
        state.war[rows, b, a] = 0.0
        state.intensity[rows, k] = np.maximum(0.0, state.intensity[rows, k] - self.relief)
        state.intensity_base[rows, k] = np.maximum(0.0,
                                                   state.intensity_base[rows, k] - self.relief)


class LeadershipChange(_Event):
    """A change of leader that shifts the actor's domestic balance (hardline weight)."""

    type: Literal["leadership_change"]
    actor: str
    balance: float = Field(ge=0.0, le=1.0, description="new weight of the hardline faction")

    def actors(self) -> list[str]:
        return [self.actor]

    def label(self) -> str:
        return f"leadership change in {self.actor} (hardline weight {self.balance:.2f})"

    def apply(self, state, world, rows, forced):
        state.balance[rows, world.roster.index(self.actor)] = self.balance


class ArmsDelivery(_Event):
    """An arms delivery made (or pointedly withheld) by ``supplier`` to ``recipient``."""

    type: Literal["arms_delivery"]
    supplier: str
    recipient: str
    made: bool = True

    def actors(self) -> list[str]:
        return [self.supplier, self.recipient]

    def label(self) -> str:
        verb = "delivers arms to" if self.made else "withholds arms from"
        return f"{self.supplier} {verb} {self.recipient}"

    def apply(self, state, world, rows, forced):
        s, r = world.roster.index(self.supplier), world.roster.index(self.recipient)
        forced[rows, s, r] = Dyadic.TRANSFER_ARMS if self.made else Dyadic.MAINTAIN


class TheatreShock(_Event):
    """A theatre flares up or calms down; ``lasting`` also moves the level it relaxes to."""

    type: Literal["theatre_shock"]
    theatre: str
    change: float = Field(ge=-1.0, le=1.0)
    lasting: bool = False

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"{self.theatre} intensity {self.change:+.2f}" + (" (lasting)" if self.lasting
                                                                 else "")

    def apply(self, state, world, rows, forced):
        k = world.roster.theatre_index(self.theatre)
        state.intensity[rows, k] = np.clip(state.intensity[rows, k] + self.change, 0.0, 1.0)
        if self.lasting:
            state.intensity_base[rows, k] = np.clip(state.intensity_base[rows, k]
                                                    + self.change, 0.0, 1.0)


EVENT_TYPES = (Strike, Ceasefire, LeadershipChange, ArmsDelivery, TheatreShock)

Event = Annotated[Strike | Ceasefire | LeadershipChange | ArmsDelivery | TheatreShock,
                  Field(discriminator="type")]


class Hazard(BaseModel):
    """A random event: each month in [start, end) it fires with probability ``monthly_rate``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Event
    monthly_rate: float = Field(ge=0.0, le=1.0)
    start: Month | None = None
    end: Month | None = None
    evidence: str = Field(default="", description="why this rate (source or assumption)")
