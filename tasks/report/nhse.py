"""The executive report's sheet "As NHS England measures it": the trust's year to date
against the same months of last year in the layout of NHS England's monthly productivity
growth estimates, so a finance team can lay it beside the published file; NHS England's own
figure for the trust beside it where its file is loaded as peers; the peer rank on that
basis; and how our figure is built, which is why the two may differ."""

from __future__ import annotations

from tasks.report.lenses import growth_value
from tasks.report.model import PRIOR, OrgData
from tasks.report.sheets import trust_title
from tasks.report.style import (
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    Book,
    against_target,
)

SHEET = "As NHS England measures it"
COLUMNS = [  # header, width
    ("Source", 22), ("Organisation code", 12), ("Organisation name", 28),
    ("Financial year", 10), ("Period", 13), ("Months", 24),
    ("Cost-weighted activity growth", 13), ("Real-terms resource growth", 13),
    ("Productivity growth estimate", 13), ("Target met", 10), ("Rank among peers", 12),
]
GROWTHS = (("activity_growth", "ActivityGrowth"), ("resource_growth", "ResourceGrowth"),
           ("ip_cost", "ProductivityGrowth"))
FIRST_GROWTH_COL = 7
LINE = {"bottom": 1, "bottom_color": NHS_PALE_GREY}


def nhse_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet(SHEET)
    book.columns(ws, {1 + i: width for i, (_, width) in enumerate(COLUMNS)})
    last = len(COLUMNS)
    ours = data.trust("ytd", PRIOR)
    row = book.title(ws, f"As NHS England measures it — year to date to {data.month_label}",
                     f"{trust_title(data)} · productivity growth estimate: {data.span_label('ytd')}"
                     f" against the same months of {data.last_year}, in the layout of NHS "
                     "England's monthly publication", last)
    header_row = row
    row = book.header(ws, row, 1, [h for h, _ in COLUMNS])
    first = row
    row = figure_line(book, ws, data, row, "Ours (prodpack)", data.org_name, ours, names=True)
    published = data.published
    if published:
        row = figure_line(book, ws, data, row, "NHS England, as published",
                          published.get("org_name") or data.org_name, published)
        row = difference_line(book, ws, row, ours, published)
    else:
        book.text(ws, row, 1, "NHS England, as published", **LINE)
        book.paragraph(ws, row, "Not loaded: put NHS England's productivity file, as "
                       "published, in the landing folder as reference/peers.csv to set its "
                       "figure for this trust beside ours.", last, first_col=2, italic=True,
                       font_size=9, font_color=NHS_DARK_GREY, **LINE)
        row += 1
    book.target_cells(ws, first, first + (1 if published else 0), FIRST_GROWTH_COL + 2,
                      data.year_on_year_target)
    book.target_text_cells(ws, first, row - 1, FIRST_GROWTH_COL + 3)
    book.repeat_header(ws, header_row)
    row += 1
    row = book.section(ws, row, "How our figure is built, and why it may differ from the "
                       "published one", last)
    for text in how_it_is_built(data):
        row = book.paragraph(ws, row, f"•  {text}", last)


def figure_line(book: Book, ws, data: OrgData, row: int, source: str, name: str,
                figures: dict, names: bool = False) -> int:
    """One trust's year to date in NHS England's layout; names: ours, under defined names."""
    book.text(ws, row, 1, source, bold=names, **LINE)
    book.text(ws, row, 2, data.org_code, **LINE)
    book.text(ws, row, 3, name, text_wrap=True, **LINE)
    book.text(ws, row, 4, data.financial_year, align="center", **LINE)
    book.text(ws, row, 5, f"Month {data.fin_month} YTD", align="center", **LINE)
    book.text(ws, row, 6, data.span_label("ytd"), **LINE)
    reason = figures.get("null_reason")
    for i, (column, name_stem) in enumerate(GROWTHS):
        col = FIRST_GROWTH_COL + i
        growth_value(book, ws, row, col, figures.get(column), reason, bold=names, **LINE)
        if names:
            book.define_name(f"NHSE_{name_stem}_YTD", ws, row, col)
    verdict = against_target(figures.get("ip_cost"), data.year_on_year_target)
    book.text(ws, row, FIRST_GROWTH_COL + 3, "Not known" if verdict == "n/a" else verdict,
              align="center", bold=True, **LINE)
    rank = data.rank("ytd", PRIOR) if names else None
    if rank:
        ws.write_number(row, FIRST_GROWTH_COL + 4, rank["rank"], book.rank_format(
            rank["rank"], rank["peer_count"], align="right", **LINE))
        book.reach(ws, row, FIRST_GROWTH_COL + 4)
    else:
        book.text(ws, row, FIRST_GROWTH_COL + 4, "n/a" if names else None, align="right",
                  italic=True, **LINE)
    if names:
        book.define_name("NHSE_Rank_YTD", ws, row, FIRST_GROWTH_COL + 4)
    return row + 1


def difference_line(book: Book, ws, row: int, ours: dict, published: dict) -> int:
    """Ours less the published figure, in percentage points, where both are known."""
    book.text(ws, row, 1, "Difference (ours less published)", italic=True, **LINE)
    for col in range(2, FIRST_GROWTH_COL):
        book.text(ws, row, col, None, **LINE)
    for i, (column, _) in enumerate(GROWTHS):
        a, b = ours.get(column), published.get(column)
        book.number(ws, row, FIRST_GROWTH_COL + i, None if a is None or b is None else a - b,
                    PERCENT_CHANGE, italic=True, **LINE)
    for col in (FIRST_GROWTH_COL + 3, FIRST_GROWTH_COL + 4):
        book.text(ws, row, col, None, **LINE)
    return row + 1


def how_it_is_built(data: OrgData) -> list[str]:
    """Why our figure may differ from the published one, point by point."""
    return [
        ("The same measure: cost-weighted activity growth against real-terms resource growth, "
         f"year to date ({data.span_label('ytd')}) on the same months of {data.last_year}; "
         "productivity growth = (1 + activity growth) ÷ (1 + resource growth) − 1, read against "
         f"the national target of {data.year_on_year_target:+.1%} a year."),
        ("Our inputs are the trust's own extracts as loaded here: the general ledger (pay and "
         "non-pay spending; income and excluded lines left out), ESR staff in post, and "
         "activity (spells, attendances and procedures; only attended appointments count). "
         "NHS England works from national data collections, which can differ in coverage, in "
         "timing and in later revisions."),
        (f"Activity is weighted by {data.base_year} unit costs (the unit cost file loaded here) "
         "in both years. NHS England uses its own national cost weights: where the mix of care "
         "changed, other weights give a different activity growth."),
        (f"Spending is brought to {data.base_year} prices by each year's own pay and non-pay "
         f"deflators ({data.financial_year} and {data.last_year}, the deflators file). A "
         "different inflation assumption moves real-terms resource growth one for one."),
        ("The trust figure covers every cost centre and treatment function booked to the "
         "trust, mapped to a service or not. A year-on-year figure is shown only when every "
         f"month of {data.last_year} it compares with is loaded for the ledger, ESR and "
         "activity."),
        rank_words(data),
    ]


def rank_words(data: OrgData) -> str:
    rank = data.rank("ytd", PRIOR)
    if rank:
        return (f"Rank among peers: {rank['rank_label']} on this measure, among the trusts "
                "loaded here and the peer figures supplied on the prior-year basis (NHS "
                "England's published file, where loaded). 1st is the highest productivity growth.")
    if data.trust("ytd", PRIOR).get("ip_cost") is None:
        return ("Rank among peers: not ranked on this measure, as the trust has no year-to-date "
                "figure against last year yet.")
    return "Rank among peers: no peer figures on the prior-year basis this month."
