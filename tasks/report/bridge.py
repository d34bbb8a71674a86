"""What moved it (METHODOLOGY.md, "What moved it: drivers that add up"): a node's year-to-date
activity, cost and staff growth as bridges from the base year's 100 to today's index, one
bar a component's contribution in points, the table of mart.ip_driver's figures with a
waterfall chart beside it that draws the table's own cells.

Excel has no waterfall chart that every reader opens: stacked columns draw one, an undrawn
column lifting each component's rise or fall to where the running index stands. The bars'
columns are formulas of the table's (with their values cached), so chart and table agree."""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from tasks.report.charts import ROW_PX, chart_text, column_px
from tasks.report.drivers import points
from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.style import (
    FONT,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    POUNDS,
    WTE,
    Book,
)

POINTS = "+0.0;-0.0;0.0"
LEVEL = "0.0"
RAISES, LOWERS = "#009639", "#DA291C"          # NHS green, NHS red
TEXT = "#212B32"                                # NHS black

# side, heading, index, base and current totals (mart.implied_productivity), their format,
# what the side's growth does to implied productivity
SIDES = [
    ("activity", "Cost-weighted activity", "activity_index", "cwa_base", "cwa_current", POUNDS,
     "raises"),
    ("cost", "Real-terms cost", "cost_index", "cost_base", "cost_current", POUNDS, "lowers"),
    ("wte", "Staff in post (WTE)", "wte_index", "wte_base", "wte_current", WTE, "lowers"),
]

# The table, the bars the chart draws from it (in points), a gap, then the chart.
COMPONENT, BASE_VALUE, CURRENT_VALUE, CHANGE, LEVEL_AFTER, OPPORTUNITY, PRIOR_CHANGE = range(1, 8)
LIFT, TOTAL, UP, DOWN = range(8, 12)
CHART_FIRST, CHART_COLS, CHART_WIDTH = 13, 8, 9
LAST_COL = CHART_FIRST + CHART_COLS - 1
WIDTHS = {COMPONENT: 26, BASE_VALUE: 13, CURRENT_VALUE: 13, CHANGE: 9, LEVEL_AFTER: 8,
          OPPORTUNITY: 12, PRIOR_CHANGE: 11, LIFT: 8, TOTAL: 7, UP: 7, DOWN: 7, 12: 2,
          **{CHART_FIRST + i: CHART_WIDTH for i in range(CHART_COLS)}}
CHART_ROWS = 14
_INSET_PX = 4
LINE = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
BAR = {"font_size": 8, "font_color": NHS_MID_GREY, **LINE}


def bridge_sheet(book: Book, data: OrgData, level: str, node: str, name: str, title: str,
                 subtitle: str) -> None:
    """A node's three bridges, year to date against the base year, on one printed page."""
    ws = book.sheet(name, one_page=True)
    book.columns(ws, WIDTHS)
    row = book.title(ws, title, subtitle, LAST_COL)
    row = book.paragraph(
        ws, row,
        f"Each bar is one component's part of its index's growth, in points of an index on "
        f"which the same months of {data.base_year} are 100: activity by point of delivery "
        f"at {data.base_year} unit costs, cost by kind of spend in real terms, staff by staff "
        "group; the parts add up to the index. Activity growth raises implied productivity, "
        "cost and staff growth lower it: green bars raise it, red bars lower it. The last "
        "column of each table gives the same parts against last year (NHS England's measure); "
        "the grey columns are the bars the chart draws.",
        LAST_COL, font_size=9, font_color=NHS_DARK_GREY) + 1
    for side in SIDES:
        row = bridge_block(book, ws, data, level, node, side, row) + 1


def bridge_block(book: Book, ws: Worksheet, data: OrgData, level: str, node: str,
                 side: tuple, row: int) -> int:
    """One side's table and chart from `row`; returns the row after them."""
    key, heading, index_key, base_key, _, num_format, effect = side
    figures = data.row("ytd", level, node, BASE) or {}
    prior_figures = data.row("ytd", level, node, PRIOR) or {}
    drivers = data.drivers_of(level, node, key, BASE)
    prior = {d["component"]: d for d in data.drivers_of(level, node, key, PRIOR)}
    # A part moving only against last year moved nothing against the base year.
    drivers += [{**d, "base_value": 0.0, "current_value": 0.0, "contribution": 0.0,
                 "opportunity": 0.0 if key == "cost" else None}
                for c, d in prior.items() if c not in {x["component"] for x in drivers}]
    index = figures.get(index_key)
    charted = index is not None and bool(drivers) and all(
        d["contribution"] is not None for d in drivers)
    row = book.section(ws, row, f"{heading}: {data.base_year} = 100"
                       + (f" to {points(index):.1f} year to date" if index is not None
                          else ", year to date"), LAST_COL)
    header_row = row
    book.header(ws, row, COMPONENT, [
        "Component", f"Same months of {data.base_year}", f"Year to date, {data.span_label('ytd')}",
        "Change, points", "Index after", "Cost opportunity £" if key == "cost" else "",
        "Change against last year, points"])
    book.header(ws, row, LIFT, ["Bar: not drawn", "Bar: index", "Bar: up", "Bar: down"])
    row += 1
    first = row
    level_cell = _start_row(book, ws, data, row, figures.get(base_key), num_format, charted)
    level_now = 100.0
    levels = [level_now]
    for d in drivers:
        row += 1
        book.text(ws, row, COMPONENT, d["label"], **LINE)
        book.number(ws, row, BASE_VALUE, d["base_value"], num_format, **LINE)
        book.number(ws, row, CURRENT_VALUE, d["current_value"], num_format, **LINE)
        change = None if d["contribution"] is None else points(d["contribution"])
        book.number(ws, row, CHANGE, change, POINTS, **LINE)
        if charted:
            before, level_now = level_now, level_now + change
            change_cell = xl_rowcol_to_cell(row, CHANGE)
            after_cell = xl_rowcol_to_cell(row, LEVEL_AFTER)
            _formula(book, ws, row, LEVEL_AFTER, f"={level_cell}+{change_cell}", level_now,
                     LEVEL, **LINE)
            _formula(book, ws, row, LIFT, f"=MIN({level_cell},{after_cell})",
                     min(before, level_now), LEVEL, **BAR)
            book.text(ws, row, TOTAL, None, **BAR)
            _formula(book, ws, row, UP, f"=MAX({change_cell},0)", max(change, 0.0), LEVEL, **BAR)
            _formula(book, ws, row, DOWN, f"=MAX(-{change_cell},0)", max(-change, 0.0), LEVEL,
                     **BAR)
            level_cell = after_cell
            levels.append(level_now)
        else:
            for col in (LEVEL_AFTER, LIFT, TOTAL, UP, DOWN):
                book.text(ws, row, col, None, **LINE)
        if key == "cost":
            book.number(ws, row, OPPORTUNITY, d["opportunity"], POUNDS, **LINE)
        else:
            book.text(ws, row, OPPORTUNITY, None, **LINE)
        prior_change = (prior.get(d["component"]) or {}).get("contribution")
        book.number(ws, row, PRIOR_CHANGE, None if prior_change is None else points(prior_change),
                    POINTS, **LINE)
    row += 1
    _end_row(book, ws, data, row, figures, prior_figures, side, charted)
    if charted:
        chart = waterfall(book, ws, f"{heading}, {data.base_year} = 100", first, row, effect,
                          [*levels, points(index)])
        ws.insert_chart(header_row, CHART_FIRST, chart, {"object_position": 1})
    else:
        reason = figures.get("null_reason") if index is None else None
        book.paragraph(ws, header_row, f"No bridge to draw: {reason or 'nothing recorded'}.",
                       LAST_COL, first_col=CHART_FIRST, italic=True, font_color=NHS_DARK_GREY)
    end = max(row, header_row + CHART_ROWS - 1)
    book.reach(ws, end, LAST_COL)
    return end + 1


def _start_row(book: Book, ws: Worksheet, data: OrgData, row: int, base_total: float | None,
               num_format: str, charted: bool) -> str:
    """The base year's 100, its total beside it; returns the cell holding the level."""
    start = {"bold": True, **LINE}
    book.text(ws, row, COMPONENT, f"{data.base_year}, the same months", **start)
    book.number(ws, row, BASE_VALUE, base_total, num_format, **start)
    for col in (CURRENT_VALUE, CHANGE, OPPORTUNITY, PRIOR_CHANGE):
        book.text(ws, row, col, None, **start)
    book.number(ws, row, LEVEL_AFTER, 100.0, LEVEL, **start)
    level_cell = xl_rowcol_to_cell(row, LEVEL_AFTER)
    book.text(ws, row, LIFT, None, **BAR)
    if charted:
        _formula(book, ws, row, TOTAL, f"={level_cell}", 100.0, LEVEL, **BAR)
    else:
        book.text(ws, row, TOTAL, None, **BAR)
    book.text(ws, row, UP, None, **BAR)
    book.text(ws, row, DOWN, None, **BAR)
    return level_cell


def _end_row(book: Book, ws: Worksheet, data: OrgData, row: int, figures: dict,
             prior_figures: dict, side: tuple, charted: bool) -> None:
    """Today's index as the mart has it, its change on both bases, the node's opportunity."""
    key, _, index_key, _, current_key, num_format, _ = side
    end = {"bold": True, "top": 1, "top_color": NHS_BLUE, **LINE}
    index, prior_index = figures.get(index_key), prior_figures.get(index_key)
    book.text(ws, row, COMPONENT, f"Year to date, {data.span_label('ytd')}", **end)
    book.text(ws, row, BASE_VALUE, None, **end)
    book.number(ws, row, CURRENT_VALUE, figures.get(current_key), num_format, **end)
    book.number(ws, row, CHANGE, None if index is None else points(index - 1), POINTS, **end)
    book.number(ws, row, LEVEL_AFTER, None if index is None else points(index), LEVEL, **end)
    if key == "cost":
        book.number(ws, row, OPPORTUNITY, figures.get("cost_opportunity"), POUNDS, **end)
    else:
        book.text(ws, row, OPPORTUNITY, None, **end)
    book.number(ws, row, PRIOR_CHANGE, None if prior_index is None else points(prior_index - 1),
                POINTS, **end)
    book.text(ws, row, LIFT, None, **BAR)
    if charted:
        _formula(book, ws, row, TOTAL, f"={xl_rowcol_to_cell(row, LEVEL_AFTER)}", points(index),
                 LEVEL, **BAR)
    else:
        book.text(ws, row, TOTAL, None, **BAR)
    book.text(ws, row, UP, None, **BAR)
    book.text(ws, row, DOWN, None, **BAR)


def _formula(book: Book, ws: Worksheet, row: int, col: int, formula: str, value: float,
             num_format: str, **properties) -> None:
    """A formula with its value cached: previews and openpyxl read the value, not 0."""
    ws.write_formula(row, col, formula, book.fmt(num_format=num_format, **properties), value)
    book.reach(ws, row, col)


def waterfall(book: Book, ws: Worksheet, title: str, first: int, last: int, effect: str,
              levels: list[float]):
    """The bridge as stacked columns over the table's rows first..last: the undrawn lift, the
    index at each end, each part's rise or fall coloured by what it does to productivity."""
    chart = book.workbook.add_chart({"type": "column", "subtype": "stacked"})
    categories = [ws.name, first, COMPONENT, last, COMPONENT]
    other = "lowers" if effect == "raises" else "raises"
    colour = {"raises": RAISES, "lowers": LOWERS}
    # Each bar labelled with its points (a zero, on the bars a row does not use, with none):
    # white on the index, dark on a part, which may be too thin to hold its label.
    for name, col, fill, labels, ink in (
            ("Not drawn", LIFT, {"none": True}, None, None),
            ("Index", TOTAL, {"color": NHS_BLUE}, "0.0;;;", "#FFFFFF"),
            (f"Up: {effect} productivity", UP, {"color": colour[effect]}, "+0.0;;;", TEXT),
            (f"Down: {other} productivity", DOWN, {"color": colour[other]}, '"-"0.0;;;', TEXT)):
        series = {"name": chart_text(name), "categories": categories,
                  "values": [ws.name, first, col, last, col], "fill": fill,
                  "border": {"none": True}, "gap": 40}
        if labels:
            series["data_labels"] = {"value": True, "num_format": labels,
                                     "font": {"name": FONT, "size": 7, "bold": True,
                                              "color": ink}}
        chart.add_series(series)
    low, high, step = _axis(levels)
    chart.set_title({"name": chart_text(title),
                     "name_font": {"name": FONT, "size": 10, "bold": True, "color": NHS_DARK_BLUE}})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 7}, "line": {"color": NHS_MID_GREY}})
    chart.set_y_axis({"min": low, "max": high, "major_unit": step, "num_format": "0",
                      "num_font": {"name": FONT, "size": 8},
                      "major_gridlines": {"visible": True, "line": {"color": NHS_PALE_GREY}}})
    chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 8},
                      "delete_series": [0]})
    chart.set_chartarea({"border": {"color": NHS_PALE_GREY}})
    chart.set_size({"width": CHART_COLS * column_px(CHART_WIDTH) - _INSET_PX,
                    "height": CHART_ROWS * ROW_PX - _INSET_PX})
    return chart


def _axis(levels: list[float]) -> tuple[float, float, float]:
    """A value axis around the levels the bridge passes through, on a round step (1, 2 or 5
    times a power of ten): from zero every bar would be a sliver on a column of 100."""
    low, high = min(levels), max(levels)
    span = max(high - low, 1.0)
    rough = span / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return (max(0.0, math.floor((low - span * 0.15) / step) * step),
            math.ceil((high + span * 0.15) / step) * step, float(step))
