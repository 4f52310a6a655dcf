"""The session log and the session file.

Why a log and not a saved state: the log of decisions is what the room did, and the model
turns it into numbers. Saving the log (never the arrays) and replaying it from the
scenario and seed means a reopened session is the same session to the last bit, and that
a file cannot carry numbers the model would not produce. The header pins the scenario by
hash so that a changed scenario file is refused rather than silently replayed.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.calendar import Month
from sim.core.config_errors import ConfigError, check_depth, describe_validation_error
from sim.core.safe_read import read_text_bounded
from sim.runs.results_io import atomic_write_text

#: What a session file says it is; a run manifest says "rusiran-sim run".
FILE_KIND = "rusiran-sim seminar session"
#: The layout of the file this code reads and writes.
FORMAT_VERSION = 1
#: The facilitator's name in the log: White adjudicates, overrides, injects and adjusts.
WHITE = "white"
#: Author of records the model makes for itself (none today; reserved as a team name).
MODEL = "model"

Phase = Literal["collect", "propose", "adjudicate", "resolved"]
PHASES: tuple[Phase, ...] = ("collect", "propose", "adjudicate", "resolved")
Kind = Literal["assign", "move", "proposal_accepted", "override", "adjust", "inject", "note",
               "resolve", "branch", "phase", "style", "argument", "rfi", "rfi_answer",
               "questionnaire", "hotwash", "research_question", "schedule"]
#: How White adjudicates (decision record 0011, docs/seminar.md): ``rigid`` the model
#: decides (no overrides or adjustments); ``semi_rigid`` the model proposes and White
#: amends; ``free`` White decides, overriding and adjusting at will; ``matrix`` teams argue
#: for an action, White sets its chance and a logged roll decides.
Style = Literal["rigid", "semi_rigid", "free", "matrix"]
STYLES: tuple[str, ...] = ("rigid", "semi_rigid", "free", "matrix")
#: What each kind of record is, in words (the data collection plan links questions to them).
KIND_LABELS: dict[str, str] = {
    "move": "a team's move (with its reason)", "proposal_accepted": "a proposal accepted",
    "override": "White's override", "adjust": "White's adjustment", "inject": "an inject",
    "note": "a note or insight", "assign": "a role change", "resolve": "a resolved month",
    "branch": "a branch", "phase": "a phase change", "style": "the adjudication style",
    "argument": "a matrix-game argument and its roll", "rfi": "a request for information",
    "rfi_answer": "White's answer to a request", "questionnaire": "a player questionnaire",
    "hotwash": "a hot-wash answer", "research_question": "a research question",
    "schedule": "an inject scheduled on the master events list",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssignPayload(_Strict):
    actor: str
    team: str | None = Field(description="player team, or None: the model plays the actor")


class MovesPayload(_Strict):
    """Moves of one actor: partner -> dyadic action, theatre -> theatre action (names)."""

    actor: str
    dyadic: dict[str, str] = {}
    theatre: dict[str, str] = {}


class AdjustPayload(_Strict):
    source: str
    target: str
    value: float = Field(ge=-1.0, le=1.0)
    previous: float


class InjectPayload(_Strict):
    key: str | None = Field(default=None, description="catalogue key scenario:event, if any")
    event: dict[str, Any] = Field(description="the event as released (validated on replay)")


class NotePayload(_Strict):
    text: str = Field(min_length=1)
    insight: bool = False


class ResolvePayload(_Strict):
    digest: str = Field(pattern=r"^[0-9a-f]{64}$",
                        description="sha256 of the alignment after the month, to check replay")
    overrides: dict[str, str] = Field(default={}, description="cell -> action imposed")
    fired: list[str] = []


class PhasePayload(_Strict):
    """A phase change, stamped with the phase it opened: the log shows every step of the
    turn control, so a skipped phase would leave a trace."""

    previous: Phase
    opened: Phase


class SchedulePayload(_Strict):
    """An inject of the master events list: released automatically when its turn opens."""

    turn: int = Field(ge=0, description="the room's turn it is released in, from 0")
    key: str | None = Field(default=None, description="catalogue key scenario:event, if any")
    event: dict[str, Any] = Field(description="the event as scheduled (no date)")


class StylePayload(_Strict):
    """The adjudication style, chosen per session and changed only between turns."""

    style: Style
    open: bool = Field(description="open adjudication: teams see the model's reasoning")


class ArgumentPayload(_Strict):
    """A matrix-game argument: a team's action with its reasons, the chance White (or the
    room) gave it, and the roll that decided it. The roll is drawn from the session's seed,
    the turn and the argument's number, so a replay draws the same number."""

    team: str
    actor: str
    dyadic: dict[str, str] = {}
    theatre: dict[str, str] = {}
    reasons: str = Field(min_length=1)
    probability: float = Field(ge=0.0, le=1.0)
    roll: float = Field(ge=0.0, lt=1.0)
    success: bool
    number: int = Field(ge=0, description="this argument's number in the session, from 0")


class RfiPayload(_Strict):
    """A team's request for information to White."""

    question: str = Field(min_length=1)


class RfiAnswerPayload(_Strict):
    request: int = Field(ge=0, description="the log index of the request answered")
    answer: str = Field(min_length=1)


class QuestionnairePayload(_Strict):
    """A team's answers to the short questionnaire after a resolved turn."""

    about_turn: int = Field(ge=0, description="the resolved turn it is about, from 0")
    confidence: int = Field(ge=1, le=5, description="confidence in the team's plan, 1 to 5")
    surprise: int = Field(ge=1, le=5, description="how surprising the outcome was, 1 to 5")
    expected_reaction: str = Field(default="", description="what the team expects others "
                                                             "to do next")


class HotwashPayload(_Strict):
    """End-of-game reflections (the hot wash), by a team or White."""

    worked: str = ""
    did_not_work: str = ""
    learned: str = ""


class ResearchQuestionPayload(_Strict):
    """A research question of the data collection plan, linked to the records answering it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,19}$")
    question: str = Field(min_length=1)
    records: list[str] = Field(min_length=1, description="record kinds that answer it")


class BranchPayload(_Strict):
    parent: str
    branch_turn: int = Field(ge=-1, description="the last turn kept (0-based); -1: none")


PAYLOADS: dict[str, type[_Strict]] = {
    "assign": AssignPayload, "move": MovesPayload, "proposal_accepted": MovesPayload,
    "override": MovesPayload, "adjust": AdjustPayload, "inject": InjectPayload,
    "note": NotePayload, "resolve": ResolvePayload, "branch": BranchPayload,
    "phase": PhasePayload, "style": StylePayload, "argument": ArgumentPayload,
    "rfi": RfiPayload, "rfi_answer": RfiAnswerPayload, "questionnaire": QuestionnairePayload,
    "hotwash": HotwashPayload, "research_question": ResearchQuestionPayload,
    "schedule": SchedulePayload,
}
#: Kinds that change the world against the model's will: White must say why.
NEEDS_REASON = ("override", "adjust", "schedule")


#: Characters that print nothing: format characters (zero-width space, joiners, marks),
#: controls and separators. A reason made only of them is no reason.
_INVISIBLE_CATEGORIES = ("Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")


def visible_text(text: str) -> str:
    """``text`` without what prints nothing; empty when nothing in it would be seen."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LogRecord(_Strict):
    """One thing that happened in the room, stamped with where in the game it happened."""

    kind: Kind
    turn: int = Field(ge=0, description="the month being played, 0 = the scenario's start")
    phase: Phase = Field(description="the phase the session was in when this was done")
    date: Month
    author: str = Field(min_length=1, description="team name, or 'white'")
    payload: dict[str, Any] = {}
    reason: str = ""
    created_utc: str = ""

    @model_validator(mode="after")
    def _check(self) -> LogRecord:
        PAYLOADS[self.kind].model_validate(self.payload)
        if self.kind in NEEDS_REASON and not visible_text(self.reason):
            raise ValueError(f"a record of kind {self.kind!r} needs a non-empty reason: "
                             "White must say why")
        return self

    def body(self) -> Any:
        """The payload as its typed model."""
        return PAYLOADS[self.kind].model_validate(self.payload)


class FileHash(_Strict):
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ScenarioRef(_Strict):
    name: str
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    chain: list[FileHash] = Field(default=[], description="every file merged, child first")


class SessionHeader(_Strict):
    kind: Literal["rusiran-sim seminar session"]
    version: int
    session_id: str = Field(min_length=1)
    scenario: ScenarioRef
    seed: int = Field(ge=0, lt=2**63)
    code: dict[str, Any] = {}
    created_utc: str = ""
    saved_utc: str = ""
    parent: str | None = Field(default=None, description="session this one branched from")
    branch_turn: int | None = Field(default=None, ge=-1)
    at_turn: int = Field(default=0, ge=0, description="where play stood when saved")
    at_phase: Phase = "collect"
    months_per_turn: int = Field(default=1, description="months a turn lasts: 1, 3, 6 or 12")


class SessionFile(_Strict):
    header: SessionHeader
    log: list[LogRecord]


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


def read_session_file(path: Path | str) -> SessionFile:
    """Read and check a session file; `ConfigError` says what is wrong, naming the field."""
    path = Path(path)
    text = read_text_bounded(path, "session")  # a regular file of bounded size only
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(path, [f"not valid JSON (damaged or not a session file): {exc}"]) \
            from None
    check_depth(path, data)
    if not isinstance(data, dict):
        raise ConfigError(path, [f"(top level): bad value of type {type(data).__name__}: a "
                                 "session file is a JSON object with 'header' and 'log'"])
    header = data.get("header")
    kind = header.get("kind") if isinstance(header, dict) else data.get("kind")
    if kind != FILE_KIND:
        what = ("a run manifest" if kind == "rusiran-sim run" else f"a file of kind {kind!r}")
        raise ConfigError(path, [f"header.kind: bad value {kind!r}: this is {what}, not a "
                                 f"seminar session; allowed: {FILE_KIND!r}"])
    version = header.get("version")
    if version != FORMAT_VERSION:
        raise ConfigError(path, [f"header.version: bad value {version!r}: this program reads "
                                 f"session files of version {FORMAT_VERSION} only"])
    try:
        return SessionFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, describe_validation_error(exc)) from None


def write_session_file(path: Path | str, content: SessionFile) -> Path:
    return atomic_write_text(path, content.model_dump_json(indent=1) + "\n")
