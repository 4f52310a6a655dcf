"""Scenarios: the environment of a run, as validated files in ``scenarios/``.

A scenario fixes the start, horizon and roster (actors dropped or added, parameters and
relations changed), and the treaties, sanctions regimes, scheduled events, random hazards
and domestic balances of the world. It may extend another scenario and change only what
differs (`sim.inputs.scenario_files` gives the merge rules). It also states the effects the
documents lead one to expect, against a reference scenario; the tests check them.

Loading checks everything before anything runs or is written, and reports every problem at
once: file (and line, where the text shows it), field path, bad value, what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from sim.core.calendar import Month, month_index
from sim.core.config_errors import (
    ConfigError,
    describe_validation_error,
    path_exists,
    short_value,
)
from sim.core.provenance import Citation, SignedSourced, Sourced, UnitSourced
from sim.core.settings import get_settings
from sim.inputs.events import Event, Hazard
from sim.inputs.roster import DEFAULT_ROSTER, Actor, Dyad, load_roster_file
from sim.inputs.sanctions import SanctionsRegime
from sim.inputs.scenario_files import MergedScenario, find_line, read_scenario_chain
from sim.inputs.treaties import Treaty


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StakeChange(_Strict):
    """Give an actor (possibly a new one) a stake and a position in a theatre."""

    theatre: str
    actor: str
    stake: UnitSourced
    position: SignedSourced


class ExpectedEffect(_Strict):
    """What the documents lead one to expect of this scenario against its reference.

    The effect is the difference, scenario minus reference, of the mean alignment of
    ``source -> target`` over months [first, last) after the start, paired by seed. For
    ``up`` and ``down`` the tests require its sign to be ``direction``, its size at least
    ``min_effect`` and its 95% interval to exclude zero; for ``none`` (no material effect)
    the whole 95% interval must lie within ±``min_effect`` (an equivalence test). Where the
    model disagrees with the documents, say so here (``model_agrees = false`` and why)
    rather than loosen the check.
    """

    source: str
    target: str
    direction: Literal["up", "down", "none"]
    months: tuple[int, int] = Field(default=(1, 25), description="[first, last) after start")
    min_effect: float = Field(default=0.02, ge=0.0, le=2.0)
    statement: str = Field(min_length=3)
    evidence: Citation
    model_agrees: bool = True
    disagreement: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ExpectedEffect:
        if self.months[0] < 0 or self.months[1] <= self.months[0]:
            raise ValueError(f"months {list(self.months)} must be [first, last) with "
                             "0 <= first < last")
        if not self.model_agrees and not self.disagreement:
            raise ValueError("model_agrees = false needs a 'disagreement' that says why")
        return self


class Scenario(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9_\-]+$")]
    title: str = ""
    description: str = ""
    extends: str | None = Field(default=None, description="scenario this one changes")
    standing_from: str | None = Field(
        default=None,
        description="scenario file whose starting relations fix the standing residual of "
                    "every dyad (decision record 0008); filled in by the loader with the root "
                    "of the extends chain; None: the scenario itself")
    reference: str | None = Field(default=None,
                                  description="scenario the expected effects compare with")
    start: Month = "2025-01"
    horizon_months: int = Field(default=120, ge=1, le=600)
    roster: str | None = Field(default=None, description="roster file (default: built-in)")
    drop_actors: list[str] = []
    add_actors: list[Actor] = []
    actor_params: dict[str, dict[str, Sourced]] = Field(
        default={}, description="actor id -> parameter -> new sourced value")
    dyads: list[Dyad] = Field(default=[], description="relations to set or change")
    theatre_stakes: list[StakeChange] = []
    dynamics_file: str | None = Field(
        default=None, description="dynamics table replacing the built-in one, e.g. a file "
        "written by `sim calibrate`; this scenario's own `dynamics` still override it")
    dynamics: dict[str, float] = Field(default={}, description="dynamics parameter overrides")
    domestic_balance: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = {}
    treaties: list[Treaty] = []
    sanctions: list[SanctionsRegime] = []
    events: list[Event] = []
    hazards: list[Hazard] = []
    expected: list[ExpectedEffect] = []
    remove: dict[str, list[str]] = Field(default={}, description="inherited entries to drop")

    def dynamics_path(self, base: Path | None = None) -> Path | None:
        if self.dynamics_file is None:
            return None
        p = Path(self.dynamics_file)
        return p if p.is_absolute() or base is None else base / p

    def standing_path(self, base: Path | None = None) -> Path | None:
        if self.standing_from is None:
            return None
        p = Path(self.standing_from)
        return p if p.is_absolute() or base is None else base / p

    def roster_path(self, base: Path | None = None) -> Path:
        if self.roster is None:
            return DEFAULT_ROSTER
        p = Path(self.roster)
        return p if p.is_absolute() or base is None else base / p


Problem = tuple[tuple, Any, str]  # (field path, bad value, message)


def _unique(items: list, what: str, field: str) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for n, x in enumerate(items):
        key = getattr(x, "id", None)
        if key is None:
            continue
        if key in seen:
            out.append(((field, n, "id"), key, f"{what} id {key!r} is used twice "
                                                f"(also {field}[{seen[key]}])"))
        seen[key] = n
    return out


def scenario_problems(sc: Scenario, base: Path | None = None) -> list[Problem]:
    """Checks across fields: every actor, theatre, parameter and date must exist."""
    problems: list[Problem] = []
    try:
        roster = load_roster_file(sc.roster_path(base))
    except ConfigError as exc:
        return [(("roster",), sc.roster, p) for p in exc.problems]
    all_ids = [a.id for a in roster.actors]
    new_ids = [a.id for a in sc.add_actors]
    for n, new in enumerate(new_ids):
        if new in all_ids:
            problems.append((("add_actors", n, "id"), new, f"actor {new!r} is already in the "
                                                          "roster; change it with actor_params"))
    for n, d in enumerate(sc.drop_actors):
        if d not in all_ids + new_ids:
            problems.append((("drop_actors", n), d, f"unknown actor; allowed: "
                                                    f"{', '.join(all_ids + new_ids)}"))
        if d == roster.hegemon:
            problems.append((("drop_actors", n), d, "the hegemon cannot be dropped"))
    ids = [a for a in all_ids + new_ids if a not in sc.drop_actors]
    theatres = [t.id for t in roster.theatres]

    def actor(ref: str, loc: tuple) -> None:
        if ref not in ids:
            problems.append((loc, ref, f"unknown actor; allowed: {', '.join(ids)}"))

    def theatre(ref: str, loc: tuple) -> None:
        if ref not in theatres:
            problems.append((loc, ref, f"unknown theatre; allowed: {', '.join(theatres)}"))

    end = sc.horizon_months

    def in_horizon(month: str, loc: tuple) -> None:
        if not 0 <= month_index(month, sc.start) < end:
            problems.append((loc, month, f"date outside the horizon {sc.start} + {end} months"))

    for name in sc.actor_params:
        actor(name, ("actor_params", name))
    for n, d in enumerate(sc.dyads):
        actor(d.source, ("dyads", n, "source"))
        actor(d.target, ("dyads", n, "target"))
    for n, st in enumerate(sc.theatre_stakes):
        theatre(st.theatre, ("theatre_stakes", n, "theatre"))
        actor(st.actor, ("theatre_stakes", n, "actor"))
    for name in sc.domestic_balance:
        actor(name, ("domestic_balance", name))
    problems += _unique(sc.treaties, "treaty", "treaties")
    for n, t in enumerate(sc.treaties):
        for m, p in enumerate(t.parties):
            actor(p, ("treaties", n, "parties", m))
        if month_index(t.signed, sc.start) >= end:
            problems.append((("treaties", n, "signed"), t.signed,
                             f"signed after the horizon {sc.start} + {end} months"))
    problems += _unique(sc.sanctions, "sanctions regime", "sanctions")
    for n, reg in enumerate(sc.sanctions):
        for m, p in enumerate(reg.imposers):
            actor(p, ("sanctions", n, "imposers", m))
        for m, p in enumerate(reg.targets):
            actor(p, ("sanctions", n, "targets", m))
        for m, lv in enumerate(reg.schedule):
            if month_index(lv.date, sc.start) >= end:
                problems.append((("sanctions", n, "schedule", m, "date"), lv.date,
                                 f"date outside the horizon {sc.start} + {end} months"))
    problems += _unique(sc.events, "event", "events")
    for n, ev in enumerate(sc.events):
        for a in ev.actors():
            actor(a, ("events", n, ev.type))
        for m, imp in enumerate(ev.impulses or []):
            actor(imp.source, ("events", n, "impulses", m, "source"))
            actor(imp.target, ("events", n, "impulses", m, "target"))
        for t in ev.theatres():
            theatre(t, ("events", n, "theatre"))
        if ev.date is None:
            problems.append((("events", n, "date"), None, "a scheduled event needs a date "
                                                          "(YYYY-MM)"))
        else:
            in_horizon(ev.date, ("events", n, "date"))
    problems += _unique(sc.hazards, "hazard", "hazards")
    for n, hz in enumerate(sc.hazards):
        for a in hz.event.actors():
            actor(a, ("hazards", n, "event", hz.event.type))
        for m, imp in enumerate(hz.event.impulses or []):
            actor(imp.source, ("hazards", n, "event", "impulses", m, "source"))
            actor(imp.target, ("hazards", n, "event", "impulses", m, "target"))
        for t in hz.event.theatres():
            theatre(t, ("hazards", n, "event", "theatre"))
        if hz.event.date is not None:
            problems.append((("hazards", n, "event", "date"), hz.event.date,
                             "a random event has no date; use the hazard's start and end"))
    from sim.dynamics.params import load_dynamics_file
    dyn_path = sc.dynamics_path(base)
    if dyn_path is not None:
        if not path_exists(dyn_path):
            problems.append((("dynamics_file",), sc.dynamics_file, "no such file"))
        else:
            try:
                load_dynamics_file(dyn_path)
            except ConfigError as exc:
                problems.extend((("dynamics_file",), sc.dynamics_file, f"{dyn_path}: {p}")
                                for p in exc.problems)
    standing = sc.standing_path(base)
    if standing is not None:
        if standing.suffix != ".toml" or not path_exists(standing):
            problems.append((("standing_from",), sc.standing_from,
                             "no such scenario file (a path to a .toml scenario)"))
        else:
            try:
                root = read_scenario_chain(standing, get_settings().scenarios_dir).data
                if root.get("start") is not None and root.get("start") != sc.start:
                    problems.append((("standing_from",), sc.standing_from,
                                     f"that scenario starts {root.get('start')}, this one "
                                     f"{sc.start}: the residual is fixed at a family's start"))
            except ConfigError as exc:
                problems.extend((("standing_from",), sc.standing_from, f"{standing}: {p}")
                                for p in exc.problems)
    from sim.inputs import registry  # the one declaration of what a name means and allows

    actors = [a for a in [*roster.actors, *sc.add_actors] if a.id not in sc.drop_actors]
    scope = registry.Scope(tuple(ids), frozenset(a.id for a in actors if a.domestic is not None))
    problems += registry.table_problems(sc, scope)
    for n, ex in enumerate(sc.expected):
        actor(ex.source, ("expected", n, "source"))
        actor(ex.target, ("expected", n, "target"))
        if ex.months[1] > end + 1:
            problems.append((("expected", n, "months"), list(ex.months),
                             f"window ends after the horizon ({end} months)"))
    if sc.expected and sc.reference is None:
        problems.append((("reference",), None, "expected effects need a reference scenario"))
    if sc.reference is not None and not path_exists(resolve_scenario_path(sc.reference, base)):
        problems.append((("reference",), sc.reference, "no such scenario"))
    return problems


def _path_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top level)"


def _located(merged: MergedScenario, loc: tuple, value: Any, message: str,
             look: bool = True) -> str:
    f = merged.file_of(loc)
    line = find_line(f, loc, value) if look else None
    where = f"{f}:{line}" if line else str(f)
    shown = "" if value is None else f"bad value {short_value(value)}: "
    return f"{where}: {_path_text(merged.in_file(loc))}: {shown}{message}"


#: Problems whose line is looked up in the file, and problems listed in one message.
LINES_LOOKED_UP = 100
MAX_LISTED = 200


def _listed(problems: list[str]) -> list[str]:
    """Every problem, or the first `MAX_LISTED` and how many more: nobody reads further,
    and the rest are usually the same mistake repeated."""
    if len(problems) <= MAX_LISTED:
        return problems
    return [*problems[:MAX_LISTED], f"... and {len(problems) - MAX_LISTED} more problem(s); "
                                    "fix these and validate again"]


def resolve_scenario_path(name_or_path: str | Path, base: Path | None = None) -> Path:
    """A scenario named in ``scenarios/`` (``baseline``) or a path to a ``.toml`` file.

    A relative path is taken from ``base`` (the folder of the scenario that names it) when
    given, else from the current folder (a path typed on the command line).
    """
    p = Path(name_or_path)
    if p.suffix == ".toml":
        return p if p.is_absolute() or base is None else base / p
    try:
        if p.is_file():
            return p
    except (OSError, ValueError):
        pass
    return get_settings().scenarios_dir / f"{name_or_path}.toml"


#: Fields without which the cross-field checks would mislead (dates, the actor set).
_FOUNDATIONS = ("start", "horizon_months", "roster", "drop_actors", "add_actors")


def _valid_part(data: dict[str, Any], errors: list[dict]) -> tuple[Scenario | None, dict]:
    """The scenario without its invalid fields and list entries, to cross-check the rest.

    Returns the partial scenario (None when too little is valid) and, per list field, the
    original index of each kept entry, so problems can be reported at their real place.
    """
    bad_fields: set[str] = set()
    bad_items: dict[str, set[int]] = {}
    for err in errors:
        loc = err["loc"]
        if not loc:
            return None, {}
        field = loc[0]
        if len(loc) > 1 and isinstance(loc[1], int) and isinstance(data.get(field), list):
            bad_items.setdefault(str(field), set()).add(loc[1])
        else:
            bad_fields.add(str(field))
    if bad_fields & set(_FOUNDATIONS) or set(bad_items) & set(_FOUNDATIONS):
        return None, {}
    reduced: dict[str, Any] = {}
    kept: dict[str, list[int]] = {}
    for key, value in data.items():
        if key in bad_fields:
            continue
        if key in bad_items:
            kept[key] = [n for n in range(len(value)) if n not in bad_items[key]]
            reduced[key] = [value[n] for n in kept[key]]
        else:
            reduced[key] = value
    reduced.setdefault("name", "unnamed")
    if "name" in bad_fields:
        reduced["name"] = "unnamed"
    try:
        return Scenario.model_validate(reduced), kept
    except ValidationError:
        return None, {}


def _anchor_dynamics_file(merged: MergedScenario) -> None:
    """A relative ``dynamics_file`` or ``standing_from`` is taken from the folder of the
    file that names it, so a scenario extending another finds its parent's files wherever
    the child lives."""
    for key in ("dynamics_file", "standing_from"):
        ref = merged.data.get(key)
        if isinstance(ref, str) and ref and not Path(ref).is_absolute():
            merged.data[key] = str(merged.file_of((key,)).parent / ref)


def load_scenario(name_or_path: str | Path, _visiting: frozenset[Path] = frozenset()
                  ) -> Scenario:
    """Load, merge and fully check a scenario; `ConfigError` lists every problem.

    The scenario that fixes its standing residual (``standing_from``) is loaded and checked
    too, so that a scenario that loads also builds.
    """
    path = resolve_scenario_path(name_or_path)
    scenarios_dir = get_settings().scenarios_dir
    if not path_exists(path):
        known = sorted(q.stem for q in scenarios_dir.glob("*.toml"))
        raise ConfigError(path, [f"no such scenario; known scenarios: {', '.join(known)}"])
    merged = read_scenario_chain(path, scenarios_dir)
    _anchor_dynamics_file(merged)
    if len(merged.files) > 1 and not merged.data.get("standing_from"):
        # the family's root fixes the residual when the family starts together; a scenario
        # that starts elsewhere is a family of its own
        root_start = read_scenario_chain(merged.files[-1], scenarios_dir).data.get("start")
        if root_start == merged.data.get("start"):
            merged.data["standing_from"] = str(merged.files[-1])
    try:
        sc = Scenario.model_validate(merged.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = []
        for n, (err, text) in enumerate(zip(errors, describe_validation_error(exc),
                                            strict=True)):
            loc = tuple(p for p in err["loc"]
                        if not (isinstance(p, str) and p.startswith("function-")))
            f = merged.file_of(loc)
            # each line is a search of the file: the first problems get one, which is
            # where a reader starts (a file with 500 problems took 15 s to report)
            line = find_line(f, loc, err.get("input")) if n < LINES_LOOKED_UP else None
            merged_at, file_at = _path_text(loc), _path_text(merged.in_file(loc))
            if merged_at != file_at and text.startswith(merged_at):
                text = file_at + text[len(merged_at):]  # the index in the file, not the merge
            problems.append(f"{f}:{line}: {text}" if line else f"{f}: {text}")
        # report the cross-field problems of the valid rest too: every problem at once
        partial, kept = _valid_part(merged.data, errors)
        if partial is not None:
            for loc, val, msg in scenario_problems(partial, path.parent):
                if len(loc) > 1 and loc[0] in kept and isinstance(loc[1], int):
                    loc = (loc[0], kept[loc[0]][loc[1]], *loc[2:])
                problems.append(_located(merged, loc, val, msg,
                                         look=len(problems) < LINES_LOOKED_UP))
        raise ConfigError(path, _listed(problems)) from None
    found = scenario_problems(sc, path.parent)
    if found:
        raise ConfigError(path, _listed([_located(merged, loc, val, msg,
                                                  look=n < LINES_LOOKED_UP)
                                         for n, (loc, val, msg) in enumerate(found)]))
    _check_standing_source(sc, path, _visiting)
    return sc


def _check_standing_source(sc: Scenario, path: Path, visiting: frozenset[Path]) -> None:
    standing = sc.standing_path(path.parent)
    if standing is None:
        return
    try:
        own, other = path.resolve(), standing.resolve()
    except (OSError, ValueError) as exc:
        raise ConfigError(path, [f"standing_from: not a usable path: {exc}"]) from None
    if other == own or other in visiting:
        return
    try:
        load_scenario(standing, visiting | {own})
    except ConfigError as exc:
        raise ConfigError(path, [f"{p} (in the scenario that fixes {path.name}'s standing "
                                 "residual)" for p in exc.problems]) from None
