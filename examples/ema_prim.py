"""Scenario discovery with EMA Workbench: which rates leave Russia cool towards Iran?

Four global rates of the baseline scenario are sampled over the ranges the parameter
registry declares for them (a Latin hypercube by EMA's sampler), each point is run for
``MONTHS`` months and ``REPLICATES`` replicates (`sim.adapters.ema`), then

- PRIM (`ema_workbench.analysis.prim`) looks for the box of rates where Russia's
  alignment towards Iran at the end falls in the lowest quarter of the runs;
- extra-trees feature scoring (`ema_workbench.analysis.feature_scoring`) ranks the rates
  by how much each outcome depends on them.

A spread of model runs, not a forecast. Needs the ``ema`` extra (``pip install -e
'.[ema]'``). Run it from the repository root::

    python examples/ema_prim.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ema_workbench import SequentialEvaluator
from ema_workbench.analysis import feature_scoring, prim

from sim.adapters import ema

ADDRESSES = ["dynamics.sanctions_value", "dynamics.threat_shared",
             "dynamics.distrust_weight", "dynamics.adjustment_half_life"]
SCENARIO = "baseline"
SAMPLES = 32
MONTHS = 24
REPLICATES = 4
SEED = 7


def main(samples: int = SAMPLES, months: int = MONTHS,
         replicates: int = REPLICATES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the design, print the PRIM box and the feature scores; return both tables."""
    model = ema.from_registry(SCENARIO, ADDRESSES, replicates=replicates, seed=SEED,
                              months=months)
    # SequentialEvaluator keeps the example simple; MultiprocessingEvaluator(model.model,
    # n_processes=2) gives the same numbers (tests/test_ema.py)
    with SequentialEvaluator(model.model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=model.latin_hypercube(samples, seed=SEED), log_progress=True)
    x = experiments[list(model.names)]
    end = outcomes["RUS_IRN_end"]
    cut = float(np.quantile(end, 0.25))
    y = end <= cut

    finder = prim.Prim(x, y)  # PRIM's defaults: peel 5% at a time, boxes of >= 5% mass
    box = finder.find_box()
    limits, initial = box.box_lim, finder.box_init
    declared = {u.name: u for u in model.uncertainties}
    # only the restricted parameters: a limit PRIM moved in from the sampled span
    rows = [{"parameter": model.names[name], "box_low": limits[name][0],
             "box_high": limits[name][1], "declared_low": declared[name].low,
             "declared_high": declared[name].high}
            for name in limits.columns
            if (limits[name][0], limits[name][1]) != (initial[name][0], initial[name][1])]
    box_table = pd.DataFrame(rows, columns=["parameter", "box_low", "box_high",
                                            "declared_low", "declared_high"])

    scores = feature_scoring.get_feature_scores_all(
        x, {k: outcomes[k] for k in model.scalar_outcomes}, random_state=SEED)
    scores.index = [model.names[name] for name in scores.index]
    scores.index.name = "parameter"
    scores = scores.sort_values("RUS_IRN_end", ascending=False)

    def two(v: float) -> str:
        return f"{v:.2f}"

    print(f"EMA Workbench: {len(experiments)} experiments of {SCENARIO}, {months} months, "
          f"{replicates} replicates each")
    print(f"Cases of interest: RUS->IRN alignment after {months} months at most "
          f"{cut:.2f} (lowest quarter, {int(y.sum())} cases)")
    print(f"PRIM box: coverage {box.coverage:.2f}, density {box.density:.2f}, "
          f"mass {box.mass:.2f}")
    print(box_table.to_string(index=False, float_format=two))
    print("Feature scores (extra trees)")
    print(scores.to_string(float_format=two))
    return box_table, scores


if __name__ == "__main__":
    main()
