"""The documented episodes register in the history replay at their size, and the history
has a shape: sim/data/history_episodes.toml, checked on one 32-replicate replay of
scenarios/history.toml (the file's header defines every measurement)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import Month, month_index
from sim.core.config_errors import ConfigError, validate_file
from sim.core.provenance import Citation, default_seeds_dir, iter_citations, quote_in_document
from sim.inputs.compile import build_world
from sim.inputs.scenario import load_scenario
from sim.runs.ensemble import ensemble_seeds, run_batched

EPISODES_FILE = Path(__file__).resolve().parents[1] / "sim" / "data" / "history_episodes.toml"
REPLICATES = 32
BASE_SEED = 0

Period = Annotated[list[Month], Field(min_length=2, max_length=2,
                                      description="first and last month, inclusive")]
DyadName = Annotated[str, Field(pattern=r"^[A-Z]{2,4}:[A-Z]{2,4}$",
                                description="SOURCE:TARGET, the source's view of the target")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(period: list[str] | None, name: str) -> None:
    if period is not None and month_index(period[1], period[0]) < 0:
        raise ValueError(f"{name}: {period[1]} is before {period[0]}")


class Ref(_Strict):
    """What an episode rests on in the scenario: an event (its date), a sanctions regime (a
    date of its schedule) or a treaty (its signing date)."""

    kind: Literal["events", "sanctions", "treaties"]
    id: str
    date: Month


class Check(_Strict):
    dyad: DyadName
    statistic: Literal["level", "change", "trough", "peak"]
    before: Period | None = None
    after: Period
    low: float | None = Field(default=None, ge=-2.0, le=2.0)
    high: float | None = Field(default=None, ge=-2.0, le=2.0)

    @model_validator(mode="after")
    def _consistent(self) -> Check:
        if self.low is None and self.high is None:
            raise ValueError("a check needs a bound: low, high or both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        if self.statistic != "level" and self.before is None:
            raise ValueError(f"a {self.statistic!r} check needs a 'before' window")
        _ordered(self.before, "before")
        _ordered(self.after, "after")
        return self

    def bounds(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:+.2f}"
        hi = "+inf" if self.high is None else f"{self.high:+.2f}"
        return f"[{lo}, {hi}]"


class Episode(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    title: str = Field(min_length=3)
    reading: str = Field(min_length=10, description="how the documents are read, in a sentence")
    refs: list[Ref] = Field(min_length=1)
    evidence: Citation
    size_evidence: Citation
    checks: list[Check] = Field(min_length=1)
    model_agrees: bool = True
    disagreement: str | None = Field(
        default=None, description="where the model misses the episode, what it measures and "
                                  "why: the episode runs as a strict xfail, reported, not hidden")

    @model_validator(mode="after")
    def _explained(self) -> Episode:
        if not self.model_agrees and len(self.disagreement or "") < 40:
            raise ValueError("an episode the model misses needs its disagreement explained")
        return self


class Exemption(_Strict):
    dyad: DyadName
    refs: list[Ref] = Field(min_length=1)
    evidence: Citation


class Sign(_Strict):
    dyad: DyadName
    period: Period
    sign: Literal["positive", "negative"]
    evidence: Citation


class Shape(_Strict):
    early: Period
    whole: Period
    max_early_share: float = Field(gt=0.0, le=1.0)
    key_dyads: list[DyadName] = Field(min_length=1)
    reason: str = Field(min_length=3)
    exemptions: list[Exemption] = []
    signs: list[Sign] = []


class EpisodeFile(_Strict):
    tolerance_se: float = Field(ge=0.0, le=4.0, description="tolerance in standard errors")
    tolerance_reason: str = Field(min_length=3)
    episodes: list[Episode] = Field(min_length=1)
    shape: Shape

    @model_validator(mode="after")
    def _unique(self) -> EpisodeFile:
        ids = [e.id for e in self.episodes]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"episode ids must be unique; repeated: {', '.join(dup)}")
        return self


def load_episodes(path: Path = EPISODES_FILE) -> EpisodeFile:
    """Read and validate the episode file; a bad one raises `ConfigError` naming the field."""
    return validate_file(path, EpisodeFile)


def _episode_ids() -> list:
    """One test per episode; an episode the model is known to miss (``model_agrees =
    false``, with its disagreement) is a strict xfail: the day it registers, it must be
    lifted."""
    try:
        episodes = load_episodes().episodes
    except ConfigError:
        return []  # test_the_episode_file_is_valid_and_cited reports why
    return [e.id if e.model_agrees else
            pytest.param(e.id, marks=pytest.mark.xfail(strict=True, reason=e.disagreement))
            for e in episodes]


EPISODE_IDS = _episode_ids()


# ------------------------------------------------------------------------------ the replay
class Replay:
    """One replay of the history: the ensemble mean series m (S+1, N, N) and the replicates'
    alignment (S+1, R, N, N), row k + 1 being the state after month k of the scenario."""

    def __init__(self, scenario, world, alignment: np.ndarray):
        self.scenario = scenario
        self.start = scenario.start
        self.ids = world.roster.ids
        self.alignment = alignment
        self.mean = alignment.mean(axis=1)

    def rows(self, dyad: str) -> tuple[int, int]:
        s, t = dyad.split(":")
        return self.ids.index(s), self.ids.index(t)

    def series(self, dyad: str) -> np.ndarray:
        """m(X) of the dyad for every row (row 0: before the first month)."""
        i, j = self.rows(dyad)
        return self.mean[:, i, j]

    def window(self, x: np.ndarray, period: list[str]) -> np.ndarray:
        """Rows of ``x`` (rows as in the record) for the months of an inclusive window."""
        a, b = month_index(period[0], self.start), month_index(period[1], self.start)
        if a < 0 or b + 1 >= x.shape[0]:
            raise ValueError(f"window {period} is outside the run")
        return x[1 + a:2 + b]

    def statistic(self, check: Check, x: np.ndarray | None = None) -> float:
        """The check's statistic on the series ``x`` (default: the ensemble mean)."""
        x = self.series(check.dyad) if x is None else x
        after = self.window(x, check.after)
        if check.statistic == "level":
            return float(after.mean())
        base = float(self.window(x, check.before).mean())  # type: ignore[arg-type]
        pick = {"change": np.mean, "trough": np.min, "peak": np.max}[check.statistic]
        return float(pick(after)) - base

    def spread(self, check: Check) -> float:
        """Standard error of the statistic: its spread over the replicates / sqrt(R)."""
        i, j = self.rows(check.dyad)
        per = [self.statistic(check, self.alignment[:, r, i, j])
               for r in range(self.alignment.shape[1])]
        return float(np.std(per, ddof=1) / np.sqrt(len(per)))

    def movement(self, dyad: str, period: list[str]) -> float:
        """Sum over the window's months of |m(month) - m(month before)|."""
        x = self.series(dyad)
        a, b = month_index(period[0], self.start), month_index(period[1], self.start)
        return float(np.abs(np.diff(x[a:b + 2])).sum())


@pytest.fixture(scope="module")
def episodes() -> EpisodeFile:
    return load_episodes()


@pytest.fixture(scope="module")
def replay() -> Replay:
    scenario = load_scenario("history")
    world = build_world(scenario)
    rec = run_batched(world, ensemble_seeds(BASE_SEED, REPLICATES), keep_terms=False)
    return Replay(scenario, world, rec.alignment)


def _find(scenario, ref: Ref) -> str | None:
    """None when the scenario has the referenced item at its date, else what is wrong."""
    items = {x.id: x for x in getattr(scenario, ref.kind) if x.id is not None}
    if ref.id not in items:
        return f"{ref.kind} {ref.id!r} is not in history.toml"
    item = items[ref.id]
    if ref.kind == "events":
        dates = [item.date]
    elif ref.kind == "treaties":
        dates = [item.signed]
    else:
        dates = [step.date for step in item.schedule]
    if ref.date not in dates:
        return f"{ref.kind} {ref.id!r} is dated {', '.join(map(str, dates))}, not {ref.date}"
    return None


# ------------------------------------------------------------------------------ the file
def test_the_episode_file_is_valid_and_cited(episodes):
    seeds = default_seeds_dir()
    bad = []
    for where, c in iter_citations(episodes, "episodes"):
        if c.is_assumption:
            continue
        if not quote_in_document(c.quote, seeds / c.source):
            bad.append(f"{where}: {c.quote!r} is not in {c.source}")
    assert not bad, "\n".join(bad)
    assert {"hamadan_row_2016", "assad_falls_2024", "invasion_of_ukraine_2022"} <= {
        e.id for e in episodes.episodes}


def test_a_bad_entry_is_refused_with_its_field(tmp_path):
    text = EPISODES_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "episodes.toml"
    bad.write_text(text.replace('statistic = "trough"', 'statistic = "dip"', 1)
                   .replace("low = -0.2\nhigh = -0.1", "low = -0.1\nhigh = -0.2", 1),
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_episodes(bad)
    text = str(err.value)
    assert str(bad) in text
    assert "checks[0].statistic" in text and "'dip'" in text
    bad.write_text(EPISODES_FILE.read_text(encoding="utf-8").replace(
        'before = ["2016-07", "2016-07"]\nafter = ["2016-08", "2016-10"]\nlow = -0.2\nhigh = -0.1',
        'before = ["2016-07", "2016-07"]\nafter = ["2016-08", "2016-10"]\nlow = -0.1\nhigh = -0.2',
        1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"low -0\.1 is above high -0\.2"):
        load_episodes(bad)


def test_every_episode_rests_on_events_of_the_replay_at_their_dates(episodes):
    history = load_scenario("history")
    refs = [r for e in episodes.episodes for r in e.refs]
    refs += [r for x in episodes.shape.exemptions for r in x.refs]
    missing = [msg for r in refs if (msg := _find(history, r)) is not None]
    assert not missing, "\n".join(missing)
    early = episodes.shape.early
    for x in episodes.shape.exemptions:
        for r in x.refs:
            assert (month_index(r.date, early[0]) >= 0
                    and month_index(early[1], r.date) >= 0), (
                f"exemption of {x.dyad}: {r.id} ({r.date}) is not in {early[0]}..{early[1]}")


# ------------------------------------------------------------------------------ the replay
@pytest.mark.parametrize("ident", EPISODE_IDS)
def test_the_episode_registers_at_its_documented_size(episodes, replay, ident):
    (episode,) = [e for e in episodes.episodes if e.id == ident]
    failed = []
    for n, check in enumerate(episode.checks):
        value, se = replay.statistic(check), replay.spread(check)
        tol = episodes.tolerance_se * se
        low = -np.inf if check.low is None else check.low - tol
        high = np.inf if check.high is None else check.high + tol
        if not low <= value <= high:
            failed.append(
                f"checks[{n}] {check.dyad} {check.statistic} {check.before or ''} -> "
                f"{check.after}: {value:+.3f} outside {check.bounds()} +- {tol:.3f} "
                f"({episodes.tolerance_se:g} standard errors of {se:.3f})")
    assert not failed, f"{ident}: " + "; ".join(failed)


def test_history_has_a_shape(episodes, replay):
    """No key dyad moves more in 1992-95 than the file allows, unless a dated, cited cause
    moved it; Russia is well disposed to the US in the early 1990s and hostile after 2014."""
    shape = episodes.shape
    exempt = {x.dyad for x in shape.exemptions}
    problems = []
    for dyad in shape.key_dyads:
        early = replay.movement(dyad, shape.early)
        whole = replay.movement(dyad, shape.whole)
        share = early / whole if whole > 0 else 0.0
        if share > shape.max_early_share and dyad not in exempt:
            problems.append(f"{dyad} moves {early:.3f} in {'..'.join(shape.early)}, "
                            f"{share:.0%} of its {whole:.3f} over {'..'.join(shape.whole)} "
                            f"(at most {shape.max_early_share:.0%} without a cited cause)")
    for sign in shape.signs:
        mean = float(replay.window(replay.series(sign.dyad), sign.period).mean())
        if (mean > 0) != (sign.sign == "positive") or mean == 0:
            problems.append(f"{sign.dyad} averages {mean:+.3f} over "
                            f"{'..'.join(sign.period)}; expected {sign.sign}")
    assert not problems, "\n".join(problems)
