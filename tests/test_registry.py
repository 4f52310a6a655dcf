"""The parameter registry: one way to name a settable value, refused alike from every entry
point when misspelt or out of range, and applied as compiling would."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from sim.analysis.calibration import load_calibration
from sim.core.config_errors import ConfigError
from sim.dynamics.drivers import DRIVERS
from sim.dynamics.params import DYNAMICS_INFO, default_dynamics_file
from sim.inputs import registry
from sim.inputs.compile import build_world, set_values
from sim.inputs.experiment import load_experiment
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import run_batched

#: (address, value, what the refusal must say)
BAD = [
    ("dynamics.sanction_value", 0.5, ["unknown dynamics parameter", "sanctions_value"]),
    ("actor.IRX.power", 0.5, ["unknown actor 'IRX'", "IRN"]),
    ("dyad.IRN.RUS.trust", 0.5, ["unknown relation field 'trust'", "distrust"]),
    ("domestic_balance.RUS", 0.5, ["RUS has no domestic factions", "allowed: IRN"]),
    ("dynamics.sanctions_value", 50.0, ["50", "allowed within [0.0, 5.0]"]),
    ("actor.IRN.power", 2.0, ["2.0", "allowed within [0.0, 1.0]"]),
    ("dyad.IRN.RUS.alignment", -1.5, ["-1.5", "allowed within [-1.0, 1.0]"]),
    ("sanctions_value", 0.5, ["unknown kind 'sanctions_value'", "dynamics"]),
]


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario("baseline"))


def _refused(exc: ConfigError, address: str, pieces: list[str]) -> None:
    text = str(exc)
    assert address in text, text
    for piece in pieces:
        assert piece in text, (piece, text)


@pytest.mark.parametrize(("address", "value", "pieces"), BAD)
def test_refused_by_the_api(world, address, value, pieces):
    with pytest.raises(ConfigError) as exc:
        set_values(world, {address: value}, source="my call")
    assert "my call" in str(exc.value)
    _refused(exc.value, address, pieces)


@pytest.mark.parametrize(("address", "value", "pieces"), BAD)
def test_refused_in_an_experiment_file(tmp_path, address, value, pieces):
    path = tmp_path / "exp.toml"
    path.write_text(f'name = "e"\nscenarios = ["baseline"]\nseed = 1\n[design]\nkind = "grid"\n'
                    f'[[parameters]]\nname = "{address}"\nvalues = [{value}]\n')
    with pytest.raises(ConfigError) as exc:
        load_experiment(path)
    assert str(path) in str(exc.value)
    if address != "sanctions_value":  # refused by the file's schema before the registry
        _refused(exc.value, address, pieces)


@pytest.mark.parametrize(("address", "value", "pieces"),
                         [b for b in BAD if b[0].startswith("dynamics.")])
def test_refused_in_a_calibration_file(tmp_path, address, value, pieces):
    path = tmp_path / "cal.toml"
    path.write_text(f'name = "c"\nscenario = "baseline"\nseed = 1\n[[parameters]]\n'
                    f'name = "{address}"\nlow = {min(value, 0.0)}\nhigh = {value}\n')
    with pytest.raises(ConfigError) as exc:
        load_calibration(path)
    assert str(path) in str(exc.value)
    _refused(exc.value, address, [p for p in pieces if "allowed within" not in p])


def _as_scenario_table(address: str, value: float) -> str:
    """The scenario-file spelling of a registry address (its own tables carry citations)."""
    cited = f'{{ value = {value}, assumption = "a test value", confidence = "low" }}'
    family, *rest = address.split(".")
    if family == "dynamics":
        return f"[dynamics]\n{rest[0]} = {value}\n"
    if family == "actor":
        return f"[actor_params.{rest[0]}]\n{rest[1]} = {cited}\n"
    if family == "dyad":
        return f'[[dyads]]\nsource = "{rest[0]}"\ntarget = "{rest[1]}"\n{rest[2]} = {cited}\n'
    return f"[domestic_balance]\n{rest[0]} = {value}\n"


@pytest.mark.parametrize(("address", "value", "pieces"),
                         [b for b in BAD if "." in b[0]])
def test_refused_in_a_scenario_table(tmp_path, address, value, pieces):
    """A scenario's own tables name the same quantities: the same typos and ranges are
    refused, with the file, the table entry and the bad name or value."""
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nextends = "baseline"\n' + _as_scenario_table(address, value))
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    text = str(exc.value)
    assert str(path) in text
    name = address.split(".")[-1] if not address.startswith("actor.IRX") else "IRX"
    assert name in text, text
    if "allowed within" in " ".join(pieces):
        assert str(value) in text and "allowed" in text and "range" in text, text


def test_scenario_tables_are_named_as_registry_addresses():
    sc = load_scenario("assad_holds")
    values = registry.scenario_values(sc)
    addresses = {tv.address for tv in values}
    assert "dyad.SYR.RUS.alignment" in addresses
    assert {"dyad.SYR.IRN.alignment", "dyad.IRN.SYR.alignment"} <= addresses  # symmetric
    world = build_world(sc)
    scope = registry.Scope.of_world(world)
    for tv in values:  # each is a declared address, and compiling set it
        registry.spec(tv.address, scope)
    last = {tv.address: tv.value for tv in values}
    for address, value in last.items():
        if address.startswith("dyad.") and address.endswith(".alignment"):
            assert registry.current_value(world, address) == pytest.approx(value)


def test_a_value_set_through_the_registry_equals_one_compiled_in(tmp_path):
    """Setting values on a compiled world and fixing the residual again gives the world
    that compiling a scenario with those values gives: same rates, residual and runs."""
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nextends = "baseline"\n[dynamics]\nsanctions_value = 1.1\n'
                    'balance_weight = 0.7\n[domestic_balance]\nIRN = 0.9\n')
    compiled = build_world(load_scenario(path), tmp_path)
    applied = set_values(build_world(load_scenario("baseline")),
                             {"dynamics.sanctions_value": 1.1, "dynamics.balance_weight": 0.7,
                              "domestic_balance.IRN": 0.9})
    assert dict(compiled.p) == dict(applied.p)
    np.testing.assert_array_equal(compiled.initial_balance, applied.initial_balance)
    np.testing.assert_allclose(compiled.standing, applied.standing, rtol=0, atol=1e-12)
    seeds = np.array([4, 5], dtype=np.uint64)
    a = run_batched(compiled, seeds, months=12, keep_terms=False).alignment
    b = run_batched(applied, seeds, months=12, keep_terms=False).alignment
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)


def test_applying_changes_only_what_it_names(world):
    out = set_values(world, {"actor.IRN.power": 0.33, "dyad.IRN.RUS.distrust": 0.2})
    ro, new = world.roster, out.roster
    irn, rus = ro.index("IRN"), ro.index("RUS")
    assert new.power[irn] == 0.33 and new.distrust[irn, rus] == 0.2
    assert ro.power[irn] != 0.33, "the input world is not changed"
    changed = new.power != ro.power
    assert changed.sum() == 1
    assert registry.current_value(out, "actor.IRN.power") == 0.33


def test_event_values_reach_the_schedule():
    world = build_world(load_scenario("history"))
    scope = registry.Scope.of_world(world)
    event_specs = [s for s in registry.specs(scope) if s.family == "event"]
    assert event_specs, "the history has events with ids"
    target = next(s for s in event_specs if s.address.endswith(".size"))
    value = (target.low + min(target.high, 1.0)) / 2 if np.isfinite(target.low) else 0.1
    out = set_values(world, {target.address: value})
    assert registry.current_value(out, target.address) == pytest.approx(value)
    eid = target.address.split(".")[1]
    scheduled = [ev for evs in out.scheduled.values() for ev in evs if ev.id == eid]
    assert scheduled and all(
        ev.impulses[int(target.address.split(".")[3])].size == pytest.approx(value)
        for ev in scheduled)


def test_every_dynamics_value_is_declared_and_within_its_range():
    table = default_dynamics_file().params
    assert set(table) == set(DYNAMICS_INFO)
    for name, info in DYNAMICS_INFO.items():
        assert info.low <= table[name].value <= info.high, name
        assert info.unit and info.meaning, name


def test_each_driver_declares_exactly_the_rates_it_reads():
    """The declared rates are what the driver's module reads from ``world.p``: the tests
    and the contract checks derive their lists from these declarations."""
    for d in DRIVERS:
        source = inspect.getsource(inspect.getmodule(d.force))
        read = set(re.findall(r"\bp\.([a-z_]+)", source)) & set(DYNAMICS_INFO)
        assert set(d.rates) == read, (d.name, sorted(read))
        for rate in d.rates:
            registry.spec(f"dynamics.{rate}", registry.Scope(()))


def test_the_registry_lists_every_address_of_a_scenario(world):
    scope = registry.Scope.of_world(world)
    listed = registry.specs(scope)
    n = world.n
    families = {s.family for s in listed}
    assert families == {"dynamics", "actor", "domestic_balance", "dyad"}
    assert sum(s.family == "dyad" for s in listed) == n * (n - 1) * 5
    assert all(s.low <= s.high and s.unit and s.meaning and s.provenance for s in listed)


def test_the_command_line_lists_the_registry():
    from typer.testing import CliRunner

    from sim.cli import app

    out = CliRunner().invoke(app, ["addresses", "--family", "dynamics"])
    assert out.exit_code == 0, out.output
    assert "dynamics.sanctions_value" in out.output
    assert f"{len(DYNAMICS_INFO)} addresses" in out.output
    bad = CliRunner().invoke(app, ["addresses", "--family", "dynamic"])
    assert bad.exit_code == 2 and "allowed: dynamics" in bad.output
