"""Experiment files for tests, written from keyword arguments.

Why a helper: sweep, parallel-sweep, design-file and results-schema tests each need a
small grid experiment that differs in a few settings; one writer keeps the file format in
one place, so a change to the experiment language is made once here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def write_experiment(folder: Path, name: str, *, parameters: Mapping[str, Sequence[float]]
                     | None = None, design: str | None = None,
                     scenarios: Sequence[str] = ("baseline", "treaty_none"), seed: int = 5,
                     replicates: int = 3, months: int = 12, times: Sequence[int] = (6, 12),
                     dyads: Sequence[str] = ("RUS:IRN", "IRN:RUS"),
                     trajectories: str | None = None) -> Path:
    """``folder/name.toml``: a grid over ``parameters`` (address -> levels), or the given
    ``design`` text (a ``[design]`` table and what goes with it)."""
    lines = [f'name = "{name}"', f"scenarios = {_toml(list(scenarios))}", f"seed = {seed}",
             f"replicates = {replicates}", f"months = {months}"]
    if parameters is not None:
        lines += ["[design]", 'kind = "grid"']
        for address, levels in parameters.items():
            lines += ["[[parameters]]", f'name = "{address}"', f"values = {_toml(list(levels))}"]
    lines += ["[outputs]", f"times = {_toml(list(times))}"]
    if trajectories is not None:
        lines.append(f'trajectories = "{trajectories}"')
    lines.append(f"dyads = {_toml(list(dyads))}")
    text = "\n".join(lines) + "\n" + (design or "")
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path
