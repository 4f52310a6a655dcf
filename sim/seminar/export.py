"""What a session leaves behind: JSON, CSV tables and a printable after-action report.

Why one self-contained HTML file: the report is printed or mailed after the seminar and
opened on machines without the model or a network, so its figures are embedded as PNG
(base64) and it loads nothing from elsewhere.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from sim.core import strict_json
from sim.runs.reporting import ALLIANCE_LEVEL, key_dyads
from sim.runs.results_io import atomic_write_text
from sim.seminar.branches import divergence, model_alone
from sim.seminar.session import Session
from sim.seminar.why import TREND_MONTHS, signed

#: Kinds of record that count as the room's key decisions in the report.
KEY_DECISIONS = ("move", "override", "inject", "adjust", "argument")


def session_dict(session: Session) -> dict[str, Any]:
    """The whole session: header, log, each turn's outcome, and the alignment history."""
    ro = session.world.roster
    return {
        **json.loads(session.to_file().model_dump_json()),
        "actors": list(ro.ids), "theatres": list(ro.theatre_ids),
        # turns as people count them (1 = the scenario's first month); the log inside the
        # session file keeps the engine's index from 0
        "turns": [{"turn": o.turn + 1, "date": o.date, "fired": list(o.fired),
                   "moves": list(o.moves), "imposed": o.imposed, "digest": o.digest}
                  for o in session.outcomes],
        "alignment": session.alignment_history().tolist(),
    }


def write_json(session: Session, path: Path | str) -> Path:
    return atomic_write_text(path, strict_json.dumps(session_dict(session), indent=1) + "\n")


def log_table(session: Session) -> pd.DataFrame:
    """The log as one table; the payload is kept as JSON text in one column. ``turn`` counts
    from 1, as the room does."""
    rows = [{"index": k, "turn": session.turn_of(r.turn), "phase": r.phase, "date": r.date,
             "kind": r.kind,
             "author": r.author, "reason": r.reason,
             "payload": json.dumps(r.payload, sort_keys=True), "created_utc": r.created_utc}
            for k, r in enumerate(session.log)]
    return pd.DataFrame(rows, columns=["index", "turn", "phase", "date", "kind", "author",
                                       "reason", "payload", "created_utc"])


def trajectory_table(session: Session) -> pd.DataFrame:
    """Alignment of every dyad at the start of every turn (turn, date, source, target);
    ``turn`` counts from 1, and the last row is the start of the turn after the last one."""
    hist = session.alignment_history()
    ids = session.world.roster.ids
    n = len(ids)
    src, tgt = np.nonzero(~np.eye(n, dtype=bool))
    t = np.repeat(np.arange(len(hist)), len(src))
    return pd.DataFrame({
        "turn": t + 1, "date": [session.world.date(int(k)) for k in t],
        "source": np.tile(np.array(ids)[src], len(hist)),
        "target": np.tile(np.array(ids)[tgt], len(hist)),
        "alignment": hist[:, src, tgt].reshape(-1),
    })


def collection_tables(session: Session) -> dict[str, pd.DataFrame]:
    """The data collection plan and what answers it, as tables: requests for information
    with their answers, the per-turn questionnaires, the hot wash, matrix-game arguments,
    team moves with their reasons, and the research questions with the records linked."""
    log = session.log
    requests = [{"request": k, "turn": session.turn_of(r.turn), "team": r.author,
                 "question": r.payload["question"],
                 "answer": a.payload["answer"] if a else "", "answered_turn":
                     session.turn_of(a.turn) if a else None}
                for k, r, a in session.requests()]
    questionnaire = [{"team": r.author, "about_turn": session.turn_of(r.payload["about_turn"]),
                      "confidence": r.payload["confidence"], "surprise": r.payload["surprise"],
                      "expected_reaction": r.payload["expected_reaction"],
                      "created_utc": r.created_utc} for r in log if r.kind == "questionnaire"]
    hotwash = [{"author": r.author, **r.payload, "created_utc": r.created_utc}
               for r in log if r.kind == "hotwash"]
    arguments = [{"turn": session.turn_of(r.turn), "number": r.payload["number"],
                  "team": r.payload["team"],
                  "decision": describe_record(r), "reasons": r.payload["reasons"],
                  "probability": r.payload["probability"], "roll": r.payload["roll"],
                  "success": r.payload["success"]} for r in log if r.kind == "argument"]
    moves = [{"turn": session.turn_of(r.turn), "team": r.author, "decision": describe_record(r),
              "reason": r.reason} for r in log if r.kind == "move"]
    plan = [{"id": q.id, "question": q.question, "records": " ".join(q.records),
             "records_collected": n} for q, n in session.research_questions()]
    columns = {
        "requests": ["request", "turn", "team", "question", "answer", "answered_turn"],
        "questionnaire": ["team", "about_turn", "confidence", "surprise", "expected_reaction",
                          "created_utc"],
        "hotwash": ["author", "worked", "did_not_work", "learned", "created_utc"],
        "arguments": ["turn", "number", "team", "decision", "reasons", "probability", "roll",
                      "success"],
        "team_moves": ["turn", "team", "decision", "reason"],
        "data_plan": ["id", "question", "records", "records_collected"],
    }
    rows = {"requests": requests, "questionnaire": questionnaire, "hotwash": hotwash,
            "arguments": arguments, "team_moves": moves, "data_plan": plan}
    return {name: pd.DataFrame(rows[name], columns=cols) for name, cols in columns.items()}


def write_csv(session: Session, folder: Path | str) -> tuple[Path, ...]:
    """``log.csv``, ``alignment.csv`` and the data collection tables (`collection_tables`)
    in ``folder``, each written atomically."""
    folder = Path(folder)
    log = atomic_write_text(folder / "log.csv", log_table(session).to_csv(index=False))
    traj = atomic_write_text(folder / "alignment.csv",
                             trajectory_table(session).to_csv(index=False, float_format="%.17g"))
    more = [atomic_write_text(folder / f"{name}.csv", table.to_csv(index=False))
            for name, table in collection_tables(session).items()]
    return (log, traj, *more)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _decision_turns(session: Session) -> list[int]:
    return sorted({r.turn for r in session.log if r.kind in KEY_DECISIONS})


def _figure_dyads(session: Session, alone: np.ndarray, dyads: Sequence[tuple[str, str]]) -> str:
    ro = session.world.roster
    hist = session.alignment_history()
    names = dict(zip(ro.ids, ro.names, strict=True))
    t = np.arange(len(hist)) + 1  # the start of turn 1, 2, ...
    cols = 4
    rows = max(1, -(-len(dyads) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), sharex=True,
                             squeeze=False)
    marks = _decision_turns(session)
    for ax, (a, b) in zip(axes.flat, dyads, strict=False):
        i, j = ro.ids.index(a), ro.ids.index(b)
        ax.plot(t, alone[: len(t), i, j], color="grey", ls="--", lw=1.2, label="model alone")
        ax.plot(t, hist[:, i, j], color="tab:blue", lw=1.8, label="this session")
        for m in marks:
            ax.axvline(m + 2, color="tab:red", lw=0.5, alpha=0.4)  # start of the next turn
        ax.axhline(0, color="grey", lw=0.5)
        ax.axhline(ALLIANCE_LEVEL, color="grey", lw=0.5, ls=":")
        ax.set_title(f"{names[a]} → {names[b]}", fontsize=10)
        ax.set_ylim(-1, 1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # turns are whole numbers
    for ax in axes[-1]:
        ax.set_xlabel("start of turn (1 = the scenario's first month)")
    for ax in axes.flat[len(dyads):]:
        ax.axis("off")
    axes.flat[0].legend(loc="lower left", fontsize=8)
    fig.suptitle("Alignment turn by turn: this session (blue) and the same scenario and seed "
                 "played by the model alone (grey); red lines: months after a decision")
    fig.tight_layout()
    return _png(fig)


def _figure_divergence(divs, names: dict[str, str]) -> str:
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(divs) + 1.2))
    labels = [f"{names[d.source]} → {names[d.target]}" for d in divs]
    values = [d.difference for d in divs]
    ax.barh(labels, values, color=["tab:blue" if v >= 0 else "tab:red" for v in values])
    ax.axvline(0, color="grey", lw=0.6)
    ax.invert_yaxis()
    ax.set_xlabel("this session minus the model alone, at the last turn")
    fig.tight_layout()
    return _png(fig)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
               css_class: str | None = None) -> str:
    """An escaped HTML table (the report and the app pages)."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    cls = f" class='{html.escape(css_class)}'" if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def describe_record(rec) -> str:
    """One line a person reads for a log record (the after-action report and the app)."""
    p = rec.payload
    if rec.kind in ("move", "override", "proposal_accepted"):
        moves = [f"{k}: {v}" for k, v in {**p.get("dyadic", {}), **p.get("theatre", {})}.items()]
        return f"{p['actor']} — " + ", ".join(moves)
    if rec.kind == "inject":
        return f"{p.get('key') or 'ad-hoc'}: {p['event'].get('type')}"
    if rec.kind == "adjust":
        return (f"{p['source']}→{p['target']} set to {signed(p['value'])} "
                f"(was {signed(p['previous'])})")
    if rec.kind == "note":
        return ("[insight] " if p.get("insight") else "") + p["text"]
    if rec.kind == "assign":
        return f"{p['actor']} → {p['team'] or 'the model'}"
    if rec.kind == "argument":
        moves = [f"{k}: {v}" for k, v in {**p.get("dyadic", {}), **p.get("theatre", {})}.items()]
        verdict = "succeeds" if p["success"] else "fails"
        return (f"{p['team']} argues {p['actor']} — {', '.join(moves)}: chance "
                f"{p['probability']:.2f}, roll {p['roll']:.2f}, {verdict}")
    if rec.kind == "style":
        return f"adjudication {p['style'].replace('_', '-')}, {'open' if p['open'] else 'closed'}"
    if rec.kind == "rfi":
        return f"asks: {p['question']}"
    if rec.kind == "rfi_answer":
        return f"answers request {p['request']}: {p['answer']}"
    if rec.kind == "questionnaire":
        return (f"turn {p['about_turn'] + 1}: confidence {p['confidence']}/5, surprise "
                f"{p['surprise']}/5" + (f"; expects: {p['expected_reaction']}"
                                        if p['expected_reaction'] else ""))
    if rec.kind == "phase":
        return f"{p['previous']} → {p['opened']}"
    return json.dumps(p)


CSS = """body{font-family:Georgia,serif;max-width:1100px;margin:2em auto;color:#222}
h1,h2{font-family:Helvetica,Arial,sans-serif}table{border-collapse:collapse;margin:1em 0;
font-size:0.9em}td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#eee}img{max-width:100%}.muted{color:#666}
@media print{body{margin:0}h2{page-break-before:auto}}"""


def report_html(session: Session, dyads: Sequence[tuple[str, str]] | None = None) -> str:
    """The after-action report: timeline, key decisions, divergence from the model alone
    for key dyads, notes and figures, as one self-contained HTML page."""
    w = session.world
    ro = w.roster
    names = dict(zip(ro.ids, ro.names, strict=True))
    dyads = list(dyads or key_dyads(w)[:8])
    alone = model_alone(session)
    hist = session.alignment_history()
    divs = divergence(hist, alone, ro.ids, dyads)
    sc = w.scenario
    last = session.resolved_turns
    parts = [f"<h1>After-action report: {html.escape(sc.title or sc.name)}</h1>",
             f"<p>Scenario <b>{html.escape(sc.name)}</b>, seed {session.seed}, session "
             f"{session.session_id}; {last} turn(s) played, {w.date(0)} to "
             f"{w.date(max(0, last - 1))}.</p>"]
    if session.parent:
        again = (session.branch_turn or 0) + 2
        parts.append(f"<p>Branched from session {html.escape(session.parent)}: it plays turn "
                     f"{again} again.</p>")
    teams = [(a, session.roles.team_of(a)) for a in ro.ids if session.roles.team_of(a)]
    parts.append("<p>Player teams: " + (", ".join(f"{html.escape(t)} plays {names[a]}"
                                                   for a, t in teams) or "none") + ".</p>")
    parts.append("<h2>Key dyads</h2>")
    if last:
        parts.append(f'<img alt="key dyads" src="data:image/png;base64,'
                     f'{_figure_dyads(session, alone, dyads)}">')
    rows = []
    for d in divs:
        label = session.trend(d.source, d.target).label if last else "—"
        rows.append((f"{names[d.source]} → {names[d.target]}", signed(d.now),
                     signed(d.other), signed(d.difference),
                     f"{signed(d.largest)} ({w.date(d.largest_turn)})",
                     "never" if d.first_turn is None else w.date(d.first_turn), label))
    parts.append("<h2>Divergence from the model playing alone</h2>")
    parts.append("<p class=muted>The same scenario and seed without any decision of the "
                 "room: the difference is what the room's moves, overrides, injects and "
                 "adjustments did. Values are at the start of the month after the last turn."
                 f" Trend: the last {TREND_MONTHS} months, 'stable' within what the model's "
                 "own noise gives.</p>")
    parts.append(html_table(("dyad", "session", "model alone", "difference", "largest difference",
                         "first differs", "trend"), rows))
    if last:
        parts.append(f'<img alt="divergence" src="data:image/png;base64,'
                     f'{_figure_divergence(divs, names)}">')
    parts.append("<h2>Key decisions</h2>")
    parts.append(html_table(("date", "turn", "who", "what", "decision", "reason"),
                        [(r.date, session.turn_of(r.turn), r.author, r.kind,
                          describe_record(r), r.reason)
                         for r in session.log if r.kind in KEY_DECISIONS]))
    parts.append("<h2>Timeline</h2>")
    notes: dict[int, list[str]] = {}
    for r in session.log:
        if r.kind in ("note", "assign", "proposal_accepted"):
            notes.setdefault(r.turn, []).append(f"{r.author}: {describe_record(r)}")
    timeline = []
    for o in session.outcomes:
        first = dyads[0] if dyads else None
        story = session.why(*first, turn=o.turn).headline() if first else ""
        timeline.append((o.date, session.turn_of(o.turn), "; ".join(o.fired) or "—",
                         "; ".join(f"{k}={v}" for k, v in o.imposed.items()) or "—",
                         story, " | ".join(notes.get(o.turn, []))))
    parts.append(html_table(("date", "turn", "events", "moves imposed", "why the first dyad moved",
                         "notes"), timeline))
    parts += _collection_sections(session)
    insights = [r for r in session.log if r.kind == "note" and r.payload.get("insight")]
    parts.append("<h2>Insights</h2>")
    parts.append("<ul>" + "".join(f"<li>{html.escape(r.date)} ({html.escape(r.author)}): "
                                  f"{html.escape(r.payload['text'])}</li>" for r in insights)
                 + "</ul>" if insights else "<p>None recorded.</p>")
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>After-action "
            f"report: {html.escape(sc.name)}</title><style>{CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def _collection_sections(session: Session) -> list[str]:
    """The report's sections on how the game was adjudicated and what was collected."""
    tables = collection_tables(session)
    out = [f"<h2>Adjudication</h2><p>Style: {html.escape(session.style.replace('_', '-'))}, "
           f"{'open' if session.open_adjudication else 'closed'} (teams "
           f"{'saw' if session.open_adjudication else 'did not see'} the model's reasoning)."
           "</p>"]
    titles = {"data_plan": "Data collection plan", "team_moves": "Team moves and their reasons",
              "arguments": "Matrix-game arguments", "requests": "Requests for information",
              "questionnaire": "Player questionnaires", "hotwash": "Hot wash"}
    for name, title in titles.items():
        table = tables[name]
        out.append(f"<h2>{title}</h2>")
        out.append(html_table(list(table.columns), table.astype(object).where(
            table.notna(), "").values.tolist()) if len(table) else "<p>None recorded.</p>")
    return out


def write_report(session: Session, path: Path | str,
                 dyads: Sequence[tuple[str, str]] | None = None) -> Path:
    return atomic_write_text(path, report_html(session, dyads))
