"""Injects: events White releases into the month being played.

Why through the scenario's own event types: an inject is an event like any scheduled one
(a strike, a deal, an arms delivery), validated by the same pydantic models and applied by
the same `open_month`, so it reaches alignment only through the drivers and keeps a named
cause. The catalogue offers every event of the scenario files, ready to release at any
month; an ad-hoc inject is an event written on the spot.

How it enters the month: `World` is frozen, so the session keeps its own world, made with
`dataclasses.replace(world, scheduled=...)`, whose schedule has the inject appended at the
current month (and the following ones, for an event that lasts several months), exactly
where `build_world` puts a scenario's dated events. Events fire before decisions, so an
inject changes what every actor perceives and chooses that month.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.core.config_errors import ConfigError, describe_validation_error
from sim.core.settings import get_settings
from sim.dynamics.world import World
from sim.inputs.events import Event
from sim.inputs.scenario import load_scenario
from sim.seminar.errors import SessionError

_EVENT = TypeAdapter(Event)


@dataclass(frozen=True)
class InjectEntry:
    """One event of a scenario file, offered to White."""

    key: str  # "scenario:event_id"
    scenario: str
    event_id: str
    title: str  # the event's own label
    description: str  # its note, or the scenario's title
    evidence: str  # source and quote, or the assumption, or ""
    event: Any  # the validated event (a `sim.inputs.events` model)


@dataclass(frozen=True)
class InjectCatalogue:
    entries: dict[str, InjectEntry]
    problems: tuple[str, ...]  # scenario files that could not be read, and why

    def get(self, key: str) -> InjectEntry:
        try:
            return self.entries[key]
        except KeyError:
            near = [k for k in self.entries if key.split(":")[-1] in k][:8]
            hint = f"; did you mean {', '.join(near)}" if near else ""
            raise SessionError(f"inject: bad value {key!r}: no such event in the catalogue "
                               f"(keys are scenario:event_id){hint}") from None


def _evidence(ev: Any) -> str:
    c = ev.evidence
    if c is None:
        return ""
    if c.source:
        return f"{c.source}: \"{c.quote}\" ({c.confidence} confidence)"
    return f"assumption: {c.assumption}"


@lru_cache(maxsize=4)
def _catalogue(folder: str) -> InjectCatalogue:
    entries: dict[str, InjectEntry] = {}
    problems: list[str] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            sc = load_scenario(path)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        for n, ev in enumerate(sc.events):
            eid = ev.id or f"event{n}"
            key = f"{sc.name}:{eid}"
            entries[key] = InjectEntry(key, sc.name, eid, ev.label(), ev.note or sc.title,
                                       _evidence(ev), ev)
    return InjectCatalogue(entries, tuple(problems))


def inject_catalogue(folder: Path | None = None) -> InjectCatalogue:
    """Every event of the scenario files in ``folder`` (default: the scenarios folder)."""
    return _catalogue(str(Path(folder or get_settings().scenarios_dir).resolve()))


def parse_event(data: Mapping[str, Any], where: str = "ad-hoc inject") -> Any:
    """An event from a dict, checked by the event models; `ConfigError` names each problem."""
    try:
        return _EVENT.validate_python(dict(data))
    except ValidationError as exc:
        raise ConfigError(where, describe_validation_error(exc)) from None


def check_fits(event: Any, world: World) -> None:
    """The actors and theatres the event names must be in this session's world."""
    ro = world.roster
    problems = [f"actor {a!r} is not in this session (actors: {', '.join(ro.ids)})"
                for a in event.actors() if a not in ro.ids]
    problems += [f"theatre {t!r} is not in this session (theatres: {', '.join(ro.theatre_ids)})"
                 for t in event.theatres() if t not in ro.theatre_ids]
    if problems:
        raise SessionError(f"inject {event.label()!r} cannot be released: " + "; ".join(problems))


def with_event(world: World, step: int, event: Any) -> World:
    """A world whose schedule also fires ``event`` at ``step`` (and after, if it lasts)."""
    scheduled = {k: list(v) for k, v in world.scheduled.items()}
    for k in range(step, min(step + event.duration(), world.horizon)):
        scheduled.setdefault(k, []).append(event)
    return dataclasses.replace(world, scheduled=scheduled)
