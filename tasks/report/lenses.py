"""The two lenses side by side, as the summaries of the executive report and the packs show
them: month, quarter and year to date against the base year and against last year, each
figure a number under a defined name; the peer rank on both; and the year-on-year figure as
NHS England states it (its three growth rates) against the national target."""

from __future__ import annotations

from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.sheets import with_reason
from tasks.report.spc import ASSURANCE, VARIATION, node_reading_cell
from tasks.report.style import (
    INDEX,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    POUNDS,
    WTE,
    Book,
    against_target,
    rag,
)

WINDOWS = ("month", "quarter", "ytd")
WINDOW_NAME = {"month": "Month", "quarter": "Quarter", "ytd": "YTD"}
NAME_SUFFIX = {BASE: "", PRIOR: "_PriorYear"}

# The table's columns: the measure, each lens's month, quarter and year to date with its
# verdict (RAG on the base year, the target on last year), then notes.
MEASURE_COL = 1
LENS_COLS = {BASE: (2, 3, 4), PRIOR: (6, 7, 8)}
VERDICT_COL = {BASE: 5, PRIOR: 9}
NOTES_COL = 10
WIDTHS = {1: 36, 2: 10.5, 3: 11.5, 4: 11.5, 5: 9, 6: 10.5, 7: 11.5, 8: 11.5, 9: 9, 10: 40}

LINE = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
NOTE = {"text_wrap": True, "font_size": 9, "font_color": NHS_DARK_GREY}


def lines(data: OrgData) -> list[tuple[str, str, str, str, str]]:
    """The headline measures: label, mart column, format, defined name, note."""
    return [
        ("Implied productivity, cost (IPc)", "ip_cost", PERCENT_CHANGE, "IPc", ""),
        ("Implied productivity, workforce (IPw)", "ip_wte", PERCENT_CHANGE, "IPw", ""),
        ("Activity growth index (cost-weighted)", "activity_index", INDEX, "ActivityIndex", ""),
        ("Real-terms cost growth index", "cost_index", INDEX, "CostIndex", ""),
        ("Workforce (WTE) growth index", "wte_index", INDEX, "WTEIndex", ""),
        (f"Cost opportunity, £ at {data.base_year} prices", "cost_opportunity", POUNDS,
         "CostOpportunity", ("Positive: spending above what the comparison year's productivity "
                            "would need for the activity delivered")),
        ("Cost opportunity, £ at today's prices", "cost_opportunity_current_prices", POUNDS,
         "CostOpportunityTodaysPrices", ""),
        ("WTE opportunity", "wte_opportunity", WTE, "WTEOpportunity",
         "Positive: staff above what the comparison year's productivity would need"),
    ]


def window_labels(data: OrgData) -> list[str]:
    return [data.month_label, f"Quarter {data.quarter}\n{data.span_label('quarter')}",
            f"Year to date\n{data.span_label('ytd')}"]


def lens_header(book: Book, ws, data: OrgData, row: int, first_label: str,
                windows: list[str] | None = None) -> int:
    """The band naming the two lenses over the header of their columns; returns the first
    row under the header."""
    windows = windows or window_labels(data)
    target = f"{data.year_on_year_target:+.0%} target (YTD)"
    book.band(ws, row, [(LENS_COLS[BASE][0], VERDICT_COL[BASE], data.lens_label(BASE).capitalize()),
                        (LENS_COLS[PRIOR][0], VERDICT_COL[PRIOR],
                         f"Against last year ({data.last_year}), NHS England's measure")])
    return book.header(ws, row + 1, MEASURE_COL, [first_label, *windows, "RAG (YTD)", *windows,
                                                  target, "Notes"])


def headline_table(book: Book, ws, data: OrgData, row: int, level: str, node: str,
                   ip_note: str) -> int:
    """Each headline measure of a node on both lenses, every figure under a defined name
    ('IPc_YTD', 'IPc_YTD_PriorYear'); returns the next row. ip_note: the IPc line's notes."""
    rows = {(basis, window): data.row(window, level, node, basis) or {}
            for basis in (BASE, PRIOR) for window in WINDOWS}
    for label, column, num_format, name, note in lines(data):
        note = with_reason(ip_note if column == "ip_cost" else note, column, *rows.values())
        emphasis = {"bold": True} if column in ("ip_cost", "ip_wte") else {}
        book.text(ws, row, MEASURE_COL, label, **emphasis, **LINE)
        for basis, cols in LENS_COLS.items():
            for col, window in zip(cols, WINDOWS):
                book.number(ws, row, col, rows[(basis, window)].get(column), num_format,
                            **emphasis, **LINE)
                book.define_name(f"{name}_{WINDOW_NAME[window]}{NAME_SUFFIX[basis]}", ws, row, col)
        ip_ytd = {basis: rows[(basis, "ytd")].get("ip_cost") for basis in (BASE, PRIOR)}
        is_ip = column == "ip_cost"
        book.text(ws, row, VERDICT_COL[BASE], rag(ip_ytd[BASE]) if is_ip else None,
                  align="center", **LINE)
        book.text(ws, row, VERDICT_COL[PRIOR],
                  against_target(ip_ytd[PRIOR], data.year_on_year_target) if is_ip else None,
                  align="center", **LINE)
        book.text(ws, row, NOTES_COL, note, **NOTE, **LINE)
        if is_ip:
            colour_lenses(book, ws, data, row, row)
        row += 1
    return row


def colour_lenses(book: Book, ws, data: OrgData, first: int, last: int) -> None:
    """RAG on the base year's IPc, the target's colours on last year's."""
    for col in LENS_COLS[BASE]:
        book.rag_cells(ws, first, last, col)
    book.rag_text_cells(ws, first, last, VERDICT_COL[BASE])
    for col in LENS_COLS[PRIOR]:
        book.target_cells(ws, first, last, col, data.year_on_year_target)
    book.target_text_cells(ws, first, last, VERDICT_COL[PRIOR])


def ip_line(book: Book, ws, data: OrgData, row: int, level: str, node: str, label: str,
            **style) -> int:
    """One node's IPc on both lenses, month, quarter and year to date, with its verdicts."""
    line = {**LINE, **style}
    book.text(ws, row, MEASURE_COL, label, **line)
    for basis, cols in LENS_COLS.items():
        for col, window in zip(cols, WINDOWS):
            book.number(ws, row, col, (data.row(window, level, node, basis) or {}).get("ip_cost"),
                        PERCENT_CHANGE, **line)
    ytd = {basis: (data.row("ytd", level, node, basis) or {}) for basis in (BASE, PRIOR)}
    book.text(ws, row, VERDICT_COL[BASE], rag(ytd[BASE].get("ip_cost")), align="center", **line)
    book.text(ws, row, VERDICT_COL[PRIOR],
              against_target(ytd[PRIOR].get("ip_cost"), data.year_on_year_target),
              align="center", **line)
    notes = with_reason(data.notes_text(ytd[BASE]) if ytd[BASE] else "", "ip_cost",
                        *(data.row(w, level, node, PRIOR) or {} for w in WINDOWS))
    book.text(ws, row, NOTES_COL, notes, **NOTE, **line)
    return row + 1


def rank_line(book: Book, ws, data: OrgData, row: int) -> int:
    """Rank on IPc among peers on both lenses: numbers (Rank_YTD, Rank_YTD_PriorYear) read
    as '2nd of 3'."""
    book.text(ws, row, MEASURE_COL, "Rank among peers on IPc", bold=True, **LINE)
    for basis, cols in LENS_COLS.items():
        for col, window in zip(cols, WINDOWS):
            rank = data.rank(window, basis)
            if rank:
                ws.write_number(row, col, rank["rank"], book.rank_format(
                    rank["rank"], rank["peer_count"], bold=True, align="right", **LINE))
                book.reach(ws, row, col)
            else:
                book.number(ws, row, col, None, "0", **LINE)
            book.define_name(f"Rank_{WINDOW_NAME[window]}{NAME_SUFFIX[basis]}", ws, row, col)
        book.text(ws, row, VERDICT_COL[basis], None, **LINE)
    counts = [f"{rank['peer_count']} trusts {data.lens_label(basis)}" if rank
              else f"not ranked {data.lens_label(basis)}, no year-to-date figure"
              for basis, rank in ((b, data.rank("ytd", b)) for b in (BASE, PRIOR))]
    book.text(ws, row, NOTES_COL, "1st is the most productive, among the trusts loaded and "
              f"the published peer figures (year to date: {'; '.join(counts)})"
              if data.rank("ytd") or data.rank("ytd", PRIOR)
              else "No peer figures for this month", **NOTE, **LINE)
    return row + 1


# --- tables whose columns name their basis: (header, basis, mart column, ...) -----------

def lens_spans(data: OrgData, columns: list[tuple], first_col: int) -> list[tuple[int, int, str]]:
    """The band over a table's columns: each lens named over the columns it holds."""
    spans: list[tuple[int, int, str]] = []
    for i, column in enumerate(columns):
        basis, col = column[1], first_col + i
        if spans and spans[-1][2] == data.lens_label(basis).capitalize():
            spans[-1] = (spans[-1][0], col, spans[-1][2])
        else:
            spans.append((col, col, data.lens_label(basis).capitalize()))
    return spans


def lens_colours(book: Book, data: OrgData, ws, first: int, last: int, columns: list[tuple],
                 first_col: int) -> None:
    """RAG on IPc against the base year, the target's colours on IPc against last year."""
    for i, column in enumerate(columns):
        basis, key, col = column[1], column[2], first_col + i
        if key == "ip_cost" and basis == BASE:
            book.rag_cells(ws, first, last, col)
        elif key == "ip_cost":
            book.target_cells(ws, first, last, col, data.year_on_year_target)
        elif key is None and basis == BASE:
            book.rag_text_cells(ws, first, last, col)
        elif key is None:
            book.target_text_cells(ws, first, last, col)


def verdict(data: OrgData, row: dict, basis: str) -> str:
    """RAG against the base year; against last year, the national target met or not."""
    if basis == BASE:
        return rag(row.get("ip_cost"))
    return against_target(row.get("ip_cost"), data.year_on_year_target)


# --- year on year, as NHS England states it ------------------------------------------

GROWTH_LINES = [  # label, mart column, defined name, how it is built
    ("Cost-weighted activity growth", "activity_growth", "ActivityGrowth_YTD_PriorYear",
     ("Activity valued at {base} unit costs, this year on the same months of last year "
     "(the activity growth index less one)")),
    ("Real-terms resource growth", "resource_growth", "ResourceGrowth_YTD_PriorYear",
     ("Pay and non-pay spending, each year's inflation taken out (the real-terms cost growth "
     "index less one)")),
    ("Productivity growth", "ip_cost", "ProductivityGrowth_YTD_PriorYear",
     ("(1 + activity growth) ÷ (1 + resource growth) − 1: the figure NHS England publishes "
     "and reads against its target")),
]


def growth_value(book: Book, ws, row: int, col: int, value: float | None, reason: str | None,
                 **style) -> None:
    """A growth rate as a number; where last year's months are missing, that in words."""
    if value is None and reason:
        book.text(ws, row, col, f"{reason[0].upper()}{reason[1:]}", italic=True,
                  text_wrap=True, align="right", font_color=NHS_DARK_GREY, **style)
    else:
        book.number(ws, row, col, value, PERCENT_CHANGE, **style)


def year_on_year_block(book: Book, ws, data: OrgData, row: int, last_col: int) -> int:
    """The trust's year to date on last year in NHS England's three growth rates, the last
    against the national target; returns the next row."""
    prior = data.trust("ytd", PRIOR)
    reason = prior.get("null_reason")
    target = data.year_on_year_target
    row = book.section(ws, row, f"Year on year, as NHS England measures it — year to date "
                       f"{data.span_label('ytd')} against the same months of {data.last_year}",
                       last_col)
    header_row = row
    row = book.header(ws, row, MEASURE_COL, ["Growth on last year", "Year to date", "Target",
                                             "Verdict"])
    book.paragraph(ws, header_row, "How it is built", last_col, first_col=5, bold=True,
                   font_color=NHS_DARK_BLUE, bg_color=NHS_PALE_GREY, bottom=2, bottom_color=NHS_BLUE)
    for label, column, name, how in GROWTH_LINES:
        is_ip = column == "ip_cost"
        emphasis = {"bold": True} if is_ip else {}
        book.text(ws, row, 1, label, **emphasis, **LINE)
        growth_value(book, ws, row, 2, prior.get(column), reason, **emphasis, **LINE)
        book.define_name(name, ws, row, 2)
        if is_ip:
            book.number(ws, row, 3, target, PERCENT_CHANGE, **LINE)
            book.define_name("YearOnYearTarget", ws, row, 3)
            verdict = against_target(prior.get("ip_cost"), target)
            book.text(ws, row, 4, "Not known" if verdict == "n/a" else verdict, bold=True,
                      align="center", **LINE)
            book.target_cells(ws, row, row, 2, target)
            book.target_text_cells(ws, row, row, 4)
        else:
            book.text(ws, row, 3, None, **LINE)
            book.text(ws, row, 4, None, **LINE)
        book.paragraph(ws, row, how.format(base=data.base_year), last_col, first_col=5,
                       font_size=9, font_color=NHS_DARK_GREY, **LINE)
        row += 1
    if prior.get("ip_cost") is None:
        text = (f"No year-on-year figure yet: {reason}. It needs the same months of "
                f"{data.last_year} loaded for the ledger, ESR and activity."
                if reason == "no prior-year data" else
                f"No year-on-year figure: {reason or 'not defined'}.")
        row = book.paragraph(ws, row, text, last_col, italic=True, font_size=9,
                             font_color=NHS_DARK_GREY)
    return row


def node_cells(book: Book, ws, data: OrgData, row: int, ytd_row: dict, columns: list[tuple],
               note_windows: tuple[str, ...], line: dict) -> None:
    """A node's figures across a lens table's columns from the third on, each from its basis
    and window (the verdict, the SPC reading, or the mart's value), then its notes."""
    level, node = ytd_row["level"], ytd_row["node"]
    for i, (_, basis, column, window, num_format, _) in enumerate(columns):
        source = data.row(window, level, node, basis) or {}
        if column is None:
            book.text(ws, row, 2 + i, verdict(data, source, basis), align="center", **line)
        elif column in (VARIATION, ASSURANCE):
            node_reading_cell(book, ws, row, 2 + i, data, level, node, basis, column, **LINE)
        else:
            book.number(ws, row, 2 + i, source.get(column), num_format, **line)
    notes = with_reason(data.notes_text(ytd_row), "ip_cost",
                        *(data.row(w, level, node, PRIOR) or {} for w in note_windows))
    book.text(ws, row, 2 + len(columns), notes, **NOTE, **line)
