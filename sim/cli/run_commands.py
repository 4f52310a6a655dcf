"""Commands that run or inspect one scenario: run, explain, params, addresses, scenarios,
validate, drivers."""

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
def run(
    scenario: Annotated[str, typer.Argument(help="scenario name in scenarios/ or a file")]
    = "baseline",
    replicates: Annotated[int | None, typer.Option("--replicates", "-n", min=1,
                                                   help="ensemble size")] = None,
    seed: Annotated[int | None, typer.Option(help="base seed (replicate k: seed + k)")] = None,
    engine: Annotated[str, typer.Option(help="mesa (per-agent) or batched")] = "mesa",
    results: Annotated[Path | None, ui.path_option(help="results folder")] = None,
    figure: Annotated[bool, typer.Option(help="draw the key-dyads figure")] = True,
    dynamics: Annotated[Path | None, ui.path_option(
        help="dynamics table to use instead of the scenario's (e.g. one written by "
             "sim calibrate)")] = None,
) -> None:
    """Run a scenario as an ensemble and write trajectories, drivers, log and manifest."""
    from sim.runs.results_io import check_writable
    from sim.runs.run_job import prepare_run, run_scenario

    settings = get_settings()
    if engine not in ("mesa", "batched"):
        ui.fail(f"--engine: bad value {engine!r}; allowed: mesa, batched")
    reps = replicates or settings.ensemble_size
    base = settings.base_seed if seed is None else seed
    out = results or settings.results_dir
    try:
        prepared = prepare_run(scenario, dynamics)
        check_writable(Path(out))  # before the progress bar: nothing to wait for
        with ui.progress("runs") as bar:
            task = bar.add_task(f"{scenario} ({engine})", total=reps)
            outcome = run_scenario(prepared, replicates=reps, base_seed=base, results_dir=out,
                                   engine=engine, figure=figure,  # type: ignore[arg-type]
                                   progress=lambda k: bar.advance(task, k))
    except ConfigError as exc:
        ui.fail(str(exc))
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
    ui.console.print(t)
    ui.console.print(f"Results: {outcome.directory}")
    ui.console.print("Figures: key_dyads.png, network.png; why a dyad moved: "
                     "sim explain RUS IRN")


@app.command()
def explain(
    source: Annotated[str, typer.Argument(help="actor id, e.g. RUS")],
    target: Annotated[str, typer.Argument(help="actor id, e.g. IRN")],
    run_ref: Annotated[str, typer.Option("--run", help="run id, folder, or latest")] = "latest",
    replicate: Annotated[int | None, typer.Option(help="one replicate instead of the mean")]
    = None,
    top: Annotated[int, typer.Option(help="drivers to list")] = 6,
    months: Annotated[int, typer.Option(help="largest months to list")] = 5,
    results: Annotated[Path | None, ui.path_option(help="results folder")] = None,
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
        ui.fail(str(exc).strip('"'))
    ui.console.print(f"[dim]run {run_files.directory.name}[/dim]")
    ui.console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def params(
    actor: Annotated[str, typer.Argument(help="actor id or name, e.g. iran or IRN")],
    dyads: Annotated[bool, typer.Option(help="also show its relations and stakes")] = True,
) -> None:
    """Print an actor's parameters with their sources (file and quote) or assumptions."""
    from sim.cli.params_view import print_actor
    from sim.inputs.roster import default_roster_file

    try:
        print_actor(default_roster_file(), actor, ui.console, dyads=dyads)
    except KeyError as exc:
        ui.fail(str(exc).strip('"'))
    except ConfigError as exc:
        ui.fail(str(exc))


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
        ui.fail(f"--family: bad value {family!r}; allowed: {', '.join(registry.FAMILIES)}")
    try:
        path = resolve_scenario_path(scenario)
        scope = registry.Scope.of_scenario(load_scenario(path), path.parent)
    except ConfigError as exc:
        ui.fail(str(exc))
    rows = [s for s in registry.specs(scope) if family is None or s.family == family]
    t = Table(title=f"Parameter registry ({scenario}): {len(rows)} addresses")
    for col in ("address", "allowed", "unit", "meaning"):
        t.add_column(col)
    for s in rows:
        t.add_row(s.address, f"[{s.low:g}, {s.high:g}]", s.unit, s.meaning)
    ui.console.print(t)


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
    ui.console.print(t)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="scenario files")]) -> None:
    """Check scenario files and report every problem at once."""
    from sim.inputs.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            load_scenario(f)
            ui.console.print(f"[green]ok[/green] {f}")
        except ConfigError as exc:
            bad += 1
            ui.err.print(str(exc), highlight=False)
    if bad:
        raise typer.Exit(2)


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
    ui.console.print(t)
