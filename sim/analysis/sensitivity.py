"""Global sensitivity analysis of a sweep: which assumptions drive an output.

The sweep's design says which analysis fits: a Sobol (Saltelli) design gives first-order
and total Sobol indices with bootstrap confidence intervals (Saltelli et al. 2010); a Morris
design gives elementary-effect screening, mu* with its interval and sigma (Morris 1991;
Campolongo et al. 2007). Both are computed by SALib on the sweep's design matrix and the
output averaged over each point's replicates (the replicate noise then averages out, which
is what the indices of a stochastic model should describe).

Outputs are named ``dyad:SRC:TGT:STAT`` (STAT one of the dyad metrics: ``mean``, ``at_60``,
``min``, …) or ``run:COLUMN`` (a run metric, e.g. ``run:bloc_cohesion_end``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.core import strict_json
from sim.runs.reporting import markdown_table
from sim.runs.sweep import SweepResults

CONF_LEVEL = 0.95


def output_values(results: SweepResults, output: str, scenario: str | None = None):
    """One value per design point: the output averaged over the point's replicates."""
    runs = results.runs
    names = list(runs["scenario"].unique()) if len(runs) else []
    if scenario is None:
        if len(names) != 1:
            raise ValueError(f"the sweep has scenarios {names}; choose one with --scenario")
        scenario = names[0]
    if scenario not in names:
        raise ValueError(f"scenario {scenario!r} is not in this sweep ({', '.join(names)})")
    parts = output.split(":")
    if parts[0] == "dyad" and len(parts) == 4:
        table = results.dyads
        rows = table[(table["scenario"] == scenario) & (table["source"] == parts[1])
                     & (table["target"] == parts[2])]
        column = parts[3]
    elif parts[0] == "run" and len(parts) == 2:
        rows = runs[runs["scenario"] == scenario]
        column = parts[1]
    else:
        raise ValueError(f"output {output!r}: write dyad:SRC:TGT:STAT or run:COLUMN")
    if column not in rows.columns or rows.empty:
        options = ([c for c in results.dyads.columns if c not in
                    ("scenario", "point", "replicate", "source", "target")]
                   if parts[0] == "dyad" else list(runs.columns))
        raise ValueError(f"output {output!r} not found; statistics available: "
                         + ", ".join(options))
    per_point = rows.groupby("point")[column].mean()
    n_points = len(results.points)
    if len(per_point) != n_points:
        raise ValueError(f"the sweep is incomplete: {len(per_point)} of {n_points} points "
                         "have results; rerun `sim sweep` to finish it")
    return per_point.sort_index().to_numpy(dtype=float), scenario


def sobol_indices(problem: dict, y: np.ndarray, second_order: bool = False,
                  seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices with their 95% bootstrap intervals."""
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=second_order, conf_level=CONF_LEVEL,
                        seed=seed, print_to_console=False)
    df = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"],
                       "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]})
    for k in ("S1", "ST"):
        df[f"{k}_low"] = df[k] - df[f"{k}_conf"]
        df[f"{k}_high"] = df[k] + df[f"{k}_conf"]
    return df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, levels: int,
                   seed: int = 0) -> pd.DataFrame:
    """Morris screening: mu* (mean absolute elementary effect) with its interval, sigma."""
    from SALib.analyze import morris

    res = morris.analyze(problem, x, y, conf_level=CONF_LEVEL, num_levels=levels, seed=seed,
                         print_to_console=False)
    df = pd.DataFrame({"parameter": problem["names"], "mu": res["mu"],
                       "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                       "sigma": res["sigma"]})
    df["mu_star_low"] = df["mu_star"] - df["mu_star_conf"]
    df["mu_star_high"] = df["mu_star"] + df["mu_star_conf"]
    return df.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def plot_indices(df: pd.DataFrame, kind: str, title: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(df) + 1.8))
    y = np.arange(len(df))[::-1]
    if kind == "sobol":
        ax.barh(y + 0.2, df["S1"], height=0.4, xerr=df["S1_conf"], label="first order S1",
                color="tab:blue", capsize=3)
        ax.barh(y - 0.2, df["ST"], height=0.4, xerr=df["ST_conf"], label="total ST",
                color="tab:orange", capsize=3)
        ax.set_xlabel("Sobol index (bars: 95% bootstrap interval)")
    else:
        ax.barh(y, df["mu_star"], xerr=df["mu_star_conf"], color="tab:blue", capsize=3,
                label="mu* (mean |elementary effect|)")
        ax.plot(df["sigma"], y, "o", color="tab:red", label="sigma (interaction/non-linearity)")
        ax.set_xlabel("Morris statistics (bars: 95% interval of mu*)")
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_yticks(y, df["parameter"])
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@dataclass
class SensitivityReport:
    kind: str
    output: str
    scenario: str
    table: pd.DataFrame
    folder: Path


def analyse(results: SweepResults, output: str, scenario: str | None = None,
            out: Path | None = None) -> SensitivityReport:
    """Indices of one output, written as CSV, Markdown and a figure beside the sweep."""
    resolved = results.manifest["experiment"]["resolved"]
    design = resolved["design"]
    params = resolved["parameters"]
    if not params:
        raise ValueError("the sweep varies no parameter")
    problem = {"num_vars": len(params), "names": [p["name"] for p in params],
               "bounds": [[p["low"], p["high"]] for p in params]}
    y, scenario = output_values(results, output, scenario)
    x = results.points[problem["names"]].to_numpy(dtype=float)
    if design["kind"] == "sobol":
        table = sobol_indices(problem, y, design["second_order"], seed=resolved["seed"])
    elif design["kind"] == "morris":
        table = morris_indices(problem, x, y, design["levels"], seed=resolved["seed"])
    else:
        raise ValueError(f"a {design['kind']!r} design supports no global sensitivity "
                         "indices; use design.kind = \"sobol\" or \"morris\"")
    safe = output.replace(":", "_")
    folder = Path(out) if out else results.folder / "sensitivity" / f"{scenario}-{safe}"
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "indices.csv", index=False)
    title = f"{design['kind']} indices of {output} ({scenario}, {len(y)} points)"
    plot_indices(table, design["kind"], title, folder / "indices.png")
    (folder / "report.md").write_text(
        f"# Sensitivity of `{output}`\n\nSweep `{results.folder}`, scenario `{scenario}`, "
        f"{design['kind']} design, {len(y)} points of {resolved['replicates']} replicates "
        f"(output averaged over replicates), {int(CONF_LEVEL * 100)}% intervals.\n\n"
        + markdown_table(table) + "\n\n![indices](indices.png)\n")
    (folder / "manifest.json").write_text(strict_json.dumps(
        {"sweep": str(results.folder), "output": output, "scenario": scenario,
         "design": design, "code": results.manifest.get("code")}, indent=2) + "\n")
    return SensitivityReport(design["kind"], output, scenario, table, folder)
