"""The command line: ``sim run``, ``sim explain``, ``sim params``, ``sim scenarios``, …

A bad input file or value never produces a traceback: the command prints every problem
(file, field, value, what is allowed) and exits with status 2, having written nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.core.config_errors import ConfigError
from sim.core.settings import get_settings
from sim.seminar.web.cli_seminar import HELP as SEMINAR_HELP
from sim.seminar.web.cli_seminar import seminar_command

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Agent-based model of Russia-Iran alignment and its neighbours.")
# Not on a terminal (CI logs, pipes), rich would wrap at 80 columns; tables need more.
console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/bold red] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="scenario name in scenarios/ or a file")]
    = "baseline",
    replicates: Annotated[int | None, typer.Option("--replicates", "-n", min=1,
                                                   help="ensemble size")] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (replicate k: seed + k)")] = None,
    engine: Annotated[str, typer.Option(help="mesa (per-agent) or batched")] = "mesa",
    results: Annotated[Path | None, typer.Option(help="results folder")] = None,
    figure: Annotated[bool, typer.Option(help="draw the key-dyads figure")] = True,
    dynamics: Annotated[Path | None, typer.Option(
        help="dynamics table to use instead of the scenario's (e.g. one written by "
             "sim calibrate)")] = None,
) -> None:
    """Run a scenario as an ensemble and write trajectories, drivers, log and manifest."""
    from sim.runs.run_job import prepare_run, run_scenario

    settings = get_settings()
    if engine not in ("mesa", "batched"):
        _fail(f"--engine: bad value {engine!r}; allowed: mesa, batched")
    reps = replicates or settings.ensemble_size
    base = settings.base_seed if seed is None else seed
    out = results or settings.results_dir
    try:
        prepared = prepare_run(scenario, dynamics)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("runs"), TimeElapsedColumn(),
                      TextColumn("left"), TimeRemainingColumn(), console=err) as bar:
            task = bar.add_task(f"{scenario} ({engine})", total=reps)
            outcome = run_scenario(prepared, replicates=reps, base_seed=base, results_dir=out,
                                   engine=engine, figure=figure,  # type: ignore[arg-type]
                                   progress=lambda k: bar.advance(task, k))
    except ConfigError as exc:
        _fail(str(exc))
    _print_summary(outcome)


def _print_summary(outcome) -> None:
    w, s = outcome.world, outcome.summary
    names = dict(zip(w.roster.ids, w.roster.names, strict=True))
    t = Table(title=f"{w.scenario.name}: {s['replicates']} runs, {w.start} + "
                    f"{w.horizon} months ({outcome.seconds:.1f} s)")
    for col in ("dyad", "start", "1 y", "5 y", "end", "end 90% range", "largest driver"):
        t.add_column(col)
    for d in s["dyads"]:
        main = next(iter(d.get("main_drivers_by_name", {}).items()), ("", 0.0))
        t.add_row(f"{names[d['source']]} → {names[d['target']]}", f"{d['start']:+.2f}",
                  f"{d['after_1y']:+.2f}", f"{d['after_5y']:+.2f}", f"{d['end']:+.2f}",
                  f"{d['end_p05']:+.2f} … {d['end_p95']:+.2f}", f"{main[0]} {main[1]:+.2f}")
    console.print(t)
    console.print(f"Results: {outcome.directory}")
    console.print("Figure: key_dyads.png; why a dyad moved: sim explain RUS IRN")


@app.command()
def explain(
    source: Annotated[str, typer.Argument(help="actor id, e.g. RUS")],
    target: Annotated[str, typer.Argument(help="actor id, e.g. IRN")],
    run_ref: Annotated[str, typer.Option("--run", help="run id, folder, or latest")] = "latest",
    replicate: Annotated[int | None, typer.Option(help="one replicate instead of the mean")]
    = None,
    top: Annotated[int, typer.Option(help="drivers to list")] = 6,
    months: Annotated[int, typer.Option(help="largest months to list")] = 5,
    results: Annotated[Path | None, typer.Option(help="results folder")] = None,
) -> None:
    """Say which drivers moved a dyad, and when, largest first."""
    from sim.analysis.explain import explain as do_explain
    from sim.analysis.explain import history_from_run
    from sim.runs.results_io import resolve_run

    try:
        run_files = resolve_run(results or get_settings().results_dir, run_ref)
        hist = history_from_run(run_files, source.upper(), target.upper())
        text = do_explain(hist, replicate=replicate, months=months).text(top=top)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        _fail(str(exc).strip('"'))
    console.print(f"[dim]run {run_files.directory.name}[/dim]")
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def params(
    actor: Annotated[str, typer.Argument(help="actor id or name, e.g. iran or IRN")],
    dyads: Annotated[bool, typer.Option(help="also show its relations and stakes")] = True,
) -> None:
    """Print an actor's parameters with their sources (file and quote) or assumptions."""
    from sim.cli.params_view import print_actor
    from sim.inputs.roster import default_roster_file

    try:
        print_actor(default_roster_file(), actor, console, dyads=dyads)
    except KeyError as exc:
        _fail(str(exc).strip('"'))
    except ConfigError as exc:
        _fail(str(exc))


@app.command()
def addresses(
    scenario: Annotated[str, typer.Option(help="scenario whose actors and events to list")]
    = "baseline",
    family: Annotated[str | None, typer.Option(help="only one kind: dynamics, actor, "
                                                    "domestic_balance, dyad or event")] = None,
) -> None:
    """List the parameter registry: every address a sweep, calibration or the API may set,
    with its allowed range, unit and meaning."""
    from rich.table import Table

    from sim.inputs import registry
    from sim.inputs.scenario import load_scenario, resolve_scenario_path

    if family is not None and family not in registry.FAMILIES:
        _fail(f"--family: bad value {family!r}; allowed: {', '.join(registry.FAMILIES)}")
    try:
        path = resolve_scenario_path(scenario)
        scope = registry.Scope.of_scenario(load_scenario(path), path.parent)
    except ConfigError as exc:
        _fail(str(exc))
    rows = [s for s in registry.specs(scope) if family is None or s.family == family]
    t = Table(title=f"Parameter registry ({scenario}): {len(rows)} addresses")
    for col in ("address", "allowed", "unit", "meaning"):
        t.add_column(col)
    for s in rows:
        t.add_row(s.address, f"[{s.low:g}, {s.high:g}]", s.unit, s.meaning)
    console.print(t)


@app.command()
def scenarios() -> None:
    """List the named scenarios with their descriptions."""
    from sim.inputs.scenario import load_scenario

    t = Table(title="Scenarios", show_lines=True)
    t.add_column("name", no_wrap=True)
    t.add_column("description")
    for path in sorted(get_settings().scenarios_dir.glob("*.toml")):
        try:
            sc = load_scenario(path)
            t.add_row(sc.name, f"[bold]{sc.title}[/bold]\n{sc.description}")
        except ConfigError as exc:
            t.add_row(path.stem, f"[red]invalid: {len(exc.problems)} problem(s); "
                                 f"run sim validate {path}[/red]")
    console.print(t)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="scenario files")]) -> None:
    """Check scenario files and report every problem at once."""
    from sim.inputs.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            load_scenario(f)
            console.print(f"[green]ok[/green] {f}")
        except ConfigError as exc:
            bad += 1
            err.print(str(exc), highlight=False)
    if bad:
        raise typer.Exit(2)


@app.command()
def effects(
    scenario: Annotated[str | None, typer.Argument(help="scenario name or file")] = None,
    all_scenarios: Annotated[bool, typer.Option("--all", help="every scenario in scenarios/")]
    = False,
    markdown: Annotated[bool, typer.Option(help="print a Markdown table")] = False,
    replicates: Annotated[int, typer.Option("--replicates", "-n", min=2)] = 32,
) -> None:
    """Check scenarios' documented expected effects against their reference scenarios."""
    from sim.analysis.scenario_effects import measure

    if all_scenarios == (scenario is not None):
        _fail("give one scenario, or --all")
    paths = (sorted(get_settings().scenarios_dir.glob("*.toml")) if all_scenarios
             else [scenario])
    rows = []
    try:
        for ref in paths:
            sc, results = measure(str(ref), replicates=replicates)
            rows += [(sc, r) for r in results]
    except ConfigError as exc:
        _fail(str(exc))
    if markdown:
        print("| scenario | dyad | expected | months | effect [95% CI] | verdict |")
        print("|---|---|---|---|---|---|")
    else:
        t = Table(title=f"Expected effects ({replicates} paired runs)", show_lines=True)
        for col in ("scenario", "dyad", "expected", "months", "effect [95% CI]", "verdict",
                    "evidence"):
            t.add_column(col)
    met = 0
    for sc, r in rows:
        e = r.expected
        met += r.met
        verdict = "met" if r.met else "not met"
        if not e.model_agrees:
            verdict += " (known disagreement)"
        want = (f"within ±{e.min_effect:.2f}" if e.direction == "none"
                else f"{e.direction} ≥ {e.min_effect:.2f}")
        cells = (f"{sc.name} vs {sc.reference}", f"{e.source} → {e.target}", want,
                 f"{e.months[0]}–{e.months[1] - 1}",
                 f"{r.effect:+.3f} [{r.low:+.3f}, {r.high:+.3f}]", verdict)
        if markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            t.add_row(*cells, e.evidence.describe())
    if not markdown:
        console.print(t)
    if not rows:
        console.print("no expected effects stated")
    else:
        console.print(f"{met} of {len(rows)} expectations met", markup=False)


@app.command()
def sweep(
    experiment: Annotated[str, typer.Argument(help="experiment name in experiments/ or a file")],
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, e.g. tcp://host:8786")]
    = None,
    out: Annotated[Path | None, typer.Option(help="sweep folder (default results/sweeps/NAME)")]
    = None,
    restart: Annotated[bool, typer.Option(help="discard this folder's parts and start afresh")]
    = False,
    engine: Annotated[str, typer.Option(help="batched (fast) or mesa (per-agent); the "
                                             "results are identical")] = "batched",
) -> None:
    """Run an experiment (or resume it): scenarios x design points x replicates."""
    from sim.inputs.experiment import load_experiment
    from sim.runs.sweep import run_sweep

    n = workers or get_settings().workers
    try:
        load_experiment(experiment)  # refuse a bad file before anything starts
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("runs"),
                      TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                      TextColumn("left"), TimeRemainingColumn(), console=err) as bar:
            task = bar.add_task(experiment, total=None, rate="")
            started: dict[str, float] = {}

            def report(done: int, total: int) -> None:
                import time
                now = time.perf_counter()
                first = started.setdefault("t", now)
                started.setdefault("done0", done)
                fresh = done - started["done0"]
                rate = f"{fresh / (now - first):.1f} runs/s" if now > first and fresh else ""
                bar.update(task, completed=done, total=total, rate=rate)

            outcome = run_sweep(experiment, workers=n, scheduler=scheduler, out=out,
                                restart=restart, engine=engine, progress=report)
    except ConfigError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot reach the Dask scheduler {scheduler}: {exc}" if scheduler else str(exc))
    console.print(f"{outcome.tasks_run} tasks run, {outcome.tasks_skipped} already done "
                  f"(of {outcome.tasks_total}); {outcome.runs_done} runs in "
                  f"{outcome.seconds:.1f} s on {outcome.workers} worker(s) ({outcome.engine})",
                  markup=False)
    console.print(f"Results: {outcome.folder}", markup=False)


@app.command()
def sensitivity(
    experiment: Annotated[str, typer.Argument(help="experiment (its sweep runs or resumes "
                                                   "first) or a sweep folder")],
    output: Annotated[str, typer.Option(help="dyad:SRC:TGT:STAT or run:COLUMN")]
    = "dyad:RUS:IRN:mean",
    scenario: Annotated[str | None, typer.Option(help="which scenario of the sweep")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes")] = None,
    engine: Annotated[str, typer.Option(help="for a sweep that runs first: batched (fast) or "
                                             "mesa (per-agent); the results are identical")]
    = "batched",
) -> None:
    """Sobol indices (with intervals) or Morris screening of an output, from a sweep."""
    from sim import api

    try:
        with Progress(TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=err) as bar:
            task = bar.add_task("sweep", total=None)
            report = api.sensitivity(experiment, output=output, scenario=scenario,
                                     workers=workers or get_settings().workers,
                                     engine=engine,
                                     progress=lambda d, t: bar.update(task, completed=d,
                                                                      total=t))
    except ConfigError as exc:
        _fail(str(exc))
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    t = Table(title=f"{report.kind} sensitivity of {output} ({report.scenario})")
    cols = (["parameter", "S1", "S1 95% CI", "ST", "ST 95% CI"] if report.kind == "sobol"
            else ["parameter", "mu*", "mu* 95% CI", "sigma", "mu"])
    for col in cols:
        t.add_column(col)
    for r in report.table.itertuples(index=False):
        if report.kind == "sobol":
            t.add_row(r.parameter, f"{r.S1:.3f}", f"[{r.S1_low:.3f}, {r.S1_high:.3f}]",
                      f"{r.ST:.3f}", f"[{r.ST_low:.3f}, {r.ST_high:.3f}]")
        else:
            t.add_row(r.parameter, f"{r.mu_star:.4f}",
                      f"[{r.mu_star_low:.4f}, {r.mu_star_high:.4f}]", f"{r.sigma:.4f}",
                      f"{r.mu:+.4f}")
    console.print(t)
    console.print(f"Report: {report.folder}", markup=False)


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
    results: Annotated[Path | None, typer.Option(help="results folder")] = None,
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
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("evaluations"), TimeElapsedColumn(),
                      console=err) as bar:
            task = bar.add_task(calibration, total=None)
            outcome = run_calibration(
                calibration, results_dir=results or get_settings().results_dir,
                workers=workers or get_settings().workers, scheduler=scheduler, fits=fits,
                maxiter=maxiter, popsize=popsize,
                progress=lambda d, t: bar.update(task, completed=d, total=t))
    except ConfigError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot reach the Dask scheduler {scheduler}: {exc}" if scheduler else str(exc))
    _print_calibration(outcome.result)
    console.print(f"Report: {outcome.folder / 'report.md'}", markup=False)
    console.print(f"Calibrated dynamics: {outcome.folder / 'dynamics.toml'}", markup=False)


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
    console.print(t)


def _print_calibration(res) -> None:
    from sim.analysis.calibration.report import parameter_table

    t = Table(title=f"Targets ({res.cal.validation_replicates} fresh replicates)")
    for col in ("target", "sample", "hand-set", "calibrated"):
        t.add_column(col)
    for h, c in zip(res.hand_results, res.calibrated_results, strict=True):
        t.add_row(h.target.id, "held out" if h.held_out else "in-sample",
                  f"{h.value:+.3f} {h.verdict}", f"{c.value:+.3f} {c.verdict}")
    console.print(t)
    p = Table(title=f"Parameters ({len(res.fits)} fits)")
    for col in ("parameter", "hand-set", "calibrated", "fits range", "slice interval"):
        p.add_column(col)
    for r in parameter_table(res).to_dict("records"):
        cut = f"[{r['slice_low']:.4g}, {r['slice_high']:.4g}]" if "slice_low" in r else ""
        p.add_row(r["parameter"], f"{r['hand_set']:.4g}", f"{r['calibrated']:.4g}",
                  f"[{r['fits_min']:.4g}, {r['fits_max']:.4g}]", cut)
    console.print(p)
    hand, fitted = res.hand_votes, res.calibrated_votes
    if hand is not None and fitted is not None:
        v = Table(title="UN General Assembly votes, 1992-2012 (in sample)")
        for col in ("", "Spearman, pooled", "within-dyad r", "loss term"):
            v.add_column(col)
        for label, f in (("hand-set", hand), ("calibrated", fitted)):
            v.add_row(label, f"{f.spearman:.2f}", f"{f.within_r:.2f}", f"{f.term:.2f}")
        console.print(v)


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
    data: Annotated[Path | None, typer.Option(help="UNGA dyad file (default: "
                                                   "SIM_DATA_DIR/unga_dyads_1991_2012.csv)")]
    = None,
    results: Annotated[Path | None, typer.Option(help="results folder; the report goes "
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
        _fail(f"--measure: bad value {measure!r}; allowed: {', '.join(u.MEASURES)}")
    if measurement not in u.MEASUREMENTS:
        _fail(f"--measurement: bad value {measurement!r}; allowed: "
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
            _fail(f"scenario {scenario!r} starts {world.start}: no whole year before "
                  f"{u.HELD_OUT_FROM} to compare with the UNGA data ({u.FIRST_YEAR}-"
                  f"{u.LAST_YEAR})")
        seeds = ensemble_seeds(base, reps)
        rec = run_batched(world, seeds, keep_terms=False, months=months)
        scores, matched = u.evaluate_unga(rec.alignment, world.roster.ids, world.start, obs,
                                          measure, measurement)
    except ConfigError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    for table in u.rich_tables(scores):
        console.print(table)
    for note in scores.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    report = u.unga_report(scores, scenario=world.scenario.name, seed=base, data_file=data_file)
    manifest = build_manifest(world, prepared.path, seeds, "batched",
                              extra={**u.manifest_extra(scores, Path(data_file), measure),
                                     "base_seed": base, "months_run": months})
    folder = u.write_unga(results or settings.results_dir, report, manifest,
                          u.dyad_year_table(matched, scores.fit))
    console.print(f"Data: {u.CITATION}", markup=False, highlight=False)
    console.print(f"Report: {folder / 'report.md'}", markup=False)


@app.command()
def compare(
    scenarios: Annotated[list[str], typer.Argument(
        help="two or more scenario names or files; the first is the reference")],
    dyad: Annotated[list[str] | None, typer.Option(
        "--dyad", help="SOURCE:TARGET, repeatable (default: the first 4 key dyads)")] = None,
    replicates: Annotated[int | None, typer.Option("--replicates", "-n", min=2,
                                                   help="runs per scenario")] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (run k: seed + k)")] = None,
    paired: Annotated[bool, typer.Option(
        "--paired/--independent",
        help="same seeds for every scenario, or scenario k on seed + 1,000,000·k")] = True,
    threshold_low: Annotated[float, typer.Option(
        help="rupture: alignment below this at any month")] = 0.0,
    threshold_high: Annotated[float, typer.Option(
        help="alliance-like: alignment at or above this at any month")] = 0.75,
    months: Annotated[int | None, typer.Option(
        min=1, help="months to simulate (default: the scenarios' horizon)")] = None,
    results: Annotated[Path | None, typer.Option(
        help="results folder; the report goes to <results>/compare/")] = None,
    fmt: Annotated[str, typer.Option("--format", help="report format: md or html")] = "md",
    engine: Annotated[str, typer.Option(help="batched (fast) or mesa (per-agent); the "
                                             "results are identical")] = "batched",
) -> None:
    """Compare scenarios on common seeds: bands, end distributions, thresholds, differences."""
    from sim.analysis.compare_report import compare_command

    try:
        compare_command(scenarios, dyads=dyad, replicates=replicates, seed=seed,
                        paired=paired, threshold_low=threshold_low,
                        threshold_high=threshold_high, months=months, results=results,
                        fmt=fmt, console=console, engine=engine)
    except ConfigError as exc:
        _fail(str(exc))


@app.command()
def drivers() -> None:
    """List the named parts of a month's change and the theory each comes from."""
    from sim.dynamics.drivers import TERMS

    t = Table(title="Drivers (their contributions make each relation's target), memory, "
                    "settling, episodes and noise: the parts of every month's change "
                    "(docs/ODD.md)")
    for col in ("name", "meaning", "theory"):
        t.add_column(col)
    for d in TERMS:
        t.add_row(d.name, d.label, d.theory)
    console.print(t)


@app.command()
def blocs(
    scenario: Annotated[str | None, typer.Argument(
        help="scenario name or file, simulated to --month (default: baseline)")] = None,
    month: Annotated[int | None, typer.Option(
        min=0, help="month after the start (default 0, the start)")] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (replicate k: seed + k)")] = None,
    replicate: Annotated[int | None, typer.Option(
        min=0, help="analyse this replicate (default 0)")] = None,
    mean: Annotated[bool, typer.Option("--mean", help="analyse the replicates' mean alignment")]
    = False,
    replicates: Annotated[int | None, typer.Option(
        "--replicates", "-n", min=1, help="replicates to simulate for --mean (default 16)")]
    = None,
    run_ref: Annotated[str | None, typer.Option(
        "--run", help="read a run of `sim run` (latest, run id or folder) instead")] = None,
    results: Annotated[Path | None, typer.Option(help="results folder, for --run")] = None,
    matrix: Annotated[Path | None, typer.Option(
        help="hand-given propensity matrix: CSV or TOML (docs/blocs.md)")] = None,
    sizes: Annotated[Path | None, typer.Option(help="sizes CSV (name,size) for --matrix")]
    = None,
    symmetrise: Annotated[bool, typer.Option(
        "--symmetrise", help="accept an asymmetric --matrix as (p + p^T)/2")] = False,
    exact_limit: Annotated[int, typer.Option(
        min=2, max=30, help="enumerate exactly up to this many actors")] = 20,
    restarts: Annotated[int, typer.Option(min=1, help="heuristic restarts beyond the limit")]
    = 1000,
    search_seed: Annotated[int, typer.Option(help="seed of the heuristic search")] = 0,
    show: Annotated[int, typer.Option(min=1, help="local minima to list")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
    = False,
) -> None:
    """Two-bloc analysis: landscape theory's minima and structural balance's factions."""
    import json

    from sim.analysis.blocs import analyse_blocs
    from sim.analysis.blocs.from_model import bloc_inputs, state_from_run, state_from_scenario
    from sim.analysis.blocs.io import read_bloc_input
    from sim.runs.ensemble import ensemble_seeds

    model_opts = {"SCENARIO": scenario, "--run": run_ref, "--month": month, "--seed": seed,
                  "--replicate": replicate, "--mean": mean or None, "--replicates": replicates}
    if matrix is not None:
        given = [k for k, v in model_opts.items() if v is not None]
        if given:
            _fail(f"--matrix: a hand-given matrix takes no {', '.join(given)}; allowed with "
                  "it: --sizes, --symmetrise")
    elif sizes is not None or symmetrise:
        _fail("--sizes and --symmetrise go with --matrix only")
    if run_ref is not None and scenario is not None:
        _fail(f"give a scenario ({scenario!r}) or --run ({run_ref!r}), not both")
    if mean and replicate is not None:
        _fail("--replicate and --mean exclude each other: one replicate, or their mean")
    if run_ref is not None and (seed is not None or replicates is not None):
        _fail("--seed and --replicates choose what to simulate; a --run is already simulated")
    try:
        if matrix is not None:
            inputs = read_bloc_input(matrix, sizes, symmetrise=symmetrise)
        elif run_ref is not None:
            state = state_from_run(run_ref, month or 0, results or get_settings().results_dir)
            inputs = bloc_inputs(state, None if mean else (replicate or 0))
        else:
            base = get_settings().base_seed if seed is None else seed
            count = (replicates or 16) if mean else max(replicates or 1, (replicate or 0) + 1)
            state = state_from_scenario(scenario or "baseline", month or 0,
                                        ensemble_seeds(base, count))
            inputs = bloc_inputs(state, None if mean else (replicate or 0))
        report = analyse_blocs(inputs, exact_limit=exact_limit, restarts=restarts,
                               seed=search_seed)
    except ConfigError as exc:
        _fail(str(exc))
    except (FileNotFoundError, KeyError, ValueError) as exc:
        _fail(str(exc).strip('"'))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    _print_blocs(report, show)


def _print_blocs(report, show: int) -> None:
    from sim.analysis.blocs.landscape import frustration, imbalance

    res, fac = report.landscape, report.factions
    ls = res.landscape
    console.print(f"[bold]{report.inputs.label}[/bold]: {ls.n} actors", highlight=False)
    for note in (*report.inputs.notes, *res.notes):
        console.print(f"[dim]note: {note}[/dim]", highlight=False)
    if res.exact:
        console.print(f"Landscape theory, exact: all {res.searched} configurations "
                      f"(2^{ls.n - 1}); {res.local_minima_found} local "
                      f"{'minimum' if res.local_minima_found == 1 else 'minima'}; energy "
                      "E = sum_i s_i F_i (each pair counted in both orders)", highlight=False)
    else:
        console.print(f"Landscape theory, [bold]heuristic[/bold]: {res.searched} restarts "
                      f"(seed {res.seed}), {res.hits} reached the lowest energy found; "
                      f"{res.local_minima_found} distinct local "
                      f"{'minimum' if res.local_minima_found == 1 else 'minima'}", highlight=False)
    tops = res.global_minima
    for k, m in enumerate(tops, start=1):
        which = "global minimum" if res.exact else "lowest energy found"
        t = Table(title=f"{which}{f' {k} of {len(tops)}' if len(tops) > 1 else ''}: "
                        f"E = {m.energy:.4g}")
        for col in ("actor", "size", "side", "frustration F", "imbalance V"):
            t.add_column(col)
        f_i, v_i = frustration(ls, m.sides), imbalance(ls, m.sides)
        for i, nm in enumerate(ls.names):
            t.add_row(nm, f"{ls.sizes[i]:.3g}", "AB"[m.sides[i]], f"{f_i[i]:+.4f}",
                      f"{v_i[i]:.4f}")
        console.print(t)
    t = Table(title="Local minima, lowest energy first (A: the side of "
                    f"{ls.names[0]})", show_lines=True)
    for col in ("#", "energy", "reached from", "side A", "side B"):
        t.add_column(col)
    for k, m in enumerate(res.minima[:show], start=1):
        share = ("" if m.basin is None else
                 f"{m.basin} ({100 * m.basin / res.searched:.1f}%)")
        t.add_row(str(k), f"{m.energy:.4g}", share, " ".join(m.members(ls.names, 0)),
                  " ".join(m.members(ls.names, 1)))
    console.print(t)
    blow = f"blow-up at t* = {fac.blowup:.4g}" if fac.blows_up else "no blow-up"
    console.print(f"Structural balance, dX/dt = X^2 from X0 = the propensities: {blow}; "
                  f"largest eigenvalues {fac.eigenvalues[0]:.4g}, {fac.eigenvalues[1]:.4g}",
                  highlight=False)
    t = Table(title="Factions: signs of the leading eigenvector")
    for col in ("actor", "leading eigenvector", "faction"):
        t.add_column(col)
    for i, nm in enumerate(ls.names):
        t.add_row(nm, f"{fac.vector[i]:+.4f}", "undecided" if fac.sides[i] < 0
                  else "AB"[fac.sides[i]])
    console.print(t)
    for note in fac.notes:
        console.print(f"[dim]note: {note}[/dim]", highlight=False)
    differ = report.disagreements()
    console.print("The two methods agree on the split." if not differ else
                  f"The two methods differ on: {', '.join(differ)}", highlight=False)


@app.command()
def play(
    scenario: Annotated[str, typer.Argument(help="scenario name in scenarios/ or a file")],
    seed: Annotated[int | None, typer.Option(help="seed of the session's one history")] = None,
    team: Annotated[list[str] | None, typer.Option(
        "--team", help="ACTOR=TEAM, e.g. IRN=blue (repeat for more actors)")] = None,
    session: Annotated[Path | None, typer.Option(
        help="session file: resumed if it exists, else created; saved after every turn")]
    = None,
    turns: Annotated[int | None, typer.Option(min=1, help="stop after this many turns")] = None,
) -> None:
    """Play a scenario as a seminar, turn by turn: proposals, moves, White, resolution."""
    from sim.seminar.errors import SessionError
    from sim.seminar.terminal import console_reader, open_session
    from sim.seminar.terminal import play as play_loop

    try:
        game = open_session(scenario, seed, team or [], session)
        play_loop(game, console_reader(console), console, turns)
    except (ConfigError, SessionError) as exc:
        _fail(str(exc))


@app.command(help=seminar_command.__doc__)
def seminar(
    scenario: Annotated[str, typer.Argument(help=SEMINAR_HELP["scenario"])] = "baseline",
    seed: Annotated[int | None, typer.Option(min=0, help=SEMINAR_HELP["seed"])] = None,
    session: Annotated[Path | None, typer.Option(help=SEMINAR_HELP["session"])] = None,
    folder: Annotated[Path | None, typer.Option(help=SEMINAR_HELP["folder"])] = None,
    host: Annotated[str, typer.Option(help=SEMINAR_HELP["host"])] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=SEMINAR_HELP["port"])] = 8765,
) -> None:
    seminar_command(scenario, seed, session, folder, host, port)


if __name__ == "__main__":
    app()
