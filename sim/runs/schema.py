"""Every column the tool writes to Parquet: its dtype, unit and meaning, in one table.

Why one table: a run folder and a sweep folder hold several Parquet files that an analyst
joins (in pandas, polars or DuckDB) on shared columns such as ``replicate``, ``step`` or
``source``. The join only works without casting if a column name has the same dtype in
every file, and a file only explains itself if each column carries its unit and meaning.
So every writer converts its frame through `arrow_table`, which looks every column up
here, casts it to the one dtype this table gives it (refusing a lossy or nonsensical
conversion), and stores the description and unit in the field's metadata (``description``,
``unit``). A column this table does not define cannot be written.

Conventions (also in results/README.md):

* ``step`` counts months from the scenario's start: step 0 is the start month, the initial
  state; ``date`` is that month as ``YYYY-MM``. A change recorded at step k runs from month
  k to month k + 1 (``from_date`` → ``to_date``).
* Text is stored as plain Parquet strings, never pandas categoricals; integers that index
  things (``point``, ``replicate``, ``step``, months) are int32; counts are int64; seeds
  are uint64.
* In a sweep's analysis table, parameters are ``p_`` plus the parameter's SQL name
  (`sql_name`) and metrics are ``m_`` plus the metric's name; the parameter's own name is
  kept in the field metadata (``parameter``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.dynamics.drivers import TERMS
from sim.runs.metrics import ALLIANCE_LEVEL, COUNTED_DYADIC, COUNTED_THEATRE

#: The dtypes a column may have, by the name used in the table below.
DTYPES: dict[str, pa.DataType] = {
    "int32": pa.int32(), "int64": pa.int64(), "uint64": pa.uint64(),
    "float32": pa.float32(), "float64": pa.float64(), "string": pa.string(),
    "bool": pa.bool_(),
}


@dataclass(frozen=True)
class Column:
    """One column: its name, dtype (a key of `DTYPES`), unit, meaning, and extra metadata."""

    name: str
    dtype: str
    unit: str
    description: str
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def arrow_type(self) -> pa.DataType:
        return DTYPES[self.dtype]

    def field(self) -> pa.Field:
        """The Arrow field, with description, unit and any extra entries as metadata."""
        meta = {"description": self.description, "unit": self.unit, **dict(self.extra)}
        return pa.field(self.name, self.arrow_type,
                        metadata={k.encode(): v.encode() for k, v in meta.items()})


class SchemaError(ValueError):
    """A frame that cannot be written as it is: an undefined column or a wrong dtype."""


_ALIGN = "alignment, -1 (hostile) to +1 (allied)"
_MONTH = "month (months since the scenario's start month)"
_YM = "calendar month, YYYY-MM"


def _c(name: str, dtype: str, unit: str, description: str) -> Column:
    return Column(name, dtype, unit, description)


def _actor_parameters() -> tuple[Column, ...]:
    """The actors table's parameter columns, described, ranged and ordered as the roster's
    schema declares them (`sim.inputs.roster.ActorParams`, read by the registry too), so a new
    actor parameter needs no second description here."""
    from sim.inputs.registry import actor_parameter_unit, sourced_bounds
    from sim.inputs.roster import ActorParams

    out = []
    for name, info in ActorParams.model_fields.items():
        lo, hi = sourced_bounds(info)
        out.append(_c(name, "float64", f"{actor_parameter_unit(name)}, {lo:g} to {hi:g}",
                      f"{info.description}, as used by this run"))
    return tuple(out)


_FIXED: tuple[Column, ...] = (
    # --- identity of a row ---------------------------------------------------------------
    _c("scenario", "string", "scenario name",
       "the scenario's name (its `name` field), as listed in the sweep's manifest"),
    _c("point", "int32", "index (0-based)",
       "design point of the sweep: the row of points.parquet with this point"),
    _c("replicate", "int32", "index (0-based)",
       "replicate of the ensemble (run folder) or of the (scenario, point) task (sweep); "
       "its seed is in the manifest and in `seed`"),
    _c("seed", "uint64", "none (random seed)",
       "seed of the replicate's random stream (sim.core.rng); the same seed gives the same run"),
    _c("step", "int32", _MONTH,
       "month of the row, counted from the scenario's start month (step 0). A state "
       "(alignment, distrust) at step k is the one after k monthly changes, step 0 the "
       "initial state; an action, event or driver term at step k belongs to month k, the "
       "change from month k to month k + 1"),
    _c("date", "string", _YM, "calendar month of `step`"),
    _c("from_date", "string", _YM,
       "calendar month the change runs from (month `step`): the state before the change"),
    _c("to_date", "string", _YM,
       "calendar month the change runs to (month `step` + 1): the state after the change"),
    _c("source", "string", "actor id",
       "actor whose stance this is: the row describes a[source, target], how far source "
       "stands with target (see actors.parquet)"),
    _c("target", "string", "actor id", "actor the stance of `source` is towards"),
    # --- trajectories ---------------------------------------------------------------------
    _c("alignment", "float64", _ALIGN,
       "alignment of source towards target in month `step`: after `step` monthly changes "
       "(step 0: the scenario's initial state)"),
    _c("distrust", "float32", "index, 0 (none) to 1 (complete)",
       "distrust of source towards target in month `step`, after `step` monthly changes"),
    # --- actions and events ---------------------------------------------------------------
    _c("actor", "string", "actor id", "actor who chose the action"),
    _c("kind", "string", "category: dyadic or theatre",
       "dyadic: an action towards a partner; theatre: a posture in a theatre"),
    _c("counterpart", "string", "actor id or theatre id",
       "the partner (kind dyadic) or the theatre (kind theatre) the action concerns"),
    _c("action", "string", "action name",
       "the action chosen in month `step`, acting on the change to month `step` + 1 (all "
       "but the defaults maintain and support; sim/core/actions.py)"),
    _c("event", "string", "event label",
       "event that fired in month `step` in the replicate, acting on the change to month "
       "`step` + 1 (scheduled or, marked [random], drawn from a hazard)"),
    # --- actors ---------------------------------------------------------------------------
    _c("index", "int32", "index (0-based)",
       "actor's position in the roster: the order of every array the model builds"),
    _c("id", "string", "actor id", "actor's two- or three-letter code, as in every other "
       "table's source, target, actor and counterpart"),
    _c("name", "string", "name", "actor's name"),
    _c("actor_kind", "string", "category: state, union or network", "what sort of actor"),
    _c("description", "string", "text", "actor's description in the roster file"),
    *_actor_parameters(),
    _c("domestic_balance", "float64", "share, 0 to 1",
       "weight of the actor's hardline faction at the start; null for an actor without "
       "domestic factions"),
    # --- per-run metrics (sim.runs.metrics.run_metrics) ----------------------------------------
    _c("bloc_cohesion_end", "float64", _ALIGN,
       "mean directed alignment among RUS, IRN and CHN (those present) in the last month; "
       "NaN with fewer than two present"),
    _c("bloc_cohesion_mean", "float64", _ALIGN,
       "mean directed alignment among RUS, IRN and CHN averaged over months 1..S"),
    _c("polarisation_end", "float64", "share of signed triads, 0 to 1",
       "share of unbalanced triads in the last month (structural balance; 0 = balanced)"),
    _c("mean_abs_alignment_end", "float64", "alignment, 0 to 1",
       "mean |alignment| over directed pairs in the last month: how strongly actors take "
       "sides"),
    _c("two_bloc_split_end", "string", "actor ids joined with +",
       "the camp of RUS (or of the first actor without RUS) in the spectral two-camp split "
       "of the last month, in roster order; the other camp is the rest"),
    _c("bloc_gap_end", "float64", "alignment, -2 to 2",
       "mean symmetrised tie within camps minus mean across them, last month; NaN with "
       "one camp"),
    *(_c(f"n_{a}", "int64", "count (actor-partner-months)",
         f"times an actor chose {a} towards a partner over the run; null if actions were "
         "not kept") for a in COUNTED_DYADIC),
    *(_c(f"n_theatre_{a}", "int64", "count (actor-theatre-months)",
         f"times an actor with a stake chose {a} in a theatre over the run; null if "
         "actions were not kept") for a in COUNTED_THEATRE),
    _c("n_events", "int64", "count (event-months)",
       "events that fired in the replicate, one per month and event"),
    # --- per-dyad metrics (sim.runs.metrics.dyad_metrics) --------------------------------------
    _c("mean", "float64", _ALIGN, "mean alignment of source towards target over months 1..S"),
    _c("min", "float64", _ALIGN, "lowest alignment of source towards target, months 1..S"),
    _c("max", "float64", _ALIGN, "highest alignment of source towards target, months 1..S"),
    _c("first_below_zero", "int32", "month (1..S; -1 = never)",
       "first month >= 1 with alignment below 0"),
    _c("first_alliance", "int32", "month (1..S; -1 = never)",
       f"first month >= 1 with alignment at or above {ALLIANCE_LEVEL} (alliance-like)"),
    # --- driver terms (sim.dynamics.drivers.TERMS) ---------------------------------------
    *(_c(t.name, "float32", "alignment (change over the month)",
         f"{t.label} ({t.theory}): the bounded term it added to a[source, target] in the "
         "change from from_date to to_date; a month's terms sum to its change")
      for t in TERMS),
)


def _index(columns: Iterable[Column]) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for col in columns:
        if col.name in out:
            raise SchemaError(f"sim/runs/schema.py: column {col.name!r} is defined twice; a name "
                              "has one meaning, unit and dtype in every file")
        if col.dtype not in DTYPES:
            raise SchemaError(f"sim/runs/schema.py: column {col.name!r}: bad dtype {col.dtype!r}; "
                              f"allowed: {', '.join(DTYPES)}")
        out[col.name] = col
    return out


#: Columns with a fixed name.
COLUMNS: dict[str, Column] = _index(_FIXED)

#: Columns that identify rows, on which tables are joined: in a run folder trajectories and
#: drivers share (replicate, step, source, target), actions and events (replicate, step,
#: date), and actors.id is the id in source, target and actor; in a sweep, the tables share
#: (scenario, point, replicate).
KEYS: tuple[str, ...] = ("scenario", "point", "replicate", "step", "date", "source",
                         "target", "actor", "id")

#: Per-run metrics: the columns `sim.runs.metrics.run_metrics` writes besides its keys; in a
#: sweep's analysis table each appears as ``m_`` + name.
RUN_METRICS: tuple[str, ...] = (
    "bloc_cohesion_end", "bloc_cohesion_mean", "polarisation_end", "mean_abs_alignment_end",
    "two_bloc_split_end", "bloc_gap_end", *(f"n_{a}" for a in COUNTED_DYADIC),
    *(f"n_theatre_{a}" for a in COUNTED_THEATRE), "n_events")

#: What one row of each file is: stored as the file's ``description`` metadata.
TABLES: dict[str, str] = {
    "run/trajectories": "one row per replicate, month (step) and ordered pair of actors: "
                        "alignment and distrust at the end of that month",
    "run/drivers": "one row per replicate, month and ordered pair of actors: each term of the "
                   "change of a[source, target] from from_date to to_date",
    "run/actions": "one row per action that is not a default (maintain, support): replicate, "
                   "month, who, towards whom or where, what",
    "run/events": "one row per event that fired, per replicate and month",
    "run/actors": "one row per actor of the run, in roster order: ids, names and the "
                  "parameters the run used",
    "sweep/points": "one row per design point: the value of every varied parameter",
    "sweep/analysis": "one row per run of the sweep (scenario, point, replicate): its "
                      "parameters (p_) and per-run metrics (m_) side by side",
    "sweep/runs": "one row per run of one task: per-run metrics (a part, until compaction)",
    "sweep/dyads": "one row per run and ordered pair of actors: per-dyad metrics",
    "sweep/trajectories": "one row per run, month and kept dyad: alignment at the end of "
                          "that month",
}

_AT = re.compile(r"at_([0-9]+)")


def sql_name(name: str) -> str:
    """A name as a plain SQL identifier: lowercase, every run of other characters one ``_``.

    Why: parameter names such as ``dynamics.sanctions_value`` or ``domestic_balance.IRN``
    need quoting in SQL and clash with polars' struct syntax; ``dynamics_sanctions_value``
    does not.
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def parameter_column(parameter: str) -> Column:
    """The analysis-table column of an experiment parameter (sim/inputs/experiment.py).

    Unit and meaning follow from the parameter's kind; the parameter's own name is kept in
    the field metadata (``parameter``) so that readers can give it back.
    """
    from sim.dynamics.params import RANGES
    from sim.inputs.roster import ActorParams

    parts = parameter.split(".")
    kind = parts[0]
    unit, what = "", ""
    if kind == "dynamics" and len(parts) == 2:
        name = parts[1]
        unit = "months" if name.endswith("half_life") else "model units (sim/data/dynamics.toml)"
        lo_hi = RANGES.get(name)
        what = (f"the dynamics rate {name} (sim/data/dynamics.toml)"
                + (f", allowed {lo_hi[0]} to {lo_hi[1]}" if lo_hi else ""))
    elif kind == "actor" and len(parts) == 3:
        field = ActorParams.model_fields.get(parts[2])
        unit = "logit precision, 0 to 50" if parts[2] == "rationality" else "index, 0 to 1"
        what = f"{parts[1]}'s {parts[2]}" + (f" ({field.description})" if field else "")
    elif kind == "domestic_balance" and len(parts) == 2:
        unit, what = "share, 0 to 1", f"the weight of {parts[1]}'s hardline faction at the start"
    elif kind == "dyad" and len(parts) == 4:
        unit = _ALIGN if parts[3] == "alignment" else "index, 0 to 1"
        what = f"the initial {parts[3]} of {parts[1]} towards {parts[2]}"
    elif kind == "dummy":
        unit, what = "none (control)", "a control sampled but used by nothing"
    if not unit:
        raise SchemaError(f"parameter {parameter!r}: not a parameter name sim/inputs/experiment.py "
                          "knows; allowed: dynamics.NAME, actor.ID.PARAM, "
                          "domestic_balance.ID, dyad.SRC.TGT.FIELD, dummy.NAME")
    return Column(f"p_{sql_name(parameter)}", "float64", unit,
                  f"design value of the experiment parameter {parameter}: {what}",
                  extra=(("parameter", parameter),))


def column(name: str, extra: Mapping[str, Column] | None = None) -> Column:
    """The definition of column ``name``: a fixed one, ``at_<t>``, ``m_<metric>``, or one
    of ``extra`` (parameter columns, built by `parameter_column`)."""
    if extra and name in extra:
        return extra[name]
    if name in COLUMNS:
        return COLUMNS[name]
    if m := _AT.fullmatch(name):
        return Column(name, "float64", _ALIGN,
                      f"alignment of source towards target in month {int(m.group(1))}, "
                      "after that many monthly changes (the run's last month when the run "
                      "is shorter)")
    if name.startswith("m_") and name[2:] in RUN_METRICS:
        base = COLUMNS[name[2:]]
        return Column(name, base.dtype, base.unit, f"per-run metric {base.name}: "
                      f"{base.description}", extra=(("metric", base.name),))
    raise SchemaError(f"column {name!r} has no definition in sim/runs/schema.py (fixed names: "
                      f"{', '.join(COLUMNS)}; patterns: at_<months>, m_<run metric>, "
                      "p_<parameter>)")


def _family(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_null(t):
        return "null"
    return str(t)


def _allowed(found: str, wanted: str) -> bool:
    """Conversions that keep the meaning: within a family, integer to float, float to
    integer (exact values only, checked by the cast), and an all-null column to anything."""
    return (found == wanted or found == "null" or (found, wanted) in
            {("int", "float"), ("float", "int")})


def _as_arrow(values: pd.Series, col: Column, file: str) -> pa.Array:
    arr = pa.Array.from_pandas(values)
    if pa.types.is_dictionary(arr.type):  # a pandas categorical: store the plain values
        arr = arr.dictionary_decode()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    want = col.arrow_type
    found, wanted = _family(arr.type), _family(want)
    if not _allowed(found, wanted):
        raise SchemaError(f"{file}: column {col.name!r}: bad dtype {arr.type}; allowed: "
                          f"{col.dtype} (sim/runs/schema.py)")
    try:
        out = arr.cast(want, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"{file}: column {col.name!r}: bad value for {col.dtype}: {exc}; "
                          f"allowed: values {col.dtype} holds exactly "
                          "(sim/runs/schema.py)") from None
    if col.dtype == "float32" and found == "float":
        overflow = pc.sum(pc.and_(pc.is_inf(out), pc.invert(pc.is_inf(arr)))).as_py() or 0
        if overflow:
            raise SchemaError(f"{file}: column {col.name!r}: {overflow} value(s) too large "
                              f"for float32; allowed: |x| < {np.finfo(np.float32).max:.3g}")
    return out


def arrow_table(frame: pd.DataFrame, file: str, table: str,
                extra: Iterable[Column] = ()) -> pa.Table:
    """``frame`` as an Arrow table in the dtypes of this module, with descriptions and units.

    ``file`` names the file in error messages; ``table`` (a key of `TABLES`) says what one
    row of it is, stored as the table's ``description`` metadata. Raises `SchemaError`
    naming the file, the column and what is allowed if a column is undefined or cannot be
    stored exactly.
    """
    if table not in TABLES:
        raise SchemaError(f"{file}: bad table kind {table!r}; allowed: {', '.join(TABLES)}")
    description = TABLES[table]
    defs = {c.name: c for c in extra}
    if len(set(frame.columns)) != len(frame.columns):
        dup = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
        raise SchemaError(f"{file}: column(s) {dup} appear twice; allowed: each once")
    fields, arrays = [], []
    for name in frame.columns:
        try:
            col = column(str(name), defs)
        except SchemaError as exc:
            raise SchemaError(f"{file}: {exc}") from None
        arrays.append(_as_arrow(frame[name], col, file))
        fields.append(col.field())
    schema = pa.schema(fields, metadata={b"table": table.encode(),
                                         b"description": description.encode(),
                                         b"schema": b"sim/runs/schema.py"})
    return pa.Table.from_arrays(arrays, schema=schema)


def empty_frame(names: Iterable[str]) -> pd.DataFrame:
    """A frame with no rows and these columns, each in its dtype: what a reader gets for a
    table nobody wrote (a sweep that kept no trajectories), so that code selecting its
    columns still works."""
    fields = [column(n).field() for n in names]
    return pa.schema(fields).empty_table().to_pandas()
