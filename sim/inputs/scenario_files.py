"""Reading scenario files: the ``extends`` chain, the merge rules, and where each value came from.

A scenario may extend another and override only what differs. The merge is done on the raw
TOML tables, before validation, with these rules (README, "Writing a scenario"):

- plain values (start, horizon_months, roster, dynamics_file, …) in the child replace the
  parent's (a relative ``dynamics_file`` stays relative to the file that names it);
- tables (``dynamics``, ``domestic_balance``, ``actor_params``) merge key by key;
- lists of things with an ``id`` (treaties, sanctions, events, hazards, add_actors) merge by
  id: a child entry with a parent's id replaces it, new ids are appended, and ``remove``
  deletes parent entries by id;
- ``dyads`` merge by (source, target): the child's fields override the parent's;
- other lists (``drop_actors``, ``theatre_stakes``) are appended;
- ``name``, ``title``, ``description``, ``reference``, ``expected`` and ``remove`` belong
  to each file and are never inherited.

Every merged value remembers the file it came from, so a validation error names the right
file (and, where it can be found, the line).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.config_errors import ConfigError, path_exists, read_toml
from sim.core.safe_read import read_text_bounded

OWN_FIELDS = ("name", "title", "description", "reference", "expected", "remove", "extends")
KEYED_LISTS = ("treaties", "sanctions", "events", "hazards", "add_actors")
MERGED_TABLES = ("dynamics", "domestic_balance", "actor_params")
APPENDED_LISTS = ("drop_actors", "theatre_stakes")
REMOVABLE = ("treaties", "sanctions", "events", "hazards")


@dataclass
class MergedScenario:
    data: dict[str, Any]
    files: list[Path]  # the chain, child first
    origin: dict[tuple, Path] = field(default_factory=dict)  # loc prefix -> file
    #: (list, index in the merged list) -> index in the file it came from
    local: dict[tuple, int] = field(default_factory=dict)

    def file_of(self, loc: tuple) -> Path:
        for k in range(len(loc), 0, -1):
            if loc[:k] in self.origin:
                return self.origin[loc[:k]]
        return self.files[0]

    def in_file(self, loc: tuple) -> tuple:
        """``loc`` with a list index of the merged scenario turned into the index in the
        file the entry was written in (``events[12]`` of the merge is ``events[2]`` of
        the child that added it)."""
        if len(loc) >= 2 and isinstance(loc[1], int) and loc[:2] in self.local:
            return (loc[0], self.local[loc[:2]], *loc[2:])
        return loc


def _hashable(value: Any) -> Any:
    """``value`` if it can key a dict, else its repr: ids and pairs come from user files
    and may be lists or tables, which are reported by validation, not by a TypeError."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _resolve_parent(ref: str, child: Path, scenarios_dir: Path) -> Path:
    p = Path(ref)
    if p.suffix == ".toml":
        return p if p.is_absolute() else (child.parent / p)
    return scenarios_dir / f"{ref}.toml"


def _key(item: Any) -> Any:
    return _hashable(item.get("id")) if isinstance(item, dict) else None


def _pair(item: Any) -> Any:
    if not isinstance(item, dict):
        return None
    return (_hashable(item.get("source")), _hashable(item.get("target")))


def _merge_child(parent: MergedScenario, child: dict[str, Any], path: Path) -> MergedScenario:
    data = {k: v for k, v in parent.data.items() if k not in OWN_FIELDS}
    origin = {loc: f for loc, f in parent.origin.items() if loc[0] not in OWN_FIELDS}
    local = {loc: n for loc, n in parent.local.items() if loc[0] not in OWN_FIELDS}
    problems: list[str] = []
    removal = child.get("remove", {}) or {}
    if not isinstance(removal, dict):
        raise ConfigError(path, [f"{path}: remove: bad value {removal!r}: a table of id "
                                 "lists, e.g. remove = { treaties = [\"rus_irn_csp_2025\"] }"])
    for kind, ids in removal.items():
        if kind not in REMOVABLE:
            problems.append(f"remove.{kind}: cannot remove from {kind!r}; allowed: "
                            + ", ".join(REMOVABLE))
            continue
        if not isinstance(ids, list):
            problems.append(f"remove.{kind}: bad value {ids!r}: a list of ids")
            continue
        inherited = data.get(kind, [])
        if not isinstance(inherited, list):
            problems.append(f"remove.{kind}: the inherited {kind!r} is not a list "
                            f"(it is {inherited!r}); nothing can be removed from it")
            continue
        have = dict.fromkeys(_key(x) for x in inherited)  # a set that keeps the file order
        gone = {_hashable(rid) for rid in ids}
        for rid in ids:
            if _hashable(rid) not in have:
                listed = ", ".join(str(h) for h in list(have)[:20] if h)
                problems.append(f"remove.{kind}: no inherited entry with id {rid!r}; "
                                f"inherited ids: {listed}")
        kept = [(n, x) for n, x in enumerate(data.get(kind, [])) if _key(x) not in gone]
        data[kind] = [x for _, x in kept]
        origin = {loc: f for loc, f in origin.items() if loc[0] != kind}
        origin.update({(kind, m): parent.origin.get((kind, n), parent.files[0])
                       for m, (n, _) in enumerate(kept)})
        local = {loc: i for loc, i in local.items() if loc[0] != kind}
        local.update({(kind, m): parent.local.get((kind, n), n)
                      for m, (n, _) in enumerate(kept)})
    if problems:
        raise ConfigError(path, [f"{path}: {p}" for p in problems])

    for key in KEYED_LISTS:
        value = child.get(key)
        ids = Counter(_key(x) for x in value) if isinstance(value, list) else Counter()
        dup = sorted((str(i) for i, c in ids.items() if i is not None and c > 1))
        if dup:
            problems.append(f"{key}: id {dup[0]!r} is used twice in this file")
    if problems:
        raise ConfigError(path, [f"{path}: {p}" for p in problems])
    for key, value in child.items():
        if key in KEYED_LISTS and isinstance(value, list) and isinstance(data.get(key), list):
            merged = list(data[key])
            at = {}  # id -> index: one pass, not a search per entry (linear merging)
            for n, x in enumerate(merged):
                at.setdefault(_key(x), n)
            for j, item in enumerate(value):
                k = _key(item)
                idx = at.get(k) if k is not None else None
                if idx is None:
                    merged.append(item)
                    idx = len(merged) - 1
                    if k is not None:
                        at[k] = idx
                else:
                    merged[idx] = item
                origin[(key, idx)] = path
                local[(key, idx)] = j
            data[key] = merged
        elif key == "dyads" and isinstance(value, list) and isinstance(data.get(key), list):
            merged = [dict(x) if isinstance(x, dict) else x for x in data[key]]
            at = {}
            for n, x in enumerate(merged):
                if isinstance(x, dict):
                    at.setdefault(_pair(x), n)
            for j, item in enumerate(value):
                pair = _pair(item)
                idx = at.get(pair) if pair is not None else None
                if idx is None:
                    merged.append(item)
                    idx = len(merged) - 1
                    if pair is not None:
                        at[pair] = idx
                else:
                    merged[idx] = {**merged[idx], **item}
                origin[(key, idx)] = path
                local[(key, idx)] = j
            data[key] = merged
        elif key in MERGED_TABLES and isinstance(value, dict) \
                and isinstance(data.get(key), dict):
            merged_t = dict(data[key])
            for k2, v2 in value.items():
                if isinstance(v2, dict) and isinstance(merged_t.get(k2), dict):
                    merged_t[k2] = {**merged_t[k2], **v2}
                else:
                    merged_t[k2] = v2
                origin[(key, k2)] = path
            data[key] = merged_t
        elif key in APPENDED_LISTS and isinstance(value, list) \
                and isinstance(data.get(key), list):
            start = len(data[key])
            data[key] = data[key] + value
            origin.update({(key, start + n): path for n in range(len(value))})
            local.update({(key, start + n): n for n in range(len(value))})
        else:
            data[key] = value
            origin[(key,)] = path
            local = {loc: i for loc, i in local.items() if loc[0] != key}
    return MergedScenario(data=data, files=[path, *parent.files], origin=origin, local=local)


def read_scenario_chain(path: Path, scenarios_dir: Path) -> MergedScenario:
    """Read a scenario and everything it extends, merged; `ConfigError` on cycles or gaps."""
    chain: list[Path] = []
    raws: list[dict[str, Any]] = []
    current = Path(path)
    while True:
        try:
            resolved = current.resolve()
        except (OSError, ValueError) as exc:
            raise ConfigError(path, [f"{str(current)[:200]}: not a usable path: {exc}"]) from None
        if resolved in chain:
            cycle = " -> ".join(p.name for p in [*chain, resolved])
            raise ConfigError(path, [f"{path}: extends: cycle of scenarios: {cycle}"])
        raw = read_toml(current)
        chain.append(resolved)
        raws.append(raw)
        parent = raw.get("extends")
        if parent is None:
            if raw.get("remove") and len(chain) == 1:
                raise ConfigError(current, [f"{current}: remove: only a scenario that extends "
                                            "another can remove inherited entries"])
            break
        if not isinstance(parent, str) or not parent:
            raise ConfigError(current, [f"{current}: extends: bad value {parent!r}: the name of "
                                        "a scenario in scenarios/ or a path to a .toml file"])
        nxt = _resolve_parent(parent, current, scenarios_dir)
        if not path_exists(nxt):
            known = sorted(q.stem for q in scenarios_dir.glob("*.toml"))
            raise ConfigError(current, [f"{current}: extends: no scenario {parent[:100]!r} "
                                        f"(looked for {str(nxt)[:200]}); known scenarios: "
                                        f"{', '.join(known)}"])
        current = nxt
    base_raw, base_path = raws[-1], chain[-1]
    merged = MergedScenario(data=dict(base_raw), files=[base_path],
                            origin=_origins_of(base_raw, base_path))
    for raw, p in zip(reversed(raws[:-1]), reversed(chain[:-1]), strict=True):
        merged = _merge_child(merged, raw, p)
    return merged


def _origins_of(raw: dict[str, Any], path: Path) -> dict[tuple, Path]:
    out: dict[tuple, Path] = {}
    for key, value in raw.items():
        out[(key,)] = path
        if isinstance(value, list):
            out.update({(key, n): path for n in range(len(value))})
    return out


_LINES: dict[tuple, list[str]] = {}


def _code_lines(path: Path) -> list[str] | None:
    """The file's lines without comments, read once per version of the file: a file with
    hundreds of problems is searched hundreds of times."""
    try:
        info = path.stat()
        key = (str(path), info.st_mtime_ns, info.st_size)
    except OSError:
        return None
    if key not in _LINES:
        try:
            text = read_text_bounded(path)
        except ConfigError:
            return None
        if len(_LINES) > 16:
            _LINES.clear()
        _LINES[key] = [line.split("#", 1)[0] for line in text.splitlines()]
    return _LINES[key]


def find_line(path: Path, loc: tuple, value: Any) -> int | None:
    """Best guess at the line of a bad value: a line holding its key and its value.

    TOML parsers do not keep positions, so this searches the text; it returns None rather
    than guess between several equally good lines.
    """
    if not isinstance(value, str | bool | int | float):
        return None  # a table or list: no text to look for
    lines = _code_lines(path)
    if lines is None:
        return None
    keys = [p for p in loc if isinstance(p, str)]
    key = keys[-1] if keys else None
    if isinstance(value, str):
        needles = [f'"{value}"', f"'{value}'"]
    elif isinstance(value, bool):
        needles = ["true" if value else "false"]
    elif isinstance(value, int | float):
        needles = [repr(value), str(value)]
    else:
        needles = []
    value_at = [re.compile(rf"(?<![\w.]){re.escape(nd)}(?![\w.])") for nd in needles]
    key_at = re.compile(rf"(?<![\w]){re.escape(key)}\s*=") if key is not None else None

    def has_value(text: str) -> bool:  # a plain search first: most lines have neither
        return any(nd in text and pat.search(text) for nd, pat in zip(needles, value_at,
                                                                        strict=True))

    hits = []
    for n, text in enumerate(lines, 1):
        if has_value(text) and (key_at is None or not needles or key_at.search(text)):
            hits.append(n)
            if len(hits) > 1:
                break
    if not hits and needles:
        hits = [n for n, text in enumerate(lines, 1) if has_value(text)][:2]
    return hits[0] if len(hits) == 1 else None
