"""The actors and their relations as data: schema, loading, and conversion to arrays.

The roster is data, not code (DESIGN.md §2): a modeller adds an actor by adding a block to
``sim/data/roster.toml``; a scenario may drop actors or add its own roster file. Every
number carries a `Sourced` provenance record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.config_errors import ConfigError, validate_file
from sim.core.paths import DATA_DIR
from sim.core.provenance import SignedSourced, Sourced, UnitSourced, in_range

DEFAULT_ROSTER = DATA_DIR / "roster.toml"


Unit = UnitSourced
Signed = SignedSourced
Rationality = Annotated[Sourced, in_range(0.0, 50.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorParams(_Strict):
    """Preference and capability parameters of one actor (see docs/ODD.md §7 for their use)."""

    power: Unit = Field(description="aggregate capability, relative to the United States")
    sanctions_exposure: Unit = Field(description="how much sanctions hurt and reorient it")
    anti_hegemony: Unit = Field(description="threat it perceives from the US-led order")
    rationality: Rationality = Field(description="logit precision of its choices")
    hedging: Unit = Field(description="propensity to hedge and mediate rather than commit")
    arms_capacity: Unit = Field(description="ability to transfer significant arms")
    arms_need: Unit = Field(description="demand for foreign arms and technology")
    sanction_capacity: Unit = Field(description="ability to impose costly sanctions")


class DomesticSpec(_Strict):
    """Two factions with different ideal alignments, and the balance between them.

    Built for Iran's security establishment ("big game") against the elected government
    ("small game"); any actor may have one.
    """

    hardline_label: str = "security establishment"
    reform_label: str = "elected government"
    balance: Unit = Field(description="weight of the hardline faction, 0..1")
    hardline: dict[str, Signed] = Field(description="hardline faction's ideal alignment, by actor")
    reform: dict[str, Signed] = Field(description="reform faction's ideal alignment, by actor")

    @model_validator(mode="after")
    def _same_targets(self) -> DomesticSpec:
        if set(self.hardline) != set(self.reform):
            raise ValueError("'hardline' and 'reform' must name the same actors")
        return self


class Actor(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$", description="two- or three-letter code")]
    name: str
    kind: Literal["state", "union", "network"] = "state"
    description: str = ""
    params: ActorParams
    domestic: DomesticSpec | None = None


class Dyad(_Strict):
    """Relation of ``source`` towards ``target``; ``symmetric`` copies it to the reverse."""

    source: str
    target: str
    symmetric: bool = False
    alignment: Signed | None = None
    distrust: Unit | None = None
    threat: Unit | None = None
    interdependence: Unit | None = None
    asks: Unit | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Dyad:
        if self.source == self.target:
            raise ValueError(f"a dyad needs two different actors, got {self.source} twice")
        return self


class TheatreStake(_Strict):
    actor: str
    stake: Unit = Field(description="how much the theatre matters to the actor")
    position: Signed = Field(description="the outcome it wants on the theatre's axis")


class Theatre(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    name: str
    axis: str = Field(description="what a position of +1 means in this theatre")
    intensity: Unit = Field(description="how active the theatre is at the start")
    competition: Unit = Field(description="how zero-sum influence is among same-side actors")
    stakes: list[TheatreStake]


DYAD_FIELDS = ("alignment", "distrust", "threat", "interdependence", "asks")


class RosterFile(_Strict):
    """The whole roster file: actors, the relations between them, and the theatres."""

    description: str = ""
    hegemon: str = Field(description="actor whose order the anti-hegemonic actors resist")
    default_alignment: Sourced = Field(description="alignment of a dyad no document speaks of")
    actors: list[Actor]
    dyads: list[Dyad] = []
    theatres: list[Theatre] = []


def dyad_values(dyads: list[Dyad], known) -> Iterator[tuple[str, str, str, float]]:
    """(field, source, target, value) for every value the blocks set, both directions of a
    symmetric block; blocks naming an actor not in ``known`` are skipped (dropped actors)."""
    for d in dyads:
        if d.source not in known or d.target not in known:
            continue
        pairs = [(d.source, d.target)] + ([(d.target, d.source)] if d.symmetric else [])
        for field in DYAD_FIELDS:
            val = getattr(d, field)
            if val is not None:
                for s, t in pairs:
                    yield field, s, t, val.value


def _cross_checks(roster: RosterFile) -> list[str]:
    """Reference checks pydantic cannot do field by field: unknown and duplicate actors."""
    problems: list[str] = []
    ids = [a.id for a in roster.actors]
    known = set(ids)
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"actors: actor id {dup!r} appears more than once")

    def check(ref: str, where: str) -> None:
        if ref not in known:
            problems.append(f"{where}: unknown actor {ref!r}; allowed: {', '.join(ids)}")

    check(roster.hegemon, "hegemon")
    for n, actor in enumerate(roster.actors):
        if actor.domestic:
            for side in ("hardline", "reform"):
                for ref in getattr(actor.domestic, side):
                    check(ref, f"actors[{n}].domestic.{side}")
    seen: dict[tuple[str, str, str], int] = {}
    for n, d in enumerate(roster.dyads):
        check(d.source, f"dyads[{n}].source")
        check(d.target, f"dyads[{n}].target")
        pairs = [(d.source, d.target)] + ([(d.target, d.source)] if d.symmetric else [])
        for field in DYAD_FIELDS:
            if getattr(d, field) is None:
                continue
            for s, t in pairs:
                if (s, t, field) in seen:
                    problems.append(f"dyads[{n}].{field}: {s}->{t} already set by "
                                    f"dyads[{seen[(s, t, field)]}]")
                seen[(s, t, field)] = n
    for n, th in enumerate(roster.theatres):
        for m, st in enumerate(th.stakes):
            check(st.actor, f"theatres[{n}].stakes[{m}].actor")
    return problems


def load_roster_file(path: Path = DEFAULT_ROSTER) -> RosterFile:
    """Load and validate a roster file; raise `ConfigError` listing every problem."""
    return validate_file(Path(path), RosterFile, extra_checks=_cross_checks)


@cache
def default_roster_file() -> RosterFile:
    return load_roster_file(DEFAULT_ROSTER)


@dataclass(frozen=True)
class Roster:
    """The roster compiled to arrays, in a fixed actor order (the order of the file)."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    source: RosterFile
    # actor vectors, shape (N,)
    power: np.ndarray
    sanctions_exposure: np.ndarray
    anti_hegemony: np.ndarray
    rationality: np.ndarray
    hedging: np.ndarray
    arms_capacity: np.ndarray
    arms_need: np.ndarray
    sanction_capacity: np.ndarray
    # dyad matrices, shape (N, N), [i, j] = i towards j
    alignment: np.ndarray
    distrust: np.ndarray
    threat: np.ndarray
    interdependence: np.ndarray
    asks: np.ndarray
    # domestic politics
    domestic_balance: np.ndarray  # (N,), 0 where the actor has no factions
    domestic_hardline: np.ndarray  # (N, N)
    domestic_reform: np.ndarray  # (N, N)
    domestic_mask: np.ndarray  # (N, N) bool
    # theatres
    theatre_ids: tuple[str, ...]
    theatre_intensity: np.ndarray  # (T,)
    theatre_competition: np.ndarray  # (T,)
    stake: np.ndarray  # (T, N)
    position: np.ndarray  # (T, N)
    hegemon: int

    @property
    def n(self) -> int:
        return len(self.ids)

    def index(self, actor_id: str) -> int:
        try:
            return self.ids.index(actor_id)
        except ValueError:
            raise KeyError(f"unknown actor {actor_id!r}; known: {', '.join(self.ids)}") from None

    def actor(self, actor_id: str) -> Actor:
        return self.source.actors[self.index(actor_id)]

    def theatre_index(self, theatre_id: str) -> int:
        try:
            return self.theatre_ids.index(theatre_id)
        except ValueError:
            raise KeyError(f"unknown theatre {theatre_id!r}; known: "
                           f"{', '.join(self.theatre_ids)}") from None


def compile_roster(spec: RosterFile, drop: tuple[str, ...] = ()) -> Roster:
    """Turn a validated roster file into arrays, leaving out the actors in ``drop``."""
    actors = [a for a in spec.actors if a.id not in drop]
    ids = tuple(a.id for a in actors)
    if spec.hegemon not in ids:
        raise ConfigError("roster", [f"hegemon {spec.hegemon!r} cannot be dropped"])
    pos = {a: i for i, a in enumerate(ids)}
    n = len(ids)

    def vec(name: str) -> np.ndarray:
        return np.array([getattr(a.params, name).value for a in actors], dtype=np.float64)

    mats = {f: np.zeros((n, n)) for f in DYAD_FIELDS}
    mats["alignment"][:] = spec.default_alignment.value
    for field, s, t, value in dyad_values(spec.dyads, pos):
        mats[field][pos[s], pos[t]] = value
    np.fill_diagonal(mats["alignment"], 1.0)
    for f in DYAD_FIELDS:
        if f != "alignment":
            np.fill_diagonal(mats[f], 0.0)

    balance = np.zeros(n)
    hard = np.zeros((n, n))
    reform = np.zeros((n, n))
    mask = np.zeros((n, n), dtype=bool)
    for i, a in enumerate(actors):
        if a.domestic is None:
            continue
        balance[i] = a.domestic.balance.value
        for ref, val in a.domestic.hardline.items():
            if ref in pos:
                j = pos[ref]
                hard[i, j] = val.value
                reform[i, j] = a.domestic.reform[ref].value
                mask[i, j] = True

    theatres = spec.theatres
    t = len(theatres)
    stake = np.zeros((t, n))
    position = np.zeros((t, n))
    for k, th in enumerate(theatres):
        for st in th.stakes:
            if st.actor in pos:
                stake[k, pos[st.actor]] = st.stake.value
                position[k, pos[st.actor]] = st.position.value

    return Roster(
        ids=ids, names=tuple(a.name for a in actors), source=spec,
        power=vec("power"), sanctions_exposure=vec("sanctions_exposure"),
        anti_hegemony=vec("anti_hegemony"), rationality=vec("rationality"),
        hedging=vec("hedging"), arms_capacity=vec("arms_capacity"),
        arms_need=vec("arms_need"), sanction_capacity=vec("sanction_capacity"),
        alignment=mats["alignment"], distrust=mats["distrust"], threat=mats["threat"],
        interdependence=mats["interdependence"], asks=mats["asks"],
        domestic_balance=balance, domestic_hardline=hard, domestic_reform=reform,
        domestic_mask=mask,
        theatre_ids=tuple(th.id for th in theatres),
        theatre_intensity=np.array([th.intensity.value for th in theatres]),
        theatre_competition=np.array([th.competition.value for th in theatres]),
        stake=stake, position=position, hegemon=pos[spec.hegemon],
    )
