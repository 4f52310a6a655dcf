"""Every citation in every scenario file is verbatim in its document; every event says why."""

from __future__ import annotations

import pytest

from sim.core.provenance import default_seeds_dir, iter_citations, quote_in_document
from sim.core.settings import get_settings
from sim.inputs.scenario import load_scenario


def test_scenario_quotes_are_verbatim():
    seeds = default_seeds_dir()
    if not seeds.exists():
        pytest.skip(f"source documents not found at {seeds}")
    bad = []
    count = 0
    for file in sorted(get_settings().scenarios_dir.glob("*.toml")):
        sc = load_scenario(file)
        for where, c in iter_citations(sc, "scenario"):
            if c.is_assumption:
                continue
            count += 1
            if not quote_in_document(c.quote, seeds / c.source):
                bad.append(f"{file.name}: {where}: {c.quote!r} not in {c.source}")
    assert not bad, "\n".join(bad)
    assert count > 0


def test_every_event_and_hazard_has_evidence():
    missing = []
    for file in sorted(get_settings().scenarios_dir.glob("*.toml")):
        sc = load_scenario(file)
        for n, ev in enumerate(sc.events):
            if ev.evidence is None:
                missing.append(f"{file.name}: events[{n}] ({ev.type})")
    assert not missing, "events without evidence:\n" + "\n".join(missing)
