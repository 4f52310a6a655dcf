"""Optional PINs per role: White, each team, and the read-only views (plenary, analysts).

Why PINs, not accounts: a seminar room needs to keep a team off White's controls and off
another team's page when the app is opened to the room's network, not a user database.
A PIN file is given with ``sim seminar --pins FILE`` and is required whenever the app
binds beyond localhost. A wrong PIN is refused with a message; after `MAX_TRIES` wrong
tries for one role within `WINDOW_SECONDS`, that role's PIN is refused for
`LOCK_SECONDS`, so a PIN cannot be guessed by trying them all.
"""

from __future__ import annotations

import hmac
import threading
import time
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sim.core.config_errors import validate_file

Pin = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{4,32}$")]
MAX_TRIES, WINDOW_SECONDS, LOCK_SECONDS = 5, 60.0, 30.0


class PinFile(BaseModel):
    """``pins.toml``: ``white = "4821"``, ``viewer = "1111"`` (the plenary),
    ``analyst = "2468"`` (the read-only analysts' view; without it, the viewers' PIN) and a
    ``[teams]`` table, e.g. ``blue = "7315"``. A role without a PIN is open."""

    model_config = ConfigDict(extra="forbid")

    white: Pin | None = Field(default=None, description="PIN of the facilitator's page")
    viewer: Pin | None = Field(default=None, description="PIN of the plenary (read-only)")
    analyst: Pin | None = Field(default=None, description="PIN of the analysts' read-only "
                                                          "view (default: the viewers' PIN)")
    teams: dict[str, Pin] = Field(default={}, description="team name -> PIN of its page")


def load_pins(path: Path | str) -> PinFile:
    """Read and check a PIN file; a bad one is refused naming the file, field and value."""
    return validate_file(Path(path), PinFile)


class PinGuard:
    """Checks PINs for the server's pages and slows down guessing."""

    def __init__(self, pins: PinFile | None):
        self.pins = pins
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def pin_of(self, role: str) -> str | None:
        """The PIN a page of ``role`` (``white``, ``viewer``, ``analyst`` or ``team NAME``)
        asks for."""
        if self.pins is None:
            return None
        if role == "white":
            return self.pins.white
        if role == "viewer":
            return self.pins.viewer
        if role == "analyst":
            return self.pins.analyst or self.pins.viewer
        return self.pins.teams.get(role.removeprefix("team "), self.pins.white)

    def needs_pin(self, role: str) -> bool:
        return self.pin_of(role) is not None

    def check(self, role: str, given: str) -> str | None:
        """None when ``given`` opens ``role``'s page (White's PIN opens every page), else
        the message to show."""
        now = time.monotonic()
        with self._lock:
            fails = [t for t in self._fails.get(role, []) if now - t < WINDOW_SECONDS]
            self._fails[role] = fails
            if len(fails) >= MAX_TRIES and now - fails[-1] < LOCK_SECONDS:
                wait = LOCK_SECONDS - (now - fails[-1])
                return f"too many wrong PINs: try again in {wait:.0f} s"
        wanted = [p for p in (self.pin_of(role), self.pins.white if self.pins else None) if p]
        if any(hmac.compare_digest(given.encode(), p.encode()) for p in wanted):
            return None
        with self._lock:
            self._fails.setdefault(role, []).append(now)
        return "wrong PIN"
