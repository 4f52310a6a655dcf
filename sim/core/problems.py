"""The one exception every loader raises for a file or value a user must fix.

A module of its own so that the readers (`sim.core.safe_read`) and the validators
(`sim.core.config_errors`) can both raise it without importing each other.
"""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration file could not be used; ``problems`` lists every reason."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: {len(problems)} problem(s)\n{lines}")
