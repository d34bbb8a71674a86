"""The quarterly productivity pack of one clinical group: a summary, a sheet per directorate
with its services, triangulation charts, efficiency indicators against the base year, the
opportunity for cost improvement plans and the group's data-quality notes."""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.utility import xl_range

from tasks.report.definitions import EFFICIENCY_DEFINITIONS
from tasks.report.model import OrgData
from tasks.report.sheets import (
    definitions_sheet,
    movement,
    pack_title,
    trust_title,
    with_reason,
    write_dq_notes,
)
from tasks.report.style import (
    INDEX,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT,
    PERCENT_CHANGE,
    POUNDS,
    RATIO,
    WTE,
    Book,
    pounds_words,
    rag,
    signed_percent,
)
from tasks.report.triangulation import triangulation_sheets

# How each indicator reads: its format, and whether a fall is an improvement.
INDICATORS = {
    "alos_elective": (RATIO, "lower"),
    "alos_non_elective": (RATIO, "lower"),
    "day_case_rate": (PERCENT, "higher"),
    "preop_bed_days": (RATIO, "lower"),
    "op_follow_up_ratio": (RATIO, "lower"),
    "op_dna_rate": (PERCENT, "lower"),
    "agency_share_of_pay": (PERCENT, "lower"),
    "sickness_absence_rate": (PERCENT, "lower"),
    "cost_per_cwa": ("0.000", "lower"),
}


def write(data: OrgData, clinical_group: str, path: Path) -> Path:
    book = Book(path, footer=f"{data.org_name} · {clinical_group} productivity pack · "
                             f"{data.month_label}")
    summary_sheet(book, data, clinical_group)
    for directorate in data.nodes("ytd", "directorate", clinical_group=clinical_group):
        directorate_sheet(book, data, clinical_group, directorate)
    triangulation_sheets(book, data, clinical_group)
    efficiency_sheet(book, data, clinical_group)
    cip_sheet(book, data, clinical_group)
    data_quality_sheet(book, data, clinical_group)
    definitions_sheet(book, data, EFFICIENCY_DEFINITIONS)
    return book.close()


def window_header(data: OrgData) -> list[str]:
    return [data.month_label, f"Quarter {data.quarter}\n{data.span_label('quarter')}",
            f"Year to date\n{data.span_label('ytd')}"]


# --- summary ---------------------------------------------------------------------------

def summary_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("Summary", one_page=True)
    widths = {1: 42, 2: 14, 3: 16, 4: 16, 5: 10, 6: 52}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(ws, f"{group} — productivity pack, {pack_title(data)}",
                     f"{trust_title(data)} · clinical group {group} · against the same months "
                     f"of {data.base_year}", last)
    windows = {w: data.row(w, "clinical_group", group) or {} for w in ("month", "quarter", "ytd")}
    row = book.section(ws, row, "Headline figures", last)
    header_row = row
    row = book.header(ws, row, 1, ["Measure", *window_header(data), "RAG (year to date)",
                                   "Notes"])
    lines = [
        ("Implied productivity, cost (IPc)", "ip_cost", PERCENT_CHANGE, "IPc",
         data.notes_text(windows["ytd"]) if windows["ytd"] else ""),
        ("Implied productivity, workforce (IPw)", "ip_wte", PERCENT_CHANGE, "IPw", ""),
        ("Activity growth index (cost-weighted)", "activity_index", INDEX, "ActivityIndex", ""),
        ("Real-terms cost growth index", "cost_index", INDEX, "CostIndex", ""),
        ("Workforce (WTE) growth index", "wte_index", INDEX, "WTEIndex", ""),
        (f"Cost opportunity, £ at {data.base_year} prices", "cost_opportunity", POUNDS,
         "CostOpportunity", "Positive: spending above what base-year productivity would need"),
        ("Cost opportunity, £ at today's prices", "cost_opportunity_current_prices", POUNDS,
         "CostOpportunityTodaysPrices", ""),
        ("WTE opportunity", "wte_opportunity", WTE, "WTEOpportunity", ""),
    ]
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    for label, column, num_format, name, note in lines:
        note = with_reason(note, column, *windows.values())
        emphasis = {"bold": True} if column in ("ip_cost", "ip_wte") else {}
        book.text(ws, row, 1, label, **emphasis, **line)
        for col, window in ((2, "month"), (3, "quarter"), (4, "ytd")):
            book.number(ws, row, col, windows[window].get(column), num_format, **emphasis, **line)
            book.define_name(f"{name}_{'YTD' if window == 'ytd' else window.capitalize()}",
                             ws, row, col)
        book.text(ws, row, 5, rag(windows["ytd"].get(column)) if column == "ip_cost" else None,
                  align="center", **line)
        book.text(ws, row, 6, note, text_wrap=True, font_size=9, font_color=NHS_DARK_GREY, **line)
        if column == "ip_cost":
            for col in (2, 3, 4):
                book.rag_cells(ws, row, row, col)
            book.rag_text_cells(ws, row, row, 5)
        row += 1
    ws.freeze_panes(header_row + 1, 0)
    row += 1

    row = book.section(ws, row, "Directorates", last)
    row = book.header(ws, row, 1, ["Directorate", *(f"IPc, {h}" for h in window_header(data)),
                                   "RAG (year to date)", "Notes"])
    first = row
    for directorate in data.nodes("ytd", "directorate", clinical_group=group):
        book.text(ws, row, 1, directorate["node"], **line)
        for col, window in ((2, "month"), (3, "quarter"), (4, "ytd")):
            source = data.row(window, "directorate", directorate["node"]) or {}
            book.number(ws, row, col, source.get("ip_cost"), PERCENT_CHANGE, **line)
        book.text(ws, row, 5, rag(directorate["ip_cost"]), align="center", **line)
        notes = data.notes_text(directorate)
        book.text(ws, row, 6, notes, text_wrap=True, font_size=9, font_color=NHS_DARK_GREY,
                  **line)
        row += 1
    for col in (2, 3, 4):
        book.rag_cells(ws, first, row - 1, col)
    book.rag_text_cells(ws, first, row - 1, 5)
    row = book.rag_legend(ws, row, 1) + 1

    row = book.section(ws, row, "Key messages", last)
    for message in key_messages(data, group):
        row = book.paragraph(ws, row, f"•  {message}", last)


def key_messages(data: OrgData, group: str) -> list[str]:
    ytd = data.row("ytd", "clinical_group", group) or {}
    quarter = data.row("quarter", "clinical_group", group) or {}
    base = data.base_year
    messages = []
    if ytd.get("activity_index") is not None:
        messages.append(
            f"In {data.span_label('ytd')}, {group}'s cost-weighted activity was "
            f"{movement(ytd['activity_index'])} on the same months of {base}, real-terms cost "
            f"{movement(ytd.get('cost_index'))} and staff in post {movement(ytd.get('wte_index'))}.")
        messages.append(
            f"Implied productivity is {signed_percent(ytd.get('ip_cost'))} on cost "
            f"({rag(ytd.get('ip_cost'))}) and {signed_percent(ytd.get('ip_wte'))} on workforce "
            f"year to date; quarter {data.quarter} alone {signed_percent(quarter.get('ip_cost'))} "
            f"and {signed_percent(quarter.get('ip_wte'))}.")
    else:
        messages.append(
            f"{group} has no implied productivity ({ytd.get('null_reason') or 'not defined'}): "
            f"its real-terms cost is {movement(ytd.get('cost_index'))} and staff in post "
            f"{movement(ytd.get('wte_index'))} on the same months of {base}.")
    services = [s for s in data.nodes("ytd", "service", clinical_group=group)
                if s["cost_opportunity"] is not None]
    above = [s for s in services if s["cost_opportunity"] > 0]
    if above:
        total = sum(s["cost_opportunity"] for s in above)
        worst = max(above, key=lambda s: s["cost_opportunity"])
        messages.append(
            f"{len(above)} service(s) spend {pounds_words(total)} more than {base} productivity "
            f"would need, the largest {worst['node']} at {pounds_words(worst['cost_opportunity'])}"
            ": the starting point for cost improvement plans (CIP opportunity sheet).")
    elif services:
        messages.append(f"Every service with activity spends less than {base} productivity would "
                        "need for what it delivers.")
    notes = [n for n in data.dq_notes if n.services & data.services_under("clinical_group", group)]
    if notes:
        messages.append(f"{len(notes)} data-quality note(s) touch this group's services: "
                        + "; ".join(n.title.lower() for n in notes) + ".")
    return messages


# --- a sheet per directorate -------------------------------------------------------------

SERVICE_COLUMNS = [  # header, mart column, window, format, width
    ("IPc, month", "ip_cost", "month", PERCENT_CHANGE, 10),
    ("IPc, quarter", "ip_cost", "quarter", PERCENT_CHANGE, 10),
    ("IPc, YTD", "ip_cost", "ytd", PERCENT_CHANGE, 10),
    ("RAG (YTD)", None, "ytd", None, 8),
    ("IPw, YTD", "ip_wte", "ytd", PERCENT_CHANGE, 10),
    ("Activity index, YTD", "activity_index", "ytd", INDEX, 10),
    ("Cost index, YTD", "cost_index", "ytd", INDEX, 10),
    ("WTE index, YTD", "wte_index", "ytd", INDEX, 10),
    ("Cost opportunity £, YTD", "cost_opportunity", "ytd", POUNDS, 13),
    ("WTE opportunity, YTD", "wte_opportunity", "ytd", WTE, 11),
]


def directorate_sheet(book: Book, data: OrgData, group: str, directorate: dict) -> None:
    name = directorate["node"]
    ws = book.sheet(name)
    notes_col = 2 + len(SERVICE_COLUMNS)
    book.columns(ws, {1: 34, **{2 + i: c[-1] for i, c in enumerate(SERVICE_COLUMNS)},
                      notes_col: 34})
    row = book.title(ws, f"{name} — services, {pack_title(data)}",
                     f"{trust_title(data)} · {group} · month, quarter {data.quarter} and year to "
                     f"date against the same months of {data.base_year}", notes_col)
    header_row = row
    row = book.header(ws, row, 1, ["Service", *(c[0] for c in SERVICE_COLUMNS), "Notes"])
    first = row
    row = node_row(book, ws, data, row, directorate, f"{name} (directorate)",
                   bold=True, bg_color=NHS_PALE_GREY)
    for service in data.nodes("ytd", "service", directorate=name):
        row = node_row(book, ws, data, row, service, service["node"])
    for col in (2, 3, 4):
        book.rag_cells(ws, first, row - 1, col)
    book.rag_text_cells(ws, first, row - 1, 5)
    book.repeat_header(ws, header_row)
    book.rag_legend(ws, row + 1, 1)


def node_row(book: Book, ws, data: OrgData, row: int, ytd_row: dict, label: str,
             **style) -> int:
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY, **style}
    book.text(ws, row, 1, label, **line)
    for i, (_, column, window, num_format, _) in enumerate(SERVICE_COLUMNS):
        if column is None:
            book.text(ws, row, 2 + i, rag(ytd_row["ip_cost"]), align="center", **line)
            continue
        source = ytd_row if window == "ytd" else (
            data.row(window, ytd_row["level"], ytd_row["node"]) or {})
        book.number(ws, row, 2 + i, source.get(column), num_format, **line)
    notes = data.notes_text(ytd_row)
    book.text(ws, row, 2 + len(SERVICE_COLUMNS), notes, text_wrap=True, font_size=9,
              font_color=NHS_DARK_GREY, **line)
    return row + 1


# --- efficiency indicators ------------------------------------------------------------

def efficiency_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("Efficiency")
    widths = {1: 26, 2: 44, 3: 12, 4: 13, 5: 13, 6: 12, 7: 11}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(ws, f"Efficiency indicators — {pack_title(data)}, year to date",
                     f"{trust_title(data)} · {group} · {data.span_label('ytd')} against the same "
                     f"months of {data.base_year}", last)
    header_row = row
    row = book.header(ws, row, 1, ["Clinical group / directorate", "Indicator", "Better when",
                                   data.base_year, data.financial_year, "Change", "Verdict"])
    first = row
    directorates = {d["node"] for d in data.nodes("ytd", "directorate", clinical_group=group)}
    wanted = [("clinical_group", group)] + [("directorate", d) for d in sorted(directorates)]
    by_node: dict[tuple[str, str], list[dict]] = {}
    for i in data.indicators:
        by_node.setdefault((i["level"], i["node"]), []).append(i)
    for level, node in wanted:
        for n, indicator in enumerate(sorted(by_node.get((level, node), []),
                                             key=lambda i: i["indicator_sort"])):
            num_format, better = INDICATORS.get(indicator["indicator"], (RATIO, "lower"))
            line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
            book.text(ws, row, 1, node if n == 0 else None, bold=True, **line)
            book.text(ws, row, 2, indicator["indicator_label"], **line)
            book.text(ws, row, 3, better, align="center", **line)
            book.number(ws, row, 4, indicator["base_value"], num_format, **line)
            book.number(ws, row, 5, indicator["current_value"], num_format, **line)
            book.number(ws, row, 6, indicator["change"], change_format(num_format), **line)
            book.text(ws, row, 7, verdict(indicator["change"], better), align="center", **line)
            row += 1
    for text, status in (("Better", "Green"), ("Worse", "Red")):
        ws.conditional_format(first, 7, max(first, row - 1), 7, {
            "type": "cell", "criteria": "==", "value": f'"{text}"',
            "format": book.rag_format(status)})
    book.repeat_header(ws, header_row)
    book.text(ws, row + 1, 1, "For rates the change is in percentage points. n/a: the measure "
              "has no denominator in that window (for example no elective spells).",
              italic=True, font_size=8, font_color=NHS_DARK_GREY)


def change_format(num_format: str) -> str:
    """Changes carry their sign; a rate's change is in points, shown as a percentage."""
    if num_format == PERCENT:
        return PERCENT_CHANGE
    return f"+{num_format};-{num_format};{num_format}"


def verdict(change: float | None, better: str) -> str:
    if change is None:
        return "n/a"
    if change == 0:
        return "Same"
    return "Better" if (change < 0) == (better == "lower") else "Worse"


# --- opportunity for cost improvement plans --------------------------------------------

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
    total = {"bold": True, "top": 2, "top_color": "#005EB8"}
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


# --- data quality ----------------------------------------------------------------------

def data_quality_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("Data quality")
    widths = {1: 10, 2: 34, 3: 24, 4: 14, 5: 70}
    book.columns(ws, widths)
    last = max(widths)
    services = data.services_under("clinical_group", group)
    row = book.title(ws, f"Data-quality notes — {group}, {data.month_label}",
                     f"{trust_title(data)} · notes about this group's services, then those about "
                     "the trust as a whole", last)
    notes = [n for n in data.dq_notes if n.services & services] + data.trust_wide_notes()
    write_dq_notes(book, ws, row, notes, services)
