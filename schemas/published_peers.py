"""NHS England's published productivity figures as peers.csv reads them: its headers, and its
growth rates, written as percentages or as fractions (schemas/sources.py PeerRow)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

# NHS England's three figures: ip_cost on the prior-year basis is the productivity growth estimate,
# (1 + activity_growth) / (1 + resource_growth) - 1.
GROWTH_COLUMNS = ("activity_growth", "resource_growth", "productivity_growth")

# The headers NHS England's files (and copies of them) use, compared word by word: case,
# punctuation and a unit such as "(%)" aside (tasks/ingest/reading.py header_words); the growth
# columns' own names too, so that "activity_growth (%)" says its unit. A trust's own
# header_map setting wins over these.
PEER_HEADERS = {
    "org_code": ("Organisation code", "Org code", "Trust code", "Provider code", "ODS code"),
    "org_name": ("Organisation name", "Org name", "Trust name", "Provider name"),
    "activity_growth": ("activity_growth", "Cost weighted activity growth",
                        "Cost-weighted activity growth", "CWA growth"),
    "resource_growth": ("resource_growth", "Real terms resource growth",
                        "Real-terms resource growth", "Resource growth"),
    "productivity_growth": ("productivity_growth", "Productivity growth estimate",
                            "Productivity growth"),
}
HEADER_ALIASES: dict[str, dict[str, str]] = {
    "peers": {header: column for column, headers in PEER_HEADERS.items() for header in headers},
}

# A rate far beyond ±1000 (as a fraction) is a broken export, and 1e400000 no column stores.
MAX_RATE = Decimal(1000)
# Rates are kept to 12 decimal places: a billionth of a percentage point is past any
# published precision, and a value such as 1e-400000 would not fit the load's decimal type.
RATE_PLACES = Decimal("1e-12")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
# Spreadsheets write a minus as U+2212 or an en dash.
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def _number(value: object) -> tuple[Decimal, bool] | None:
    """(the number, written with %), None if blank; ValueError if not a number."""
    if value is None:
        return None
    text = str(value).strip().translate(MINUS_SIGNS)
    if not text:
        return None
    marked = text.endswith("%")
    digits = text.removesuffix("%").strip()
    if not re.fullmatch(NUMBER, digits):
        raise ValueError(f"{text!r} is not a number")
    try:
        return Decimal(digits), marked
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


def parse_rate(column: str, value: object, percent: bool = False) -> Decimal | None:
    """A rate as a fraction (0.021 is +2.1%): a value written with % is a percentage, and so is
    a bare one where `percent` says the file's are; None if blank."""
    try:
        parsed = _number(value)
    except ValueError as err:
        raise ValueError(f"{column} {err}") from None
    if parsed is None:
        return None
    number, marked = parsed
    if abs(number) > (100 * MAX_RATE if marked or percent else MAX_RATE):
        raise ValueError(f"{column} {str(value).strip()!r} is beyond ±{MAX_RATE:,} "
                         "(a rate as a fraction: 0.021 is +2.1%)")
    rate = number / 100 if marked or percent else number
    return Decimal(format(rate.quantize(RATE_PLACES, ROUND_HALF_EVEN).normalize(), "f"))


def growth_in_percent(records: list[dict], percent_headers: set[str]) -> bool:
    """Whether a file's bare growth figures are percentages: its header says so (% or
    'percent'), or a value is beyond ±1 (no trust's year grows by 100%); else fractions."""
    if percent_headers & set(GROWTH_COLUMNS):
        return True
    for record in records:
        for column in GROWTH_COLUMNS:
            try:
                parsed = _number(record.get(column))
            except ValueError:
                continue                # the row's own validation names it
            if parsed is not None and not parsed[1] and abs(parsed[0]) > 1:
                return True
    return False


def published_ip_cost(ip_cost: Decimal | None, estimate: Decimal | None,
                      activity_growth: Decimal | None, resource_growth: Decimal | None) -> Decimal:
    """IPc against last year: the productivity growth estimate (or ip_cost, if the file gives
    that), else worked out from the two growths as NHS England does."""
    if estimate is not None and ip_cost is not None and estimate != ip_cost:
        raise ValueError(f"ip_cost {ip_cost} and productivity_growth {estimate} disagree")
    if ip_cost is not None or estimate is not None:
        return ip_cost if ip_cost is not None else estimate
    if activity_growth is None or resource_growth is None:
        raise ValueError("productivity_growth required, or both activity_growth and resource_growth")
    return parse_rate("ip_cost", (1 + activity_growth) / (1 + resource_growth) - 1)


def basis_name(value: object) -> object:
    """'Prior year', 'prior-year' and 'PRIOR_YEAR' all read as prior_year."""
    if isinstance(value, str):
        return re.sub(r"[\s\-]+", "_", value.strip().casefold()) or None
    return value


def _rate(value: object, info: ValidationInfo) -> Decimal | None:
    percent = bool((info.context or {}).get("percent")) and info.field_name in GROWTH_COLUMNS
    return parse_rate(info.field_name, value, percent)


def _growth(value: Decimal | None, info: ValidationInfo) -> Decimal | None:
    # A fall of 100% or more in a trust's activity or resources is not a year that happened.
    if value is not None and value <= -1:
        raise ValueError(f"{info.field_name} {value} is a fall of 100% or more")
    return value


# A rate as a fraction, whatever the file wrote; NHS England's growth figures in percent
# where the file's are (the validation context's `percent`, PeerRow.file_context).
Rate = Annotated[Decimal | None, BeforeValidator(_rate)]
Growth = Annotated[Decimal | None, BeforeValidator(_rate), AfterValidator(_growth)]
