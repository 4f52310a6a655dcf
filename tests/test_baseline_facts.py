"""The baseline reproduces what the documents say of early 2025.

Each check runs over the 32-replicate ensemble of `conftest.BASELINE_SEEDS` and looks at
2025 (months 1 to 12 after the January start). Tolerances are stated in each test; they
are bounds the documents' words imply, not values fitted to this model's output. The
citations are listed in docs/validation.md as well.
"""

from __future__ import annotations

import numpy as np

from sim.dynamics.drivers import DRIVER_NAMES
from sim.dynamics.equilibrium import driver_contributions
from sim.dynamics.state import initial_state
from sim.runs.reporting import ALLIANCE_LEVEL
from tests.conftest import dyad

YEAR_2025 = slice(1, 13)


def _year_means(world, record, a, b):
    return dyad(world, record, a, b)[YEAR_2025].mean(axis=0)  # one value per replicate


def test_russia_iran_close_but_short_of_alliance(baseline_world, baseline_record):
    """002: the treaty 'does not include provisions for military support'; 003: it 'does
    not include a mutual defence clause unlike in the treaty, that Russia signed with North
    Korea'. Close: both directions' 2025 mean at least 0.4 in at least 90% of replicates
    (a replicate in which Israel strikes Iran twice and Russia sends no arms may dip below:
    since the redesign such episodes register, record 0008) and at least 0.3 in every one.
    Short of an alliance: below the alliance-like level (0.75) in every replicate, and below
    Russia's alignment with its treaty ally North Korea in at least 90% of replicates."""
    w, rec = baseline_world, baseline_record
    for a, b in (("RUS", "IRN"), ("IRN", "RUS")):
        m = _year_means(w, rec, a, b)
        assert (m >= 0.4).mean() >= 0.9, f"{a}->{b} 2025 means: {np.sort(m).round(2)}"
        assert m.min() >= 0.3, f"{a}->{b} 2025 mean fell to {m.min():.3f}"
        assert m.max() < ALLIANCE_LEVEL, f"{a}->{b} 2025 mean reached {m.max():.3f}"
    gap = _year_means(w, rec, "RUS", "PRK") - _year_means(w, rec, "RUS", "IRN")
    assert (gap > 0).mean() >= 0.9, f"RUS-PRK above RUS-IRN in only {(gap > 0).mean():.0%}"
    clauses = {tid: {c[1] for c in w.treaties.clauses if w.treaties.ids[c[0]] == tid}
               for tid in w.treaties.ids}
    assert "mutual_defence" not in clauses["rus_irn_csp_2025"]
    assert "mutual_defence" in clauses["rus_prk_2024"]


def test_iran_distrust_persists_beside_need(baseline_world, baseline_record):
    """001: 'Animosity toward Russia has long historical roots in Iran'; 003: Russia and
    Iran are 'two of the world's most sanctioned nations'. Distrust of Iran towards Russia
    stays at or above 0.4 all through 2025 in every replicate. Among the reasons for the
    relation at the start, distrust holds Iran->Russia down and the need (sanctions
    pressure) lifts it; the need and the shared threat together outweigh the distrust
    several times over."""
    w, rec = baseline_world, baseline_record
    i, j = w.roster.index("IRN"), w.roster.index("RUS")
    assert rec.distrust[:13, :, i, j].min() >= 0.4
    start = initial_state(w, [0])
    parts = dict(zip(DRIVER_NAMES, driver_contributions(start, w)[:, 0, i, j], strict=True))
    assert parts["historical_distrust"] < 0.0 < parts["sanctions_pressure"]
    assert parts["sanctions_pressure"] + parts["common_threat"] > 3 * -parts["historical_distrust"]


def test_russia_keeps_working_ties_with_israel_and_gulf(baseline_world, baseline_record):
    """003: Russia 'maintains formal diplomatic relations with Israel'; 004: Russia 'is
    interested in maintaining friendly relations with the Arab monarchies of the Persian
    Gulf'. Working ties: Russia's 2025 mean towards Israel, Saudi Arabia, the UAE and Qatar
    is above 0.05 in at least 95% of replicates and above 0.1 on average."""
    w, rec = baseline_world, baseline_record
    for partner in ("ISR", "SAU", "ARE", "QAT"):
        m = _year_means(w, rec, "RUS", partner)
        assert (m > 0.05).mean() >= 0.95, f"RUS->{partner}: {np.sort(m)[:3]}"
        assert m.mean() > 0.1, f"RUS->{partner} mean {m.mean():.3f}"


def test_united_states_opposed_to_both(baseline_world, baseline_record):
    """001: Russia seeks 'a de facto united front against the U.S.'; the West 'seeks its
    overthrow' in the view of Iran's deep state. The United States' alignment towards
    Russia and towards Iran stays below -0.5 in every month of 2025 in every replicate,
    and so do Russia's and Iran's towards the United States."""
    w, rec = baseline_world, baseline_record
    for a, b in (("USA", "RUS"), ("USA", "IRN"), ("RUS", "USA"), ("IRN", "USA")):
        x = dyad(w, rec, a, b)[YEAR_2025]
        assert x.max() < -0.5, f"{a}->{b} rose to {x.max():.3f}"


def test_alignment_in_range_and_no_clipping(baseline_world, baseline_record):
    """Alignment stays in (-1, 1) off the diagonal with a unit diagonal: tanh bounds it, so
    no clip is ever needed (the record's clip flag stays false)."""
    a = baseline_record.alignment
    assert np.isfinite(a).all()
    assert a.min() >= -1.0 and a.max() <= 1.0
    idx = np.arange(a.shape[-1])
    assert (a[:, :, idx, idx] == 1.0).all()
    off = ~np.eye(a.shape[-1], dtype=bool)
    assert np.abs(a[:, :, off]).max() < 1.0
    assert not baseline_record.clipped.any()
