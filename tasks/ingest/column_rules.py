"""The rules every fact source shares (months, org codes, required values, money, whole
numbers, values that fit their columns), each run over a column's distinct values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from schemas import sources as contract
from tasks.ingest.columns import (
    TEXT,
    Column,
    ColumnChunk,
    Quoted,
    Reasons,
    aligned,
    as_number,
)


def fits_column(column: Column, name: str, reasons: Reasons, checked: pd.Series) -> pd.Series:
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


def whole_numbers(values: Column, column: str, reasons: Reasons, *, minimum: int,
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


def month_start(year: pd.Series, month: pd.Series) -> pd.Series:
    """YYYY-MM-01 text from numeric year and month; <NA> where either is missing."""
    text = year.astype("Int64").astype(TEXT) + "-" + month.astype("Int64").astype(TEXT).str.pad(2, fillchar="0")
    return (text + "-01").where(year.notna() & month.notna())


def in_range(months: pd.Series, on: Callable[[pd.Series], Column], reasons: Reasons) -> pd.Series:
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


def periods(chunk: ColumnChunk, reasons: Reasons, declared: frozenset[date] | None) -> Column:
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
    result = month_start(year, month)
    reasons.add(on((text != "") & result.isna()), "period ", Quoted(period), " is not a month YYYY-MM")
    result = in_range(result, on, reasons)

    missing = text == ""
    if has_financial:
        fy, fp = fy_column.values, fp_column.values
        fy_parts = fy.str.extract(f"^{contract.FINANCIAL_YEAR}$")
        start, end = (as_number(fy_parts[i]) for i in (0, 1))
        start = start.where((start + 1) % 100 == end)
        fin_month = as_number(fp.where(fp.str.fullmatch(contract.WHOLE_NUMBER).fillna(False)))
        fin_month = fin_month.where(fin_month.between(1, 12))
        from_financial = month_start(start + (fin_month > 9), (fin_month + 2) % 12 + 1)
        reasons.add(on(missing & (fy != "") & start.isna()),
                    "financial_year ", Quoted(fy_column), " is not like 2024/25")
        reasons.add(on(missing & (fp != "") & fin_month.isna()),
                    "financial_period ", Quoted(fp_column), " is not 1..12")
        reasons.add(on(missing & ((fy == "") | (fp == ""))), "period is missing")
        result = result.mask(missing, in_range(from_financial, on, reasons))
    else:
        reasons.add(on(missing), "period is missing")

    if declared:
        allowed = sorted(m.isoformat() for m in declared)
        outside = result.notna() & ~result.isin(allowed)
        span = allowed[0][:7] if len(allowed) == 1 else f"{allowed[0][:7]} to {allowed[-1][:7]}"
        reasons.add(on(outside), "period ", on(result.str.slice(0, 7)),
                    f" is outside the months this file declares ({span})")
    return on(result)


def org_codes(chunk: ColumnChunk, reasons: Reasons) -> Column:
    org = chunk.text("org_code").map(lambda v: v.str.upper())
    reasons.add(org.map(lambda v: v == ""), "org_code is missing")
    reasons.add(org.map(lambda v: (v != "") & ~v.str.fullmatch(contract.ORG_CODE).fillna(False)),
                "org_code ", Quoted(org), " is not an ODS code")
    return org


def required(chunk: ColumnChunk, column: str, reasons: Reasons) -> Column:
    values = chunk.text(column)
    reasons.add(values.map(lambda v: v == ""), f"{column} is missing")
    return values


# A sum with at most a minus sign and a pound sign before its digits, thousands commas (if
# any) in threes: how most ledgers spell money. Such text is canonical once the £ and the
# commas are gone.
PLAIN_MONEY = r"(?:-£?|£-?)?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)"


def money(amount: Column, reasons: Reasons) -> Column:
    """£1,234.50, (1,234.50) and -1234.5 as plain decimal text."""
    values = amount.values
    # Amounts are nearly all distinct, so this rule meets every row: plain spellings take
    # two literal replacements, and only the rest (brackets, spaces, errors) the full rule.
    plain = values.str.fullmatch(PLAIN_MONEY).fillna(False)
    canonical = values.str.replace("£", "", regex=False).str.replace(",", "", regex=False).where(plain)
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
    fits = fits_column(amount.map(lambda _: canonical), "amount", reasons, well_formed)
    return amount.map(lambda _: canonical.where(fits))
