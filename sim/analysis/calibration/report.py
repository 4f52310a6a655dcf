"""Writing a calibration's folder: the report, its tables, and the files scenarios can use.

Two of the files are inputs, not just records:

- ``dynamics.toml`` is a complete dynamics table in the format of the built-in one; each
  fitted rate carries, as its provenance, how it was fitted and how far the repeated fits
  spread. Any scenario uses it with ``dynamics_file = "<path>"``, and ``sim run --dynamics``
  puts it under a scenario from the command line.
- ``<scenario>_calibrated.toml`` extends the calibrated scenario with that table and with
  any fitted event sizes, so ``sim run <folder>/<scenario>_calibrated.toml`` replays the
  calibrated history at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tomli_w

from sim.analysis.calibration import unga as u
from sim.analysis.calibration.config import split_name
from sim.analysis.calibration.fit import CHI2_90, CalibrationResult
from sim.analysis.calibration.unga_loss import UngaFit
from sim.core.settings import get_settings
from sim.dynamics.params import load_dynamics_file
from sim.inputs.registry import with_event_values
from sim.inputs.targets import TargetResult
from sim.runs.reporting import markdown_table

DYNAMICS_FILE = "dynamics.toml"
#: Below this within-dyad reliability the report warns of Monte Carlo attenuation.
LOW_RELIABILITY = 0.8


def parameter_table(res: CalibrationResult) -> pd.DataFrame:
    """Per free parameter: hand-set, calibrated, spread of the fits, slice interval."""
    xs = np.array([f.x for f in res.fits])
    rows = []
    cuts = {s.name: s for s in res.slices}
    for i, name in enumerate(res.problem.names):
        row: dict[str, Any] = {
            "parameter": name, "low": res.problem.low[i], "high": res.problem.high[i],
            "hand_set": res.problem.hand_set[i], "calibrated": res.calibrated[i],
            "fits_min": xs[:, i].min(), "fits_median": float(np.median(xs[:, i])),
            "fits_max": xs[:, i].max(),
            "fits_sd": float(xs[:, i].std(ddof=1)) if len(xs) > 1 else float("nan")}
        if name in cuts:
            lo, hi = cuts[name].interval()
            width = (hi - lo) / (res.problem.high[i] - res.problem.low[i])
            row.update(slice_low=lo, slice_high=hi, identified=bool(width < 0.999))
        rows.append(row)
    return pd.DataFrame(rows)


def target_table(res: CalibrationResult) -> pd.DataFrame:
    rows = []
    for which, results in (("hand_set", res.hand_results),
                           ("calibrated", res.calibrated_results)):
        for r in results:
            rows.append({"parameters": which, "target": r.target.id,
                         "sample": "held_out" if r.held_out else "in_sample",
                         "kind": r.target.kind, "dyad": r.target.dyad,
                         "condition": r.target.condition(), "value": r.value,
                         "p05": r.low, "p95": r.high, "slack": r.slack, "se": r.se,
                         "verdict": r.verdict, "source": r.target.evidence.source})
    return pd.DataFrame(rows)


def fit_table(res: CalibrationResult) -> pd.DataFrame:
    rows = []
    for f in res.fits:
        rows.append({"fit": f.index, "loss": f.loss, "hand_set_loss": f.hand_loss,
                     "validation_loss": f.validation_loss, "evaluations": f.evaluations,
                     "generations": f.generations, "converged": f.converged,
                     "chosen": f.index == res.fits[res.best].index,
                     **dict(zip(res.problem.names, f.x, strict=True))})
    return pd.DataFrame(rows)


def votes_table(res: CalibrationResult) -> pd.DataFrame:
    """The measurement model and the scores against the UNGA votes, hand-set against
    calibrated (empty without a ``[unga]`` table)."""
    rows = []
    for which, fit in (("hand_set", res.hand_votes), ("calibrated", res.calibrated_votes)):
        if fit is None or fit.scores is None:
            continue
        s = fit.scores
        rows.append({
            "parameters": which, "measure": s.measure, "measurement": s.measurement,
            "scored": u.scored_quantity(s.measurement), "alpha": s.fit.alpha,
            "beta": s.fit.beta, "beta_se": s.fit.beta_se, "gamma": s.fit.gamma,
            "gamma_se": s.fit.gamma_se, "r2": s.fit.r2,
            "resid_sd": s.fit.resid_sd, "spearman": s.spearman,
            "spearman_p05": s.spearman_range[0], "spearman_p95": s.spearman_range[1],
            "within_r": s.within_r, "within_p05": s.within_r_range[0],
            "within_p95": s.within_r_range[1], "large_change_share": s.large_change_share,
            "dyad_years": s.n_dyad_years, "dyads": s.n_dyads,
            "years": f"{s.first_year}-{s.last_year}", "n_rank": fit.n_rank,
            "n_within": fit.n_within, "rho": fit.rho,
            "reliability_rank": fit.reliability_rank,
            "reliability_within": fit.reliability_within, "deviance": fit.deviance,
            "weight": fit.weight, "loss_term": fit.term})
    return pd.DataFrame(rows)


def slice_table(res: CalibrationResult) -> pd.DataFrame:
    return pd.DataFrame([{"parameter": s.name, "value": g, "loss": v}
                         for s in res.slices for g, v in zip(s.grid, s.loss, strict=True)])


def plot_slices(res: CalibrationResult, path: Path) -> None:
    n = len(res.slices)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, s, i in zip(axes.flat, res.slices, range(n), strict=False):
        ax.plot(s.grid, s.loss, marker="o", color="tab:blue")
        ax.axhline(s.loss.min() + CHI2_90, color="grey", ls=":", lw=1)
        ax.axvline(res.problem.hand_set[i], color="tab:orange", ls="--", lw=1, label="hand-set")
        ax.axvline(res.calibrated[i], color="tab:green", lw=1, label="calibrated")
        ax.set_title(s.name, fontsize=9)
        ax.set_ylabel("loss (squared z; -2 log-likelihood)", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Loss along each parameter, others at the calibrated fit "
                 f"({res.cal.name}; dotted: +{CHI2_90:.2f})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _fitted_note(res: CalibrationResult, i: int, run_id: str) -> str:
    xs = np.array([f.x for f in res.fits])
    cal = res.cal
    parts = [f"the in-sample targets of {res.problem.targets_name}"]
    if cal.unga is not None:
        parts.append(f"the UNGA votes of {u.FIRST_YEAR + 1}-{u.LAST_YEAR}")
    if cal.episodes is not None:
        parts.append("the history's documented episodes")
    if cal.expectations is not None:
        parts.append(f"{len(res.problem.expectation_cases)} scenarios' documented expectations")
    to = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (f"fitted by `sim calibrate` ({res.cal.name}, run {run_id}) to {to}; "
            f"{len(res.fits)} fits ranged "
            f"[{xs[:, i].min():.4g}, {xs[:, i].max():.4g}]; hand-set value "
            f"{res.problem.hand_set[i]:.4g}")


def dynamics_document(res: CalibrationResult, run_id: str) -> dict[str, Any]:
    """The complete dynamics table with the fitted rates replaced, provenance included."""
    base_path = res.problem.scenario.dynamics_path(res.problem.base)
    table = load_dynamics_file(base_path) if base_path else load_dynamics_file()
    params = {k: v.model_dump(exclude_none=True) for k, v in table.params.items()}
    cuts = {c.name: c for c in res.slices}
    for i, name in enumerate(res.problem.names):
        kind, key, _ = split_name(name)
        if kind == "dynamics":
            value = float(res.calibrated[i])
            params[key] = {
                "value": value, "confidence": "low",
                "assumption": _fitted_note(res, i, run_id),
                "note": f"earlier reason for the hand-set value: "
                        f"{table.params[key].assumption}"}
            if name in cuts:  # the fit's interval: what the cone of futures samples
                lo, hi = cuts[name].interval()
                if lo <= value <= hi:
                    params[key]["plausible"] = [float(lo), float(hi)]
    return {"description": f"Dynamics calibrated by `sim calibrate` ({res.cal.name}, run "
                           f"{run_id}) on scenario {res.problem.scenario.name}.",
            "params": params}


def calibrated_scenario(res: CalibrationResult, dynamics_file: str, run_id: str) -> dict:
    """A scenario extending the calibrated one with the fitted table and event sizes."""
    sc = res.problem.scenario
    scen_dir = get_settings().scenarios_dir.resolve()
    parent = res.scenario_file.resolve()
    extends = sc.name if parent == scen_dir / f"{sc.name}.toml" else str(parent)
    doc: dict[str, Any] = {
        "name": f"{sc.name}_calibrated",
        "title": f"{sc.title or sc.name} (calibrated)",
        "description": f"{sc.name} with the parameters fitted by `sim calibrate` "
                       f"({res.cal.name}, run {run_id}).",
        "extends": extends, "dynamics_file": dynamics_file}
    fitted_events: dict[str, dict[str, float]] = {}
    own: dict[str, float] = {}
    for name, value in zip(res.problem.names, res.calibrated, strict=True):
        kind, key, field = split_name(name)
        if kind == "event":
            fitted_events.setdefault(key, {})[field] = float(value)
        elif key in sc.dynamics:  # the parent's own table would override the file
            own[key] = float(value)
    if own:
        doc["dynamics"] = own
    if fitted_events:
        doc["events"] = [with_event_values(ev, fitted_events[ev.id]).model_dump(
            mode="json", exclude_none=True) for ev in sc.events if ev.id in fitted_events]
    return doc


def _verdicts(results: list[TargetResult], held_out: bool) -> str:
    chosen = [r for r in results if r.held_out == held_out]
    counts = {v: sum(r.verdict == v for r in chosen) for v in ("met", "unclear", "missed")}
    return f"{counts['met']} met, {counts['unclear']} unclear, {counts['missed']} missed " \
           f"of {len(chosen)}"


def episode_table(res: CalibrationResult) -> pd.DataFrame:
    """Every episode check, hand-set against calibrated (empty without ``[episodes]``)."""
    rows = []
    for which, ev in (("hand_set", res.hand), ("calibrated", res.calibrated_evaluation)):
        for episode, checks in (ev.episodes or {}).items():
            for n, r in enumerate(checks):
                rows.append({"parameters": which, "episode": episode, "check": n,
                             "dyad": r.check.dyad, "statistic": r.check.statistic,
                             "low": r.check.low, "high": r.check.high, "value": r.value,
                             "se": r.se, "tolerance": r.tolerance, "slack": r.slack,
                             "passes": r.passes})
    return pd.DataFrame(rows)


def expectation_table(res: CalibrationResult) -> pd.DataFrame:
    """Every scenario expectation, hand-set against calibrated (empty without
    ``[expectations]``)."""
    rows = []
    names = [c.scenario.name for c in res.problem.expectation_cases
             for _ in c.scenario.expected]
    for which, ev in (("hand_set", res.hand), ("calibrated", res.calibrated_evaluation)):
        for name, r in zip(names, ev.expectations or [], strict=False):
            e = r.expected
            rows.append({"parameters": which, "scenario": name,
                         "dyad": f"{e.source}:{e.target}", "direction": e.direction,
                         "months": f"{e.months[0]}-{e.months[1] - 1}",
                         "min_effect": e.min_effect, "effect": r.effect, "low": r.low,
                         "high": r.high, "met": r.met,
                         "wrong_sign": e.direction != "none" and r.signed < 0})
    return pd.DataFrame(rows)


def episode_verdict(ev) -> str:
    if ev.episodes is None:
        return "-"
    checks = [r for c in ev.episodes.values() for r in c]
    whole = sum(all(r.passes for r in c) for c in ev.episodes.values())
    return (f"{whole} of {len(ev.episodes)} ({sum(r.passes for r in checks)} of "
            f"{len(checks)} checks){'; shape broken' if ev.shape else ''}")


def expectation_verdict(ev) -> str:
    if ev.expectations is None:
        return "-"
    wrong = sum(r.expected.direction != "none" and r.signed < 0 for r in ev.expectations)
    return f"{sum(r.met for r in ev.expectations)} of {len(ev.expectations)}, {wrong} wrong sign"


def _documents_section(res: CalibrationResult) -> list[str]:
    """Episodes and expectations, hand-set against calibrated, when the fit answers to
    them."""
    lines: list[str] = []
    eps = episode_table(res)
    if len(eps):
        wide = eps[eps.parameters == "hand_set"][["episode", "dyad", "statistic", "low",
                                                  "high"]].reset_index(drop=True)
        for bound in ("low", "high"):
            wide[bound] = ["-" if pd.isna(v) else f"{v:+.2f}" for v in wide[bound]]
        for which in ("hand_set", "calibrated"):
            sub = eps[eps.parameters == which].reset_index(drop=True)
            wide[which] = [f"{v:+.3f} {'passes' if ok else 'misses'}"
                           for v, ok in zip(sub.value, sub.passes, strict=True)]
        lines += ["## Documented episodes", "",
                  "Statistic of the ensemble mean; a check passes within "
                  f"{res.problem.episodes.tolerance_se:g} standard errors of its range "
                  "(`sim/data/history_episodes.toml`).", "",
                  markdown_table(wide, "{:+.2f}"), ""]
        for which, ev in (("hand-set", res.hand), ("calibrated", res.calibrated_evaluation)):
            if ev.shape:
                lines += [f"Shape broken ({which}): " + "; ".join(ev.shape), ""]
    exp = expectation_table(res)
    if len(exp):
        cal = exp[exp.parameters == "calibrated"].reset_index(drop=True)
        hand = exp[exp.parameters == "hand_set"].reset_index(drop=True)
        changed = hand[(hand.met != cal.met) | cal.wrong_sign]
        lines += ["## Scenario expectations", "",
                  f"Hand-set: {expectation_verdict(res.hand)}; calibrated: "
                  f"{expectation_verdict(res.calibrated_evaluation)} (paired runs on the "
                  "validation replicates; every row in `expectations.csv`)."
                  + (" Those whose verdict changes, or of the wrong sign:" if len(changed)
                     else ""), ""]
        if len(changed):
            rows = changed[["scenario", "dyad", "direction", "months", "min_effect"]].copy()
            rows["hand_set"] = [f"{hand.effect[i]:+.3f} {'met' if hand.met[i] else 'missed'}"
                                for i in changed.index]
            rows["calibrated"] = [f"{cal.effect[i]:+.3f} {'met' if cal.met[i] else 'missed'}"
                                  for i in changed.index]
            lines += [markdown_table(rows, "{:.2f}"), ""]
    return lines


def _votes_section(res: CalibrationResult) -> list[str]:
    """The report's section on the UNGA votes: measurement model and scores, hand-set
    against calibrated, on the validation replicates."""
    hand, cal = res.hand_votes, res.calibrated_votes
    if hand is None or cal is None or hand.scores is None or cal.scores is None:
        return []
    s = hand.scores
    m = u.MEASURES[s.measure]
    link = u.link_formula(s).replace("×", "x").replace("−", "-")
    hegemony = s.measurement == "hegemony"

    def row(which: str, fit: UngaFit) -> str:
        sc, f = fit.scores, fit.scores.fit  # type: ignore[union-attr]
        gamma = f" {f.gamma:.2f} ({f.gamma_se:.2f}) |" if hegemony else ""
        return (f"| {which} | {f.alpha:.2f} | {f.beta:.2f} ({f.beta_se:.2f}) |{gamma} "
                f"{f.r2:.2f} | {f.resid_sd:.2f} | {sc.spearman:.2f} [{sc.spearman_range[0]:.2f}, "
                f"{sc.spearman_range[1]:.2f}] | {sc.within_r:.2f} [{sc.within_r_range[0]:.2f}, "
                f"{sc.within_r_range[1]:.2f}] | {sc.large_change_share:.2f} | "
                f"{fit.reliability_within:.2f} | {fit.term:.2f} |")

    return [
        "## UN General Assembly votes (in-sample years only)", "",
        f"Measure `{s.measure}` ({m.meaning}) ~ {link} (measurement model "
        f"`{s.measurement}`"
        + (f"; h_k: state k's alignment with the {u.HEGEMON}, both directions averaged, "
           f"1 for the {u.HEGEMON}" if hegemony else "")
        + f"), least squares pooled over "
        f"{s.n_dyad_years} dyad-years of {s.n_dyads} dyads, {s.first_year}-{s.last_year} "
        f"(the votes from {u.HELD_OUT_FROM} are held out and never read). The scores "
        f"correlate {u.scored_quantity(s.measurement)} with the votes' closeness. Scores on "
        f"{s.replicates} fresh replicates; [5%, 95%] over single replicates. Targets of the "
        f"scores (docs/validation.md): Spearman >= {u.SPEARMAN_TARGET}, within-dyad r >= "
        f"{u.WITHIN_TARGET}.", "",
        f"Loss term: {hand.weight} x [{hand.n_rank:.1f} log((1 - S^2) / (1 - "
        f"{u.SPEARMAN_TARGET}^2)) + {hand.n_within:.1f} log((1 - W^2) / (1 - "
        f"{u.WITHIN_TARGET}^2))]: minus twice the measurement model's log-likelihood against "
        "a replay whose scores sit at their targets, with effective sample sizes (one "
        "observation per dyad for the levels; the within-dyad changes discounted for the "
        f"data's lag-1 autocorrelation {hand.rho:.2f}); S and W are the two scores below; "
        "see `sim/analysis/calibration/unga_loss.py`. `reliability`: the share of the within-dyad "
        "variance of the scored series' ensemble means that is not Monte Carlo noise; the "
        "within-dyad r is attenuated by its square root.", "",
        "| parameters | alpha | beta (se) |" + (" gamma (se) |" if hegemony else "")
        + " R^2 | residual sd | Spearman | within-dyad r | large changes right | reliability "
        "| loss term |",
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if hegemony else ""),
        row("hand-set", hand), row("calibrated", cal), "",
        *([f"Warning: a reliability below {LOW_RELIABILITY} attenuates the within-dyad r "
           "noticeably, in favour of parameters with larger responses; use more "
           "replicates.", ""]
          if min(hand.reliability_within, cal.reliability_within) < LOW_RELIABILITY else []),
        f"Data: {u.CITATION}", "",
    ]


def report_markdown(res: CalibrationResult, run_id: str) -> str:
    cal, pr = res.cal, res.problem
    params = parameter_table(res)
    shown = params[["parameter", "hand_set", "calibrated", "fits_min", "fits_max"]
                   + (["slice_low", "slice_high", "identified"] if res.slices else [])]
    tt = target_table(res)
    wide = tt[tt.parameters == "hand_set"][["target", "sample", "condition"]].copy()
    for which in ("hand_set", "calibrated"):
        sub = tt[tt.parameters == which].set_index("target")
        wide[f"{which}"] = [f"{sub.loc[t, 'value']:+.3f} [{sub.loc[t, 'p05']:+.2f}, "
                            f"{sub.loc[t, 'p95']:+.2f}] {sub.loc[t, 'verdict']}"
                            for t in wide.target]
    fits = fit_table(res)[["fit", "loss", "hand_set_loss", "validation_loss", "evaluations",
                           "generations", "converged", "chosen"]]
    hand_parts, cal_parts = res.parts()
    votes = (f" With the UNGA votes on, {cal.unga.weight} x minus twice their measurement "
             "model's log-likelihood ratio is added: zero when the replay's scores sit at "
             "their targets, lower when it follows the votes better." if cal.unga is not None
             else "")
    years = (f"; UNGA votes {res.hand_votes.scores.first_year}-"
             f"{res.hand_votes.scores.last_year}" if res.hand_votes is not None
             and res.hand_votes.scores is not None else "")
    lines = [
        f"# Calibration {cal.name} (run {run_id})", "",
        f"Scenario `{pr.scenario.name}`, targets `{pr.targets_name}` (held out from "
        f"{pr.targets.held_out_from}). {len(pr.in_sample)} in-sample targets, "
        f"{len(pr.targets.targets) - len(pr.in_sample)} held out{years}.",
        f"{len(res.fits)} differential-evolution fits of {len(pr.names)} parameters, each on "
        f"{cal.replicates} replicates of its own (common random numbers within a fit); fits "
        f"compared and all targets reported on {cal.validation_replicates} fresh replicates. "
        f"{res.evaluations} ensemble evaluations in {res.seconds:.0f} s on {res.workers} "
        "worker(s).", "",
        "Loss: sum over in-sample targets of max(0, 1.645 - slack/se)^2, plus "
        f"{cal.prior_weight} x the squared distance from the hand-set values in units of each "
        "range. The targets' part is zero when every in-sample target is met at one-sided "
        f"5%.{votes}", "",
        "## Verdicts on fresh replicates", "",
        "| parameters | in-sample | held out | episodes | expectations | targets | votes "
        "| episodes' part | expectations' part | prior | loss |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| hand-set | {_verdicts(res.hand_results, False)} | "
        f"{_verdicts(res.hand_results, True)} | {episode_verdict(res.hand)} | "
        f"{expectation_verdict(res.hand)} | {hand_parts.targets:.2f} | "
        f"{hand_parts.votes:.2f} | {hand_parts.episodes:.2f} | {hand_parts.expectations:.2f} "
        f"| {hand_parts.prior:.2f} | {res.hand_validation_loss:.2f} |",
        f"| calibrated | {_verdicts(res.calibrated_results, False)} | "
        f"{_verdicts(res.calibrated_results, True)} | "
        f"{episode_verdict(res.calibrated_evaluation)} | "
        f"{expectation_verdict(res.calibrated_evaluation)} | {cal_parts.targets:.2f} | "
        f"{cal_parts.votes:.2f} | {cal_parts.episodes:.2f} | {cal_parts.expectations:.2f} "
        f"| {cal_parts.prior:.2f} | {res.fits[res.best].validation_loss:.2f} |", "",
        "## Parameters", "",
        "`fits_min`–`fits_max`: spread of the repeated fits. `slice_low`–`slice_high`: values "
        f"within {CHI2_90:.2f} of the loss minimum along the parameter, others held at the "
        "calibrated fit; `identified` is false when that covers the whole range.", "",
        markdown_table(shown, "{:.4g}"), "",
        "## Targets, target by target", "",
        "Mean [5%, 95% of replicates] and verdict, hand-set against calibrated.", "",
        markdown_table(wide, "{:+.3f}"), "",
        *_votes_section(res),
        *_documents_section(res),
        "## Fits", "", markdown_table(fits, "{:.3f}"), "",
        f"Calibrated table: `{DYNAMICS_FILE}`; scenario: `{pr.scenario.name}_calibrated.toml`.",
    ]
    return "\n".join(lines) + "\n"


def write_calibration(res: CalibrationResult, folder: Path, run_id: str) -> None:
    """Everything into ``folder`` (a staged folder: it appears whole or not at all)."""
    parameter_table(res).to_csv(folder / "parameters.csv", index=False)
    target_table(res).to_csv(folder / "targets.csv", index=False)
    fit_table(res).to_csv(folder / "fits.csv", index=False)
    if res.hand_votes is not None:
        votes_table(res).to_csv(folder / "votes.csv", index=False)
    if res.hand.episodes is not None:
        episode_table(res).to_csv(folder / "episodes.csv", index=False)
    if res.hand.expectations is not None:
        expectation_table(res).to_csv(folder / "expectations.csv", index=False)
    if res.slices:
        slice_table(res).to_csv(folder / "slices.csv", index=False)
        plot_slices(res, folder / "slices.png")
    header = (f"# Written by `sim calibrate` ({res.cal.name}, run {run_id}). Use it from a "
              "scenario with\n# dynamics_file = \"<path to this file>\"\n")
    (folder / DYNAMICS_FILE).write_text(
        header + tomli_w.dumps(dynamics_document(res, run_id)), encoding="utf-8")
    name = f"{res.problem.scenario.name}_calibrated.toml"
    (folder / name).write_text(
        "# Written by `sim calibrate`: the calibrated scenario; run it with\n"
        f"# sim run <this folder>/{name}\n"
        + tomli_w.dumps(calibrated_scenario(res, DYNAMICS_FILE, run_id)), encoding="utf-8")
    (folder / "report.md").write_text(report_markdown(res, run_id), encoding="utf-8")
