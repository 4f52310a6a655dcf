"""Run-time settings from the environment (prefix ``SIM_``), e.g. ``SIM_RESULTS_DIR``.

Why pydantic-settings: an analyst on a cluster sets folders and worker counts once, in the
environment, instead of repeating flags; a bad value is refused with the variable's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from sim.core.config_errors import ConfigError, short_value
from sim.core.paths import REPO_ROOT

#: What a sweep's local workers may be (`sim.runs.sweep.local_pool`).
Pool = Literal["auto", "threads", "processes"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIM_", extra="ignore")

    results_dir: Path = Field(default=REPO_ROOT / "results", description="where runs write")
    scenarios_dir: Path = Field(default=REPO_ROOT / "scenarios", description="named scenarios")
    seeds_dir: Path = Field(default=REPO_ROOT.parent / "shared" / "seeds",
                            description="the source documents, for provenance checks")
    data_dir: Path = Field(default=REPO_ROOT.parent / "shared" / "data",
                           description="real-world data for calibration (UNGA votes, in-sample)")
    ensemble_size: int = Field(default=64, ge=1, le=100_000,
                               description="replicates of the main job")
    base_seed: int = Field(default=20250117, ge=0, description="seed of the main job")
    workers: int = Field(default=1, ge=1, le=256, description="local workers of a sweep")
    pool: Pool = Field(
        default="auto",
        description="what a sweep's local workers are: threads of this process or worker "
                    "processes (forked or spawned); auto: threads for the batched path on "
                    "up to two workers with tasks of at least 256 replicates, processes "
                    "otherwise (sim.runs.sweep.local_pool)")
    max_design_points: int = Field(
        default=1_000_000, ge=1, le=10**9,
        description="most parameter points an experiment may have; larger designs are "
                    "refused at validation, with their size")
    max_sweep_runs: int = Field(
        default=10_000_000, ge=1, le=10**11,
        description="most runs (points x scenarios x replicates) an experiment may have")


def get_settings() -> Settings:
    """The settings; a bad variable is refused as a `ConfigError` naming it, its value and
    what is allowed (a ValidationError here reached users as an internal error)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [f"SIM_{str(e['loc'][0]).upper()}: bad value {short_value(e['input'])}: "
                    f"{e['msg']}" for e in exc.errors(include_url=False)]
        raise ConfigError("environment", problems) from None
