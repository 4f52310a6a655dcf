"""Random events fire by their rule: in month t, hazard h fires in a replicate when t is in
its window and the replicate's uniform of (t, the hazard stream, h) is below its monthly
rate; fired hazards apply in the hazards' order."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core import rng
from sim.dynamics.engine import open_month
from sim.dynamics.state import initial_state


def _expected(world, state) -> list[tuple[str, np.ndarray]]:
    u = rng.uniform(state.seeds, state.step, rng.Stream.EVENT_HAZARD, (len(world.hazards),))
    out = []
    for h, (hz, lo, hi) in enumerate(world.hazards):
        if lo <= state.step < hi:
            rows = u[:, h] < hz.monthly_rate.value
            if rows.any():
                out.append((hz.event.label() + " [random]", rows))
    return out


def test_hazards_fire_by_their_rule_in_their_windows(baseline_world):
    hazards = baseline_world.hazards
    assert len(hazards) >= 2
    # narrow windows, one hazard more likely, so that months differ in what is live
    windowed = [(hz, 3 * h, 3 * h + 6) for h, (hz, _, _) in enumerate(hazards)]
    for world in (baseline_world, dataclasses.replace(baseline_world, hazards=windowed)):
        state = initial_state(world, np.arange(200))
        seen = 0
        for step in range(0, 14):
            state.step = step
            fired = [(label, rows) for label, rows in open_month(state, world).fired
                     if label.endswith("[random]")]
            expected = _expected(world, state)
            assert [label for label, _ in fired] == [label for label, _ in expected]
            for (_, got), (_, want) in zip(fired, expected, strict=True):
                assert np.array_equal(got, want)
            seen += len(fired)
        assert seen > 0  # the rule was exercised
