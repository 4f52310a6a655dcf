"""Comparing scenarios: ensemble bands, end distributions, threshold crossings, differences.

Why this exists: the model is for comparing scenarios (docs/ODD.md §1), and a comparison of
two ensemble means says nothing about whether the gap is larger than the noise. Every number
here comes with its spread or its interval, and every difference with a 95% interval, a test
and an effect size, so a report can say "differs" or "no detectable difference" honestly.

Layers, from the bottom:

- statistics on plain arrays: a dyad's alignment as an ``(S+1, R)`` array (month 0 is the
  start, R replicates): `bands`, `end_summary`, `crossing`, `per_run_metrics`,
  `difference` and `compare_arrays`. Nothing here knows about scenarios, so sweep results
  read from Parquet can be fed in directly;
- `compare_series`: those statistics for several scenarios and dyads at once, as tables;
- `compare_scenarios`: loads and checks the scenarios, runs them on the batched path with
  the same seeds (or independent ones), and calls `compare_series`;
- `compare_command`: what ``sim compare`` calls; writes the staged report folder
  (`sim.analysis.compare_report`) and prints a summary.

Design. Paired (the default): replicate k of every scenario runs on the same seed, so the
per-seed differences cancel the noise the runs share (common random numbers); intervals are
then a bootstrap over seeds of the paired differences and the paired t-interval, and the
effect size is Cohen's d_z. Independent: scenario k runs on base seed + 1,000,000·k; the
interval is a bootstrap of the difference of means (each sample resampled on its own) and
Welch's t-interval, with Welch's p-value and Cohen's d with the pooled sd.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import month_label
from sim.core.config_errors import ConfigError
from sim.dynamics.world import World
from sim.runs.reporting import ALLIANCE_LEVEL, KEY_DYADS

Dyad = tuple[str, str]
CiMethod = Literal["wilson", "exact"]

#: Quantiles of the bands (5, 25, 50, 75 and 95% of runs).
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Seed offset between scenarios in the independent design (scenario k: base + k * this).
INDEPENDENT_SEED_STRIDE = 1_000_000
#: Bootstrap resamples; 9,999 keeps the Monte Carlo error of a 95% bound well below the
#: third decimal the report prints.
N_RESAMPLES = 9_999
#: Dyads shown when none are asked for: the first of `KEY_DYADS` present in every scenario.
DEFAULT_DYAD_COUNT = 4

#: Per-run metrics compared between scenarios, with the words the report uses.
METRICS: dict[str, str] = {
    "end": "value at the end of the horizon",
    "horizon_mean": "mean over months 1..S",
    "rupture": "share of runs ever below the low threshold",
    "alliance_like": "share of runs ever at or above the high threshold",
}

VERDICT_DIFFERS = "differs"
VERDICT_NONE = "no detectable difference"


# --------------------------------------------------------------------------- arrays

def _series(x: np.ndarray) -> np.ndarray:
    """Check and return a dyad's ``(S+1, R)`` series as float64: why fail early is that a
    transposed array would otherwise give plausible-looking nonsense."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1:
        raise ValueError(f"expected an (S+1, R) array with S >= 1 months and R >= 1 runs; "
                         f"got shape {a.shape}")
    return a


def bands(x: np.ndarray) -> dict[str, np.ndarray]:
    """Ensemble mean and the 5, 25, 50, 75, 95% quantiles at every month, each ``(S+1,)``."""
    a = _series(x)
    q = np.quantile(a, QUANTILES, axis=1)
    out = {"mean": a.mean(axis=1)}
    out.update({_qname(p): q[k] for k, p in enumerate(QUANTILES)})
    return out


def _qname(p: float) -> str:
    return f"p{round(p * 100):02d}"


def end_summary(x: np.ndarray, threshold_low: float = 0.0,
                threshold_high: float = ALLIANCE_LEVEL) -> dict[str, float]:
    """Distribution of the last month over runs: moments, quantiles, shares beyond thresholds."""
    end = _series(x)[-1]
    q = np.quantile(end, QUANTILES)
    out: dict[str, float] = {
        "n": int(end.size), "mean": float(end.mean()),
        "sd": float(end.std(ddof=1)) if end.size > 1 else 0.0,
        "min": float(end.min()),
    }
    out.update({_qname(p): float(q[k]) for k, p in enumerate(QUANTILES)})
    out["max"] = float(end.max())
    out["share_below_low"] = float((end < threshold_low).mean())
    out["share_at_or_above_high"] = float((end >= threshold_high).mean())
    return out


def _region(a: np.ndarray, threshold: float, below: bool) -> np.ndarray:
    """Where the series is in the region: strictly below ``threshold``, or at or above it."""
    return a < threshold if below else a >= threshold


def first_crossing(x: np.ndarray, threshold: float, below: bool) -> np.ndarray:
    """Month (1..S) each run first enters the region, or -1 if it never does (censored).

    Month 0 is the shared start, not an outcome, so it is not counted; whether the region
    already holds at the start is reported separately (see `crossing`).
    """
    inside = _region(_series(x)[1:], threshold, below)
    hit = inside.any(axis=0)
    return np.where(hit, inside.argmax(axis=0) + 1, -1).astype(np.int64)


@dataclass(frozen=True)
class Crossing:
    """Whether and when runs enter a region; interval for the probability; censoring."""

    kind: str  # "rupture" or "alliance_like"
    threshold: float
    rule: str  # "< 0.00" or ">= 0.75"
    n: int
    crossed: int
    probability: float
    ci_low: float
    ci_high: float
    ci_method: str
    confidence: float
    holds_at_start: float  # share of runs already in the region at month 0
    horizon: int  # S: runs that never cross are censored here
    median_months_crossers: float | None  # among runs that cross (conditional)
    q25_months_crossers: float | None
    q75_months_crossers: float | None
    median_months_all: float | None  # Kaplan-Meier median; None = not reached by S
    never_share: float
    first_months: np.ndarray = field(repr=False, compare=False)

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("first_months")
        return d


def crossing(x: np.ndarray, threshold: float, *, below: bool, kind: str = "",
             confidence: float = 0.95, ci_method: CiMethod = "wilson") -> Crossing:
    """Probability that a run enters the region at some month 1..S, and time to first entry.

    The interval is Wilson's score interval (``ci_method="wilson"``) or Clopper-Pearson
    (``"exact"``) from `scipy.stats.binomtest`. Time to first entry is right-censored at the
    horizon S for runs that never enter: their time is only known to exceed S, so the
    median among runs that cross is conditional on crossing, and the median over all runs
    (Kaplan-Meier; with every run censored at the same S it is the month by which half the
    runs have crossed) is "not reached" (None) when fewer than half cross.
    """
    a = _series(x)
    first = first_crossing(a, threshold, below)
    n, s = a.shape[1], a.shape[0] - 1
    hit = first[first > 0]
    k = int(hit.size)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method=ci_method)
    times = np.sort(hit)
    need = math.ceil(n / 2)
    med_all = float(times[need - 1]) if k >= need else None
    q = np.quantile(times, [0.25, 0.5, 0.75]) if k else [None, None, None]
    return Crossing(
        kind=kind or ("rupture" if below else "alliance_like"), threshold=float(threshold),
        rule=f"{'<' if below else '>='} {threshold:.2f}", n=n, crossed=k,
        probability=k / n, ci_low=float(ci.low), ci_high=float(ci.high),
        ci_method="Wilson score" if ci_method == "wilson" else "Clopper-Pearson",
        confidence=confidence,
        holds_at_start=float(_region(a[0], threshold, below).mean()), horizon=s,
        median_months_crossers=None if q[1] is None else float(q[1]),
        q25_months_crossers=None if q[0] is None else float(q[0]),
        q75_months_crossers=None if q[2] is None else float(q[2]),
        median_months_all=med_all, never_share=(n - k) / n, first_months=first,
    )


def per_run_metrics(x: np.ndarray, threshold_low: float = 0.0,
                    threshold_high: float = ALLIANCE_LEVEL) -> dict[str, np.ndarray]:
    """The per-run values that scenarios are compared on, each ``(R,)`` (see `METRICS`).

    The crossing metrics are 0/1 per run, so their mean is the crossing probability and a
    difference of means is a difference of probabilities.
    """
    a = _series(x)
    after = a[1:]
    return {
        "end": a[-1],
        "horizon_mean": after.mean(axis=0),
        "rupture": (after < threshold_low).any(axis=0).astype(np.float64),
        "alliance_like": (after >= threshold_high).any(axis=0).astype(np.float64),
    }


@dataclass(frozen=True)
class Difference:
    """Other minus reference for one metric, with intervals, a test and an effect size."""

    metric: str
    design: str  # "paired" or "independent"
    n_reference: int
    n_other: int
    reference_mean: float
    other_mean: float
    difference: float
    ci_low: float  # bootstrap
    ci_high: float
    ci_method: str
    t_low: float  # paired t or Welch t interval
    t_high: float
    test: str
    p_value: float
    effect_size: float
    effect_size_kind: str
    confidence: float
    bootstrap_seed: int
    n_resamples: int

    @property
    def excludes_zero(self) -> bool:
        """Both 95% intervals exclude 0.

        Why both: with a few dozen runs the bootstrap interval runs narrow (about 6.5-7%
        of intervals miss a true difference of 0 at n = 32, against 5% for the t-interval;
        measured on normal and heavy-tailed synthetic data), while the t-interval leans on
        normality, which 0/1 crossing indicators lack. Requiring both keeps the rate of
        false "differs" at or below the nominal 5%.
        """
        return (self.ci_low > 0 or self.ci_high < 0) and (self.t_low > 0 or self.t_high < 0)

    @property
    def verdict(self) -> str:
        """"differs" when the intervals exclude 0: the report's one-word answer."""
        return VERDICT_DIFFERS if self.excludes_zero else VERDICT_NONE

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def _bootstrap(data: tuple[np.ndarray, ...], statistic, *, paired: bool, confidence: float,
               n_resamples: int, seed: int) -> tuple[float, float, str]:
    """BCa bootstrap interval, falling back to the percentile interval when BCa is undefined.

    BCa corrects for bias and skew (end values are bounded in [-1, 1], crossing indicators
    are 0/1); it needs a non-degenerate jackknife, which a rare 0/1 outcome may not give.
    The generator is seeded so the same inputs always give the same report.
    """
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap(data, statistic, n_resamples=n_resamples, paired=paired,
                                  vectorized=True, confidence_level=confidence,
                                  method=method, rng=np.random.default_rng(seed))
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if np.isfinite(lo) and np.isfinite(hi):
            return lo, hi, f"bootstrap {method}"
    return math.nan, math.nan, "bootstrap failed"


def _mean_diff(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(b, axis=axis) - np.mean(a, axis=axis)


def difference(reference: np.ndarray, other: np.ndarray, *, paired: bool, metric: str = "",
               confidence: float = 0.95, n_resamples: int = N_RESAMPLES,
               seed: int = 0) -> Difference:
    """Compare per-run values of one metric, ``other - reference``.

    Paired (same seeds, same order): bootstrap over seeds of the paired differences, the
    paired t-interval and its p-value, Cohen's d_z (mean difference / sd of differences).
    Independent: bootstrap of the difference of means, Welch's t-interval and p-value,
    Cohen's d with the pooled sd. When the values leave nothing to resample (every paired
    difference equal, or both samples constant) the interval is that exact difference.
    """
    a = np.asarray(reference, dtype=np.float64).ravel()
    b = np.asarray(other, dtype=np.float64).ravel()
    if a.size < 2 or b.size < 2:
        raise ValueError("need at least 2 runs on each side to compare")
    common = {"metric": metric, "n_reference": int(a.size), "n_other": int(b.size),
              "reference_mean": float(a.mean()), "other_mean": float(b.mean()),
              "confidence": confidence, "bootstrap_seed": int(seed),
              "n_resamples": int(n_resamples)}
    if paired:
        if a.shape != b.shape:
            raise ValueError(f"paired comparison needs equal run counts; got {a.size} and "
                             f"{b.size}")
        d = b - a
        est = float(d.mean())
        if np.all(d == d[0]):
            return Difference(design="paired", difference=est, ci_low=est, ci_high=est,
                              ci_method="exact (same difference for every seed)",
                              t_low=est, t_high=est, test="paired t",
                              p_value=1.0 if est == 0 else 0.0,
                              effect_size=_ratio(est, 0.0), effect_size_kind="d_z", **common)
        lo, hi, how = _bootstrap((d,), np.mean, paired=False, confidence=confidence,
                                 n_resamples=n_resamples, seed=seed)
        t = stats.ttest_1samp(d, 0.0)
        tci = t.confidence_interval(confidence)
        return Difference(design="paired", difference=est, ci_low=lo, ci_high=hi,
                          ci_method=how, t_low=float(tci.low), t_high=float(tci.high),
                          test="paired t", p_value=float(t.pvalue),
                          effect_size=_ratio(est, float(d.std(ddof=1))),
                          effect_size_kind="d_z", **common)
    est = float(b.mean() - a.mean())
    pooled = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1))
                       / (a.size + b.size - 2))
    if np.all(a == a[0]) and np.all(b == b[0]):
        return Difference(design="independent", difference=est, ci_low=est, ci_high=est,
                          ci_method="exact (both samples constant)", t_low=est, t_high=est,
                          test="Welch t", p_value=1.0 if est == 0 else 0.0,
                          effect_size=_ratio(est, 0.0), effect_size_kind="d (pooled sd)",
                          **common)
    lo, hi, how = _bootstrap((a, b), _mean_diff, paired=False, confidence=confidence,
                             n_resamples=n_resamples, seed=seed)
    t = stats.ttest_ind(b, a, equal_var=False)
    tci = t.confidence_interval(confidence)
    return Difference(design="independent", difference=est, ci_low=lo, ci_high=hi,
                      ci_method=how, t_low=float(tci.low), t_high=float(tci.high),
                      test="Welch t", p_value=float(t.pvalue),
                      effect_size=_ratio(est, pooled), effect_size_kind="d (pooled sd)",
                      **common)


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values: a report makes many comparisons at once.

    With k rows each tested at 5%, some "differs" appear by chance even between identical
    scenarios; an adjusted p below 0.05 keeps the chance of any false one at 5% or less.
    """
    p = np.asarray(p_values, dtype=np.float64)
    k = p.size
    if k == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate((k - np.arange(k)) * p[order])
    out = np.empty(k)
    out[order] = np.minimum(scaled, 1.0)
    return out


def _ratio(num: float, den: float) -> float:
    """An effect size that stays defined without spread: 0 for no difference, else ±inf."""
    if den > 0:
        return num / den
    return 0.0 if num == 0 else math.copysign(math.inf, num)


def compare_arrays(reference: np.ndarray, other: np.ndarray, *, paired: bool,
                   threshold_low: float = 0.0, threshold_high: float = ALLIANCE_LEVEL,
                   confidence: float = 0.95, n_resamples: int = N_RESAMPLES,
                   seed: int = 0) -> dict[str, Difference]:
    """Every metric of `METRICS` for two ``(S+1, R)`` series: ``other - reference``."""
    ra, oa = _series(reference), _series(other)
    if ra.shape[0] != oa.shape[0]:
        raise ValueError(f"series of different lengths: {ra.shape[0]} and {oa.shape[0]} months")
    rm = per_run_metrics(ra, threshold_low, threshold_high)
    om = per_run_metrics(oa, threshold_low, threshold_high)
    return {m: difference(rm[m], om[m], paired=paired, metric=m, confidence=confidence,
                          n_resamples=n_resamples, seed=seed) for m in METRICS}


# --------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class CompareOptions:
    """Everything that changes the numbers of a comparison (recorded in the manifest)."""

    paired: bool = True
    threshold_low: float = 0.0
    threshold_high: float = ALLIANCE_LEVEL
    confidence: float = 0.95
    n_resamples: int = N_RESAMPLES
    bootstrap_seed: int = 0
    ci_method: CiMethod = "wilson"


@dataclass
class CompareTables:
    """The comparison as tables (one row per scenario, dyad and month / kind / metric)."""

    bands: pd.DataFrame
    end_distribution: pd.DataFrame
    thresholds: pd.DataFrame
    differences: pd.DataFrame


def compare_series(series: Mapping[str, Mapping[Dyad, np.ndarray]], *, start: str,
                   options: CompareOptions | None = None) -> CompareTables:
    """Statistics for several scenarios (first key = reference) and dyads, as tables.

    ``series[label][(source, target)]`` is an ``(S+1, R)`` array; all must have the same S,
    and in the paired design the same R with run k of every scenario on the same seed.
    """
    labels = list(series)
    if len(labels) < 2:
        raise ValueError("need a reference and at least one other scenario")
    ref = labels[0]
    dyads = list(series[ref])
    o = options or CompareOptions()
    band_rows, end_rows, thr_rows, diff_rows = [], [], [], []
    for src, tgt in dyads:
        for label in labels:
            x = _series(series[label][(src, tgt)])
            key = {"scenario": label, "source": src, "target": tgt}
            b = bands(x)
            steps = np.arange(x.shape[0])
            band_rows.append(pd.DataFrame({
                **{k: np.repeat(v, x.shape[0]) for k, v in key.items()},
                "step": steps, "date": [month_label(start, int(m)) for m in steps], **b}))
            end_rows.append({**key, "step": x.shape[0] - 1,
                             "date": month_label(start, x.shape[0] - 1),
                             **end_summary(x, o.threshold_low, o.threshold_high)})
            for below, thr in ((True, o.threshold_low), (False, o.threshold_high)):
                c = crossing(x, thr, below=below, confidence=o.confidence,
                             ci_method=o.ci_method)
                thr_rows.append({**key, **c.row()})
            if label == ref:
                continue
            diffs = compare_arrays(series[ref][(src, tgt)], x, paired=o.paired,
                                   threshold_low=o.threshold_low,
                                   threshold_high=o.threshold_high, confidence=o.confidence,
                                   n_resamples=o.n_resamples, seed=o.bootstrap_seed)
            diff_rows += [{**key, "reference": ref, **d.row()} for d in diffs.values()]
    differences = pd.DataFrame(diff_rows)
    differences.insert(differences.columns.get_loc("p_value") + 1, "p_holm",
                       holm(differences["p_value"].to_numpy()))
    return CompareTables(
        bands=pd.concat(band_rows, ignore_index=True),
        end_distribution=pd.DataFrame(end_rows), thresholds=pd.DataFrame(thr_rows),
        differences=differences)


# --------------------------------------------------------------------------- scenarios

@dataclass
class ScenarioInput:
    """One scenario of a comparison: its label (unique), file, compiled world and seeds."""

    label: str
    path: Path
    world: World
    seeds: np.ndarray | None = None
    seconds: float = 0.0
    sweep: str | None = None  # the sweep folder, when the runs come from sweep results


@dataclass
class Comparison:
    """A finished comparison: inputs, the series it was computed from, and its tables."""

    scenarios: list[ScenarioInput]
    dyads: list[Dyad]
    names: dict[str, str]  # actor id -> name
    start: str
    months: int  # S: months simulated (the horizon, or fewer with --months)
    replicates: int
    base_seed: int
    options: CompareOptions
    series: dict[str, dict[Dyad, np.ndarray]]
    tables: CompareTables
    engine: str = "batched"

    @property
    def reference(self) -> str:
        return self.scenarios[0].label


def parse_dyad(text: str) -> Dyad:
    """``"RUS:IRN"`` -> ``("RUS", "IRN")`` (case-insensitive; ``->`` also accepted)."""
    parts = text.replace("->", ":").upper().split(":")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise ValueError(f"--dyad: bad value {text!r}: write SOURCE:TARGET, e.g. RUS:IRN")
    return parts[0].strip(), parts[1].strip()


def _load(scenarios: Sequence[str]) -> list[ScenarioInput]:
    """Load and compile every scenario, reporting all that fail at once (nothing runs)."""
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario, resolve_scenario_path

    loaded, problems = [], []
    for name in scenarios:
        try:
            path = resolve_scenario_path(name)
            sc = load_scenario(path)
            loaded.append((path, build_world(sc, path.parent)))
        except ConfigError as exc:
            problems += [f"{exc.path}: {p}" for p in exc.problems]
    if problems:
        raise ConfigError("sim compare", problems)
    out, seen = [], {}
    for path, world in loaded:
        name = world.scenario.name
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name}#{seen[name]}"
        out.append(ScenarioInput(label, path, world))
    return out


def _check(inputs: list[ScenarioInput], dyads: Sequence[str] | None, months: int | None,
           options: CompareOptions, replicates: int) -> list[Dyad]:
    """Every problem with the request, at once, before anything runs or is written."""
    problems = []
    ref = inputs[0].world
    for s in inputs[1:]:
        w = s.world
        if (w.start, w.horizon) != (ref.start, ref.horizon):
            problems.append(f"{s.label!r} starts {w.start} with a {w.horizon}-month horizon; "
                            f"the reference {inputs[0].label!r} starts {ref.start} with "
                            f"{ref.horizon}: compared scenarios must share start and horizon")
    if months is not None and months < 1:
        problems.append(f"--months: bad value {months}: must be at least 1")
    if replicates < 2:
        problems.append(f"--replicates: bad value {replicates}: need at least 2 runs")
    lo, hi = options.threshold_low, options.threshold_high
    if not (-1.0 <= lo < hi <= 1.0):
        problems.append(f"--threshold-low {lo} / --threshold-high {hi}: need "
                        "-1 <= low < high <= 1 (alignment lies in [-1, 1])")
    common = set.intersection(*(set(s.world.roster.ids) for s in inputs))
    chosen: list[Dyad] = []
    if dyads:
        for text in dyads:
            try:
                d = parse_dyad(text)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            missing = [a for a in d if a not in common]
            if missing or d[0] == d[1]:
                why = (f"{', '.join(missing)} not in every scenario" if missing
                       else "source and target are the same")
                problems.append(f"--dyad: bad value {text!r}: {why}; actors in all: "
                                f"{', '.join(a for a in ref.roster.ids if a in common)}")
            elif d not in chosen:
                chosen.append(d)
    else:
        chosen = [d for d in KEY_DYADS if d[0] in common and d[1] in common]
        chosen = chosen[:DEFAULT_DYAD_COUNT]
        if not chosen:
            problems.append("no key dyad is present in every scenario; name one with --dyad")
    if problems:
        raise ConfigError("sim compare", problems)
    return chosen


def scenario_seeds(base_seed: int, replicates: int, k: int, paired: bool) -> np.ndarray:
    """Seeds of scenario k: the reference's in the paired design, else base + 1,000,000·k."""
    from sim.runs.ensemble import ensemble_seeds

    return ensemble_seeds(base_seed + (0 if paired else INDEPENDENT_SEED_STRIDE * k),
                          replicates)


def sweep_reference(text: str) -> tuple[Path, str | None] | None:
    """``FOLDER`` or ``FOLDER::SCENARIO`` when it names a sweep's results, else None."""
    import json

    folder, _, scenario = str(text).partition("::")
    man = Path(folder) / "manifest.json"
    try:
        if man.is_file() and json.loads(man.read_text()).get("kind") == "rusiran-sim sweep":
            return Path(folder), scenario or None
    except (OSError, ValueError):
        return None
    return None


def _compare_sweeps(refs: list[tuple[Path, str | None]], dyads: Sequence[str] | None,
                    months: int | None, options: CompareOptions) -> Comparison:
    """Compare sweep results: each input's runs pooled over its design points.

    Pairing needs the same seeds run for run (same points and replicates in the same order,
    as two scenarios of one sweep with common random numbers have); otherwise ask for
    ``--independent``. Only dyads whose trajectories the sweep kept can be compared.
    """
    from sim.inputs.compile import build_world
    from sim.inputs.scenario import load_scenario, resolve_scenario_path
    from sim.runs.sweep import load_sweep

    problems: list[str] = []
    inputs: list[ScenarioInput] = []
    tables = []
    for folder, scenario in refs:
        res = load_sweep(folder)
        names = list(res.manifest["experiment"]["resolved"]["scenarios"])
        chosen_name = scenario or load_scenario(resolve_scenario_path(names[0])).name
        runs = res.runs[res.runs["scenario"] == chosen_name] if len(res.runs) else res.runs
        if not res.complete:
            problems.append(f"{folder}: the sweep is incomplete; rerun `sim sweep` to finish")
        if len(runs) == 0:
            problems.append(f"{folder}: no runs of scenario {chosen_name!r}")
            continue
        path = resolve_scenario_path(chosen_name)
        world = build_world(load_scenario(path), path.parent)
        label = f"{res.manifest['experiment']['name']}:{chosen_name}"
        runs = runs.sort_values(["point", "replicate"], kind="stable")
        inputs.append(ScenarioInput(label, path, world, runs["seed"].to_numpy(np.uint64),
                                    sweep=str(folder)))
        tables.append(res.trajectories[res.trajectories["scenario"] == chosen_name])
    if problems:
        raise ConfigError("sim compare", problems)
    chosen = _check(inputs, dyads, months, options, replicates=2)
    series: dict[str, dict[Dyad, np.ndarray]] = {}
    for s, traj in zip(inputs, tables, strict=True):
        series[s.label] = {}
        for a, b in chosen:
            rows = traj[(traj["source"] == a) & (traj["target"] == b)]
            if rows.empty:
                problems.append(f"{s.sweep}: no trajectories kept for {a}:{b}; set the "
                                "experiment's outputs.trajectories to 'all' or list the dyad")
                continue
            wide = rows.pivot_table(index="step", columns=["point", "replicate"],
                                    values="alignment", sort=True)
            series[s.label][(a, b)] = wide.to_numpy()
    if problems:
        raise ConfigError("sim compare", problems)
    steps = min(x.shape[0] for d in series.values() for x in d.values()) - 1
    if months is not None:
        steps = min(steps, months)
    series = {k: {d: x[:steps + 1] for d, x in v.items()} for k, v in series.items()}
    if options.paired:
        ref_seeds = inputs[0].seeds
        for s in inputs[1:]:
            if s.seeds is None or ref_seeds is None or not np.array_equal(s.seeds, ref_seeds):
                raise ConfigError("sim compare", [
                    f"{s.label} and {inputs[0].label} did not run on the same seeds run for "
                    "run, so they cannot be paired; use --independent"])
    tables_out = compare_series(series, start=inputs[0].world.start, options=options)
    ref = inputs[0].world
    return Comparison(scenarios=inputs, dyads=chosen,
                      names=dict(zip(ref.roster.ids, ref.roster.names, strict=True)),
                      start=ref.start, months=steps,
                      replicates=min(next(iter(v.values())).shape[1] for v in series.values()),
                      base_seed=0, options=options, series=series, tables=tables_out)


def compare_scenarios(scenarios: Sequence[str], *, dyads: Sequence[str] | None = None,
                      replicates: int = 64, base_seed: int = 0, months: int | None = None,
                      options: CompareOptions | None = None,
                      engine: str = "batched") -> Comparison:
    """Load, check, run (batched, no driver terms) and compare scenarios; first = reference.

    Raises `ConfigError` listing every problem (unknown scenario, mismatched start or
    horizon, bad dyad or threshold) before any run starts.
    """
    import time

    from sim.runs.ensemble import run_ensemble

    options = options or CompareOptions()
    if len(scenarios) < 2:
        raise ConfigError("sim compare", ["give at least two scenarios (the first is the "
                                          "reference)"])
    sweeps = [sweep_reference(s) for s in scenarios]
    if any(sweeps):
        if not all(sweeps):
            raise ConfigError("sim compare", ["compare scenarios or sweep results, not a mix"])
        return _compare_sweeps([r for r in sweeps if r], dyads, months, options)
    inputs = _load(scenarios)
    chosen = _check(inputs, dyads, months, options, replicates)
    ref = inputs[0].world
    steps = ref.horizon if months is None else min(months, ref.horizon)
    series: dict[str, dict[Dyad, np.ndarray]] = {}
    for k, s in enumerate(inputs):
        s.seeds = scenario_seeds(base_seed, replicates, k, options.paired)
        t0 = time.perf_counter()
        rec = run_ensemble(s.world, s.seeds, engine=engine, keep_terms=False, months=steps)
        s.seconds = time.perf_counter() - t0
        ids = s.world.roster.ids
        series[s.label] = {(a, b): rec.alignment[:, :, ids.index(a), ids.index(b)].copy()
                           for a, b in chosen}
    tables = compare_series(series, start=ref.start, options=options)
    names = dict(zip(ref.roster.ids, ref.roster.names, strict=True))
    for s in inputs[1:]:
        for i, n in zip(s.world.roster.ids, s.world.roster.names, strict=True):
            names.setdefault(i, n)
    return Comparison(scenarios=inputs, dyads=chosen, names=names, start=ref.start,
                      months=steps, replicates=replicates, base_seed=base_seed,
                      options=options, series=series, tables=tables, engine=engine)
