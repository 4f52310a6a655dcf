"""The main job's summary and figure: key dyads with ensemble bands, never a single line.

Why bands: a seminar or an analyst must not read one trajectory as the answer; the figure
shows the median with the 50% and 90% ranges of the ensemble.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.calendar import month_label
from sim.dynamics.drivers import TERMS
from sim.dynamics.world import World
from sim.runs.metrics import ALLIANCE_LEVEL
from sim.runs.recording import Record

#: The dyads the documents speak of most, Russia-Iran first.
KEY_DYADS: tuple[tuple[str, str], ...] = (
    ("RUS", "IRN"), ("IRN", "RUS"), ("USA", "RUS"), ("USA", "IRN"),
    ("RUS", "ISR"), ("RUS", "SAU"), ("RUS", "CHN"), ("IRN", "CHN"),
    ("RUS", "TUR"), ("IND", "IRN"), ("AZE", "IRN"), ("IRN", "ISR"),
)



def key_dyads(world: World) -> list[tuple[str, str]]:
    ids = set(world.roster.ids)
    return [(a, b) for a, b in KEY_DYADS if a in ids and b in ids]


def summarise(world: World, rec: Record) -> dict:
    """Numbers for the key dyads: start, yearly means, end band, main drivers."""
    ids = world.roster.ids
    out = {"replicates": len(rec.seeds), "dyads": []}
    last = rec.alignment.shape[0] - 1
    for a, b in key_dyads(world):
        i, j = ids.index(a), ids.index(b)
        x = rec.alignment[:, :, i, j]
        entry = {
            "source": a, "target": b, "start": float(x[0].mean()),
            "after_1y": float(x[min(12, last)].mean()),
            "after_5y": float(x[min(60, last)].mean()), "end": float(x[last].mean()),
            "end_p05": float(np.quantile(x[last], 0.05)),
            "end_p95": float(np.quantile(x[last], 0.95)),
            "share_alliance_like_at_end": float((x[last] >= ALLIANCE_LEVEL).mean()),
            "share_hostile_at_end": float((x[last] < 0).mean()),
        }
        if rec.terms is not None:
            totals = rec.terms[:, :, :, i, j].sum(axis=0).mean(axis=0)
            order = np.argsort(-np.abs(totals))[:3]
            entry["main_drivers"] = {TERMS[k].label: float(totals[k]) for k in order}
            entry["main_drivers_by_name"] = {TERMS[k].name: float(totals[k]) for k in order}
        out["dyads"].append(entry)
    out["events_fired"] = len({(s, lab) for s, lab, _ in rec.events})
    out["clipped_months_share"] = float(rec.clipped.mean()) if rec.clipped.size else 0.0
    return out


def summary_markdown(world: World, summary: dict, run_id: str) -> str:
    names = dict(zip(world.roster.ids, world.roster.names, strict=True))
    end = month_label(world.start, world.horizon)
    lines = [f"# Run {run_id}", "",
             f"Scenario **{world.scenario.name}**, {world.start} to {end}, "
             f"{summary['replicates']} replicates.", "",
             "| dyad | start | after 1 y | after 5 y | end (mean) | end 90% range | main drivers |",
             "|---|---|---|---|---|---|---|"]
    for d in summary["dyads"]:
        drivers = "; ".join(f"{k} {v:+.2f}" for k, v in d.get("main_drivers", {}).items())
        lines.append(f"| {names[d['source']]} → {names[d['target']]} | {d['start']:+.2f} | "
                     f"{d['after_1y']:+.2f} | {d['after_5y']:+.2f} | {d['end']:+.2f} | "
                     f"{d['end_p05']:+.2f} … {d['end_p95']:+.2f} | {drivers} |")
    lines += ["", "Driver totals are ensemble means of the summed monthly terms over the run.",
              "Explain any dyad with `sim explain SOURCE TARGET`."]
    return "\n".join(lines) + "\n"


def plot_key_dyads(world: World, rec: Record, path: Path, title: str = "") -> None:
    """The key dyads' ensemble bands over the run, into ``path`` (matplotlib is imported
    here: the summaries of this module serve callers that draw nothing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dyads = key_dyads(world)[:8]
    ids, names = world.roster.ids, dict(zip(world.roster.ids, world.roster.names, strict=True))
    steps = rec.alignment.shape[0]
    t = np.arange(steps)
    ticks = list(range(0, steps, 24))
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), sharex=True, sharey=True)
    for ax, (a, b) in zip(axes.flat, dyads, strict=False):
        x = rec.alignment[:, :, ids.index(a), ids.index(b)]
        q05, q25, q50, q75, q95 = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
        ax.fill_between(t, q05, q95, alpha=0.2, color="tab:blue", label="90% of runs")
        ax.fill_between(t, q25, q75, alpha=0.35, color="tab:blue", label="50% of runs")
        ax.plot(t, q50, color="tab:blue", lw=1.5, label="median")
        ax.axhline(0, color="grey", lw=0.6)
        ax.axhline(ALLIANCE_LEVEL, color="grey", lw=0.6, ls=":")
        ax.set_title(f"{names[a]} → {names[b]}", fontsize=10)
        ax.set_ylim(-1, 1)
        ax.set_xticks(ticks, [month_label(world.start, k)[:4] for k in ticks])
    for ax in axes.flat[len(dyads):]:
        ax.axis("off")
    axes.flat[0].legend(loc="lower left", fontsize=8)
    fig.suptitle(title or f"{world.scenario.name}: alignment of key dyads "
                 f"({len(rec.seeds)} runs; dotted line: alliance-like level)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown_table(df, floats: str = "{:.4f}") -> str:
    """A data frame as a Markdown table, floats in one format (reports are read, not parsed)."""
    def cell(v) -> str:
        return floats.format(v) if isinstance(v, float | np.floating) else str(v)
    head = "| " + " | ".join(map(str, df.columns)) + " |\n|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, *rows])

