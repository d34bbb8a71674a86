"""The pack's triangulation: activity, cost and workforce indices month by month for the
clinical group and each directorate, four charts a printed page, their figures on the
sheet after."""

from __future__ import annotations

import math

from xlsxwriter.worksheet import Worksheet

from tasks.months import month_date
from tasks.report.charts import index_chart
from tasks.report.model import OrgData
from tasks.report.sheets import pack_title, trust_title
from tasks.report.style import (
    INDEX,
    MONTH,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    Book,
)

CHARTS_PER_PAGE = 4


def triangulation_sheets(book: Book, data: OrgData, group: str) -> None:
    """Charts on pages of four (each page prints whole), their figures on the next sheet."""
    nodes = [("clinical_group", group)] + [
        ("directorate", d["node"]) for d in data.nodes("ytd", "directorate", clinical_group=group)]
    pages = [book.sheet("Triangulation" if i == 0 else f"Triangulation ({i + 1})", one_page=True)
             for i in range(math.ceil(len(nodes) / CHARTS_PER_PAGE))]
    source, first_rows = month_by_month_sheet(book, data, nodes)

    col_width, cols_per_chart, chart_rows, gap_col = 10, 7, 15, 8
    slots = [(3, 1), (3, gap_col + 1), (4 + chart_rows, 1), (4 + chart_rows, gap_col + 1)]
    last_col = gap_col + cols_per_chart
    for page_no, ws in enumerate(pages):
        book.columns(ws, {**dict.fromkeys(range(1, last_col + 1), col_width), gap_col: 2})
        book.title(ws, f"Triangulation — activity, cost and workforce, {pack_title(data)}",
                   f"{trust_title(data)} · {group} · each month against the same month of "
                   f"{data.base_year} (index 1.00 = no change)", last_col)
        page_nodes = nodes[page_no * CHARTS_PER_PAGE:(page_no + 1) * CHARTS_PER_PAGE]
        for (level, node), (row, col) in zip(page_nodes, slots):
            label = f"{node}, {'clinical group' if level == 'clinical_group' else 'directorate'}"
            chart = index_chart(book, source, label, data.trend_of(level, node),
                                first_rows.get((level, node), 0), 3,
                                {"activity": 4, "cost": 5, "wte": 6},
                                columns=[col_width] * cols_per_chart, rows=chart_rows)
            if chart is None:
                book.text(ws, row, col, f"{label}: no index has a figure in every month",
                          italic=True)
                continue
            ws.insert_chart(row, col, chart, {"object_position": 1})
            book.reach(ws, row + chart_rows - 1, col + cols_per_chart - 1)


def month_by_month_sheet(book: Book, data: OrgData, nodes: list[tuple[str, str]]
                         ) -> tuple[Worksheet, dict[tuple[str, str], int]]:
    """The charts' figures as a table; returns the sheet and each node's first row."""
    ws = book.sheet("Month by month")
    widths = {1: 28, 2: 15, 3: 12, 4: 11, 5: 11, 6: 11, 7: 10, 8: 10}
    book.columns(ws, widths)
    row = book.title(ws, f"Month by month — {data.financial_year}",
                     f"{trust_title(data)} · each month against the same month of "
                     f"{data.base_year}", max(widths))
    header_row = row
    row = book.header(ws, row, 1, ["Clinical group / directorate", "Level", "Month",
                                   "Activity index", "Cost index", "WTE index", "IPc", "IPw"])
    first_data = row
    first_rows = {}
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    for level, node in nodes:
        first_rows[(level, node)] = row
        trend = data.trend_of(level, node)
        for t in trend:
            book.text(ws, row, 1, node, **line)
            book.text(ws, row, 2, "Clinical group" if level == "clinical_group" else "Directorate",
                      **line)
            ws.write_datetime(row, 3, month_date(t["period"]),
                              book.fmt(num_format=MONTH, align="left", **line))
            for col, key, fmt in ((4, "activity_index", INDEX), (5, "cost_index", INDEX),
                                  (6, "wte_index", INDEX), (7, "ip_cost", PERCENT_CHANGE),
                                  (8, "ip_wte", PERCENT_CHANGE)):
                book.number(ws, row, col, t[key], fmt, **line)
            row += 1
    book.rag_cells(ws, first_data, row - 1, 7)
    book.repeat_header(ws, header_row)
    if data.fin_month > len({t["fin_month"] for t in data.trend}):
        book.text(ws, row + 1, 1, "Months of this year not yet calculated are not shown.",
                  italic=True, font_size=9, font_color=NHS_DARK_GREY)
    return ws, first_rows
