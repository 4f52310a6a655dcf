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

    def file_of(self, loc: tuple) -> Path:
        for k in range(len(loc), 0, -1):
            if loc[:k] in self.origin:
                return self.origin[loc[:k]]
        return self.files[0]


def _resolve_parent(ref: str, child: Path, scenarios_dir: Path) -> Path:
    p = Path(ref)
    if p.suffix == ".toml":
        return p if p.is_absolute() else (child.parent / p)
    return scenarios_dir / f"{ref}.toml"


def _key(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _merge_child(parent: MergedScenario, child: dict[str, Any], path: Path) -> MergedScenario:
    data = {k: v for k, v in parent.data.items() if k not in OWN_FIELDS}
    origin = {loc: f for loc, f in parent.origin.items() if loc[0] not in OWN_FIELDS}
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
        have = [_key(x) for x in inherited]
        for rid in ids:
            if rid not in have:
                problems.append(f"remove.{kind}: no inherited entry with id {rid!r}; "
                                f"inherited ids: {', '.join(str(h) for h in have if h)}")
        kept = [(n, x) for n, x in enumerate(data.get(kind, [])) if _key(x) not in ids]
        data[kind] = [x for _, x in kept]
        origin = {loc: f for loc, f in origin.items() if loc[0] != kind}
        origin.update({(kind, m): parent.origin.get((kind, n), parent.files[0])
                       for m, (n, _) in enumerate(kept)})
    if problems:
        raise ConfigError(path, [f"{path}: {p}" for p in problems])

    for key in KEYED_LISTS:
        value = child.get(key)
        ids = [_key(x) for x in value] if isinstance(value, list) else []
        dup = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        if dup:
            problems.append(f"{key}: id {dup[0]!r} is used twice in this file")
    if problems:
        raise ConfigError(path, [f"{path}: {p}" for p in problems])
    for key, value in child.items():
        if key in KEYED_LISTS and isinstance(value, list) and isinstance(data.get(key), list):
            merged = list(data[key])
            for item in value:
                k = _key(item)
                idx = next((n for n, x in enumerate(merged) if k is not None and _key(x) == k),
                           None)
                if idx is None:
                    merged.append(item)
                    idx = len(merged) - 1
                else:
                    merged[idx] = item
                origin[(key, idx)] = path
            data[key] = merged
        elif key == "dyads" and isinstance(value, list) and isinstance(data.get(key), list):
            merged = [dict(x) if isinstance(x, dict) else x for x in data[key]]
            for item in value:
                pair = (item.get("source"), item.get("target")) if isinstance(item, dict) \
                    else None
                idx = next((n for n, x in enumerate(merged) if isinstance(x, dict)
                            and (x.get("source"), x.get("target")) == pair), None)
                if idx is None:
                    merged.append(item)
                    idx = len(merged) - 1
                else:
                    merged[idx] = {**merged[idx], **item}
                origin[(key, idx)] = path
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
        else:
            data[key] = value
            origin[(key,)] = path
    return MergedScenario(data=data, files=[path, *parent.files], origin=origin)


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


def find_line(path: Path, loc: tuple, value: Any) -> int | None:
    """Best guess at the line of a bad value: a line holding its key and its value.

    TOML parsers do not keep positions, so this searches the text; it returns None rather
    than guess between several equally good lines.
    """
    try:
        lines = read_text_bounded(path).splitlines()
    except ConfigError:
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
    hits = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0]
        has_value = any(re.search(rf"(?<![\w.]){re.escape(nd)}(?![\w.])", text)
                        for nd in needles)
        has_key = key is not None and re.search(rf"(?<![\w]){re.escape(key)}\s*=", text)
        if has_value and (has_key or key is None or not needles):
            hits.append(n)
    if not hits and needles:
        hits = [n for n, line in enumerate(lines, 1)
                if any(re.search(rf"(?<![\w.]){re.escape(nd)}(?![\w.])",
                                 line.split("#", 1)[0]) for nd in needles)]
    return hits[0] if len(hits) == 1 else None
