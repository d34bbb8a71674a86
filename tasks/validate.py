"""Validate fact rows a whole column at a time: the rules of schemas/sources.py, at COPY speed.

A chunk of text columns goes in; out come the valid rows as canonical text ready for COPY
into raw (PostgreSQL does the final typing) and the rejected rows with every reason that
applies. Duplicate assignments are found across chunks with a set of keys already seen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas import sources as contract

TEXT = pd.ArrowDtype(pa.string())

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
    rows: pd.DataFrame        # RAW_COLUMNS of the source, canonical text, nulls as <NA>
    rejects: pd.DataFrame     # line_number, raw_row (JSON text), reason
    control: pd.DataFrame     # org_code, period, rows_loaded, control_total


class _Quoted(NamedTuple):
    """A column to show, quoted and cut short, in a rejection message."""

    values: pd.Series


class _Reasons:
    """Collects failure messages per row; a row may fail several rules."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.found: list[pd.Series] = []

    def add(self, failed: pd.Series, *message: str | pd.Series | _Quoted) -> None:
        """Record a message, built from text and column parts, for the rows that failed."""
        failed = failed.fillna(True).astype(bool).to_numpy()
        if not failed.any():
            return
        # Messages are built for the failed rows only: a valid file pays nothing for them.
        text = pd.Series("", index=self.index[failed], dtype=object)
        for part in message:
            if isinstance(part, _Quoted):
                text = text + [f"'{v[:40]}'" for v in part.values[failed].astype(object).fillna("")]
            elif isinstance(part, pd.Series):
                text = text + part[failed].astype(object).fillna("").to_numpy()
            else:
                text = text + part
        self.found.append(text)

    def joined(self) -> pd.Series:
        if not self.found:
            return pd.Series([], dtype=object)
        every = pd.concat(self.found)
        return every.groupby(level=0, sort=True).agg("; ".join)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame:
        return frame[column].astype(TEXT).fillna("").str.strip()
    return pd.Series("", index=frame.index, dtype=TEXT)


def _number(values: pd.Series) -> pd.Series:
    """Text as nullable floats (NA where it is not a number), for range checks and arithmetic."""
    numeric = values.str.fullmatch(contract.DECIMAL).fillna(False)
    return values.where(numeric).astype("float64[pyarrow]").astype("Float64")


def _null_if_blank(values: pd.Series) -> pd.Series:
    return values.mask(values == "")


def _decimal(values: pd.Series, ok: pd.Series) -> pa.Array:
    """Text known to be decimal (where ok) as decimal128; other rows read as 0."""
    safe = values.where(ok.fillna(False).astype(bool), "0").astype(TEXT)
    return pc.cast(pa.array(safe.array), pa.decimal128(38, 6))


def _whole_numbers(values: pd.Series, column: str, reasons: _Reasons, *, minimum: int,
                   default: int | None = None) -> pd.Series:
    blank = values == ""
    whole = values.str.fullmatch(contract.WHOLE_NUMBER).fillna(False)
    reasons.add(~blank & ~whole, f"{column} ", _Quoted(values), " is not a whole number")
    number = _number(values.where(whole))
    reasons.add(whole & (number < minimum), f"{column} ", _Quoted(values), f" is below {minimum}")
    if default is not None:
        number = number.where(~blank, default)
    return number.astype("Int64").astype(TEXT)


def _month_start(year: pd.Series, month: pd.Series) -> pd.Series:
    """YYYY-MM-01 text from numeric year and month; <NA> where either is missing."""
    text = year.astype("Int64").astype(TEXT) + "-" + month.astype("Int64").astype(TEXT).str.pad(2, fillchar="0")
    return (text + "-01").where(year.notna() & month.notna())


def _periods(frame: pd.DataFrame, reasons: _Reasons, declared: frozenset[date] | None) -> pd.Series:
    """Canonical YYYY-MM-01 text from `period`, or from financial year and period."""
    text = _text(frame, "period")
    plain = text.str.fullmatch(r"\d{4}-\d{2}").fillna(False)
    year, month = _number(text.str.slice(0, 4).where(plain)), _number(text.str.slice(5, 7).where(plain))
    other = (text != "") & ~plain
    if other.any():  # rarer spellings: dates, YYYY/MM, single-digit months
        parts = text.where(other).str.extract(f"^{contract.PERIOD}$")
        year = year.where(plain, _number(parts[0]))
        month = month.where(plain, _number(parts[1]))
    month = month.where(month.between(1, 12))
    result = _month_start(year, month)
    reasons.add((text != "") & result.isna(), "period ", _Quoted(text), " is not a month YYYY-MM")

    missing = text == ""
    if "financial_year" in frame:
        fy, fp = _text(frame, "financial_year"), _text(frame, "financial_period")
        fy_parts = fy.str.extract(f"^{contract.FINANCIAL_YEAR}$")
        start, end = (_number(fy_parts[i]) for i in (0, 1))
        start = start.where((start + 1) % 100 == end)
        fin_month = _number(fp.where(fp.str.fullmatch(contract.WHOLE_NUMBER).fillna(False)))
        fin_month = fin_month.where(fin_month.between(1, 12))
        from_financial = _month_start(start + (fin_month > 9), (fin_month + 2) % 12 + 1)
        reasons.add(missing & (fy != "") & start.isna(),
                    "financial_year ", _Quoted(fy), " is not like 2024/25")
        reasons.add(missing & (fp != "") & fin_month.isna(),
                    "financial_period ", _Quoted(fp), " is not 1..12")
        reasons.add(missing & ((fy == "") | (fp == "")), "period is missing")
        result = result.mask(missing, from_financial)
    else:
        reasons.add(missing, "period is missing")

    if declared:
        allowed = sorted(m.isoformat() for m in declared)
        outside = result.notna() & ~result.isin(allowed)
        span = allowed[0][:7] if len(allowed) == 1 else f"{allowed[0][:7]} to {allowed[-1][:7]}"
        reasons.add(outside, "period ", result.str.slice(0, 7),
                    f" is outside the months this file declares ({span})")
    return result


def _org_codes(frame: pd.DataFrame, reasons: _Reasons) -> pd.Series:
    org = _text(frame, "org_code").str.upper()
    reasons.add(org == "", "org_code is missing")
    reasons.add((org != "") & ~org.str.fullmatch(contract.ORG_CODE).fillna(False),
                "org_code ", _Quoted(org), " is not an ODS code")
    return org


def _required(frame: pd.DataFrame, column: str, reasons: _Reasons) -> pd.Series:
    values = _text(frame, column)
    reasons.add(values == "", f"{column} is missing")
    return values


def _money(values: pd.Series, reasons: _Reasons) -> pd.Series:
    """£1,234.50, (1,234.50) and -1234.5 as plain decimal text."""
    bracketed = values.str.startswith("(") & values.str.endswith(")")
    bare = values.str.replace(r"[£,\s()]", "", regex=True)
    negative = bracketed | bare.str.startswith("-")
    digits = bare.str.lstrip("-")
    well_formed = (
        values.str.fullmatch(contract.MONEY).fillna(False)
        & (values.str.count(r"\(") == values.str.count(r"\)"))
        & (bracketed.astype(int) + values.str.count("-") <= 1)
        & digits.str.fullmatch(r"\d+(\.\d*)?|\.\d+").fillna(False)
    )
    reasons.add(values == "", "amount is missing")
    reasons.add((values != "") & ~well_formed, "amount ", _Quoted(values), " is not a sum of money")
    return (negative.map({True: "-", False: ""}).astype(TEXT) + digits).where(well_formed)


def _ledger(frame: pd.DataFrame, reasons: _Reasons, context: ValidationContext) -> pd.DataFrame:
    return pd.DataFrame({
        "org_code": _org_codes(frame, reasons),
        "period": _periods(frame, reasons, context.declared_months),
        "cost_centre": _required(frame, "cost_centre", reasons),
        "subjective_code": _required(frame, "subjective_code", reasons),
        "amount": _money(_text(frame, "amount"), reasons),
        "description": _null_if_blank(_text(frame, "description")),
    })


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Keyed hash of an identifier: stable for one key, useless without it."""
    unique = values.dropna().unique()
    hashed = {v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32] for v in unique}
    return values.map(hashed).astype(TEXT)


def _workforce(frame: pd.DataFrame, reasons: _Reasons, context: ValidationContext) -> pd.DataFrame:
    org = _org_codes(frame, reasons)
    period = _periods(frame, reasons, context.declared_months)
    assignment = _required(frame, "assignment_number", reasons)
    key = pseudonymise(_null_if_blank(assignment), context.assignment_key)

    categories = {c.casefold(): c for c in contract.ASSIGNMENT_CATEGORIES}
    category_text = _text(frame, "assignment_category")
    category = category_text.str.casefold().map(categories).astype(TEXT)
    reasons.add(category_text == "", "assignment_category is missing")
    reasons.add((category_text != "") & category.isna(), "assignment_category ",
                _Quoted(category_text), " is not " + ", ".join(contract.ASSIGNMENT_CATEGORIES))

    wte_text = _text(frame, "contracted_wte")
    is_decimal = wte_text.str.fullmatch(contract.DECIMAL).fillna(False)
    wte = pd.Series(_decimal(wte_text, is_decimal).to_pandas(), index=frame.index)
    reasons.add(wte_text == "", "contracted_wte is missing")
    reasons.add((wte_text != "") & ~is_decimal, "contracted_wte ", _Quoted(wte_text), " is not a number")
    out_of_range = is_decimal & ((wte <= 0) | (wte > contract.MAX_WTE))
    reasons.add(out_of_range, "contracted_wte ", wte_text, f" is outside 0 < WTE <= {contract.MAX_WTE}")

    sick_text = _text(frame, "sickness_fte_days")
    sick_decimal = sick_text.str.fullmatch(contract.DECIMAL).fillna(False)
    reasons.add((sick_text != "") & ~sick_decimal,
                "sickness_fte_days ", _Quoted(sick_text), " is not a number")
    reasons.add(sick_decimal & sick_text.str.startswith("-"),
                "sickness_fte_days ", sick_text, " is negative")

    # An assignment appears once per org and month; later occurrences are the duplicates.
    slice_key = org + "|" + period.fillna("") + "|" + key.fillna("")
    usable = org.ne("") & period.notna() & key.notna()
    duplicate = usable & (slice_key.duplicated() | slice_key.isin(context.seen_assignments))
    reasons.add(duplicate, "duplicate assignment_number for ", org, " ", period.str.slice(0, 7))
    context.seen_assignments.update(slice_key[usable & ~duplicate].tolist())

    return pd.DataFrame({
        "org_code": org, "period": period, "assignment_key": key,
        "cost_centre": _required(frame, "cost_centre", reasons),
        "staff_group": _null_if_blank(_text(frame, "staff_group")),
        "pay_band": _null_if_blank(_text(frame, "pay_band")),
        "assignment_category": category,
        "contracted_wte": wte_text.where(is_decimal),
        "sickness_fte_days": _null_if_blank(sick_text).where(sick_decimal),
    })


def _activity(frame: pd.DataFrame, reasons: _Reasons, context: ValidationContext) -> pd.DataFrame:
    pod_text = _text(frame, "pod").str.upper()
    reasons.add(pod_text == "", "pod is missing")
    reasons.add((pod_text != "") & ~pod_text.isin(contract.PODS),
                "pod ", _Quoted(pod_text), f" is not a point of delivery ({', '.join(contract.PODS)})")

    tfc = _text(frame, "treatment_function_code")
    reasons.add(tfc == "", "treatment_function_code is missing")
    reasons.add((tfc != "") & ~tfc.str.fullmatch(contract.TREATMENT_FUNCTION).fillna(False),
                "treatment_function_code ", _Quoted(tfc), " is not 3 digits")

    hrg = _text(frame, "hrg_code").str.upper()
    reasons.add(pod_text.isin(contract.ADMITTED_PODS) & (hrg == ""),
                "hrg_code is required for admitted care (", pod_text, ")")

    status_text = _text(frame, "attendance_status").str.lower()
    reasons.add((status_text != "") & ~status_text.isin(contract.ATTENDANCE_STATUSES),
                "attendance_status ", _Quoted(status_text),
                f" is not {', '.join(contract.ATTENDANCE_STATUSES)} or blank")

    return pd.DataFrame({
        "org_code": _org_codes(frame, reasons),
        "period": _periods(frame, reasons, context.declared_months),
        "pod": pod_text,
        "treatment_function_code": tfc,
        "hrg_code": _null_if_blank(hrg),
        "attendance_status": _null_if_blank(status_text),
        "los_days": _whole_numbers(_text(frame, "los_days"), "los_days", reasons, minimum=0),
        "preop_days": _whole_numbers(_text(frame, "preop_days"), "preop_days", reasons, minimum=0),
        "count": _whole_numbers(_text(frame, "count"), "count", reasons, minimum=1, default=1),
    })


_VALIDATORS = {"ledger": _ledger, "workforce": _workforce, "activity": _activity}


def _raw_rows(frame: pd.DataFrame, rejected: pd.Index, source: str,
              typed: pd.DataFrame) -> pd.Series:
    """The rejected rows' contract columns as JSON; the assignment number only as its hash."""
    columns = [c for c in frame.columns if c != "line_number"]
    shown = frame.loc[rejected, columns].astype(object).where(frame.loc[rejected, columns].notna(), None)
    if source == "workforce" and "assignment_number" in shown:
        shown["assignment_number"] = typed.loc[rejected, "assignment_key"].astype(object)
        shown = shown.rename(columns={"assignment_number": "assignment_key"})
    return pd.Series([json.dumps(r, ensure_ascii=False) for r in shown.to_dict("records")],
                     index=rejected, dtype=object)


def control_totals(source: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows and the source's measure per (org, month), as COPY will store them."""
    measure, scale = CONTROL_MEASURE[source]
    values = pc.cast(pa.array(rows[measure].astype(TEXT).array), pa.decimal128(38, 6))
    rounded = pc.round(values, ndigits=scale, round_mode="half_towards_infinity")
    totals = pd.DataFrame({"org_code": rows["org_code"], "period": rows["period"],
                           "value": pd.Series(rounded.to_pandas(), index=rows.index)})
    grouped = totals.groupby(["org_code", "period"], sort=True)
    return grouped.agg(rows_loaded=("value", "size"), control_total=("value", "sum")).reset_index()


def validate_chunk(source: str, frame: pd.DataFrame, context: ValidationContext) -> Validated:
    frame = frame.reset_index(drop=True)
    reasons = _Reasons(frame.index)
    typed = _VALIDATORS[source](frame, reasons, context)
    typed.insert(0, "line_number", frame["line_number"].astype("int64"))
    failed = reasons.joined()
    bad = frame.index.isin(failed.index)
    rows = typed.loc[~bad, RAW_COLUMNS[source]].reset_index(drop=True)
    rejects = pd.DataFrame({
        "line_number": frame.loc[failed.index, "line_number"].astype("int64"),
        "raw_row": _raw_rows(frame, failed.index, source, typed),
        "reason": failed,
    }).reset_index(drop=True)
    return Validated(rows=rows, rejects=rejects, control=control_totals(source, rows))
