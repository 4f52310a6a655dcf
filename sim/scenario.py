"""Scenarios: the environment of a run, as a validated file in ``scenarios/``.

A scenario fixes the start, horizon and roster, and the treaties, sanctions regimes,
scheduled events and random hazards of the world. It is read into pydantic models, so a
bad file is refused with every problem named (file, field, value, what is allowed) before
anything runs or is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sim.calendar import Month, month_index
from sim.config_errors import ConfigError, validate_file
from sim.events import Event, Hazard
from sim.provenance import Sourced
from sim.roster import DEFAULT_ROSTER, load_roster_file
from sim.sanctions import SanctionsRegime
from sim.settings import get_settings
from sim.treaties import Treaty


def _signed(v: Sourced) -> Sourced:
    if not -1.0 <= v.value <= 1.0:
        raise ValueError(f"value {v.value} is outside the allowed range [-1, 1]")
    return v


class AlignmentOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    target: str
    value: Annotated[Sourced, AfterValidator(_signed)]
    symmetric: bool = False


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9_\-]+$")]
    title: str = ""
    description: str = ""
    start: Month = "2025-01"
    horizon_months: int = Field(default=120, ge=1, le=600)
    roster: str | None = Field(default=None, description="roster file (default: built-in)")
    drop_actors: list[str] = []
    dynamics: dict[str, float] = Field(default={}, description="dynamics parameter overrides")
    alignment: list[AlignmentOverride] = []
    domestic_balance: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = {}
    treaties: list[Treaty] = []
    sanctions: list[SanctionsRegime] = []
    events: list[Event] = []
    hazards: list[Hazard] = []

    def roster_path(self, base: Path | None = None) -> Path:
        if self.roster is None:
            return DEFAULT_ROSTER
        p = Path(self.roster)
        return p if p.is_absolute() or base is None else base / p


def scenario_problems(sc: Scenario, base: Path | None = None) -> list[str]:
    """Checks across fields: every actor, theatre and date must exist in this scenario."""
    problems: list[str] = []
    try:
        roster = load_roster_file(sc.roster_path(base))
    except ConfigError as exc:
        return [f"roster: {p}" for p in exc.problems]
    all_ids = [a.id for a in roster.actors]
    for d in sc.drop_actors:
        if d not in all_ids:
            problems.append(f"drop_actors: unknown actor {d!r}; allowed: {', '.join(all_ids)}")
    ids = [a for a in all_ids if a not in sc.drop_actors]
    theatres = [t.id for t in roster.theatres]

    def actor(ref: str, where: str) -> None:
        if ref not in ids:
            problems.append(f"{where}: unknown actor {ref!r}; allowed: {', '.join(ids)}")

    def theatre(ref: str, where: str) -> None:
        if ref not in theatres:
            problems.append(f"{where}: unknown theatre {ref!r}; allowed: {', '.join(theatres)}")

    def date(month: str | None, where: str, required: bool = True) -> None:
        if month is None:
            if required:
                problems.append(f"{where}: a scheduled event needs a date (YYYY-MM)")
            return
        k = month_index(month, sc.start)
        if not 0 <= k < sc.horizon_months:
            problems.append(f"{where}: date {month} is outside the horizon {sc.start} + "
                            f"{sc.horizon_months} months")

    for n, o in enumerate(sc.alignment):
        actor(o.source, f"alignment[{n}].source")
        actor(o.target, f"alignment[{n}].target")
    for name in sc.domestic_balance:
        actor(name, f"domestic_balance.{name}")
    for n, t in enumerate(sc.treaties):
        for m, p in enumerate(t.parties):
            actor(p, f"treaties[{n}].parties[{m}]")
    for n, reg in enumerate(sc.sanctions):
        for m, p in enumerate(reg.imposers):
            actor(p, f"sanctions[{n}].imposers[{m}]")
        for m, p in enumerate(reg.targets):
            actor(p, f"sanctions[{n}].targets[{m}]")
    for n, ev in enumerate(sc.events):
        for a in ev.actors():
            actor(a, f"events[{n}] ({ev.type})")
        for t in ev.theatres():
            theatre(t, f"events[{n}] ({ev.type})")
        date(ev.date, f"events[{n}].date")
    for n, hz in enumerate(sc.hazards):
        for a in hz.event.actors():
            actor(a, f"hazards[{n}].event ({hz.event.type})")
        for t in hz.event.theatres():
            theatre(t, f"hazards[{n}].event ({hz.event.type})")
        if hz.event.date is not None:
            problems.append(f"hazards[{n}].event.date: a random event has no date; "
                            "use the hazard's start and end")
    from sim.dynamics_params import RANGES
    for name, val in sc.dynamics.items():
        if name not in RANGES:
            problems.append(f"dynamics.{name}: unknown parameter; allowed: {', '.join(RANGES)}")
        elif not RANGES[name][0] <= val <= RANGES[name][1]:
            problems.append(f"dynamics.{name}: bad value {val}: outside the allowed range "
                            f"[{RANGES[name][0]}, {RANGES[name][1]}]")
    return problems


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A scenario named in ``scenarios/`` (``baseline``) or a path to a file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return get_settings().scenarios_dir / f"{name_or_path}.toml"


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and fully check a scenario; raise `ConfigError` listing every problem."""
    path = resolve_scenario_path(name_or_path)
    if not path.exists():
        known = sorted(q.stem for q in get_settings().scenarios_dir.glob("*.toml"))
        raise ConfigError(path, [f"no such scenario; known scenarios: {', '.join(known)}"])
    return validate_file(path, Scenario,
                         extra_checks=lambda sc: scenario_problems(sc, path.parent))
