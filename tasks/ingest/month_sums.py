"""The month aggregates a load keeps (core.*_month, migration 0012), summed as it reads.

Each validated chunk is summed to the calculation's grain where it already is, in memory and
dictionary-coded, so a load's aggregates cost a few hundredths of a second a chunk instead of
a second pass over its raw rows in PostgreSQL (7 s for a large trust's year of activity). The
sums are what PostgreSQL would make of the same rows: every value rounded first to its raw
column's scale, as COPY rounds it, then added. sql/load/month_*.sql is the same sum over raw,
for rows written some other way (the benchmarks' generated history, tests that remove rows);
tests/test_month_aggregates.py holds the two equal.
"""

from __future__ import annotations

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from tasks.ingest.load_copy import copy_rows, copy_text
from tasks.ingest.validate import CONTROL_MEASURE, RAW_SCALE, Validated

# Per source: the grain's columns, then each measure as (aggregate column, raw column it sums,
# raw column whose rows it counts where given: a spell with a length of stay, say).
_GRAIN = {
    "ledger": ["org_code", "period", "cost_centre", "subjective_code"],
    "workforce": ["org_code", "period", "cost_centre", "staff_group"],
    "activity": ["org_code", "period", "pod", "treatment_function_code", "hrg_code",
                 "attendance_status"],
}
_MEASURES = {
    "ledger": [("amount", "amount", None), ("magnitude", "amount", None)],
    "workforce": [("wte", "contracted_wte", None), ("sickness_fte_days", "sickness_fte_days", None)],
    "activity": [("count", "count", None), ("los_days", "los_days", None),
                 ("los_count", "count", "los_days"), ("preop_days", "preop_days", None),
                 ("preop_count", "count", "preop_days")],
}


def _values(column: pa.ChunkedArray | pa.Array, scale: int | None) -> pa.Array:
    """A canonical text column as the numbers raw stores: each distinct value converted once."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    distinct, indices = ((column.dictionary, column.indices) if pa.types.is_dictionary(column.type)
                         else (column, None))
    if scale is None:
        numbers = distinct.cast(pa.int64())
    else:
        try:
            exact = distinct.cast(pa.decimal128(38, 6))
        except pa.ArrowInvalid:
            # Rare: more than six places. Truncated to six, which never moves a half-way rounding.
            exact = pc.replace_substring_regex(distinct, r"(\.\d{6})\d+$", r"\1").cast(
                pa.decimal128(38, 6))
        numbers = pc.round(exact, ndigits=scale, round_mode="half_towards_infinity")
    return numbers if indices is None else numbers.take(indices)


def _as_stored(values: pa.Array, raw: str) -> pa.Array:
    """Numbers typed as raw's column: decimals at its scale, whole numbers as integers."""
    scale = RAW_SCALE.get(raw)
    return values.cast(pa.int64() if scale is None else pa.decimal128(38, scale))


def chunk_sums(source: str, validated: Validated) -> pa.Table:
    """One validated chunk's rows summed to the grain. Its control measure comes as
    validation rounded it for the control totals; the other measures are read here."""
    rows, grain = validated.table, _GRAIN[source]
    control = CONTROL_MEASURE[source][0]
    numbers = {control: _as_stored(validated.measure, control)}

    def stored(raw: str) -> pa.Array:
        if raw not in numbers:
            numbers[raw] = _as_stored(_values(rows[raw], RAW_SCALE.get(raw)), raw)
        return numbers[raw]

    columns = {}
    for name, raw, counted_where in _MEASURES[source]:
        value = stored(raw)
        if name == "magnitude":
            value = pc.abs(value)
        if counted_where is not None:
            value = pc.if_else(pc.is_valid(stored(counted_where)), value, pa.scalar(None, value.type))
        columns[name] = value
    table = pa.table({**{key: rows[key] for key in grain}, **columns})
    summed = table.group_by(grain).aggregate([(name, "sum") for name in columns])
    # Decoded here, on the few sums: two spellings of one code ("rxa", "RXA") are two
    # entries of a chunk's dictionary, and chunks have dictionaries of their own.
    return pa.table({**{key: summed[key].cast(pa.string()) for key in grain},
                     **{name: summed[f"{name}_sum"] for name in columns}})


def file_sums(source: str, chunks: list[pa.Table]) -> pa.Table:
    """The chunks' sums added up: the file's aggregates, one row per grain."""
    if not chunks:
        return pa.table({})
    grain = _GRAIN[source]
    measures = [name for name, *_ in _MEASURES[source]]
    summed = pa.concat_tables(chunks).group_by(grain).aggregate([(m, "sum") for m in measures])
    return summed.select([*grain, *[f"{m}_sum" for m in measures]]).rename_columns(
        [*grain, *measures])


def replace_month_sums(conn: psycopg.Connection, source: str, load_id: int, sums: pa.Table,
                       held: set[tuple[str, str]]) -> None:
    """The aggregates of the slices this load holds, replaced with its sums (the slices left to
    a newer file, `held`, keep theirs). Run in the load's transaction, after its slices are its."""
    conn.execute(
        f"delete from core.{source}_month a using ops.load_slice s"
        " where s.load_id = %s and a.org_code = s.org_code and a.period = s.period", [load_id])
    if sums.num_rows == 0:
        return
    if held:
        slices = pd.Series(list(zip(sums["org_code"].to_pylist(), sums["period"].to_pylist())))
        sums = sums.filter(pa.array(~slices.isin(held).to_numpy()))
    sums = sums.append_column("load_id", pa.array([load_id] * sums.num_rows, pa.int64()))
    copy_rows(conn, f"core.{source}_month", sums.column_names, copy_text(sums), "text")
