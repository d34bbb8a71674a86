"""Validate fact rows a whole column at a time: the rules of schemas/sources.py, at COPY speed.

A chunk of text columns goes in; out come the valid rows as canonical text ready for COPY
into raw (PostgreSQL does the final typing), the rejected rows with every reason that
applies, and the control totals of each (org, month) slice. Duplicate assignments are found
across chunks with a set of keys already seen.

Rules run over a column's distinct values, not over its rows. A large trust's year holds
millions of activity rows but a few dozen months, PODs and specialties, so a rule costs
about the same for a thousand rows as for a million; its verdict reaches the rows through
each row's code (the position of its value among the distinct ones). Rules that read several
columns run over the distinct combinations of those columns.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas import sources as contract
from tasks.ingest.column_rules import (
    fits_column,
    money,
    org_codes,
    periods,
    required,
    whole_numbers,
)
from tasks.ingest.columns import (
    TEXT,
    Column,
    ColumnChunk,
    Quoted,
    Reasons,
    aligned,
    as_arrow,
    as_decimal,
    decimal_where,
    may_hold,
    null_if_blank,
    raw_row_json,
)

# Columns of each raw table after load_id, in table order.
RAW_COLUMNS = {
    "ledger": ["line_number", "org_code", "period", "cost_centre", "subjective_code", "amount",
               "description"],
    "workforce": ["line_number", "org_code", "period", "assignment_key", "cost_centre",
                  "staff_group", "pay_band", "assignment_category", "contracted_wte",
                  "sickness_fte_days"],
    "activity": ["line_number", "org_code", "period", "pod", "treatment_function_code",
                 "hrg_code", "attendance_status", "los_days", "preop_days", "count"],
}
# The decimal places of raw's decimal columns (numeric(18,2), (8,4), (10,2)): COPY rounds each
# value to them, half away from zero, and whatever adds values up must round them first.
RAW_SCALE = {"amount": 2, "contracted_wte": 4, "sickness_fte_days": 2}
# What the data-quality reconciliation adds up per slice, and the scale COPY rounds it to.
CONTROL_MEASURE = {source: (measure, RAW_SCALE.get(measure, 0)) for source, measure in
                   (("ledger", "amount"), ("workforce", "contracted_wte"), ("activity", "count"))}


@dataclass
class ValidationContext:
    declared_months: frozenset[date] | None = None
    assignment_key: bytes = b""
    seen_assignments: set[str] = field(default_factory=set)


@dataclass
class Validated:
    table: pa.Table           # RAW_COLUMNS of the source, canonical text (coded), nulls as null
    rejects: pd.DataFrame     # line_number, raw_row (JSON text), reason
    control: pd.DataFrame     # org_code, period, rows_loaded, control_total
    measure: pa.Array         # per row of `table`: CONTROL_MEASURE's column as raw stores it

    @property
    def rows(self) -> pd.DataFrame:
        """The valid rows as a DataFrame (the loader COPYs `table` itself)."""
        decoded = {name: column.cast(column.type.value_type) if pa.types.is_dictionary(column.type)
                   else column for name, column in zip(self.table.column_names, self.table.columns)}
        return pa.table(decoded).to_pandas(types_mapper=pd.ArrowDtype)


# --- sources -------------------------------------------------------------------------------

def _ledger(chunk: ColumnChunk, reasons: Reasons, context: ValidationContext) -> dict[str, Column]:
    return {
        "org_code": org_codes(chunk, reasons),
        "period": periods(chunk, reasons, context.declared_months),
        "cost_centre": required(chunk, "cost_centre", reasons),
        "subjective_code": required(chunk, "subjective_code", reasons),
        "amount": money(chunk.text("amount"), reasons),
        "description": chunk.text("description").map(null_if_blank),
    }


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Keyed hash of an identifier: stable for one key, useless without it."""
    hashed = [None if v is None else hmac.digest(key, v.encode(), hashlib.sha256).hex()[:32]
              for v in as_arrow(values).to_pylist()]
    return pd.Series(pd.array(hashed, dtype=TEXT), index=values.index)


def _duplicates(org: Column, period: Column, key: Column, context: ValidationContext,
                eligible: np.ndarray) -> np.ndarray:
    """Per row: the assignment already appeared for its org and month, in this chunk or before.

    The first eligible occurrence stands; later ones are the duplicates. A row failed by another
    rule is not eligible: it is quarantined anyway, and must not make a later good row of the
    same assignment (its correction, say) a duplicate."""
    org, period, key = aligned(org, period, key)
    slice_key = org.values + "|" + period.values.fillna("") + "|" + key.values.fillna("")
    usable = (org.values.ne("") & period.values.notna() & key.values.notna()).to_numpy(dtype=bool)
    # Combinations differing only in spelling ("rxa", "RXA") share a key: compare the keys.
    same, distinct = pd.factorize(slice_key)
    keys = as_arrow(pd.Series(distinct)).to_pylist()
    seen = context.seen_assignments
    seen_before = np.fromiter((k in seen for k in keys), dtype=bool, count=len(keys))
    per_row = same[org.codes]
    candidates = np.flatnonzero(usable[org.codes] & eligible)
    claimed = per_row[candidates]
    duplicate = np.zeros(len(per_row), dtype=bool)
    duplicate[candidates] = pd.Series(claimed).duplicated().to_numpy() | seen_before[claimed]
    seen.update(keys[i] for i in pd.unique(claimed))
    return duplicate


def _workforce(chunk: ColumnChunk, reasons: Reasons, context: ValidationContext) -> dict[str, Column]:
    org = org_codes(chunk, reasons)
    period = periods(chunk, reasons, context.declared_months)
    assignment = required(chunk, "assignment_number", reasons)
    key = assignment.map(lambda v: pseudonymise(null_if_blank(v), context.assignment_key))

    categories = {c.casefold(): c for c in contract.ASSIGNMENT_CATEGORIES}
    category_text = chunk.text("assignment_category")
    category = category_text.map(lambda v: v.str.casefold().map(categories).astype(TEXT))
    reasons.add(category_text.map(lambda v: v == ""), "assignment_category is missing")
    reasons.add(category_text.map(lambda v: (v != "") & category.values.isna()),
                "assignment_category ", Quoted(category_text),
                " is not " + ", ".join(contract.ASSIGNMENT_CATEGORIES))

    wte_text = chunk.text("contracted_wte")
    values = wte_text.values
    is_decimal = values.str.fullmatch(contract.DECIMAL).fillna(False)
    reasons.add(wte_text.map(lambda v: v == ""), "contracted_wte is missing")
    reasons.add(wte_text.map(lambda v: (v != "") & ~is_decimal), "contracted_wte ",
                Quoted(wte_text), " is not a number")
    is_decimal &= fits_column(wte_text, "contracted_wte", reasons, is_decimal)
    wte = pd.Series(decimal_where(values, is_decimal).to_pandas(), index=values.index)
    out_of_range = is_decimal & ((wte <= 0) | (wte > contract.MAX_WTE))
    reasons.add(wte_text.map(lambda _: out_of_range), "contracted_wte ", wte_text,
                f" is outside 0 < WTE <= {contract.MAX_WTE}")

    sick_text = chunk.text("sickness_fte_days")
    sick_decimal = sick_text.values.str.fullmatch(contract.DECIMAL).fillna(False)
    reasons.add(sick_text.map(lambda v: (v != "") & ~sick_decimal),
                "sickness_fte_days ", Quoted(sick_text), " is not a number")
    reasons.add(sick_text.map(lambda v: sick_decimal & v.str.startswith("-")),
                "sickness_fte_days ", sick_text, " is negative")
    sick_decimal &= fits_column(sick_text, "sickness_fte_days", reasons, sick_decimal)

    cost_centre = required(chunk, "cost_centre", reasons)
    # Last, so that only a row every other rule passed claims its assignment for the month.
    reasons.add(_duplicates(org, period, key, context, eligible=~reasons.failed(chunk.rows)),
                "duplicate assignment_number for ", org, " ", period.map(lambda v: v.str.slice(0, 7)))

    return {
        "org_code": org, "period": period, "assignment_key": key,
        "cost_centre": cost_centre,
        "staff_group": chunk.text("staff_group").map(null_if_blank),
        "pay_band": chunk.text("pay_band").map(null_if_blank),
        "assignment_category": category,
        "contracted_wte": wte_text.map(lambda v: v.where(is_decimal)),
        "sickness_fte_days": sick_text.map(lambda v: null_if_blank(v).where(sick_decimal)),
    }


def _activity(chunk: ColumnChunk, reasons: Reasons, context: ValidationContext) -> dict[str, Column]:
    pod_text = chunk.text("pod").map(lambda v: v.str.upper())
    reasons.add(pod_text.map(lambda v: v == ""), "pod is missing")
    reasons.add(pod_text.map(lambda v: (v != "") & ~v.isin(contract.PODS)),
                "pod ", Quoted(pod_text), f" is not a point of delivery ({', '.join(contract.PODS)})")

    tfc = chunk.text("treatment_function_code")
    reasons.add(tfc.map(lambda v: v == ""), "treatment_function_code is missing")
    reasons.add(tfc.map(lambda v: (v != "") & ~v.str.fullmatch(contract.TREATMENT_FUNCTION).fillna(False)),
                "treatment_function_code ", Quoted(tfc), " is not 3 digits")

    hrg = chunk.text("hrg_code").map(lambda v: v.str.upper())
    reasons.add(pod_text.map(lambda v: v.isin(contract.ADMITTED_PODS)).holds()
                & hrg.map(lambda v: v == "").holds(),
                "hrg_code is required for admitted care (", pod_text, ")")

    status_text = chunk.text("attendance_status").map(lambda v: v.str.lower())
    reasons.add(status_text.map(lambda v: (v != "") & ~v.isin(contract.ATTENDANCE_STATUSES)),
                "attendance_status ", Quoted(status_text),
                f" is not {', '.join(contract.ATTENDANCE_STATUSES)} or blank")

    return {
        "org_code": org_codes(chunk, reasons),
        "period": periods(chunk, reasons, context.declared_months),
        "pod": pod_text,
        "treatment_function_code": tfc,
        "hrg_code": hrg.map(null_if_blank),
        "attendance_status": status_text.map(null_if_blank),
        "los_days": whole_numbers(chunk.text("los_days"), "los_days", reasons, minimum=0),
        "preop_days": whole_numbers(chunk.text("preop_days"), "preop_days", reasons, minimum=0),
        "count": whole_numbers(chunk.text("count"), "count", reasons, minimum=1, default=1),
    }


def _storable_text(chunk: ColumnChunk, reasons: Reasons) -> None:
    """Text the database cannot store fails its row, whatever the column (contract.UNSTORABLE_TEXT)."""
    anywhere = "".join(contract.UNSTORABLE_TEXT)
    for name in chunk.table.column_names:
        if name == "line_number":
            continue
        # Settled over the column's values as Arrow holds them: nearly always nothing is found.
        parts = [part.dictionary if pa.types.is_dictionary(part.type) else part
                 for part in chunk.table[name].chunks]
        if not any(may_hold(part, anywhere) for part in parts):
            continue
        for char, problem in contract.UNSTORABLE_TEXT.items():
            reasons.add(chunk.text(name).map(lambda v, c=char: v.str.contains(c, regex=False)),
                        f"{name} {problem}")


_VALIDATORS = {"ledger": _ledger, "workforce": _workforce, "activity": _activity}


def _raw_rows(table: pa.Table, rejected: np.ndarray, source: str,
              typed: dict[str, Column]) -> list[str]:
    """The rejected rows' contract columns as JSON; the assignment number only as its hash."""
    columns = [c for c in table.column_names if c != "line_number"]
    shown = table.select(columns).take(pa.array(rejected)).to_pylist()
    if source == "workforce" and "assignment_number" in columns:
        keys = typed["assignment_key"].at(rejected).astype(object)
        shown = [{("assignment_key" if k == "assignment_number" else k):
                  (None if pd.isna(hashed) else hashed) if k == "assignment_number" else v
                  for k, v in row.items()} for row, hashed in zip(shown, keys)]
    return [raw_row_json(row) for row in shown]


def control_totals(source: str, typed: dict[str, Column], kept: np.ndarray,
                   rows: pa.Table) -> tuple[pd.DataFrame, pa.Array]:
    """Rows and the source's measure per (org, month), as COPY will store them; and the
    measure of each row, rounded as COPY will store it."""
    measure, scale = CONTROL_MEASURE[source]
    column = typed[measure]
    used = np.zeros(len(column.values), dtype=bool)
    used[column.codes[kept]] = True     # values only rejected rows hold need not be numbers
    values = as_decimal(column.values.where(used, "0"))
    rounded = pc.round(values, ndigits=scale, round_mode="half_towards_infinity")
    per_row = rounded.take(pa.array(column.codes[kept]))
    # Decoded: two spellings of one code ("rxa", "RXA") are two entries of the dictionary.
    totals = pa.table({"org_code": rows["org_code"].cast(pa.string()),
                       "period": rows["period"].cast(pa.string()), "value": per_row})
    grouped = totals.group_by(["org_code", "period"]).aggregate([("value", "count"), ("value", "sum")])
    frame = grouped.to_pandas().rename(columns={"value_count": "rows_loaded", "value_sum": "control_total"})
    return frame[["org_code", "period", "rows_loaded", "control_total"]].sort_values(
        ["org_code", "period"], ignore_index=True), per_row


def validate_chunk(source: str, frame: pa.Table | pd.DataFrame, context: ValidationContext) -> Validated:
    """Validate a chunk of text columns (plus line_number), as an Arrow table or a DataFrame."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    chunk = ColumnChunk(table)
    reasons = Reasons()
    _storable_text(chunk, reasons)
    typed = _VALIDATORS[source](chunk, reasons, context)
    failed = reasons.joined()
    rejected = failed.index.to_numpy(dtype=np.intp)
    keep = np.ones(chunk.rows, dtype=bool)
    keep[rejected] = False
    kept = np.flatnonzero(keep)
    lines = np.asarray(table["line_number"].to_numpy(), dtype=np.int64)
    rows = pa.table({"line_number": pa.array(lines[kept]),
                     **{c: typed[c].arrow(kept) for c in RAW_COLUMNS[source][1:]}})
    rejects = pd.DataFrame({
        "line_number": pd.array(lines[rejected], dtype="int64"),
        "raw_row": pd.Series(_raw_rows(table, rejected, source, typed), dtype=object),
        "reason": pd.Series(failed.to_numpy(), dtype=object),
    })
    control, measure = control_totals(source, typed, kept, rows)
    return Validated(table=rows, rejects=rejects, control=control, measure=measure)
