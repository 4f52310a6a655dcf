"""The parameter registry: every quantity a user may vary, named one way, checked and set
in one place.

Why one registry: experiments, calibrations, the Python API and Mesa's batch runner all set
values by name. When each had its own names, checks and apply step, a typo
(``dynamics.sanction_value``) or an out-of-range value (``sanctions_value = 50``) passed
one of them silently. Here every address is declared once, with its range, unit, meaning
and provenance rule; `check` refuses unknown addresses (suggesting the near ones) and
out-of-range values for every caller, and `apply` is the one way values reach a world.

Addresses:

- ``dynamics.NAME``: a global parameter of ``sim/data/dynamics.toml``
  (`sim.dynamics.params.DYNAMICS_INFO`);
- ``actor.ID.PARAM``: an actor parameter of the roster (`sim.inputs.roster.ActorParams`);
- ``domestic_balance.ID``: the hardline faction's weight at the start, for an actor with
  domestic factions;
- ``dyad.SRC.TGT.FIELD``: a relation's initial value (`sim.inputs.roster.DYAD_FIELDS`);
- ``event.ID.FIELD`` or ``event.ID.impulses.K.size``: a numeric field of a dated event of
  the scenario, or the size of its K-th explicit impulse;
- ``dummy.NAME``: set and used by nothing, the control of a sensitivity analysis.

A scenario's own tables (``[dynamics]``, ``[actor_params.ID]``, ``[[dyads]]``,
``[domestic_balance]``) keep the file's language, because they carry citations, but are
named, checked and set as these addresses (`scenario_values`): the scenario loader checks
them with `spec` and the compile step sets them with the same function as every caller
(`sim.inputs.compile.apply_values`).

Values are set on the compiled world's inputs (rates, roster arrays, the initial state,
the events' schedule) and the standing residual is then fixed again (decision record
0008), which is what compiling the scenario with those values would give
(tests/test_registry.py checks the two agree).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from annotated_types import Ge, Le
from pydantic import BaseModel

from sim.core.config_errors import ConfigError
from sim.dynamics.params import DYNAMICS_INFO
from sim.inputs.events import Impulse
from sim.inputs.roster import DYAD_FIELDS, ActorParams

FAMILIES = ("dynamics", "actor", "domestic_balance", "dyad", "event", "dummy")

#: Allowed range, unit and meaning of each relation field an address may set.
_DYAD_INFO = {
    "alignment": (-1.0, 1.0, "alignment", "the source's initial alignment towards the target"),
    "distrust": (0.0, 1.0, "share", "the source's historical distrust of the target"),
    "threat": (0.0, 1.0, "share", "the threat the source perceives from the target"),
    "interdependence": (0.0, 1.0, "share", "trade, energy and arms ties of the source on "
                                           "the target"),
    "asks": (0.0, 1.0, "share", "what the source asks of the target (arms, cover)"),
}
_ACTOR_UNITS = {"rationality": "logit precision"}


def actor_parameter_unit(name: str) -> str:
    """The unit of an actor parameter: a share unless declared otherwise."""
    return _ACTOR_UNITS.get(name, "share")

_PROVENANCE = {
    "dynamics": "an assumption of sim/data/dynamics.toml, with its reason; calibrated or "
                "varied within its range",
    "actor": "cited per actor in the roster (sim/data/roster.toml) or marked an assumption; a "
             "varied value is an analyst's what-if",
    "domestic_balance": "cited in the roster's domestic factions; a varied value is an "
                        "analyst's what-if",
    "dyad": "cited per relation in the roster or the scenario; a varied value is an "
            "analyst's what-if",
    "event": "the event's date is cited in its scenario; its size is an assumption unless "
             "its evidence says otherwise",
    "dummy": "none: used by nothing",
}


@dataclass(frozen=True)
class Spec:
    """One settable quantity."""

    address: str
    family: str
    low: float
    high: float
    unit: str
    meaning: str
    provenance: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Scope:
    """What addresses can refer to in a scenario: its actors, which of them have domestic
    factions, and its events with ids (an unknown scope part, None, is not checked)."""

    actors: tuple[str, ...]
    factions: frozenset[str] | None = None
    events: Mapping[str, BaseModel] = field(default_factory=dict)
    name: str = ""

    @classmethod
    def of_world(cls, world: Any) -> Scope:
        ro = world.roster
        factions = frozenset(ro.ids[i] for i in range(ro.n) if ro.domestic_mask[i].any())
        events = {ev.id: ev for ev in world.scenario.events if ev.id is not None}
        return cls(tuple(ro.ids), factions, events, world.scenario.name)

    @classmethod
    def of_scenario(cls, scenario: Any, base: Path | None = None) -> Scope:
        """Without compiling the world: the roster file's actors, less those dropped, plus
        those added."""
        from sim.inputs.roster import load_roster_file

        actors = [a for a in load_roster_file(scenario.roster_path(base)).actors
                  if a.id not in scenario.drop_actors] + list(scenario.add_actors)
        factions = frozenset(a.id for a in actors if a.domestic is not None)
        events = {ev.id: ev for ev in scenario.events if ev.id is not None}
        return cls(tuple(a.id for a in actors), factions, events, scenario.name)


class AddressError(ValueError):
    """An address that names nothing settable; the message says what is allowed."""


# ----------------------------------------------------------------------------- specs

def _listed(options: Iterable[str], limit: int = 12) -> str:
    items = list(options)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _near(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _pydantic_bounds(info: Any) -> tuple[float, float] | None:
    """The interval a numeric pydantic field allows (None if it is not a float)."""
    if info is None or info.annotation not in (float, "float"):
        return None
    lo, hi = float("-inf"), float("inf")
    for m in info.metadata:
        if isinstance(m, Ge):
            lo = float(m.ge)
        elif isinstance(m, Le):
            hi = float(m.le)
    return lo, hi


def sourced_bounds(info: Any) -> tuple[float, float]:
    """The interval of a `Sourced` roster field (``in_range`` metadata)."""
    for m in info.metadata:
        func = getattr(m, "func", None)
        lo, hi = getattr(func, "low", None), getattr(func, "high", None)
        if lo is not None and hi is not None:
            return float(lo), float(hi)
    return 0.0, 1.0


def impulse_index(field_name: str) -> int | None:
    """K in ``impulses.K.size``, None for a plain field."""
    parts = field_name.split(".")
    return int(parts[1]) if len(parts) == 3 and parts[0] == "impulses" \
        and parts[1].isdigit() and parts[2] == "size" else None


def event_fields(event: BaseModel) -> list[str]:
    """The numeric fields of an event an address may set."""
    names = [f for f, info in type(event).model_fields.items()
             if _pydantic_bounds(info) is not None]
    impulses = getattr(event, "impulses", None) or []
    return names + [f"impulses.{k}.size" for k in range(len(impulses))]


def _event_spec(address: str, eid: str, fname: str, scope: Scope) -> Spec:
    if eid not in scope.events:
        raise AddressError(f"the scenario{_of(scope)} has no event {eid!r}"
                           f"{_near(eid, scope.events)}; its events: "
                           f"{_listed(scope.events) or 'none with an id'}")
    event = scope.events[eid]
    allowed = event_fields(event)
    k = impulse_index(fname)
    if fname not in allowed:
        impulses = getattr(event, "impulses", None) or []
        if k is not None and not impulses:
            raise AddressError(f"event {eid!r} states no impulses of its own (its size comes "
                               "from the dynamics table: set that impulse instead)")
        if k is not None:
            raise AddressError(f"event {eid!r} has {len(impulses)} impulse(s); allowed: "
                               + ", ".join(f"impulses.{i}.size" for i in range(len(impulses))))
        raise AddressError(f"event {eid!r} has no numeric field {fname!r}"
                           f"{_near(fname, allowed)}; allowed: {', '.join(allowed)}")
    info = Impulse.model_fields["size"] if k is not None else type(event).model_fields[fname]
    lo, hi = _pydantic_bounds(info) or (float("-inf"), float("inf"))
    return Spec(address, "event", lo, hi, "latent units" if k is not None else "as the event",
                f"{fname} of event {eid!r} ({getattr(event, 'type', 'event')})",
                _PROVENANCE["event"])


def _of(scope: Scope) -> str:
    return f" {scope.name!r}" if scope.name else ""


def _actor(actor: str, scope: Scope, what: str = "actor") -> None:
    if scope.actors and actor not in scope.actors:
        raise AddressError(f"unknown {what} {actor!r}{_near(actor, scope.actors)}; allowed: "
                           f"{_listed(scope.actors, 40)}")


def spec(address: str, scope: Scope) -> Spec:
    """The declaration of ``address`` in ``scope``; AddressError says why there is none."""
    parts = address.split(".")
    family = parts[0]
    if family not in FAMILIES:
        raise AddressError(f"unknown kind {family!r}{_near(family, FAMILIES)}; an address "
                           f"starts with one of {', '.join(FAMILIES)}")
    if family == "dynamics":
        if len(parts) != 2 or parts[1] not in DYNAMICS_INFO:
            name = parts[1] if len(parts) > 1 else ""
            raise AddressError(f"unknown dynamics parameter {name!r}"
                               f"{_near(name, DYNAMICS_INFO)}; allowed: "
                               + ", ".join(f"dynamics.{k}" for k in DYNAMICS_INFO))
        info = DYNAMICS_INFO[parts[1]]
        return Spec(address, family, info.low, info.high, info.unit, info.meaning,
                    _PROVENANCE[family])
    if family == "actor":
        fields = ActorParams.model_fields
        if len(parts) != 3:
            raise AddressError("write actor.ID.PARAM, PARAM one of " + ", ".join(fields))
        _actor(parts[1], scope)
        if parts[2] not in fields:
            raise AddressError(f"unknown actor parameter {parts[2]!r}"
                               f"{_near(parts[2], fields)}; allowed: {', '.join(fields)}")
        info = fields[parts[2]]
        lo, hi = sourced_bounds(info)
        return Spec(address, family, lo, hi, actor_parameter_unit(parts[2]),
                    f"{info.description} ({parts[1]})", _PROVENANCE[family])
    if family == "domestic_balance":
        if len(parts) != 2:
            raise AddressError("write domestic_balance.ID")
        _actor(parts[1], scope)
        if scope.factions is not None and parts[1] not in scope.factions:
            raise AddressError(f"{parts[1]} has no domestic factions; allowed: "
                               f"{', '.join(sorted(scope.factions)) or 'none'}")
        return Spec(address, family, 0.0, 1.0, "share",
                    f"weight of {parts[1]}'s hardline faction at the start",
                    _PROVENANCE[family])
    if family == "dyad":
        if len(parts) != 4:
            raise AddressError("write dyad.SRC.TGT.FIELD, FIELD one of " + ", ".join(DYAD_FIELDS))
        _actor(parts[1], scope, "source actor")
        _actor(parts[2], scope, "target actor")
        if parts[1] == parts[2]:
            raise AddressError("a relation needs two different actors")
        if parts[3] not in DYAD_FIELDS:
            raise AddressError(f"unknown relation field {parts[3]!r}"
                               f"{_near(parts[3], DYAD_FIELDS)}; allowed: "
                               f"{', '.join(DYAD_FIELDS)}")
        lo, hi, unit, meaning = _DYAD_INFO[parts[3]]
        return Spec(address, family, lo, hi, unit, f"{meaning} ({parts[1]} to {parts[2]})",
                    _PROVENANCE[family])
    if family == "event":
        if len(parts) < 3:
            raise AddressError("write event.ID.FIELD or event.ID.impulses.K.size")
        return _event_spec(address, parts[1], ".".join(parts[2:]), scope)
    if len(parts) != 2 or not parts[1]:
        raise AddressError("write dummy.NAME")
    return Spec(address, family, float("-inf"), float("inf"), "none",
                "a control used by nothing", _PROVENANCE[family])


def specs(scope: Scope) -> list[Spec]:
    """Every address of the scope (dummy aside): what `sim params` lists."""
    out = [spec(f"dynamics.{k}", scope) for k in DYNAMICS_INFO]
    out += [spec(f"actor.{a}.{p}", scope) for a in scope.actors
            for p in ActorParams.model_fields]
    out += [spec(f"domestic_balance.{a}", scope) for a in sorted(scope.factions or ())]
    out += [spec(f"dyad.{s}.{t}.{f}", scope) for s in scope.actors for t in scope.actors
            if s != t for f in DYAD_FIELDS]
    out += [spec(f"event.{eid}.{f}", scope) for eid, ev in scope.events.items()
            for f in event_fields(ev)]
    return out


@dataclass(frozen=True)
class TableValue:
    """One value a scenario's table sets, named as a registry address."""

    address: str
    value: float
    #: where the value sits in the scenario (a field path, for messages with file and line)
    loc: tuple
    #: where the name sits: the value's table key (an unknown name is reported there)
    key_loc: tuple


def scenario_values(scenario: Any, known: Iterable[str] | None = None) -> list[TableValue]:
    """The values a scenario's own tables set, in the order they apply (a later one wins):
    rates, actor parameters, relations (both directions of a symmetric block), domestic
    balances. Entries naming an actor outside ``known`` are left out (a child scenario may
    drop an actor its parent's tables name); None keeps every entry."""
    keep = None if known is None else set(known)

    def kept(*actors: str) -> bool:
        return keep is None or all(a in keep for a in actors)

    out = [TableValue(f"dynamics.{name}", float(val), ("dynamics", name), ("dynamics", name))
           for name, val in scenario.dynamics.items()]
    for actor, changes in scenario.actor_params.items():
        if kept(actor):
            out += [TableValue(f"actor.{actor}.{pname}", float(val.value),
                               ("actor_params", actor, pname, "value"),
                               ("actor_params", actor, pname))
                    for pname, val in changes.items()]
    for n, d in enumerate(scenario.dyads):
        if not kept(d.source, d.target):
            continue
        pairs = [(d.source, d.target)] + ([(d.target, d.source)] if d.symmetric else [])
        for fname in DYAD_FIELDS:
            val = getattr(d, fname)
            if val is not None:
                out += [TableValue(f"dyad.{s}.{t}.{fname}", float(val.value),
                                   ("dyads", n, fname, "value"), ("dyads", n, fname))
                        for s, t in pairs]
    out += [TableValue(f"domestic_balance.{actor}", float(val), ("domestic_balance", actor),
                       ("domestic_balance", actor))
            for actor, val in scenario.domestic_balance.items() if kept(actor)]
    return out


def table_problems(scenario: Any, scope: Scope) -> list[tuple[tuple, Any, str]]:
    """(field path, bad value, message) for every value of the scenario's tables that the
    registry refuses: an unknown name, or a value outside its allowed range."""
    found: list[tuple[tuple, Any, str]] = []
    for tv in scenario_values(scenario, scope.actors):
        try:
            s = spec(tv.address, scope)
        except AddressError as exc:
            found.append((tv.key_loc, tv.key_loc[-1], str(exc)))
            continue
        if not s.contains(tv.value):
            found.append((tv.loc, tv.value, f"outside the allowed range [{s.low}, {s.high}] "
                                            f"({s.unit})"))
    return found


# ----------------------------------------------------------------------------- checks

def problems(items: Iterable[tuple[str, str, float, float]], scope: Scope) -> list[str]:
    """Problems of (where, address, low, high) items: unknown addresses, values or ranges
    outside what the address allows, addresses given twice. Each names where it was given,
    the address, the bad value and what is allowed."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for where, address, lo, hi in items:
        if address in seen:
            out.append(f"{where}: {address!r} is given twice (first at {seen[address]})")
            continue
        seen[address] = where
        try:
            s = spec(address, scope)
        except AddressError as exc:
            out.append(f"{where}.name: bad value {address!r}: {exc}")
            continue
        if not (np.isfinite(lo) and np.isfinite(hi)):
            out.append(f"{where}: bad value for {address}: not a finite number")
        elif not (s.contains(lo) and s.contains(hi)):
            what = f"value {lo}" if lo == hi else f"range [{lo}, {hi}]"
            out.append(f"{where}: bad {what} for {address}: allowed within "
                       f"[{s.low}, {s.high}] ({s.unit})")
    return out


def check(values: Mapping[str, Any], scope: Scope, source: str = "parameters") -> dict[str, float]:
    """``values`` as floats, or ConfigError naming ``source`` and every problem."""
    found: list[str] = []
    clean: dict[str, float] = {}
    items = []
    for address, value in values.items():
        try:
            x = float(value)
        except (TypeError, ValueError):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            found.append(f"{address}: bad value {shown}: a number is required")
            continue
        clean[str(address)] = x
        items.append((str(address), str(address), x, x))
    found += problems(items, scope)
    if found:
        raise ConfigError(source, found)
    return clean


# ----------------------------------------------------------------------------- apply

def current_value(world: Any, address: str) -> float:
    """The value ``address`` has in ``world`` (the scenario's, before any change)."""
    spec(address, Scope.of_world(world))
    parts = address.split(".")
    ro = world.roster
    if parts[0] == "dynamics":
        return float(world.p[parts[1]])
    if parts[0] == "actor":
        return float(getattr(ro, parts[2])[ro.index(parts[1])])
    if parts[0] == "domestic_balance":
        return float(world.initial_balance[ro.index(parts[1])])
    if parts[0] == "dyad":
        i, j = ro.index(parts[1]), ro.index(parts[2])
        if parts[3] == "alignment":
            return float(world.initial_alignment[i, j])
        return float(getattr(ro, parts[3])[i, j])
    if parts[0] == "event":
        event = {ev.id: ev for ev in world.scenario.events}[parts[1]]
        fname = ".".join(parts[2:])
        k = impulse_index(fname)
        return float(event.impulses[k].size if k is not None else getattr(event, fname))
    return float("nan")


def with_event_values(event: BaseModel, values: Mapping[str, float]) -> BaseModel:
    """A copy of ``event`` with numeric fields and explicit impulse sizes set."""
    plain: dict[str, Any] = {f: v for f, v in values.items() if impulse_index(f) is None}
    sizes = {impulse_index(f): v for f, v in values.items() if impulse_index(f) is not None}
    if sizes:
        plain["impulses"] = [imp.model_copy(update={"size": sizes[k]}) if k in sizes else imp
                             for k, imp in enumerate(event.impulses)]  # type: ignore[attr-defined]
    return event.model_copy(update=plain)
