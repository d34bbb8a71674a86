"""The executive report's month-by-month sheet: activity, cost and workforce indices and
implied productivity on both lenses, with the national target, and their charts."""

from __future__ import annotations

from tasks.months import month_date
from tasks.report.charts import index_chart, percent_chart
from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.sheets import trust_title
from tasks.report.style import (
    INDEX,
    MONTH,
    NHS_BLUE,
    NHS_DARK_GREY,
    PERCENT_CHANGE,
    SERIES_COLOURS,
    Book,
)

TREND_COLUMNS = [  # header, basis, mart column, format
    ("Activity index", BASE, "activity_index", INDEX),
    ("Cost index (real terms)", BASE, "cost_index", INDEX),
    ("WTE index", BASE, "wte_index", INDEX),
    ("IPc", BASE, "ip_cost", PERCENT_CHANGE),
    ("IPw", BASE, "ip_wte", PERCENT_CHANGE),
    ("IPc", PRIOR, "ip_cost", PERCENT_CHANGE),
    ("IPw", PRIOR, "ip_wte", PERCENT_CHANGE),
]
TREND_WIDTHS = {1: 12, 2: 13, 3: 13, 4: 13, 5: 13, 6: 14, 7: 14, 8: 14, 9: 14}
TARGET_COL = 9


def trend_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Trend", one_page=True)
    book.columns(ws, TREND_WIDTHS)
    last = max(TREND_WIDTHS)
    row = book.title(ws, f"Activity, cost and workforce month by month — {data.financial_year}",
                     f"{trust_title(data)} · each month against the same month of "
                     f"{data.base_year} (index 1.00 = no change) and of {data.last_year}", last)
    trend = data.trend_of("trust", data.org_code)
    prior = {t["fin_month"]: t for t in data.trend_of("trust", data.org_code, PRIOR)}
    band_row = row
    row = book.band(ws, row, [(2, 6, data.lens_label(BASE).capitalize()),
                              (7, TARGET_COL, f"Against last year ({data.last_year})")])
    header_row = row
    row = book.header(ws, row, 1, ["Month", *(c[0] for c in TREND_COLUMNS),
                                   "NHS England target"])
    first = row
    for t in trend:
        ws.write_datetime(row, 1, month_date(t["period"]), book.fmt(num_format=MONTH, align="left"))
        for col, (_, basis, key, fmt) in enumerate(TREND_COLUMNS, start=2):
            source = t if basis == BASE else prior.get(t["fin_month"], {})
            book.number(ws, row, col, source.get(key), fmt)
        book.number(ws, row, TARGET_COL, data.year_on_year_target, PERCENT_CHANGE,
                    font_color=NHS_DARK_GREY)
        row += 1
    book.rag_cells(ws, first, row - 1, 5)
    book.target_cells(ws, first, row - 1, 7, data.year_on_year_target)
    book.repeat_header(ws, header_row, band_row)
    missing = [m for m in range(1, data.fin_month + 1) if m not in {t["fin_month"] for t in trend}]
    if missing:
        book.text(ws, row, 1, f"{len(missing)} month(s) of this year have not been calculated "
                  "yet and are not shown.", italic=True, font_size=8, font_color=NHS_DARK_GREY)
        row += 1
    if not trend:
        return
    row += 1
    chart_rows = 18
    widths = [TREND_WIDTHS[c] for c in range(1, last + 1)]
    indices = index_chart(book, ws, f"Growth against {data.base_year}, month by month", trend,
                          first, 1, {"activity": 2, "cost": 3, "wte": 4},
                          columns=widths[:5], rows=chart_rows)
    if indices is None:
        book.text(ws, row, 1, "No index has a figure in every month: see the table.", italic=True)
    else:
        ws.insert_chart(row, 1, indices, {"object_position": 1})
    lens_series = [
        (data.lens_label(BASE).capitalize(), 5, NHS_BLUE,
         all(t["ip_cost"] is not None for t in trend), False),
        ("Against last year", 7, SERIES_COLOURS["cost"],
         all((prior.get(t["fin_month"]) or {}).get("ip_cost") is not None for t in trend), False),
        (f"NHS England target ({data.year_on_year_target:+.0%})", TARGET_COL, NHS_DARK_GREY,
         True, True)]
    ws.insert_chart(row, 6, percent_chart(
        book, ws, "Implied productivity (cost) on both lenses", first, first + len(trend) - 1, 1,
        lens_series, columns=widths[5:], rows=chart_rows), {"object_position": 1})
    book.reach(ws, row + chart_rows - 1, last)
