"""Small hand-made worlds for tests, built through the same path as a real scenario.

`tiny_world` writes a roster TOML file (with a minimal TOML writer: ``tomli_w`` is not a
dependency), wraps it in a validated `Scenario`, and calls `sim.inputs.compile.build_world`, so a
test world passes every check a modeller's file would. Tests state only what matters:
numbers are plain floats here and become `Sourced` values marked as test assumptions, and
every actor parameter has a neutral default.

`driver_force` computes one driver's contribution to the target on a hand-set state with
controlled inputs (no deliveries unless given), and `only` / `maintain_all` isolate a driver
in a full `sim.dynamics.engine.advance`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.actions import Dyadic, TheatreAction
from sim.dynamics.adjudication import delivered as delivered_of
from sim.dynamics.adjudication import sanctions_in_force
from sim.dynamics.drivers import DRIVERS, TERMS, StepInputs
from sim.dynamics.engine import Overrides, driver_inputs
from sim.dynamics.params import RANGES
from sim.dynamics.state import State, initial_state, set_alignment
from sim.dynamics.world import World
from sim.inputs.compile import build_world
from sim.inputs.scenario import Scenario, scenario_problems

START = "2025-01"

#: Neutral actor: mid power, no hostility to the hegemon, no arms or sanctions capacity.
ACTOR_DEFAULTS: dict[str, float] = {
    "power": 0.5,
    "sanctions_exposure": 0.5,
    "anti_hegemony": 0.0,
    "rationality": 2.0,
    "hedging": 0.3,
    "arms_capacity": 0.0,
    "arms_need": 0.0,
    "sanction_capacity": 0.0,
}

#: Every weight that scales a driver's contribution, every episode impulse, noise, memory
#: and the standing residual: what `only` sets to 0 so that a test sees one cause alone.
DRIVER_WEIGHTS: tuple[str, ...] = (
    "threat_shared", "threat_direct", "balance_weight", "sanctions_value",
    "sanctions_resentment", "sanctions_secondary", "interdependence_weight",
    "treaty_weight", "defence_weight", "defence_third", "theatre_weight", "distrust_weight",
    "cross_pressure_weight", "domestic_weight", "reciprocity_weight", "standing_weight",
    "memory_weight", "noise_sd", *(k for k in RANGES if k.startswith("impulse_")),
)

#: Index of each named term (drivers, memory, settling, episodes, noise) in a terms array.
DRIVER_INDEX: dict[str, int] = {d.name: k for k, d in enumerate(TERMS)}


def src(value: float) -> dict[str, Any]:
    """A plain number as a `Sourced` table marked as a test assumption."""
    return {"value": float(value), "assumption": "test value"}


# ----------------------------------------------------------------------- TOML writing
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        x = float(v) if isinstance(v, float) else v
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()
                               if x is not None) + "}"
    if isinstance(v, list | tuple):
        return "[\n  " + ",\n  ".join(_toml_value(x) for x in v) + ",\n]" if v else "[]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dump_toml(doc: Mapping[str, Any]) -> str:
    """Top-level ``key = value`` lines; tables inline, arrays one element per line."""
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in doc.items() if v is not None)


# ----------------------------------------------------------------------- roster pieces
def _actor(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    """"AA" or {"id": "AA", "power": 0.9, "domestic": {...}} -> roster actor table."""
    if isinstance(spec, str):
        spec = {"id": spec}
    spec = dict(spec)
    aid = spec.pop("id")
    domestic = spec.pop("domestic", None)
    unknown = set(spec) - set(ACTOR_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown actor parameters {sorted(unknown)}")
    params = {k: src(spec.get(k, d)) for k, d in ACTOR_DEFAULTS.items()}
    out: dict[str, Any] = {"id": aid, "name": f"actor {aid}", "params": params}
    if domestic is not None:
        out["domestic"] = {
            "balance": src(domestic["balance"]),
            "hardline": {k: src(v) for k, v in domestic["hardline"].items()},
            "reform": {k: src(v) for k, v in domestic["reform"].items()},
        }
    return out


_DYAD_VALUES = ("alignment", "distrust", "threat", "interdependence", "asks")


def _dyad(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: (src(v) if k in _DYAD_VALUES else v) for k, v in spec.items()}
    out.setdefault("symmetric", False)
    return out


def _theatre(spec: Mapping[str, Any]) -> dict[str, Any]:
    """{"id": "war", "intensity": 1, "competition": 0, "stakes": {"AA": (stake, pos)}}."""
    return {
        "id": spec["id"], "name": spec.get("name", spec["id"]), "axis": "test axis",
        "intensity": src(spec.get("intensity", 1.0)),
        "competition": src(spec.get("competition", 0.0)),
        "stakes": [{"actor": a, "stake": src(s), "position": src(p)}
                   for a, (s, p) in spec["stakes"].items()],
    }


def _treaty(spec: Mapping[str, Any]) -> dict[str, Any]:
    """{"parties": [...], "strength": .5, "anchor": .5, "clauses": [("mutual_defence", breach,
    fulfil)], "signed": "2025-01", "expires": None}."""
    return {
        "id": spec.get("id", "t_" + "_".join(p.lower() for p in spec["parties"])),
        "name": spec.get("name", "test treaty"),
        "parties": list(spec["parties"]),
        "signed": spec.get("signed", START),
        "expires": spec.get("expires"),
        "strength": src(spec.get("strength", 0.5)),
        "anchor": src(spec.get("anchor", 0.5)),
        "clauses": [{"kind": k, "breach_cost": src(b), "fulfil_value": src(f)}
                    for k, b, f in spec.get("clauses", [])],
    }


def _sanction(spec: Mapping[str, Any], n: int) -> dict[str, Any]:
    """{"imposers": [...], "targets": [...], "level": 1.0, "secondary": 0.5 | None}."""
    out = {
        "id": spec.get("id", f"s{n}"), "name": spec.get("name", "test sanctions"),
        "imposers": list(spec["imposers"]), "targets": list(spec["targets"]),
        "schedule": [{"date": spec.get("date", START), "level": src(spec.get("level", 1.0))}],
    }
    if spec.get("secondary") is not None:
        out["secondary"] = src(spec["secondary"])
    return out


def roster_doc(actors: Iterable[str | Mapping[str, Any]], dyads: Iterable[Mapping] = (),
               theatres: Iterable[Mapping] = (), hegemon: str | None = None,
               default_alignment: float = 0.0) -> dict[str, Any]:
    acts = [_actor(a) for a in actors]
    return {
        "description": "hand-made test roster",
        "hegemon": hegemon or acts[0]["id"],
        "default_alignment": src(default_alignment),
        "actors": acts,
        "dyads": [_dyad(d) for d in dyads],
        "theatres": [_theatre(t) for t in theatres],
    }


def tiny_world(tmp_path: Path | None = None, *, actors: Iterable[str | Mapping[str, Any]],
               dyads: Iterable[Mapping] = (), theatres: Iterable[Mapping] = (),
               treaties: Iterable[Mapping] = (), sanctions: Iterable[Mapping] = (),
               events: Iterable[Mapping] = (), dynamics: Mapping[str, float] | None = None,
               horizon: int = 24, hegemon: str | None = None,
               default_alignment: float = 0.0) -> World:
    """Build a `World` from a hand-written roster and scenario, through `build_world`.

    Without ``tmp_path`` the roster file lives in a temporary directory only while the world
    is built (the world keeps no reference to it).
    """
    doc = roster_doc(actors, dyads, theatres, hegemon, default_alignment)
    if tmp_path is None:
        with tempfile.TemporaryDirectory() as d:
            return _build(Path(d), doc, treaties, sanctions, events, dynamics, horizon)
    return _build(Path(tmp_path), doc, treaties, sanctions, events, dynamics, horizon)


def _build(base: Path, doc, treaties, sanctions, events, dynamics, horizon) -> World:
    path = base / "roster.toml"
    path.write_text(dump_toml(doc), encoding="utf-8")
    sc = Scenario.model_validate({
        "name": "test", "start": START, "horizon_months": horizon, "roster": str(path),
        "treaties": [_treaty(t) for t in treaties],
        "sanctions": [_sanction(s, n) for n, s in enumerate(sanctions)],
        "events": list(events),
    })
    problems = scenario_problems(sc, base)
    if problems:
        raise ValueError("bad test world:\n" + "\n".join(problems))
    return build_world(sc, base, dict(dynamics or {}))


# ----------------------------------------------------------------------- states
def ix(world: World, *ids: str) -> tuple[int, ...] | int:
    """Roster indices of actor ids (one int for one id)."""
    out = tuple(world.roster.index(a) for a in ids)
    return out[0] if len(out) == 1 else out


def state_of(world: World, seeds: Iterable[int] = (0,), **pairs: Mapping) -> State:
    """Initial state, then ``field={("AA", "BB"): value, ...}`` set on every replicate.

    Dyadic fields: alignment, distrust, threat, interdependence, war, sanctions_own.
    Setting an alignment sets the dyad's latent level, memory and target with it (a state
    at rest at that alignment).
    """
    st = initial_state(world, list(seeds))
    for field, values in pairs.items():
        arr = getattr(st, field)
        for (s, t), v in values.items():
            i, j = world.roster.index(s), world.roster.index(t)
            if field == "alignment":
                set_alignment(st, slice(None), i, j, v)
                st.memory[:, i, j] = st.latent[:, i, j]
                st.target[:, i, j] = st.latent[:, i, j]
                st.previous_seen[:, i, j] = st.perceived[:, i, j]
            else:
                arr[:, i, j] = v
    return st


def set_sym(arr: np.ndarray, world: World, a: str, b: str, v: float) -> None:
    """Set a symmetric dyadic value in a state array other than alignment (for alignment,
    use `state_of`, which keeps the latent level in step)."""
    i, j = world.roster.index(a), world.roster.index(b)
    arr[:, i, j] = v
    arr[:, j, i] = v


# ----------------------------------------------------------------------- one driver
def step_inputs(state: State, world: World, *, dyadic: np.ndarray | None = None
                ) -> StepInputs:
    """What the engine gives the drivers at ``state.step`` (`sim.dynamics.engine.driver_inputs`,
    with the sanctions in force), everything the actors do set to "maintain" unless
    ``dyadic`` says otherwise: no deliveries."""
    r, n = state.replicates, world.n
    if dyadic is None:
        dyadic = np.full((r, n, n), Dyadic.MAINTAIN, dtype=np.int8)
    sanctions, _, bite = sanctions_in_force(state, world)
    return driver_inputs(world, state.step, delivered_of(dyadic), sanctions, bite)


def driver_force(name: str, state: State, world: World, **inputs: Any) -> np.ndarray:
    """Contribution (R, N, N) of the driver called ``name`` to the target (weight x input;
    see `step_inputs` for ``inputs``)."""
    d = DRIVERS[[x.name for x in DRIVERS].index(name)]
    return np.broadcast_to(d.force(state, world, step_inputs(state, world, **inputs)),
                           state.alignment.shape)


def force_at(name: str, state: State, world: World, src_id: str, dst_id: str,
             **inputs: Any) -> float:
    """One dyad's force, first replicate."""
    i, j = world.roster.index(src_id), world.roster.index(dst_id)
    return float(driver_force(name, state, world, **inputs)[0, i, j])


# ----------------------------------------------------------------------- full runs
def only(**rates: float) -> dict[str, float]:
    """Dynamics overrides with every driver weight, impulse, memory, noise and the standing
    residual 0, except those given: the relation moves towards one driver's target alone."""
    out = dict.fromkeys(DRIVER_WEIGHTS, 0.0)
    out.update(rates)
    return out


def maintain_all(world: World) -> Overrides:
    """Every actor maintains towards everyone and supports its theatres (no action effects:
    no deliveries, no signals, stocks stay at their documented levels)."""
    n, t = world.n, len(world.roster.theatre_ids)
    return Overrides(
        dyadic={(i, j): int(Dyadic.MAINTAIN) for i in range(n) for j in range(n)},
        theatre={(i, k): int(TheatreAction.SUPPORT) for i in range(n) for k in range(t)},
    )


def dyadic_actions(world: World, replicates: int = 1,
                   moves: Mapping[tuple[str, str], int] | None = None) -> np.ndarray:
    """(R, N, N) action codes: maintain everywhere except ``moves[(actor, partner)]``."""
    n = world.n
    out = np.full((replicates, n, n), Dyadic.MAINTAIN, dtype=np.int8)
    for (a, b), code in (moves or {}).items():
        out[:, world.roster.index(a), world.roster.index(b)] = code
    return out
