"""The charts of the reports: activity, cost and workforce indices month by month, and
implied productivity on both lenses against the national target, sized to whole columns so
each ends inside its sheet's print area."""

from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet

from tasks.report.style import (
    FONT,
    NHS_DARK_BLUE,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    SERIES_COLOURS,
    Book,
)

# The widths xlsxwriter turns into pixels (Calibri 11, the workbook's Normal style).
_MAX_DIGIT_PX, _PADDING_PX = 7, 5
ROW_PX = 20
_CHART_INSET_PX = 4


def column_px(width_chars: float) -> int:
    """A column's width in pixels as Excel draws it: charts are sized to whole columns."""
    return int(width_chars * _MAX_DIGIT_PX + 0.5) + _PADDING_PX if width_chars >= 1 \
        else int(width_chars * (_MAX_DIGIT_PX + _PADDING_PX) + 0.5)


# xlsxwriter reads a chart name shaped like 'Sheet!A1' (with or without '=') as a reference.
_CHART_REFERENCE = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def chart_text(text: str) -> str:
    """A chart title or series name shown as written, never read as a cell reference: a
    zero-width space after each '!' breaks the reference's shape and shows nothing."""
    return text.replace("!", "!\u200b") if _CHART_REFERENCE.match(text) else text


def index_chart(book: Book, ws: Worksheet, title: str, trend: list[dict], data_first_row: int,
                month_col: int, series_cols: dict[str, int], columns: list[float], rows: int):
    """Activity, cost and WTE indices month by month, the x-axis on the base year's 1.00;
    None where no index has a figure in every month.

    An index missing in some month is left out of the chart (Excel would draw its 'n/a' as
    a zero) and the title says so. The chart is sized to sit inside the given columns (widths
    in characters) and default-height rows, a few pixels short of their far edges, so it ends
    inside the print area, not on its edge."""
    names = {"activity": "Activity (cost-weighted)", "cost": "Cost (real terms)",
             "wte": "Workforce (WTE)"}
    plotted = {key: col for key, col in series_cols.items()
               if trend and all(t[f"{key}_index"] is not None for t in trend)}
    if not plotted:
        return None
    left_out = [names[key].split(" (")[0].lower() for key in series_cols if key not in plotted]
    if left_out:
        title += f" — {' and '.join(left_out)} index n/a"
    data_last_row = data_first_row + len(trend) - 1
    chart = book.workbook.add_chart({"type": "line"})
    for key, col in plotted.items():
        chart.add_series({
            "name": chart_text(names[key]),
            "categories": [ws.name, data_first_row, month_col, data_last_row, month_col],
            "values": [ws.name, data_first_row, col, data_last_row, col],
            "line": {"color": SERIES_COLOURS[key], "width": 2.25},
            "marker": {"type": "circle", "size": 6,
                       "border": {"color": SERIES_COLOURS[key]},
                       "fill": {"color": SERIES_COLOURS[key]}},
        })
    chart.set_y_axis({"name": "Index, same month of base year = 1.00", "num_format": "0.00",
                      "crossing": 1, "name_font": {"name": FONT, "size": 9, "bold": False},
                      "num_font": {"name": FONT, "size": 9},
                      "major_gridlines": {"visible": True, "line": {"color": NHS_PALE_GREY}}})
    return _framed(chart, title, columns, rows)


def _framed(chart, title: str, columns: list[float], rows: int):
    """The house title, month axis, legend and border, sized to whole columns and rows."""
    chart.set_title({"name": chart_text(title), "name_font": {"name": FONT, "size": 11, "bold": True,
                                                  "color": NHS_DARK_BLUE}})
    chart.set_x_axis({"date_axis": True, "base_unit": "months", "major_unit": 1,
                      "major_unit_type": "months", "label_position": "low", "num_format": "mmm yy",
                      "num_font": {"name": FONT, "size": 9},
                      "line": {"color": NHS_MID_GREY}})
    chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
    chart.set_chartarea({"border": {"color": NHS_PALE_GREY}})
    chart.set_size({"width": sum(column_px(w) for w in columns) - _CHART_INSET_PX,
                    "height": rows * ROW_PX - _CHART_INSET_PX})
    return chart


def percent_chart(book: Book, ws: Worksheet, title: str, data_first_row: int,
                  data_last_row: int, month_col: int,
                  series: list[tuple[str, int, str, bool, bool]], columns: list[float],
                  rows: int):
    """Percentages month by month, one line per (name, column, colour, complete, dashed)
    series; a series without a figure in every month is left out (Excel would draw its
    'n/a' as a zero) and the title says so. None where nothing is left to draw."""
    plotted = [s for s in series if s[3]]
    if not plotted:
        return None
    left_out = [s[0] for s in series if not s[3]]
    if left_out:
        title += f" — {' and '.join(left_out)} n/a in some month"
    chart = book.workbook.add_chart({"type": "line"})
    for name, col, colour, _, dashed in plotted:
        line = {"color": colour, "width": 1.5 if dashed else 2.25}
        chart.add_series({
            "name": chart_text(name),
            "categories": [ws.name, data_first_row, month_col, data_last_row, month_col],
            "values": [ws.name, data_first_row, col, data_last_row, col],
            "line": {**line, "dash_type": "dash"} if dashed else line,
            "marker": {"type": "none"} if dashed else {
                "type": "circle", "size": 6, "border": {"color": colour},
                "fill": {"color": colour}},
        })
    chart.set_y_axis({"num_format": "+0%;-0%;0%", "num_font": {"name": FONT, "size": 9},
                      "major_gridlines": {"visible": True, "line": {"color": NHS_PALE_GREY}}})
    return _framed(chart, title, columns, rows)
