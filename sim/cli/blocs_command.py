"""The blocs command: coalition landscapes of a run's state or of a given matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli import ui
from sim.cli.app import app
from sim.core import strict_json
from sim.core.config_errors import ConfigError
from sim.core.settings import get_settings


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
    results: Annotated[Path | None, ui.path_option(help="results folder, for --run")] = None,
    matrix: Annotated[Path | None, ui.path_option(
        help="hand-given propensity matrix: CSV or TOML (docs/blocs.md)")] = None,
    sizes: Annotated[Path | None, ui.path_option(help="sizes CSV (name,size) for --matrix")]
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

    import numpy as np

    from sim.analysis.blocs import analyse_blocs
    from sim.analysis.blocs.from_model import bloc_inputs, state_from_run, state_from_scenario
    from sim.analysis.blocs.io import read_bloc_input
    from sim.runs.ensemble import ensemble_seeds

    model_opts = {"SCENARIO": scenario, "--run": run_ref, "--month": month, "--seed": seed,
                  "--replicate": replicate, "--mean": mean or None, "--replicates": replicates}
    if matrix is not None:
        given = [k for k, v in model_opts.items() if v is not None]
        if given:
            ui.fail(f"--matrix: a hand-given matrix takes no {', '.join(given)}; allowed with "
                  "it: --sizes, --symmetrise")
    elif sizes is not None or symmetrise:
        ui.fail("--sizes and --symmetrise go with --matrix only")
    if run_ref is not None and scenario is not None:
        ui.fail(f"give a scenario ({scenario!r}) or --run ({run_ref!r}), not both")
    if mean and replicate is not None:
        ui.fail("--replicate and --mean exclude each other: one replicate, or their mean")
    if run_ref is not None and (seed is not None or replicates is not None):
        ui.fail("--seed and --replicates choose what to simulate; a --run is already simulated")
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
        ui.fail(str(exc))
    except (ArithmeticError, np.linalg.LinAlgError) as exc:  # before ValueError, its base
        what = f"--matrix {matrix}" if matrix is not None else "the model's state"
        ui.fail(f"{what}: the analysis could not be computed ({exc}); check the matrix for "
                "extreme or degenerate values")
    except (FileNotFoundError, KeyError, ValueError) as exc:
        ui.fail(str(exc).strip('"'))
    if as_json:
        # strict JSON: a number that is not finite is written as null, never as NaN
        print(strict_json.dumps(report.to_dict(), indent=2))
        return
    _print_blocs(report, show)


def _print_blocs(report, show: int) -> None:
    from sim.analysis.blocs.landscape import frustration, imbalance

    res, fac = report.landscape, report.factions
    ls = res.landscape
    ui.console.print(f"[bold]{report.inputs.label}[/bold]: {ls.n} actors", highlight=False)
    for note in (*report.inputs.notes, *res.notes):
        ui.console.print(f"[dim]note: {note}[/dim]", highlight=False)
    if res.exact:
        ui.console.print(f"Landscape theory, exact: all {res.searched} configurations "
                      f"(2^{ls.n - 1}); {res.local_minima_found} local "
                      f"{'minimum' if res.local_minima_found == 1 else 'minima'}; energy "
                      "E = sum_i s_i F_i (each pair counted in both orders)", highlight=False)
    else:
        ui.console.print(f"Landscape theory, [bold]heuristic[/bold]: {res.searched} restarts "
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
        ui.console.print(t)
    t = Table(title="Local minima, lowest energy first (A: the side of "
                    f"{ls.names[0]})", show_lines=True)
    for col in ("#", "energy", "reached from", "side A", "side B"):
        t.add_column(col)
    for k, m in enumerate(res.minima[:show], start=1):
        share = ("" if m.basin is None else
                 f"{m.basin} ({100 * m.basin / res.searched:.1f}%)")
        t.add_row(str(k), f"{m.energy:.4g}", share, " ".join(m.members(ls.names, 0)),
                  " ".join(m.members(ls.names, 1)))
    ui.console.print(t)
    blow = f"blow-up at t* = {fac.blowup:.4g}" if fac.blows_up else "no blow-up"
    ui.console.print(f"Structural balance, dX/dt = X^2 from X0 = the propensities: {blow}; "
                  f"largest eigenvalues {fac.eigenvalues[0]:.4g}, {fac.eigenvalues[1]:.4g}",
                  highlight=False)
    t = Table(title="Factions: signs of the leading eigenvector")
    for col in ("actor", "leading eigenvector", "faction"):
        t.add_column(col)
    for i, nm in enumerate(ls.names):
        t.add_row(nm, f"{fac.vector[i]:+.4f}", "undecided" if fac.sides[i] < 0
                  else "AB"[fac.sides[i]])
    ui.console.print(t)
    for note in fac.notes:
        ui.console.print(f"[dim]note: {note}[/dim]", highlight=False)
    differ = report.disagreements()
    ui.console.print("The two methods agree on the split." if not differ else
                  f"The two methods differ on: {', '.join(differ)}", highlight=False)
