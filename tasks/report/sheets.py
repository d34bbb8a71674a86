"""What the executive report and the packs share: the trust's title, the n/a reasons beside
a headline, a change in words, the data-quality notes with their findings, and the
Definitions sheet."""

from __future__ import annotations

from tasks.report.definitions import DEFINITIONS
from tasks.report.model import OrgData
from tasks.report.spc import spc_definitions
from tasks.report.style import NHS_PALE_GREY, PERCENT_CHANGE, POUNDS, SEVERITY_LABEL, Book

DQ_FINDINGS_SHOWN = 12


def trust_title(data: OrgData) -> str:
    return data.org_name if data.org_name == data.org_code else f"{data.org_name} ({data.org_code})"


def pack_title(data: OrgData) -> str:
    """A pack's period: 'quarter 1 2024/25'."""
    return f"quarter {data.quarter} {data.financial_year}"


def with_reason(note: str, column: str, *rows: dict) -> str:
    """A headline line's note, led by why a figure on it is n/a (once, however many are)."""
    reasons = sorted({r["null_reason"] for r in rows
                      if r and r.get(column) is None and r.get("null_reason")})
    if not reasons or note.startswith("n/a:"):
        return note
    return f"n/a: {'; '.join(reasons)}. {note}".strip()


def movement(index: float | None) -> str:
    """An index as a change in words: 'up 4.2%', 'down 1.0%'."""
    if index is None:
        return "n/a"
    change = index - 1
    return f"{'up' if change >= 0 else 'down'} {abs(change):.1%}"


def write_dq_notes(book: Book, ws, row: int, notes, services: set[str] | None) -> int:
    """Each note, then its findings (those about `services` where given); returns next row."""
    header_row = row
    row = book.header(ws, row, 1, ["Severity", "Check / finding", "Touches", "Value",
                                   "What it means / detail"])
    book.repeat_header(ws, header_row)
    if not notes:
        book.text(ws, row, 1, "Every data-quality check passed.", italic=True)
        return row + 1
    for note in notes:
        findings = note.findings if services is None or not note.services \
            else note.findings_for(services)
        touches = ", ".join(sorted(note.services if services is None
                                   else note.services & services)) or "Trust as a whole"
        line = {"bottom": 1, "bottom_color": NHS_PALE_GREY, "bg_color": NHS_PALE_GREY}
        book.text(ws, row, 1, SEVERITY_LABEL[note.severity], bold=True, **line)
        book.text(ws, row, 2, note.title, bold=True, text_wrap=True, **line)
        book.text(ws, row, 3, touches, text_wrap=True, **line)
        book.text(ws, row, 4, None, **line)
        book.text(ws, row, 5, note.message, text_wrap=True, **line)
        row += 1
        for finding in findings[:DQ_FINDINGS_SHOWN]:
            book.text(ws, row, 2, str(finding.get("code") or ""), indent=1, font_size=9)
            book.text(ws, row, 3, finding.get("service") or "", font_size=9)
            unit = finding.get("unit")
            value = finding.get("value")
            book.number(ws, row, 4, None if value is None else float(value),
                        finding_format(unit, value), font_size=9)
            detail = str(finding.get("detail") or "")
            book.text(ws, row, 5, detail, text_wrap=True, font_size=9)
            row += 1
        if len(findings) > DQ_FINDINGS_SHOWN:
            book.text(ws, row, 2, f"and {len(findings) - DQ_FINDINGS_SHOWN} more",
                      italic=True, font_size=9, indent=1)
            row += 1
    return row


def finding_format(unit: str | None, value) -> str:
    """A finding's value as what it measures: pounds, a change, or a count."""
    if unit and unit.startswith("£"):
        return POUNDS
    if unit == "change":
        return PERCENT_CHANGE
    return "#,##0" if value is None or float(value).is_integer() else "#,##0.00"


def definitions_sheet(book: Book, data: OrgData, extra: list[tuple[str, str]] = ()) -> None:
    ws = book.sheet("Definitions")
    widths = {1: 34, 2: 110}
    book.columns(ws, widths)
    row = book.title(ws, "What the figures mean",
                     f"Plain-English definitions; the base year is {data.base_year}, last year "
                     f"is {data.last_year}", 2)
    header_row = row
    row = book.header(ws, row, 1, ["Term", "Meaning"])
    book.repeat_header(ws, header_row)
    for term, meaning in [*DEFINITIONS, *spc_definitions(data), *extra]:
        term = term.replace("the base year", data.base_year)
        meaning = (meaning.replace("the base year", data.base_year)
                   .replace("the national target", f"the national target of "
                            f"{data.year_on_year_target:+.1%} a year"))
        book.text(ws, row, 1, term, bold=True, valign="top", bottom=1,
                  bottom_color=NHS_PALE_GREY)
        book.text(ws, row, 2, meaning, text_wrap=True, valign="top", bottom=1,
                  bottom_color=NHS_PALE_GREY)
        row += 1
