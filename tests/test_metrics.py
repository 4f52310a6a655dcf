"""Per-run metrics: exact values on hand-built records, sanity on a real run, batch invariance.

Hand-built records use a fake world (`SimpleNamespace` with only the roster fields the
metrics read) so that every expected number can be worked out by hand.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import sim.runs.metrics as metrics
from sim.core.actions import DYADIC_NAMES, THEATRE_NAMES, Dyadic, TheatreAction
from sim.runs.ensemble import run_batched
from sim.runs.metrics import (
    BLOC,
    DEFAULT_TIMES,
    dyad_metrics,
    run_metrics,
    two_camps,
    unbalanced_triad_fraction,
)
from sim.runs.recording import Record


def fake_world(ids: tuple[str, ...], stake: np.ndarray | None = None) -> SimpleNamespace:
    n = len(ids)
    stake = np.ones((1, n)) if stake is None else stake
    return SimpleNamespace(roster=SimpleNamespace(ids=ids, stake=stake))


def make_record(alignment: np.ndarray, *, dyadic: np.ndarray | None = None,
                theatre: np.ndarray | None = None,
                events: list[tuple[int, str, np.ndarray]] | None = None,
                seeds: np.ndarray | None = None) -> Record:
    s1, r = alignment.shape[:2]
    return Record(
        seeds=np.arange(r, dtype=np.uint64) + 100 if seeds is None else seeds,
        alignment=alignment, terms=None, dyadic=dyadic, theatre=theatre,
        distrust=np.zeros(alignment.shape, np.float32), events=events or [],
        clipped=np.zeros((s1 - 1, r), bool),
    )


def static(matrices: np.ndarray, months: int = 1) -> np.ndarray:
    """A record alignment stack holding the given (R, N, N) matrices in every month."""
    return np.broadcast_to(matrices, (months + 1, *matrices.shape)).copy()


def triangle(ab: float, bc: float, ac: float) -> np.ndarray:
    """One symmetric 3-actor matrix with the given ties (unit diagonal)."""
    return np.array([[1.0, ab, ac], [ab, 1.0, bc], [ac, bc, 1.0]])


# ---------------------------------------------------------------- dyad metrics, by hand

IDS3 = ("RUS", "IRN", "USA")


@pytest.fixture
def trajectory_record() -> Record:
    """3 actors, 2 replicates, 4 months; RUS→IRN and RUS→USA follow set paths."""
    a = np.zeros((5, 2, 3, 3))
    a[:, :, np.arange(3), np.arange(3)] = 1.0
    # replicate 0: RUS→IRN rises to alliance in month 3; RUS→USA negative at start only
    a[:, 0, 0, 1] = [0.5, 0.6, 0.7, 0.8, 0.9]
    a[:, 0, 0, 2] = [-0.2, 0.1, 0.2, 0.3, 0.4]
    # replicate 1: RUS→IRN falls below zero in month 2; RUS→USA already at alliance level
    a[:, 1, 0, 1] = [0.5, 0.1, -0.1, 0.0, -0.3]
    a[:, 1, 0, 2] = [0.8, 0.75, 0.2, 0.76, 0.1]
    return make_record(a)


def row(df: pd.DataFrame, rep: int, src: str, tgt: str) -> pd.Series:
    hit = df[(df.replicate == rep) & (df.source == src) & (df.target == tgt)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_dyad_metrics_values_by_hand(trajectory_record):
    df = dyad_metrics(fake_world(IDS3), trajectory_record, times=(1, 3, 10))
    assert list(df.columns) == ["replicate", "source", "target", "at_1", "at_3", "at_10",
                                "mean", "min", "max", "first_below_zero", "first_alliance"]
    assert len(df) == 2 * 3 * 2
    r = row(df, 0, "RUS", "IRN")
    assert (r.at_1, r.at_3, r.at_10) == (0.6, 0.8, 0.9)  # month 10 clipped to month 4
    assert r["mean"] == pytest.approx(0.75)
    assert (r["min"], r["max"]) == (0.6, 0.9)
    assert (r.first_below_zero, r.first_alliance) == (-1, 3)
    r = row(df, 0, "RUS", "USA")
    assert r.first_below_zero == -1  # negative only in month 0, which is not an outcome
    r = row(df, 1, "RUS", "IRN")
    assert r["mean"] == pytest.approx(-0.075)
    assert (r.first_below_zero, r.first_alliance) == (2, -1)
    r = row(df, 1, "RUS", "USA")
    assert r.first_alliance == 1  # at alliance level from month 0: first month of the run
    assert r["max"] == 0.76
    r = row(df, 1, "IRN", "USA")  # never moves from 0: not below zero
    assert (r.first_below_zero, r.first_alliance, r["mean"]) == (-1, -1, 0.0)


def test_dyad_metrics_layout(trajectory_record):
    df = dyad_metrics(fake_world(IDS3), trajectory_record)
    assert [c for c in df.columns if c.startswith("at_")] == [f"at_{t}" for t in DEFAULT_TIMES]
    assert df.replicate.dtype == np.int32
    assert df.first_below_zero.dtype == np.int32
    assert list(zip(df.source[:6], df.target[:6], strict=True)) == [
        ("RUS", "IRN"), ("RUS", "USA"), ("IRN", "RUS"), ("IRN", "USA"),
        ("USA", "RUS"), ("USA", "IRN")]
    assert (df.source != df.target).all()
    with pytest.raises(ValueError, match="times"):
        dyad_metrics(fake_world(IDS3), trajectory_record, times=(-1,))


# ---------------------------------------------------------------- run metrics, by hand

def test_bloc_cohesion_exact():
    ids = ("RUS", "IRN", "USA", "CHN")
    a = np.zeros((3, 1, 4, 4))
    a[:, :, np.arange(4), np.arange(4)] = 1.0
    # bloc RUS, IRN, CHN = indices 0, 1, 3; six directed ties
    ties = {(0, 1): (0.6, 0.2), (1, 0): (0.4, 0.4), (0, 3): (0.5, 0.1),
            (3, 0): (0.7, 0.3), (1, 3): (0.3, 0.5), (3, 1): (0.1, 0.3)}
    for (i, j), (m1, m2) in ties.items():
        a[1:, 0, i, j] = [m1, m2]
    a[:, 0, 0, 2] = -0.9  # ties with the USA are not part of the bloc
    out = run_metrics(fake_world(ids), make_record(a))
    assert out.bloc_cohesion_end[0] == pytest.approx((0.2 + 0.4 + 0.1 + 0.3 + 0.5 + 0.3) / 6)
    assert out.bloc_cohesion_mean[0] == pytest.approx(
        sum(m1 + m2 for m1, m2 in ties.values()) / 12)
    # a bloc member absent from the roster is left out; one member alone gives NaN
    two = run_metrics(fake_world(ids), make_record(a), bloc=("RUS", "IRN", "XXX"))
    assert two.bloc_cohesion_end[0] == pytest.approx((0.2 + 0.4) / 2)
    one = run_metrics(fake_world(ids), make_record(a), bloc=("RUS",))
    assert np.isnan(one.bloc_cohesion_end[0])


@pytest.mark.parametrize(("ties", "expected"), [
    ((0.5, 0.5, 0.5), 0.0),      # all friends: balanced
    ((0.5, 0.5, -0.5), 1.0),     # one enmity: unbalanced
    ((0.5, -0.5, -0.5), 0.0),    # two friends against a common enemy: balanced
    ((-0.5, -0.5, -0.5), 1.0),   # all enemies: unbalanced
])
def test_unbalanced_triads_on_a_signed_triangle(ties, expected):
    assert unbalanced_triad_fraction(triangle(*ties)[None])[0] == expected


def test_unbalanced_triads_sign_uses_symmetrised_tie_and_skips_zero_ties():
    m = triangle(0.5, 0.5, 0.5)
    m[0, 2], m[2, 0] = 0.2, -0.6  # symmetrised tie -0.2: negative
    assert unbalanced_triad_fraction(m[None])[0] == 1.0
    m[0, 2], m[2, 0] = 0.3, -0.3  # symmetrised tie exactly 0: no signed triad
    assert np.isnan(unbalanced_triad_fraction(m[None])[0])


def test_unbalanced_triads_match_enumeration():
    rng = np.random.default_rng(3)
    n, reps = 7, 50
    a = rng.uniform(-1, 1, (reps, n, n))
    a[:, 0, 1] = -a[:, 1, 0]  # a zero tie in every matrix
    w = a + np.swapaxes(a, 1, 2)
    expected = []
    for r in range(reps):
        signs = [np.sign(w[r, i, j] * w[r, j, k] * w[r, i, k])
                 for i, j, k in itertools.combinations(range(n), 3)]
        signs = [s for s in signs if s != 0]
        expected.append(sum(s < 0 for s in signs) / len(signs))
    assert np.allclose(unbalanced_triad_fraction(a), expected, rtol=0, atol=1e-15)


def two_camp_matrix() -> tuple[tuple[str, ...], np.ndarray]:
    ids = ("USA", "RUS", "ISR", "IRN", "EU", "CHN")
    east = np.array([False, True, False, True, False, True])
    same = east[:, None] == east[None, :]
    m = np.where(same, 0.8, -0.6)
    np.fill_diagonal(m, 1.0)
    return ids, m


def test_two_bloc_split_on_two_clear_camps():
    ids, m = two_camp_matrix()
    rec = make_record(static(np.stack([m, -m + 2 * np.eye(6)]), months=2))
    out = run_metrics(fake_world(ids), rec)
    assert out.two_bloc_split_end[0] == "RUS+IRN+CHN"  # RUS's side, in roster order
    assert out.bloc_gap_end[0] == pytest.approx(0.8 - (-0.6))
    assert out.polarisation_end[0] == 0.0
    assert out.mean_abs_alignment_end[0] == pytest.approx((6 * 0.8 + 9 * 0.6) * 2 / 30)
    # all ties negated: every triad with two friends and one enemy or three enemies
    assert out.polarisation_end[1] == 1.0


def test_two_bloc_split_one_camp_and_missing_rus():
    ids = ("USA", "ISR", "EU")
    m = np.full((3, 3), 0.5)
    out = run_metrics(fake_world(ids), make_record(static(m[None])))
    assert out.two_bloc_split_end[0] == "USA+ISR+EU"  # one camp; first actor's side
    assert np.isnan(out.bloc_gap_end[0])
    assert np.isnan(out.bloc_cohesion_end[0])  # no bloc member present


def test_two_camps_reference_always_on_positive_side():
    _, m = two_camp_matrix()
    for ref in range(6):
        side, lead = two_camps(m[None], ref)
        assert side[0, ref]
        assert side[0].sum() == 3
        assert lead[0] > 0


def test_action_and_event_counts_exact():
    ids = ("RUS", "IRN", "USA")
    a = static(np.broadcast_to(np.eye(3), (2, 3, 3)), months=2)
    d = np.full((2, 2, 3, 3), Dyadic.MAINTAIN, dtype=np.int8)
    d[:, :, np.arange(3), np.arange(3)] = Dyadic.SANCTION  # diagonal: never counted
    d[0, 0, 0, 1] = Dyadic.DEEPEN
    d[1, 0, 0, 1] = Dyadic.DEEPEN
    d[1, 0, 2, 0] = Dyadic.SANCTION
    d[0, 1, 1, 0] = Dyadic.TRANSFER_ARMS
    stake = np.array([[0.5, 0.0, 0.2], [0.0, 0.0, 0.7]])  # (T=2, N=3)
    th = np.full((2, 2, 3, 2), TheatreAction.SUPPORT, dtype=np.int8)
    th[0, 0, 0, 0] = TheatreAction.INTERVENE  # RUS has a stake in theatre 0: counted
    th[0, 0, 1, 0] = TheatreAction.INTERVENE  # IRN has none there: not counted
    th[1, 1, 2, 1] = TheatreAction.MEDIATE    # USA in theatre 1: counted
    th[1, 1, 1, 1] = TheatreAction.WITHDRAW   # IRN, no stake: not counted
    events = [(1, "x", np.array([True, False])), (2, "y", np.array([True, True])),
              (2, "z", np.array([False, False]))]
    out = run_metrics(fake_world(ids, stake),
                      make_record(a, dyadic=d, theatre=th, events=events))
    assert [c for c in out.columns if c.startswith("n_") and "theatre" not in c] == [
        f"n_{name}" for name in DYADIC_NAMES if name != "maintain"] + ["n_events"]
    assert [c for c in out.columns if c.startswith("n_theatre_")] == [
        f"n_theatre_{name}" for name in THEATRE_NAMES if name != "support"]
    assert out.n_deepen.tolist() == [2, 0]
    assert out.n_sanction.tolist() == [1, 0]
    assert out.n_transfer_arms.tolist() == [0, 1]
    assert out.n_distance.tolist() == [0, 0]
    assert out.n_theatre_intervene.tolist() == [1, 0]
    assert out.n_theatre_mediate.tolist() == [0, 1]
    assert out.n_theatre_withdraw.tolist() == [0, 0]
    assert out.n_events.tolist() == [2, 1]
    assert out.seed.dtype == np.uint64 and out.replicate.dtype == np.int32

    bare = run_metrics(fake_world(ids, stake), make_record(a))
    assert bare.n_deepen.isna().all() and bare.n_theatre_mediate.isna().all()
    assert bare.n_events.tolist() == [0, 0]


# ---------------------------------------------------------------- real baseline run

@pytest.fixture(scope="module")
def short_run(baseline_world) -> Record:
    return run_batched(baseline_world, seeds=np.arange(4), keep_terms=False, months=24)


def test_baseline_run_shapes_and_signs(baseline_world, short_run):
    n = baseline_world.n
    runs = run_metrics(baseline_world, short_run)
    dyads = dyad_metrics(baseline_world, short_run)
    assert len(runs) == 4
    assert len(dyads) == 4 * n * (n - 1)
    alignment_cols = ["bloc_cohesion_end", "bloc_cohesion_mean", "polarisation_end",
                      "mean_abs_alignment_end", "bloc_gap_end"]
    assert not runs[alignment_cols].isna().any().any()
    assert not dyads[[c for c in dyads.columns if dyads[c].dtype.kind == "f"]].isna().any().any()
    assert (runs.bloc_cohesion_end > 0).all() and (runs.bloc_cohesion_mean > 0).all()
    assert (runs.bloc_gap_end > 0).all()
    for split in runs.two_bloc_split_end:
        camp = split.split("+")
        assert "RUS" in camp and "IRN" in camp and "USA" not in camp
    counts = [c for c in runs.columns if c.startswith("n_")]
    assert (runs[counts] >= 0).all().all()
    assert runs.n_events.sum() > 0
    assert tuple(BLOC) == ("RUS", "IRN", "CHN")


def one_replicate(record: Record, k: int) -> Record:
    keep = slice(k, k + 1)
    return Record(
        seeds=record.seeds[keep], alignment=record.alignment[:, keep],
        terms=None if record.terms is None else record.terms[:, keep],
        dyadic=None if record.dyadic is None else record.dyadic[:, keep],
        theatre=None if record.theatre is None else record.theatre[:, keep],
        distrust=record.distrust[:, keep],
        events=[(s, lab, rows[keep]) for s, lab, rows in record.events],
        clipped=record.clipped[:, keep],
    )


def test_batch_invariance(baseline_world, short_run):
    """Replicate k's metrics are the same bits whether computed in a batch or alone."""
    w = baseline_world
    runs, dyads = run_metrics(w, short_run), dyad_metrics(w, short_run)
    k = 2
    rerun = run_batched(w, seeds=short_run.seeds[k:k + 1], keep_terms=False, months=24)
    for alone in (one_replicate(short_run, k), rerun):
        r1, d1 = run_metrics(w, alone), dyad_metrics(w, alone)
        expect_r = runs[runs.replicate == k].reset_index(drop=True).assign(replicate=0)
        expect_d = dyads[dyads.replicate == k].reset_index(drop=True).assign(replicate=0)
        pd.testing.assert_frame_equal(r1, expect_r.astype(r1.dtypes.to_dict()),
                                      check_exact=True)
        pd.testing.assert_frame_equal(d1, expect_d.astype(d1.dtypes.to_dict()),
                                      check_exact=True)


def test_block_size_does_not_change_results(baseline_world, short_run, monkeypatch):
    w = baseline_world
    whole_r, whole_d = run_metrics(w, short_run), dyad_metrics(w, short_run)
    monkeypatch.setattr(metrics, "_BLOCK_ELEMENTS", 1)  # one replicate per block
    pd.testing.assert_frame_equal(run_metrics(w, short_run), whole_r, check_exact=True)
    pd.testing.assert_frame_equal(dyad_metrics(w, short_run), whole_d, check_exact=True)
