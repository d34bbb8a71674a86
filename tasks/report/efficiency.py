"""The pack's efficiency indicators, year to date: each against the same months of the base
year and of last year, with whether it moved the better way."""

from __future__ import annotations

from tasks.report.model import BASE, PRIOR, OrgData
from tasks.report.sheets import pack_title, trust_title
from tasks.report.style import (
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT,
    PERCENT_CHANGE,
    RATIO,
    Book,
)

# How each indicator reads: its format, and whether a fall is an improvement.
INDICATORS = {
    "alos_elective": (RATIO, "lower"),
    "alos_non_elective": (RATIO, "lower"),
    "day_case_rate": (PERCENT, "higher"),
    "preop_bed_days": (RATIO, "lower"),
    "op_follow_up_ratio": (RATIO, "lower"),
    "op_dna_rate": (PERCENT, "lower"),
    "agency_share_of_pay": (PERCENT, "lower"),
    "sickness_absence_rate": (PERCENT, "lower"),
    "cost_per_cwa": ("0.000", "lower"),
}
VERDICT_COLS = (8, 10)


def efficiency_sheet(book: Book, data: OrgData, group: str) -> None:
    ws = book.sheet("Efficiency")
    widths = {1: 24, 2: 40, 3: 9, 4: 11, 5: 11, 6: 11, 7: 11, 8: 9, 9: 11, 10: 9}
    book.columns(ws, widths)
    last = max(widths)
    row = book.title(ws, f"Efficiency indicators — {pack_title(data)}, year to date",
                     f"{trust_title(data)} · {group} · {data.span_label('ytd')} against the same "
                     f"months of {data.base_year} and of {data.last_year}", last)
    band_row = row
    row = book.band(ws, row, [(4, 6, "Year to date"),
                              (7, 8, data.lens_label(BASE).capitalize()),
                              (9, 10, "Against last year")])
    header_row = row
    row = book.header(ws, row, 1, ["Clinical group / directorate", "Indicator", "Better when",
                                   data.base_year, data.last_year, data.financial_year,
                                   "Change", "Verdict", "Change", "Verdict"])
    first = row
    directorates = {d["node"] for d in data.nodes("ytd", "directorate", clinical_group=group)}
    wanted = [("clinical_group", group)] + [("directorate", d) for d in sorted(directorates)]
    by_node: dict[tuple[str, str], dict[str, dict[str, dict]]] = {}
    for i in data.indicators:
        by_node.setdefault((i["level"], i["node"]), {}).setdefault(
            i["indicator"], {})[i["basis"]] = i
    line = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
    for level, node in wanted:
        indicators = sorted(by_node.get((level, node), {}).values(),
                            key=lambda lenses: next(iter(lenses.values()))["indicator_sort"])
        for n, lenses in enumerate(indicators):
            base, prior = lenses.get(BASE, {}), lenses.get(PRIOR, {})
            any_lens = base or prior
            num_format, better = INDICATORS.get(any_lens["indicator"], (RATIO, "lower"))
            book.text(ws, row, 1, node if n == 0 else None, bold=True, **line)
            book.text(ws, row, 2, any_lens["indicator_label"], **line)
            book.text(ws, row, 3, better, align="center", **line)
            book.number(ws, row, 4, base.get("base_value"), num_format, **line)
            book.number(ws, row, 5, prior.get("base_value"), num_format, **line)
            book.number(ws, row, 6, any_lens.get("current_value"), num_format, **line)
            for col, lens in ((7, base), (9, prior)):
                book.number(ws, row, col, lens.get("change"), change_format(num_format), **line)
                book.text(ws, row, col + 1, verdict(lens.get("change"), better), align="center",
                          **line)
            row += 1
    for col in VERDICT_COLS:
        for text, status in (("Better", "Green"), ("Worse", "Red")):
            ws.conditional_format(first, col, max(first, row - 1), col, {
                "type": "cell", "criteria": "==", "value": f'"{text}"',
                "format": book.rag_format(status)})
    book.repeat_header(ws, header_row, band_row)
    book.text(ws, row + 1, 1, "For rates the change is in percentage points. n/a: the measure "
              "has no denominator in that window (for example no elective spells), or last "
              "year's months are not all loaded.",
              italic=True, font_size=8, font_color=NHS_DARK_GREY)


def change_format(num_format: str) -> str:
    """Changes carry their sign; a rate's change is in points, shown as a percentage."""
    if num_format == PERCENT:
        return PERCENT_CHANGE
    return f"+{num_format};-{num_format};{num_format}"


def verdict(change: float | None, better: str) -> str:
    if change is None:
        return "n/a"
    if change == 0:
        return "Same"
    return "Better" if (change < 0) == (better == "lower") else "Worse"
