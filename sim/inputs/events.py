"""Events: things that happen to the world at a date, or at random with a monthly hazard.

An event changes the state (a war starts, a theatre flares, a leader changes) or forces an
action (an arms delivery made or withheld), and it is an episode: it gives named dyads an
impulse that decays with its class's half-life (`sim.dynamics.episodes`, decision record 0008). Each
event type has default impulses sized in the dynamics table; an event may state its own
(``impulses``), each cited or marked as an assumption. Events never write alignment
directly, so every change keeps a named cause.

To add an event type: a pydantic class with a unique ``type`` literal and an ``apply``
method, added to `EVENT_TYPES`. Its fields are validated with the scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.actions import Dyadic
from sim.core.calendar import Month
from sim.core.provenance import Citation, UnitSourced
from sim.dynamics.episodes import EPISODE_CLASSES, class_index

if TYPE_CHECKING:
    from sim.dynamics.state import State
    from sim.dynamics.world import World


EpisodeClass = Literal[EPISODE_CLASSES]  # the classes of `sim.dynamics.episodes`, one list


class Impulse(BaseModel):
    """An episode's impulse on one relation, in latent units (about alignment units near 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    target: str
    size: float = Field(ge=-3.0, le=3.0, description="latent impulse on source->target")
    symmetric: bool = Field(default=False, description="the same impulse on target->source")
    kind: EpisodeClass | None = Field(default=None,
                                      description="episode class (default: the event's)")
    evidence: Citation | None = Field(default=None,
                                      description="why this size (default: the event's)")

    @model_validator(mode="after")
    def _distinct(self) -> Impulse:
        if self.source == self.target:
            raise ValueError("an impulse needs two different actors")
        return self


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Episode class of the event's impulses
    episode: ClassVar[str] = "diplomacy"

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = Field(
        default=None, description="name, so that a scenario extending this one can replace "
                                  "or remove the event")
    date: Month | None = Field(default=None, description="when it happens (scheduled events)")
    evidence: Citation | None = Field(default=None, description="why it happens, and when")
    note: str = ""
    impulses: list[Impulse] | None = Field(
        default=None, description="the episode's impulses; default: the type's own, sized "
                                  "in the dynamics table; [] for none")

    def actors(self) -> list[str]:
        """Actors the event names (for roster checks)."""
        return []

    def impulse_actors(self) -> list[str]:
        return [x for imp in (self.impulses or []) for x in (imp.source, imp.target)]

    def default_impulses(self, p) -> list[tuple[str, str, float]]:
        """(source, target, latent size) of the type's own impulses, from rates ``p``."""
        return []

    def add_impulses(self, state: State, world: World, rows: np.ndarray) -> None:
        """Add the episode's impulses to this month's pending ones, for ``rows``."""
        ro = world.roster
        if self.impulses is None:
            own = class_index(self.episode)
            for s, t, size in self.default_impulses(world.p):
                state.pending[rows, own, ro.index(s), ro.index(t)] += size
            return
        for imp in self.impulses:
            if imp.source not in ro.ids or imp.target not in ro.ids:
                continue  # an actor the scenario dropped
            cls = class_index(imp.kind or self.episode)
            i, j = ro.index(imp.source), ro.index(imp.target)
            state.pending[rows, cls, i, j] += imp.size
            if imp.symmetric:
                state.pending[rows, cls, j, i] += imp.size

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
    episode: ClassVar[str] = "violence"
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

    # its impulses come every month of the strikes, from the war state (sim.dynamics.engine)

    def apply(self, state, world, rows, forced):
        a, t = world.roster.index(self.attacker), world.roster.index(self.target)
        k = world.roster.theatre_index(self.theatre)
        state.war[rows, a, t] = np.maximum(state.war[rows, a, t], self.months)
        state.intensity[rows, k] = np.minimum(1.0, state.intensity[rows, k] + self.severity)


class Ceasefire(_Event):
    """Ends strikes between two actors and calms their theatre."""

    type: Literal["ceasefire"]
    episode: ClassVar[str] = "violence"
    parties: Annotated[list[str], Field(min_length=2, max_length=2)]
    theatre: str
    relief: float = Field(default=0.3, ge=0.0, le=1.0, description="fall of theatre intensity")

    def actors(self) -> list[str]:
        return list(self.parties)

    def theatres(self) -> list[str]:
        return [self.theatre]

    def label(self) -> str:
        return f"ceasefire {self.parties[0]}-{self.parties[1]} ({self.theatre})"

    def default_impulses(self, p):
        a, b = self.parties
        return [(a, b, p.impulse_ceasefire), (b, a, p.impulse_ceasefire)]

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
    episode: ClassVar[str] = "arms"
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

    def default_impulses(self, p):
        # a delivery made is the forced move's own episode (sim.dynamics.episodes); one withheld
        # is a slight to the recipient
        return [] if self.made else [(self.recipient, self.supplier, p.impulse_arms_withheld)]

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
    episode: ClassVar[str] = "upheaval"
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
    episode: ClassVar[str] = "recrimination"
    source: str
    target: str
    amount: float = Field(default=0.1, ge=0.0, le=1.0,
                          description="share of the remaining room by which distrust rises")

    def actors(self) -> list[str]:
        return [self.source, self.target]

    def label(self) -> str:
        return f"{self.source} blames {self.target}"

    def default_impulses(self, p):
        return [(self.source, self.target, -p.impulse_recrimination * self.amount)]

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
    episode: ClassVar[str] = "deal"
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

    def default_impulses(self, p):
        return [(a, b, p.impulse_deal) for a in self.parties for b in self.parties if a != b]

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


ActorField = Literal["anti_hegemony", "balance"]
DyadField = Literal["threat", "interdependence", "distrust"]
TheatreField = Literal["stake", "position", "intensity"]


class StructureValue(BaseModel):
    """One roster value set at the event's date: an actor's (``actor``), a relation's
    (``source``, ``target``) or an actor's in a theatre (``actor``, ``theatre``); the
    theatre's own intensity needs ``theatre`` only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: ActorField | DyadField | TheatreField
    value: float = Field(ge=-1.0, le=1.0)
    actor: str | None = None
    source: str | None = None
    target: str | None = None
    symmetric: bool = False
    theatre: str | None = None
    evidence: Citation | None = Field(default=None, description="default: the event's")

    @model_validator(mode="after")
    def _shape(self) -> StructureValue:
        f = self.field
        if f in ActorField.__args__:
            ok = self.actor and not (self.source or self.target or self.theatre)
            need = "'actor' only"
        elif f in DyadField.__args__:
            ok = self.source and self.target and not (self.actor or self.theatre)
            need = "'source' and 'target'"
        elif f == "intensity":
            ok = self.theatre and not (self.actor or self.source or self.target)
            need = "'theatre' only"
        else:
            ok = self.actor and self.theatre and not (self.source or self.target)
            need = "'actor' and 'theatre'"
        if not ok:
            raise ValueError(f"field {f!r} needs {need}")
        if f != "position" and self.value < 0.0:
            raise ValueError(f"{f} must be in [0, 1], got {self.value}")
        if self.source is not None and self.source == self.target:
            raise ValueError("a relation needs two different actors")
        return self


class StructureChange(_Event):
    """Roster values that change at a date: threats, interdependence, distrust, theatre
    stakes and positions, anti-hegemonic outlook, domestic balance (decision record 0008).

    How a scenario describes a period as it was (the history replay's 1990s, 2000s and
    2010s). It carries no impulse of its own: a structural change acts through the drivers,
    at the adjustment rate.
    """

    type: Literal["structure"]
    set: list[StructureValue] = Field(min_length=1)

    def actors(self) -> list[str]:
        return [x for v in self.set for x in (v.actor, v.source, v.target) if x]

    def theatres(self) -> list[str]:
        return [v.theatre for v in self.set if v.theatre]

    def label(self) -> str:
        return "structure: " + ", ".join(
            f"{v.actor or v.source or v.theatre}"
            + (f"-{v.target}" if v.target else "") + f" {v.field} {v.value:+.2f}"
            for v in self.set)

    def apply(self, state, world, rows, forced):
        ro = world.roster
        for v in self.set:
            if v.field in ("anti_hegemony", "balance"):
                getattr(state, v.field)[rows, ro.index(v.actor)] = v.value
            elif v.field in ("threat", "interdependence", "distrust"):
                i, j = ro.index(v.source), ro.index(v.target)
                arrays = ((state.interdependence, state.interdependence_base)
                          if v.field == "interdependence" else (getattr(state, v.field),))
                for arr in arrays:
                    arr[rows, i, j] = v.value
                    if v.symmetric:
                        arr[rows, j, i] = v.value
            elif v.field == "intensity":
                k = ro.theatre_index(v.theatre)
                state.intensity[rows, k] = v.value
                state.intensity_base[rows, k] = v.value
            else:
                k, i = ro.theatre_index(v.theatre), ro.index(v.actor)
                getattr(state, v.field)[rows, k, i] = v.value


EVENT_TYPES = (Strike, Ceasefire, LeadershipChange, ArmsDelivery, TheatreShock, RegimeCollapse,
               Recrimination, Deal, Corridor, PositionShift, StructureChange)
EVENT_TYPE_NAMES = tuple(t.model_fields["type"].annotation.__args__[0] for t in EVENT_TYPES)

Event = Annotated[Strike | Ceasefire | LeadershipChange | ArmsDelivery | TheatreShock
                  | RegimeCollapse | Recrimination | Deal | Corridor | PositionShift
                  | StructureChange,
                  Field(discriminator="type")]


class Hazard(BaseModel):
    """A random event: each month in [start, end) it fires with probability ``monthly_rate``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = None
    event: Event
    monthly_rate: UnitSourced
    start: Month | None = None
    end: Month | None = None
