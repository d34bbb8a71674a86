"""The SPC charts of the reports (METHODOLOGY.md, "Is a change signal or noise?"), drawn as
Making Data Count draws them: native line charts on pages of four, two side by side, each
with its reading above it (each page prints whole, as the triangulation's do), and their
figures, as the mart has them, in one table on the sheet after.

A chart's series are the table's columns over its months: the month's figure (a grey line),
the mean (solid), the process limits (dashed), the target (red dashed), and one column of
markers for each kind of month (blue special-cause improvement, orange concern, grey common
cause), holding the month's figure where the month is of that kind and nothing elsewhere:
the chart leaves a gap at a blank cell, so each marker sits only on its own months."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from tasks.months import month_date
from tasks.report.charts import ROW_PX, chart_text, column_px
from tasks.report.model import OrgData
from tasks.report.spc import (
    ASSURANCE,
    MDC_BLUE,
    MDC_GREY,
    MDC_ORANGE,
    VARIATION,
    reading_cell,
    reading_sentence,
    target_words,
)
from tasks.report.style import (
    FONT,
    MONTH,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    Book,
)

TARGET_RED = "#DA291C"      # NHS red
PANELS_PER_PAGE = 4
CHART_ROWS = 16
_INSET_PX = 4

# The chart pages: two panels side by side, each across PANEL_COLS columns, a gap between.
PANEL_COLS, COL_WIDTH, GAP_WIDTH = 8, 10, 2
PANEL_FIRST = (1, PANEL_COLS + 2)
PAGE_LAST_COL = PANEL_FIRST[1] + PANEL_COLS - 1
BLOCK_ROWS = 2 + CHART_ROWS + 1              # variation and assurance, sentence, chart, gap

# The figures' table: header, what it holds, width; the chart's series are its columns.
TABLE = [("Chart", "chart", 40), ("Month", "month", 10), ("Implied productivity", "value", 12),
         ("Mean", "mean", 10), ("Lower process limit", "lower_limit", 10),
         ("Upper process limit", "upper_limit", 10), ("Target", "target", 9),
         ("Special cause: improvement", "improvement", 12),
         ("Special cause: concern", "concern", 12), ("Common cause", "common", 12)]
COL = {key: 1 + i for i, (_, key, _) in enumerate(TABLE)}


@dataclass(frozen=True)
class Panel:
    """One chart: a node's measure on a basis, and its title."""

    title: str
    level: str
    node: str
    measure: str
    basis: str


def spc_sheets(book: Book, data: OrgData, name: str, title: str, subtitle: str,
               panels: list[Panel]) -> None:
    """The panels' charts on pages of four, side by side in pairs; their figures after. A
    panel with no month to draw (a node without activity has no implied productivity, a year
    without last year's months nothing to compare) is named on the first page instead; with
    none to draw, there are no pages."""
    charted = [p for p in panels if _reading(data, p)[1]]
    if not charted:
        return
    pages = [book.sheet(name if i == 0 else f"{name} ({i + 1})", one_page=True)
             for i in range(math.ceil(len(charted) / PANELS_PER_PAGE))]
    refs = figures_sheet(book, data, f"{name.removesuffix(' charts')} figures", charted)
    left_out = [p.title for p in panels if p not in charted]
    for page_no, ws in enumerate(pages):
        book.columns(ws, {**dict.fromkeys(range(1, PAGE_LAST_COL + 1), COL_WIDTH),
                          PANEL_COLS + 1: GAP_WIDTH})
        row = book.title(ws, title, subtitle, PAGE_LAST_COL)
        if page_no == 0 and left_out:
            book.paragraph(ws, row - 1, f"Not charted, no month having a figure: "
                           f"{'; '.join(left_out)}.", PAGE_LAST_COL,
                           italic=True, font_size=9, font_color=NHS_DARK_GREY)
        on_page = charted[page_no * PANELS_PER_PAGE:(page_no + 1) * PANELS_PER_PAGE]
        for i, panel in enumerate(on_page):
            panel_chart(book, ws, data, panel, row + (i // 2) * BLOCK_ROWS, PANEL_FIRST[i % 2],
                        refs[panel])


def _reading(data: OrgData, panel: Panel) -> tuple[dict | None, list[dict]]:
    return (data.spc_reading(panel.level, panel.node, panel.measure, panel.basis),
            data.spc_series(panel.level, panel.node, panel.measure, panel.basis))


def _kind(point: dict) -> str:
    if not point["special_cause"]:
        return "common"
    return "improvement" if point["direction"] == "improvement" else "concern"


def figures_sheet(book: Book, data: OrgData, name: str, panels: list[Panel]
                  ) -> dict[Panel, dict[str, list]]:
    """Every panel's months in one table; returns each panel's cell range of each column,
    as [sheet, first_row, col, last_row, col], for its chart."""
    ws = book.sheet(name)
    book.columns(ws, {1 + i: width for i, (_, _, width) in enumerate(TABLE)})
    last = len(TABLE)
    row = book.title(ws, "The figures the SPC charts draw",
                     "Each month's implied productivity as calculated, with the mean, process "
                     "limits and target of its chart; a month's figure stands in the column of "
                     "its kind, where the chart marks it", last)
    header_row = row
    row = book.header(ws, row, 1, [header for header, _, _ in TABLE])
    book.repeat_header(ws, header_row)
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    refs = {}
    for panel in panels:
        reading, points = _reading(data, panel)
        target = (reading or {}).get("target") or 0.0
        top = row
        for p in points:
            book.text(ws, row, COL["chart"], panel.title, **line)
            ws.write_datetime(row, COL["month"], month_date(p["point_period"]),
                              book.fmt(num_format=MONTH, align="left", **line))
            shown = {"value": p["value"], "mean": p["mean"], "lower_limit": p["lower_limit"],
                     "upper_limit": p["upper_limit"], "target": target,
                     # Without limits no month is read, so none is marked.
                     _kind(p): p["value"] if p["upper_limit"] is not None else None}
            for key in ("value", "mean", "lower_limit", "upper_limit", "target"):
                book.number(ws, row, COL[key], shown[key], PERCENT_CHANGE, **line)
            for key in ("improvement", "concern", "common"):
                if shown.get(key) is None:      # blank, not n/a: the chart leaves a gap
                    ws.write_blank(row, COL[key], None, book.fmt(**line))
                else:
                    book.number(ws, row, COL[key], shown[key], PERCENT_CHANGE, **line)
            book.reach(ws, row, last)
            row += 1
        refs[panel] = {key: [ws.name, top, col, row - 1, col] for key, col in COL.items()}
    return refs


def panel_chart(book: Book, ws: Worksheet, data: OrgData, panel: Panel, row: int, first: int,
                refs: dict[str, list]) -> None:
    """The panel's reading from `row` and its chart under it, across the panel's columns."""
    reading, points = _reading(data, panel)
    last = first + PANEL_COLS - 1
    split = first + PANEL_COLS // 2 - 1
    reading_cell(book, ws, row, first, data, reading, VARIATION, split, align="center")
    reading_cell(book, ws, row, split + 1, data, reading, ASSURANCE, last, align="center")
    book.paragraph(ws, row + 1, reading_sentence(data, reading, points, panel.basis), last,
                   first_col=first, font_size=9, font_color=NHS_DARK_GREY)
    chart = spc_chart(book, data, panel, reading, points, refs,
                      [book.width(ws, c) for c in range(first, last + 1)])
    ws.insert_chart(row + 2, first, chart, {"object_position": 1})
    book.reach(ws, row + 2 + CHART_ROWS - 1, last)


def spc_chart(book: Book, data: OrgData, panel: Panel, reading: dict | None,
              points: list[dict], refs: dict[str, list], widths: list[float]):
    """The XmR chart of a panel, every series one of its table's columns."""
    chart = book.workbook.add_chart({"type": "line"})
    limits = points[-1]["upper_limit"] is not None
    grey_markers = {"type": "circle", "size": 5, "border": {"color": MDC_GREY},
                    "fill": {"color": MDC_GREY}}

    def series(name: str, key: str, line: dict, marker: dict | None = None) -> None:
        chart.add_series({"name": chart_text(name), "categories": refs["month"],
                          "values": refs[key], "line": line,
                          "marker": marker or {"type": "none"}})

    series("Implied productivity, month", "value", {"color": MDC_GREY, "width": 1.75},
           None if limits else grey_markers)
    series("Mean", "mean", {"color": NHS_DARK_GREY, "width": 1.25})
    hidden = []
    if limits:
        series("Process limits", "lower_limit",
               {"color": NHS_MID_GREY, "width": 1.25, "dash_type": "dash"})
        hidden.append(len(chart.series))       # one legend entry for both limits
        series("Upper process limit", "upper_limit",
               {"color": NHS_MID_GREY, "width": 1.25, "dash_type": "dash"})
    target = (reading or {}).get("target") or 0.0
    series(f"Target: {target_words(data, panel.basis, target)}", "target",
           {"color": TARGET_RED, "width": 1.5, "dash_type": "dash"})
    if limits:
        for name, key, colour, size in (
                ("Common cause", "common", MDC_GREY, 5),
                ("Special cause: improvement", "improvement", MDC_BLUE, 7),
                ("Special cause: concern", "concern", MDC_ORANGE, 7)):
            if any(_kind(p) == key for p in points):
                series(name, key, {"none": True},
                       {"type": "circle", "size": size, "border": {"color": colour},
                        "fill": {"color": colour}})
    chart.show_blanks_as("gap")
    chart.set_title({"name": chart_text(panel.title),
                     "name_font": {"name": FONT, "size": 10, "bold": True,
                                   "color": NHS_DARK_BLUE}})
    chart.set_x_axis({"text_axis": True, "num_format": "mmm yy", "label_position": "low",
                      "interval_unit": 1 if len(points) <= 18 else 3,
                      "num_font": {"name": FONT, "size": 8, "rotation": -45},
                      "line": {"color": NHS_MID_GREY}})
    chart.set_y_axis({"num_format": "+0%;-0%;0%", "num_font": {"name": FONT, "size": 8},
                      "major_gridlines": {"visible": True, "line": {"color": NHS_PALE_GREY}}})
    chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 8},
                      "delete_series": hidden})
    chart.set_chartarea({"border": {"color": NHS_PALE_GREY}})
    chart.set_size({"width": sum(column_px(w) for w in widths) - _INSET_PX,
                    "height": CHART_ROWS * ROW_PX - _INSET_PX})
    return chart

