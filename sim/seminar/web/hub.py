"""The one seminar in the room, shared by every page the server shows.

Why a server-wide hub: Solara keeps reactive state per browser connection, but the
facilitator's screen, the projector and each team's laptop must show the same game. The
hub holds the sessions (the main line and its branches), serialises every request through
one lock, and counts revisions; each page watches the count (`sim.seminar.web.live`) and
redraws when another page changed the game.

Every request goes through `Hub.act`, which saves the active session's file (atomically)
after it, and turns the engine's refusals (`SessionError`, `ConfigError`) into a message
for the page instead of an exception in the server; anything else is logged with its
traceback on the server and reported to the page in a line, never as a traceback.

A request carries the turn and phase its page showed (``at``): one made on a page that had
not yet seen the game move on is refused with a message, not applied to a later phase.
The turn control is also refused for a moment after any phase change (``settle_seconds``):
a double-click, or two facilitators' pages clicking together, advance exactly one phase.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from matplotlib.figure import Figure

from sim.core.config_errors import ConfigError
from sim.runs.cone import Cone
from sim.seminar.errors import SessionError
from sim.seminar.export import write_csv, write_json, write_report
from sim.seminar.records import read_session_file
from sim.seminar.session import Session
from sim.seminar.web.pins import PinFile, PinGuard, load_pins
from sim.seminar.web.settings import SeminarSettings, get_seminar_settings

T = TypeVar("T")
log = logging.getLogger(__name__)
#: Records that change a cone of futures (assignments, notes, accepted proposals do not).
CONE_INPUTS = frozenset({"move", "override", "inject", "adjust", "branch"})
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}")
#: Pages drawn first after every change: what the room looks at (`Hub.wait_for_front`).
FRONT_ROLES = frozenset({"plenary", "facilitator"})
#: Longest a team's or analyst's page waits for the front pages (seconds).
FOLLOW_LIMIT = 2.0


@dataclass(frozen=True)
class Outcome:
    """What a request did, for the page that made it: ``error`` is None on success."""

    message: str
    error: str | None = None
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_label(label: str) -> str:
    """A session or branch label doubles as its file name, so it is kept file-safe."""
    if not LABEL.fullmatch(label):
        raise SessionError(f"label: bad value {label!r}: a label is a letter or digit followed "
                           "by letters, digits, '.', '_' or '-' (at most 80 characters)")
    return label


class Hub:
    """The sessions of one seminar (the main line and its branches) and who changed what."""

    def __init__(self, settings: SeminarSettings):
        self.settings = settings
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.revision = 0
        self.sessions: dict[str, Session] = {}
        self.active: str | None = None
        self.notice: str | None = None  # a problem met outside any page's request
        self.focus: tuple[str, str] = ("RUS", "IRN")  # the dyad the plenary screen shows
        self.scene = "none"  # what the facilitator pushed to the plenary (`web.scenes`)
        self._cones: dict[tuple, Cone] = {}
        self._pngs: dict[tuple, bytes] = {}  # figures, drawn once per change of the game
        self._latest: dict[tuple, bytes] = {}  # the last drawn of each figure, any state
        self._queued: set[tuple] = set()
        self._painting = False  # the painter is drawing a figure now
        self._paint_queue: queue.SimpleQueue = queue.SimpleQueue()
        self._painter: threading.Thread | None = None
        self._moved_at = float("-inf")  # monotonic time of the last phase change
        self.pages: dict[str, str] = {}  # open pages: watcher id -> role
        self._drawn: dict[str, int] = {}  # watcher id -> the last revision its page drew
        self.guard = PinGuard(None)  # PINs per role (`sim.seminar.web.pins`), none by default
        self.timer: tuple[str, float] | None = None  # (phase it times, wall-clock end)

    # ----------------------------------------------------------------- change tracking
    def wait(self, seen: int, timeout: float) -> int:
        """Block until the revision differs from ``seen`` (or the timeout); return it."""
        with self._changed:
            if self.revision == seen:
                self._changed.wait(timeout)
            return self.revision

    def _bump(self) -> None:
        with self._changed:
            self.revision += 1
            self._changed.notify_all()

    def drawn(self, key: str, revision: int) -> None:
        """A page (its watcher ``key``) has drawn ``revision``: pages that wait their turn
        (`wait_for_front`) may go."""
        with self._changed:
            self._drawn[key] = revision
            self._changed.notify_all()

    def wait_for_front(self, role: str, revision: int, limit: float = FOLLOW_LIMIT) -> None:
        """Hold a page of ``role`` until every open front page (`FRONT_ROLES`) has drawn
        ``revision``, at most ``limit`` seconds; a front page returns at once.

        Why: the server has two cores, and Python draws one page at a time. After a change
        every page redraws; the projector and the facilitator's screen are what the room
        is looking at, and the teams' laptops can follow a moment later (measured before:
        the plenary shown a resolve after 0.2 to 1.4 s, depending on which pages Solara
        happened to draw first)."""
        if role in FRONT_ROLES:
            return
        deadline = time.monotonic() + limit
        with self._changed:
            while True:
                behind = [k for k, r in self.pages.items()
                          if r in FRONT_ROLES and self._drawn.get(k, -1) < revision]
                # the figures the front pages asked for come next: the painter is a page's
                # equal for the cores, and the projector's pictures go before the laptops
                painting = role != "painter" and (self._queued or self._painting)
                left = deadline - time.monotonic()
                if (not behind and not painting) or left <= 0:
                    return
                self._changed.wait(left)

    def act(self, what: Callable[[], T], done: str | Callable[[T], str] = "done",
            at: tuple[int, str] | None = None) -> Outcome:
        """Run a request under the lock; a refusal becomes the outcome's error message.

        ``at`` is the (turn, phase) the page showed when the request was made; a request
        from a page that has not yet seen a later turn or phase is refused."""
        with self.lock:
            try:
                if at is not None:
                    self._check_current(at)
                value = what()
                if self.session is not None and self.session.path is not None:
                    self.session.save()  # every request, not only every turn: nothing is lost
            except (SessionError, ConfigError) as exc:
                return Outcome("", str(exc))
            except Exception as exc:  # a defect: the room gets a line, the log the traceback
                log.exception("seminar request failed")
                return Outcome("", f"the request failed ({type(exc).__name__}); it is in the "
                                   "server's log. The game is as the status line shows.")
            finally:
                self._bump()
        return Outcome(done(value) if callable(done) else done, value=value)

    def _check_current(self, at: tuple[int, str]) -> None:
        s = self._need()
        if (at[0], at[1]) != (s.turn, s.phase):
            raise SessionError(
                f"not done: this page showed turn {at[0] + 1}, phase {at[1]!r}, but the game "
                f"is at turn {s.turn_number}, phase {s.phase!r}. Look again, then repeat "
                "the request if it still applies.")

    def advance(self, at: tuple[int, str]) -> str:
        """The turn control: advance one phase from the (turn, phase) the page showed, and
        not within ``settle_seconds`` of the last phase change (a repeated click)."""
        s = self._need()
        since = time.monotonic() - self._moved_at
        if since < self.settings.settle_seconds:
            raise SessionError(
                f"not advanced: the game moved to turn {s.turn_number}, phase {s.phase!r} "
                f"{since:.1f} s ago (a repeated click, or another page's). Look, then click "
                "again if you meant to move on.")
        phase = s.advance_phase(at)  # type: ignore[arg-type]
        self._moved_at = time.monotonic()
        return phase

    # ----------------------------------------------------------------- phase timer
    def set_timer(self, minutes: float) -> str:
        """A timer for the current phase, shown on every page (0: none)."""
        s = self._need()
        if not 0 <= minutes <= 240:
            raise SessionError(f"timer: bad value {minutes!r}: minutes from 0 to 240")
        self.timer = None if minutes == 0 else (s.phase, time.time() + 60.0 * minutes)
        return "timer cleared" if minutes == 0 else f"{s.phase} ends in {minutes:g} min"

    def timer_text(self) -> str:
        """E.g. "collect ends at 14:35"; empty when no timer runs for the current phase."""
        s = self.session
        if self.timer is None or s is None or self.timer[0] != s.phase:
            return ""
        end = datetime.fromtimestamp(self.timer[1]).strftime("%H:%M")
        return f"{s.phase} ends at {end}"

    # ----------------------------------------------------------------- open pages
    def page_opened(self, role: str) -> str:
        """Register a page's watcher; returns its id (for `page_closed`)."""
        key = uuid.uuid4().hex
        with self.lock:  # no redraw of every page for this: the board shows it next change
            self.pages[key] = role
        return key

    def page_closed(self, key: str) -> None:
        with self._changed:
            self.pages.pop(key, None)
            self._drawn.pop(key, None)
            self._changed.notify_all()  # a page waiting for this one goes

    def open_pages(self) -> dict[str, int]:
        """How many pages of each role are connected (the facilitator's board shows it)."""
        with self.lock:
            roles = list(self.pages.values())
        return {r: roles.count(r) for r in sorted(set(roles))}

    # ----------------------------------------------------------------- the sessions
    @property
    def session(self) -> Session | None:
        return self.sessions.get(self.active) if self.active else None

    @property
    def sessions_dir(self) -> Path:
        return self.settings.folder / "sessions"

    def session_files(self) -> list[Path]:
        return sorted(self.sessions_dir.glob("*.json"))

    def _unused_label(self, label: str) -> str:
        check_label(label)
        if label in self.sessions or (self.sessions_dir / f"{label}.json").exists():
            raise SessionError(f"label: {label!r} is taken by another session or file in "
                               f"{self.sessions_dir}; choose another (nothing is overwritten)")
        return label

    def new_session(self, scenario: str, seed: int, label: str = "",
                    months_per_turn: int = 1) -> str:
        """Start a session (it becomes the main line) saved under the sessions folder."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        label = self._unused_label(label or f"{Path(scenario).stem}-seed{seed}-{stamp}")
        session = Session.create(scenario, seed, path=self.sessions_dir / f"{label}.json",
                                 months_per_turn=months_per_turn)
        self.sessions = {label: session}
        self.active = label
        return label

    def open_session(self, path: Path | str) -> str:
        """Reopen a saved session from its file (refused, and nothing written, if damaged),
        with the branches made from it that lie beside it."""
        path = Path(path)
        session = Session.load(path)
        label = path.stem
        sessions = {label: session}
        for other in sorted(path.parent.glob("*.json")):
            if other != path and _parent_of(other) == session.session_id:
                try:
                    sessions[other.stem] = Session.load(other)
                except ConfigError as exc:
                    self.notice = f"branch file not opened: {exc}"
        self.sessions = sessions
        self.active = label
        return label

    def branch(self, turn: int, label: str = "") -> str:
        """Branch the active session after ``turn`` (0-based; -1: from the start), so the
        room plays turn ``turn + 2`` (as people count) again; it goes on playing the branch."""
        current = self._need()
        if not -1 <= turn < current.resolved_room_turns:
            raise SessionError(f"branch: bad turn {turn + 2}: a branch plays again from one of "
                               f"the turns 1 to {current.resolved_room_turns + 1}")
        label = self._unused_label(label or f"{self.active}-from-t{turn + 2}")
        self.sessions[label] = current.branch(turn, path=self.sessions_dir / f"{label}.json")
        self.active = label
        return label

    def switch(self, label: str) -> str:
        if label not in self.sessions:
            raise SessionError(f"branch: bad value {label!r}: open are "
                               f"{', '.join(self.sessions) or 'none'}")
        self.active = label
        return label

    def release_adhoc(self, text: str, reason: str = "") -> str:
        """White's ad-hoc inject, typed on the page as an event in JSON (as in a scenario
        file, without a date: it takes effect in the month being played)."""
        s = self._need()
        try:
            event = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SessionError(
                f"ad-hoc inject: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno});"
                ' write an event as in a scenario file, e.g. {"type": "strike", "attacker": '
                '"ISR", "target": "IRN", "theatre": "israel_axis"}') from None
        if not isinstance(event, dict):
            raise SessionError("ad-hoc inject: an event is a JSON object {...} with a 'type'")
        s.release_inject(event, reason)
        return str(event.get("type"))

    def set_focus(self, dyad: tuple[str, str]) -> tuple[str, str]:
        """The dyad shown large on the plenary screen (chosen by the facilitator)."""
        s = self._need()
        for actor in dyad:
            s.roles.check_actor(actor)
        self.focus = (dyad[0], dyad[1])
        return self.focus

    def set_scene(self, scene: str) -> str:
        """Push a scene to the plenary (`sim.seminar.web.scenes.SCENES`)."""
        from sim.seminar.web.scenes import SCENES

        if scene not in SCENES:
            raise SessionError(f"scene: bad value {scene!r}: allowed {', '.join(SCENES)}")
        self._need()
        self.scene = scene
        return scene

    def _need(self) -> Session:
        if self.session is None:
            raise SessionError("no session is open: start one or open a saved one")
        return self.session

    # ----------------------------------------------------------------- derived views
    def cone(self, turn: int | None = None) -> Cone:
        """The cone of futures from the active session's current month (or, for a replayed
        turn, as it was then), cached per state: every page asks for the same cone after
        each change."""
        s = self._need()
        if turn is not None:
            key = (self.active, "turn", turn)  # fixed once the turn is resolved
            if key not in self._cones:
                self._cones[key] = s.cone(replicates=self.settings.cone_replicates,
                                          months=self.settings.cone_months, turn=turn,
                                          parameter_sets=self.settings.cone_parameter_sets)
            return self._cones[key]
        # What the cone depends on: the state it starts from and the moves and injects
        # imposed on its first month. A phase change alone does not change it.
        key = (self.active, s.resolved_turns,
               sum(r.kind in CONE_INPUTS for r in s.log))
        if key not in self._cones:
            kept = {k: v for k, v in self._cones.items() if k[1] == "turn" and k[0] == self.active}
            self._cones = {**dict(list(kept.items())[-8:]),
                           key: s.cone(replicates=self.settings.cone_replicates,
                                       months=self.settings.cone_months,
                                       parameter_sets=self.settings.cone_parameter_sets)}
        return self._cones[key]

    def figure(self, what: tuple, draw: Callable[[], Figure]) -> tuple[bytes | None, bool]:
        """(PNG bytes, fresh) of a figure shared by every page that shows it (the plenary,
        the facilitator, each team), drawn once per state of the game. ``what`` names the
        figure and its own choices (its dyad, its size); the game's state is the active
        session and the length of its log, which every change extends.

        Why never wait: drawing the constellation and a chart with its spread of runs takes
        about half a second on the room's laptop, and a page that drew them in its own
        redraw showed the new turn that much later. A figure not yet drawn for this state
        is drawn by the hub's painter thread; meanwhile the page shows the last one drawn
        (``fresh`` False: the page says it is updating) and is redrawn when it is ready.
        """
        s = self._need()
        key = (self.active, len(s.log), *what)
        with self.lock:
            if key in self._pngs:
                return self._pngs[key], True
            if key not in self._queued:
                self._queued.add(key)
                self._paint_queue.put((key, what, draw))
                self._start_painter()
            return self._latest.get((self.active, *what)), False

    def _store(self, key: tuple, what: tuple, png: bytes) -> None:
        current = {k: v for k, v in self._pngs.items() if k[:2] == key[:2]}
        self._pngs = {**current, key: png}  # older states are not shown again
        self._latest[(key[0], *what)] = png

    def _start_painter(self) -> None:
        if self._painter is None or not self._painter.is_alive():
            self._painter = threading.Thread(target=self._paint, name="seminar-painter",
                                             daemon=True)
            self._painter.start()

    def _paint(self) -> None:
        """Draw queued figures of the current state once the front pages have drawn the
        change, all that are queued by then, and redraw the pages once."""
        while True:
            jobs = [self._paint_queue.get()]
            # the front pages first show the new state's words with the last figures drawn;
            # the figures follow (drawing holds the lock and competes for the cores)
            self.wait_for_front("painter", self.revision)
            while True:  # every figure asked for meanwhile: one redraw of the pages for all
                try:
                    jobs.append(self._paint_queue.get_nowait())
                except queue.Empty:
                    break
            painted = False
            with self._changed:
                self._painting = True
                try:
                    for key, what, draw in jobs:
                        self._queued.discard(key)
                        s = self.session
                        if (s is None or key[:2] != (self.active, len(s.log))
                                or key in self._pngs):
                            continue  # the game moved on: that state is no longer shown
                        try:
                            self._store(key, what, _png_bytes(draw()))
                            painted = True
                        except Exception:  # a defect in a figure must not stop the painter
                            log.exception("seminar figure failed: %s", what)
                finally:
                    self._painting = False
                    self._changed.notify_all()
            if painted:
                self._bump()

    def export(self) -> list[Path]:
        """JSON, CSV and the after-action report of the active session, in exports/<label>."""
        s = self._need()
        out = self.settings.folder / "exports" / str(self.active)
        return [write_json(s, out / "session.json"), *write_csv(s, out),
                write_report(s, out / "after_action_report.html")]


def _png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    return buf.getvalue()


def _parent_of(path: Path) -> str | None:
    """The session a file was branched from, or None (also for files that do not read)."""
    try:
        return read_session_file(path).header.parent
    except ConfigError:
        return None


_HUB: Hub | None = None
_HUB_LOCK = threading.Lock()


def get_hub() -> Hub:
    """The server's hub, made on first use from the settings (opening ``session`` if set)."""
    global _HUB
    with _HUB_LOCK:
        if _HUB is None:
            hub = Hub(get_seminar_settings())
            if hub.settings.pins is not None:
                try:
                    hub.guard = PinGuard(load_pins(hub.settings.pins))
                except ConfigError as exc:  # refuse every protected page rather than none
                    hub.guard = PinGuard(PinFile(white=secrets.token_hex(16)))
                    hub.notice = f"the PIN file was refused, so every page is locked: {exc}"
            if hub.settings.session is not None:
                try:
                    hub.open_session(hub.settings.session)
                except ConfigError as exc:
                    hub.notice = f"the session file given at start was refused: {exc}"
            _HUB = hub
        return _HUB
