"""Provenance of the default roster: every number is cited verbatim or marked as an assumption.

These tests read ``sim/data/roster.toml`` and check it against the source documents in
``../shared/seeds``: each quote must appear in the document it names, every value must say
where it comes from, and the relations the documents describe must hold in the data.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from sim.core.provenance import Sourced, default_seeds_dir, iter_citations, quote_in_document
from sim.inputs.roster import DEFAULT_ROSTER, RosterFile, compile_roster, load_roster_file

#: A citation should be a short phrase, not a passage.
MAX_QUOTE_WORDS = 30
#: The roster must rest on the documents, not only on assumptions.
MIN_CITED = 40


def iter_sourced(obj: Any, path: str = "roster") -> Iterator[tuple[str, Sourced]]:
    """Every `Sourced` value reachable from ``obj``, with a readable path to it."""
    for where, cited in iter_citations(obj, path):
        if isinstance(cited, Sourced):
            yield where, cited


def _label(path: str, roster: RosterFile) -> str:
    """Add the dyad's actors or the theatre's id to a path, so failures are easy to find."""
    if path.startswith("roster.dyads["):
        i = int(path.split("[", 1)[1].split("]", 1)[0])
        d = roster.dyads[i]
        return f"{path} ({d.source}->{d.target}{', symmetric' if d.symmetric else ''})"
    if path.startswith("roster.theatres["):
        i = int(path.split("[", 1)[1].split("]", 1)[0])
        return f"{path} (theatre {roster.theatres[i].id})"
    if path.startswith("roster.actors["):
        i = int(path.split("[", 1)[1].split("]", 1)[0])
        return f"{path} (actor {roster.actors[i].id})"
    return path


def _count_raw_values(node: Any) -> int:
    """How many tables with a ``value`` key the raw TOML holds (each one is a Sourced)."""
    if isinstance(node, dict):
        own = 1 if "value" in node else 0
        return own + sum(_count_raw_values(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count_raw_values(v) for v in node)
    return 0


@pytest.fixture(scope="module")
def roster() -> RosterFile:
    return load_roster_file(DEFAULT_ROSTER)


@pytest.fixture(scope="module")
def sourced(roster: RosterFile) -> list[tuple[str, Sourced]]:
    return list(iter_sourced(roster))


def test_walk_finds_every_value_in_the_file(roster: RosterFile, sourced):
    """The generic walk must not miss a value, or the other checks would pass vacuously."""
    with DEFAULT_ROSTER.open("rb") as fh:
        raw = tomllib.load(fh)
    assert len(sourced) == _count_raw_values(raw)
    paths = {p for p, _ in sourced}
    assert "roster.default_alignment" in paths
    n_params = len(type(roster.actors[0].params).model_fields)
    assert sum(".params." in p for p in paths) == n_params * len(roster.actors)
    assert any(".domestic.hardline[" in p for p in paths)
    assert any(".domestic.reform[" in p for p in paths)
    assert any(".domestic.balance" in p for p in paths)
    assert any(p.endswith(".intensity") for p in paths)
    assert any(p.endswith(".competition") for p in paths)
    assert any(".stakes[" in p and p.endswith(".position") for p in paths)


def test_every_quote_appears_in_its_document(roster: RosterFile, sourced):
    seeds = default_seeds_dir()
    if not seeds.is_dir():
        pytest.skip(f"source documents not found at {seeds}")
    failures = []
    for path, s in sourced:
        if s.is_assumption:
            continue
        doc = seeds / s.source
        if not doc.is_file():
            failures.append(f"{_label(path, roster)}: document {s.source} is missing")
        elif not quote_in_document(s.quote, doc):
            failures.append(f"{_label(path, roster)}: not found in {s.source}: {s.quote!r}")
    assert not failures, f"{len(failures)} quote(s) not found:\n" + "\n".join(failures)


def test_quotes_are_short_citations(roster: RosterFile, sourced):
    failures = [
        f"{_label(path, roster)}: {len(s.quote.split())} words: {s.quote!r}"
        for path, s in sourced
        if not s.is_assumption and not 3 <= len(s.quote.split()) <= MAX_QUOTE_WORDS
    ]
    assert not failures, "quotes outside 3..{} words:\n{}".format(
        MAX_QUOTE_WORDS, "\n".join(failures))


def test_every_value_is_cited_or_an_explained_assumption(roster: RosterFile, sourced):
    failures = []
    for path, s in sourced:
        if s.is_assumption:
            if not s.assumption.strip():
                failures.append(f"{_label(path, roster)}: assumption without a reason")
        elif not (s.source and s.source.strip() and s.quote and s.quote.strip()):
            failures.append(f"{_label(path, roster)}: citation without source or quote")
    assert not failures, "\n".join(failures)


def test_documented_relations_hold(roster: RosterFile):
    r = compile_roster(roster)

    def rel(field: str, a: str, b: str) -> float:
        return float(getattr(r, field)[r.index(a), r.index(b)])

    checks = {
        "alignment RUS->IRN > 0.3 (comprehensive strategic partnership)":
            rel("alignment", "RUS", "IRN") > 0.3,
        "alignment RUS->USA < 0": rel("alignment", "RUS", "USA") < 0,
        "alignment IRN->USA < 0": rel("alignment", "IRN", "USA") < 0,
        "alignment RUS->ISR > 0 (formal diplomatic relations)": rel("alignment", "RUS", "ISR") > 0,
        "alignment RUS->SAU > 0 (friendly relations with the Gulf monarchies)":
            rel("alignment", "RUS", "SAU") > 0,
        "distrust IRN->RUS > 0 (historical animosity)": rel("distrust", "IRN", "RUS") > 0,
    }
    failed = [name for name, ok in checks.items() if not ok]
    assert not failed, "relations the documents describe do not hold: " + "; ".join(failed)


def test_enough_values_are_cited(sourced):
    cited = sum(not s.is_assumption for _, s in sourced)
    assumed = len(sourced) - cited
    print(f"\nroster provenance: {cited} cited, {assumed} assumptions, {len(sourced)} values")
    assert cited >= MIN_CITED, f"only {cited} values cited; at least {MIN_CITED} expected"
