"""The quarterly productivity pack of one clinical group: a summary of both lenses (against
the base year and against last year), a sheet per directorate with its services on both and
one with what moved its indices, triangulation charts, efficiency indicators, the opportunity
for cost improvement plans, the group's data-quality notes and the files behind the figures."""

from __future__ import annotations

from pathlib import Path

from tasks.report import lenses
from tasks.report.bridge import bridge_sheet
from tasks.report.cip import cip_sheet
from tasks.report.definitions import EFFICIENCY_DEFINITIONS
from tasks.report.drivers import drivers_sentence
from tasks.report.efficiency import efficiency_sheet
from tasks.report.headline import year_on_year_words
from tasks.report.lenses import lens_colours, lens_spans
from tasks.report.lineage import sources_sheet
from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.sheets import (
    definitions_sheet,
    movement,
    pack_title,
    trust_title,
    write_dq_notes,
)
from tasks.report.spc import ASSURANCE, VARIATION
from tasks.report.spc_chart import Panel, spc_sheets
from tasks.report.style import (
    INDEX,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    POUNDS,
    WTE,
    Book,
    pounds_words,
    rag,
    signed_percent,
)
from tasks.report.triangulation import triangulation_sheets


def write(data: OrgData, clinical_group: str, path: Path) -> Path:
    book = Book(path, footer=f"{data.org_name} · {clinical_group} productivity pack · "
                             f"{data.month_label}")
    summary_sheet(book, data, clinical_group)
    for directorate in data.nodes("ytd", "directorate", clinical_group=clinical_group):
        directorate_sheet(book, data, clinical_group, directorate)
        name = directorate["node"]
        bridge_sheet(book, data, "directorate", name, f"What moved it · {name}",
                     f"What moved it: {name}, year to date — {pack_title(data)}",
                     f"{trust_title(data)} · {clinical_group} · year to date "
                     f"{data.span_label('ytd')} against the same months of {data.base_year}, "
                     "each index from 100 to today by its parts")
    spc_charts_sheet(book, data, clinical_group)
    triangulation_sheets(book, data, clinical_group)
    efficiency_sheet(book, data, clinical_group)
    cip_sheet(book, data, clinical_group)
    data_quality_sheet(book, data, clinical_group)
    sources_sheet(book, data)
    definitions_sheet(book, data, EFFICIENCY_DEFINITIONS)
    return book.close()


# --- summary ---------------------------------------------------------------------------

def summary_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("Summary", one_page=True)
    book.columns(ws, lenses.WIDTHS)
    last = lenses.NOTES_COL
    row = book.title(ws, f"{group} — productivity pack, {pack_title(data)}",
                     f"{trust_title(data)} · clinical group {group} · against the same months "
                     f"of {data.base_year} and of {data.last_year}", last)
    ytd = data.row("ytd", "clinical_group", group) or {}
    row = book.section(ws, row, "Headline figures", last)
    band_row = row
    row = lenses.lens_header(book, ws, data, row, "Measure")
    header_row = row - 1
    row = lenses.headline_table(book, ws, data, row, "clinical_group", group,
                                data.notes_text(ytd) if ytd else "")
    book.repeat_header(ws, header_row, band_row)
    row += 1

    row = book.section(ws, row, "Directorates: implied productivity (cost)", last)
    row = lenses.lens_header(book, ws, data, row, "Directorate")
    first = row
    for directorate in data.nodes("ytd", "directorate", clinical_group=group):
        row = lenses.ip_line(book, ws, data, row, "directorate", directorate["node"],
                             directorate["node"])
    lenses.colour_lenses(book, ws, data, first, row - 1)
    row = book.rag_legend(ws, row, 1, data.year_on_year_target) + 1

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
    messages.append(drivers_sentence(data, "clinical_group", group, BASE,
                                     "each directorate's on its What moved it sheet"))
    messages.append(year_on_year_words(data, data.row("ytd", "clinical_group", group, PRIOR),
                                       group))
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

SERVICE_COLUMNS = [  # header, basis, mart column, window, format, width
    ("IPc, month", BASE, "ip_cost", "month", PERCENT_CHANGE, 9),
    ("IPc, quarter", BASE, "ip_cost", "quarter", PERCENT_CHANGE, 9),
    ("IPc, YTD", BASE, "ip_cost", "ytd", PERCENT_CHANGE, 9),
    ("RAG (YTD)", BASE, None, "ytd", None, 8),
    ("Variation, IPc month by month", BASE, VARIATION, "month", None, 14),
    ("Assurance, IPc", BASE, ASSURANCE, "month", None, 14),
    ("IPw, YTD", BASE, "ip_wte", "ytd", PERCENT_CHANGE, 9),
    ("Activity index, YTD", BASE, "activity_index", "ytd", INDEX, 9),
    ("Cost index, YTD", BASE, "cost_index", "ytd", INDEX, 9),
    ("WTE index, YTD", BASE, "wte_index", "ytd", INDEX, 9),
    ("Cost opportunity £, YTD", BASE, "cost_opportunity", "ytd", POUNDS, 12),
    ("WTE opportunity, YTD", BASE, "wte_opportunity", "ytd", WTE, 10),
    ("IPc, month", PRIOR, "ip_cost", "month", PERCENT_CHANGE, 9),
    ("IPc, quarter", PRIOR, "ip_cost", "quarter", PERCENT_CHANGE, 9),
    ("IPc, YTD", PRIOR, "ip_cost", "ytd", PERCENT_CHANGE, 9),
    ("Target (YTD)", PRIOR, None, "ytd", None, 8),
    ("Variation, IPc month by month", PRIOR, VARIATION, "month", None, 14),
    ("Assurance, IPc", PRIOR, ASSURANCE, "month", None, 14),
]


def directorate_sheet(book: Book, data: OrgData, group: str, directorate: dict) -> None:
    name = directorate["node"]
    ws = book.sheet(name)
    notes_col = 2 + len(SERVICE_COLUMNS)
    book.columns(ws, {1: 28, **{2 + i: c[-1] for i, c in enumerate(SERVICE_COLUMNS)},
                      notes_col: 30})
    row = book.title(ws, f"{name} — services, {pack_title(data)}",
                     f"{trust_title(data)} · {group} · month, quarter {data.quarter} and year to "
                     f"date against the same months of {data.base_year} and of {data.last_year}",
                     notes_col)
    band_row = row
    row = book.band(ws, row, lens_spans(data, SERVICE_COLUMNS, 2))
    header_row = row
    row = book.header(ws, row, 1, ["Service", *(c[0] for c in SERVICE_COLUMNS), "Notes"])
    first = row
    row = node_row(book, ws, data, row, directorate, f"{name} (directorate)",
                   bold=True, bg_color=NHS_PALE_GREY)
    for service in data.nodes("ytd", "service", directorate=name):
        row = node_row(book, ws, data, row, service, service["node"])
    lens_colours(book, data, ws, first, row - 1, SERVICE_COLUMNS, 2)
    book.repeat_header(ws, header_row, band_row)
    book.rag_legend(ws, row + 1, 1, data.year_on_year_target)


def node_row(book: Book, ws, data: OrgData, row: int, ytd_row: dict, label: str,
             **style) -> int:
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY, **style}
    book.text(ws, row, 1, label, **line)
    lenses.node_cells(book, ws, data, row, ytd_row, SERVICE_COLUMNS, lenses.WINDOWS, line)
    return row + 1


# --- signal or noise -------------------------------------------------------------------

def spc_charts_sheet(book: Book, data: OrgData, group: str) -> None:
    """The group's and each directorate's implied productivity on cost month by month as SPC
    charts, against the base year and against last year side by side."""
    nodes = [("clinical_group", group)] + [
        ("directorate", d["node"]) for d in data.nodes("ytd", "directorate", clinical_group=group)]
    panels = [Panel(f"{node}: implied productivity (cost) {data.lens_label(basis)}", level, node,
                    "ip_cost", basis) for level, node in nodes for basis in (BASE, PRIOR)]
    spc_sheets(book, data, "SPC charts",
               f"{group} — signal or noise, {pack_title(data)}",
               f"{trust_title(data)} · the group and each directorate month by month against the "
               f"same month of {data.base_year} and of last year, as Making Data Count reads a "
               "measure", panels)


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
