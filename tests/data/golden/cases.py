"""The reference cases, computed the same way when the reference is made and when a test
checks it: runs on both paths, a sweep's tables, calibration losses."""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RUN_CASES = {  # scenario: (seeds, months)
    "baseline": ((1, 2, 3), 24),
    "israel_iran_war_mutual_defence": ((5, 6), 36),
    "history": ((9,), 60),
}


def runs() -> dict[str, np.ndarray]:
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario
    from sim.runs.ensemble import run_batched

    out: dict[str, np.ndarray] = {}
    for name, (seeds, months) in RUN_CASES.items():
        world = build_world(load_scenario(name))
        rec = run_batched(world, np.array(seeds, dtype=np.uint64), months=months)
        for field in ("alignment", "terms", "dyadic", "theatre", "distrust"):
            out[f"run/{name}/{field}"] = getattr(rec, field)
        out[f"run/{name}/events"] = np.array(
            [f"{step}|{label}|{''.join('1' if m else '0' for m in mask)}"
             for step, label, mask in rec.events])
    return out


def sweep_tables(tmp: Path) -> dict[str, np.ndarray]:
    from sim.runs.sweep import load_sweep, run_sweep

    run_sweep(HERE / "experiment.toml", workers=1, out=tmp / "sweep")
    res = load_sweep(tmp / "sweep")
    out: dict[str, np.ndarray] = {}
    for kind in ("runs", "dyads", "trajectories"):
        frame = getattr(res, kind)
        keys = [c for c in ("scenario", "point", "replicate", "dyad", "time", "metric")
                if c in frame.columns]
        frame = frame.sort_values(keys).reset_index(drop=True)
        for col in frame.columns:
            values = frame[col].to_numpy()
            out[f"sweep/{kind}/{col}"] = (values if values.dtype.kind in "fiub"
                                          else values.astype(str))
    return out


def calibration_losses() -> dict[str, np.ndarray]:
    from sim.analysis.calibration import load_calibration
    from sim.analysis.calibration.fit import build_problem, validation_seeds
    from sim.analysis.calibration.objective import evaluate_candidate, loss_parts

    out: dict[str, np.ndarray] = {}
    # a fit to the document targets, and the shipped fit to targets and in-sample votes
    for name in (HERE.parent / "calibration" / "recovery.toml", "calibrate_history"):
        cal, path = load_calibration(name)
        name = Path(name).stem
        problem, _ = build_problem(cal, path)
        seeds = validation_seeds(1, 2)
        for label, x in (("hand", problem.hand_set),
                         ("shifted", 0.7 * problem.hand_set + 0.3 * problem.high)):
            ev = evaluate_candidate(problem, x, seeds)
            parts = loss_parts(problem, x, ev)
            out[f"calibration/{name}/{label}"] = np.array(
                [parts.targets, parts.votes, parts.prior, parts.total])
    return out
