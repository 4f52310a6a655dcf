"""Running the alignment model with Mesa's own batch runner.

`mesa.batch_run` builds `sim.runs.model.AlignmentModel` from keyword parameters (a scenario,
a dotted parameter name, what to collect) and one replicate seed per run; the numbers are
those of the batched path for the same seeds (tests/test_mesa_conventions.py).

Run it from the repository root::

    python examples/mesa_batch_run.py
"""

from __future__ import annotations

import mesa
import pandas as pd

from sim.runs.model import AlignmentModel

SCENARIOS = ["baseline", "assad_falls"]
SEEDS = [1, 2]
MONTHS = 12
DYADS = ["RUS:IRN", "IRN:RUS", "USA:IRN"]


def main(months: int = MONTHS) -> pd.DataFrame:
    """Each scenario under two sanctions rates and two seeds; alignment after ``months``."""
    rows = mesa.batch_run(
        AlignmentModel,
        parameters={"scenario": SCENARIOS, "dynamics.sanctions_value": [0.0, 3.0],
                    "collect": ",".join(DYADS), "partners": "", "keep_terms": False},
        rng=SEEDS,
        max_steps=months,
        number_processes=1,
        data_collection_period=-1,  # the last month only
        display_progress=False,
    )
    table = pd.DataFrame(rows)[["scenario", "dynamics.sanctions_value", "replicate_seed",
                                "month", *DYADS, "mean_alignment"]]
    table = table.rename(columns={"dynamics.sanctions_value": "sanctions_value",
                                  "replicate_seed": "seed"})
    table = table.sort_values(["scenario", "sanctions_value", "seed"]).reset_index(drop=True)
    print(f"Alignment after {months} months (mesa.batch_run, {len(table)} runs)")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    return table


if __name__ == "__main__":
    main()
