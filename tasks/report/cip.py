"""The pack's opportunity for cost improvement plans: what each service of a clinical group
spends above what base-year productivity would need, and the total of those above it."""

from __future__ import annotations

from xlsxwriter.utility import xl_range

from tasks.report.model import OrgData
from tasks.report.sheets import pack_title, trust_title
from tasks.report.style import (
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    POUNDS,
    WTE,
    Book,
    rag,
)


def cip_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("CIP opportunity")
    widths = {1: 26, 2: 20, 3: 10, 4: 8, 5: 15, 6: 15, 7: 12, 8: 40}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(ws, f"Opportunity for cost improvement plans — {pack_title(data)}",
                     f"{trust_title(data)} · {group} · year to date {data.span_label('ytd')}: what "
                     f"each service spends above what {data.base_year} productivity would need",
                     last)
    header_row = row
    row = book.header(ws, row, 1, ["Service", "Directorate", "IPc, YTD", "RAG",
                                   f"Cost opportunity £, {data.base_year} prices",
                                   "Cost opportunity £, today's prices", "WTE opportunity",
                                   "Notes"])
    services = sorted(data.nodes("ytd", "service", clinical_group=group),
                      key=lambda s: (s["cost_opportunity"] is None, -(s["cost_opportunity"] or 0)))
    first = row
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    for s in services:
        book.text(ws, row, 1, s["node"], **line)
        book.text(ws, row, 2, s["directorate"], **line)
        book.number(ws, row, 3, s["ip_cost"], PERCENT_CHANGE, **line)
        book.text(ws, row, 4, rag(s["ip_cost"]), align="center", **line)
        book.number(ws, row, 5, s["cost_opportunity"], POUNDS, **line)
        book.number(ws, row, 6, s["cost_opportunity_current_prices"], POUNDS, **line)
        book.number(ws, row, 7, s["wte_opportunity"], WTE, **line)
        notes = data.notes_text(s)
        book.text(ws, row, 8, notes, text_wrap=True, font_size=9, font_color=NHS_DARK_GREY,
                  **line)
        row += 1
    book.rag_cells(ws, first, row - 1, 3)
    book.rag_text_cells(ws, first, row - 1, 4)
    book.repeat_header(ws, header_row)

    # The prize is the services above baseline need: those below it do not offset them.
    total = {"bold": True, "top": 2, "top_color": NHS_BLUE}
    book.text(ws, row, 1, "Total of services above baseline need", **total)
    for col in (2, 3, 4, 8):
        book.text(ws, row, col, None, **total)
    for col, key, num_format, name in (
            (5, "cost_opportunity", POUNDS, "CIP_CostOpportunity_YTD"),
            (6, "cost_opportunity_current_prices", POUNDS, "CIP_CostOpportunityTodaysPrices_YTD"),
            (7, "wte_opportunity", WTE, "CIP_WTEOpportunity_YTD")):
        positive = sum(s[key] for s in services if s[key] is not None and s[key] > 0)
        if services:
            ws.write_formula(row, col, f'=SUMIF({xl_range(first, col, row - 1, col)},">0")',
                             book.fmt(num_format=num_format, **total), positive)
            book.reach(ws, row, col)
        else:
            book.number(ws, row, col, 0, num_format, **total)
        book.define_name(name, ws, row, col)
    book.text(ws, row + 2, 1, "Positive: spending (or staff) above what the activity delivered "
              f"would have needed at {data.base_year} productivity. The totals add the positive "
              "figures only; each column is summed on its own sign.",
              italic=True, font_size=8, font_color=NHS_DARK_GREY)
