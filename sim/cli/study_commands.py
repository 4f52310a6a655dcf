"""Commands that study many runs: effects, sweep, sensitivity, compare."""

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
        ui.fail("give one scenario, or --all")
    paths = (sorted(get_settings().scenarios_dir.glob("*.toml")) if all_scenarios
             else [scenario])
    rows = []
    try:
        for ref in paths:
            sc, results = measure(str(ref), replicates=replicates)
            rows += [(sc, r) for r in results]
    except ConfigError as exc:
        ui.fail(str(exc))
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
        ui.console.print(t)
    if not rows:
        ui.console.print("no expected effects stated")
    else:
        ui.console.print(f"{met} of {len(rows)} expectations met", markup=False)


@app.command()
def sweep(
    experiment: Annotated[str, typer.Argument(help="experiment name in experiments/ or a file")],
    workers: Annotated[int | None, typer.Option(min=1, help="local workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, e.g. tcp://host:8786")]
    = None,
    out: Annotated[Path | None, ui.path_option(help="sweep folder (default results/sweeps/NAME)")]
    = None,
    pool: Annotated[str | None, typer.Option(
        help="local workers as threads or processes: auto (threads for the batched path on "
             "up to 2 workers with tasks of 256+ replicates), threads, processes; default: "
             "SIM_POOL or auto")] = None,
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
        with ui.progress("runs", rate=True, own_thread=False) as bar:
            task = bar.add_task(experiment, total=None, rate="")
            started: dict[str, float] = {}

            def report(done: int, total: int) -> None:
                import time
                now = time.perf_counter()
                first = started.setdefault("t", now)
                started.setdefault("done0", done)
                fresh = done - started["done0"]
                rate = f"{fresh / (now - first):.1f} runs/s" if now > first and fresh else ""
                bar.update(task, completed=done, total=total, rate=rate, refresh=True)

            outcome = run_sweep(experiment, workers=n, scheduler=scheduler, out=out,
                                restart=restart, engine=engine, progress=report, pool=pool)
    except ConfigError as exc:
        ui.fail(str(exc))
    except OSError as exc:
        ui.fail(f"cannot reach the Dask scheduler {scheduler}: {exc}" if scheduler else str(exc))
    how_started = {"fork": ", forked", "spawn": ", spawned"}.get(
        outcome.extra.get("worker_start", ""), "")
    ui.console.print(f"{outcome.tasks_run} tasks run, {outcome.tasks_skipped} already done "
                  f"(of {outcome.tasks_total}); {outcome.runs_done} runs in "
                  f"{outcome.seconds:.1f} s on {outcome.workers} worker(s) "
                  f"({outcome.engine}{how_started})", markup=False)
    ui.console.print(f"Results: {outcome.folder}", markup=False)


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
        with ui.progress("runs", own_thread=False) as bar:
            task = bar.add_task("sweep", total=None)
            report = api.sensitivity(experiment, output=output, scenario=scenario,
                                     workers=workers or get_settings().workers,
                                     engine=engine,
                                     progress=lambda d, t: bar.update(task, completed=d,
                                                                      total=t, refresh=True))
    except ConfigError as exc:
        ui.fail(str(exc))
    except (ValueError, FileNotFoundError) as exc:
        ui.fail(str(exc))
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
    ui.console.print(t)
    ui.console.print(f"Report: {report.folder}", markup=False)


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
    results: Annotated[Path | None, ui.path_option(
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
                        fmt=fmt, console=ui.console, engine=engine)
    except ConfigError as exc:
        ui.fail(str(exc))
