"""A seminar session: one replicate of a scenario played turn by turn, month by month.

Why one replicate: the room lives one history. Its uncertainty is shown separately, as a
cone of futures from the current month (`Session.cone`), never as a single line.

A turn is one month, in four phases: ``collect`` (teams submit moves for their actors),
``propose`` (the model proposes a move for every actor; teams accept or replace the
proposals for theirs), ``adjudicate`` (White may override any move, giving a reason) and
``resolved`` (the month has been resolved by `sim.dynamics.engine.advance`, with every decided
move passed as an `Overrides`). Nothing here computes dynamics: proposals, expected
effects and the resolution all call the engine's functions.

Every request is a record of the log; the session is what replaying the log from the
scenario and seed gives, which is how a saved session is reopened and how a branch is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.core.actions import DYADIC_NAMES, Dyadic, TheatreAction
from sim.core.config_errors import ConfigError, describe_validation_error
from sim.dynamics.engine import MonthResult, Overrides, advance
from sim.dynamics.state import State, initial_state, set_alignment
from sim.dynamics.world import World
from sim.runs.cone import Cone, cone_of_futures
from sim.runs.manifest import array_sha256
from sim.runs.recording import Record
from sim.runs.run_job import PreparedRun, prepare_run
from sim.seminar.errors import SessionError
from sim.seminar.injects import check_fits, inject_catalogue, parse_event, with_event
from sim.seminar.moves import (
    MENU,
    Cell,
    TurnDecisions,
    cell_label,
    describe_taken,
    names_of,
    parse_cells,
    to_overrides,
)
from sim.seminar.pinning import current_code, pinned_scenario, scenario_ref
from sim.seminar.proposals import (
    ActorOptions,
    Effect,
    Preview,
    Proposal,
    actor_options,
    expected_effects,
    preview_month,
    proposal_cells,
)
from sim.seminar.records import (
    FILE_KIND,
    FORMAT_VERSION,
    PHASES,
    STYLES,
    WHITE,
    AdjustPayload,
    ArgumentPayload,
    AssignPayload,
    BranchPayload,
    HotwashPayload,
    InjectPayload,
    Kind,
    LogRecord,
    MovesPayload,
    NotePayload,
    Phase,
    PhasePayload,
    QuestionnairePayload,
    ResearchQuestionPayload,
    ResolvePayload,
    RfiAnswerPayload,
    RfiPayload,
    ScenarioRef,
    SchedulePayload,
    SessionFile,
    SessionHeader,
    StylePayload,
    new_session_id,
    now_utc,
    read_session_file,
    visible_text,
    write_session_file,
)
from sim.seminar.roles import Roles, TeamView, check_team_name
from sim.seminar.why import TREND_MONTHS, Why, dyad_why

IN_TURN: tuple[Phase, ...] = ("collect", "propose", "adjudicate")
#: How long a turn may be, in months (set per session).
TURN_LENGTHS: tuple[int, ...] = (1, 3, 6, 12)
#: Every kind of record, for research questions to link to.
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


def _scheduled_reason(reason: str) -> str:
    return f"scheduled: {reason}"


def argument_roll(seed: int, turn: int, number: int) -> float:
    """The uniform roll of a matrix-game argument, from the session's seed, the turn and
    the argument's number: the same in a replay, independent of everything else drawn."""
    return float(np.random.default_rng([int(seed), int(turn), int(number), 0x4D47]).random())


@dataclass(frozen=True)
class TurnOutcome:
    """What a resolved month did."""

    turn: int
    date: str
    fired: tuple[str, ...]  # events, scheduled, random and injected
    moves: tuple[str, ...]  # every move taken that is not maintain / support
    imposed: dict[str, str]  # cell -> action decided by players or White
    digest: str


@dataclass
class _Turn:
    """Per resolved turn: the decisions, the engine's result, what it did."""

    decisions: TurnDecisions
    result: MonthResult
    outcome: TurnOutcome


@dataclass
class _Pending:
    """Caches of the month being played; dropped whenever the month changes."""

    preview: Preview | None = None
    effects: dict[tuple, tuple[Effect, ...]] = field(default_factory=dict)


class Session:
    """A turn-based seminar game on one scenario and seed (see the module docstring)."""

    def __init__(self, prepared: PreparedRun, seed: int, *, ref: ScenarioRef,
                 session_id: str | None = None, parent: str | None = None,
                 branch_turn: int | None = None, created_utc: str | None = None,
                 months_per_turn: int = 1):
        if not 0 <= int(seed) < 2**63:
            raise SessionError(f"seed: bad value {seed!r}: allowed 0 <= seed < 2**63")
        if months_per_turn not in TURN_LENGTHS:
            raise SessionError(f"months per turn: bad value {months_per_turn!r}: allowed "
                               f"{', '.join(map(str, TURN_LENGTHS))}")
        #: months a turn lasts: the model steps through them with the decided moves in force
        self.months_per_turn = int(months_per_turn)
        self._prepared = prepared
        self.base_world: World = prepared.world
        self.world: World = prepared.world  # the base world plus the released injects
        self.seed = int(seed)
        self.ref = ref
        self.session_id = session_id or new_session_id()
        self.parent = parent
        self.branch_turn = branch_turn
        self.created_utc = created_utc or now_utc()
        self.path: Path | None = None
        self.roles = Roles(prepared.world.roster.ids)
        self._state = initial_state(prepared.world, [self.seed])
        self._starts: list[State] = [self._state.copy()]
        self._turns: list[_Turn] = []
        self._turn = 0
        self._phase: Phase = "collect"
        self._started = False  # something happened in this turn: roles are frozen
        self._decisions = TurnDecisions()
        self._pending = _Pending()
        self._log: list[LogRecord] = []
        self._replaying = False
        self._style: str = "semi_rigid"  # how White adjudicates (`set_style`)
        self._open = True  # open adjudication: teams see the model's reasoning
        self._arguments = 0  # matrix-game arguments so far (numbers their rolls)

    # ----------------------------------------------------------------- creation, files
    @classmethod
    def create(cls, scenario: str, seed: int, *, path: Path | str | None = None,
               months_per_turn: int = 1) -> Session:
        """A new session; with ``path`` it saves there now and after every resolved turn.
        ``months_per_turn``: 1, 3, 6 or 12 months a turn."""
        prepared = prepare_run(scenario)
        session = cls(prepared, seed, ref=scenario_ref(prepared),
                      months_per_turn=months_per_turn)
        if path is not None:
            session.save(path)
        return session

    @classmethod
    def load(cls, path: Path | str) -> Session:
        """Reopen a saved session by replaying its log from the scenario and seed.

        Refused with a `ConfigError` (and nothing written) when the file is damaged, is not
        a session file, has an unknown version, when the scenario's files changed since, or
        when the replay does not give the outcomes recorded in the log.
        """
        path = Path(path)
        content = read_session_file(path)
        h = content.header
        scenario_path = pinned_scenario(h.scenario, path)
        prepared = prepare_run(str(scenario_path))
        try:  # what the engine refuses in a file is the file's problem: name it
            session = cls(prepared, h.seed, ref=h.scenario, session_id=h.session_id,
                          parent=h.parent, branch_turn=h.branch_turn,
                          created_utc=h.created_utc, months_per_turn=h.months_per_turn)
        except SessionError as exc:
            raise ConfigError(path, [f"header: {exc}"]) from None
        session._replay(content.log, path, at=(h.at_turn, h.at_phase))
        session.path = path
        return session

    def header(self) -> SessionHeader:
        return SessionHeader(kind=FILE_KIND, version=FORMAT_VERSION,
                             session_id=self.session_id, scenario=self.ref, seed=self.seed,
                             code=current_code(), created_utc=self.created_utc, saved_utc=now_utc(),
                             parent=self.parent, branch_turn=self.branch_turn,
                             at_turn=self._turn, at_phase=self._phase,
                             months_per_turn=self.months_per_turn)

    def to_file(self) -> SessionFile:
        return SessionFile(header=self.header(), log=list(self._log))

    def save(self, path: Path | str | None = None) -> Path:
        """Write the session file (atomically); ``path`` becomes the auto-save file."""
        if path is not None:
            self.path = Path(path)
        if self.path is None:
            raise SessionError("save: no path given and the session has no file yet")
        return write_session_file(self.path, self.to_file())

    def branch(self, turn: int, path: Path | str | None = None) -> Session:
        """A new session whose log is this one's up to the end of ``turn`` (resolved), so
        it plays on from the turn after; ``turn`` -1 keeps no turn (only the roles as they
        were at the start), so the first turn can be played again too."""
        k = self.months_per_turn
        if not -1 <= turn < self.resolved_room_turns:
            raise SessionError(f"branch: bad turn {turn}: allowed are -1 (from the start) and "
                               f"the resolved turns 0..{self.resolved_room_turns - 1}")
        new = Session(self._prepared, self.seed, ref=self.ref, parent=self.session_id,
                      branch_turn=turn, months_per_turn=k)
        if turn < 0:
            new._replay([r for r in self._log if r.turn == 0 and r.kind == "assign"
                         and r.phase == "collect"], "branch", at=(0, "collect"))
        else:
            first = turn * k  # the kept turn's first month: its records are stamped so
            new._replay([r for r in self._log if r.turn <= first], "branch",
                        at=(first, "resolved"))
        new._commit(new._stamp("branch", WHITE, BranchPayload(parent=self.session_id,
                                                              branch_turn=turn)))
        if path is not None:
            new.save(path)
        return new

    # ----------------------------------------------------------------- where we are
    @property
    def turn(self) -> int:
        """The month being played (or just resolved), counted from 0 at the start: an index
        (of `state_at`, `why`, records); people count turns from 1 (`turn_number`)."""
        return self._turn

    @property
    def turn_number(self) -> int:
        """The turn as the room counts it: the scenario's first month is turn 1."""
        return self.turn_of(self._turn)

    def turn_of(self, month: int) -> int:
        """The room's turn (from 1) that the month ``month`` (from 0) belongs to."""
        return month // self.months_per_turn + 1

    @property
    def resolved_room_turns(self) -> int:
        """Turns resolved, as the room counts them (months resolved / months per turn)."""
        return -(-len(self._turns) // self.months_per_turn)

    @property
    def period(self) -> str:
        """The months the current turn covers, e.g. "2025-04 to 2025-06"."""
        last = min(self._turn + self.months_per_turn, self.world.horizon) - 1
        return self.date if last == self._turn else f"{self.date} to {self.world.date(last)}"

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def date(self) -> str:
        return self.world.date(self._turn)

    @property
    def finished(self) -> bool:
        return (self._phase == "resolved"
                and self._turn + self.months_per_turn >= self.world.horizon)

    @property
    def resolved_turns(self) -> int:
        return len(self._turns)

    @property
    def log(self) -> tuple[LogRecord, ...]:
        return tuple(self._log)

    @property
    def outcomes(self) -> tuple[TurnOutcome, ...]:
        return tuple(t.outcome for t in self._turns)

    def decisions_at(self, turn: int) -> TurnDecisions:
        """The decided cells of a resolved turn (or of the current one)."""
        return self._decisions if turn == len(self._turns) else self._turns[turn].decisions

    def advance_phase(self, expect: tuple[int, Phase] | None = None) -> Phase:
        """collect -> propose -> adjudicate -> (resolve) -> resolved -> next turn's collect.

        ``expect`` is the (turn, phase) the request was made in, as the page showed it: a
        repeated click, or a second facilitator's page clicking at the same time, arrives
        after the first has moved the game on and is refused, so one click advances exactly
        one phase. Every change is logged (a ``phase`` record, stamped with the phase it
        opens).
        """
        if expect is not None and tuple(expect) != (self._turn, self._phase):
            raise SessionError(
                f"not advanced: the request was made at turn {expect[0] + 1}, phase "
                f"{expect[1]!r}, but the game is already at turn {self.turn_number}, phase "
                f"{self._phase!r} (a repeated click or another page moved it on)")
        previous = self._phase
        self._step_phase()
        if not self._replaying:
            self._log.append(LogRecord(
                kind="phase", turn=self._turn, phase=self._phase, date=self.date,
                author=WHITE, payload=PhasePayload(previous=previous, opened=self._phase)
                .model_dump(mode="json"), created_utc=now_utc()))
            if self._phase == "collect":  # a new turn: the master events list's injects
                self._release_scheduled()  # (in a replay, their records follow in the log)
        return self._phase

    def _step_phase(self) -> None:
        if self._phase == "collect":
            self._phase, self._started = "propose", True
        elif self._phase == "propose":
            self._phase = "adjudicate"
        elif self._phase == "adjudicate":
            self.resolve_turn()
        else:
            if self.finished:
                raise SessionError(f"the scenario ends after {self.date}: there is no next "
                                   "turn (branch to play a turn again)")
            self._turn += self.months_per_turn
            self._phase, self._started = "collect", False
            self._pending = _Pending()

    # ----------------------------------------------------------------- roles and views
    def assign(self, actor: str, team: str | None) -> None:
        """Give an actor to a player team, or back to the model (None); between turns."""
        self._commit(self._stamp("assign", WHITE, AssignPayload(actor=actor, team=team)))

    def options(self, actor: str) -> ActorOptions:
        """The actor's menus: the actions open to it towards each partner and in each
        theatre where it has a stake (the model's own feasibility rules)."""
        self.roles.check_actor(actor)
        return actor_options(self._preview(), self.world, actor)

    def team_view(self, team: str) -> TeamView:
        check_team_name(team)
        actors = self.roles.actors_of(team)
        proposals = (tuple(self.proposals(team)) if self._phase in ("propose", "adjudicate")
                     else ())
        moves = {}
        for a in actors:
            d, t = names_of(self.world, self._decisions.of_actor(self.world.roster.index(a)))
            moves[a] = {**d, **t}
        return TeamView(team, self._turn, self._phase, self.date,
                        tuple(self.options(a) for a in actors), proposals, moves)

    # ----------------------------------------------------------------- the turn
    def proposals(self, team: str | None = None, *, effects: bool | None = None
                  ) -> list[Proposal]:
        """The model's move for every actor (or a team's actors) this month.

        ``effects`` None: expected effects for player-controlled actors only (the model's
        actors need none shown); True or False: for all or none.
        """
        if self._phase not in ("propose", "adjudicate"):
            raise SessionError(f"proposals are made in the propose phase; turn {self.turn_number} "
                               f"is in phase {self._phase!r} (call advance_phase())")
        actors = self.roles.actors if team is None else self.roles.actors_of(check_team_name(team))
        pv = self._preview()
        out = []
        for actor in actors:
            cells = proposal_cells(pv, self.world, actor)
            owner = self.roles.team_of(actor)
            dyadic, theatre = names_of(self.world, cells)
            i = self.world.roster.index(actor)
            forced = tuple(self.world.roster.ids[j] for j in np.flatnonzero(pv.forced[i])
                           if j != i)
            show = owner is not None if effects is None else effects
            eff = self._effects(actor, cells) if show else ()
            out.append(Proposal(actor, owner, dyadic, theatre, forced, eff))
        return out

    def expected_effects(self, actor: str, dyadic: Mapping[str, str] | None = None,
                         theatre: Mapping[str, str] | None = None) -> list[Effect]:
        """One-month effects of candidate moves (see `sim.seminar.proposals`)."""
        self._require(IN_TURN, "expected effects")
        cells = parse_cells(self.world, self.roles.check_actor(actor), dyadic, theatre,
                            self._allowed(actor))
        return expected_effects(self._state, self.world, self._decisions.merged(),
                                list(cells.items()))

    def submit_move(self, team: str, actor: str, dyadic: Mapping[str, str] | None = None,
                    theatre: Mapping[str, str] | None = None, reason: str = "") -> None:
        """A team's own moves for its actor (replacing the proposal in those cells), with
        the team's reason if it gives one (shown in the after-action report)."""
        self._commit(self._stamp("move", team, MovesPayload(
            actor=actor, dyadic=dict(dyadic or {}), theatre=dict(theatre or {})),
            reason.strip() if visible_text(reason) else ""))

    def accept_proposal(self, team: str, actor: str) -> None:
        """The team takes the model's proposal for its actor, in every cell it has not
        decided itself; the accepted moves are recorded as the team's decision."""
        self._require(("propose",), "accepting a proposal")
        self.roles.check_controls(check_team_name(team), self.roles.check_actor(actor))
        i = self.world.roster.index(actor)
        own = self._decisions.of_actor(i, ("players",))
        cells = {c: v for c, v in proposal_cells(self._preview(), self.world, actor).items()
                 if c not in own}
        d, t = names_of(self.world, cells)
        self._commit(self._stamp("proposal_accepted", team,
                                 MovesPayload(actor=actor, dyadic=d, theatre=t)))

    def override(self, actor: str, *, dyadic: Mapping[str, str] | None = None,
                 theatre: Mapping[str, str] | None = None, reason: str) -> None:
        """White imposes moves on any actor (player or model); a reason is mandatory."""
        self._commit(self._stamp("override", WHITE, MovesPayload(
            actor=actor, dyadic=dict(dyadic or {}), theatre=dict(theatre or {})), reason))

    def release_inject(self, inject: str | Mapping[str, Any], reason: str = "") -> None:
        """White releases an event into this month: a catalogue key ``scenario:event_id``
        or an event dict (validated by `sim.inputs.events`; ``date`` may be left out)."""
        self._require(IN_TURN, "releasing an inject")
        if isinstance(inject, str):
            key, event = inject, inject_catalogue().get(inject).event
        else:
            key, event = None, parse_event(inject)
            if event.date not in (None, self.date):
                raise SessionError(f"date: bad value {event.date!r}: an inject takes effect in "
                                   f"the month being played ({self.date}); leave date out")
        event = event.model_copy(update={"date": self.date})
        check_fits(event, self.world)
        self._commit(self._stamp("inject", WHITE, InjectPayload(
            key=key, event=event.model_dump(mode="json", exclude_none=True)), reason))

    def schedule_inject(self, turn_number: int, inject: str | Mapping[str, Any],
                        reason: str) -> None:
        """Put an inject on the master events list: it is released, with this reason,
        when turn ``turn_number`` (as the room counts) opens."""
        if not isinstance(turn_number, int) or turn_number <= self.turn_number:
            raise SessionError(f"schedule: bad turn {turn_number!r}: a scheduled inject is for a "
                               f"later turn than this one ({self.turn_number})")
        if (turn_number - 1) * self.months_per_turn >= self.world.horizon:
            raise SessionError(f"schedule: bad turn {turn_number}: the scenario ends before it")
        if isinstance(inject, str):
            key, event = inject, inject_catalogue().get(inject).event
        else:
            key, event = None, parse_event(inject)
        check_fits(event, self.world)
        self._commit(self._stamp("schedule", WHITE, SchedulePayload(
            turn=turn_number - 1, key=key,
            event=event.model_dump(mode="json", exclude_none=True, exclude={"date"})), reason))

    def scheduled(self) -> list[tuple[int, str, str, bool]]:
        """The master events list: (turn as the room counts it, inject, reason, released)."""
        released = {r.reason for r in self._log if r.kind == "inject"}
        out = []
        for r in self._log:
            if r.kind == "schedule":
                p = r.payload
                label = p["key"] or f"ad-hoc {p['event'].get('type')}"
                out.append((p["turn"] + 1, label, r.reason,
                            _scheduled_reason(r.reason) in released))
        return sorted(out)

    def _release_scheduled(self) -> None:
        """Release the injects the master events list has for the turn just opened."""
        index = self._turn // self.months_per_turn
        for r in list(self._log):
            if r.kind == "schedule" and r.payload["turn"] == index:
                p = r.payload
                self.release_inject(p["key"] or dict(p["event"]), _scheduled_reason(r.reason))

    def submissions(self) -> dict[str, bool]:
        """Each team: has it decided anything for its actors this turn (a move of its own
        or an accepted proposal)? The facilitator's board shows who is still deciding."""
        done = {r.author for r in self._log if r.turn == self._turn
                and r.kind in ("move", "proposal_accepted")}
        return {team: team in done for team in self.roles.teams()}

    # ----------------------------------------------------------------- adjudication style
    @property
    def style(self) -> str:
        """How White adjudicates: rigid, semi_rigid (the default), free or matrix."""
        return self._style

    @property
    def open_adjudication(self) -> bool:
        """Whether teams see the model's reasoning (proposals' effects, why a dyad moved)."""
        return self._open

    def set_style(self, style: str, open_adjudication: bool = True) -> None:
        """Choose the adjudication style, between turns (it is recorded like every choice)."""
        if style not in STYLES:
            raise SessionError(f"style: bad value {style!r}: allowed {', '.join(STYLES)}")
        self._commit(self._stamp("style", WHITE, StylePayload(style=style,
                                                              open=bool(open_adjudication))))

    def argue(self, team: str, actor: str, *, dyadic: Mapping[str, str] | None = None,
              theatre: Mapping[str, str] | None = None, reasons: str,
              probability: float) -> ArgumentPayload:
        """A matrix-game argument (style ``matrix``): the team's action with its reasons,
        the chance of success White (or the room) set, and a roll from the session's seed.
        On success the action is imposed this month as White's decision."""
        if not visible_text(reasons):
            raise SessionError("argument: the team's reasons are required (blank or invisible "
                               "text is not a reason)")
        try:
            chance = float(probability)
        except (TypeError, ValueError):
            chance = float("nan")
        if not 0.0 <= chance <= 1.0:
            raise SessionError(f"argument: bad probability {probability!r}: a chance is a "
                               "number from 0 to 1")
        roll = argument_roll(self.seed, self._turn, self._arguments)
        payload = ArgumentPayload(team=team, actor=actor, dyadic=dict(dyadic or {}),
                                  theatre=dict(theatre or {}), reasons=reasons.strip(),
                                  probability=chance, roll=roll, success=roll < chance,
                                  number=self._arguments)
        self._commit(self._stamp("argument", WHITE, payload))
        return payload

    # ----------------------------------------------------------------- communication
    def request_information(self, team: str, question: str) -> int:
        """A team's request for information to White; returns its number (log index)."""
        if not visible_text(question):
            raise SessionError("request for information: the question is empty or invisible")
        self._commit(self._stamp("rfi", check_team_name(team), RfiPayload(
            question=question.strip())))
        return len(self._log) - 1

    def answer_information(self, request: int, answer: str) -> None:
        """White's answer to a request for information (logged, shown to the team)."""
        if not visible_text(answer):
            raise SessionError("answer: the text is empty or invisible")
        self._commit(self._stamp("rfi_answer", WHITE, RfiAnswerPayload(
            request=int(request), answer=answer.strip())))

    def requests(self, team: str | None = None) -> list[tuple[int, LogRecord, LogRecord | None]]:
        """Requests for information (of one team, or all): number, request, answer or None."""
        answers = {r.payload["request"]: r for r in self._log if r.kind == "rfi_answer"}
        return [(k, r, answers.get(k)) for k, r in enumerate(self._log)
                if r.kind == "rfi" and (team is None or r.author == team)]

    # ----------------------------------------------------------------- data collection
    def answer_questionnaire(self, team: str, confidence: int, surprise: int,
                             expected_reaction: str = "") -> None:
        """A team's answers about the turn just resolved (once per team and turn)."""
        if not self._turns:
            raise SessionError("questionnaire: no turn has been resolved yet")
        try:
            payload = QuestionnairePayload(about_turn=len(self._turns) - 1,
                                           confidence=confidence, surprise=surprise,
                                           expected_reaction=expected_reaction.strip())
        except ValidationError as exc:
            raise SessionError("questionnaire: " + "; ".join(
                describe_validation_error(exc))) from None
        self._commit(self._stamp("questionnaire", check_team_name(team), payload))

    def hotwash(self, author: str, worked: str = "", did_not_work: str = "",
                learned: str = "") -> None:
        """End-of-game reflections of a team or White (the hot wash)."""
        if not any(visible_text(x) for x in (worked, did_not_work, learned)):
            raise SessionError("hot wash: write at least one answer")
        self._commit(self._stamp("hotwash", author, HotwashPayload(
            worked=worked.strip(), did_not_work=did_not_work.strip(), learned=learned.strip())))

    def add_research_question(self, qid: str, question: str, records: Sequence[str]) -> None:
        """A research question of the session's data collection plan, linked to the kinds
        of record that answer it (e.g. ``move``, ``questionnaire``, ``rfi``)."""
        if not visible_text(question):
            raise SessionError("research question: the question is empty or invisible")
        try:
            payload = ResearchQuestionPayload(id=qid.strip(), question=question.strip(),
                                              records=list(records))
        except ValidationError as exc:
            raise SessionError("research question: " + "; ".join(
                describe_validation_error(exc))) from None
        self._commit(self._stamp("research_question", WHITE, payload))

    def research_questions(self) -> list[tuple[ResearchQuestionPayload, int]]:
        """The data collection plan: each question with the number of records answering it."""
        kinds = [r.kind for r in self._log]
        return [(q, sum(k in q.records for k in kinds)) for q in
                (r.body() for r in self._log if r.kind == "research_question")]

    def note(self, text: str, author: str = WHITE, insight: bool = False) -> None:
        """A note by White or a team, tagged to the current turn (optionally an insight)."""
        if not visible_text(text):
            raise SessionError("note: the text is empty or invisible: write something")
        self._commit(self._stamp("note", author, NotePayload(text=text, insight=insight)))

    def resolve_turn(self) -> TurnOutcome:
        """Resolve the month with the engine, every decided move imposed; then auto-save."""
        self._require(IN_TURN, "resolving")
        turn, phase, date = self._turn, self._phase, self.date
        outcome = self._resolve()
        payload = ResolvePayload(digest=outcome.digest, overrides=outcome.imposed,
                                 fired=list(outcome.fired))
        self._log.append(LogRecord(kind="resolve", turn=turn, phase=phase, date=date,
                                   author=WHITE, payload=payload.model_dump(mode="json"),
                                   created_utc=now_utc()))
        if self.path is not None and not self._replaying:
            self.save()
        return outcome

    def adjust(self, source: str, target: str, value: float, reason: str) -> None:
        """White sets a dyad's alignment after the month's resolution, saying why."""
        i, j = self._pair(source, target)
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = float("nan")
        if not -1.0 <= x <= 1.0:  # also refuses NaN
            raise SessionError(f"adjust: bad value {value!r} for {source}→{target}: an "
                               "alignment is a number from -1 to +1")
        self._commit(self._stamp("adjust", WHITE, AdjustPayload(
            source=source, target=target, value=x,
            previous=float(self._state.alignment[0, i, j])), reason))

    # ----------------------------------------------------------------- understanding
    def state_at(self, turn: int) -> State:
        """The state at the start of ``turn`` (after White's adjustments), a copy."""
        if not 0 <= turn < len(self._starts):
            raise SessionError(f"state_at: bad turn {turn}: allowed 0..{len(self._starts) - 1}")
        return self._starts[turn].copy()

    @property
    def state(self) -> State:
        """The current state (start of the month being played), a copy."""
        return self._state.copy()

    def alignment_history(self) -> np.ndarray:
        """(resolved turns + 1, N, N) float64: row t is the alignment at the start of turn t."""
        return np.stack([s.alignment[0] for s in self._starts])

    def dyad_history(self, source: str, target: str) -> np.ndarray:
        i, j = self._pair(source, target)
        return self.alignment_history()[:, i, j]

    def why(self, source: str, target: str, turn: int | None = None, months: int = 1) -> Why:
        """The drivers of a dyad's change in ``months`` resolved turns ending at ``turn``
        (default: the last resolved turn), in plain words and numbers."""
        i, j = self._pair(source, target)
        if not self._turns:
            raise SessionError("why: no turn has been resolved yet")
        last = len(self._turns) - 1 if turn is None else turn
        first = last - months + 1
        if not (0 <= first <= last < len(self._turns)):
            raise SessionError(f"why: bad turn {turn} / months {months}: resolved turns are "
                               f"0..{len(self._turns) - 1}")
        return dyad_why(self.world, self._starts, [t.result for t in self._turns], i, j,
                        first, last)

    def trend(self, source: str, target: str, turn: int | None = None) -> Why:
        """The dyad's change over the last `TREND_MONTHS` resolved turns ending at ``turn``
        (fewer at the start): what its trend word reads."""
        last = len(self._turns) - 1 if turn is None else turn
        return self.why(source, target, turn=turn, months=max(1, min(TREND_MONTHS, last + 1)))

    def record(self) -> Record:
        """The session so far as a one-replicate `Record` (for `sim.analysis.explain` and
        tables)."""
        n = self.world.n
        turns = self._turns
        return Record(
            seeds=np.array([self.seed], dtype=np.uint64),
            alignment=np.stack([s.alignment for s in self._starts]),
            terms=(np.stack([t.result.terms for t in turns]) if turns
                   else np.zeros((0, 1, 0, n, n))),
            dyadic=np.stack([t.result.dyadic for t in turns]) if turns else None,
            theatre=np.stack([t.result.theatre for t in turns]) if turns else None,
            distrust=np.stack([s.distrust.astype(np.float32) for s in self._starts]),
            events=[(k, lab, rows.copy()) for k, t in enumerate(turns)
                    for lab, rows in t.result.fired],
            clipped=(np.stack([t.result.clipped for t in turns]) if turns
                     else np.zeros((0, 1), dtype=bool)))

    def cone(self, *, replicates: int = 200, months: int = 24, standing: bool = False,
             workers: int | None = None, turn: int | None = None,
             parameter_sets: int = 0) -> Cone:
        """Futures from the current month's start, as `sim.runs.cone.cone_of_futures` bands;
        with ``turn`` (a resolved turn, from 0), the cone as it was at that turn's
        adjudication: from its start, with the moves the room decided for it imposed.

        This month, the moves decided so far by teams and White are imposed in every
        continuation (proposals a team merely accepted are the model's draw for this seed,
        so each continuation draws its own). ``standing``: the teams' own moves (of this
        turn, or of the turn just resolved) are imposed every month, as standing policy.
        ``parameter_sets``: split the continuations among that many sets of dynamics
        parameters from their plausible ranges (`sim.runs.cone`), so the spread shows what
        is not known about the model's rates as well as its random draws.
        """
        if turn is not None:
            if not 0 <= turn < len(self._turns):
                raise SessionError(f"cone: bad turn {turn + 1}: resolved are turns 1 to "
                                   f"{len(self._turns)}")
            then = self._turns[turn].decisions
            start = self._starts[turn]
            return cone_of_futures(start, self.world, replicates=replicates, months=months,
                                   overrides={start.step: to_overrides(
                                       {**then.players, **then.white})}, workers=workers,
                                   parameter_sets=parameter_sets)
        start = self._state
        if start.step >= self.world.horizon:
            raise SessionError("cone: the scenario has ended; there is no future to show")
        dec = (self._decisions if self._phase != "resolved" or not self._turns
               else self._turns[-1].decisions)
        overrides: dict[int, Overrides] = {}
        stop = min(start.step + months, self.world.horizon)
        if standing:
            for k in range(start.step, stop):
                overrides[k] = to_overrides(dec.players)
        if self._phase != "resolved":
            now = to_overrides({**self._decisions.players, **self._decisions.white})
            for k in range(start.step, min(start.step + self.months_per_turn, stop)):
                overrides[k] = now  # in force for every month of the turn
        return cone_of_futures(start, self.world, replicates=replicates, months=months,
                               overrides=overrides or None, workers=workers,
                               parameter_sets=parameter_sets)

    # ----------------------------------------------------------------- internals
    def _stamp(self, kind: str, author: str, payload: BaseModel, reason: str = "") -> LogRecord:
        if kind in ("override", "adjust", "inject") and not visible_text(reason):
            raise SessionError(f"{kind}: a reason is required: White must say why (blank or "
                               "invisible text is not a reason)")
        try:
            return LogRecord(kind=kind, turn=self._turn, phase=self._phase, date=self.date,
                             author=author, payload=payload.model_dump(mode="json"),
                             reason=reason, created_utc=now_utc())
        except ValidationError as exc:
            raise SessionError("; ".join(describe_validation_error(exc))) from None

    def _commit(self, rec: LogRecord) -> None:
        self._apply(rec)
        self._log.append(rec)

    def _check_move_count(self, actor: str, cells: Mapping[Cell, int]) -> None:
        """A player, like the model, makes at most ``max_moves`` departures from "maintain"
        towards partners a month (decision record 0008): each is an episode large enough
        to see, and a month of small moves towards everyone is not a policy."""
        i = self.world.roster.index(actor)
        mine = {c: v for c, v in self._decisions.players.items()
                if c[0] == "dyadic" and c[1] == i}
        mine.update({c: v for c, v in cells.items() if c[0] == "dyadic"})
        moves = sum(v != Dyadic.MAINTAIN for v in mine.values())
        limit = int(self.world.p.max_moves)
        if moves > limit:
            raise SessionError(f"{actor}: {moves} moves towards partners this month; at most "
                               f"{limit} other than 'maintain' (max_moves)")

    def _check_style_allows(self, what: str) -> None:
        if self._style == "rigid":
            raise SessionError(f"{what} is not allowed in rigid adjudication: the model "
                               "decides (choose another style between turns)")

    def _require(self, phases: Sequence[Phase], what: str) -> None:
        if self._phase not in phases:
            raise SessionError(f"{what} is allowed in phase {' or '.join(phases)} only; turn "
                               f"{self.turn_number} ({self.date}) is in phase {self._phase!r}")

    def _pair(self, source: str, target: str) -> tuple[int, int]:
        i = self.world.roster.index(self.roles.check_actor(source))
        j = self.world.roster.index(self.roles.check_actor(target))
        if i == j:
            raise SessionError(f"a dyad needs two different actors, not {source} twice")
        return i, j

    def _preview(self) -> Preview:
        """The month as the model plays it (on a copy); after the last month, the last one
        (menus only depend on capacities and stakes, which do not change)."""
        if self._pending.preview is None:
            s = self._state if self._state.step < self.world.horizon else self._starts[-2]
            self._pending.preview = preview_month(s, self.world)
        return self._pending.preview

    def _allowed(self, actor: str) -> dict[Cell, tuple[str, ...]]:
        """The actor's menu, plus any move an event of this month forces (it may be kept)."""
        allowed = self.options(actor).allowed(self.world)
        pv = self._preview()
        i = self.world.roster.index(actor)
        for j in np.flatnonzero(pv.forced[i]):
            cell: Cell = ("dyadic", i, int(j))
            name = DYADIC_NAMES[int(pv.dyadic[i, j])]
            if name not in allowed.get(cell, ()):
                allowed[cell] = (*allowed.get(cell, ()), name)
        return allowed

    def _effects(self, actor: str, cells: dict[Cell, int]) -> tuple[Effect, ...]:
        decided = self._decisions.merged()
        key = (actor, tuple(sorted(decided.items())))
        if key not in self._pending.effects:
            todo = [(c, v) for c, v in cells.items()
                    if v != (Dyadic.MAINTAIN if c[0] == "dyadic" else TheatreAction.SUPPORT)]
            self._pending.effects[key] = tuple(
                expected_effects(self._state, self.world, decided, todo))
        return self._pending.effects[key]

    def _moves_cells(self, rec: LogRecord) -> tuple[int, dict[Cell, int]]:
        body: MovesPayload = rec.body()
        actor = self.roles.check_actor(body.actor)
        cells = parse_cells(self.world, actor, body.dyadic, body.theatre, self._allowed(actor))
        if not cells:
            raise SessionError(f"{rec.kind}: no move given for {actor}")
        return self.world.roster.index(actor), cells

    def _apply(self, rec: LogRecord) -> None:
        """Check a record against the session and carry it out (live and in replay)."""
        if rec.date != self.world.date(rec.turn):
            raise SessionError(f"date {rec.date!r} is not the month of turn {rec.turn} "
                               f"({self.world.date(rec.turn)})")
        body = rec.body()
        kind = rec.kind
        if kind == "assign":
            if self._phase != "resolved" and self._started:
                raise SessionError(f"roles change only between turns: turn {self.turn_number} "
                                   f"({self.date}) is under way in phase {self._phase!r}; "
                                   "resolve it first")
            self.roles.set(body.actor, body.team)
        elif kind in ("move", "proposal_accepted"):
            self._require(("collect", "propose") if kind == "move" else ("propose",),
                          "a team's move" if kind == "move" else "accepting a proposal")
            self.roles.check_controls(check_team_name(rec.author), body.actor)
            _, cells = self._moves_cells(rec)
            if kind == "move":
                self._check_move_count(body.actor, cells)
            layer = self._decisions.players if kind == "move" else self._decisions.accepted
            layer.update(cells)
            self._started = True
        elif kind == "override":
            self._require(IN_TURN, "an override")
            self._check_style_allows("an override")
            _, cells = self._moves_cells(rec)
            self._decisions.white.update(cells)
            self._started = True
        elif kind == "inject":
            self._require(IN_TURN, "releasing an inject")
            event = parse_event(body.event)
            if event.date != self.date:
                raise SessionError(f"inject dated {event.date}, not the month being played "
                                   f"({self.date})")
            check_fits(event, self.world)
            self.world = with_event(self.world, self._turn, event)
            self._pending = _Pending()
            self._started = True
        elif kind == "note":
            if rec.author != WHITE:
                check_team_name(rec.author)
        elif kind == "adjust":
            self._require(("resolved",), "adjusting an outcome")
            self._check_style_allows("adjusting an outcome")
            i, j = self._pair(body.source, body.target)
            set_alignment(self._state, [0], i, j, body.value)
            self._starts[-1] = self._state.copy()
            self._pending = _Pending()
        elif kind == "branch":
            pass  # a marker: where this session left its parent
        elif kind == "schedule":
            if body.turn * self.months_per_turn <= self._turn:
                raise SessionError(f"schedule: turn {body.turn + 1} is not a later turn")
            check_fits(parse_event(body.event), self.world)
        elif kind == "style":
            if self._phase != "resolved" and self._started:
                raise SessionError(f"the adjudication style changes only between turns: turn "
                                   f"{self.turn_number} is under way; resolve it first")
            self._style, self._open = body.style, body.open
        elif kind == "argument":
            self._require(IN_TURN, "a matrix-game argument")
            if self._style != "matrix":
                raise SessionError(f"a matrix-game argument needs the matrix style; the "
                                   f"session is {self._style!r} (choose it between turns)")
            self.roles.check_controls(check_team_name(body.team), body.actor)
            expected = argument_roll(self.seed, rec.turn, self._arguments)
            if body.number != self._arguments or body.roll != expected or \
                    body.success != (body.roll < body.probability):
                raise SessionError(f"argument {body.number}: the roll does not follow from "
                                   f"the seed (expected {expected!r} for argument "
                                   f"{self._arguments})")
            _, cells = self._moves_cells(rec)
            if body.success:
                self._decisions.white.update(cells)
            self._arguments += 1
            self._started = True
        elif kind == "rfi":
            check_team_name(rec.author)
        elif kind == "rfi_answer":
            k = body.request
            if not (0 <= k < len(self._log) and self._log[k].kind == "rfi"):
                raise SessionError(f"answer: bad request number {k}: no such request")
            if any(r.kind == "rfi_answer" and r.payload["request"] == k for r in self._log):
                raise SessionError(f"answer: request {k} is already answered")
        elif kind == "questionnaire":
            check_team_name(rec.author)
            if body.about_turn >= len(self._turns):
                raise SessionError(f"questionnaire: turn {body.about_turn + 1} is not resolved")
            if any(r.kind == "questionnaire" and r.author == rec.author
                   and r.payload["about_turn"] == body.about_turn for r in self._log):
                raise SessionError(f"questionnaire: team {rec.author} has already answered "
                                   f"for turn {body.about_turn + 1}")
        elif kind == "hotwash":
            if rec.author != WHITE:
                check_team_name(rec.author)
        elif kind == "research_question":
            unknown = [k for k in body.records if k not in KINDS]
            if unknown:
                raise SessionError(f"research question {body.id}: unknown record kinds "
                                   f"{unknown}; allowed: {', '.join(KINDS)}")
            if any(r.kind == "research_question" and r.payload["id"] == body.id
                   for r in self._log):
                raise SessionError(f"research question {body.id!r} exists already")
        elif kind == "phase":
            # Live, the record is written by advance_phase after the change; in replay the
            # change is made by reaching the record's stamp, and the record must agree.
            if body.opened != self._phase:
                raise SessionError(f"phase record says {body.opened!r} opened, but the "
                                   f"session is in phase {self._phase!r}")
        else:  # pragma: no cover - the record model admits no other kind
            raise SessionError(f"unknown record kind {kind!r}")

    def _resolve(self) -> TurnOutcome:
        """Resolve the turn: each of its months in turn, the decided moves in force in every
        one (a turn of several months is a policy held for that long). Returns the last
        month's outcome; every month's is kept (`outcomes`)."""
        decided = self._decisions.merged()
        imposed = {cell_label(self.world, c): MENU[c[0]][v] for c, v in decided.items()}
        last = min(self._turn + self.months_per_turn, self.world.horizon)
        for month in range(self._turn, last):
            result = advance(self._state, self.world,
                             to_overrides(decided) if decided else None, keep_terms=True)
            moves = describe_taken(self.world, result.dyadic[0], result.theatre[0])
            outcome = TurnOutcome(month, self.world.date(month),
                                  tuple(lab for lab, _ in result.fired), tuple(moves), imposed,
                                  array_sha256(result.alignment))  # replay must match
            self._turns.append(_Turn(self._decisions, result, outcome))
            self._starts.append(self._state.copy())
        self._decisions = TurnDecisions()
        self._phase = "resolved"
        self._pending = _Pending()
        return outcome

    def _goto(self, turn: int, phase: Phase) -> None:
        """Advance phases (never through a resolution) to where a record was made."""
        target = (turn, PHASES.index(phase))
        while (self._turn, PHASES.index(self._phase)) < target:
            if self._phase == "adjudicate":
                raise SessionError(f"the log skips the resolution of turn {self._turn}")
            self.advance_phase()
        if (self._turn, PHASES.index(self._phase)) != target:
            raise SessionError(f"the log goes back in time: turn {turn} phase {phase!r} comes "
                               f"after turn {self._turn} phase {self._phase!r}")

    def _replay(self, records: Sequence[LogRecord], source: Path | str,
                at: tuple[int, Phase] | None = None) -> None:
        self._replaying = True
        try:
            for k, rec in enumerate(records):
                try:
                    self._goto(rec.turn, rec.phase)
                    if rec.kind == "resolve":
                        self._require(IN_TURN, "resolving")
                        outcome = self._resolve()
                        if outcome.digest != rec.body().digest:
                            raise SessionError(
                                "replaying gives a different outcome than the one recorded "
                                "(the model's code or data changed since the session was "
                                f"saved; saved with {rec.body().digest[:12]}…, now "
                                f"{outcome.digest[:12]}…)")
                        self._log.append(rec)
                    else:
                        self._commit(rec)
                except (SessionError, ConfigError, KeyError) as exc:
                    msg = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
                    raise ConfigError(source, [f"log[{k}] ({rec.kind}, turn {rec.turn}, "
                                               f"{rec.phase}): {m}" for m in msg]) from None
            if at is not None:
                try:
                    self._goto(*at)
                except SessionError as exc:
                    raise ConfigError(source, [f"header.at_turn/at_phase: {exc}"]) from None
        finally:
            self._replaying = False
