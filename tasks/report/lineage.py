"""Where the figures come from and how they have moved: the Sources sheet of every report (the
files the month's latest calculation read for the trust, ops.calculation_file) and the
executive report's Revisions sheet (the figures revised since last month's report by more
than 0.1 percentage point, mart.revision), with the revisions in a sentence."""

from __future__ import annotations

from tasks.months import add_months, month_date, month_label
from tasks.report.model import OrgData
from tasks.report.sheets import trust_title
from tasks.report.style import (
    MONTH,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    PERCENT_CHANGE,
    Book,
    signed_percent,
)

LINE = {"bottom": 1, "bottom_color": NHS_PALE_GREY}
PP = "+0.00;-0.00;0.00"
THRESHOLD_WORDS = "0.1 percentage point"


# --- sources ---------------------------------------------------------------------------

def month_ranges(months: list[str] | None) -> str:
    """'Apr 2019 to Mar 2020; Apr 2024 to Jun 2024': the months a file holds, runs joined."""
    if not months:
        return "Reference: not by month"
    runs: list[list[str]] = []
    for m in sorted(months):
        if runs and add_months(month_date(runs[-1][-1]), 1) == month_date(m):
            runs[-1].append(m)
        else:
            runs.append([m])
    return "; ".join(f"{month_date(r[0]):%b %Y}" + (f" to {month_date(r[-1]):%b %Y}"
                                                    if len(r) > 1 else "") for r in runs)


SOURCE_COLUMNS = [("Source", 13), ("File", 36), ("SHA-256", 50), ("Loaded at", 16),
                  ("Rows loaded", 10), ("Rows quarantined", 11), ("Months", 44)]


def sources_sheet(book: Book, data: OrgData) -> None:
    """The files behind the trust's figures of the month: the trust's own, then the reference
    files every trust shares; none of another trust's."""
    ws = book.sheet("Sources")
    book.columns(ws, {1 + i: width for i, (_, width) in enumerate(SOURCE_COLUMNS)})
    last = len(SOURCE_COLUMNS)
    row = book.title(ws, f"Sources — the files behind these figures, {data.month_label}",
                     f"{trust_title(data)} · the files the month's latest calculation read: the "
                     "trust's own extracts, then the reference files every trust shares", last)
    header_row = row
    row = book.header(ws, row, 1, [header for header, _ in SOURCE_COLUMNS])
    book.repeat_header(ws, header_row)
    if not data.sources:
        book.text(ws, row, 1, "No files recorded: the month was calculated before the files "
                  "each calculation reads were kept. Recalculate it to list them.", italic=True)
        return
    for s in data.sources:
        book.text(ws, row, 1, s["source"], **LINE)
        book.text(ws, row, 2, s["origin"], text_wrap=True, **LINE)
        book.text(ws, row, 3, s["content_hash"], font_size=8, font_name="Consolas", **LINE)
        when = book.fmt(num_format="dd mmm yyyy hh:mm", align="left", **LINE)
        if s["loaded_at"] is None:
            ws.write_blank(row, 4, None, when)
        else:
            ws.write_datetime(row, 4, s["loaded_at"], when)
        book.number(ws, row, 5, s["rows_loaded"], "#,##0", **LINE)
        book.number(ws, row, 6, s["rows_quarantined"], "#,##0", **LINE)
        book.text(ws, row, 7, month_ranges(s["months"]), text_wrap=True, indent=1, **LINE)
        row += 1
    book.text(ws, row + 1, 1, "SHA-256: the fingerprint of the file's bytes as loaded; the same "
              "file always gives the same one. Loaded at: UK time.", italic=True, font_size=8,
              font_color=NHS_DARK_GREY)


# --- revisions -------------------------------------------------------------------------

REVISION_COLUMNS = [("Month", 10), ("Window", 14), ("Basis", 15), ("Level", 12), ("Node", 22),
                    ("IPc first published", 10), ("IPc now", 10), ("IPc change, points", 10),
                    ("IPw first published", 10), ("IPw now", 10), ("IPw change, points", 10),
                    ("Files that moved it", 44)]


def since_words(data: OrgData) -> str:
    """What 'since last month's report' means for this report, in words."""
    previous = month_label(add_months(month_date(data.month), -1).strftime("%Y-%m"))
    since = next((r["since"] for r in data.revisions if r["since"] is not None), None)
    if data.revisions and since is None:
        return (f"since each was first published ({previous} has not been calculated, so "
                "every revision counts)")
    return (f"since last month's report: recalculated after {previous}'s figures were first "
            "published" + (f" ({since:%d %B %Y, %H:%M})" if since else ""))


def revisions_sheet(book: Book, data: OrgData) -> None:
    ws = book.sheet("Revisions")
    book.columns(ws, {1 + i: width for i, (_, width) in enumerate(REVISION_COLUMNS)})
    last = len(REVISION_COLUMNS)
    row = book.title(ws, f"Revisions since last month's report — {data.month_label}",
                     f"{trust_title(data)} · figures of {data.month_label} and the months before "
                     f"it that moved by more than {THRESHOLD_WORDS}", last)
    row = book.paragraph(
        ws, row, f"Listed: each figure whose implied productivity on cost or on workforce now "
        f"stands more than {THRESHOLD_WORDS} from the value first published, {since_words(data)}. "
        "A figure moves when a file it was calculated from is corrected or a month restated; "
        "the files named are those the latest calculation read that the first did not. "
        "Changes are in percentage points.", last, font_size=9, font_color=NHS_DARK_GREY) + 1
    header_row = row
    row = book.header(ws, row, 1, [header for header, _ in REVISION_COLUMNS])
    book.repeat_header(ws, header_row)
    if not data.revisions:
        book.text(ws, row, 1, f"No revisions: no figure has moved by more than {THRESHOLD_WORDS} "
                  "since last month's report.", italic=True)
        return
    for r in data.revisions:
        ws.write_datetime(row, 1, month_date(r["period"]),
                          book.fmt(num_format=MONTH, align="left", **LINE))
        book.text(ws, row, 2, r["window_label"], **LINE)
        book.text(ws, row, 3, data.lens_label(r["basis"]).capitalize(), **LINE)
        book.text(ws, row, 4, r["level_label"], **LINE)
        book.text(ws, row, 5, r["node"], **LINE)
        for col, measure in ((6, "ip_cost"), (9, "ip_wte")):
            book.number(ws, row, col, r[f"first_{measure}"], PERCENT_CHANGE, **LINE)
            book.number(ws, row, col + 1, r[f"current_{measure}"], PERCENT_CHANGE, **LINE)
            change = r[f"{measure}_change"]
            book.number(ws, row, col + 2, None if change is None else change * 100, PP, **LINE)
        book.text(ws, row, 12, "; ".join(r["origins"] or []) or "(none named)", text_wrap=True,
                  font_size=9, indent=1, **LINE)
        row += 1


def revisions_sentence(data: OrgData) -> str:
    """The revisions since last month's report in a sentence, the largest at trust level (or,
    with none there, anywhere) named."""
    if not data.revisions:
        return (f"No figure has been revised by more than {THRESHOLD_WORDS} since last month's "
                "report.")

    def size(r: dict) -> float:
        return max(abs(r["ip_cost_change"] or 0), abs(r["ip_wte_change"] or 0))

    trust = [r for r in data.revisions if r["level"] == "trust"]
    largest = max(trust or data.revisions, key=size)
    measure, what = (("ip_cost", "cost") if abs(largest["ip_cost_change"] or 0)
                     >= abs(largest["ip_wte_change"] or 0) else ("ip_wte", "workforce"))
    count = len(data.revisions)
    return (f"{count} figure{'s' if count != 1 else ''} revised by more than {THRESHOLD_WORDS} "
            f"since last month's report (Revisions sheet); the largest"
            f"{' for the trust' if trust else ''}: {largest['node']}, "
            f"{month_label(largest['period'])}, {largest['window_label'].lower()} "
            f"{data.lens_label(largest['basis'])}, implied productivity on {what} first "
            f"published {signed_percent(largest[f'first_{measure}'])}, now "
            f"{signed_percent(largest[f'current_{measure}'])}.")
