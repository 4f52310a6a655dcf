"""The scenario language works as documented (README "Writing a scenario",
sim/inputs/scenario_files.py).

Every scenario here is written into a temporary scenarios folder (``SIM_SCENARIOS_DIR``)
beside a copy of ``scenarios/baseline.toml``, so that ``extends = "baseline"`` resolves in
isolation and nothing is written into the real ``scenarios/``.
"""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app
from sim.core.config_errors import ConfigError
from sim.inputs.compile import build_world
from sim.inputs.events import EVENT_TYPE_NAMES
from sim.inputs.roster import ActorParams, default_roster_file
from sim.inputs.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
_BASE = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
#: The baseline's entries (these tests use rus_irn_csp_2025, rus_prk_2024, eu_on_iran and
#: iran_strikes_israel by name; entries are counted so that others may be added).
BASELINE_TREATIES = [t["id"] for t in _BASE["treaties"]]
BASELINE_SANCTIONS = [r["id"] for r in _BASE["sanctions"]]
BASELINE_HAZARDS = [h["id"] for h in _BASE["hazards"]]
NT, NS = len(BASELINE_TREATIES), len(BASELINE_SANCTIONS)  # index of the next one appended
CSP = BASELINE_TREATIES.index("rus_irn_csp_2025")

#: A valid provenance record to append to a value: ``{ value = 0.5, <ASSUMED> }``.
ASSUMED = 'assumption = "test value", confidence = "low"'

runner = CliRunner()


# ------------------------------------------------------------------------------- helpers




def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert exc.value.problems, "a ConfigError must list at least one problem"
    return exc.value.problems


def line_of(path: Path, needle: str) -> int:
    """The (1-based) number of the only line of ``path`` containing ``needle``."""
    hits = [n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in t]
    assert len(hits) == 1, f"test setup: {needle!r} on lines {hits} of {path.name}"
    return hits[0]


def one(problems: list[str], *needles: str) -> str:
    """The only problem containing every needle (fails listing all problems otherwise)."""
    found = [p for p in problems if all(n in p for n in needles)]
    assert len(found) == 1, f"want one problem with {needles}; got:\n" + "\n".join(problems)
    return found[0]


def ids(items) -> list[str]:
    return [x.id for x in items]


def without(items: list[str], *dropped: str) -> list[str]:
    return [x for x in items if x not in dropped]


def treaty(tid: str, parties: str = '"RUS", "CHN"', extra: str = "") -> str:
    return textwrap.dedent(f"""
        [[treaties]]
        id = "{tid}"
        name = "Treaty {tid}"
        parties = [{parties}]
        signed = "2025-06"
        strength = {{ value = 0.4, {ASSUMED} }}
        anchor = {{ value = 0.3, {ASSUMED} }}
        """) + textwrap.dedent(extra)


def regime(rid: str, level: float = 0.5, date: str = "2025-01", targets: str = '"IRN"') -> str:
    return textwrap.dedent(f"""
        [[sanctions]]
        id = "{rid}"
        name = "Regime {rid}"
        imposers = ["USA"]
        targets = [{targets}]
        schedule = [ {{ date = "{date}", level = {{ value = {level}, {ASSUMED} }} }} ]
        """)


MUTUAL_DEFENCE = f"""
[[treaties.clauses]]
kind = "mutual_defence"
breach_cost = {{ value = 0.5, {ASSUMED} }}
fulfil_value = {{ value = 0.05, {ASSUMED} }}
"""


# ------------------------------------------------------------------------------- extends


def test_child_inherits_the_world_but_not_the_parents_own_fields(scen_dir):
    base = load_scenario(scen_dir / "baseline.toml")
    assert base.title and base.description  # so that "not inherited" means something
    child = write(scen_dir, "short.toml", """
        name = "short"
        extends = "baseline"
        horizon_months = 60
        """)
    sc = load_scenario(child)
    assert sc.horizon_months == 60
    assert sc.start == base.start
    assert ids(sc.treaties) == BASELINE_TREATIES
    assert ids(sc.sanctions) == BASELINE_SANCTIONS
    assert ids(sc.hazards) == BASELINE_HAZARDS
    assert sc.treaties == base.treaties and sc.sanctions == base.sanctions
    assert sc.hazards == base.hazards
    assert (sc.name, sc.title, sc.description) == ("short", "", "")
    assert sc.extends == "baseline"


def test_reference_and_expected_are_not_inherited(scen_dir):
    write(scen_dir, "with_expectation.toml", f"""
        name = "with_expectation"
        extends = "baseline"
        title = "Parent title"
        description = "Parent description"
        reference = "baseline"
        dynamics = {{ noise_sd = 0.01 }}

        [[expected]]
        source = "RUS"
        target = "IRN"
        direction = "none"
        statement = "nothing much changes"
        evidence = {{ {ASSUMED} }}
        """)
    parent = load_scenario(scen_dir / "with_expectation.toml")
    assert parent.reference == "baseline" and len(parent.expected) == 1
    child = write(scen_dir, "grandchild.toml", """
        name = "grandchild"
        extends = "with_expectation"
        """)
    sc = load_scenario(child)
    assert sc.reference is None and sc.expected == []
    assert (sc.title, sc.description) == ("", "")
    assert sc.dynamics == {"noise_sd": 0.01}  # while the world is inherited


def test_a_child_without_a_name_is_refused(scen_dir):
    child = write(scen_dir, "anon.toml", 'extends = "baseline"\n')
    one(problems_of(child), "name", "required field is missing")


# ------------------------------------------------------------------------------- keyed lists


def test_child_entry_with_parent_id_replaces_it_in_place(scen_dir):
    child = write(scen_dir, "defence.toml", 'name = "defence"\nextends = "baseline"\n'
                  + treaty("rus_irn_csp_2025", '"RUS", "IRN"', MUTUAL_DEFENCE))
    sc = load_scenario(child)
    assert ids(sc.treaties) == BASELINE_TREATIES  # same place, no duplicate
    replaced = sc.treaties[CSP]
    assert replaced.name == "Treaty rus_irn_csp_2025"
    assert [c.kind for c in replaced.clauses] == ["mutual_defence"]
    base = load_scenario(scen_dir / "baseline.toml")
    assert [t for t in sc.treaties if t.id != "rus_irn_csp_2025"] == [
        t for t in base.treaties if t.id != "rus_irn_csp_2025"]


def test_child_entry_with_new_id_is_appended(scen_dir):
    child = write(scen_dir, "more.toml", 'name = "more"\nextends = "baseline"\n'
                  + treaty("rus_chn_2026") + regime("un_on_iran", 0.25))
    sc = load_scenario(child)
    assert ids(sc.treaties) == [*BASELINE_TREATIES, "rus_chn_2026"]
    assert ids(sc.sanctions) == [*BASELINE_SANCTIONS, "un_on_iran"]
    assert sc.sanctions[-1].schedule[0].level.value == 0.25


def test_remove_drops_inherited_entries(scen_dir):
    child = write(scen_dir, "fewer.toml", """
        name = "fewer"
        extends = "baseline"
        remove = { treaties = ["rus_prk_2024"], sanctions = ["eu_on_iran"], hazards = ["iran_strikes_israel"] }
        """)  # noqa: E501
    sc = load_scenario(child)
    assert ids(sc.treaties) == without(BASELINE_TREATIES, "rus_prk_2024")
    assert ids(sc.sanctions) == without(BASELINE_SANCTIONS, "eu_on_iran")
    assert ids(sc.hazards) == without(BASELINE_HAZARDS, "iran_strikes_israel")


def test_remove_then_add_back_under_the_same_id(scen_dir):
    child = write(scen_dir, "swap.toml", 'name = "swap"\nextends = "baseline"\n'
                  'remove = { treaties = ["rus_prk_2024"] }\n'
                  + treaty("rus_prk_2024", '"RUS", "PRK"'))
    sc = load_scenario(child)
    assert ids(sc.treaties) == [*without(BASELINE_TREATIES, "rus_prk_2024"), "rus_prk_2024"]
    assert sc.treaties[-1].name == "Treaty rus_prk_2024" and sc.treaties[-1].clauses == []


def test_removing_an_unknown_id_names_it_and_the_inherited_ids(scen_dir):
    child = write(scen_dir, "typo.toml", """
        name = "typo"
        extends = "baseline"
        remove = { treaties = ["rus_irn_2025"] }
        """)
    with pytest.raises(ConfigError) as exc:
        load_scenario(child)
    assert exc.value.path == str(child)
    p = one(exc.value.problems, "remove.treaties")
    assert "'rus_irn_2025'" in p
    assert ", ".join(BASELINE_TREATIES) in p


def test_remove_from_a_list_that_cannot_be_removed_from(scen_dir):
    child = write(scen_dir, "odd.toml", """
        name = "odd"
        extends = "baseline"
        remove = { dyads = ["RUS"] }
        """)
    p = one(problems_of(child), "remove.dyads")
    assert "treaties, sanctions, events, hazards" in p


def test_duplicate_ids_in_one_file_are_refused(scen_dir):
    path = write(scen_dir, "dup.toml", 'name = "dup"\n' + regime("twice") + regime("twice", 0.2))
    one(problems_of(path), "sanctions[1].id", "'twice'", "used twice")


def test_duplicate_ids_in_one_child_are_refused(scen_dir):
    path = write(scen_dir, "dup.toml", 'name = "dup"\nextends = "baseline"\n'
                 + regime("twice") + regime("twice", 0.2))
    one(problems_of(path), "'twice'", "used twice")


def test_remove_without_extends_is_refused(scen_dir):
    path = write(scen_dir, "lonely.toml", 'name = "lonely"\n'
                 'remove = { treaties = ["rus_irn_csp_2025"], colours = ["red"] }\n')
    problems_of(path)


# ------------------------------------------------------------------------------- merged tables


def test_dyads_tables_and_appended_lists_merge_as_documented(scen_dir):
    write(scen_dir, "parent.toml", f"""
        name = "parent"
        extends = "baseline"
        drop_actors = ["ARM"]
        dynamics = {{ noise_sd = 0.01, memory_weight = 0.1 }}
        domestic_balance = {{ IRN = 0.6, SYR = 0.2 }}

        [actor_params.IRN]
        power = {{ value = 0.3, {ASSUMED} }}
        sanctions_exposure = {{ value = 0.4, {ASSUMED} }}

        [[dyads]]
        source = "RUS"
        target = "IRN"
        alignment = {{ value = 0.4, {ASSUMED} }}
        distrust = {{ value = 0.3, {ASSUMED} }}

        [[theatre_stakes]]
        theatre = "gulf"
        actor = "CHN"
        stake = {{ value = 0.3, {ASSUMED} }}
        position = {{ value = 0.1, {ASSUMED} }}
        """)
    child = write(scen_dir, "child.toml", f"""
        name = "child"
        extends = "parent"
        drop_actors = ["AZE"]
        dynamics = {{ noise_sd = 0.03 }}
        domestic_balance = {{ IRN = 0.9 }}

        [actor_params.IRN]
        power = {{ value = 0.35, {ASSUMED} }}

        [[dyads]]
        source = "RUS"
        target = "IRN"
        alignment = {{ value = 0.6, {ASSUMED} }}

        [[dyads]]
        source = "RUS"
        target = "CHN"
        threat = {{ value = 0.1, {ASSUMED} }}

        [[theatre_stakes]]
        theatre = "gulf"
        actor = "IND"
        stake = {{ value = 0.2, {ASSUMED} }}
        position = {{ value = -0.1, {ASSUMED} }}
        """)
    sc = load_scenario(child)
    # dyads merge by (source, target): the child's fields override, the others stay
    assert [(d.source, d.target) for d in sc.dyads] == [("RUS", "IRN"), ("RUS", "CHN")]
    rus_irn = sc.dyads[0]
    assert rus_irn.alignment.value == 0.6
    assert rus_irn.distrust is not None and rus_irn.distrust.value == 0.3
    assert sc.dyads[1].threat.value == 0.1
    # tables merge key by key (actor_params one level deeper: parameter by parameter)
    assert sc.dynamics == {"noise_sd": 0.03, "memory_weight": 0.1}
    assert sc.domestic_balance == {"IRN": 0.9, "SYR": 0.2}
    assert {k: v.value for k, v in sc.actor_params["IRN"].items()} == {
        "power": 0.35, "sanctions_exposure": 0.4}
    # other lists are appended
    assert sc.drop_actors == ["ARM", "AZE"]
    assert [(s.theatre, s.actor) for s in sc.theatre_stakes] == [("gulf", "CHN"),
                                                                 ("gulf", "IND")]


# ------------------------------------------------------------------------------- chains


def test_three_level_chain_merges_in_order(scen_dir):
    write(scen_dir, "grand.toml", """
        name = "grand"
        extends = "baseline"
        horizon_months = 100
        dynamics = { noise_sd = 0.01, memory_weight = 0.1 }
        """)
    write(scen_dir, "middle.toml", 'name = "middle"\nextends = "grand"\n'
          'horizon_months = 90\ndynamics = { memory_weight = 0.2, domestic_weight = 0.3 }\n'
          + treaty("rus_chn_2026"))
    child = write(scen_dir, "leaf.toml", """
        name = "leaf"
        extends = "middle"
        dynamics = { noise_sd = 0.05 }
        remove = { treaties = ["rus_prk_2024"] }
        """)
    sc = load_scenario(child)
    assert sc.horizon_months == 90  # nearest ancestor that sets it
    assert sc.dynamics == {"noise_sd": 0.05, "memory_weight": 0.2, "domestic_weight": 0.3}
    assert ids(sc.treaties) == [*without(BASELINE_TREATIES, "rus_prk_2024"), "rus_chn_2026"]
    assert ids(sc.sanctions) == BASELINE_SANCTIONS


def test_extends_a_toml_path_resolves_beside_the_child(scen_dir, tmp_path):
    # a same-named file in the scenarios folder must not be picked instead
    write(scen_dir, "variant_base.toml", 'name = "variant_base"\nhorizon_months = 11\n')
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, "variant_base.toml", 'name = "variant_base"\nextends = "baseline"\n'
          "horizon_months = 30\n")
    child = write(elsewhere / "deeper", "variant.toml", 'name = "variant"\n'
                  'extends = "../variant_base.toml"\n')
    sc = load_scenario(child)
    assert sc.horizon_months == 30
    assert ids(sc.treaties) == BASELINE_TREATIES


def test_a_cycle_of_two_scenarios_is_refused(scen_dir):
    write(scen_dir, "ping.toml", 'name = "ping"\nextends = "pong"\n')
    write(scen_dir, "pong.toml", 'name = "pong"\nextends = "ping"\n')
    for start in ("ping", "pong"):
        p = one(problems_of(scen_dir / f"{start}.toml"), "cycle")
        assert "ping.toml" in p and "pong.toml" in p


@pytest.mark.parametrize("extends", ["myself", "myself.toml", "./myself.toml"])
def test_a_scenario_extending_itself_is_refused(scen_dir, extends):
    path = write(scen_dir, "myself.toml", f'name = "myself"\nextends = "{extends}"\n')
    one(problems_of(path), "cycle", "myself.toml")


def test_a_missing_parent_is_refused_naming_the_known_scenarios(scen_dir):
    write(scen_dir, "other.toml", 'name = "other"\nextends = "baseline"\n')
    path = write(scen_dir, "orphan.toml", 'name = "orphan"\nextends = "basline"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert exc.value.path == str(path)
    p = one(exc.value.problems, "'basline'")
    assert "known scenarios: baseline, orphan, other" in p


@pytest.mark.parametrize("value", ['""', "3", "true", '["baseline"]'])
def test_extends_must_be_a_name_or_path(scen_dir, value):
    path = write(scen_dir, "weird.toml", f'name = "weird"\nextends = {value}\n')
    one(problems_of(path), "extends", "bad value")


# ------------------------------------------------------------------------------- where errors are


def test_error_in_the_parent_names_the_parent_file_and_line(scen_dir):
    parent = write(scen_dir, "flawed.toml", 'name = "flawed"\nextends = "baseline"\n'
                   + treaty("rus_atl_2025", '"RUS", "ATL"'))
    child = write(scen_dir, "heir.toml", 'name = "heir"\nextends = "flawed"\n'
                  "horizon_months = 60\n")
    line = line_of(parent, '"ATL"')
    p = one(problems_of(child), "'ATL'")
    # the index in the file the treaty is written in (the parent's first), not in the merge
    assert p.startswith(f"{parent}:{line}: treaties[0].parties[1]: bad value 'ATL': "
                        "unknown actor; allowed: RUS, IRN, USA")
    assert str(child) not in p


def test_error_in_the_parent_schema_names_the_parent_file(scen_dir):
    parent = write(scen_dir, "flawed.toml", 'name = "flawed"\nextends = "baseline"\n'
                   "horizon_months = 0\n")
    child = write(scen_dir, "heir.toml", 'name = "heir"\nextends = "flawed"\n'
                  "dynamics = { noise_sd = 0.02 }\n")
    line = line_of(parent, "horizon_months = 0")
    p = one(problems_of(child), "horizon_months")
    assert p.startswith(f"{parent}:{line}: horizon_months: bad value 0")


def test_a_parents_syntax_error_is_reported_against_the_parent(scen_dir):
    parent = write(scen_dir, "broken.toml", 'name = "broken"\nhorizon_months = \n')
    child = write(scen_dir, "heir.toml", 'name = "heir"\nextends = "broken"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(child)
    assert exc.value.path == str(parent)
    assert "not valid TOML" in one(exc.value.problems, "line 2")


def test_unknown_party_in_a_child_treaty_gives_the_child_file_and_line(scen_dir):
    child = write(scen_dir, "atl.toml", 'name = "atl"\nextends = "baseline"\n'
                  + treaty("rus_atl_2025", '"RUS", "ATL"'))
    line = line_of(child, '"ATL"')
    p = one(problems_of(child), "'ATL'")
    assert p.startswith(f"{child}:{line}: treaties[0].parties[1]: bad value 'ATL': "
                        "unknown actor")


def test_error_in_a_replaced_entry_is_located_in_the_child(scen_dir):
    child = write(scen_dir, "atl.toml", 'name = "atl"\nextends = "baseline"\n'
                  + treaty("rus_irn_csp_2025", '"RUS", "ATL"'))
    line = line_of(child, '"ATL"')
    one(problems_of(child), f"{child}:{line}: treaties[0].parties[1]: bad value 'ATL'")


def test_entries_renumbered_by_remove_keep_their_files(scen_dir):
    """After ``remove`` shifts the parent's entries, an error still names the right file."""
    parent = write(scen_dir, "flawed.toml", 'name = "flawed"\nextends = "baseline"\n'
                   + treaty("rus_atl_2025", '"RUS", "ATL"'))
    child = write(scen_dir, "heir.toml", 'name = "heir"\nextends = "flawed"\n'
                  'remove = { treaties = ["rus_irn_csp_2025"] }\n'
                  + treaty("rus_mars_2026", '"RUS", "MRS"'))
    problems = problems_of(child)
    assert len(problems) == 2, problems
    one(problems, f"{parent}:{line_of(parent, 'ATL')}: treaties[0].parties[1]: bad value "
        "'ATL'")
    one(problems, f"{child}:{line_of(child, 'MRS')}: treaties[0].parties[1]: bad value 'MRS'")


def test_sanctions_level_out_of_range_names_the_field_and_the_range(scen_dir):
    child = write(scen_dir, "harsh.toml", 'name = "harsh"\nextends = "baseline"\n'
                  + regime("total_embargo", 1.5))
    p = one(problems_of(child), "1.5")
    assert p.startswith(str(child))
    assert "sanctions[0].schedule[0].level" in p
    assert "[0.0, 1.0]" in p


def test_event_date_outside_the_horizon(scen_dir):
    child = write(scen_dir, "late.toml", """
        name = "late"
        extends = "baseline"
        horizon_months = 12

        [[events]]
        type = "strike"
        attacker = "ISR"
        target = "IRN"
        theatre = "israel_axis"
        date = "2027-03"
        """)
    line = line_of(child, '"2027-03"')
    p = one(problems_of(child), "events[0].date")
    assert p.startswith(f"{child}:{line}: events[0].date: bad value '2027-03'")
    assert "outside the horizon 2025-01 + 12 months" in p


def test_event_before_the_start_is_outside_the_horizon(scen_dir):
    child = write(scen_dir, "early.toml", """
        name = "early"
        extends = "baseline"

        [[events]]
        type = "leadership_change"
        actor = "IRN"
        balance = 0.2
        date = "2024-12"
        """)
    one(problems_of(child), "events[0].date", "outside the horizon")


def test_a_treaty_needs_at_least_two_parties(scen_dir):
    child = write(scen_dir, "solo.toml", 'name = "solo"\nextends = "baseline"\n'
                  + treaty("solo", '"RUS"'))
    p = one(problems_of(child), "treaties[0].parties")
    assert "at least 2" in p and p.startswith(str(child))


def test_a_clause_with_the_wrong_trigger_is_refused(scen_dir):
    clause = MUTUAL_DEFENCE.replace('kind = "mutual_defence"',
                                    'kind = "mutual_defence"\ntrigger = "in_force"')
    child = write(scen_dir, "trig.toml", 'name = "trig"\nextends = "baseline"\n'
                  + treaty("rus_irn_csp_2025", '"RUS", "IRN"', clause))
    p = one(problems_of(child), f"treaties[{CSP}].clauses[0]")
    assert "'mutual_defence' is triggered by 'attack_on_party', not 'in_force'" in p


def test_an_unknown_clause_trigger_or_kind_lists_the_allowed_ones(scen_dir):
    clause = MUTUAL_DEFENCE.replace('kind = "mutual_defence"',
                                    'kind = "mutual_offence"\ntrigger = "whenever"')
    child = write(scen_dir, "trig.toml", 'name = "trig"\nextends = "baseline"\n'
                  + treaty("rus_irn_csp_2025", '"RUS", "IRN"', clause))
    problems = problems_of(child)
    kind = one(problems, f"treaties[{CSP}].clauses[0].kind", "'mutual_offence'")
    assert "'mutual_defence'" in kind and "'no_sanctions_on_partner'" in kind
    trigger = one(problems, f"treaties[{CSP}].clauses[0].trigger", "'whenever'")
    assert "'attack_on_party'" in trigger and "'in_force'" in trigger


def test_expected_effects_without_a_reference_are_refused(scen_dir):
    child = write(scen_dir, "hope.toml", f"""
        name = "hope"
        extends = "baseline"

        [[expected]]
        source = "RUS"
        target = "IRN"
        direction = "up"
        statement = "closer ties"
        evidence = {{ {ASSUMED} }}
        """)
    p = one(problems_of(child), "reference")
    assert "expected effects need a reference scenario" in p


def test_a_reference_that_does_not_exist_is_refused(scen_dir):
    child = write(scen_dir, "ref.toml", 'name = "ref"\nextends = "baseline"\n'
                  'reference = "no_such_thing"\n')
    one(problems_of(child), "reference", "'no_such_thing'", "no such scenario")


def test_an_unknown_event_type_lists_the_allowed_types(scen_dir):
    child = write(scen_dir, "magic.toml", """
        name = "magic"
        extends = "baseline"

        [[events]]
        type = "teleport"
        date = "2025-03"
        """)
    p = one(problems_of(child), "events[0]", "'teleport'")
    assert p.startswith(str(child))
    for name in EVENT_TYPE_NAMES:
        assert f"'{name}'" in p


@pytest.mark.parametrize("month", ["2025-1", "25-01", "2025-13", "2025-00", "2025/01"])
def test_months_must_be_written_yyyy_mm(scen_dir, month):
    child = write(scen_dir, "when.toml", f'name = "when"\nextends = "baseline"\n'
                  f'start = "{month}"\n')
    one(problems_of(child), "start", "YYYY-MM")


@pytest.mark.parametrize("month", ["2025-01\\n", "\\u0662\\u0660\\u0662\\u0665-\\u0660\\u0661"])
def test_months_with_a_newline_or_foreign_digits_are_refused(scen_dir, month):
    child = write(scen_dir, "when.toml", f'name = "when"\nextends = "baseline"\n'
                  f'start = "{month}"\n')
    one(problems_of(child), "start", "YYYY-MM")


# ---------------------------------------------------------------------- every problem at once


def test_four_independent_reference_problems_give_four_lines(scen_dir):
    child = write(scen_dir, "four.toml", 'name = "four"\nextends = "baseline"\n'
                  "horizon_months = 24\ndynamics = { noise_sd = 5.0 }\n"
                  + treaty("rus_atl_2025", '"RUS", "ATL"') + textwrap.dedent("""
                  [[events]]
                  type = "strike"
                  attacker = "ISR"
                  target = "IRN"
                  theatre = "mars"
                  date = "2025-03"

                  [[events]]
                  type = "leadership_change"
                  actor = "IRN"
                  balance = 0.3
                  date = "2030-01"
                  """))
    problems = problems_of(child)
    assert len(problems) == 4, problems
    one(problems, "treaties[0].parties[1]", "'ATL'", "unknown actor")
    one(problems, "dynamics.noise_sd", "5.0", "[0.0, 0.3]")
    one(problems, "'mars'", "unknown theatre")
    one(problems, "events[1].date", "'2030-01'", "outside the horizon")
    assert all(p.startswith(str(child)) for p in problems)


def test_four_independent_schema_problems_give_four_lines(scen_dir):
    child = write(scen_dir, "four.toml", 'name = "four"\nextends = "baseline"\n'
                  'horizon_months = 0\nstart = "2025-13"\nfavourite_colour = "red"\n'
                  + regime("total_embargo", 1.5))
    problems = problems_of(child)
    assert len(problems) == 4, problems
    one(problems, "horizon_months", "bad value 0")
    one(problems, "start", "'2025-13'", "YYYY-MM")
    one(problems, "favourite_colour", "unknown field")
    one(problems, "sanctions[0].schedule[0].level", "[0.0, 1.0]")


def test_four_problems_of_both_kinds_give_four_lines(scen_dir):
    child = write(scen_dir, "mixed.toml", 'name = "mixed"\nextends = "baseline"\n'
                  "horizon_months = 24\ndynamics = { noise_sd = 5.0 }\n"
                  + treaty("rus_atl_2025", '"RUS", "ATL"')
                  + regime("total_embargo", 1.5)
                  + regime("late_regime", 0.5, date="2030-01"))
    problems = problems_of(child)
    assert len(problems) == 4, problems


# ------------------------------------------------------------------------------- roster changes


def _new_actor(aid: str = "KAZ") -> str:
    params = "\n".join(f"{p} = {{ value = {5.0 if p == 'rationality' else 0.3}, {ASSUMED} }}"
                       for p in ActorParams.model_fields)
    return f'[[add_actors]]\nid = "{aid}"\nname = "Kazakhstan"\n[add_actors.params]\n{params}\n'


def test_a_new_actor_with_params_dyads_and_stakes_enters_the_world(scen_dir):
    child = write(scen_dir, "kaz.toml", 'name = "kaz"\nextends = "baseline"\n'
                  + _new_actor() + textwrap.dedent(f"""
                  [actor_params.KAZ]
                  power = {{ value = 0.07, {ASSUMED} }}

                  [[dyads]]
                  source = "KAZ"
                  target = "RUS"
                  symmetric = true
                  alignment = {{ value = 0.7, {ASSUMED} }}
                  interdependence = {{ value = 0.6, {ASSUMED} }}

                  [[theatre_stakes]]
                  theatre = "central_asia"
                  actor = "KAZ"
                  stake = {{ value = 0.9, {ASSUMED} }}
                  position = {{ value = -0.4, {ASSUMED} }}
                  """))
    sc = load_scenario(child)
    world = build_world(sc, child.parent)
    r = world.roster
    base_ids = tuple(a.id for a in default_roster_file().actors)
    assert r.ids == (*base_ids, "KAZ")
    k, rus, irn = r.index("KAZ"), r.index("RUS"), r.index("IRN")
    assert r.alignment[k, rus] == r.alignment[rus, k] == 0.7
    assert r.interdependence[k, rus] == r.interdependence[rus, k] == 0.6
    assert r.alignment[k, k] == 1.0
    assert r.alignment[k, irn] == default_roster_file().default_alignment.value
    assert r.power[k] == pytest.approx(0.07)  # actor_params apply to new actors too
    assert r.hedging[k] == pytest.approx(0.3)
    t = r.theatre_index("central_asia")
    assert r.stake[t, k] == 0.9 and r.position[t, k] == -0.4
    assert world.initial_alignment[k, rus] == 0.7


def test_adding_an_actor_that_exists_is_refused(scen_dir):
    child = write(scen_dir, "twice.toml", 'name = "twice"\nextends = "baseline"\n'
                  + _new_actor("IRN"))
    one(problems_of(child), "add_actors[0].id", "'IRN'", "already in the roster")


def test_a_new_actor_needs_all_its_params(scen_dir):
    text = _new_actor().replace("hedging = ", "hedgeing = ")
    child = write(scen_dir, "kaz.toml", 'name = "kaz"\nextends = "baseline"\n' + text)
    problems = problems_of(child)
    one(problems, "add_actors[0].params.hedging", "required field is missing")
    one(problems, "add_actors[0].params.hedgeing", "unknown field")


def test_actor_params_out_of_range_or_unknown_are_refused(scen_dir):
    child = write(scen_dir, "params.toml", f"""
        name = "params"
        extends = "baseline"

        [actor_params.IRN]
        sanctions_exposure = {{ value = 1.5, {ASSUMED} }}
        charisma = {{ value = 0.5, {ASSUMED} }}

        [actor_params.ATL]
        power = {{ value = 0.5, {ASSUMED} }}
        """)
    problems = problems_of(child)
    assert len(problems) == 3, problems
    rng = one(problems, "actor_params.IRN.sanctions_exposure")
    assert rng.startswith(f"{child}:{line_of(child, '1.5')}:")
    assert "1.5" in rng and "[0.0, 1.0]" in rng
    unknown = one(problems, "actor_params.IRN.charisma")
    assert "unknown actor parameter 'charisma'; allowed: " + ", ".join(ActorParams.model_fields) \
        in unknown
    one(problems, "actor_params.ATL", "'ATL'", "unknown actor")


def test_actor_params_without_provenance_are_refused(scen_dir):
    child = write(scen_dir, "bare.toml", """
        name = "bare"
        extends = "baseline"
        actor_params = { IRN = { sanctions_exposure = { value = 0.2 } } }
        """)
    one(problems_of(child), "actor_params.IRN.sanctions_exposure", "assumption")


def test_changing_sanctions_exposure_changes_the_world(scen_dir):
    base = build_world(load_scenario(scen_dir / "baseline.toml"), scen_dir)
    child = write(scen_dir, "exposed.toml", f"""
        name = "exposed"
        extends = "baseline"

        [actor_params.IRN]
        sanctions_exposure = {{ value = 0.123, {ASSUMED} }}
        """)
    world = build_world(load_scenario(child), child.parent)
    irn = world.roster.index("IRN")
    assert base.roster.sanctions_exposure[irn] != pytest.approx(0.123)
    assert world.roster.sanctions_exposure[irn] == pytest.approx(0.123)
    others = np.arange(world.roster.n) != irn
    np.testing.assert_array_equal(world.roster.sanctions_exposure[others],
                                  base.roster.sanctions_exposure[others])
    np.testing.assert_array_equal(world.roster.power, base.roster.power)


def test_drop_actors_must_name_known_non_hegemon_actors(scen_dir):
    child = write(scen_dir, "drop.toml", 'name = "drop"\nextends = "baseline"\n'
                  'drop_actors = ["USA", "ATL"]\n')
    problems = problems_of(child)
    one(problems, "drop_actors[0]", "hegemon cannot be dropped")
    one(problems, "drop_actors[1]", "'ATL'", "unknown actor")


def test_theatre_stakes_name_known_theatres_and_ranges(scen_dir):
    child = write(scen_dir, "stakes.toml", f"""
        name = "stakes"
        extends = "baseline"

        [[theatre_stakes]]
        theatre = "arctic"
        actor = "RUS"
        stake = {{ value = 0.5, {ASSUMED} }}
        position = {{ value = 0.5, {ASSUMED} }}
        """)
    one(problems_of(child), "theatre_stakes[0].theatre", "'arctic'", "unknown theatre")
    bad = child.read_text().replace('"arctic"', '"gulf"').replace(
        "position = { value = 0.5", "position = { value = -1.5")
    child.write_text(bad)
    one(problems_of(child), "theatre_stakes[0].position", "[-1.0, 1.0]")


# ------------------------------------------------------------------------------- the command line


@pytest.fixture
def wide_console(monkeypatch):
    """Do not let rich wrap long paths in the CLI's output."""
    monkeypatch.setattr("sim.cli.ui.console", Console(width=1000))
    monkeypatch.setattr("sim.cli.ui.err", Console(width=1000, stderr=True))


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("kind", ["reference", "schema", "chain", "syntax"])
def test_a_run_never_starts_from_an_invalid_scenario(scen_dir, tmp_path, wide_console, kind):
    results = tmp_path / "results"
    (results / "runs" / "earlier").mkdir(parents=True)
    (results / "keep.txt").write_text("earlier work")
    (results / "runs" / "earlier" / "manifest.json").write_text("{}")
    before = _snapshot(results)
    text = {
        "reference": 'name = "bad"\nextends = "baseline"\ndrop_actors = ["ATL"]\n',
        "schema": 'name = "bad"\nextends = "baseline"\nhorizon_months = -5\n',
        "chain": 'name = "bad"\nextends = "bad.toml"\n',  # a cycle
        "syntax": 'name = "bad"\nhorizon_months = = 3\n',
    }[kind]
    bad = write(tmp_path, "bad.toml", text)
    result = runner.invoke(app, ["run", str(bad), "-n", "2", "--results", str(results)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert str(bad) in result.stderr
    assert _snapshot(results) == before


def test_validate_reports_each_bad_file_and_exits_2(scen_dir, wide_console):
    good = scen_dir / "baseline.toml"
    bad1 = write(scen_dir, "bad1.toml", 'name = "bad1"\nextends = "baseline"\n'
                 'drop_actors = ["ATL"]\n')
    bad2 = write(scen_dir, "bad2.toml", 'name = "bad2"\nextends = "nowhere"\n')
    bad3 = write(scen_dir, "bad3.toml", "name = \n")
    result = runner.invoke(app, ["validate", str(bad1), str(good), str(bad2), str(bad3)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"ok {good}" in result.stdout
    for bad, needle in ((bad1, "'ATL'"), (bad2, "'nowhere'"), (bad3, "not valid TOML")):
        assert str(bad) in result.stderr and needle in result.stderr
        assert f"ok {bad}" not in result.stdout
    assert "Traceback" not in result.output


def test_validate_on_good_files_exits_0(scen_dir, wide_console):
    child = write(scen_dir, "fine.toml", 'name = "fine"\nextends = "baseline"\n'
                  "horizon_months = 36\n")
    result = runner.invoke(app, ["validate", str(scen_dir / "baseline.toml"), str(child)])
    assert result.exit_code == 0, result.output
    assert f"ok {child}" in result.stdout
    assert result.stderr == ""


def test_scenario_schema_fields_are_those_the_merge_rules_know():
    """Every field of `Scenario` has a merge rule (plain value, table, keyed or plain list)."""
    from sim.inputs import scenario_files as sf

    ruled = {*sf.OWN_FIELDS, *sf.KEYED_LISTS, *sf.MERGED_TABLES, *sf.APPENDED_LISTS, "dyads"}
    plain = {"start", "horizon_months", "roster", "dynamics_file", "standing_from"}
    assert set(Scenario.model_fields) == ruled | plain
