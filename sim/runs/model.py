"""The Mesa model: one replicate, one agent per actor, simultaneous decisions.

Each `CountryAgent` decides its own moves (its rows of the choice arrays) from what it
perceives; the model then adjudicates the month. Decisions read the shared perception and
draw from counter-based random numbers keyed by the actor, so the agents' activation order
cannot change the outcome, and a human player can take any agent's place through
`AlignmentModel.overrides` (set before a step, applied to that month only). Random draws
are keyed by the flat (actor, partner) or (actor, theatre) index.

The model follows Mesa's conventions so that Mesa's own tools run it unchanged:
``AlignmentModel()`` runs the baseline; keyword parameters (``scenario``, ``rng``,
``months``, ``params`` or dotted parameter names, ``collect``) are what `mesa.batch_run`
and SolaraViz pass; ``rng`` is the replicate seed of the counter-based streams, so
``AlignmentModel(rng=5)`` is replicate 5 of ``sim.runs.ensemble.run_batched``, bit for bit.
The engine's own call, ``AlignmentModel(world, seed)``, is unchanged.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.core.config_errors import ConfigError
from sim.dynamics.decisions import choose
from sim.dynamics.engine import (
    MonthOpening,
    MonthResult,
    Overrides,
    apply_overrides,
    open_month,
    resolve_month,
)
from sim.dynamics.state import State, initial_state
from sim.dynamics.world import World
from sim.inputs.scenario import Scenario as ScenarioFile
from sim.runs.recording import Record, Recorder

#: The scenario a model runs when none is named.
DEFAULT_SCENARIO = "baseline"

#: The keyword parameters `AlignmentModel` takes besides dotted parameter names.
KEYWORDS = ("world", "seed", "rng", "scenario", "months", "params", "collect", "partners",
            "state", "keep_terms", "keep_actions")

_SEED_LIMIT = 2**64  # replicate seeds are uint64 (sim.core.rng)


class AlignmentScenario(MesaScenario):
    """Mesa's scenario object for this model: which scenario file it runs.

    Why: Mesa gives ``scenario`` a meaning of its own. When SolaraViz resets a model it
    passes ``scenario=<Mesa Scenario>``; holding the file's name here lets such a reset
    rebuild the same (or a newly chosen) scenario rather than fail.
    """

    scenario_name: str = DEFAULT_SCENARIO


class CountryAgent(mesa.Agent):
    """A state (or network) deciding its moves towards partners and in theatres."""

    def __init__(self, model: AlignmentModel, actor_id: str, index: int):
        super().__init__(model)
        self.actor_id = actor_id
        self.index = index

    def decide(self) -> None:
        m = self.model
        dyadic, theatre = choose(m.opening.perception, m.state, m.world, np.array([self.index]),
                                 m.overrides.dyadic)
        m.dyadic_choices[:, self.index, :] = dyadic[:, 0, :]
        m.theatre_choices[:, self.index, :] = theatre[:, 0, :]

    def alignment_towards(self, other: str) -> float:
        j = self.model.world.roster.index(other)
        return float(self.model.state.alignment[0, self.index, j])


class AlignmentModel(mesa.Model):
    """Russia-Iran alignment and its neighbours, one replicate, monthly steps.

    Args:
        world: a compiled world (the engine's call); give it or ``scenario``, not both.
        seed: the replicate seed (the engine's positional argument; Mesa's older name).
        rng: the replicate seed, Mesa's name for it (an integer in [0, 2**64), a NumPy
            Generator to draw one from, or None for a fresh one from the OS, as in Mesa).
        scenario: a scenario name in ``scenarios/`` or a ``.toml`` path (default
            ``baseline``), a loaded scenario, or the `AlignmentScenario` SolaraViz passes.
        months: stop when the run reaches this month (default: the scenario's horizon).
        params: parameter values by name (``dynamics.NAME``, ``actor.ID.PARAM``,
            ``domestic_balance.ID``, ...); dotted names given as keywords (``**kwargs``, as
            `mesa.batch_run` passes them) are added to these.
        collect: collect a `mesa.DataCollector` every month: True for the key dyads, or the
            dyads to follow (``"RUS:IRN,USA:IRN"`` or a list). Off by default, so the model
            runs at full speed; ``datacollector`` then holds the months at which it is read.
        partners: the actors each agent's alignment is reported towards (agent reporters);
            default the actors of the collected dyads, ``""`` for none.
        state, keep_terms, keep_actions: the engine's arguments (a starting state; what the
            record keeps).
    """

    def __init__(self, world: World | None = None, seed: Any = None, *, rng: Any = None,
                 scenario: str | os.PathLike | ScenarioFile | MesaScenario | None = None,
                 months: int | None = None, params: Mapping[str, float] | None = None,
                 collect: bool | str | Sequence[str] | None = None,
                 partners: str | Sequence[str] | None = None,
                 state: State | None = None, keep_terms: bool = True,
                 keep_actions: bool = True, **kwargs: Any):
        seed_value = _replicate_seed(seed, rng, scenario)
        values = _parameter_values(params, kwargs)
        stop = _months(months)
        world, name = _world(world, scenario)
        if values:
            world = _apply(world, values)
        # the reporters are chosen now only when asked for (to report a bad dyad at once);
        # otherwise when the collector is first read, so a plain run pays nothing for them
        dyads, towards = (_reporting(world, collect, partners)
                          if collect or partners is not None else (None, None))
        super().__init__(rng=seed_value,
                         scenario=AlignmentScenario(rng=seed_value, scenario_name=name))
        self.world = world
        self.seed_value = seed_value
        self.scenario_name = name
        self.params = dict(values)
        self.state = state if state is not None else initial_state(world, [seed_value])
        self.overrides = Overrides()
        self.recorder = Recorder(keep_terms=keep_terms, keep_actions=keep_actions)
        self.recorder.start(self.state)
        self.last_result: MonthResult | None = None
        for i, actor_id in enumerate(world.roster.ids):
            CountryAgent(self, actor_id, i)
        self.stop = world.horizon if stop is None else min(stop, world.horizon)
        self.running = self.state.step < self.stop
        self.dyads: list[tuple[str, str]] | None = dyads
        self.partners: list[str] | None = towards
        self.collect_monthly = bool(collect)
        self._collector: mesa.DataCollector | None = None
        if self.collect_monthly:
            self.datacollector.collect(self)

    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's collector: every month when ``collect`` was given; otherwise built on
        first reading and holding the months at which it was read (so `mesa.batch_run`,
        which reads it once at the end, gets the final month without slowing the run)."""
        if self._collector is None:
            self._collector = _collector(self)
        dc = self._collector
        if not self.collect_monthly and (not dc._collection_steps
                                         or dc._collection_steps[-1] != self.time):
            dc.collect(self)
        return dc

    def step(self) -> None:
        w, n, t = self.world, self.world.n, len(self.world.roster.theatre_ids)
        self.opening: MonthOpening = open_month(self.state, w)
        self.dyadic_choices = np.zeros((1, n, n), dtype=np.int8)
        self.theatre_choices = np.zeros((1, n, t), dtype=np.int8)
        self.agents.shuffle_do("decide")
        dyadic, theatre = apply_overrides(self.dyadic_choices, self.theatre_choices,
                                          self.opening.forced, self.overrides)
        self.overrides = Overrides()  # a player's or White's move is for one month only
        self.last_result = resolve_month(self.state, w, self.opening, dyadic, theatre,
                                         self.recorder.keep_terms)
        self.recorder.record(self.last_result, self.state)
        self.running = self.state.step < self.stop
        if self.collect_monthly:
            self._collector.collect(self)  # type: ignore[union-attr]

    def run(self) -> Record:
        while self.running:
            self.step()
        return self.record()

    def record(self) -> Record:
        return self.recorder.finish(np.array([self.seed_value], dtype=np.uint64))

    def alignment(self, source: str, target: str) -> float:
        """Alignment of ``source`` towards ``target`` this month."""
        ro = self.world.roster
        return float(self.state.alignment[0, ro.index(source), ro.index(target)])

    def mean_alignment(self) -> float:
        """Mean alignment over all ordered pairs of distinct actors this month (the
        diagonal, 1 by definition, is not a relation)."""
        a = self.state.alignment[0]
        n = a.shape[0]
        return float((a.sum() - np.trace(a)) / (n * (n - 1)))


# ------------------------------------------------------------------ checking arguments

def _problem(text: str) -> ConfigError:
    return ConfigError("AlignmentModel", [text])


def _replicate_seed(seed: Any, rng: Any, scenario: Any) -> int:
    """One integer replicate seed from Mesa's ways of giving one."""
    if seed is not None and rng is not None and not _same(seed, rng):
        raise _problem(f"seed {seed!r} and rng {rng!r} differ: they are the same replicate "
                       "seed (seed is Mesa's older name); give one")
    value = rng if rng is not None else seed
    if value is None and isinstance(scenario, MesaScenario):
        value = scenario.rng
    if value is None:  # Mesa's convention: no seed, a fresh one (kept in seed_value)
        return secrets.randbits(63)
    if isinstance(value, np.random.Generator):
        return int(value.integers(2**63))
    if isinstance(value, str) and value.strip().isdigit():  # a text box in SolaraViz
        value = int(value.strip())
    if (isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
            and 0 <= int(value) < _SEED_LIMIT):
        return int(value)
    raise _problem(f"rng: bad value {value!r}: the replicate seed must be an integer in "
                   "[0, 2**64), a numpy Generator or None")


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _parameter_values(params: Mapping[str, Any] | None, kwargs: dict[str, Any]
                      ) -> dict[str, float]:
    """``params`` and dotted keyword names as numbers; anything else is refused."""
    if params is not None and not isinstance(params, Mapping):
        raise _problem(f"params: bad value {params!r}: a mapping of parameter names to "
                       "values is required (with mesa.batch_run, give dotted names directly "
                       "as parameters)")
    unknown = [k for k in kwargs if "." not in k]
    if unknown:
        raise _problem(f"unknown keyword argument(s) {', '.join(map(repr, unknown))}; "
                       f"allowed: {', '.join(KEYWORDS)}, or a parameter name such as "
                       "dynamics.NAME, actor.ID.PARAM, domestic_balance.ID, "
                       "dyad.SRC.TGT.FIELD")
    given = dict(params or {})
    twice = [k for k in kwargs if k in given]
    if twice:
        raise _problem(f"parameter(s) {', '.join(map(repr, twice))} given both in params "
                       "and as keywords")
    given.update(kwargs)
    values, problems = {}, []
    for name, value in given.items():
        try:
            if isinstance(value, bool):
                raise TypeError
            values[str(name)] = float(value)
        except (TypeError, ValueError):
            problems.append(f"{name}: bad value {value!r}: a number is required")
    if problems:
        raise ConfigError("AlignmentModel parameters", problems)
    return values


def _months(months: Any) -> int | None:
    if months is None:
        return None
    if isinstance(months, int | np.integer) and not isinstance(months, bool) and months >= 1:
        return int(months)
    raise _problem(f"months: bad value {months!r}: a whole number of months, at least 1, "
                   "or None for the scenario's horizon")


def _world(world: World | None, scenario: Any) -> tuple[World, str]:
    """The world to run and the name of its scenario."""
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario

    if world is not None:
        if scenario is not None and not isinstance(scenario, MesaScenario):
            raise _problem("give a world or a scenario, not both")
        if not isinstance(world, World):
            raise _problem(f"world: bad value {type(world).__name__}: a "
                           "sim.dynamics.world.World is "
                           "required (or name a scenario with scenario=...)")
        return world, world.scenario.name
    if isinstance(scenario, MesaScenario):
        scenario = getattr(scenario, "scenario_name", DEFAULT_SCENARIO)
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if isinstance(scenario, ScenarioFile):
        return build_world(scenario), scenario.name
    if not isinstance(scenario, str | os.PathLike):
        raise _problem(f"scenario: bad value {scenario!r}: a scenario name (e.g. "
                       f"{DEFAULT_SCENARIO!r}) or a path to a .toml file is required")
    sc = load_scenario(scenario)  # a ConfigError lists the known scenarios
    return build_world(sc), sc.name


def _apply(world: World, values: dict[str, float]) -> World:
    """Parameter values set through the experiments' one entry point (`apply_point`),
    which checks names and ranges; its problems are relabelled as the model's."""
    from sim.inputs.experiment import apply_point

    try:
        return apply_point(world, list(values), np.array(list(values.values())))
    except ConfigError as exc:
        raise ConfigError("AlignmentModel parameters", exc.problems) from None


def _names(value: str | Sequence[Any]) -> list[str]:
    if isinstance(value, str):
        return [p for p in value.replace(",", " ").split() if p]
    return [":".join(v) if isinstance(v, tuple | list) else str(v) for v in value]


def _reporting(world: World, collect: Any, partners: Any
               ) -> tuple[list[tuple[str, str]], list[str]]:
    """The dyads of the model reporters and the partners of the agent reporters."""
    ids = world.roster.ids
    if not collect or collect is True:
        from sim.runs.reporting import key_dyads

        dyads = key_dyads(world)[:4]
    else:
        dyads, problems = [], []
        for text in _names(collect):
            pair = text.split(":")
            if len(pair) != 2 or any(p not in ids for p in pair):
                problems.append(f"collect: bad dyad {text!r}: write SOURCE:TARGET with actors "
                                f"of the scenario: {', '.join(ids)}")
            else:
                dyads.append((pair[0], pair[1]))
        if problems or not dyads:
            raise ConfigError("AlignmentModel", problems or [
                f"collect: bad value {collect!r}: True, or dyads such as 'RUS:IRN,USA:IRN'"])
    if partners is None:
        towards = list(dict.fromkeys(a for d in dyads for a in d))
    else:
        towards = _names(partners)
        bad = [p for p in towards if p not in ids]
        if bad:
            raise _problem(f"partners: unknown actor(s) {', '.join(map(repr, bad))}; allowed: "
                           f"{', '.join(ids)}")
    return dyads, towards


# ------------------------------------------------------------------ data collection

def _collector(model: AlignmentModel) -> mesa.DataCollector:
    """Reporters that read the state arrays (no copy of the state is kept)."""
    if model.dyads is None or model.partners is None:
        model.dyads, model.partners = _reporting(model.world, None, None)
    model_reporters: dict[str, Any] = {
        "month": _month, "replicate_seed": _seed, "mean_alignment": _mean}
    for a, b in model.dyads:
        model_reporters[f"{a}:{b}"] = partial(_dyad, source=a, target=b)
    agent_reporters: dict[str, Any] = {}
    if model.partners:
        agent_reporters["actor"] = "actor_id"
        for p in model.partners:
            agent_reporters[f"towards_{p}"] = partial(_towards, partner=p)
    return mesa.DataCollector(model_reporters=model_reporters,
                              agent_reporters=agent_reporters or None)


def _month(model: AlignmentModel) -> int:
    return int(model.state.step)


def _seed(model: AlignmentModel) -> int:
    return model.seed_value


def _mean(model: AlignmentModel) -> float:
    return model.mean_alignment()


def _dyad(model: AlignmentModel, source: str, target: str) -> float:
    return model.alignment(source, target)


def _towards(agent: CountryAgent, partner: str) -> float:
    """An agent's alignment towards a partner; NaN towards itself (not a relation)."""
    if agent.actor_id == partner:
        return float("nan")
    return agent.alignment_towards(partner)
