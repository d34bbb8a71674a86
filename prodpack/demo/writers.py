"""Writing a file in an export's style: CSV (big files through pyarrow, small ones row by row)
and the ESR workbook; and a written file as the manifest lists it."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from prodpack.demo.styles import FileStyle


@dataclass
class Written:
    """A file as the manifest lists it: bad lines numbered as the loader does (header = 1)."""

    path: str
    source: str
    org_code: str | None
    rows: int
    bad: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"path": self.path, "source": self.source, "org_code": self.org_code,
                "rows": self.rows, "bad_rows": len(self.bad), "bad": self.bad}


def _header_line(style: FileStyle, headers: tuple[str, ...]) -> str:
    if style.quote_all:
        return ",".join(f'"{h}"' for h in headers) + style.eol
    return ",".join(headers) + style.eol


def write_table_csv(path: Path, table: pa.Table, style: FileStyle) -> None:
    """Big files: pyarrow writes the rows (no field holds a comma); the header is the export's."""
    buffer = io.BytesIO()
    quoting = "all_valid" if style.quote_all else "none"
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(
        include_header=False, quoting_style=quoting, eol=style.eol))
    data = _header_line(style, style.headers).encode() + buffer.getvalue()
    if style.encoding == "cp1252":
        data = data.decode().encode("cp1252")
    path.write_bytes((codecs.BOM_UTF8 if style.encoding == "utf-8-sig" else b"") + data)


def write_rows_csv(path: Path, rows: list[list[str] | str], style: FileStyle,
                   headers: tuple[str, ...]) -> None:
    """Small files: rows are lists of fields, or a raw line written as it is."""
    out = io.StringIO()
    quoting = csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(out, lineterminator=style.eol, quoting=quoting)
    out.write(_header_line(style, headers))
    for row in rows:
        if isinstance(row, str):
            out.write(row + style.eol)
        else:
            writer.writerow(row)
    # Python's utf-8-sig codec writes the BOM itself.
    path.write_bytes(out.getvalue().encode(style.encoding))


# A fixed creation time: the same seed must give the same bytes.
XLSX_CREATED = datetime(2023, 6, 5, 9, 30)


def write_workforce_xlsx(path: Path, rows: list[dict[str, str]], style: FileStyle) -> None:
    """ESR as a workbook: the period as a date cell, WTE and sickness as numbers."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": XLSX_CREATED, "author": "ESR BI"})
    sheet = book.add_worksheet("ESR Extract")
    month_format = book.add_format({"num_format": "mmm-yy"})
    sheet.write_row(0, 0, style.headers)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(style.columns):
            value = row[column]
            if value == "":
                continue
            if column == "period":
                sheet.write_datetime(r, c, datetime(int(value[:4]), int(value[5:7]), 1),
                                     month_format)
            elif column in ("contracted_wte", "sickness_fte_days"):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()

