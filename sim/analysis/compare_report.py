"""Writing a scenario comparison: report (Markdown or HTML), figures, CSV tables, manifest.

Why a separate module: `sim.analysis.compare` holds the statistics, which sweeps reuse on arrays
read from Parquet; this one only turns a finished `Comparison` into files and a console
table. The folder is written under a hidden temporary name and renamed into place only when
every file is written, so a failure leaves no half-written report (as `sim.runs.results_io` does
for runs, but under ``<results>/compare/`` and without touching ``latest``).

The report is built once as a list of blocks (headings, paragraphs, tables, images) and
rendered to Markdown or to a self-contained HTML page whose images are relative paths to
the PNG files beside it: no remote assets, so the folder can be copied or archived whole.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from rich.table import Table

from sim.analysis.compare import (
    ALLIANCE_LEVEL,
    METRICS,
    QUANTILES,
    VERDICT_DIFFERS,
    CompareOptions,
    Comparison,
    Dyad,
    bands,
    compare_scenarios,
    per_run_metrics,
)
from sim.core import strict_json
from sim.core.calendar import month_label
from sim.core.config_errors import ConfigError
from sim.runs.results_io import staged_dir

#: Metric names as the report and the console print them.
METRIC_LABELS: dict[str, str] = {
    "end": "end value",
    "horizon_mean": "mean over horizon",
    "rupture": "P(rupture)",
    "alliance_like": "P(alliance-like)",
}

CSV_FILES = ("bands.csv", "end_distribution.csv", "thresholds.csv", "differences.csv")

Block = tuple[Any, ...]  # ("h1"|"h2"|"h3"|"p", text) | ("table", head, rows) | ("img", ...)


# --------------------------------------------------------------------------- formatting

def _dyad_name(c: Comparison, d: Dyad) -> str:
    return f"{c.names.get(d[0], d[0])} → {c.names.get(d[1], d[1])}"


def _dyad_file(d: Dyad) -> str:
    return f"{d[0]}_{d[1]}"


def _num(x: Any, signed: bool = True, digits: int = 3) -> str:
    """A number as the report prints it; None/NaN as a dash, infinities as ±∞."""
    if x is None:
        return "–"
    x = float(x)
    if np.isnan(x):
        return "–"
    if np.isinf(x):
        return "+∞" if x > 0 else "−∞"
    if x != 0 and abs(x) < 0.5 * 10 ** -digits:  # tiny but not zero: never print as 0
        return f"{x:+.1e}" if signed else f"{x:.1e}"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _ci(lo: float, hi: float) -> str:
    return f"[{_num(lo)}, {_num(hi)}]"


def _months(x: Any) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:g}"


def _months_iqr(median: Any, q25: Any, q75: Any) -> str:
    if _months(median) == "–":
        return "– (none crossed)"
    return f"{_months(median)} [{_months(q25)}–{_months(q75)}]"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# --------------------------------------------------------------------------- figures

def _colours(n: int) -> list:
    cmap = plt.get_cmap("tab10")
    return [cmap(k % 10) for k in range(n)]


def _month_ticks(c: Comparison) -> tuple[list[int], list[str]]:
    step = 12 if c.months <= 72 else 24
    ticks = list(range(0, c.months + 1, step))
    return ticks, [month_label(c.start, k) for k in ticks]


def plot_bands(c: Comparison, d: Dyad, path: Path) -> None:
    """Median, 50% and 90% bands over time, one colour per scenario; thresholds dotted."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    t = np.arange(c.months + 1)
    for colour, s in zip(_colours(len(c.scenarios)), c.scenarios, strict=True):
        b = bands(c.series[s.label][d])
        ax.fill_between(t, b["p05"], b["p95"], color=colour, alpha=0.12, lw=0)
        ax.fill_between(t, b["p25"], b["p75"], color=colour, alpha=0.25, lw=0)
        ax.plot(t, b["p50"], color=colour, lw=1.8, label=f"{s.label} median")
        ax.plot(t, b["mean"], color=colour, lw=0.9, ls="--", label=f"{s.label} mean")
    o = c.options
    ax.axhline(o.threshold_low, color="grey", lw=0.7, ls=":")
    ax.axhline(o.threshold_high, color="grey", lw=0.7, ls=":")
    ticks, labels = _month_ticks(c)
    ax.set_xticks(ticks, labels, rotation=0, fontsize=8)
    ax.set_xlim(0, c.months)
    ax.set_ylabel("alignment")
    ax.set_title(f"{_dyad_name(c, d)}: median (line), 50% and 90% of runs (bands); "
                 f"{c.replicates} runs each", fontsize=10)
    ax.legend(fontsize=8, loc="best", ncol=2)
    ax.grid(alpha=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_end_histograms(c: Comparison, d: Dyad, path: Path) -> None:
    """End-of-horizon values over runs: overlaid histograms on common bins, means dashed."""
    ends = {s.label: c.series[s.label][d][-1] for s in c.scenarios}
    allv = np.concatenate(list(ends.values()))
    lo, hi = float(allv.min()), float(allv.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.01, hi + 0.01
    edges = np.linspace(lo, hi, min(40, max(10, allv.size // 8)) + 1)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for colour, (label, v) in zip(_colours(len(ends)), ends.items(), strict=True):
        ax.hist(v, bins=edges, color=colour, alpha=0.35, label=label)
        ax.hist(v, bins=edges, color=colour, histtype="step", lw=1.2)
        ax.axvline(float(v.mean()), color=colour, ls="--", lw=1.2)
    o = c.options
    for thr in (o.threshold_low, o.threshold_high):
        if lo <= thr <= hi:
            ax.axvline(thr, color="grey", ls=":", lw=0.8)
    ax.set_xlabel(f"alignment at {month_label(c.start, c.months)}")
    ax.set_ylabel("runs")
    ax.set_title(f"{_dyad_name(c, d)}: end of horizon (dashed: mean)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_differences(c: Comparison, path: Path) -> None:
    """Every difference against the reference with its 95% bootstrap interval (a forest plot)."""
    df = c.tables.differences
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(df) + 1.4))
    y = np.arange(len(df))[::-1]
    for yk, r in zip(y, df.itertuples(), strict=True):
        colour = "tab:red" if r.verdict == VERDICT_DIFFERS else "tab:grey"
        ax.plot([r.ci_low, r.ci_high], [yk, yk], color=colour, lw=1.4)
        ax.plot([r.difference], [yk], "o", color=colour, ms=4)
    ax.axvline(0, color="black", lw=0.7)
    labels = [f"{r.source}→{r.target} {METRIC_LABELS[r.metric]}"
              + (f" ({r.scenario})" if len(c.scenarios) > 2 else "")
              for r in df.itertuples()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"scenario − {c.reference} (95% bootstrap interval; red: differs)")
    ax.grid(axis="x", alpha=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- report

def _design_text(c: Comparison) -> str:
    o = c.options
    if any(s.sweep for s in c.scenarios):
        pairing = ("paired run for run (the same seeds at the same design points)" if o.paired
                   else "independent (differences of means over unrelated runs)")
        return ("from sweep results, each input's runs pooled over its design points; "
                + pairing)
    if o.paired:
        return (f"paired by seed (common random numbers): run k of every scenario uses seed "
                f"{c.base_seed} + k, so each seed gives one paired difference")
    return (f"independent: scenario k (reference k = 0) uses seeds {c.base_seed} + "
            f"1,000,000·k + run; differences are of means over unrelated runs")


def report_blocks(c: Comparison, figures: dict[str, str], seconds: float) -> list[Block]:
    """The whole report as blocks, so Markdown and HTML say exactly the same thing."""
    o = c.options
    conf = f"{o.confidence:.0%}"
    others = [s.label for s in c.scenarios[1:]]
    end_date = month_label(c.start, c.months)
    blocks: list[Block] = [
        ("h1", f"Comparison: {' vs '.join(others)} against {c.reference}"),
        ("p", f"Reference **{c.reference}**; compared: "
              + ", ".join(f"**{x}**" for x in others) + f". {c.replicates} runs per "
              f"scenario, {c.start} to {end_date} ({c.months} months), {c.engine} engine; "
              f"{_design_text(c)}. Computed in {seconds:.1f} s."),
        ("p", f"Thresholds: *rupture* = alignment below {o.threshold_low:+.2f}, "
              f"*alliance-like* = at or above {o.threshold_high:+.2f}, at any month "
              f"1..{c.months} (the shared start is not counted). All intervals are "
              f"{conf}. A scenario \"{VERDICT_DIFFERS}\" from the reference on a metric "
              f"when both {conf} intervals of the difference (bootstrap and t) exclude 0; "
              "otherwise there is \"no detectable difference\", which is not evidence of "
              "no difference: read the interval's width."),
        ("h2", "Differences against the reference"),
        ("p", "Difference = scenario − reference. *Bootstrap CI*: "
              + ("over seeds of the paired differences" if o.paired
                 else "of the difference of means")
              + f"; *t CI*: {'paired t' if o.paired else 'Welch'} interval; *p*: "
              + ("paired t-test" if o.paired else "Welch's t-test")
              + "; *p (Holm)*: adjusted for the number of rows; *effect*: Cohen's "
              + ("d_z (mean difference / sd of the paired differences)" if o.paired
                 else "d (difference / pooled sd)") + "."),
        _differences_table(c, c.tables.differences),
    ]
    if "differences" in figures:
        blocks.append(("img", figures["differences"], "differences with intervals"))
    for d in c.dyads:
        blocks += _dyad_blocks(c, d, figures, end_date)
    blocks += [
        ("h2", "Method and caveats"),
        ("ul", [
            "Each scenario runs on the batched path (`sim.runs.ensemble.run_batched`), which "
            "gives the same numbers as the per-agent path.",
            f"Bands: ensemble mean and the {', '.join(f'{q:.0%}' for q in QUANTILES)} "
            "quantiles over runs at every month (`bands.csv`).",
            f"Crossing probabilities: share of runs that enter the region at some month "
            f"1..{c.months}, with a {conf} "
            + ("Wilson score" if o.ci_method == "wilson" else "Clopper-Pearson")
            + " interval (`scipy.stats.binomtest`). Where the region already holds at the "
            "start (column *at start*), the probability measures staying or returning "
            "there, not a change.",
            f"Time to first crossing is right-censored at month {c.months}: runs that "
            "never cross only tell us their time exceeds the horizon. *Median (crossers)* "
            "is conditional on crossing; *median (all)* is the Kaplan-Meier median over all "
            "runs (with every run censored at the same month, the month by which half have "
            "crossed), \"–\" when fewer than half cross (not reached).",
            f"Bootstrap: {o.n_resamples} resamples, BCa (percentile where BCa is undefined), "
            f"generator seeded with {o.bootstrap_seed}, so the report is reproducible. "
            "Where every paired difference is equal (or both samples constant) the "
            "interval is that exact value.",
            "\"Differs\" is about detectability, not size: with paired seeds (common "
            "random numbers) even a difference of 0.0001 can be detected, with a large "
            "effect size, because the shared noise cancels. Judge whether a difference "
            "matters from the difference itself, on the alignment scale [-1, 1].",
            "Why both intervals for the verdict: with a few dozen runs the bootstrap "
            "interval alone is slightly too narrow (about 6.5-7% false \"differs\" at 32 "
            "runs instead of 5%), and the t-interval alone assumes near-normal values, "
            "which 0/1 crossing indicators are not.",
            f"Each row of the differences table is a separate {conf} interval: with "
            f"{len(c.tables.differences)} rows, up to 1 in 20 comparisons of truly equal "
            "scenarios may still read \"differs\" by chance. *p (Holm)* (Holm-Bonferroni "
            "over all rows) below 0.05 keeps the chance of any false \"differs\" in the "
            "table at 5%.",
            "Inputs: scenario files with their SHA-256 hashes, seeds, options, settings "
            "and code version are in `manifest.json`.",
        ]),
        ("h2", "Files"),
        ("ul", [f"`{f}`" for f in (*CSV_FILES, *figures.values(), "manifest.json")]),
    ]
    return blocks


def _differences_table(c: Comparison, df: pd.DataFrame, with_dyad: bool = True) -> Block:
    head = (["dyad"] if with_dyad else []) + [
        "scenario", "metric", c.reference, "scenario value", "difference [bootstrap CI]",
        "t CI", "p", "p (Holm)", "effect", "verdict"]
    rows = []
    for r in df.itertuples():
        rows.append(([_dyad_name(c, (r.source, r.target))] if with_dyad else []) + [
            r.scenario, METRIC_LABELS[r.metric], _num(r.reference_mean, False),
            _num(r.other_mean, False), f"{_num(r.difference)} {_ci(r.ci_low, r.ci_high)}",
            _ci(r.t_low, r.t_high), f"{r.p_value:.3g}", f"{r.p_holm:.3g}",
            _num(r.effect_size, digits=2),
            f"**{r.verdict}**" if r.verdict == VERDICT_DIFFERS else r.verdict])
    return ("table", head, rows)


def _dyad_blocks(c: Comparison, d: Dyad, figures: dict[str, str], end_date: str
                 ) -> list[Block]:
    key = _dyad_file(d)
    sel = {name: t[(t["source"] == d[0]) & (t["target"] == d[1])]
           for name, t in (("end", c.tables.end_distribution),
                           ("thr", c.tables.thresholds), ("diff", c.tables.differences))}
    out: list[Block] = [("h2", _dyad_name(c, d))]
    if f"bands_{key}" in figures:
        out.append(("img", figures[f"bands_{key}"], f"{_dyad_name(c, d)} bands"))
    marks = [m for m in (0, 12, 24, 36, 60, 120) if m < c.months] + [c.months]
    head = ["date"] + [f"{s.label} mean (5–95%)" for s in c.scenarios]
    rows = []
    for m in marks:
        row = [month_label(c.start, m)]
        for s in c.scenarios:
            x = c.series[s.label][d][m]
            row.append(f"{x.mean():+.3f} ({np.quantile(x, 0.05):+.2f} … "
                       f"{np.quantile(x, 0.95):+.2f})")
        rows.append(row)
    out += [("h3", "Over time"), ("table", head, rows)]
    out.append(("h3", f"End of horizon ({end_date})"))
    if f"end_hist_{key}" in figures:
        out.append(("img", figures[f"end_hist_{key}"], f"{_dyad_name(c, d)} end values"))
    out.append(("table", ["scenario", "mean", "sd", "5%", "25%", "median", "75%", "95%",
                          "min", "max"],
                [[r.scenario, _num(r.mean), _num(r.sd, False), _num(r.p05), _num(r.p25),
                  _num(r.p50), _num(r.p75), _num(r.p95), _num(r.min), _num(r.max)]
                 for r in sel["end"].itertuples()]))
    out.append(("h3", "Threshold crossings"))
    out.append(("table", ["scenario", "event", "at start", "P(ever) [CI]",
                          "median months (crossers) [IQR]", "median months (all)",
                          "never crossed (censored)"],
                [[r.scenario, f"{r.kind.replace('_', '-')} ({r.rule})", _pct(r.holds_at_start),
                  f"{r.probability:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]",
                  _months_iqr(r.median_months_crossers, r.q25_months_crossers,
                              r.q75_months_crossers),
                  _months(r.median_months_all), _pct(r.never_share)]
                 for r in sel["thr"].itertuples()]))
    if len(sel["diff"]):
        out += [("h3", "Differences"), _differences_table(c, sel["diff"], with_dyad=False)]
    return out


_INLINE = [(re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"\*(.+?)\*"), r"<em>\1</em>"),
           (re.compile(r"`(.+?)`"), r"<code>\1</code>")]


def _inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + b[1], ""]
        elif kind == "p":
            lines += [b[1], ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in b[1]] + [""]
        elif kind == "img":
            lines += [f"![{b[2]}]({b[1]})", ""]
        elif kind == "table":
            head, rows = b[1], b[2]
            lines.append("| " + " | ".join(_md_cell(h) for h in head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(_md_cell(x) for x in r) + " |" for r in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}th{background:#f3f3f3}
img{max-width:100%;height:auto;display:block;margin:.5em 0}code{background:#f3f3f3}"""


def render_html(blocks: list[Block], title: str) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{_inline_html(b[1])}</{kind}>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b[1])
                         + "</ul>")
        elif kind == "img":
            parts.append(f'<img src="{html.escape(b[1])}" alt="{html.escape(b[2])}">')
        elif kind == "table":
            head = "".join(f"<th>{_inline_html(str(h))}</th>" for h in b[1])
            body = "".join("<tr>" + "".join(f"<td>{_inline_html(str(x))}</td>" for x in r)
                           + "</tr>" for r in b[2])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                         "</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- manifest

def build_compare_manifest(c: Comparison, run_id: str, seconds: float,
                           files: list[str]) -> dict[str, Any]:
    """Enough to reproduce the comparison: each scenario's files and hashes, seeds, options."""
    from sim.core.settings import get_settings
    from sim.runs.manifest import build_manifest, code_version

    entries, environment = [], None
    for k, s in enumerate(c.scenarios):
        m = build_manifest(s.world, s.path, s.seeds, c.engine)
        environment = m["environment"]
        entries.append({
            "label": s.label, "role": "reference" if k == 0 else "compared",
            **m["scenario"], "roster": m["roster"], "dynamics": m["dynamics"],
            "seeds": m["seeds"], "replicates": m["replicates"],
            "run_seconds": round(s.seconds, 3),
        })
    return {
        "kind": "rusiran-sim compare",
        "compare_id": run_id,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference": c.reference,
        "scenarios": entries,
        "start": c.start, "months": c.months,
        "horizon_months": c.scenarios[0].world.horizon,
        "dyads": [list(d) for d in c.dyads],
        "design": "paired" if c.options.paired else "independent",
        "seed_rule": ("every scenario: base_seed + k for run k" if c.options.paired else
                      "scenario j: base_seed + 1000000*j + k for run k"),
        "base_seed": c.base_seed, "replicates": c.replicates, "engine": c.engine,
        "options": asdict(c.options),
        "metrics": METRICS,
        "settings": get_settings().model_dump(mode="json"),
        "code": code_version(),
        "environment": environment,
        "seconds": round(seconds, 3),
        "files": files,
    }


# --------------------------------------------------------------------------- writing

def write_report(c: Comparison, parent: Path, run_id: str, *, fmt: str = "md",
                 seconds: float = 0.0) -> Path:
    """Write the report folder ``parent/run_id`` (staged: all files or none); return it."""
    with staged_dir(parent, run_id) as tmp:
        t = c.tables
        t.bands.to_csv(tmp / "bands.csv", index=False)
        t.end_distribution.to_csv(tmp / "end_distribution.csv", index=False)
        t.thresholds.to_csv(tmp / "thresholds.csv", index=False)
        t.differences.to_csv(tmp / "differences.csv", index=False)
        figures: dict[str, str] = {}
        for d in c.dyads:
            key = _dyad_file(d)
            figures[f"bands_{key}"] = f"bands_{key}.png"
            plot_bands(c, d, tmp / figures[f"bands_{key}"])
            figures[f"end_hist_{key}"] = f"end_hist_{key}.png"
            plot_end_histograms(c, d, tmp / figures[f"end_hist_{key}"])
        if len(t.differences):
            figures["differences"] = "differences.png"
            plot_differences(c, tmp / "differences.png")
        blocks = report_blocks(c, figures, seconds)
        report = f"report.{fmt}"
        text = render_html(blocks, run_id) if fmt == "html" else render_markdown(blocks)
        (tmp / report).write_text(text, encoding="utf-8")
        files = [report, *CSV_FILES, *figures.values(), "manifest.json"]
        manifest = build_compare_manifest(c, run_id, seconds, files)
        (tmp / "manifest.json").write_text(strict_json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
    return Path(parent) / run_id


# --------------------------------------------------------------------------- console

def summary_table(c: Comparison) -> Table:
    """A short console table: each metric per scenario, and its difference from the reference."""
    o = c.options
    t = Table(title=f"{' vs '.join(s.label for s in c.scenarios[1:])} against "
                    f"{c.reference}: {c.replicates} runs each, "
                    f"{'paired' if o.paired else 'independent'}, {c.months} months",
              caption=f"value, then Δ = scenario − reference [{o.confidence:.0%} bootstrap "
                      "CI]; * = differs (bootstrap and t intervals exclude 0)")
    for col in ("dyad", "scenario", "end: 90% of runs", *(METRIC_LABELS[m] for m in METRICS)):
        t.add_column(col)
    diffs = c.tables.differences
    for d in c.dyads:
        for k, s in enumerate(c.scenarios):
            x = c.series[s.label][d]
            pm = per_run_metrics(x, o.threshold_low, o.threshold_high)
            cells = [_dyad_name(c, d) if k == 0 else "", s.label,
                     f"{np.quantile(x[-1], 0.05):+.2f} … {np.quantile(x[-1], 0.95):+.2f}"]
            values = {m: _num(pm[m].mean(), signed=m in ("end", "horizon_mean"))
                      for m in METRICS}
            if k == 0:
                cells += list(values.values())
            else:
                rows = diffs[(diffs["scenario"] == s.label) & (diffs["source"] == d[0])
                             & (diffs["target"] == d[1])].set_index("metric")
                for m in METRICS:
                    r = rows.loc[m]
                    star = "*" if r["verdict"] == VERDICT_DIFFERS else ""
                    cells.append(f"{values[m]}\nΔ {_num(r['difference'])} "
                                 f"{_ci(r['ci_low'], r['ci_high'])}{star}")
            t.add_row(*cells)
    return t


# --------------------------------------------------------------------------- command

@dataclass
class CompareOutcome:
    directory: Path
    comparison: Comparison
    seconds: float


def compare_id(names: Sequence[str]) -> str:
    """``<A>-vs-<B>-<UTC stamp>-<6 hex>``; with many scenarios, ``<A>-vs-<B>-and-N-more``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    head = "-vs-".join(names)
    if len(head) > 80 and len(names) > 2:
        head = f"{names[0]}-vs-{names[1]}-and-{len(names) - 2}-more"
    return f"{head[:120]}-{stamp}-{uuid.uuid4().hex[:6]}"


def compare_command(scenarios: Sequence[str], *, dyads: Sequence[str] | None = None,
                    replicates: int | None = None, seed: int | None = None,
                    paired: bool = True, threshold_low: float = 0.0,
                    threshold_high: float = ALLIANCE_LEVEL, months: int | None = None,
                    results: Path | None = None, fmt: str = "md",
                    console: Any | None = None, engine: str = "batched") -> CompareOutcome:
    """What ``sim compare`` does: run, write the staged report folder, print a summary.

    Defaults come from the settings (``SIM_ENSEMBLE_SIZE``, ``SIM_BASE_SEED``,
    ``SIM_RESULTS_DIR``). Bad input raises `ConfigError` before anything runs, and a failure
    while writing removes the partial folder: either the whole report exists or nothing.
    """
    import time

    from rich.console import Console

    from sim.core.settings import get_settings

    settings = get_settings()
    if fmt not in ("md", "html"):
        raise ConfigError("sim compare", [f"--format: bad value {fmt!r}; allowed: md, html"])
    reps = settings.ensemble_size if replicates is None else replicates
    base = settings.base_seed if seed is None else seed
    options = CompareOptions(paired=paired, threshold_low=threshold_low,
                             threshold_high=threshold_high, bootstrap_seed=base)
    t0 = time.perf_counter()
    if engine not in ("batched", "mesa"):
        raise ConfigError("sim compare", [f"--engine: bad value {engine!r}; allowed: batched, "
                                          "mesa"])
    comparison = compare_scenarios(scenarios, dyads=dyads, replicates=reps, base_seed=base,
                                   months=months, options=options, engine=engine)
    seconds = time.perf_counter() - t0
    run_id = compare_id([s.world.scenario.name for s in comparison.scenarios])
    out = Path(results or settings.results_dir) / "compare"
    directory = write_report(comparison, out, run_id, fmt=fmt, seconds=seconds)
    con = console or Console()
    con.print(summary_table(comparison))
    con.print(f"Report: {directory / ('report.' + fmt)}", highlight=False)
    return CompareOutcome(directory, comparison, seconds)
