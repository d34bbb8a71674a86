"""Signal or noise in a table cell, as NHS England's "Making Data Count" shows it: a node's
variation and its assurance against the target, each a symbol and mart.label's words, in
the programme's colours (blue improvement, orange concern, grey common cause); the reading
of a chart in a sentence; and how to read the charts and icons, for the Definitions sheet."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from tasks.months import month_label
from tasks.report.model import BASE, OrgData
from tasks.report.style import NHS_DARK_GREY, Book, signed_percent, wrapped_height

# Making Data Count's colours, as its icons and charts use them.
MDC_BLUE, MDC_ORANGE, MDC_GREY = "#289DE0", "#FAB428", "#7B7D7D"

VARIATION_SYMBOL = {"special_cause_improvement": "▲", "special_cause_concern": "▼",
                    "common_cause": "●", "insufficient_data": "–"}
ASSURANCE_SYMBOL = {"consistently_passing": "P", "consistently_failing": "F",
                    "hit_and_miss": "?", None: "–"}

# A cell's fill and text: the colour as a pale fill under text dark enough to print and read.
TONES = {MDC_BLUE: ("#D4ECF9", "#0B5C8A"), MDC_ORANGE: ("#FEEFD3", "#7A4D00"),
         MDC_GREY: ("#E6E7E7", "#3D3F3F"), None: ("#FFFFFF", NHS_DARK_GREY)}
VARIATION_COLOUR = {"special_cause_improvement": MDC_BLUE, "special_cause_concern": MDC_ORANGE,
                    "common_cause": MDC_GREY, "insufficient_data": None}
ASSURANCE_COLOUR = {"consistently_passing": MDC_BLUE, "consistently_failing": MDC_ORANGE,
                    "hit_and_miss": MDC_GREY, None: None}

# The table columns that show a reading, as a table's column list names them.
VARIATION, ASSURANCE = "spc_variation", "spc_assurance"


def variation_code(reading: dict | None) -> str:
    """No reading at all (a node with no month figure) is too few points, like one with some."""
    return (reading or {}).get("variation") or "insufficient_data"


def variation_words(data: OrgData, reading: dict | None) -> str:
    code = variation_code(reading)
    return f"{VARIATION_SYMBOL[code]} {data.spc_label('variation', code)}"


def assurance_words(data: OrgData, reading: dict | None) -> str:
    """Assurance needs process limits; without them it is the same too few points."""
    code = (reading or {}).get("assurance")
    if code is None:
        return f"{ASSURANCE_SYMBOL[None]} {data.spc_label('variation', 'insufficient_data')}"
    return f"{ASSURANCE_SYMBOL[code]} {data.spc_label('assurance', code)}"


def reading_cell(book: Book, ws: Worksheet, row: int, col: int, data: OrgData,
                 reading: dict | None, kind: str, last_col: int | None = None,
                 **style) -> None:
    """The variation or the assurance of a reading, symbol and words, coloured; across
    col..last_col where given. Its row grows to the wrapped words."""
    if kind == VARIATION:
        text, colour = variation_words(data, reading), VARIATION_COLOUR[variation_code(reading)]
    else:
        code = (reading or {}).get("assurance")
        text, colour = assurance_words(data, reading), ASSURANCE_COLOUR[code]
    fill, font = TONES[colour]
    fmt = book.fmt(bg_color=fill, font_color=font, bold=colour is not None, text_wrap=True,
                   **style)
    last_col = col if last_col is None else last_col
    if last_col > col:
        ws.merge_range(row, col, row, last_col, text, fmt)
    else:
        ws.write_string(row, col, text, fmt)
    book.grow_row(ws, row, wrapped_height(text, book.width(ws, col, last_col), bold=True))
    book.reach(ws, row, last_col)


def node_reading_cell(book: Book, ws: Worksheet, row: int, col: int, data: OrgData, level: str,
                      node: str, basis: str, kind: str, **style) -> None:
    """A table's variation or assurance column: the node's IPc month by month on a basis."""
    reading_cell(book, ws, row, col, data, data.spc_reading(level, node, "ip_cost", basis), kind,
                 **style)


def target_words(data: OrgData, basis: str, target: float) -> str:
    if basis == BASE:
        return f"back to {data.base_year} productivity ({signed_percent(target)})"
    return f"NHS England's {signed_percent(target)} growth on last year"


def reading_sentence(data: OrgData, reading: dict | None, points: list[dict], basis: str) -> str:
    """What a chart shows, in a sentence: its months, mean and limits, the target, and the
    rule the latest point trips."""
    if not points:
        return "No month has a figure yet: nothing to chart."
    span = f"{month_label(points[0]['point_period'])} to {month_label(points[-1]['point_period'])}"
    mean = signed_percent(points[-1]["mean"])
    if points[-1]["upper_limit"] is None:
        return (f"{len(points)} month(s), {span}, mean {mean}. Fewer than 12 points: no process "
                "limits yet, so no month can be called special cause or common cause, and there "
                "is no assurance against the target.")
    text = (f"{len(points)} months, {span}: mean {mean}, process limits "
            f"{signed_percent(points[-1]['lower_limit'])} to "
            f"{signed_percent(points[-1]['upper_limit'])}; target "
            f"{target_words(data, basis, (reading or {}).get('target') or 0.0)}.")
    rule = data.spc_label("special_cause_rule", (reading or {}).get("special_cause_rule"))
    if rule:
        text += f" The latest month is special cause: {rule}."
    return text


def spc_definitions(data: OrgData) -> list[tuple[str, str]]:
    """How to read an SPC chart and its icons, the icons' words as mart.label has them."""
    rules = "; ".join(f"({i}) {data.spc_label('special_cause_rule', code)}" for i, code in
                      enumerate(("outside_limits", "shift", "trend", "two_of_three"), start=1))
    variation = "\n".join(
        f"{VARIATION_SYMBOL[code]} {data.spc_label('variation', code)}: {meaning}"
        for code, meaning in (
            ("special_cause_improvement", ("the latest month is a signal that productivity has "
             "risen (blue).")),
            ("special_cause_concern", ("the latest month is a signal that productivity has "
             "fallen (orange).")),
            ("common_cause", ("the latest month is within what the usual month-to-month "
             "variation explains (grey); no action on the figure alone.")),
            ("insufficient_data", "limits need 12 months of figures.")))
    assurance = "\n".join(
        f"{ASSURANCE_SYMBOL[code]} {data.spc_label('assurance', code)}: {meaning}"
        for code, meaning in (
            ("consistently_passing", ("the lower process limit is above the target, so the "
             "process will meet it month after month unless something changes (blue).")),
            ("consistently_failing", ("the upper process limit is below the target, so the "
             "target will not be met without a change to the way things are done (orange).")),
            ("hit_and_miss", ("the target lies between the limits: some months will meet it and "
             "some will not, by chance alone (grey)."))))
    return [
        ("SPC chart (signal or noise)",
         ("Statistical process control, as NHS England's Making Data Count asks board papers to "
          "show a measure: each month's implied productivity (the month alone, not the year to "
          "date), up to the latest 36 months, plotted in order with its mean, its process "
          "limits and the target. It tells a change worth acting on (a signal, or special "
          "cause) from the ups and downs every month has (noise, or common cause), so the "
          "board reacts to the first and not to the second.")),
        ("How to read an SPC chart",
         ("First the variation: is the latest month a signal? Then the pattern: a run of months "
          "on one side of the mean or steadily rising or falling is a change in the process, "
          "even when no month is outside the limits. Then the assurance: where the target sits "
          "against the limits says whether it will be met without a change. One month above or "
          "below the last is not, on its own, news.")),
        ("Mean and process limits",
         ("The mean (solid line) is the average of the months charted. The process limits "
          "(dashed lines) sit three sigma either side of it, sigma estimated from the average "
          "moving range, the average change from one month to the next: mean plus or minus "
          "2.66 times the average moving range. As long as nothing changes, nearly every "
          "month falls between them. They need 12 months: with fewer the chart shows the "
          "months and the mean only, and says so.")),
        ("Special cause: the four rules",
         (f"A month is special cause when any of these holds: {rules}. Two sigma is two "
          "thirds of the way from the mean to a limit. Above the mean, or in a rising run, is "
          "improvement: higher productivity is better. Every other month is common cause.")),
        ("Colours on the SPC charts",
         ("The grey line joins the months. A blue marker is a special-cause improvement, an "
          "orange one a special-cause concern, a grey one common cause. The solid line is the "
          "mean, the dashed grey lines the process limits, the red dashed line the target: 0% "
          "against the base year (back to its productivity) and the national target against "
          "last year. In the tables the variation and assurance cells are shaded in the same "
          "colours, with the icon in front of the words so they read in black and white too.")),
        ("Variation (icons)", f"The latest month's reading.\n{variation}"),
        ("Assurance (icons)",
         ("Whether the target will be met, read from where it sits against the limits.\n"
          f"{assurance}\nWithout limits there is no assurance yet.")),
    ]
