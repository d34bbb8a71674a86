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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas import sources as contract
from tasks.ingest.columns import (
    TEXT,
    Column,
    ColumnChunk,
    Quoted,
    Reasons,
    aligned,
    as_arrow,
    as_decimal,
    as_number,
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
# What the data-quality reconciliation adds up per slice, and the scale COPY rounds it to.
CONTROL_MEASURE = {"ledger": ("amount", 2), "workforce": ("contracted_wte", 4), "activity": ("count", 0)}


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

    @property
    def rows(self) -> pd.DataFrame:
        """The valid rows as a DataFrame (the loader COPYs `table` itself)."""
        decoded = {name: column.cast(column.type.value_type) if pa.types.is_dictionary(column.type)
                   else column for name, column in zip(self.table.column_names, self.table.columns)}
        return pa.table(decoded).to_pandas(types_mapper=pd.ArrowDtype)



def _fits(column: Column, name: str, reasons: Reasons, checked: pd.Series) -> pd.Series:
    """Per distinct value: the decimal text (where `checked`) fits its database column
    (contract.NUMERIC_COLUMNS, as contract.fits_numeric rules for one value)."""
    precision, scale = contract.NUMERIC_COLUMNS[name]
    digits = precision - scale
    values = column.values.where(checked.fillna(False).astype(bool))
    longest = values.str.len().max()
    if pd.isna(longest) or longest <= digits:     # the usual case, settled at once
        return pd.Series(True, index=values.index)
    too_large = (values.str.fullmatch(rf"[-+]?0*[1-9]\d{{{digits},}}(?:\.\d*)?")
                 | values.str.fullmatch(rf"[-+]?0*9{{{digits}}}\.9{{{scale}}}[5-9]\d*")).fillna(False)
    reasons.add(column.map(lambda _: too_large), f"{name} ", Quoted(column),
                f" is too large (at most {digits} digits before the decimal point)")
    fits = ~too_large
    if name in contract.POSITIVE_COLUMNS:
        to_zero = (values.str.fullmatch(rf"[-+]?0*\.0{{{scale}}}[0-4]\d*")
                   & values.str.contains(r"[1-9]")).fillna(False)
        reasons.add(column.map(lambda _: to_zero), f"{name} ", Quoted(column),
                    f" rounds to 0 at the {scale} decimal places the database keeps")
        fits &= ~to_zero
    return fits


def _whole_numbers(values: Column, column: str, reasons: Reasons, *, minimum: int,
                   default: int | None = None) -> Column:
    text = values.values
    blank = text == ""
    whole = text.str.fullmatch(contract.WHOLE_NUMBER).fillna(False)
    reasons.add(values.map(lambda _: ~blank & ~whole), f"{column} ", Quoted(values),
                " is not a whole number")
    number = as_number(text.where(whole))
    reasons.add(values.map(lambda _: whole & (number < minimum)), f"{column} ", Quoted(values),
                f" is below {minimum}")
    too_large = whole & (number > contract.MAX_INTEGER)
    reasons.add(values.map(lambda _: too_large), f"{column} ", Quoted(values),
                f" is above {contract.MAX_INTEGER}, the largest whole number the database stores")
    number = number.where(~too_large.astype(bool))
    if default is not None:
        number = number.where(~blank, default)
    return values.map(lambda _: number.astype("Int64").astype(TEXT))


def _month_start(year: pd.Series, month: pd.Series) -> pd.Series:
    """YYYY-MM-01 text from numeric year and month; <NA> where either is missing."""
    text = year.astype("Int64").astype(TEXT) + "-" + month.astype("Int64").astype(TEXT).str.pad(2, fillchar="0")
    return (text + "-01").where(year.notna() & month.notna())


def _in_range(months: pd.Series, on: Callable[[pd.Series], Column], reasons: Reasons) -> pd.Series:
    """YYYY-MM-01 text outside FIRST_PERIOD to the current month fails (as contract.period_in_range)."""
    first, last = contract.FIRST_PERIOD, contract.last_period()
    parts = months.str.extract(r"^(\d+)-(\d+)-01$")
    index = as_number(parts[0]) * 12 + as_number(parts[1])
    early = (index < first.year * 12 + first.month).fillna(False)
    late = (index > last.year * 12 + last.month).fillna(False)
    shown = on(months.str.pad(10, fillchar="0").str.slice(0, 7))
    reasons.add(on(early), "period ", shown, f" is before {first:%Y-%m}, the earliest month accepted")
    reasons.add(on(late), "period ", shown, f" is after the current month ({last:%Y-%m})")
    return months.where(~(early | late))


def _periods(chunk: ColumnChunk, reasons: Reasons, declared: frozenset[date] | None) -> Column:
    """Canonical YYYY-MM-01 text from `period`, or from financial year and period."""
    has_financial = "financial_year" in chunk
    if has_financial:
        period, fy_column, fp_column = aligned(
            chunk.text("period"), chunk.text("financial_year"), chunk.text("financial_period"))
    else:
        period = chunk.text("period")

    def on(values: pd.Series) -> Column:
        return Column(values, period.codes)

    text = period.values
    plain = text.str.fullmatch(r"\d{4}-\d{2}").fillna(False)
    year, month = as_number(text.str.slice(0, 4).where(plain)), as_number(text.str.slice(5, 7).where(plain))
    other = (text != "") & ~plain
    if other.any():  # rarer spellings: dates, YYYY/MM, single-digit months
        parts = text.where(other).str.extract(f"^{contract.PERIOD}$")
        year = year.where(plain, as_number(parts[0]))
        month = month.where(plain, as_number(parts[1]))
    month = month.where(month.between(1, 12))
    result = _month_start(year, month)
    reasons.add(on((text != "") & result.isna()), "period ", Quoted(period), " is not a month YYYY-MM")
    result = _in_range(result, on, reasons)

    missing = text == ""
    if has_financial:
        fy, fp = fy_column.values, fp_column.values
        fy_parts = fy.str.extract(f"^{contract.FINANCIAL_YEAR}$")
        start, end = (as_number(fy_parts[i]) for i in (0, 1))
        start = start.where((start + 1) % 100 == end)
        fin_month = as_number(fp.where(fp.str.fullmatch(contract.WHOLE_NUMBER).fillna(False)))
        fin_month = fin_month.where(fin_month.between(1, 12))
        from_financial = _month_start(start + (fin_month > 9), (fin_month + 2) % 12 + 1)
        reasons.add(on(missing & (fy != "") & start.isna()),
                    "financial_year ", Quoted(fy_column), " is not like 2024/25")
        reasons.add(on(missing & (fp != "") & fin_month.isna()),
                    "financial_period ", Quoted(fp_column), " is not 1..12")
        reasons.add(on(missing & ((fy == "") | (fp == ""))), "period is missing")
        result = result.mask(missing, _in_range(from_financial, on, reasons))
    else:
        reasons.add(on(missing), "period is missing")

    if declared:
        allowed = sorted(m.isoformat() for m in declared)
        outside = result.notna() & ~result.isin(allowed)
        span = allowed[0][:7] if len(allowed) == 1 else f"{allowed[0][:7]} to {allowed[-1][:7]}"
        reasons.add(on(outside), "period ", on(result.str.slice(0, 7)),
                    f" is outside the months this file declares ({span})")
    return on(result)


def _org_codes(chunk: ColumnChunk, reasons: Reasons) -> Column:
    org = chunk.text("org_code").map(lambda v: v.str.upper())
    reasons.add(org.map(lambda v: v == ""), "org_code is missing")
    reasons.add(org.map(lambda v: (v != "") & ~v.str.fullmatch(contract.ORG_CODE).fillna(False)),
                "org_code ", Quoted(org), " is not an ODS code")
    return org


def _required(chunk: ColumnChunk, column: str, reasons: Reasons) -> Column:
    values = chunk.text(column)
    reasons.add(values.map(lambda v: v == ""), f"{column} is missing")
    return values


# A sum with at most a minus sign and a pound sign before its digits, and no thousands commas:
# how most ledgers spell money. Such text is canonical once the £ is gone.
_PLAIN_MONEY = r"(?:-£?|£-?)?(?:\d+(?:\.\d*)?|\.\d+)"


def _money(amount: Column, reasons: Reasons) -> Column:
    """£1,234.50, (1,234.50) and -1234.5 as plain decimal text."""
    values = amount.values
    # Amounts are nearly all distinct, so this rule meets every row: plain spellings take
    # two literal replacements, and only the rest (brackets, spaces, errors) the full rule.
    plain = values.str.fullmatch(_PLAIN_MONEY).fillna(False)
    canonical = values.str.replace("£", "", regex=False).where(plain)
    well_formed = plain.copy()
    rest = ~plain & (values != "")
    if rest.any():
        other = values[rest]
        bracketed = other.str.startswith("(") & other.str.endswith(")")
        bare = other.str.replace(r"[£,\s()]", "", regex=True)
        negative = bracketed | bare.str.startswith("-")
        digits = bare.str.lstrip("-")
        other_formed = (
            other.str.fullmatch(contract.MONEY).fillna(False)
            & (other.str.count(r"\(") == other.str.count(r"\)"))
            & (bracketed.astype(int) + other.str.count("-") <= 1)
            & digits.str.fullmatch(r"\d+(\.\d*)?|\.\d+").fillna(False)
        )
        well_formed[rest] = other_formed
        canonical[rest] = (negative.map({True: "-", False: ""}).astype(TEXT) + digits).where(other_formed)
    reasons.add(amount.map(lambda v: v == ""), "amount is missing")
    reasons.add(amount.map(lambda v: (v != "") & ~well_formed), "amount ", Quoted(amount),
                " is not a sum of money")
    fits = _fits(amount.map(lambda _: canonical), "amount", reasons, well_formed)
    return amount.map(lambda _: canonical.where(fits))


# --- sources -------------------------------------------------------------------------------

def _ledger(chunk: ColumnChunk, reasons: Reasons, context: ValidationContext) -> dict[str, Column]:
    return {
        "org_code": _org_codes(chunk, reasons),
        "period": _periods(chunk, reasons, context.declared_months),
        "cost_centre": _required(chunk, "cost_centre", reasons),
        "subjective_code": _required(chunk, "subjective_code", reasons),
        "amount": _money(chunk.text("amount"), reasons),
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
    org = _org_codes(chunk, reasons)
    period = _periods(chunk, reasons, context.declared_months)
    assignment = _required(chunk, "assignment_number", reasons)
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
    is_decimal &= _fits(wte_text, "contracted_wte", reasons, is_decimal)
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
    sick_decimal &= _fits(sick_text, "sickness_fte_days", reasons, sick_decimal)

    cost_centre = _required(chunk, "cost_centre", reasons)
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
        "org_code": _org_codes(chunk, reasons),
        "period": _periods(chunk, reasons, context.declared_months),
        "pod": pod_text,
        "treatment_function_code": tfc,
        "hrg_code": hrg.map(null_if_blank),
        "attendance_status": status_text.map(null_if_blank),
        "los_days": _whole_numbers(chunk.text("los_days"), "los_days", reasons, minimum=0),
        "preop_days": _whole_numbers(chunk.text("preop_days"), "preop_days", reasons, minimum=0),
        "count": _whole_numbers(chunk.text("count"), "count", reasons, minimum=1, default=1),
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
                   rows: pa.Table) -> pd.DataFrame:
    """Rows and the source's measure per (org, month), as COPY will store them."""
    measure, scale = CONTROL_MEASURE[source]
    column = typed[measure]
    used = np.zeros(len(column.values), dtype=bool)
    used[column.codes[kept]] = True     # values only rejected rows hold need not be numbers
    values = as_decimal(column.values.where(used, "0"))
    rounded = pc.round(values, ndigits=scale, round_mode="half_towards_infinity")
    # Decoded: two spellings of one code ("rxa", "RXA") are two entries of the dictionary.
    totals = pa.table({"org_code": rows["org_code"].cast(pa.string()),
                       "period": rows["period"].cast(pa.string()),
                       "value": rounded.take(pa.array(column.codes[kept]))})
    grouped = totals.group_by(["org_code", "period"]).aggregate([("value", "count"), ("value", "sum")])
    frame = grouped.to_pandas().rename(columns={"value_count": "rows_loaded", "value_sum": "control_total"})
    return frame[["org_code", "period", "rows_loaded", "control_total"]].sort_values(
        ["org_code", "period"], ignore_index=True)


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
    return Validated(table=rows, rejects=rejects, control=control_totals(source, typed, kept, rows))
