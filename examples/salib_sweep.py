"""Morris screening with SALib, by hand, from a sweep's analysis table.

`sim sensitivity` does this for you; the example shows the steps, so that the same table can
feed any other analysis: a tiny Morris design over three assumptions and a dummy (a
parameter the model never reads, whose effect must come out as exactly zero) is swept on the
baseline, then ``analysis.parquet`` (one row per run: ``p_`` parameters, ``m_`` metrics) is
averaged over each point's replicates and handed to ``SALib.analyze.morris``.

Run it from the repository root (the sweep goes to a temporary folder unless ``--out``)::

    python examples/salib_sweep.py [--out DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
from SALib.analyze import morris

from sim.runs.schema import parameter_column
from sim.runs.sweep import run_sweep

#: (registry name, low, high): the assumptions screened.
PARAMETERS = [
    ("dynamics.sanctions_value", 0.2, 2.0),
    ("dynamics.threat_shared", 0.15, 1.8),
    ("dynamics.adjustment_half_life", 2.0, 18.0),
    ("dummy.control", 0.0, 1.0),
]
OUTPUT = "m_bloc_cohesion_end"  # cohesion of Russia, Iran and China at the end of a run
SEED = 3
LEVELS = 4

EXPERIMENT = """\
name = "salib_example"
scenarios = ["baseline"]
seed = {seed}
replicates = 2
months = 24
[design]
kind = "morris"
samples = 6
levels = {levels}
{parameters}
[outputs]
times = [24]
trajectories = "none"
"""


def write_experiment(folder: Path) -> Path:
    """The experiment file: 6 Morris trajectories x (4 + 1) points, 2 replicates each."""
    params = "".join(f'[[parameters]]\nname = "{name}"\nlow = {low}\nhigh = {high}\n'
                     for name, low, high in PARAMETERS)
    path = folder / "salib_example.toml"
    path.write_text(EXPERIMENT.format(seed=SEED, levels=LEVELS, parameters=params))
    return path


def morris_table(analysis: Path, output: str = OUTPUT) -> pd.DataFrame:
    """Morris statistics of ``output`` from an analysis table: one row per parameter."""
    runs = pd.read_parquet(analysis)
    columns = [parameter_column(name).name for name, _, _ in PARAMETERS]  # p_dynamics_...
    # one row per design point, in design order: its parameters and the replicates' mean
    per_point = runs.groupby("point").agg({**dict.fromkeys(columns, "first"), output: "mean"})
    per_point = per_point.sort_index()
    problem = {"num_vars": len(PARAMETERS), "names": [n for n, _, _ in PARAMETERS],
               "bounds": [[low, high] for _, low, high in PARAMETERS]}
    res = morris.analyze(problem, per_point[columns].to_numpy(dtype=float),
                         per_point[output].to_numpy(dtype=float), num_levels=LEVELS,
                         conf_level=0.95, seed=SEED, print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "mu_star": res["mu_star"],
                          "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
    return table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def main(out: Path | None = None, workers: int = 1) -> pd.DataFrame:
    """Sweep the design into ``out`` (a temporary folder if None), print the screening."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(out) if out is not None else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        sweep = run_sweep(write_experiment(folder), workers=workers, out=folder / "sweep")
        table = morris_table(sweep.folder / "analysis.parquet")
    print(f"Morris screening of {OUTPUT} ({sweep.tasks_total} points x 2 replicates, "
          "baseline, 24 months), in hundredths of cohesion; conf: 95% half-interval")
    shown = table.assign(**{c: 100 * table[c] for c in ("mu_star", "mu_star_conf", "sigma")})
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    dummy = table.loc[table["parameter"] == "dummy.control", "mu_star"].item()
    print("The dummy's mu* is "
          + ("exactly zero, as it must be." if dummy == 0.0
             else f"{100 * dummy:.2f}, not zero: the model reads a parameter it must not."))
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the sweep here")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes")
    args = parser.parse_args()
    main(args.out, args.workers)
