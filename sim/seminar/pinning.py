"""Pinning a session to its scenario: the files' hashes, checked before any replay.

Why: a session file holds decisions, not numbers; replayed on a changed scenario they would
give another history under the same name. So the scenario file and every file it extends
are pinned by sha256 when the session starts, and a mismatch refuses the file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.core.config_errors import ConfigError, path_exists, short_value
from sim.core.safe_read import read_bounded
from sim.core.settings import get_settings
from sim.inputs.scenario import resolve_scenario_path
from sim.inputs.scenario_files import read_scenario_chain
from sim.runs.manifest import code_version, sha256_file
from sim.runs.run_job import PreparedRun
from sim.seminar.records import FileHash, ScenarioRef


@lru_cache(maxsize=1)
def current_code() -> dict[str, Any]:
    """The code version, asked of git once per process (it runs two git commands)."""
    return code_version()


def scenario_ref(prepared: PreparedRun) -> ScenarioRef:
    """The scenario pinned by the hashes of its file and of every file it extends."""
    path = prepared.path.resolve()
    files = read_scenario_chain(path, get_settings().scenarios_dir).files
    return ScenarioRef(name=prepared.world.scenario.name, file=str(path),
                       sha256=sha256_file(path),
                       chain=[FileHash(file=str(f), sha256=sha256_file(f)) for f in files])


def pinned_scenario(ref: ScenarioRef, source: Path) -> Path:
    """The scenario file of ``ref``, unchanged since; `ConfigError` (naming ``source``)
    when it is missing or any file of its chain differs."""
    path = Path(ref.file)
    if not path_exists(path):
        path = resolve_scenario_path(ref.name)
    if not path_exists(path):
        raise ConfigError(source, [f"header.scenario.file: bad value {ref.file!r}: the "
                                   f"scenario file is not found, nor a scenario named "
                                   f"{ref.name!r}"])
    try:  # the header names a file: only a regular file of bounded size is hashed
        now = hashlib.sha256(read_bounded(path)).hexdigest()
    except ConfigError as exc:
        raise ConfigError(source, [f"header.scenario.file: bad value {short_value(ref.file)}: "
                                   f"{'; '.join(exc.problems)}"]) from None
    if now != ref.sha256:
        raise ConfigError(source, [f"header.scenario.sha256: bad value {ref.sha256!r}: the "
                                   f"scenario file {path} now has sha256 {now}; the session "
                                   "was played on another version of the scenario and cannot "
                                   "be replayed"])
    chain = read_scenario_chain(path, get_settings().scenarios_dir).files
    if [sha256_file(f) for f in chain] != [c.sha256 for c in ref.chain]:
        raise ConfigError(source, ["header.scenario.chain: the files this scenario extends "
                                   f"({', '.join(str(f) for f in chain)}) changed since the "
                                   "session was played; it cannot be replayed"])
    return path
