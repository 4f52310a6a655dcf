"""Commands that fit and check the model against data: calibrate, unga, episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli import ui
from sim.cli.app import app
from sim.core.config_errors import ConfigError
from sim.core.settings import get_settings


@app.command()
def calibrate(
    calibration: Annotated[str, typer.Argument(help="calibration file in experiments/ or a "
                                                    "path")] = "calibrate_history",
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, e.g. tcp://host:8786")]
    = None,
    fits: Annotated[int | None, typer.Option(min=1, help="repeated fits (overrides the file)")]
    = None,
    maxiter: Annotated[int | None, typer.Option(min=1, help="generations per fit (overrides "
                                                            "the file)")] = None,
    popsize: Annotated[int | None, typer.Option(min=2, help="population multiplier "
                                                            "(overrides the file)")] = None,
    results: Annotated[Path | None, ui.path_option(help="results folder")] = None,
    screen: Annotated[bool, typer.Option(
        help="only rank every rate by how much halving and doubling it moves the in-sample "
             "targets (what is worth fitting); writes nothing")] = False,
) -> None:
    """Fit the free parameters to the documents' targets; report every target, in-sample and
    held out; write the calibrated dynamics table and scenario."""
    from sim.analysis.calibration import load_calibration, run_calibration

    try:
        cal, path = load_calibration(calibration)  # refuse a bad file before anything starts
        if screen:
            _print_screen(cal, path, workers or get_settings().workers)
            return
        with ui.progress("evaluations", remaining=False) as bar:
            task = bar.add_task(calibration, total=None)
            outcome = run_calibration(
                calibration, results_dir=results or get_settings().results_dir,
                workers=workers or get_settings().workers, scheduler=scheduler, fits=fits,
                maxiter=maxiter, popsize=popsize,
                progress=lambda d, t: bar.update(task, completed=d, total=t))
    except ConfigError as exc:
        ui.fail(str(exc))
    except OSError as exc:
        ui.fail(f"cannot reach the Dask scheduler {scheduler}: {exc}" if scheduler else str(exc))
    _print_calibration(outcome.result)
    ui.console.print(f"Report: {outcome.folder / 'report.md'}", markup=False)
    ui.console.print(f"Calibrated dynamics: {outcome.folder / 'dynamics.toml'}", markup=False)


def _print_screen(cal, path: Path, workers: int) -> None:
    from sim.analysis.calibration.job import evaluation_mapper
    from sim.analysis.calibration.screen import screen_rates
    from sim.runs.sweep import task_executor

    with task_executor(workers, None) as (ex, _):
        table = screen_rates(cal, path, evaluation_mapper(ex, None))
    t = Table(title=f"In-sample targets' response to halving and doubling each rate "
                    f"({cal.replicates} replicates)")
    for col in ("parameter", "hand-set", "effect", "most moved target", "fitted"):
        t.add_column(col)
    for r in table.to_dict("records"):
        t.add_row(r["parameter"], f"{r['hand_set']:.4g}", f"{r['effect']:.3f}",
                  r["largest_target"], "yes" if r["fitted"] else "")
    ui.console.print(t)


def _print_calibration(res) -> None:
    from sim.analysis.calibration.report import parameter_table

    t = Table(title=f"Targets ({res.cal.validation_replicates} fresh replicates)")
    for col in ("target", "sample", "hand-set", "calibrated"):
        t.add_column(col)
    for h, c in zip(res.hand_results, res.calibrated_results, strict=True):
        t.add_row(h.target.id, "held out" if h.held_out else "in-sample",
                  f"{h.value:+.3f} {h.verdict}", f"{c.value:+.3f} {c.verdict}")
    ui.console.print(t)
    p = Table(title=f"Parameters ({len(res.fits)} fits)")
    for col in ("parameter", "hand-set", "calibrated", "fits range", "slice interval"):
        p.add_column(col)
    for r in parameter_table(res).to_dict("records"):
        cut = f"[{r['slice_low']:.4g}, {r['slice_high']:.4g}]" if "slice_low" in r else ""
        p.add_row(r["parameter"], f"{r['hand_set']:.4g}", f"{r['calibrated']:.4g}",
                  f"[{r['fits_min']:.4g}, {r['fits_max']:.4g}]", cut)
    ui.console.print(p)
    hand, fitted = res.hand_votes, res.calibrated_votes
    if hand is not None and fitted is not None:
        v = Table(title="UN General Assembly votes, 1992-2012 (in sample)")
        for col in ("", "Spearman, pooled", "within-dyad r", "loss term"):
            v.add_column(col)
        for label, f in (("hand-set", hand), ("calibrated", fitted)):
            v.add_row(label, f"{f.spearman:.2f}", f"{f.within_r:.2f}", f"{f.term:.2f}")
        ui.console.print(v)
    if res.hand.episodes is not None or res.hand.expectations is not None:
        from sim.analysis.calibration.report import episode_verdict, expectation_verdict

        hand_parts, cal_parts = res.parts()
        d = Table(title="The documents' episodes and scenario expectations")
        for col in ("", "episodes met", "expectations met", "episodes' part",
                    "expectations' part"):
            d.add_column(col)
        for label, ev, parts in (("hand-set", res.hand, hand_parts),
                                 ("calibrated", res.calibrated_evaluation, cal_parts)):
            d.add_row(label, episode_verdict(ev), expectation_verdict(ev),
                      f"{parts.episodes:.2f}", f"{parts.expectations:.2f}")
        ui.console.print(d)


@app.command()
def unga(
    scenario: Annotated[str, typer.Argument(help="scenario name in scenarios/ or a file")]
    = "history",
    replicates: Annotated[int | None, typer.Option("--replicates", "-n", min=1,
                                                   help="ensemble size")] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (replicate k: seed + k)")] = None,
    measure: Annotated[str, typer.Option(help="idealpoint_distance_fp (primary), "
                                              "unga_agreement_lijphart or unga_s_score")]
    = "idealpoint_distance_fp",
    measurement: Annotated[str, typer.Option(
        help="measurement model: hegemony (default: distance ~ alpha - beta x alignment + "
             "gamma x the two states' gap in standing towards the US-led order) or one "
             "(alignment alone)")] = "hegemony",
    data: Annotated[Path | None, ui.path_option(help="UNGA dyad file (default: "
                                                   "SIM_DATA_DIR/unga_dyads_1991_2012.csv)")]
    = None,
    results: Annotated[Path | None, ui.path_option(help="results folder; the report goes "
                                                      "to <results>/unga/<time>/")] = None,
) -> None:
    """Compare the replay with UN General Assembly votes 1991-2012 (in-sample; 2013 on is
    held out): fit a measurement model, score ranks, within-dyad changes, large changes
    (of the model's prediction with --measurement hegemony, of its alignment with one)."""
    from sim.analysis.calibration import unga as u
    from sim.runs.ensemble import ensemble_seeds, run_batched
    from sim.runs.manifest import build_manifest
    from sim.runs.run_job import prepare_run

    settings = get_settings()
    if measure not in u.MEASURES:
        ui.fail(f"--measure: bad value {measure!r}; allowed: {', '.join(u.MEASURES)}")
    if measurement not in u.MEASUREMENTS:
        ui.fail(f"--measurement: bad value {measurement!r}; allowed: "
              f"{', '.join(u.MEASUREMENTS)}")
    reps = replicates or settings.ensemble_size
    base = settings.base_seed if seed is None else seed
    data_file = data or u.default_data_file()
    try:
        obs = u.load_unga(data_file)
        prepared = prepare_run(scenario)
        world = prepared.world
        months = min(world.horizon, u.months_through(world.start))
        if months < 12:
            ui.fail(f"scenario {scenario!r} starts {world.start}: no whole year before "
                  f"{u.HELD_OUT_FROM} to compare with the UNGA data ({u.FIRST_YEAR}-"
                  f"{u.LAST_YEAR})")
        seeds = ensemble_seeds(base, reps)
        rec = run_batched(world, seeds, keep_terms=False, months=months)
        scores, matched = u.evaluate_unga(rec.alignment, world.roster.ids, world.start, obs,
                                          measure, measurement)
    except ConfigError as exc:
        ui.fail(str(exc))
    except ValueError as exc:
        ui.fail(str(exc))
    for table in u.rich_tables(scores):
        ui.console.print(table)
    for note in scores.notes:
        ui.console.print(f"note: {note}", markup=False, highlight=False)
    report = u.unga_report(scores, scenario=world.scenario.name, seed=base, data_file=data_file)
    manifest = build_manifest(world, prepared.path, seeds, "batched",
                              extra={**u.manifest_extra(scores, Path(data_file), measure),
                                     "base_seed": base, "months_run": months})
    folder = u.write_unga(results or settings.results_dir, report, manifest,
                          u.dyad_year_table(matched, scores.fit))
    ui.console.print(f"Data: {u.CITATION}", markup=False, highlight=False)
    ui.console.print(f"Report: {folder / 'report.md'}", markup=False)


@app.command()
def episodes(
    dynamics: Annotated[Path | None, ui.path_option(
        help="dynamics table to use instead of the history's (e.g. one written by "
             "sim calibrate)")] = None,
    replicates: Annotated[int, typer.Option("--replicates", "-n", min=2,
                                            help="ensemble size")] = 32,
    seed: Annotated[int, typer.Option(help="base seed (replicate k: seed + k)")] = 0,
    file: Annotated[Path | None, ui.path_option(
        help="episode file (default: the built-in sim/data/history_episodes.toml)")] = None,
) -> None:
    """Replay the history and check its documented episodes and shape: each episode's
    statistic against the size the documents imply (sim/data/history_episodes.toml)."""
    from sim.analysis import history_episodes as he
    from sim.runs.ensemble import ensemble_seeds, run_batched
    from sim.runs.run_job import prepare_run

    try:
        book = he.load_episodes(file or he.EPISODES_FILE)
        prepared = prepare_run("history", dynamics)
        world = prepared.world
        months = he.months_needed(book, world.start)
        if months > world.horizon:
            ui.fail(f"the history replay runs {world.horizon} months from {world.start}; "
                    f"the episodes need {months}")
        rec = run_batched(world, ensemble_seeds(seed, replicates), keep_terms=False,
                          months=months)
        replay = he.Replay(world.start, world.roster.ids, rec.alignment)
        results = he.episode_results(book, replay)
        shape = he.shape_problems(book.shape, replay)
    except (ConfigError, ValueError) as exc:
        ui.fail(str(exc))
    t = Table(title=f"Documented episodes ({replicates} replicates; a check passes within "
                    f"{book.tolerance_se:g} standard errors of its range)", show_lines=True)
    for col in ("episode", "dyad", "statistic", "windows", "documented", "replay", "verdict"):
        t.add_column(col)
    met = 0
    for episode in book.episodes:
        checks = results[episode.id]
        met += all(r.passes for r in checks)
        for r in checks:
            c = r.check
            windows = (f"{'–'.join(c.before)} → " if c.before else "") + "–".join(c.after)
            verdict = "passes" if r.passes else "misses"
            if not episode.model_agrees:
                verdict += " (known disagreement)"
            t.add_row(episode.title, c.dyad.replace(":", " → "), c.statistic, windows,
                      c.bounds(), f"{r.value:+.2f} ± {r.tolerance:.2f}", verdict)
    ui.console.print(t)
    ui.console.print(f"{met} of {len(book.episodes)} episodes met", markup=False)
    for problem in shape:
        ui.console.print(f"shape: {problem}", markup=False, highlight=False)
    if not shape:
        ui.console.print("shape: kept (no key dyad moves too much early; signs as documented)",
                         markup=False)
