"""The source contracts of SOURCES.md as pydantic models, and the column facts derived from them.

The models are the definition of a valid row. Fact files are validated in bulk by
tasks/validate.py, which applies the same rules to whole columns at once (the patterns below
are shared); tests/test_validate.py holds the two to agreement. Reference files are small
and are validated by the models row by row.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from schemas.published_peers import (
    GROWTH_COLUMNS,
    Growth,
    Rate,
    basis_name,
    growth_in_percent,
    published_ip_cost,
)

PODS = ("EL", "DC", "NEL", "OPFA", "OPFU", "OPPROC", "AE")
ADMITTED_PODS = ("EL", "DC", "NEL")
ATTENDANCE_STATUSES = ("attended", "dna", "cancelled")
ASSIGNMENT_CATEGORIES = ("Permanent", "Fixed Term Temp", "Bank")
SUBJECTIVE_CATEGORIES = ("pay", "non_pay", "income", "excluded")
STAFF_TYPES = ("substantive", "bank", "agency")
OWNER_LEVELS = ("trust", "clinical_group", "directorate", "service")
PEER_BASES = ("base_year", "prior_year")
TIME_WINDOWS = ("month", "ytd", "quarter")
MAX_WTE = Decimal("1.5")

# The months the platform accepts: from 2000-01 (the earliest any trust's extracts reach back to)
# up to the current calendar month. Dates outside are typos, and year 0 cannot be stored at all.
FIRST_PERIOD = date(2000, 1, 1)


def last_period() -> date:
    """The latest month a row may hold: the current calendar month."""
    return date.today().replace(day=1)


# What the database columns hold (sql/migrations/0001_foundation.sql): numeric(precision, scale)
# columns, and PostgreSQL's integer. A value beyond them would fail the whole file's COPY.
NUMERIC_COLUMNS = {
    "amount": (18, 2), "contracted_wte": (8, 4), "sickness_fte_days": (10, 2),
    "unit_cost": (14, 2), "pay_index": (10, 6), "non_pay_index": (10, 6),
}
# Columns that must stay above 0 (a database check, or a rule), so a value rounding to 0 is an error.
POSITIVE_COLUMNS = frozenset({"contracted_wte", "pay_index", "non_pay_index"})
MAX_INTEGER = 2_147_483_647
# Characters a text value must not hold, and why: PostgreSQL text cannot store NUL, and U+FFFD
# stands for bytes that were not UTF-8 text (the reader replaced them).
UNSTORABLE_TEXT = {
    "\x00": "holds a NUL byte (\\x00), which the database cannot store",
    "\ufffd": "holds bytes that are not UTF-8 text",
}

# Shared by the models here and the column-wise validators in tasks/validate.py.
ORG_CODE = r"[A-Z0-9]{3,5}"
PERIOD = r"(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?(?:[ T][0-9:.]*)?"
FINANCIAL_YEAR = r"(\d{4})[-/](\d{2})"
TREATMENT_FUNCTION = r"\d{3}"
# Digits of a sum, thousands commas (if any) in groups of three: 1,234,567.50 but not 1,2,3.
MONEY_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+"
# £1,234.50 | (1,234.50) | -1234.5 | £-12 | -£12: sign or brackets, optional £, digits with commas.
MONEY = rf"(?P<open>\()?\s*(?P<sign>-)?\s*£?\s*(?P<sign2>-)?\s*(?P<digits>{MONEY_DIGITS})\s*(?P<close>\))?"
WHOLE_NUMBER = r"[-+]?\d+(?:\.0*)?"
DECIMAL = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"

def text_problems(row: dict) -> list[str]:
    """What makes a row's text unstorable, a message per column and problem."""
    return [f"{column} {problem}" for column, value in row.items() if isinstance(value, str)
            for char, problem in UNSTORABLE_TEXT.items() if char in value]


def fits_numeric(column: str, value: Decimal) -> Decimal:
    """The value, if its column stores it as it is meant (NUMERIC_COLUMNS); else ValueError."""
    precision, scale = NUMERIC_COLUMNS[column]
    digits = precision - scale
    if value.is_finite() and value != 0 and value.adjusted() >= digits:
        raise ValueError(f"{column} is too large (at most {digits} digits before the decimal point)")
    if not value.is_finite():
        raise ValueError(f"{column} is not a finite number")
    stored = value.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
    if abs(stored) >= Decimal(10) ** digits:
        raise ValueError(f"{column} is too large (at most {digits} digits before the decimal point)")
    if column in POSITIVE_COLUMNS and value != 0 and stored == 0:
        raise ValueError(f"{column} rounds to 0 at the {scale} decimal places the database keeps")
    return value


def _numeric(column: str) -> AfterValidator:
    return AfterValidator(lambda v: v if v is None else fits_numeric(column, v))


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def parse_money(value: object) -> Decimal:
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    text = str(value).strip()
    match = re.fullmatch(MONEY, text)
    if not match or bool(match["open"]) != bool(match["close"]):
        raise ValueError(f"amount {text!r} is not a sum of money")
    if sum(bool(match[g]) for g in ("open", "sign", "sign2")) > 1:
        raise ValueError(f"amount {text!r} has more than one minus sign")
    amount = Decimal(match["digits"].replace(",", ""))
    return -amount if (match["open"] or match["sign"] or match["sign2"]) else amount


def period_in_range(year: int, month: int) -> None:
    """ValueError unless the month lies from FIRST_PERIOD to the current month."""
    last = last_period()
    if (year, month) < (FIRST_PERIOD.year, FIRST_PERIOD.month):
        raise ValueError(f"period {year:04d}-{month:02d} is before {FIRST_PERIOD:%Y-%m}, "
                         "the earliest month accepted")
    if (year, month) > (last.year, last.month):
        raise ValueError(f"period {year:04d}-{month:02d} is after the current month ({last:%Y-%m})")


def parse_period(value: object) -> date:
    if isinstance(value, date):
        period_in_range(value.year, value.month)
        return value.replace(day=1)
    text = str(value).strip()
    match = re.fullmatch(PERIOD, text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"period {text!r} is not a month YYYY-MM")
    period_in_range(int(match[1]), int(match[2]))
    return date(int(match[1]), int(match[2]), 1)


def period_from_financial(financial_year: object, financial_period: object) -> date:
    match = re.fullmatch(FINANCIAL_YEAR, str(financial_year).strip())
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"financial_year {financial_year!r} is not like 2024/25")
    try:
        fin_month = int(Decimal(str(financial_period).strip()))
    except InvalidOperation:
        fin_month = 0
    if not 1 <= fin_month <= 12:
        raise ValueError(f"financial_period {financial_period!r} is not 1..12")
    start = int(match[1])
    year, month = start if fin_month <= 9 else start + 1, (fin_month + 2) % 12 + 1
    period_in_range(year, month)
    return date(year, month, 1)


def _whole(value: object) -> object:
    value = _blank_to_none(value)
    if isinstance(value, str) and re.fullmatch(WHOLE_NUMBER, value):
        return int(Decimal(value))
    return value


Text = Annotated[str, BeforeValidator(_blank_to_none), Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OrgCode = Annotated[
    str, BeforeValidator(lambda v: _blank_to_none(v.upper() if isinstance(v, str) else v)),
    Field(pattern=f"^{ORG_CODE}$"),
]
Money = Annotated[Decimal, BeforeValidator(parse_money), _numeric("amount")]
# A whole number PostgreSQL's integer holds.
Integer = Annotated[int, Field(le=MAX_INTEGER)]
Period = Annotated[date, BeforeValidator(parse_period)]


class _StoredRow(BaseModel):
    """A row of text the database can store."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: object) -> object:
        if isinstance(data, dict) and (problems := text_problems(data)):
            raise ValueError("; ".join(problems))
        return data


class _PeriodRow(_StoredRow):
    """A row whose month comes as `period` or as `financial_year` + `financial_period`."""

    @model_validator(mode="before")
    @classmethod
    def _period_from_financial(cls, data: dict) -> dict:
        if _blank_to_none(data.get("period")) is None and "financial_year" in data:
            data = {**data, "period": period_from_financial(
                data.get("financial_year"), data.get("financial_period"))}
        return data


class LedgerRow(_PeriodRow):
    org_code: OrgCode
    period: Period
    cost_centre: Text
    subjective_code: Text
    amount: Money
    description: OptionalText = None


class WorkforceRow(_PeriodRow):
    org_code: OrgCode
    period: Period
    assignment_number: Text
    cost_centre: Text
    staff_group: OptionalText = None
    pay_band: OptionalText = None
    assignment_category: Annotated[
        Literal[ASSIGNMENT_CATEGORIES],  # type: ignore[valid-type]
        BeforeValidator(lambda v: {c.casefold(): c for c in ASSIGNMENT_CATEGORIES}.get(
            str(v).strip().casefold(), v)),
    ]
    contracted_wte: Annotated[Decimal, BeforeValidator(_blank_to_none), Field(gt=0, le=MAX_WTE),
                              _numeric("contracted_wte")]
    sickness_fte_days: Annotated[
        Annotated[Decimal, Field(ge=0), _numeric("sickness_fte_days")] | None,
        BeforeValidator(_blank_to_none)] = None


class ActivityRow(_PeriodRow):
    org_code: OrgCode
    period: Period
    pod: Annotated[Literal[PODS], BeforeValidator(lambda v: str(v).strip().upper())]  # type: ignore[valid-type]
    treatment_function_code: Annotated[str, Field(pattern=f"^{TREATMENT_FUNCTION}$")]
    hrg_code: Annotated[str | None, BeforeValidator(
        lambda v: _blank_to_none(v.upper() if isinstance(v, str) else v))] = None
    attendance_status: Annotated[
        Literal[ATTENDANCE_STATUSES] | None,  # type: ignore[valid-type]
        BeforeValidator(lambda v: _blank_to_none(v.lower() if isinstance(v, str) else v)),
    ] = None
    los_days: Annotated[Annotated[Integer, Field(ge=0)] | None, BeforeValidator(_whole)] = None
    preop_days: Annotated[Annotated[Integer, Field(ge=0)] | None, BeforeValidator(_whole)] = None
    count: Annotated[Integer, BeforeValidator(lambda v: 1 if _blank_to_none(v) is None else _whole(v)),
                     Field(gt=0)] = 1

    @model_validator(mode="after")
    def _admitted_care_has_hrg(self) -> ActivityRow:
        if self.pod in ADMITTED_PODS and not self.hrg_code:
            raise ValueError(f"hrg_code is required for admitted care ({self.pod})")
        return self


FACT_MODELS: dict[str, type[_PeriodRow]] = {
    "ledger": LedgerRow, "workforce": WorkforceRow, "activity": ActivityRow,
}


# --- reference data --------------------------------------------------------------------

class _ReferenceRow(_StoredRow):
    @classmethod
    def layout_columns(cls, present: set[str]) -> list[str]:
        """Columns a file needs beyond the required fields, given the ones it has."""
        return []

    @classmethod
    def file_context(cls, records: list[dict], percent_headers: set[str]) -> dict | None:
        """What validating a row needs to know of the whole file (its records, and the
        columns whose header says they are percentages)."""
        return None


class HierarchyRow(_ReferenceRow):
    org_code: OrgCode
    cost_centre: Text
    cost_centre_name: OptionalText = None
    service: Text
    directorate: Text
    clinical_group: Text


class SpecialtyMapRow(_ReferenceRow):
    org_code: OrgCode
    treatment_function_code: Annotated[str, Field(pattern=f"^{TREATMENT_FUNCTION}$")]
    service: Text


class SubjectiveRow(_ReferenceRow):
    subjective_code: Text
    category: Annotated[Literal[SUBJECTIVE_CATEGORIES], BeforeValidator(  # type: ignore[valid-type]
        lambda v: str(v).strip().lower().replace("-", "_").replace(" ", "_"))]
    staff_type: Annotated[Literal[STAFF_TYPES] | None, BeforeValidator(  # type: ignore[valid-type]
        lambda v: _blank_to_none(v.lower() if isinstance(v, str) else v))] = None
    description: OptionalText = None


class UnitCostRow(_ReferenceRow):
    pod: Annotated[Literal[PODS], BeforeValidator(lambda v: str(v).strip().upper())]  # type: ignore[valid-type]
    hrg_code: Annotated[str, BeforeValidator(lambda v: str(v).strip().upper()), Field(min_length=1)]
    unit_cost: Annotated[Decimal, BeforeValidator(parse_money), Field(ge=0), _numeric("unit_cost")]


class DeflatorRow(_ReferenceRow):
    financial_year: Annotated[str, Field(pattern=f"^{FINANCIAL_YEAR}$")]
    pay_index: Annotated[Decimal, Field(gt=0), _numeric("pay_index")]
    non_pay_index: Annotated[Decimal, Field(gt=0), _numeric("non_pay_index")]

    @model_validator(mode="after")
    def _slash_form(self) -> DeflatorRow:
        object.__setattr__(self, "financial_year", self.financial_year.replace("-", "/"))
        return self


class OwnerRow(_ReferenceRow):
    level: Annotated[Literal[OWNER_LEVELS], BeforeValidator(  # type: ignore[valid-type]
        lambda v: str(v).strip().lower().replace(" ", "_"))]
    node: Text
    name: Text
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class PeerRow(_ReferenceRow):
    """A peer trust's published IPc on a basis. Our layout gives period, time_window and
    ip_cost (basis base_year unless said); NHS England's gives its growth figures, year to
    date against last year, and is undated as published (its title states the month)."""

    org_code: OrgCode
    org_name: OptionalText = None
    basis: Annotated[Literal[PEER_BASES] | None,  # type: ignore[valid-type]
                     BeforeValidator(basis_name)] = None
    period: Annotated[str | None, BeforeValidator(
        lambda v: None if _blank_to_none(v) is None else parse_period(v).strftime("%Y-%m"))] = None
    time_window: Annotated[Literal[TIME_WINDOWS] | None, BeforeValidator(  # type: ignore[valid-type]
        lambda v: _blank_to_none(v.casefold() if isinstance(v, str) else v))] = None
    ip_cost: Rate = None
    activity_growth: Growth = None
    resource_growth: Growth = None
    # NHS England's estimate is ip_cost on the prior-year basis: read into it, not stored twice.
    productivity_growth: Annotated[Rate, Field(exclude=True)] = None

    @classmethod
    def layout_columns(cls, present: set[str]) -> list[str]:
        return [] if present & set(GROWTH_COLUMNS) else ["period", "time_window", "ip_cost"]

    @classmethod
    def file_context(cls, records: list[dict], percent_headers: set[str]) -> dict:
        return {"percent": growth_in_percent(records, percent_headers)}

    @model_validator(mode="after")
    def _layout(self) -> PeerRow:
        if any(getattr(self, c) is not None for c in GROWTH_COLUMNS):
            return self._published()
        missing = [c for c in ("period", "time_window", "ip_cost") if getattr(self, c) is None]
        if missing:
            raise ValueError(f"{', '.join(missing)} required (or NHS England's growth figures: "
                             f"{', '.join(GROWTH_COLUMNS)})")
        object.__setattr__(self, "basis", self.basis or "base_year")
        return self

    def _published(self) -> PeerRow:
        """NHS England's layout: prior_year, ytd unless said, ip_cost its estimate."""
        if self.basis == "base_year":
            raise ValueError("NHS England's growth figures are against last year: basis must be "
                             "prior_year, not base_year")
        ip_cost = published_ip_cost(self.ip_cost, self.productivity_growth,
                                    self.activity_growth, self.resource_growth)
        for name, value in (("basis", "prior_year"), ("time_window", self.time_window or "ytd"),
                            ("ip_cost", ip_cost)):
            object.__setattr__(self, name, value)
        return self


# File stem under landing/reference -> (model, primary key, columns scoping replacement).
# A reference file replaces its table whole, or, where rows carry an org_code, only the
# rows of the orgs it contains (peers: of the orgs and bases, so that NHS England's file on
# the prior-year basis leaves a trust's own base-year peer figures as they are).
REFERENCE_MODELS: dict[str, tuple[type[_ReferenceRow], tuple[str, ...], tuple[str, ...] | None]] = {
    "hierarchy": (HierarchyRow, ("org_code", "cost_centre"), ("org_code",)),
    "specialty_map": (SpecialtyMapRow, ("org_code", "treatment_function_code"), ("org_code",)),
    "subjectives": (SubjectiveRow, ("subjective_code",), None),
    "unit_costs": (UnitCostRow, ("pod", "hrg_code"), None),
    "deflators": (DeflatorRow, ("financial_year",), None),
    "owners": (OwnerRow, ("level", "node"), None),
    "peers": (PeerRow, ("org_code", "period", "time_window", "basis"), ("org_code", "basis")),
}


def contract_columns(model: type[BaseModel]) -> tuple[list[str], list[str]]:
    """(required, optional) column names of a contract model."""
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    optional = [n for n, f in model.model_fields.items() if not f.is_required()]
    return required, optional
