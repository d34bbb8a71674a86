"""Months, quarters and financial years: the one home of month arithmetic.

A month is text `YYYY-MM` wherever it is passed around (flow parameters, the mart's `period`,
file names); `month_date` turns it into the first of the month where a date is needed. The
NHS financial year runs April to March: 2019-04 is month 1 of 2019/20.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# June, September, December and March close quarters 1 to 4 of the financial year.
QUARTER_END_MONTHS = (6, 9, 12, 3)


def month_date(month: str) -> date:
    """'2024-05' -> date(2024, 5, 1)."""
    return date.fromisoformat(f"{month}-01")


def month_label(month: str) -> str:
    """'2024-05' -> 'May 2024'."""
    return month_date(month).strftime("%B %Y")


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (earlier when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def months_between(start: str, end: str) -> list[str]:
    """Every month YYYY-MM from start to end, both included."""
    year, month = int(start[:4]), int(start[5:])
    found = []
    while f"{year}-{month:02d}" <= end:
        found.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def months_of_year_to(month: str) -> list[str]:
    """Month 1 of the report month's financial year up to the month itself."""
    year = int(month[:4]) - (int(month[5:]) < 4)
    return months_between(f"{year}-04", month)


def is_quarter_end(month: str) -> bool:
    return month_date(month).month in QUARTER_END_MONTHS


def month_closed_by(scheduled: datetime) -> str:
    """The month a run scheduled at this time closes: the one before, in London time."""
    local = scheduled.astimezone(ZoneInfo("Europe/London"))
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return f"{year}-{month:02d}"
