"""The demo's calendar: months from April 2019, financial years, price levels and the
design's trends over the years."""

from __future__ import annotations

from datetime import date

import numpy as np

FIRST_MONTH = "2019-04"
FIRST_MONTHLY_FILE = "2023-04"  # monthly files from here; 2019/20 comes as one file


# Months the staff pool covers (from April 2019): the demo can run up to March 2039.
HORIZON = 240

# Price level of each financial year (by its first calendar year), 2019/20 = 1: pay awards
# outran general inflation, but for the 2022/23 spike in non-pay.
# fmt: off
PAY_INDEX = {2019: 1.000, 2020: 1.030, 2021: 1.060, 2022: 1.100, 2023: 1.170, 2024: 1.240,
             2025: 1.290, 2026: 1.330}
NON_PAY_INDEX = {2019: 1.000, 2020: 1.025, 2021: 1.045, 2022: 1.120, 2023: 1.175, 2024: 1.205,
                 2025: 1.235, 2026: 1.265}
# fmt: on
# Years past the published table carry on at these rates.
PAY_INFLATION_AFTER, NON_PAY_INFLATION_AFTER = 0.03, 0.025


def month_index(label: str) -> int:
    """Months since April 2019 ('2019-04' is 0)."""
    year, month = int(label[:4]), int(label[5:7])
    return (year - 2019) * 12 + month - 4


def month_label(index: int) -> str:
    year, month = divmod(index + 3, 12)
    return f"{2019 + year}-{month + 1:02d}"


def year_month(index: int) -> tuple[int, int]:
    year, month = divmod(index + 3, 12)
    return 2019 + year, month + 1


def financial_year_start(index: int) -> int:
    return 2019 + index // 12


def financial_year(index: int) -> str:
    start = financial_year_start(index)
    return f"{start}/{(start + 1) % 100:02d}"


def deflator(index: int, pay: bool) -> float:
    start = financial_year_start(index)
    table = PAY_INDEX if pay else NON_PAY_INDEX
    after = PAY_INFLATION_AFTER if pay else NON_PAY_INFLATION_AFTER
    last = max(table)
    return table[min(start, last)] * (1 + after) ** max(0, start - last)


def last_closed_month(today: date | None = None) -> str:
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def trend(t: float | np.ndarray, at_2023: float, at_2026: float, yearly_after: float = 0.0):
    """An index over years since April 2019: 1 through 2019/20, piecewise linear to its
    2023/24 and 2026/27 values, then a steady yearly change."""
    t = np.asarray(t, dtype=float)
    index = np.where(t < 1, 1.0, np.interp(t, [1, 4, 7], [1, at_2023, at_2026]))
    return index + np.maximum(t - 7, 0) * yearly_after


def progress(t: float) -> float:
    """How far a change planned between 2019/20 and 2026/27 has got at t years: 0 to 1."""
    return min(1.0, max(0.0, (t - 1) / 6.5))
