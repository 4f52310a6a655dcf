"""Explanations add up: the drivers' terms account exactly for every change."""

from __future__ import annotations

import numpy as np

from sim.analysis.explain import explain, history_from_record


def test_terms_sum_to_the_change(baseline_world, baseline_record):
    """Month by month, the change of every dyad equals the sum of its driver terms, to
    float32 storage precision (terms are kept as float32), when no clip happened."""
    rec = baseline_record
    change = np.diff(rec.alignment, axis=0)
    total = rec.terms.astype(np.float64).sum(axis=2)
    unclipped = ~rec.clipped
    assert unclipped.mean() > 0.99
    err = np.abs(change - total)[unclipped]
    assert err.max() < 1e-5


def test_explanation_ranks_and_totals(baseline_world, baseline_record):
    hist = history_from_record(baseline_record, baseline_world.roster.ids,
                               baseline_world.start, "IRN", "RUS")
    ex = explain(hist)
    totals = [abs(c.total) for c in ex.whole]
    assert totals == sorted(totals, reverse=True)
    net = sum(c.total for c in ex.whole) + ex.residual
    assert abs(net - (ex.end_value - ex.start_value)) < 1e-9
    assert len(ex.years) == 10
    text = ex.text()
    assert "IRN -> RUS" in text and ex.whole[0].label in text and ex.whole[1].label in text
    one = explain(hist, replicate=3)
    assert one.scope == "replicate 3" and one.end_band is None
