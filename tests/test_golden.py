"""Refactors change no number: runs on the batched path, a sweep's tables and calibration
losses equal the reference made before the change (tests/data/golden/make.py).

A change meant to alter the model's numbers remakes the reference and says so in its
commit; everything else must leave it exactly as it is. Exact equality holds on the
machine family CI runs on; NumPy's SIMD tanh could differ in the last bit on another
processor, and the reference says at which commit it was made.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

GOLDEN = Path(__file__).parent / "data" / "golden"
sys.path.insert(0, str(GOLDEN))
from cases import calibration_losses, runs, sweep_tables  # noqa: E402


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(GOLDEN / "reference.npz") as ref:
        return {k: ref[k] for k in ref.files}


def _check(got: dict[str, np.ndarray], reference: dict[str, np.ndarray], prefix: str) -> None:
    want = {k: v for k, v in reference.items() if k.startswith(prefix)}
    assert want, f"the reference holds nothing under {prefix!r}"
    assert sorted(got) == sorted(want), "the cases' outputs are not those of the reference"
    made = str(reference["made_at_commit"])[:10]
    for key, value in want.items():
        assert np.array_equal(got[key], value), f"{key} differs from the reference ({made})"


def test_runs_equal_the_reference(reference):
    _check(runs(), reference, "run/")


def test_a_sweep_equals_the_reference(reference, tmp_path):
    _check(sweep_tables(tmp_path), reference, "sweep/")


def test_calibration_losses_equal_the_reference(reference):
    _check(calibration_losses(), reference, "calibration/")
