"""Targets from the documents: the file is valid and cited, and verdicts are computed right."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.config_errors import ConfigError
from sim.core.provenance import default_seeds_dir, quote_in_document
from sim.inputs.targets import Target, evaluate, load_targets

IDS = ("AAA", "BBB")


def _run(values: np.ndarray) -> np.ndarray:
    """Alignment (S+1, R, 2, 2) whose AAA->BBB entry after month k is values[k, r]."""
    s, r = values.shape
    a = np.ones((s + 1, r, 2, 2))
    a[1:, :, 0, 1] = values
    return a


def _target(**kw) -> Target:
    base = {"id": "t", "dyad": "AAA:BBB", "evidence": {"assumption": "a test case"}}
    return Target.model_validate(base | kw)


def test_the_history_targets_are_valid_cited_and_split():
    tf = load_targets()
    for t in tf.targets:
        assert t.evidence.source is not None, f"{t.id} cites no document"
        doc = default_seeds_dir() / t.evidence.source
        assert quote_in_document(t.evidence.quote, doc), t.id
    held = [t.id for t in tf.targets if tf.held_out(t)]
    fit = [t.id for t in tf.targets if not tf.held_out(t)]
    assert "un_sanctions_votes" in fit and "closer_after_the_invasion" in held
    assert len(fit) >= 6 and len(held) >= 6


def test_ordinal_directional_and_range_verdicts():
    g = np.random.default_rng(3)
    months = np.arange(24)[:, None]
    rising = 0.01 * months + g.normal(0, 0.01, (24, 40))  # from 0 to 0.23
    run = _run(rising)
    up = _target(kind="ordinal", higher=["2001-01", "2001-12"],
                 lower=["2000-01", "2000-12"])
    r = evaluate(up, run, IDS, "2000-01")
    assert r.verdict == "met" and r.value == pytest.approx(0.12, abs=0.01)
    down = _target(kind="directional", before=["2000-01", "2000-06"], after=["2001-07", "2001-12"],
                   direction="down")
    assert evaluate(down, run, IDS, "2000-01").verdict == "missed"
    inside = _target(kind="range", period=["2000-01", "2001-12"], low=0.0, high=0.5)
    res = evaluate(inside, run, IDS, "2000-01")
    assert res.verdict == "met" and res.slack == pytest.approx(0.115, abs=0.01)
    noise = _run(g.normal(0, 0.05, (24, 40)))
    flat = _target(kind="ordinal", higher=["2001-01", "2001-12"], lower=["2000-01", "2000-12"])
    assert evaluate(flat, noise, IDS, "2000-01").verdict == "unclear"


def test_bad_targets_are_refused_with_the_field(tmp_path):
    with pytest.raises(ValueError, match="needs higher, lower"):
        _target(kind="ordinal", higher=["2001-01", "2001-12"])
    with pytest.raises(ValueError, match="before"):
        _target(kind="range", period=["2001-05", "2001-01"], low=0.0, high=0.5)
    bad = tmp_path / "t.toml"
    bad.write_text('held_out_from = "2018-05"\n[[targets]]\nid = "x"\nkind = "range"\n'
                   'dyad = "RUS:IRN"\nperiod = ["2001-01", "2001-12"]\nlow = 0.5\nhigh = 3.0\n'
                   'evidence = { assumption = "test" }\n')
    with pytest.raises(ConfigError) as err:
        load_targets(bad)
    assert "targets[0].high" in str(err.value) and "3.0" in str(err.value)
