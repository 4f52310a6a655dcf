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
from sim.provenance import Citation, UnitSourced

if TYPE_CHECKING:
    from sim.state import State
    from sim.world import World


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = Field(
        default=None, description="name, so that a scenario extending this one can replace "
                                  "or remove the event")
    date: Month | None = Field(default=None, description="when it happens (scheduled events)")
    evidence: Citation | None = Field(default=None, description="why it happens, and when")
    note: str = ""

    def actors(self) -> list[str]:
        """Actors the event names (for roster checks)."""
        return []

    def duration(self) -> int:
        """Months in a row the event applies, from its date (most events: one)."""
        return 1

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
    months: int = Field(default=1, ge=1, le=120,
                        description="a programme: the delivery (or refusal) repeats monthly")

    def duration(self) -> int:
        return self.months

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


def _pairs(rows_idx: list[int]):
    return [(a, b) for a in rows_idx for b in rows_idx if a != b]


class RegimeCollapse(_Event):
    """A government falls: the faction balance flips and the theatre's positions shift.

    The new government's orientation then reaches alignment through the domestic-politics
    driver (its factions' ideals), so the realignment keeps a named cause.
    """

    type: Literal["regime_collapse"]
    actor: str
    balance: float = Field(default=0.0, ge=0.0, le=1.0,
                           description="new weight of the first (old-regime) faction")
    theatre: str | None = None
    intensity_change: float = Field(default=0.3, ge=-1.0, le=1.0)
    positions: dict[str, Annotated[float, Field(ge=-1.0, le=1.0)]] = Field(
        default={}, description="new positions of actors in the theatre after the fall")

    def actors(self) -> list[str]:
        return [self.actor, *self.positions]

    def theatres(self) -> list[str]:
        return [self.theatre] if self.theatre else []

    def label(self) -> str:
        return f"regime collapse in {self.actor}"

    def apply(self, state, world, rows, forced):
        state.balance[rows, world.roster.index(self.actor)] = self.balance
        if self.theatre:
            k = world.roster.theatre_index(self.theatre)
            state.intensity[rows, k] = np.clip(state.intensity[rows, k]
                                               + self.intensity_change, 0.0, 1.0)
            for name, pos in self.positions.items():
                state.position[rows, k, world.roster.index(name)] = pos


class Recrimination(_Event):
    """``source`` blames ``target`` (for a lost war, a betrayal): distrust rises."""

    type: Literal["recrimination"]
    source: str
    target: str
    amount: float = Field(default=0.1, ge=0.0, le=1.0,
                          description="share of the remaining room by which distrust rises")

    def actors(self) -> list[str]:
        return [self.source, self.target]

    def label(self) -> str:
        return f"{self.source} blames {self.target}"

    def apply(self, state, world, rows, forced):
        i, j = world.roster.index(self.source), world.roster.index(self.target)
        d = state.distrust[rows, i, j]
        state.distrust[rows, i, j] = d + self.amount * (1.0 - d)


class Deal(_Event):
    """A settlement among ``parties``: less mutual threat, more ties, domestic shifts.

    Sanctions relief that goes with a deal is a change of the regimes' schedules, written in
    the scenario's ``sanctions`` beside the deal.
    """

    type: Literal["deal"]
    parties: list[str] = Field(min_length=2)
    threat_relief: float = Field(default=0.5, ge=0.0, le=1.0,
                                 description="share of the parties' mutual threat removed")
    distrust_relief: float = Field(default=0.0, ge=0.0, le=1.0,
                                   description="share of mutual distrust removed")
    interdependence: float = Field(default=0.1, ge=0.0, le=1.0,
                                   description="lasting rise of the parties' mutual ties")
    balance_shift: dict[str, Annotated[float, Field(ge=-1.0, le=1.0)]] = Field(
        default={}, description="change of an actor's hardline weight, e.g. IRN = -0.15")

    def actors(self) -> list[str]:
        return [*self.parties, *self.balance_shift]

    def label(self) -> str:
        return "deal " + "-".join(self.parties)

    def apply(self, state, world, rows, forced):
        idx = [world.roster.index(p) for p in self.parties]
        for a, b in _pairs(idx):
            state.threat[rows, a, b] *= 1.0 - self.threat_relief
            state.distrust[rows, a, b] *= 1.0 - self.distrust_relief
            for arr in (state.interdependence, state.interdependence_base):
                arr[rows, a, b] = np.minimum(1.0, arr[rows, a, b] + self.interdependence)
        for name, delta in self.balance_shift.items():
            k = world.roster.index(name)
            state.balance[rows, k] = np.clip(state.balance[rows, k] + delta, 0.0, 1.0)


class Corridor(_Event):
    """A transport corridor opened or closed: the theatre flares or calms, ties move."""

    type: Literal["corridor"]
    theatre: str
    open: bool = True
    intensity_change: float = Field(default=0.3, ge=0.0, le=1.0,
                                    description="lasting rise (open) or fall (closed)")
    links: list[tuple[str, str, Annotated[float, Field(ge=-1.0, le=1.0)]]] = Field(
        default=[], description="[a, b, change] of mutual interdependence")

    def actors(self) -> list[str]:
        return [x for a, b, _ in self.links for x in (a, b)]

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"corridor {'opened' if self.open else 'closed'} ({self.theatre})"

    def apply(self, state, world, rows, forced):
        k = world.roster.theatre_index(self.theatre)
        change = self.intensity_change if self.open else -self.intensity_change
        for arr in (state.intensity, state.intensity_base):
            arr[rows, k] = np.clip(arr[rows, k] + change, 0.0, 1.0)
        for a, b, delta in self.links:
            i, j = world.roster.index(a), world.roster.index(b)
            for arr in (state.interdependence, state.interdependence_base):
                for x, y in ((i, j), (j, i)):
                    arr[rows, x, y] = np.clip(arr[rows, x, y] + delta, 0.0, 1.0)


class PositionShift(_Event):
    """An actor changes the outcome it wants in a theatre."""

    type: Literal["position_shift"]
    theatre: str
    actor: str
    position: float = Field(ge=-1.0, le=1.0)

    def actors(self) -> list[str]:
        return [self.actor]

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"{self.actor} shifts position in {self.theatre} to {self.position:+.2f}"

    def apply(self, state, world, rows, forced):
        k = world.roster.theatre_index(self.theatre)
        state.position[rows, k, world.roster.index(self.actor)] = self.position


EVENT_TYPES = (Strike, Ceasefire, LeadershipChange, ArmsDelivery, TheatreShock, RegimeCollapse,
               Recrimination, Deal, Corridor, PositionShift)
EVENT_TYPE_NAMES = tuple(t.model_fields["type"].annotation.__args__[0] for t in EVENT_TYPES)

Event = Annotated[Strike | Ceasefire | LeadershipChange | ArmsDelivery | TheatreShock
                  | RegimeCollapse | Recrimination | Deal | Corridor | PositionShift,
                  Field(discriminator="type")]


class Hazard(BaseModel):
    """A random event: each month in [start, end) it fires with probability ``monthly_rate``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = None
    event: Event
    monthly_rate: UnitSourced
    start: Month | None = None
    end: Month | None = None
