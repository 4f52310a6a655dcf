"""Property tests: no input file makes the scenario loader (or ``sim validate``) traceback.

For ANY file, `load_scenario` either returns a `Scenario` or raises `ConfigError` whose
``problems`` is a non-empty list of non-empty strings, each locatable in a file of the
extends chain; no other exception escapes. Inputs: random bytes and text, random TOML
documents over the schema's field names, mutations of the baseline (alone and as the parent
of a random child), and random well-formed scenarios that must load (against over-strict
validation).

Escapes found by these properties were fixed; each has a regression test at the end of
this file. Should a new one be found and not fixed at once, list it in `KNOWN_ESCAPES` (the
properties then skip exactly that signature) with a strict-xfail reproduction.
"""

from __future__ import annotations

import copy
import math
import re
import shutil
import tomllib
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.core.calendar import month_label
from sim.core.config_errors import ConfigError
from sim.core.provenance import SOURCE_FILES, Citation, Sourced
from sim.dynamics.params import RANGES
from sim.inputs import events as ev_mod
from sim.inputs.compile import build_world
from sim.inputs.roster import Actor, ActorParams, DomesticSpec, Dyad, default_roster_file
from sim.inputs.sanctions import Level, SanctionsRegime
from sim.inputs.scenario import ExpectedEffect, Scenario, StakeChange, load_scenario
from sim.inputs.scenario_files import APPENDED_LISTS, KEYED_LISTS, MERGED_TABLES, REMOVABLE
from sim.inputs.treaties import CLAUSE_KINDS, Clause, Treaty

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
BASELINE_DOC = tomllib.loads(BASELINE.read_text(encoding="utf-8"))

ROSTER = default_roster_file()
ACTOR_IDS = [a.id for a in ROSTER.actors]
#: actors with domestic factions: only they have a balance to set
FACTION_IDS = [a.id for a in ROSTER.actors if a.domestic is not None]
THEATRE_IDS = [t.id for t in ROSTER.theatres]
#: Actors the baseline does not mention (so a scenario may drop them and stay valid).
DROPPABLE = [a for a in ACTOR_IDS
             if a != ROSTER.hegemon and f'"{a}"' not in BASELINE.read_text(encoding="utf-8")]

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])
runner = CliRunner()


# ------------------------------------------------------------------------------- the property


def _raised_in(exc: BaseException, function: str) -> bool:
    return any(f.name == function for f in traceback.extract_tb(exc.__traceback__))


#: Exceptions that escape the loader today: (bug, predicate). See the xfail tests below.
KNOWN_ESCAPES: list = []  # every escape found so far is fixed; see the regressions below


def known_escape(exc: BaseException) -> str | None:
    return next((bug for bug, matches in KNOWN_ESCAPES if matches(exc)), None)


#: Problems about a whole file, located by `ConfigError.path` rather than in their text.
FILE_LEVEL = re.compile(r"(not valid TOML|not a UTF-8 text file|file not found|extends: |"
                        r"remove(\..*)?: |no such scenario)")


def check_loads_or_reports(path: Path, folder: Path) -> Scenario | None:
    """The property: a `Scenario`, or a `ConfigError` whose problems are all locatable.

    A field problem names its file (``file:line: ...`` or ``file: ...``); a problem about a
    whole file (TOML syntax, ``extends``, ``remove``, see `FILE_LEVEL`) is located by the
    error's ``path``, which ``sim validate`` prints as the heading of the problems.
    """
    files = {str(p) for p in folder.rglob("*")} | {str(p.resolve()) for p in folder.rglob("*")}
    try:
        sc = load_scenario(path)
    except ConfigError as exc:
        problems = exc.problems
        assert isinstance(problems, list) and problems, f"no problems listed: {exc!r}"
        assert all(isinstance(p, str) and p.strip() for p in problems), problems
        assert exc.path in files, f"error names {exc.path}, not a file of the chain"
        for p in problems:
            assert any(p.startswith(f + ":") for f in files) or FILE_LEVEL.match(p), p
        event("ConfigError")
        return None
    except Exception as exc:  # the property is about what escapes
        bug = known_escape(exc)
        if bug is None:
            raise
        event(f"known bug: {bug}")
        return None
    assert isinstance(sc, Scenario)
    event("loaded")
    return sc


def check_cli(path: Path) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        if known_escape(result.exception):
            return
        raise result.exception
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output


@pytest.fixture
def folder(scen_dir) -> Path:
    """A scenarios folder (SIM_SCENARIOS_DIR) with a copy of the baseline (conftest)."""
    return scen_dir


def fresh(folder: Path) -> None:
    """Forget the files of the previous example (keep the baseline)."""
    for p in folder.iterdir():
        if p.name != "baseline.toml":
            shutil.rmtree(p) if p.is_dir() else p.unlink()


# ------------------------------------------------------------------------------- TOML writing

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else toml_string(k)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def toml_dumps(doc: dict) -> str:
    """One ``key = value`` line per top-level key, tables and arrays written inline."""
    text = "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())
    assert set(tomllib.loads(text)) == set(doc), "test's TOML writer is broken"
    return text


def test_toml_writer_round_trips():
    text = toml_dumps(BASELINE_DOC)
    assert tomllib.loads(text) == BASELINE_DOC
    odd = {"a b": ['q"\\\n\x00\x7f\u00e9', 1.5e300, -0.0, True, {}], "": {"x.y": [[1], []]},
           "0\n": 1}
    assert tomllib.loads(toml_dumps(odd)) == odd


# ------------------------------------------------------------------------------- strategies

_MODELS = [Scenario, Treaty, Clause, SanctionsRegime, Level, Citation, Sourced, Actor,
           ActorParams, DomesticSpec, Dyad, StakeChange, ExpectedEffect, ev_mod.Hazard,
           *ev_mod.EVENT_TYPES]
FIELD_NAMES = sorted({f for m in _MODELS for f in m.model_fields})
TOP_FIELDS = list(Scenario.model_fields)

junk_text = st.text(max_size=12)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(ACTOR_IDS + list(RANGES)),
                 junk_text)
months = st.one_of(
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2020, 2040), st.integers(1, 12)),
    st.sampled_from(["2025-13", "2025-00", "25-01", "2025-1", "0000-01", "9999-12",
                     "2025-01\n", "٢٠٢٥-٠١"]),
)
words = st.sampled_from([*ACTOR_IDS, *THEATRE_IDS, *ev_mod.EVENT_TYPE_NAMES, *CLAUSE_KINDS,
                         "attack_on_party", "in_force", "baseline", "baseline.toml", "step",
                         "ramp", "up", "down", "none", "low", "high", *SOURCE_FILES,
                         *(t["id"] for t in BASELINE_DOC["treaties"]),
                         "", ".", "..", "/", "ATL", "a\x00b", "n" * 300, "../" * 90])
strings = st.one_of(words, months, junk_text)
numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.integers(-3, 700),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 0.0, 0.5, 1.0, -1.0, 1.5, -0.5, 2.0, 50.0, 600, 601, 1e300]),
)
scalars = st.one_of(st.booleans(), numbers, strings)
provenance = st.sampled_from([{"assumption": "a reason"}, {"assumption": "x"},
                              {"source": SOURCE_FILES[0], "quote": "some words"},
                              {"source": "elsewhere.txt", "quote": "abc"}, {}])
sourced = st.builds(lambda v, how: {"value": v, **how}, numbers, provenance)
values = st.recursive(
    st.one_of(scalars, sourced),
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(keys, kids, max_size=5)),
    max_leaves=25,
)
top_keys = st.one_of(st.sampled_from(TOP_FIELDS), junk_text)
documents = st.dictionaries(top_keys, values, max_size=8)

TOKENS = ['name = "x"\n', 'extends = "baseline"\n', 'extends = "doc"\n', "[[treaties]]\n",
          "[[sanctions]]\n", "[[events]]\n", "[actor_params.IRN]\n", 'id = "a"\n',
          "horizon_months = 12\n", "value = 2\n", "[", "]", "[[", "]]", "{", "}", "=", '"',
          "'", "'''", '"""', ",", ".", "\n", " ", "#", "x", "1", "-", "nan", "true", "\\",
          "\\u0000", "\x00", "\r", "\ufeff", "é"]
#: ``x = [[[...1...]]]`` or ``x = {a = {a = ...1...}}``, up to 1000 levels deep.
nested = st.builds(lambda n, table: f"x = {'{a = ' * n}1{'}' * n}\n" if table
                   else f"x = {'[' * n}1{']' * n}\n", st.integers(0, 1000), st.booleans())
token_soup = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), nested)


def _paths(tree, prefix=()):
    """Paths to every node below ``tree`` (dict keys and list indices)."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for k, v in items:
        yield (*prefix, k)
        if isinstance(v, dict | list):
            yield from _paths(v, (*prefix, k))


def _parent_of(tree, path):
    for k in path[:-1]:
        tree = tree[k]
    return tree


def _as_list(x) -> list:
    return x if isinstance(x, list) else []


OUT_OF_RANGE = [-1, -0.01, 1.01, 1.5, 2, 51, 601, 0, -(10**9), 1e9, float("nan"), float("inf"),
                10**30]
MUTATIONS = ["delete", "retype", "actor", "range", "duplicate", "extends", "remove", "name",
             "field", "file", "merged"]
#: Fields with merge rules (keyed lists, dyads, tables, appended lists).
MERGED_FIELDS = [*KEYED_LISTS, "dyads", *MERGED_TABLES, *APPENDED_LISTS]
#: Values for the fields that name files (extends, reference, roster).
FILE_NAMES = st.one_of(
    st.sampled_from(["", ".", "..", "/", "baseline", "baseline.toml", "./baseline.toml",
                     "nowhere.toml", "sub/", "a\x00b", "a\x00b.toml", "n" * 300,
                     "n" * 300 + ".toml", "../" * 90, "/dev/null"]),
    junk_text)


def mutate(data, doc: dict, self_name: str, kinds: list[str] = MUTATIONS) -> dict:
    """Apply 1 to 4 random mutations to ``doc`` (a deep copy of a valid scenario)."""
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        kind = data.draw(st.sampled_from(kinds), label="mutation")
        paths = list(_paths(doc))
        if kind == "extends":
            doc["extends"] = data.draw(st.one_of(
                st.sampled_from([self_name, f"{self_name}.toml", f"./{self_name}.toml",
                                 "baseline", "nowhere", "", "../scenarios/baseline.toml"]),
                junk_text, values), label="extends")
        elif kind == "remove":
            ids = [x.get("id") for k in REMOVABLE for x in _as_list(doc.get(k))
                   if isinstance(x, dict) and isinstance(x.get("id"), str)]
            doc["remove"] = data.draw(st.one_of(
                st.dictionaries(st.sampled_from([*REMOVABLE, "dyads", "name"]) | junk_text,
                                st.lists(st.sampled_from(ids or ["x"]) | strings, max_size=3)
                                | values, max_size=3),
                values), label="remove")
        elif kind == "name":
            doc["name"] = data.draw(strings | values, label="name")
        elif kind == "file":
            doc[data.draw(st.sampled_from(["extends", "reference", "roster"]), label="field")] = \
                data.draw(FILE_NAMES, label="file")
        elif kind == "merged":
            doc[data.draw(st.sampled_from(MERGED_FIELDS), label="field")] = data.draw(
                scalars | values, label="value")
        elif kind == "field":
            doc[data.draw(st.sampled_from(TOP_FIELDS), label="field")] = data.draw(
                strings | values, label="value")
        elif paths:
            if kind == "actor":
                paths = [p for p in paths if isinstance(_parent_of(doc, p)[p[-1]], str)]
            elif kind == "range":
                paths = [p for p in paths if isinstance(_parent_of(doc, p)[p[-1]], int | float)]
            elif kind == "duplicate":
                paths = [p for p in paths if isinstance(_parent_of(doc, p)[p[-1]], list)
                         and _parent_of(doc, p)[p[-1]]]
            if not paths:
                continue
            path = data.draw(st.sampled_from(paths), label="at")
            parent, last = _parent_of(doc, path), path[-1]
            if kind == "delete":
                del parent[last]
            elif kind == "retype":
                parent[last] = data.draw(values, label="value")
            elif kind == "actor":
                parent[last] = data.draw(st.one_of(
                    st.from_regex(r"[A-Z]{2,3}", fullmatch=True), st.sampled_from(ACTOR_IDS),
                    junk_text), label="actor")
            elif kind == "range":
                parent[last] = data.draw(st.sampled_from(OUT_OF_RANGE), label="number")
            elif kind == "duplicate":
                items = parent[last]
                n = data.draw(st.integers(0, len(items) - 1), label="item")
                items.insert(data.draw(st.integers(0, len(items)), label="where"),
                             copy.deepcopy(items[n]))
    return doc


# ------------------------------------------------------------------------------- 1. bytes, text


@settings(max_examples=120, **SETTINGS)
@given(content=st.one_of(st.binary(max_size=300),
                         st.binary(max_size=200).map(lambda b: BASELINE.read_bytes()[:400] + b)))
def test_random_bytes_never_traceback(folder, content):
    fresh(folder)
    path = folder / "doc.toml"
    path.write_bytes(content)
    check_loads_or_reports(path, folder)


@settings(max_examples=150, **SETTINGS)
@given(text=st.one_of(st.text(max_size=300), token_soup))
def test_random_text_never_traceback(folder, text):
    fresh(folder)
    path = folder / "doc.toml"
    path.write_text(text, encoding="utf-8", newline="")
    check_loads_or_reports(path, folder)


# ------------------------------------------------------------------------------- 2. random TOML


@settings(max_examples=250, **SETTINGS)
@given(doc=documents, name=st.one_of(st.none(), st.just("doc"), strings))
def test_random_toml_documents_never_traceback(folder, doc, name):
    fresh(folder)
    if name is not None:
        doc = {"name": name, **doc}
    path = folder / "doc.toml"
    path.write_text(toml_dumps(doc), encoding="utf-8")
    check_loads_or_reports(path, folder)


# ------------------------------------------------------------------------------- 3. mutations


@settings(max_examples=300, **SETTINGS)
@given(data=st.data())
def test_mutated_baseline_never_tracebacks(folder, data):
    fresh(folder)
    doc = mutate(data, copy.deepcopy(BASELINE_DOC), "mutant")
    path = folder / "mutant.toml"
    path.write_text(toml_dumps(doc), encoding="utf-8")
    sc = check_loads_or_reports(path, folder)
    if sc is not None:  # what validates must also compile
        build_world(sc, path.parent)


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_random_child_of_mutated_parent_never_tracebacks(folder, data):
    """The merge rules meet bad parents and bad children (extends, remove, keyed lists)."""
    fresh(folder)
    parent = {**copy.deepcopy(BASELINE_DOC), "name": "parent"}
    if data.draw(st.booleans(), label="mutate parent"):
        kinds = data.draw(st.sampled_from([MUTATIONS, ["merged"]]), label="kinds")
        parent = mutate(data, parent, "parent", kinds)
    (folder / "parent.toml").write_text(toml_dumps(parent), encoding="utf-8")
    child = {"name": "child", "extends": "parent",
             **data.draw(st.dictionaries(st.sampled_from(TOP_FIELDS), values, max_size=4),
                         label="child")}
    if data.draw(st.booleans(), label="child removes"):
        inherited = [x["id"] for k in REMOVABLE for x in _as_list(parent.get(k))
                     if isinstance(x, dict) and isinstance(x.get("id"), str)]
        child["remove"] = data.draw(st.dictionaries(
            st.sampled_from(REMOVABLE),
            st.lists(st.sampled_from(inherited or ["x"]) | junk_text, max_size=3),
            max_size=2), label="remove")
    if data.draw(st.booleans(), label="mutate child"):
        child = mutate(data, child, "child")
    if "extends" not in child or data.draw(st.booleans(), label="keep parent"):
        child["extends"] = "parent"
    path = folder / "child.toml"
    path.write_text(toml_dumps(child), encoding="utf-8")
    sc = check_loads_or_reports(path, folder)
    if sc is not None:
        build_world(sc, path.parent)


@settings(max_examples=60, **SETTINGS)
@given(fields=st.dictionaries(st.sampled_from(["extends", "reference", "roster"]), FILE_NAMES,
                              min_size=1))
def test_fields_naming_files_never_traceback(folder, fields):
    """extends, reference and roster name files: odd names must not crash the loader."""
    fresh(folder)
    (folder / "sub").mkdir()
    path = folder / "doc.toml"
    path.write_text(toml_dumps({**BASELINE_DOC, "name": "doc", **fields}), encoding="utf-8")
    check_loads_or_reports(path, folder)


# ------------------------------------------------------------------------------- CLI


@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_validate_command_never_tracebacks(folder, data):
    fresh(folder)
    path = folder / "mutant.toml"
    how = data.draw(st.sampled_from(["bytes", "text", "document", "mutant"]), label="input")
    if how == "bytes":
        path.write_bytes(data.draw(st.binary(max_size=200)))
    elif how == "text":
        path.write_text(data.draw(token_soup), encoding="utf-8", newline="")
    elif how == "document":
        path.write_text(toml_dumps(data.draw(documents)), encoding="utf-8")
    else:
        path.write_text(toml_dumps(mutate(data, copy.deepcopy(BASELINE_DOC), "mutant")),
                        encoding="utf-8")
    check_cli(path)


# ------------------------------------------------------------------------------- 4. valid scenarios


def _sourced(x: float) -> dict:
    return {"value": x, "assumption": "drawn by the property test"}


def _unit(lo: float = 0.0, hi: float = 1.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def valid_scenarios(draw):
    """A well-formed scenario (whole file or child of baseline) and what it should load as."""
    horizon = draw(st.integers(1, 600), label="horizon")
    start = month_label("2025-01", draw(st.integers(0, 180), label="start offset"))
    levels = {r["id"]: draw(_unit(), label=f"level {r['id']}") for r in BASELINE_DOC["sanctions"]}
    dynamics = draw(st.lists(st.sampled_from(sorted(RANGES)), unique=True, max_size=4)
                    .flatmap(lambda names: st.fixed_dictionaries(
                        {n: _unit(*RANGES[n]) for n in names})), label="dynamics")
    drop = draw(st.lists(st.sampled_from(DROPPABLE), unique=True, max_size=3), label="drop")
    alive = [a for a in ACTOR_IDS if a not in drop]
    factions = [a for a in alive if a in FACTION_IDS]
    balance = draw(st.dictionaries(st.sampled_from(factions), _unit(), max_size=3)
                   if factions else st.just({}), label="balance")
    params = draw(st.dictionaries(
        st.sampled_from(alive),
        st.lists(st.sampled_from(list(ActorParams.model_fields)), unique=True, min_size=1,
                 max_size=3).flatmap(lambda ps: st.fixed_dictionaries(
                     {p: _unit(0.0, 50.0 if p == "rationality" else 1.0).map(_sourced)
                      for p in ps})),
        max_size=2), label="actor_params")
    n_events = draw(st.integers(0, 3), label="events")
    events = []
    for k in range(n_events):
        date = month_label(start, draw(st.integers(0, horizon - 1), label="event month"))
        if draw(st.booleans(), label="strike"):
            a, b = draw(st.lists(st.sampled_from(alive), min_size=2, max_size=2, unique=True))
            events.append({"id": f"ev_{k}", "type": "strike", "attacker": a, "target": b,
                           "theatre": draw(st.sampled_from(THEATRE_IDS)), "date": date,
                           "severity": draw(_unit())})
        else:
            events.append({"id": f"ev_{k}", "type": "leadership_change",
                           "actor": draw(st.sampled_from(alive)), "balance": draw(_unit()),
                           "date": date})
    as_child = draw(st.booleans(), label="as child")
    if as_child:
        doc = {"name": "drawn", "extends": "baseline",
               "sanctions": [{**r, "schedule": [{**r["schedule"][0],
                                                "level": _sourced(levels[r["id"]])}]}
                             for r in copy.deepcopy(BASELINE_DOC["sanctions"])
                             if draw(st.booleans(), label=f"override {r['id']}")]}
        levels.update({r["id"]: r["schedule"][0]["level"]["value"]
                       for r in BASELINE_DOC["sanctions"]
                       if r["id"] not in {s["id"] for s in doc["sanctions"]}})
    else:
        doc = copy.deepcopy(BASELINE_DOC)
        doc["name"] = "drawn"
        for r in doc["sanctions"]:
            r["schedule"][0]["level"] = _sourced(levels[r["id"]])
    doc.update({"start": start, "horizon_months": horizon, "dynamics": dynamics,
                "drop_actors": drop, "domestic_balance": balance, "actor_params": params,
                "events": events})
    return doc, levels


@settings(max_examples=80, **SETTINGS)
@given(drawn=valid_scenarios())
def test_well_formed_scenarios_load_and_build(folder, drawn):
    doc, levels = drawn
    fresh(folder)
    path = folder / "drawn.toml"
    path.write_text(toml_dumps(doc), encoding="utf-8")
    try:
        sc = load_scenario(path)
    except ConfigError as exc:
        pytest.fail("a well-formed scenario was refused:\n" + "\n".join(exc.problems))
    assert sc.horizon_months == doc["horizon_months"] and sc.start == doc["start"]
    assert {r.id: r.schedule[0].level.value for r in sc.sanctions} == levels
    assert sc.dynamics == doc["dynamics"]
    assert [e.id for e in sc.events] == [e["id"] for e in doc["events"]]
    world = build_world(sc, path.parent)
    r = world.roster
    assert set(r.ids) == set(ACTOR_IDS) - set(doc["drop_actors"])
    for actor, changes in doc["actor_params"].items():
        for pname, val in changes.items():
            assert getattr(r, pname)[r.index(actor)] == val["value"]
    for actor, b in doc["domestic_balance"].items():
        assert r.domestic_balance[r.index(actor)] == b
    assert world.sanctions.primary.shape[0] == doc["horizon_months"]


# ------------------------------------------------------------------------------- known bugs


def _escape(folder: Path, name: str, text: str) -> None:
    """Load ``text``; the test passes only if the loader raises `ConfigError` (not a crash)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_scenario(path)


def test_roster_naming_a_folder_is_a_config_error(folder):
    _escape(folder, "doc.toml", 'name = "doc"\nroster = ""\n')


def test_long_extends_name_is_a_config_error(folder):
    _escape(folder, "doc.toml", f'name = "doc"\nextends = "{"a" * 300}"\n')


def test_long_reference_is_a_config_error(folder):
    _escape(folder, "doc.toml", f'name = "doc"\nreference = "{"a" * 300}"\n')


def test_long_roster_name_is_a_config_error(folder):
    _escape(folder, "doc.toml", f'name = "doc"\nroster = "{"a" * 300}.toml"\n')


def test_nul_in_roster_is_a_config_error(folder):
    _escape(folder, "doc.toml", 'name = "doc"\nroster = "a\\u0000.toml"\n')


def test_deeply_nested_toml_is_a_config_error(folder):
    _escape(folder, "doc.toml", "x = " + "[" * 1000 + "]" * 1000 + "\n")


def test_remove_from_a_parent_list_that_is_a_number_is_a_config_error(folder):
    (folder / "parent.toml").write_text('name = "parent"\ntreaties = 5\n', encoding="utf-8")
    _escape(folder, "child.toml", 'name = "child"\nextends = "parent"\n'
            "remove = { treaties = [] }\n")
