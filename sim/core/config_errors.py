"""Turning a bad configuration file into a message a user can act on.

Every loader (roster, dynamics, scenario) reports problems the same way: the file, the
field path, the bad value and what is allowed, all problems at once, never a traceback.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.problems import ConfigError
from sim.core.safe_read import read_text_bounded

__all__ = ["MAX_DEPTH", "ConfigError", "check_depth", "describe_validation_error",
           "nesting_depth", "path_exists", "read_toml", "short_value", "validate_file"]


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def short_value(value: Any, limit: int = 80) -> str:
    """A value as a message shows it: its repr, cut to ``limit`` characters (a 100 KB
    value pasted by mistake must not fill the terminal)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_short = short_value
#: A quoted value of more than 80 characters inside a validator's message (a union's tag
#: echoes the input): shown cut, as `short_value` cuts values.
_LONG_QUOTE = re.compile(r"'([^']{60})[^']{20,}'")


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: field, bad value, what is allowed."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = _LONG_QUOTE.sub(r"'\1...'", err["msg"].removeprefix("Value error, "))[:400]
        if err["type"] == "missing":
            problems.append(f"{_field_path(loc)}: required field is missing")
        elif err["type"] == "extra_forbidden":
            problems.append(f"{_field_path(loc)}: unknown field (value {_short(err['input'])});"
                            " check the spelling against the documented fields")
        else:
            problems.append(f"{_field_path(loc)}: bad value {_short(err['input'])}: {msg}")
    return problems


#: Deepest nesting of tables and lists a file may have. The project's deepest files nest
#: about six levels; beyond this, validating and printing a value would recurse without
#: end (a header nested 2,000 levels deep ended in a RecursionError).
MAX_DEPTH = 32


def nesting_depth(data: Any, limit: int = MAX_DEPTH) -> int:
    """How deep ``data`` nests dicts and lists, counted without recursion, up to
    ``limit`` + 1 (deeper is not explored)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return deepest
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def check_depth(path: Path | str, data: Any) -> Any:
    """``data`` if it nests at most `MAX_DEPTH` levels, else `ConfigError` naming the file."""
    if nesting_depth(data) > MAX_DEPTH:
        raise ConfigError(path, [f"{path}: nested more than {MAX_DEPTH} levels deep; the "
                                 "files this program reads nest a few levels at most"])
    return data


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file (a regular file of bounded size, `sim.core.safe_read`), turning a
    syntax error into a `ConfigError` with its line."""
    text = read_text_bounded(path, "configuration")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"{path}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError(path, [f"{path}: nested too deeply to read"]) from None
    return check_depth(path, data)


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
