"""Reading landed files, what every reader shares: the rejection and change errors, chunks,
header mapping, opening a file inside the landing folder, and the check that what was parsed
is what was hashed (the contract is written in tasks/extract.py)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from schemas.published_peers import HEADER_ALIASES
from schemas.sources import FACT_MODELS, REFERENCE_MODELS, contract_columns
from tasks.ingest.landing import LinkRefused, SourceFile, file_stat, open_landed


class FileRejected(Exception):
    """The whole input is unreadable; the message names the file and the problem."""


class FileChanged(Exception):
    """The file changed while it was read: nothing of it is loaded, the next run loads it."""


def changed_error(source_file: SourceFile) -> FileChanged:
    return FileChanged(f"{source_file.origin}: changed while it was read; not loaded, "
                       "the next run loads it")


@dataclass
class Chunk:
    """Rows of one input as text in contract columns, with their line numbers."""

    frame: pa.Table                                    # contract columns (text) + line_number
    bad_lines: list[tuple[int | None, str]] = field(default_factory=list)
    percent_columns: frozenset[str] = frozenset()      # their header says "%" or "percent"


# --- headers -----------------------------------------------------------------------------

def normalise_header(name: object) -> str:
    """Header names match case-insensitively after trimming; spaces and dashes read as `_`."""
    return re.sub(r"[\s\-]+", "_", str(name if name is not None else "").strip().casefold())


# A unit in a header: "Growth (%)", "Growth, per cent", "Growth percentage".
_PERCENT = re.compile(r"%|\bper\s*cent(?:age)?\b|\bpercent(?:age)?\b|\bpct\b")


def header_words(name: object) -> str:
    """A header as its words alone, for the contract's built-in aliases: case, punctuation and
    a percent unit aside, "Cost-weighted activity growth (%)" is cost_weighted_activity_growth."""
    text = _PERCENT.sub(" ", str(name if name is not None else "").casefold())
    return "_".join(re.findall(r"[^\W_]+", text))


def says_percent(name: object) -> bool:
    return bool(_PERCENT.search(str(name if name is not None else "").casefold()))


def percent_columns(headers: list[object], positions: dict[int, str]) -> frozenset[str]:
    """The contract columns whose header says its values are percentages."""
    return frozenset(name for position, name in positions.items() if says_percent(headers[position]))


def contract_for(source: str) -> tuple[list[str], list[str]]:
    model = FACT_MODELS.get(source) or REFERENCE_MODELS[source][0]
    required, optional = contract_columns(model)
    if source in FACT_MODELS:
        optional += ["financial_year", "financial_period"]
    return required, optional


def map_headers(
    origin: str, source: str, headers: list[object], header_map: dict[str, str] | None = None
) -> dict[int, str]:
    """Position -> contract column for the headers that belong to the contract.

    A header is matched by the trust's header_map first, then as a contract name, then by the
    contract's own aliases (schemas/published_peers.py). Rejects the input when a required
    column is missing or a contract column repeats.
    """
    if not any(str(h or "").strip() for h in headers):
        raise FileRejected(f"{origin}: has no header row (the file is empty)")
    aliases = {normalise_header(k): v for k, v in (header_map or {}).items()}
    built_in = {header_words(k): v for k, v in HEADER_ALIASES.get(source, {}).items()}
    required, optional = contract_for(source)
    wanted = set(required) | set(optional)
    positions: dict[int, str] = {}
    for position, header in enumerate(headers):
        name = normalise_header(header)
        if name in aliases:
            name = aliases[name]
        elif name not in wanted:
            name = built_in.get(header_words(header), name)
        if name in wanted:
            if name in positions.values():
                raise FileRejected(f"{origin}: column {name!r} appears more than once")
            positions[position] = name
    present = set(positions.values())
    if "period" in required and "period" not in present and {
        "financial_year", "financial_period"} <= present:
        present.add("period")
    if source in REFERENCE_MODELS:
        required = required + REFERENCE_MODELS[source][0].layout_columns(present)
    missing = [c for c in required if c not in present]
    if missing:
        # Only contract names are shown: a file without a header row would otherwise put its
        # first row (a person's name, NI number, date of birth) into the message.
        found = [name for _, name in sorted(positions.items())]
        raise FileRejected(
            f"{origin}: missing required column(s) {', '.join(missing)} "
            f"(contract columns found: {', '.join(found) or 'none'}; "
            f"{len(headers) - len(found)} other column(s))"
        )
    return positions


# --- opening and change checks ----------------------------------------------------------

def open_input(file: Path | SourceFile, origin: str) -> int:
    """A descriptor of the landed file, reached without following a link; FileRejected if none."""
    try:
        if isinstance(file, SourceFile):
            return open_landed(file)
        return open_landed(SourceFile(source="", path=Path(file), origin=origin))
    except LinkRefused as refused:
        raise FileRejected(str(refused)) from None


def check_unchanged(source_file: SourceFile, handle: io.RawIOBase, digest: str,
                     expected_hash: str | None) -> None:
    """FileChanged unless the bytes read hash to expected_hash and the file kept its size and time."""
    if (expected_hash is not None and digest != expected_hash) or stat_changed(source_file, handle):
        raise changed_error(source_file)


def stat_changed(source_file: SourceFile, handle: io.RawIOBase) -> bool:
    """The open file's size or modified time is not what discover saw (where it saw them)."""
    return source_file.size >= 0 and file_stat(handle.fileno()) != (
        source_file.size, source_file.modified_ns)


# --- frames ------------------------------------------------------------------------------

def cell_text(value: object) -> str:
    """A spreadsheet or database value as the text a CSV export would have held."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value).strip()


def rows_frame(rows: list[tuple], lines: list[int], positions: dict[int, str]) -> pa.Table:
    columns = {
        name: pa.array([cell_text(row[pos]) if pos < len(row) else "" for row in rows], pa.string())
        for pos, name in positions.items()
    }
    return pa.table({**columns, "line_number": pa.array(lines, pa.int64())})


def _blank(column: pa.ChunkedArray) -> pa.Array:
    """Per row: the value is empty or only spaces (worked out once per distinct value)."""
    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        blank = pc.equal(pc.utf8_trim_whitespace(array.dictionary), "").take(array.indices)
    else:
        blank = pc.equal(pc.utf8_trim_whitespace(array), "")
    return pc.fill_null(blank, True)


def drop_blank(frame: pa.Table, columns: list[str]) -> pa.Table:
    """Lines with no value in any contract column are spacing, not rows."""
    blank = None
    for column in columns:
        blank = _blank(frame[column]) if blank is None else pc.and_(blank, _blank(frame[column]))
        if not pc.any(blank).as_py():   # usually settled by the first column
            return frame
    return frame if blank is None else frame.filter(pc.invert(blank))
