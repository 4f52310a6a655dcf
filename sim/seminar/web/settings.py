"""What the seminar web app is told when it starts (environment, prefix ``SIM_SEMINAR_``).

Why the environment: Solara runs the app module in its own server process, so `sim seminar`
hands its command-line choices over as variables; pydantic-settings validates them there and
a bad value is refused naming the variable, the value and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sim.core.settings import get_settings


def _default_folder() -> Path:
    return get_settings().results_dir / "seminar"


class SeminarSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIM_SEMINAR_", extra="ignore")

    scenario: str = Field(default="baseline",
                          description="scenario offered when a new session is started")
    seed: int = Field(default=1, ge=0, lt=2**63, description="seed offered for a new session")
    session: Path | None = Field(default=None,
                                 description="session file opened at start (None: none)")
    folder: Path = Field(default_factory=_default_folder,
                         description="where session files, branches and exports are written")
    cone_replicates: int = Field(default=100, ge=10, le=2000,
                                 description="replicates of the cone of futures")
    cone_months: int = Field(default=12, ge=1, le=120,
                             description="months the cone of futures looks ahead")
    cone_parameter_sets: int = Field(
        default=10, ge=0, le=200,
        description="sets of dynamics parameters the cone's runs are split among, drawn from "
                    "their plausible ranges (0: random draws only)")
    pins: Path | None = Field(default=None,
                              description="PIN file (pins.toml) protecting the pages by role; "
                                          "required when the app binds beyond localhost")
    drop_after: float = Field(
        default=120.0, ge=5.0, le=86400.0,
        description="seconds after which a page that lost its connection (a laptop that "
                    "sleeps, a killed browser) is dropped and stops costing the server")
    settle_seconds: float = Field(
        default=0.7, ge=0.0, le=10.0,
        description="seconds after a phase change in which the turn control is refused: a "
                    "double-click or two pages clicking together advance one phase")


def get_seminar_settings() -> SeminarSettings:
    return SeminarSettings()
