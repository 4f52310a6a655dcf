"""Turning a bad configuration file into a message a user can act on.

Every loader (roster, dynamics, scenario) reports problems the same way: the file, the
field path, the bad value and what is allowed, all problems at once, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.problems import ConfigError
from sim.core.safe_read import read_text_bounded

__all__ = ["ConfigError", "describe_validation_error", "path_exists", "read_toml",
           "validate_file"]


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: field, bad value, what is allowed."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            problems.append(f"{_field_path(loc)}: required field is missing")
        elif err["type"] == "extra_forbidden":
            problems.append(f"{_field_path(loc)}: unknown field (value {_short(err['input'])});"
                            " check the spelling against the documented fields")
        else:
            problems.append(f"{_field_path(loc)}: bad value {_short(err['input'])}: {msg}")
    return problems


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file (a regular file of bounded size, `sim.core.safe_read`), turning a
    syntax error into a `ConfigError` with its line."""
    text = read_text_bounded(path, "configuration")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"{path}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError(path, [f"{path}: nested too deeply to read"]) from None


def path_exists(path: Path) -> bool:
    """`Path.exists` that answers False, not an exception, for impossible names."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def validate_file[M: BaseModel](
    path: Path, schema: type[M], *, context: dict[str, Any] | None = None,
    extra_checks: Callable[[M], list[str]] | None = None,
) -> M:
    """Read ``path`` as TOML, validate it against ``schema``, raise `ConfigError` on any problem."""
    data = read_toml(path)
    try:
        model = schema.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(path, describe_validation_error(exc)) from None
    if extra_checks is not None:
        problems = extra_checks(model)
        if problems:
            raise ConfigError(path, problems)
    return model
