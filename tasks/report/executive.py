"""The monthly executive report of one trust: a one-page summary, the indices month by month,
clinical groups and directorates with RAG, the largest adverse and favourable services,
data-quality notes and definitions."""

from __future__ import annotations

from pathlib import Path

from tasks.months import month_date
from tasks.report.charts import index_chart
from tasks.report.model import OrgData
from tasks.report.sheets import (
    definitions_sheet,
    movement,
    trust_title,
    with_reason,
    write_dq_notes,
)
from tasks.report.style import (
    INDEX,
    MONTH,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    POUNDS,
    SEVERITY_LABEL,
    WTE,
    Book,
    pounds_words,
    rag,
    signed_percent,
)

SERVICES_SHOWN = 5


def write(data: OrgData, path: Path) -> Path:
    book = Book(path, footer=f"{data.org_name} · implied productivity · {data.month_label}")
    summary_sheet(book, data)
    trend_sheet(book, data)
    clinical_groups_sheet(book, data)
    services_sheet(book, data)
    data_quality_sheet(book, data)
    definitions_sheet(book, data)
    return book.close()


# --- summary ---------------------------------------------------------------------------

def summary_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Summary", one_page=True)
    widths = {1: 44, 2: 15, 3: 17, 4: 10, 5: 62}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(
        ws, f"Implied productivity — {data.month_label}, year to date against {data.base_year}",
        f"{trust_title(data)} · financial year {data.financial_year}, month {data.fin_month} · "
        f"every figure against the same months of {data.base_year}", last)

    month, ytd = data.trust("month"), data.trust("ytd")
    row = book.section(ws, row, "Headline figures", last)
    header_row = row
    row = book.header(ws, row, 1, ["Measure", data.month_label,
                                   f"Year to date\n{data.span_label('ytd')}", "RAG (year to date)",
                                   "Notes"])
    lines = [
        ("Implied productivity, cost (IPc)", "ip_cost", PERCENT_CHANGE, "IPc",
         data.notes_text(ytd) if ytd else ""),
        ("Implied productivity, workforce (IPw)", "ip_wte", PERCENT_CHANGE, "IPw", ""),
        ("Activity growth index (cost-weighted)", "activity_index", INDEX, "ActivityIndex", ""),
        ("Real-terms cost growth index", "cost_index", INDEX, "CostIndex", ""),
        ("Workforce (WTE) growth index", "wte_index", INDEX, "WTEIndex", ""),
        (f"Cost opportunity, £ at {data.base_year} prices", "cost_opportunity", POUNDS,
         "CostOpportunity", ("Positive: spending above what base-year productivity would need "
                            "for the activity delivered")),
        ("Cost opportunity, £ at today's prices", "cost_opportunity_current_prices", POUNDS,
         "CostOpportunityTodaysPrices", ""),
        ("WTE opportunity", "wte_opportunity", WTE, "WTEOpportunity",
         "Positive: staff above what base-year productivity would need"),
    ]
    for label, column, num_format, name, note in lines:
        note = with_reason(note, column, month, ytd)
        emphasis = {"bold": True} if column in ("ip_cost", "ip_wte") else {}
        book.text(ws, row, 1, label, **emphasis, bottom=1, bottom_color=NHS_PALE_GREY)
        book.number(ws, row, 2, month.get(column), num_format, **emphasis,
                    bottom=1, bottom_color=NHS_PALE_GREY)
        book.number(ws, row, 3, ytd.get(column), num_format, **emphasis,
                    bottom=1, bottom_color=NHS_PALE_GREY)
        book.text(ws, row, 4, rag(ytd.get(column)) if column == "ip_cost" else None,
                  align="center", bottom=1, bottom_color=NHS_PALE_GREY)
        book.text(ws, row, 5, note, text_wrap=True, font_size=9, font_color=NHS_DARK_GREY,
                  bottom=1, bottom_color=NHS_PALE_GREY)
        book.define_name(f"{name}_Month", ws, row, 2)
        book.define_name(f"{name}_YTD", ws, row, 3)
        if column == "ip_cost":
            book.rag_cells(ws, row, row, 2)
            book.rag_cells(ws, row, row, 3)
            book.rag_text_cells(ws, row, row, 4)
        row += 1
    row = rank_line(book, ws, data, row)
    ws.freeze_panes(header_row + 1, 0)
    row = book.rag_legend(ws, row, 1) + 1

    row = book.section(ws, row, "Key messages", last)
    for message in key_messages(data):
        row = book.paragraph(ws, row, f"•  {message}", last)
    row += 1
    row = book.section(ws, row, "Data quality", last)
    notes = data.dq_notes
    if not notes:
        book.paragraph(ws, row, "Every data-quality check passed for this month's data.", last)
        return
    for note in notes[:6]:
        text = f"{SEVERITY_LABEL[note.severity]} — {note.title}: {note.message}"
        row = book.paragraph(ws, row, text, last, font_size=9)
    book.paragraph(ws, row, "Each note is shown beside the figures it touches; the findings "
                   "are listed on the Data quality sheet.", last, italic=True,
                   font_size=9, font_color=NHS_DARK_GREY)


def rank_line(book: Book, ws, data: OrgData, row: int) -> int:
    """Rank on IPc among peers: a number (Rank_Month, Rank_YTD) read as '2nd of 3'."""
    book.text(ws, row, 1, "Rank among peers on IPc", bold=True,
              bottom=1, bottom_color=NHS_PALE_GREY)
    for col, window in ((2, "month"), (3, "ytd")):
        rank = data.ranks.get(window)
        if rank:
            ws.write_number(row, col, rank["rank"], book.rank_format(
                rank["rank"], rank["peer_count"], bold=True, align="right",
                bottom=1, bottom_color=NHS_PALE_GREY))
        else:
            book.number(ws, row, col, None, "0", bottom=1, bottom_color=NHS_PALE_GREY)
        book.define_name(f"Rank_{'Month' if window == 'month' else 'YTD'}", ws, row, col)
    peers = (data.ranks.get("ytd") or {}).get("peer_count")
    book.text(ws, row, 4, None, bottom=1, bottom_color=NHS_PALE_GREY)
    book.text(ws, row, 5, f"1st is the most productive, among {peers} trusts (loaded and "
              "published peer figures)" if peers else "No peer figures for this month",
              font_size=9, font_color=NHS_DARK_GREY, text_wrap=True,
              bottom=1, bottom_color=NHS_PALE_GREY)
    return row + 1


def key_messages(data: OrgData) -> list[str]:
    """What the figures say, in the sentences a finance director would use."""
    ytd, month = data.trust("ytd"), data.trust("month")
    span, base = data.span_label("ytd"), data.base_year
    messages = []
    if ytd.get("activity_index") is not None:
        messages.append(
            f"In {span}, cost-weighted activity was {movement(ytd['activity_index'])} on the "
            f"same months of {base}, real-terms cost {movement(ytd.get('cost_index'))} and staff "
            f"in post {movement(ytd.get('wte_index'))}.")
    rank = data.ranks.get("ytd")
    messages.append(
        f"Implied productivity year to date is {signed_percent(ytd.get('ip_cost'))} on cost "
        f"({rag(ytd.get('ip_cost'))}) and {signed_percent(ytd.get('ip_wte'))} on workforce; "
        f"{data.month_label} alone {signed_percent(month.get('ip_cost'))} and "
        f"{signed_percent(month.get('ip_wte'))}."
        + (f" On cost the trust ranks {rank['rank_label']} among its peers." if rank else ""))
    opportunity, wte = ytd.get("cost_opportunity"), ytd.get("wte_opportunity")
    if opportunity is not None:
        if opportunity > 0:
            text = (f"At {base} productivity the activity delivered would have needed "
                    f"{pounds_words(opportunity)} less ({pounds_words(ytd['cost_opportunity_current_prices'] or 0)}"
                    " at today's prices): the opportunity for cost improvement plans.")
        else:
            text = (f"Spending is {pounds_words(opportunity)} below what {base} productivity "
                    "would need for the activity delivered "
                    f"({pounds_words(ytd['cost_opportunity_current_prices'] or 0)} at today's prices).")
        if wte is not None:
            text += f" Staff in post are {abs(wte):,.1f} WTE {'above' if wte > 0 else 'below'} it."
        messages.append(text)
    adverse, favourable = extreme_services(data)
    if adverse:
        s = adverse[0]
        messages.append(f"Largest adverse service: {s['node']} ({s['directorate'] or 'unmapped'}), "
                        f"IPc {signed_percent(s['ip_cost'])}, {pounds_words(s['cost_opportunity'])}"
                        " above baseline need.")
    if favourable:
        s = favourable[0]
        messages.append(f"Largest favourable service: {s['node']} ({s['directorate'] or 'unmapped'}), "
                        f"IPc {signed_percent(s['ip_cost'])}, {pounds_words(s['cost_opportunity'])}"
                        " below baseline need.")
    groups = [rag(g["ip_cost"]) for g in data.nodes("ytd", "clinical_group")]
    if groups:
        counts = ", ".join(f"{groups.count(s)} {s.lower() if s != 'n/a' else 'without activity'}"
                           for s in ("Green", "Amber", "Red", "n/a") if groups.count(s))
        messages.append(f"Clinical groups year to date: {counts}.")
    return messages


def extreme_services(data: OrgData) -> tuple[list[dict], list[dict]]:
    """Services furthest above and below what base-year productivity needs (YTD £)."""
    return (data.largest_services("adverse", SERVICES_SHOWN),
            data.largest_services("favourable", SERVICES_SHOWN))


# --- month by month --------------------------------------------------------------------

def trend_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Trend", one_page=True)
    width = 18
    book.columns(ws, dict.fromkeys(range(1, 7), width))
    last = 6
    row = book.title(ws, f"Activity, cost and workforce month by month — {data.financial_year}",
                     f"{trust_title(data)} · each month against the same month of "
                     f"{data.base_year} (index 1.00 = no change)", last)
    trend = data.trend_of("trust", data.org_code)
    header_row = row
    row = book.header(ws, row, 1, ["Month", "Activity index", "Cost index (real terms)",
                                   "WTE index", "IPc", "IPw"])
    first = row
    for t in trend:
        ws.write_datetime(row, 1, month_date(t["period"]), book.fmt(num_format=MONTH, align="left"))
        for col, key, fmt in ((2, "activity_index", INDEX), (3, "cost_index", INDEX),
                              (4, "wte_index", INDEX), (5, "ip_cost", PERCENT_CHANGE),
                              (6, "ip_wte", PERCENT_CHANGE)):
            book.number(ws, row, col, t[key], fmt)
        row += 1
    book.rag_cells(ws, first, row - 1, 5)
    book.repeat_header(ws, header_row)
    missing = [m for m in range(1, data.fin_month + 1) if m not in {t["fin_month"] for t in trend}]
    if missing:
        book.text(ws, row, 1, f"{len(missing)} month(s) of this year have not been calculated "
                  "yet and are not shown.", italic=True, font_size=9, font_color=NHS_DARK_GREY)
        row += 1
    if not trend:
        return
    row += 1
    chart_rows = 15
    chart = index_chart(book, ws, f"Growth against {data.base_year}, month by month", trend,
                        first, 1, {"activity": 2, "cost": 3, "wte": 4},
                        columns=[width] * 6, rows=chart_rows)
    if chart is None:
        book.text(ws, row, 1, "No index has a figure in every month: see the table.", italic=True)
        return
    ws.insert_chart(row, 1, chart, {"object_position": 1})
    book.reach(ws, row + chart_rows - 1, last)


# --- clinical groups and directorates -------------------------------------------------

TABLE_COLUMNS = [  # header, mart column, window, format, width
    ("Activity index, YTD", "activity_index", "ytd", INDEX, 10),
    ("Cost index, YTD", "cost_index", "ytd", INDEX, 10),
    ("WTE index, YTD", "wte_index", "ytd", INDEX, 10),
    ("IPc, month", "ip_cost", "month", PERCENT_CHANGE, 10),
    ("IPc, YTD", "ip_cost", "ytd", PERCENT_CHANGE, 10),
    ("RAG", None, "ytd", None, 8),
    ("IPw, YTD", "ip_wte", "ytd", PERCENT_CHANGE, 10),
    ("Cost opportunity £, YTD", "cost_opportunity", "ytd", POUNDS, 13),
    ("WTE opportunity, YTD", "wte_opportunity", "ytd", WTE, 11),
]


def clinical_groups_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Clinical groups")
    notes_col = 2 + len(TABLE_COLUMNS)
    book.columns(ws, {1: 38, **{2 + i: c[-1] for i, c in enumerate(TABLE_COLUMNS)},
                      notes_col: 38})
    row = book.title(ws, f"Clinical groups and directorates — {data.month_label}",
                     f"{trust_title(data)} · year to date {data.span_label('ytd')} and the month, "
                     f"against the same months of {data.base_year}", notes_col)
    header_row = row
    row = book.header(ws, row, 1, ["Clinical group / directorate"]
                      + [c[0] for c in TABLE_COLUMNS] + ["Notes"])
    first = row
    trust = data.row("ytd", "trust", data.org_code)
    if trust:
        row = node_line(book, ws, data, row, trust, "Trust", bold=True, bg_color=NHS_PALE_GREY)
    for group in data.nodes("ytd", "clinical_group"):
        row = node_line(book, ws, data, row, group, group["node"], bold=True)
        for directorate in data.nodes("ytd", "directorate", clinical_group=group["node"]):
            row = node_line(book, ws, data, row, directorate, directorate["node"], indent=2)
    for col in (5, 6):
        book.rag_cells(ws, first, row - 1, col)
    book.rag_text_cells(ws, first, row - 1, 7)
    book.repeat_header(ws, header_row)
    book.rag_legend(ws, row + 1, 1)


def node_line(book: Book, ws, data: OrgData, row: int, ytd_row: dict, label: str,
              **style) -> int:
    """One node across the table's columns, month figures from the month window."""
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY,
            **{k: v for k, v in style.items() if k in ("bold", "bg_color")}}
    book.text(ws, row, 1, label, **line, **({"indent": style["indent"]} if "indent" in style else {}))
    for i, (_, column, window, num_format, _) in enumerate(TABLE_COLUMNS):
        source = ytd_row if window == "ytd" else (
            data.row(window, ytd_row["level"], ytd_row["node"]) or {})
        if column is None:
            book.text(ws, row, 2 + i, rag(ytd_row["ip_cost"]), align="center", **line)
        else:
            book.number(ws, row, 2 + i, source.get(column), num_format, **line)
    notes = data.notes_text(ytd_row)
    book.text(ws, row, 2 + len(TABLE_COLUMNS), notes, text_wrap=True, font_size=9,
              font_color=NHS_DARK_GREY, **line)
    return row + 1


# --- services --------------------------------------------------------------------------

SERVICE_COLUMNS = [  # header, mart column, format, width
    ("Service", "node", None, 22), ("Directorate", "directorate", None, 18),
    ("Clinical group", "clinical_group", None, 16),
    ("IPc, YTD", "ip_cost", PERCENT_CHANGE, 10), ("RAG", None, None, 8),
    ("IPw, YTD", "ip_wte", PERCENT_CHANGE, 10),
    ("Cost opportunity £, YTD", "cost_opportunity", POUNDS, 13),
    ("At today's prices £", "cost_opportunity_current_prices", POUNDS, 13),
    ("WTE opportunity, YTD", "wte_opportunity", WTE, 11),
    ("Notes", "notes", None, 34),
]


def services_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Services")
    book.columns(ws, {1 + i: c[-1] for i, c in enumerate(SERVICE_COLUMNS)})
    last = len(SERVICE_COLUMNS)
    row = book.title(ws, f"Largest adverse and favourable services — {data.month_label}",
                     f"{trust_title(data)} · year to date {data.span_label('ytd')} against "
                     f"{data.base_year}, by cost opportunity", last)
    adverse, favourable = extreme_services(data)
    first_header = None
    for heading, services in (
            ("Adverse: spending most above what base-year productivity would need", adverse),
            ("Favourable: spending most below what base-year productivity would need", favourable)):
        row = book.section(ws, row, heading, last)
        if first_header is None:
            first_header = row
        row = book.header(ws, row, 1, [c[0] for c in SERVICE_COLUMNS])
        first = row
        if not services:
            book.text(ws, row, 1, "None this month.", italic=True, font_color=NHS_DARK_GREY)
            row += 1
        for s in services:
            row = service_line(book, ws, data, row, s)
        book.rag_cells(ws, first, row - 1, 4)
        book.rag_text_cells(ws, first, row - 1, 5)
        row += 1
    book.repeat_header(ws, first_header)
    book.rag_legend(ws, row, 1)


def service_line(book: Book, ws, data: OrgData, row: int, service: dict) -> int:
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    notes = data.notes_text(service)
    for i, (_, column, num_format, _) in enumerate(SERVICE_COLUMNS):
        col = 1 + i
        if column is None:
            book.text(ws, row, col, rag(service["ip_cost"]), align="center", **line)
        elif column == "notes":
            book.text(ws, row, col, notes, text_wrap=True, font_size=9,
                      font_color=NHS_DARK_GREY, **line)
        elif num_format is None:
            book.text(ws, row, col, service.get(column) or "(not in the hierarchy)", **line)
        else:
            book.number(ws, row, col, service.get(column), num_format, **line)
    return row + 1


# --- data quality and definitions ----------------------------------------------------------

def data_quality_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Data quality")
    widths = {1: 10, 2: 34, 3: 24, 4: 14, 5: 70}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(ws, f"Data-quality notes — {data.month_label}",
                     f"{trust_title(data)} · the checks run on this month's data"
                     + (f" (run {data.dq_run_id})" if data.dq_run_id else ""), last)
    write_dq_notes(book, ws, row, data.dq_notes, None)


