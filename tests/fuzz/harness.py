"""Mutation fuzzing of every file a user hands the program: scenarios, experiments, seminar
sessions and bloc matrices.

Why mutation from real files: a random byte string is refused by the first parser and
tells little. A real file changed in one place reaches the deep checks: a value replaced by
a huge number, a string of 100 KB, a table nested a thousand levels, a list repeated, a key
deleted, the file truncated or made a folder or a FIFO. Each case is given to the loader
the command uses, in this process, under a time limit. Its outcome is one of:

- ``accepted``: the loader returned;
- ``refused``: a `ConfigError` or `SessionError` whose message names the file;
- ``unnamed``: refused, but the message does not name the file;
- ``traceback``: any other exception (what the user would see as a traceback);
- ``hang``: the case ran past the time limit;
- ``memory``: the process's peak memory grew by more than the limit during the case.

Only the first two are acceptable. `run_cases` is used by the fast test
(tests/test_fuzz.py, a few hundred cases per kind) and by the long run
(tests/fuzz/long_run.py, which records its figures).
"""

from __future__ import annotations

import copy
import json
import os
import random
import resource
import shutil
import signal
import tomllib
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

REPO = Path(__file__).resolve().parents[2]

#: Seconds a case may run before it counts as a hang (the issue's limit).
HANG_SECONDS = 20
#: Growth of the process's peak memory during one case that counts as a blow-up (bytes).
MEMORY_LIMIT = 512 * 2**20

KINDS = ("scenario", "experiment", "session", "matrix")

#: Hostile values a mutation may put anywhere.
HOSTILE: list[Any] = [
    0, -1, 1, 2**63, -(2**63), 10**400, 1e308, -1e308, 1e-320, 0.5, 1.5, -0.5,
    "", " ", "\u200b", "\x00", "../../etc/passwd", "/dev/zero", "a" * 100_000, "RUS", "XXX",
    "2025-13", "9999-01", "nan", "inf", True, False, [], {}, [1, 2, 3], {"a": 1},
    "baseline", "history", "é" * 50, "\ud7ff", "${HOME}", "'; rm -rf /; '",
]


@dataclass
class Outcome:
    kind: str
    mutation: str
    result: str  # accepted, refused, unnamed, traceback, hang, memory
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {}
        for o in self.outcomes:
            out.setdefault(o.kind, Counter())[o.result] += 1
        return {k: dict(v) for k, v in out.items()}

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result not in ("accepted", "refused")]


# ----------------------------------------------------------------------------- seeds
def _session_seed(folder: Path) -> Path:
    from sim.seminar import Session

    path = folder / "seed_session.json"
    if not path.exists():
        s = Session.create(str(REPO / "tests/data/seminar/seminar_short.toml"), seed=3,
                           path=path)
        s.assign("IRN", "blue")
        s.submit_move("blue", "IRN", dyadic={"RUS": "deepen"})
        for _ in range(4):
            s.advance_phase()
        s.note("a note", author="blue")
    return path


def seed_files(kind: str, folder: Path) -> list[Path]:
    """Real, valid files of a kind: what the mutations start from."""
    if kind == "scenario":
        return [REPO / "scenarios" / f"{n}.toml" for n in
                ("baseline", "israel_iran_war", "treaty_mutual_defence", "us_iran_deal",
                 "assad_falls")]
    if kind == "experiment":
        return sorted((REPO / "experiments").glob("*.toml"))
    if kind == "session":
        return [_session_seed(folder)]
    return [REPO / "tests/data/blocs/camps.csv", REPO / "tests/data/blocs/four.toml"]


# ----------------------------------------------------------------------------- mutations
def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a parsed document: dict keys and list indices."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


NEST = "__nest_{}__"


def _nest(depth: int) -> str:
    """A marker the writer turns into ``depth`` nested lists in the file's text (nested
    Python lists that deep would break the harness's own copying and writing)."""
    return NEST.format(depth)


def _expand_nests(text: str) -> str:
    import re

    return re.sub(r"[\"']__nest_(\d+)__[\"']",
                  lambda m: "[" * int(m.group(1)) + "1" + "]" * int(m.group(1)), text)


def mutate_structure(data: Any, rng: random.Random) -> tuple[Any, str]:
    """One structural mutation of a parsed document, and its name."""
    data = copy.deepcopy(data)
    places = _paths(data)
    path = rng.choice(places)
    op = rng.choice(["replace", "replace", "replace", "delete", "duplicate", "nest",
                     "grow", "retype"])
    if op == "replace":
        return _set(data, path, copy.deepcopy(rng.choice(HOSTILE))), f"replace {path}"
    if op == "delete" and path:
        parent = _get(data, path[:-1])
        del parent[path[-1]]
        return data, f"delete {path}"
    if op == "duplicate":
        target = _get(data, path)
        if isinstance(target, list) and target:
            target.extend(copy.deepcopy(target[: rng.randint(1, len(target))]))
            return data, f"duplicate entries of {path}"
    if op == "nest":
        return _set(data, path, _nest(rng.choice([40, 200, 2000]))), f"nest {path}"
    if op == "grow":
        target = _get(data, path)
        if isinstance(target, list) and target:
            target.extend(copy.deepcopy(target) * rng.choice([10, 1000]))
            return data, f"grow {path}"
    value = _get(data, path)
    retyped = (str(value) if not isinstance(value, str) else
               {"k": value} if rng.random() < 0.5 else [value])
    return _set(data, path, retyped), f"retype {path}"


def mutate_bytes(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    op = rng.choice(["truncate", "flip", "insert", "bom", "nul", "repeat"])
    if not raw:
        return b"\xff", "empty to invalid"
    k = rng.randrange(len(raw))
    if op == "truncate":
        return raw[:k], f"truncate at {k}"
    if op == "flip":
        return raw[:k] + bytes([raw[k] ^ (1 << rng.randrange(8))]) + raw[k + 1:], f"flip {k}"
    if op == "insert":
        junk = rng.choice([b"[[", b"]]", b"=", b'"', b"\n[x]\n", b"{", b",,,", b"\xc3\x28"])
        return raw[:k] + junk + raw[k:], f"insert at {k}"
    if op == "bom":
        return b"\xef\xbb\xbf" + raw, "byte-order mark"
    if op == "nul":
        return raw[:k] + b"\x00" + raw[k:], f"nul at {k}"
    return raw * rng.choice([2, 50]), "repeat whole file"


def _parse(kind: str, path: Path) -> tuple[str, Any]:
    raw = path.read_bytes()
    if path.suffix == ".toml":
        return "toml", tomllib.loads(raw.decode("utf-8"))
    if path.suffix == ".json":
        return "json", json.loads(raw)
    return "csv", [line.split(",") for line in raw.decode("utf-8").splitlines()]


def _dump(fmt: str, data: Any) -> bytes:
    return _expand_nests(_dump_text(fmt, data).decode("utf-8", "replace")).encode("utf-8")


def _dump_text(fmt: str, data: Any) -> bytes:
    if fmt == "toml":
        try:
            return tomli_w.dumps(data if isinstance(data, dict) else {"x": data}).encode()
        except (TypeError, ValueError, RecursionError):
            return json.dumps(data, default=str).encode()  # not TOML: refused as such
    if fmt == "json":
        try:
            return json.dumps(data).encode()
        except (TypeError, ValueError, RecursionError):
            return b"{"
    if not isinstance(data, list):
        data = [[str(data)]]
    rows = [",".join(str(c) for c in (row if isinstance(row, list) else [row])) for row in data]
    return "\n".join(rows).encode("utf-8", "replace")


def make_case(kind: str, seeds: list[Path], folder: Path, rng: random.Random,
              number: int) -> tuple[Path, str]:
    """Write one mutated case of ``kind`` into ``folder``; returns its path and mutation."""
    source = rng.choice(seeds)
    suffix = source.suffix
    path = folder / f"case{number}{suffix}"
    roll = rng.random()
    if roll < 0.03:  # a special file where a file was expected
        special = rng.choice(["folder", "fifo", "devzero", "missing"])
        if special == "folder":
            path.mkdir()
        elif special == "fifo":
            os.mkfifo(path)
        elif special == "devzero":
            path.symlink_to("/dev/zero")
        return path, f"special: {special}"
    if roll < 0.30:
        raw, what = mutate_bytes(source.read_bytes(), rng)
        path.write_bytes(raw)
        return path, f"bytes: {what}"
    fmt, data = _parse(kind, source)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data, what = mutate_structure(data, rng)
    if kind == "scenario" and isinstance(data, dict) and rng.random() < 0.3:
        # a file that points elsewhere: at a special file, another mutated case, itself
        field_name = rng.choice(["extends", "dynamics_file", "roster"])
        data[field_name] = rng.choice(["/dev/zero", str(path), "baseline", "../" * 30,
                                       str(folder), "x" * 5000])
        what += f"; {field_name} pointed elsewhere"
    path.write_bytes(_dump(fmt, data))
    return path, f"structure: {what}"


# ----------------------------------------------------------------------------- loaders
def loader(kind: str) -> Callable[[Path], Any]:
    """What the command reads a file of ``kind`` with (sim validate, sim sweep, sim play,
    sim blocs): validation and everything done before the first simulated month."""
    if kind == "scenario":
        from sim.inputs.compile import build_world
        from sim.inputs.scenario import load_scenario

        return lambda p: build_world(load_scenario(p))
    if kind == "experiment":
        from sim.inputs.experiment import design_points, load_experiment

        return lambda p: design_points(load_experiment(p))
    if kind == "session":
        from sim.seminar import Session

        return Session.load
    from sim.analysis.blocs import analyse_blocs
    from sim.analysis.blocs.io import read_bloc_input

    return lambda p: analyse_blocs(read_bloc_input(p), exact_limit=12, restarts=4, seed=1)


class _Hang(BaseException):
    """Raised by the alarm: a BaseException, so no loader's ``except Exception`` hides it."""


def _alarm(signum, frame):
    raise _Hang()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_case(kind: str, path: Path, load: Callable[[Path], Any], mutation: str,
             limit: int = HANG_SECONDS) -> Outcome:
    import time

    from sim.core.config_errors import ConfigError
    from sim.seminar.errors import SessionError

    before = _peak_bytes()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    started = time.perf_counter()
    try:
        load(path)
        result, detail = "accepted", ""
    except (ConfigError, SessionError) as exc:
        text = str(exc)
        # the message names the case's file, or another real file the case pointed to
        # (a scenario extending /dev/zero is refused naming /dev/zero)
        other = getattr(exc, "path", None)
        named = path.name in text or bool(other and other in text and (
            Path(other).is_absolute() or Path(other).exists()))
        result, detail = ("refused" if named else "unnamed"), text[:300]
    except _Hang:
        result, detail = "hang", f"over {limit} s"
    except RecursionError:
        result, detail = "traceback", "RecursionError"
    except MemoryError:
        result, detail = "memory", "MemoryError"
    except Exception as exc:  # what the harness is looking for
        tb = traceback.extract_tb(exc.__traceback__)[-3:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb))
        result, detail = "traceback", f"{type(exc).__name__}: {str(exc)[:160]} at {where}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - started
    if result in ("accepted", "refused", "unnamed") and _peak_bytes() - before > MEMORY_LIMIT:
        result, detail = "memory", f"peak grew by {(_peak_bytes() - before) / 2**20:.0f} MiB"
    return Outcome(kind, mutation, result, detail, round(seconds, 3))


def run_cases(kind: str, cases: int, seed: int, folder: Path,
              on_outcome: Callable[[Outcome], None] | None = None) -> Tally:
    """``cases`` mutated files of ``kind`` from ``seed``, each loaded and judged."""
    rng = random.Random(f"{kind}-{seed}")
    work = folder / kind
    work.mkdir(parents=True, exist_ok=True)
    seeds = seed_files(kind, folder)
    load = loader(kind)
    tally = Tally()
    for n in range(cases):
        path, mutation = make_case(kind, seeds, work, rng, n)
        outcome = run_case(kind, path, load, mutation)
        tally.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return tally
