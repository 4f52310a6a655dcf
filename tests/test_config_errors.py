"""Bad input gets a message naming the file, the field, the value and what is allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.core.config_errors import ConfigError
from sim.dynamics.params import DEFAULT_DYNAMICS, load_dynamics_file
from sim.inputs.compile import build_world
from sim.inputs.roster import DEFAULT_ROSTER, load_roster_file
from sim.inputs.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def _edited(tmp_path: Path, source: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {source.name}"
    out = tmp_path / name
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


def test_actor_parameter_out_of_range(tmp_path):
    text = DEFAULT_ROSTER.read_text(encoding="utf-8")
    m = re.search(r"power = \{ value = ([0-9.]+)", text)
    bad = _edited(tmp_path, DEFAULT_ROSTER, "roster.toml", m.group(0), "power = { value = 1.7")
    with pytest.raises(ConfigError) as exc:
        load_roster_file(bad)
    msg = str(exc.value)
    assert str(bad) in msg
    assert "actors[0].params.power" in msg
    assert "1.7" in msg and "[0.0, 1.0]" in msg


def test_unknown_actor_in_dyad_and_unknown_field(tmp_path):
    bad = _edited(tmp_path, DEFAULT_ROSTER, "roster.toml", 'target = "IRN"', 'target = "XYZ"')
    with pytest.raises(ConfigError) as exc:
        load_roster_file(bad)
    assert "unknown actor 'XYZ'" in str(exc.value) and "allowed: RUS, IRN" in str(exc.value)
    bad2 = _edited(tmp_path, DEFAULT_ROSTER, "roster2.toml", "[[actors]]",
                   "[[actors]]\nfavourite_colour = \"red\"")
    with pytest.raises(ConfigError) as exc:
        load_roster_file(bad2)
    assert "favourite_colour" in str(exc.value) and "unknown field" in str(exc.value)


def test_citation_without_quote_or_assumption_is_refused(tmp_path):
    text = DEFAULT_ROSTER.read_text(encoding="utf-8")
    m = re.search(r'(?m)^power = \{ value = [0-9.]+, (assumption = "[^"]*")', text)
    bad = tmp_path / "roster.toml"
    bad.write_text(text.replace(m.group(1), 'note = "no evidence"', 1), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_roster_file(bad)
    assert "mark it with 'assumption'" in str(exc.value)


def test_toml_syntax_error_gives_line(tmp_path):
    bad = tmp_path / "roster.toml"
    bad.write_text("hegemon = \n[[actors]]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_roster_file(bad)
    assert "line 1" in str(exc.value)


def test_dynamics_value_out_of_range(tmp_path):
    bad = _edited(tmp_path, DEFAULT_DYNAMICS, "dynamics.toml", "noise_sd = { value = 0.02",
                  "noise_sd = { value = 0.9")
    with pytest.raises(ConfigError) as exc:
        load_dynamics_file(bad)
    assert "params.noise_sd" in str(exc.value) and "0.9" in str(exc.value)
    assert "[0.0, 0.3]" in str(exc.value)
    with pytest.raises(ConfigError) as exc:  # overrides go through the registry
        build_world(load_scenario("baseline"), dynamics={"noise_sd": -1.0, "warp_speed": 3})
    assert "dynamics overrides" in str(exc.value)
    assert "dynamics.noise_sd" in str(exc.value) and "dynamics.warp_speed" in str(exc.value)
    assert "[0.0, 0.3]" in str(exc.value)


def test_scenario_reports_every_problem_at_once(tmp_path):
    text = BASELINE.read_text(encoding="utf-8")
    text = text.replace('parties = ["RUS", "IRN"]', 'parties = ["RUS", "ATL"]')
    text = text.replace("horizon_months = 120", "horizon_months = 120\n"
                        "dynamics = { noise_sd = 5.0 }")
    text = text.replace('theatre = "israel_axis", months = 1, severity = 0.2 }',
                        'theatre = "mars", months = 1, severity = 0.2 }', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_scenario(bad)
    problems = exc.value.problems
    joined = "\n".join(problems)
    lines = text.splitlines()
    party_line = next(n for n, t in enumerate(lines, 1) if '"ATL"' in t)
    assert f"{bad}:{party_line}: treaties[0].parties[1]: bad value 'ATL': unknown actor" in joined
    assert "dynamics.noise_sd: bad value 5.0: outside the allowed range [0.0, 0.3]" in joined
    assert "bad value 'mars': unknown theatre" in joined
    assert len(problems) == 3
