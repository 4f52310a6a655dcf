"""Reading a hand-given propensity matrix (and sizes) for ``sim blocs --matrix``.

Two formats, both small enough to write by hand:

* CSV: a square table. The first row is a header whose first cell is ignored (write
  ``name``) and whose other cells name the actors; each further row is an actor's name and
  its propensities towards the actors of the header, in that order. Rows may come in any
  order. Sizes, optional, come from a second CSV (``--sizes``) with header ``name,size``
  and one row per actor; without it every size is 1. Lines starting with ``#`` are comments.
* TOML: one file with ``names = [...]``, ``propensity = [[...], ...]`` (rows in the order
  of ``names``) and optionally ``sizes = [...]``.

The diagonal is ignored (an actor is always with itself). An asymmetric matrix is refused,
naming the pairs, unless ``symmetrise`` is set, which replaces p by (p + p^T)/2 and says so:
a silent average could hide a typo in one cell. Every problem is reported at once, as a
`ConfigError` naming the file, the row and column, the bad value and what is allowed.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from sim.analysis.blocs.from_model import BlocInputs
from sim.analysis.blocs.landscape import Landscape
from sim.core.config_errors import ConfigError, read_toml, short_value
from sim.core.safe_read import read_text_bounded

_MAX_LISTED = 5


def _read_text(path: Path) -> str:
    return read_text_bounded(path, "matrix")  # a regular file of bounded size only


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """Non-empty, non-comment CSV rows with their line numbers, cells stripped."""
    text = _read_text(path)
    try:
        parsed = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ConfigError(path, [f"{path}: not valid CSV: {exc}"]) from None
    out = []
    for k, row in enumerate(parsed, start=1):
        cells = [c.strip() for c in row]
        if any(cells) and not cells[0].startswith("#"):
            out.append((k, cells))
    return out


#: Largest magnitude of a propensity or size (and smallest size). Energies are sums of
#: size x size x propensity over pairs: within these bounds they stay far inside float64,
#: and landscape theory's configurations do not change when every size, or every
#: propensity, is multiplied by one factor, so larger inputs can always be rescaled.
MAGNITUDE = 1e12


def _number(text: str, where: str, problems: list[str], *, positive: bool = False
            ) -> float:
    allowed = (f"a number from {1 / MAGNITUDE:g} to {MAGNITUDE:g}" if positive
               else f"a number from {-MAGNITUDE:g} to {MAGNITUDE:g}")
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{where}: bad value {short_value(text, 40)}: not a number; allowed: "
                        f"{allowed}")
        return math.nan
    low = 1 / MAGNITUDE if positive else -MAGNITUDE
    if not math.isfinite(value) or not low <= value <= MAGNITUDE:
        problems.append(f"{where}: bad value {short_value(text, 40)}; allowed: {allowed} (rescale "
                        "every value by one factor: the blocs do not change)")
        return math.nan
    return value


def _names(raw: list[str], where: str, problems: list[str]) -> list[str]:
    names = [x.strip() for x in raw]
    for k, nm in enumerate(names):
        if not nm:
            problems.append(f"{where}: name {k + 1} is empty; every actor needs a name")
    for dup in sorted({x for x in names if x and names.count(x) > 1}):
        problems.append(f"{where}: name {dup!r} appears more than once")
    return names


def read_matrix_csv(path: Path) -> tuple[list[str], np.ndarray]:
    """Names and the raw matrix (rows in header order) of a matrix CSV."""
    path = Path(path)
    rows = _rows(path)
    if not rows:
        raise ConfigError(path, [f"{path}: empty; expected a header row of actor names"])
    problems: list[str] = []
    (hline, header), body = rows[0], rows[1:]
    names = _names(header[1:], f"{path}:{hline}: header", problems)
    n = len(names)
    if n < 2:
        problems.append(f"{path}:{hline}: header names {n} actor(s); need at least 2")
    if len(body) != n:
        problems.append(f"{path}: not square: {n} actors in the header but {len(body)} "
                        "rows; need one row per actor")
    mat = np.full((n, n), np.nan)
    seen: dict[str, int] = {}
    for line, cells in body:
        name, values = cells[0], cells[1:]
        where = f"{path}:{line}"
        if name not in names:
            problems.append(f"{where}: unknown name {name!r}; allowed (the header): "
                            f"{', '.join(names)}")
            continue
        if name in seen:
            problems.append(f"{where}: row {name!r} repeats the row of line {seen[name]}")
            continue
        seen[name] = line
        if len(values) != n:
            problems.append(f"{where}: row {name!r} has {len(values)} values; need {n} "
                            "(one per header name)")
            continue
        i = names.index(name)
        for j, text in enumerate(values):
            mat[i, j] = _number(text, f"{where}: row {name!r}, column {names[j]!r}", problems)
    missing = [nm for nm in names if nm not in seen]
    if missing and len(body) == n:
        problems.append(f"{path}: no row for {', '.join(missing)}")
    if problems:
        raise ConfigError(path, problems)
    return names, mat


def read_sizes_csv(path: Path, names: list[str]) -> np.ndarray:
    """Sizes in the order of ``names`` from a ``name,size`` CSV."""
    path = Path(path)
    rows = _rows(path)
    problems: list[str] = []
    if not rows or [c.lower() for c in rows[0][1][:2]] != ["name", "size"]:
        got = rows[0][1] if rows else []
        raise ConfigError(path, [f"{path}: header must be 'name,size'; got {','.join(got)!r}"])
    sizes: dict[str, float] = {}
    for line, cells in rows[1:]:
        where = f"{path}:{line}"
        if len(cells) != 2:
            problems.append(f"{where}: {len(cells)} cells; need 2 (name, size)")
            continue
        name, text = cells
        if name not in names:
            problems.append(f"{where}: unknown name {name!r}; allowed (the matrix's actors): "
                            f"{', '.join(names)}")
        elif name in sizes:
            problems.append(f"{where}: size of {name!r} given twice")
        else:
            sizes[name] = _number(text, f"{where}: size of {name!r}", problems, positive=True)
    missing = [nm for nm in names if nm not in sizes]
    if missing:
        problems.append(f"{path}: no size for {', '.join(missing)}")
    if problems:
        raise ConfigError(path, problems)
    return np.array([sizes[nm] for nm in names])


def read_toml_input(path: Path) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Names, raw matrix and sizes (or None) of a TOML input file."""
    path = Path(path)
    data = read_toml(path)
    problems: list[str] = []
    for key in sorted(set(data) - {"names", "sizes", "propensity", "description"}):
        problems.append(f"{path}: {key}: unknown field; allowed: names, propensity, sizes, "
                        "description")
    raw_names = data.get("names")
    if not isinstance(raw_names, list) or not all(isinstance(x, str) for x in raw_names):
        raise ConfigError(path, [*problems, f"{path}: names: bad value {raw_names!r}; "
                                            "allowed: a list of strings"])
    names = _names(raw_names, f"{path}: names", problems)
    n = len(names)
    if n < 2:
        problems.append(f"{path}: names: {n} actor(s); need at least 2")
    rows = data.get("propensity")
    mat = np.full((n, n), np.nan)
    if not isinstance(rows, list) or len(rows) != n:
        size = len(rows) if isinstance(rows, list) else rows
        problems.append(f"{path}: propensity: bad value ({size!r} rows); allowed: a list of "
                        f"{n} rows, one per name")
    else:
        for i, row in enumerate(rows):
            where = f"{path}: propensity[{i}] ({names[i]!r})"
            if not isinstance(row, list) or len(row) != n:
                got = len(row) if isinstance(row, list) else repr(row)
                problems.append(f"{where}: has {got} values; need {n}, one per name")
                continue
            for j, v in enumerate(row):
                mat[i, j] = _number(str(v), f"{where}, column {names[j]!r}", problems)
    sizes = None
    if "sizes" in data:
        raw = data["sizes"]
        if not isinstance(raw, list) or len(raw) != n:
            problems.append(f"{path}: sizes: bad value {raw!r}; allowed: a list of {n} "
                            "numbers > 0, one per name")
        else:
            sizes = np.array([_number(str(v), f"{path}: sizes[{k}] ({names[k]!r})", problems,
                                      positive=True) for k, v in enumerate(raw)])
    if problems:
        raise ConfigError(path, problems)
    return names, mat, sizes


def _symmetry(path: Path, names: list[str], mat: np.ndarray, symmetrise: bool
              ) -> tuple[np.ndarray, list[str]]:
    """Refuse or average an asymmetric matrix; ignore the diagonal; say what was done."""
    n = len(names)
    notes: list[str] = []
    off = ~np.eye(n, dtype=bool)
    if np.any(mat[~off] != 0):
        notes.append("the diagonal is ignored (an actor is always on its own side)")
    scale = max(1.0, float(np.abs(mat[off]).max()))
    diff = np.abs(mat - mat.T)
    pairs = [(i, j) for i, j in zip(*np.nonzero(np.triu(diff > 1e-9 * scale, 1)), strict=True)]
    if pairs and not symmetrise:
        shown = [f"{path}: propensity[{names[i]!r}, {names[j]!r}] = {mat[i, j]:g} but "
                 f"propensity[{names[j]!r}, {names[i]!r}] = {mat[j, i]:g}; allowed: a "
                 "symmetric matrix (or pass --symmetrise to use (p + p^T)/2)"
                 for i, j in pairs[:_MAX_LISTED]]
        if len(pairs) > _MAX_LISTED:
            shown.append(f"{path}: ... and {len(pairs) - _MAX_LISTED} more asymmetric pairs")
        raise ConfigError(path, shown)
    if pairs:
        i, j = max(pairs, key=lambda ij: diff[ij])
        notes.append(f"symmetrised {len(pairs)} asymmetric pair(s) as (p + p^T)/2; largest "
                     f"difference {diff[i, j]:g} between {names[i]} and {names[j]}")
        mat = (mat + mat.T) / 2.0
    mat = mat.copy()
    np.fill_diagonal(mat, 0.0)
    return mat, notes


def read_bloc_input(matrix: Path, sizes: Path | None = None, *, symmetrise: bool = False
                    ) -> BlocInputs:
    """A hand-given landscape and X0 (the same symmetric matrix) from files, fully checked."""
    matrix = Path(matrix)
    notes: list[str] = []
    if matrix.suffix.lower() == ".toml":
        if sizes is not None:
            raise ConfigError(sizes, [f"{sizes}: --sizes goes with a CSV matrix; a TOML "
                                      "input holds its sizes in its 'sizes' field"])
        names, mat, size_values = read_toml_input(matrix)
    else:
        names, mat = read_matrix_csv(matrix)
        size_values = read_sizes_csv(Path(sizes), names) if sizes is not None else None
    if size_values is None:
        size_values = np.ones(len(names))
        notes.append("no sizes given: every actor has size 1")
    mat, sym_notes = _symmetry(matrix, names, mat, symmetrise)
    landscape = Landscape(tuple(names), size_values, mat)
    return BlocInputs(landscape, mat, f"matrix {matrix.name}", tuple(notes + sym_notes))
