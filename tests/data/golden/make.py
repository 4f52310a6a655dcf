"""Make the reference results that refactors are checked against (tests/test_golden.py).

Run ``.venv/bin/python tests/data/golden/make.py`` only when a change is *meant* to change
the model's numbers, and say so in the commit; a refactor must leave them as they are.
Writes ``reference.npz`` (runs, a sweep's tables and calibration losses) with the commit
it was made at.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cases import calibration_losses, runs, sweep_tables  # noqa: E402


def main() -> None:
    arrays: dict[str, np.ndarray] = {}
    arrays.update(runs())
    with tempfile.TemporaryDirectory() as tmp:
        arrays.update(sweep_tables(Path(tmp)))
    arrays.update(calibration_losses())
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip()
    arrays["made_at_commit"] = np.array(commit)
    np.savez_compressed(HERE / "reference.npz", **arrays)
    print(f"wrote {len(arrays)} arrays to {HERE / 'reference.npz'} at {commit[:10]}")


if __name__ == "__main__":
    main()
