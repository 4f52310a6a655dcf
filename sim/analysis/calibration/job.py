"""`sim calibrate` as a job: check the file, fit on a worker pool, write a staged folder.

Nothing is written until the whole calibration has finished; a bad file or an interrupted
run leaves ``results/`` as it was (`sim.runs.results_io.staged_dir`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sim.analysis.calibration.config import (
    Calibration,
    load_calibration,
    targets_path,
    unga_data_path,
)
from sim.analysis.calibration.fit import (
    CalibrationResult,
    Mapper,
    calibrate,
    fit_seeds,
    planned_evaluations,
    validation_seeds,
)
from sim.analysis.calibration.report import write_calibration
from sim.runs.manifest import build_manifest, sha256_file, write_manifest
from sim.runs.results_io import new_run_id, staged_dir
from sim.runs.sweep import task_executor


@dataclass
class CalibrationOutcome:
    folder: Path
    run_id: str
    result: CalibrationResult


def evaluation_mapper(executor, progress: Callable[[int], None] | None) -> Mapper:
    """Evaluate a batch in order, on the pool if there is one, then report progress."""
    def run(func: Callable, items: Iterable) -> list:
        items = list(items)
        out = list(executor.map(func, items)) if executor is not None else [func(x) for x in
                                                                             items]
        if progress:
            progress(len(items))
        return out
    return run


def _manifest(res: CalibrationResult) -> dict:
    from sim.analysis.calibration.objective import candidate_world

    cal = res.cal
    world = candidate_world(res.problem, res.calibrated)
    vseeds = validation_seeds(cal.seed, cal.validation_replicates)
    return build_manifest(world, res.scenario_file, vseeds, "batched", extra={
        "kind": "rusiran-sim calibration",
        "calibration": {"file": str(res.cal_file), "sha256": sha256_file(res.cal_file),
                        "resolved": cal.model_dump(mode="json")},
        "targets": {"file": str(targets_path(cal, res.cal_file)),
                    "sha256": sha256_file(targets_path(cal, res.cal_file))},
        "fit_seeds": {str(k): [int(s) for s in fit_seeds(cal.seed, k, cal.replicates)]
                      for k in range(cal.fits)},
        "calibrated": dict(zip(res.problem.names, map(float, res.calibrated), strict=True)),
        "hand_set": dict(zip(res.problem.names, map(float, res.problem.hand_set),
                             strict=True)),
        "workers": res.workers, "seconds": round(res.seconds, 2),
        "evaluations": res.evaluations,
        "scipy": __import__("scipy").__version__,
        **_votes_manifest(res),
    })


def _votes_manifest(res: CalibrationResult) -> dict:
    """The UNGA data (file, hash, citation) and the scores, hand-set and calibrated."""
    from sim.analysis.calibration import unga as u

    if res.cal.unga is None:
        return {}
    path = unga_data_path(res.cal, res.cal_file)
    scores = {}
    for which, fit in (("hand_set", res.hand_votes), ("calibrated", res.calibrated_votes)):
        if fit is None or fit.scores is None:
            continue
        scores[which] = u.manifest_extra(fit.scores, path, fit.scores.measure)["unga"]
        scores[which].update(n_rank=fit.n_rank, n_within=fit.n_within, rho=fit.rho,
                             reliability_rank=fit.reliability_rank,
                             reliability_within=fit.reliability_within,
                             deviance=fit.deviance, loss_term=fit.term)
    return {"unga": {"weight": res.cal.unga.weight, "held_out_from": u.HELD_OUT_FROM,
                     **u._finite(scores)}}


def with_budget(cal: Calibration, fits: int | None = None, maxiter: int | None = None,
                popsize: int | None = None) -> Calibration:
    """The calibration with its effort changed from the command line (the manifest records
    the settings actually used)."""
    data = cal.model_dump()
    for key, value in (("maxiter", maxiter), ("popsize", popsize)):
        if value is not None:
            data["optimiser"][key] = value
    if fits is not None:
        data["fits"] = fits
    return Calibration.model_validate(data)


def run_calibration(name_or_path: str | Path, *, results_dir: Path, workers: int = 1,
                    scheduler: str | None = None, fits: int | None = None,
                    maxiter: int | None = None, popsize: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> CalibrationOutcome:
    cal, path = load_calibration(name_or_path)
    cal = with_budget(cal, fits, maxiter, popsize)
    total = planned_evaluations(cal)
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        if progress:
            progress(min(done[0], total), total)

    with task_executor(workers, scheduler) as (ex, n_workers):
        res = calibrate(cal, path, evaluation_mapper(ex, step), workers=n_workers)
    run_id = new_run_id(cal.name)
    with staged_dir(Path(results_dir) / "calibration", run_id) as tmp:
        write_calibration(res, tmp, run_id)
        write_manifest(tmp / "manifest.json", _manifest(res))
    if progress:
        progress(total, total)
    return CalibrationOutcome(Path(results_dir) / "calibration" / run_id, run_id, res)
