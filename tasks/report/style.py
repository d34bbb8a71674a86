"""The look of the reports, shared by the executive report and the clinical-group packs: the
NHS palette, RAG thresholds, number formats, page set-up and the few ways a cell is written.

Everything prints A4 landscape, one page wide; figures are numbers with formats (never
text), a missing figure is "n/a" with its reason beside it.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
import uuid
from datetime import date
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import XlsxFileError
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

# --- RAG: implied productivity on cost against the base year -----------------------------
# Green at or above the baseline; amber a little below it; red beyond that.
RAG_GREEN_FROM = 0.0
RAG_RED_BELOW = -0.02

# --- NHS identity colours (NHS England identity guidelines) ------------------------------
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_PALE_GREY = "#E8EDEE"
NHS_MID_GREY = "#768692"
NHS_DARK_GREY = "#425563"
SERIES_COLOURS = {"activity": NHS_BLUE, "cost": "#ED8B00", "wte": "#330072"}
RAG_FILL = {"Green": ("#D5EFDC", "#00582F"), "Amber": ("#FFEBB5", "#7A4A00"),
            "Red": ("#F6D3CF", "#8A1538")}

FONT = "Arial"

# --- number formats ----------------------------------------------------------------------
PERCENT = "0.0%"
PERCENT_CHANGE = "+0.0%;-0.0%;0.0%"      # implied productivity and changes carry a sign
INDEX = "0.000"
POUNDS = "£#,##0;-£#,##0;£0"
WTE = "#,##0.0;-#,##0.0;0.0"
RATIO = "0.00"
MONTH = "mmm yyyy"

# A4, in xlsxwriter's paper numbering.
A4_PAPER = 9


def wrapped_height(text: str, width_chars: float, font_size: int = 10, bold: bool = False
                   ) -> float:
    """Row height in points for wrapped text: Excel does not grow rows for text it did not lay
    out itself, so the writer has to. Errs tall: a little air rather than a clipped line."""
    # Column widths count Calibri 11 digits (7 px); Arial 10 averages nearer 6 px a character.
    per_line = max(1, int(width_chars * (1.05 if bold else 1.15) * 10 / font_size))
    lines = sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1
                for part in (text or "").split("\n"))
    return max(15.0, lines * font_size * 1.3 + 4)


SEVERITY_LABEL = {"error": "Error", "warn": "Warning", "info": "Information"}


def rag(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= RAG_GREEN_FROM:
        return "Green"
    return "Amber" if value >= RAG_RED_BELOW else "Red"


def against_target(value: float | None, target: float) -> str:
    """Year-on-year growth read against NHS England's target: 'Met', 'Not met', or 'n/a'."""
    if value is None:
        return "n/a"
    return "Met" if value >= target else "Not met"


def signed_percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def pounds_words(value: float) -> str:
    """£1.4m, £96k, £850: how a board paper writes money in a sentence."""
    size = abs(value)
    if size >= 1e6:
        return f"£{size / 1e6:,.1f}m"
    if size >= 1e4:
        return f"£{size / 1e3:,.0f}k"
    return f"£{size:,.0f}"


class ExactNumber(float):
    """A figure xlsxwriter writes with every digit its double holds. xlsxwriter writes a
    number as '{:.16G}', one significant digit short of what a double needs to come back as
    itself; the shortest exact form (repr) reads back as the very double the mart's figure
    was turned into, so a report carries the mart's figure exactly, not to 1e-16."""

    def __format__(self, spec: str) -> str:
        return repr(float(self)) if spec == ".16G" else super().__format__(spec)


class Book:
    """One report workbook: its formats made once, sheets with the house page set-up, and
    the extent of what each sheet holds so the print area covers exactly that."""

    def __init__(self, path: Path, footer: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Written beside its final name and renamed into place on close: a reader, or a full
        # disk, never meets half a workbook under the report's name.
        self._partial = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
        # Every string is text, whatever it starts with: names come from trusts' files, and a
        # clinical group called '=HYPERLINK(...)' must not become a live formula or link.
        self.workbook = xlsxwriter.Workbook(str(self._partial), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        # Excel drops a header or footer over 255 characters; '&' starts a code in one.
        self._footer = footer[:90].replace("&", "&&")
        self._formats: dict[tuple, object] = {}
        self._extent: dict[str, tuple[int, int]] = {}
        self._repeat: dict[str, int] = {}
        self._names: set[str] = set()
        self._widths: dict[str, dict[int, float]] = {}
        self._heights: dict[tuple[str, int], float] = {}

    # formats -----------------------------------------------------------------------------
    def fmt(self, **properties):
        """A cell format on the house font; the same properties give the same format."""
        properties = {"font_name": FONT, "font_size": 10, "valign": "vcenter", **properties}
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(properties)
        return self._formats[key]

    def rank_format(self, rank: int, peer_count: int, **properties):
        """The rank stays a number; its format reads it as '2nd of 3'."""
        return self.fmt(num_format=f'0"{ordinal_suffix(rank)} of {peer_count}"', **properties)

    # sheets ------------------------------------------------------------------------------
    def sheet(self, name: str, one_page: bool = False) -> Worksheet:
        """A sheet printing A4 landscape one page wide (one_page: and one page tall, for a
        summary or a page of charts, which must never split across pages)."""
        name = self._unique_sheet_name(name)
        ws = self.workbook.add_worksheet(name)
        ws.hide_gridlines(2)
        ws.set_paper(A4_PAPER)
        ws.set_landscape()
        # xlsxwriter leaves a fit of 1 page out of the file: 1 is the format's default.
        ws.fit_to_pages(1, 1 if one_page else 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.55, bottom=0.6)
        # A space after each font size: '&8' followed by a digit would read as a larger size.
        ws.set_footer(f"&L&8 {self._footer}&C&8 {name.replace('&', '&&')}, page &P of &N"
                      # Written out, not Excel's &D: that prints in the viewer's locale (US order).
                      f"&R&8 Produced {date.today():%d %B %Y}")
        self._extent[ws.name] = (0, 0)
        self.columns(ws, {0: 1.5})
        return ws

    def columns(self, ws: Worksheet, widths: dict[int, float]) -> None:
        """Column widths in characters, remembered so wrapped text can size its row."""
        for col, width in widths.items():
            ws.set_column(col, col, width)
        self._widths.setdefault(ws.name, {}).update(widths)

    def width(self, ws: Worksheet, first_col: int, last_col: int | None = None) -> float:
        known = self._widths.get(ws.name, {})
        return sum(known.get(c, 8.43) for c in range(first_col, (last_col or first_col) + 1))

    def grow_row(self, ws: Worksheet, row: int, points: float) -> None:
        """Make a row at least this tall; never shrink what an earlier cell needed."""
        key = (ws.name, row)
        if points > self._heights.get(key, 0):
            self._heights[key] = points
            ws.set_row(row, points)

    def _unique_sheet_name(self, name: str) -> str:
        clean = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")[:31] or "Sheet"
        if clean.lower() == "history":   # a name Excel keeps for itself
            clean = f"{clean} (directorate)"
        taken = {n.lower() for n in self._extent}
        candidate, n = clean, 2
        while candidate.lower() in taken:
            candidate = f"{clean[:28]} {n}"
            n += 1
        return candidate

    def reach(self, ws: Worksheet, row: int, col: int) -> None:
        """Note that the sheet holds something at (row, col): the print area grows to it."""
        last_row, last_col = self._extent[ws.name]
        self._extent[ws.name] = (max(last_row, row), max(last_col, col))

    def repeat_header(self, ws: Worksheet, row: int, first_row: int | None = None) -> None:
        """A table's header row (from first_row, where a band of lens names sits above it),
        frozen on screen and repeated on every printed page."""
        ws.freeze_panes(row + 1, 0)
        ws.repeat_rows(row if first_row is None else first_row, row)

    def define_name(self, name: str, ws: Worksheet, row: int, col: int) -> None:
        if name in self._names:
            raise ValueError(f"defined name {name} used twice")
        self._names.add(name)
        cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        self.workbook.define_name(name, f"={quote_sheetname(ws.name)}!{cell}")

    def close(self) -> Path:
        for ws in self.workbook.worksheets():
            last_row, last_col = self._extent[ws.name]
            ws.print_area(0, 0, last_row, last_col)
        try:
            self.workbook.close()
            os.replace(self._partial, self.path)
        except BaseException as err:
            self._partial.unlink(missing_ok=True)
            if isinstance(err, OSError | XlsxFileError):   # xlsxwriter wraps the OSError
                raise OSError(f"cannot write the report {self.path}: {err}") from err
            raise
        return self.path

    # writing -----------------------------------------------------------------------------
    def title(self, ws: Worksheet, title: str, subtitle: str, last_col: int) -> int:
        """Title and subtitle across the page; returns the first free row."""
        self.grow_row(ws, 0, 30)
        ws.merge_range(0, 1, 0, last_col, title,
                       self.fmt(bold=True, font_size=16, font_color=NHS_BLUE))
        ws.merge_range(1, 1, 1, last_col, subtitle,
                       self.fmt(font_size=10, font_color=NHS_DARK_GREY, italic=True))
        self.reach(ws, 1, last_col)
        return 3

    def section(self, ws: Worksheet, row: int, text: str, last_col: int) -> int:
        """A blue band naming what follows; returns the next row."""
        self.grow_row(ws, row, 20)
        ws.merge_range(row, 1, row, last_col, text,
                       self.fmt(bold=True, font_size=11, font_color="#FFFFFF", bg_color=NHS_BLUE))
        self.reach(ws, row, last_col)
        return row + 1

    def header(self, ws: Worksheet, row: int, first_col: int, labels: list[str]) -> int:
        fmt = self.fmt(bold=True, font_color=NHS_DARK_BLUE, bg_color=NHS_PALE_GREY,
                       text_wrap=True, bottom=2, bottom_color=NHS_BLUE, align="center")
        left = self.fmt(bold=True, font_color=NHS_DARK_BLUE, bg_color=NHS_PALE_GREY,
                        text_wrap=True, bottom=2, bottom_color=NHS_BLUE)
        for i, label in enumerate(labels):
            ws.write_string(row, first_col + i, label, left if i == 0 else fmt)
            self.grow_row(ws, row, wrapped_height(label, self.width(ws, first_col + i), bold=True))
        self.reach(ws, row, first_col + len(labels) - 1)
        return row + 1

    def band(self, ws: Worksheet, row: int, spans: list[tuple[int, int, str]]) -> int:
        """Names over groups of a header's columns, (first, last, name) each, such as the two
        lenses; returns the header's row."""
        fmt = self.fmt(bold=True, font_color="#FFFFFF", bg_color=NHS_DARK_BLUE, align="center",
                       text_wrap=True)
        for first, last, name in spans:
            if first == last:
                ws.write_string(row, first, name, fmt)
            else:
                ws.merge_range(row, first, row, last, name, fmt)
            self.grow_row(ws, row, wrapped_height(name, self.width(ws, first, last), bold=True))
            self.reach(ws, row, last)
        return row + 1

    def text(self, ws: Worksheet, row: int, col: int, value: str | None, **properties) -> None:
        """A label or a note; wrapped text (text_wrap=True) grows its row to fit."""
        if value:
            ws.write_string(row, col, value, self.fmt(**properties))
            if properties.get("text_wrap"):
                self.grow_row(ws, row, wrapped_height(value, self.width(ws, col),
                                                      properties.get("font_size", 10),
                                                      properties.get("bold", False)))
        else:
            ws.write_blank(row, col, None, self.fmt(**properties))
        self.reach(ws, row, col)

    def paragraph(self, ws: Worksheet, row: int, text: str, last_col: int, first_col: int = 1,
                  **properties) -> int:
        """Text across the page from column B (or first_col), its row as tall as it needs."""
        ws.merge_range(row, first_col, row, last_col, text,
                       self.fmt(text_wrap=True, valign="top", **properties))
        self.grow_row(ws, row, wrapped_height(text, self.width(ws, first_col, last_col),
                                              properties.get("font_size", 10),
                                              properties.get("bold", False)))
        self.reach(ws, row, last_col)
        return row + 1

    def number(self, ws: Worksheet, row: int, col: int, value: float | None, num_format: str,
               **properties) -> None:
        """A figure as a number; where the mart has none, 'n/a' (its reason goes beside it)."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_string(row, col, "n/a", self.fmt(align="right", italic=True,
                                                      font_color=NHS_MID_GREY, **properties))
        else:
            ws.write_number(row, col, ExactNumber(value),
                            self.fmt(num_format=num_format, **properties))
        self.reach(ws, row, col)

    def rag_cells(self, ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
        """RAG fills on implied productivity cells, by the module's thresholds; 'n/a' stays plain
        (a text compares greater than any number in Excel, so test ISNUMBER first)."""
        if last_row < first_row:
            return
        cell = xl_rowcol_to_cell(first_row, col)
        rules = {
            "Green": f"AND(ISNUMBER({cell}),{cell}>={RAG_GREEN_FROM})",
            "Amber": f"AND(ISNUMBER({cell}),{cell}<{RAG_GREEN_FROM},{cell}>={RAG_RED_BELOW})",
            "Red": f"AND(ISNUMBER({cell}),{cell}<{RAG_RED_BELOW})",
        }
        for status, rule in rules.items():
            ws.conditional_format(first_row, col, last_row, col,
                                  {"type": "formula", "criteria": f"={rule}",
                                   "format": self.rag_format(status)})

    def target_cells(self, ws: Worksheet, first_row: int, last_row: int, col: int,
                     target: float) -> None:
        """Year-on-year growth coloured against NHS England's target: green at or above it,
        red below; 'n/a' stays plain."""
        if last_row < first_row:
            return
        cell = xl_rowcol_to_cell(first_row, col)
        for status, rule in (("Green", f"AND(ISNUMBER({cell}),{cell}>={target!r})"),
                             ("Red", f"AND(ISNUMBER({cell}),{cell}<{target!r})")):
            ws.conditional_format(first_row, col, last_row, col,
                                  {"type": "formula", "criteria": f"={rule}",
                                   "format": self.rag_format(status)})

    def target_text_cells(self, ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
        """'Met' and 'Not met' spelled out, coloured to match."""
        if last_row < first_row:
            return
        for text, status in (("Met", "Green"), ("Not met", "Red")):
            ws.conditional_format(first_row, col, last_row, col,
                                  {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                   "format": self.rag_format(status)})

    def rag_text_cells(self, ws: Worksheet, first_row: int, last_row: int, col: int) -> None:
        """The RAG status spelled out (readable in black and white), coloured to match."""
        if last_row < first_row:
            return
        for status in RAG_FILL:
            ws.conditional_format(first_row, col, last_row, col,
                                  {"type": "cell", "criteria": "==", "value": f'"{status}"',
                                   "format": self.rag_format(status)})

    def rag_format(self, status: str):
        fill, text = RAG_FILL[status]
        key = ("rag", status)
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(
                {"bg_color": fill, "font_color": text, "bold": True})
        return self._formats[key]

    def rag_legend(self, ws: Worksheet, row: int, col: int, target: float | None = None) -> int:
        """What the colours mean, under a table that uses them (target: and the year-on-year
        figures' colours against it)."""
        text = (f"RAG on implied productivity (cost): Green at or above {RAG_GREEN_FROM:.0%}; "
                f"Amber from {RAG_RED_BELOW:.0%} to {RAG_GREEN_FROM:.0%}; Red below "
                f"{RAG_RED_BELOW:.0%}."
                + ("" if target is None else
                   f" Against last year: Green at or above NHS England's target of "
                   f"{target:+.1%}, Red below.")
                + " n/a: not defined, the reason is in Notes.")
        self.text(ws, row, col, text, italic=True, font_size=8, font_color=NHS_DARK_GREY)
        return row + 1


def ordinal_suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
