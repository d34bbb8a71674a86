"""The monthly executive report of one trust: a one-page summary of both lenses (against the
base year and against last year, NHS England's measure) naming what moved the year to date,
the indices month by month, what moved each index, clinical groups and directorates, the
largest adverse and favourable services, the year to date as NHS England measures it, the
figures revised since last month's report, data-quality notes, the files behind the figures
and definitions."""

from __future__ import annotations

from pathlib import Path

from tasks.report import lenses
from tasks.report.bridge import bridge_sheet
from tasks.report.drivers import drivers_sentence
from tasks.report.headline import year_on_year_words
from tasks.report.lenses import lens_colours, lens_spans, verdict
from tasks.report.lineage import revisions_sentence, revisions_sheet, sources_sheet
from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.nhse import nhse_sheet
from tasks.report.sheets import (
    definitions_sheet,
    movement,
    trust_title,
    with_reason,
    write_dq_notes,
)
from tasks.report.spc import ASSURANCE, VARIATION, variation_words
from tasks.report.spc_chart import Panel, spc_sheets
from tasks.report.style import (
    INDEX,
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
from tasks.report.trend import trend_sheet

SERVICES_SHOWN = 5


def write(data: OrgData, path: Path) -> Path:
    book = Book(path, footer=f"{data.org_name} · implied productivity · {data.month_label}")
    summary_sheet(book, data)
    trend_sheet(book, data)
    spc_charts_sheet(book, data)
    bridge_sheet(book, data, "trust", data.org_code, "What moved it",
                 f"What moved it: the trust's year to date — {data.month_label}",
                 f"{trust_title(data)} · year to date {data.span_label('ytd')} against the same "
                 f"months of {data.base_year}, each index from 100 to today by its parts")
    clinical_groups_sheet(book, data)
    services_sheet(book, data)
    nhse_sheet(book, data)
    revisions_sheet(book, data)
    data_quality_sheet(book, data)
    sources_sheet(book, data)
    definitions_sheet(book, data)
    return book.close()


# --- summary ---------------------------------------------------------------------------

def summary_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Summary", one_page=True)
    book.columns(ws, lenses.WIDTHS)
    last = lenses.NOTES_COL
    row = book.title(
        ws, f"Implied productivity — {data.month_label}, against {data.base_year} and against "
            "last year",
        f"{trust_title(data)} · financial year {data.financial_year}, month {data.fin_month} · "
        f"every figure against the same months of {data.base_year} and of {data.last_year}",
        last)

    ytd = data.trust("ytd")
    row = book.section(ws, row, "Headline figures", last)
    band_row = row
    row = lenses.lens_header(book, ws, data, row, "Measure")
    header_row = row - 1
    row = lenses.headline_table(book, ws, data, row, "trust", data.org_code,
                                data.notes_text(ytd) if ytd else "")
    row = lenses.rank_line(book, ws, data, row)
    book.repeat_header(ws, header_row, band_row)
    row = book.rag_legend(ws, row, 1, data.year_on_year_target) + 1
    row = lenses.year_on_year_block(book, ws, data, row, last) + 1

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
    rank = data.rank("ytd")
    messages.append(
        f"Implied productivity year to date is {signed_percent(ytd.get('ip_cost'))} on cost "
        f"({rag(ytd.get('ip_cost'))}) and {signed_percent(ytd.get('ip_wte'))} on workforce; "
        f"{data.month_label} alone {signed_percent(month.get('ip_cost'))} and "
        f"{signed_percent(month.get('ip_wte'))}."
        + (f" On cost the trust ranks {rank['rank_label']} among its peers." if rank else ""))
    messages += [drivers_sentence(data, "trust", data.org_code, BASE, "What moved it sheet"),
                 drivers_sentence(data, "trust", data.org_code, PRIOR)]
    prior_rank = data.rank("ytd", PRIOR)
    messages.append(year_on_year_words(data, data.trust("ytd", PRIOR))
                    + (f" On that measure it ranks {prior_rank['rank_label']} among its peers."
                       if prior_rank else ""))
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
    messages.append(spc_message(data))
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
    messages.append(revisions_sentence(data))
    return messages


def extreme_services(data: OrgData) -> tuple[list[dict], list[dict]]:
    """Services furthest above and below what base-year productivity needs (YTD £)."""
    return (data.largest_services("adverse", SERVICES_SHOWN),
            data.largest_services("favourable", SERVICES_SHOWN))


# --- signal or noise -------------------------------------------------------------------

def spc_charts_sheet(book: Book, data: OrgData) -> None:
    """The trust's implied productivity month by month as SPC charts: cost and workforce, each
    against the base year and against last year."""
    panels = [Panel(f"Implied productivity ({what}) {data.lens_label(basis)}", "trust",
                    data.org_code, measure, basis)
              for measure, what in (("ip_cost", "cost"), ("ip_wte", "workforce"))
              for basis in (BASE, PRIOR)]
    spc_sheets(book, data, "SPC charts",
               f"Signal or noise: implied productivity month by month — {data.month_label}",
               f"{trust_title(data)} · each month alone against the same month of "
               f"{data.base_year} and of last year, as Making Data Count reads a measure",
               panels)


def spc_message(data: OrgData) -> str:
    """The trust's month-by-month reading on cost, on both lenses, in a sentence."""
    readings = {basis: data.spc_reading("trust", data.org_code, "ip_cost", basis)
                for basis in (BASE, PRIOR)}
    return ("Month by month (SPC charts sheet), implied productivity on cost reads "
            + "; ".join(f"{data.lens_label(basis)}: {variation_words(data, reading)}"
                        for basis, reading in readings.items()) + ".")


# --- clinical groups and directorates -------------------------------------------------

TABLE_COLUMNS = [  # header, basis, mart column, window, format, width
    ("Activity index, YTD", BASE, "activity_index", "ytd", INDEX, 10),
    ("Cost index, YTD", BASE, "cost_index", "ytd", INDEX, 10),
    ("WTE index, YTD", BASE, "wte_index", "ytd", INDEX, 10),
    ("IPc, month", BASE, "ip_cost", "month", PERCENT_CHANGE, 10),
    ("IPc, YTD", BASE, "ip_cost", "ytd", PERCENT_CHANGE, 10),
    ("RAG", BASE, None, "ytd", None, 8),
    ("Variation, IPc month by month", BASE, VARIATION, "month", None, 16),
    ("Assurance, IPc", BASE, ASSURANCE, "month", None, 15),
    ("IPw, YTD", BASE, "ip_wte", "ytd", PERCENT_CHANGE, 10),
    ("Cost opportunity £, YTD", BASE, "cost_opportunity", "ytd", POUNDS, 13),
    ("WTE opportunity, YTD", BASE, "wte_opportunity", "ytd", WTE, 11),
    ("IPc, month", PRIOR, "ip_cost", "month", PERCENT_CHANGE, 10),
    ("IPc, YTD", PRIOR, "ip_cost", "ytd", PERCENT_CHANGE, 10),
    ("Target", PRIOR, None, "ytd", None, 8),
    ("Variation, IPc month by month", PRIOR, VARIATION, "month", None, 16),
    ("Assurance, IPc", PRIOR, ASSURANCE, "month", None, 15),
]


def clinical_groups_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Clinical groups")
    notes_col = 2 + len(TABLE_COLUMNS)
    book.columns(ws, {1: 34, **{2 + i: c[-1] for i, c in enumerate(TABLE_COLUMNS)},
                      notes_col: 36})
    row = book.title(ws, f"Clinical groups and directorates — {data.month_label}",
                     f"{trust_title(data)} · year to date {data.span_label('ytd')} and the month, "
                     f"against the same months of {data.base_year} and of {data.last_year}",
                     notes_col)
    band_row = row
    row = book.band(ws, row, lens_spans(data, TABLE_COLUMNS, 2))
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
    lens_colours(book, data, ws, first, row - 1, TABLE_COLUMNS, 2)
    book.repeat_header(ws, header_row, band_row)
    book.rag_legend(ws, row + 1, 1, data.year_on_year_target)


def node_line(book: Book, ws, data: OrgData, row: int, ytd_row: dict, label: str,
              **style) -> int:
    """One node across the table's columns, each figure from its basis and window."""
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY,
            **{k: v for k, v in style.items() if k in ("bold", "bg_color")}}
    book.text(ws, row, 1, label, **line, **({"indent": style["indent"]} if "indent" in style else {}))
    lenses.node_cells(book, ws, data, row, ytd_row, TABLE_COLUMNS, ("month", "ytd"), line)
    return row + 1


# --- services --------------------------------------------------------------------------

SERVICE_COLUMNS = [  # header, basis, mart column, format, width
    ("Service", BASE, "node", None, 20), ("Directorate", BASE, "directorate", None, 16),
    ("Clinical group", BASE, "clinical_group", None, 14),
    ("IPc, YTD", BASE, "ip_cost", PERCENT_CHANGE, 10), ("RAG", BASE, None, None, 8),
    ("IPw, YTD", BASE, "ip_wte", PERCENT_CHANGE, 10),
    ("Cost opportunity £, YTD", BASE, "cost_opportunity", POUNDS, 13),
    ("At today's prices £", BASE, "cost_opportunity_current_prices", POUNDS, 13),
    ("WTE opportunity, YTD", BASE, "wte_opportunity", WTE, 11),
    ("IPc, YTD", PRIOR, "ip_cost", PERCENT_CHANGE, 10), ("Target", PRIOR, None, None, 8),
    ("Notes", PRIOR, "notes", None, 30),
]


def services_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Services")
    book.columns(ws, {1 + i: c[-1] for i, c in enumerate(SERVICE_COLUMNS)})
    last = len(SERVICE_COLUMNS)
    row = book.title(ws, f"Largest adverse and favourable services — {data.month_label}",
                     f"{trust_title(data)} · year to date {data.span_label('ytd')} against "
                     f"{data.base_year}, by cost opportunity, with the same services against "
                     "last year", last)
    adverse, favourable = extreme_services(data)
    first_header = band_row = None
    figures = SERVICE_COLUMNS[3:-1]
    for heading, services in (
            ("Adverse: spending most above what base-year productivity would need", adverse),
            ("Favourable: spending most below what base-year productivity would need", favourable)):
        row = book.section(ws, row, heading, last)
        if first_header is None:
            band_row = row
        row = book.band(ws, row, lens_spans(data, figures, 4))
        if first_header is None:
            first_header = row
        row = book.header(ws, row, 1, [c[0] for c in SERVICE_COLUMNS])
        first = row
        if not services:
            book.text(ws, row, 1, "None this month.", italic=True, font_color=NHS_DARK_GREY)
            row += 1
        for s in services:
            row = service_line(book, ws, data, row, s)
        lens_colours(book, data, ws, first, row - 1, figures, 4)
        row += 1
    book.repeat_header(ws, first_header, band_row)
    book.rag_legend(ws, row, 1, data.year_on_year_target)


def service_line(book: Book, ws, data: OrgData, row: int, service: dict) -> int:
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    prior = data.row("ytd", "service", service["node"], PRIOR) or {}
    notes = with_reason(data.notes_text(service), "ip_cost", prior)
    for col, (_, basis, column, num_format, _) in enumerate(SERVICE_COLUMNS, start=1):
        source = service if basis == BASE else prior
        if column is None:
            book.text(ws, row, col, verdict(data, source, basis), align="center", **line)
        elif column == "notes":
            book.text(ws, row, col, notes, text_wrap=True, font_size=9,
                      font_color=NHS_DARK_GREY, **line)
        elif num_format is None:
            book.text(ws, row, col, service.get(column) or "(not in the hierarchy)", **line)
        else:
            book.number(ws, row, col, source.get(column), num_format, **line)
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


