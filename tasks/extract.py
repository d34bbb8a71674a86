"""Extract: find new source files (or warehouse queries) and read them as chunks of text columns.

Only contract columns leave this module. Everything else in an extract, personal columns
above all, is never materialised: the CSV reader does not convert them, the XLSX and SQL
readers drop them before a chunk is built.

A chunk is an Arrow table of about `chunk_rows` rows, so memory is bounded by the chunk size
whatever the file's size. The CSV reader hands over its columns dictionary-encoded (each distinct
value once, and a small integer per row), the form tasks/validate.py works on.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from schemas.settings import SOURCES
from schemas.sources import FACT_MODELS, REFERENCE_MODELS, contract_columns

FILE_TYPES = (".csv", ".xlsx")
_HASH_BLOCK = 1 << 20
_CODED_TEXT = pa.dictionary(pa.int32(), pa.string())
# Columns whose values are nearly all distinct: coding them in the reader only to merge the
# blocks' dictionaries again costs more than coding the gathered chunk once.
_MOSTLY_DISTINCT = frozenset({"amount", "assignment_number"})
# Arrow's CSV reader reads up to 32 blocks ahead of the parser on a thread of its own, so its
# memory is 32 blocks, not one: small blocks, gathered into chunks of chunk_rows rows, keep
# that to 32 MB whatever the chunk size.
_CSV_BLOCK = 1 << 20


class FileRejected(Exception):
    """The whole input is unreadable; the message names the file and the problem."""


@dataclass(frozen=True)
class SourceFile:
    source: str                      # ledger | workforce | activity | a reference file stem
    path: Path
    origin: str                      # path under the landing folder, as logged
    declared_months: frozenset[date] | None = None

    @property
    def is_reference(self) -> bool:
        return self.source in REFERENCE_MODELS


@dataclass
class Chunk:
    """Rows of one input as text in contract columns, with their line numbers."""

    frame: pa.Table                                    # contract columns (text) + line_number
    bad_lines: list[tuple[int | None, str]] = field(default_factory=list)


# --- finding files -----------------------------------------------------------------------

_MONTH_TOKEN = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})(?!\d)")


def declared_months(name: str) -> frozenset[date] | None:
    """Months a file name declares: `_2024-05` one month, `_2019-20` a financial year."""
    months: set[date] = set()
    for first, second in _MONTH_TOKEN.findall(Path(name).stem):
        year, part = int(first), int(second)
        if (year + 1) % 100 == part:
            months.update(date(year + (m < 4), m, 1) for m in range(1, 13))
        elif 1 <= part <= 12:
            months.add(date(year, part, 1))
    return frozenset(months) or None


def discover(landing: Path) -> list[SourceFile]:
    """Every candidate file in the landing folder: reference data first, then facts.

    Within a source, older files come first so that a corrected file dropped later
    replaces the slices of the file it corrects.
    """
    found: list[SourceFile] = []
    for folder in ("reference", *SOURCES):
        directory = landing / folder
        if not directory.is_dir():
            continue
        paths = [p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in FILE_TYPES]
        found += [landed_file(landing, path.relative_to(landing).as_posix())
                  for path in sorted(paths, key=lambda p: (p.stat().st_mtime, p.name))]
    return found


def landed_file(landing: Path, origin: str) -> SourceFile:
    """The file at `origin` (its path under the landing folder, `folder/name`), as discover names it."""
    folder, _, name = origin.partition("/")
    path = landing / origin
    return SourceFile(
        source=path.stem.lower() if folder == "reference" else folder,
        path=path,
        origin=origin,
        declared_months=None if folder == "reference" else declared_months(name),
    )


# --- headers -----------------------------------------------------------------------------

def normalise_header(name: object) -> str:
    """Header names match case-insensitively after trimming; spaces and dashes read as `_`."""
    return re.sub(r"[\s\-]+", "_", str(name if name is not None else "").strip().casefold())


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

    Rejects the input when a required column is missing or a contract column repeats.
    """
    if not any(str(h or "").strip() for h in headers):
        raise FileRejected(f"{origin}: has no header row (the file is empty)")
    aliases = {normalise_header(k): v for k, v in (header_map or {}).items()}
    required, optional = contract_for(source)
    wanted = set(required) | set(optional)
    positions: dict[int, str] = {}
    for position, header in enumerate(headers):
        name = normalise_header(header)
        name = aliases.get(name, name)
        if name in wanted:
            if name in positions.values():
                raise FileRejected(f"{origin}: column {name!r} appears more than once")
            positions[position] = name
    present = set(positions.values())
    if "period" in required and "period" not in present and {
        "financial_year", "financial_period"} <= present:
        present.add("period")
    missing = [c for c in required if c not in present]
    if missing:
        shown = ", ".join(str(h).strip() for h in headers if str(h or "").strip())
        raise FileRejected(
            f"{origin}: missing required column(s) {', '.join(missing)} "
            f"(the header has: {shown[:300]})"
        )
    return positions


# --- hashing and encodings -----------------------------------------------------------------

def hash_and_encoding(path: Path, origin: str) -> tuple[str, str | None, FileRejected | None]:
    """The file's sha256 and, for CSV, the encoding it decodes with (or why none does)."""
    digest = hashlib.sha256()
    is_csv = path.suffix.lower() == ".csv"
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, first = True, b""
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
            if not first:
                first = block[:4]
            # Plain ASCII (most extracts) is valid UTF-8 without decoding, unless a character
            # began at the end of the block before.
            if is_csv and utf8_ok and not (block.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
    if not is_csv:
        return digest.hexdigest(), None, None
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return digest.hexdigest(), "utf-16", None
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        return digest.hexdigest(), "utf-8", None
    try:
        return digest.hexdigest(), _check_cp1252(path, origin), None
    except FileRejected as problem:
        return digest.hexdigest(), None, problem


def _check_cp1252(path: Path, origin: str) -> str:
    decoder = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            if b"\x00" in block:
                raise FileRejected(f"{origin}: is not a CSV text file (it holds binary data)")
            try:
                decoder.decode(block)
            except UnicodeDecodeError as err:
                raise FileRejected(
                    f"{origin}: cannot be read as UTF-8 or Windows-1252 text "
                    f"(byte 0x{err.object[err.start]:02x} is not a character in either)"
                ) from None
    return "cp1252"


# --- readers -----------------------------------------------------------------------------

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


def _frame(rows: list[tuple], lines: list[int], positions: dict[int, str]) -> pa.Table:
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


def _drop_blank(frame: pa.Table, columns: list[str]) -> pa.Table:
    """Lines with no value in any contract column are spacing, not rows."""
    blank = None
    for column in columns:
        blank = _blank(frame[column]) if blank is None else pc.and_(blank, _blank(frame[column]))
        if not pc.any(blank).as_py():   # usually settled by the first column
            return frame
    return frame if blank is None else frame.filter(pc.invert(blank))


def _line_numbers(first: int, count: int, skipped: set[int]) -> np.ndarray:
    """Line numbers of `count` parsed rows from line `first` on, around the skipped lines."""
    ahead = [n for n in skipped if n >= first]
    candidates = np.arange(first, first + count + len(ahead), dtype=np.int64)
    if ahead:
        candidates = candidates[~np.isin(candidates, ahead)]
    return candidates[:count]


def read_csv(
    source_file: SourceFile, encoding: str, header_map: dict[str, str] | None, chunk_rows: int
) -> tuple[list[str], Iterator[Chunk]]:
    """Contract columns present, and the file's rows in chunks (bounded memory)."""
    origin = source_file.origin
    with source_file.path.open("r", encoding=encoding, newline="") as text:
        first_line = text.readline()
    headers = next(csv.reader([first_line.lstrip("\ufeff")]), [])
    positions = map_headers(origin, source_file.source, headers, header_map)
    names = [f"c{i}" for i in range(len(headers))]
    skipped: set[int] = set()
    pending: list[tuple[int | None, str]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        if row.number is not None:
            skipped.add(row.number)
        pending.append((row.number, f"line has {row.actual_columns} fields, "
                                    f"the header has {row.expected_columns}"))
        return "skip"

    try:
        reader = pacsv.open_csv(
            source_file.path,
            read_options=pacsv.ReadOptions(
                skip_rows=1, column_names=names, encoding=encoding, use_threads=False,
                block_size=_CSV_BLOCK,
            ),
            # Blank lines come through as empty rows, so that line numbers stay right.
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(
                column_types={names[p]: pa.string() if name in _MOSTLY_DISTINCT else _CODED_TEXT
                              for p, name in positions.items()},
                include_columns=[names[p] for p in positions],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError) as err:
        raise FileRejected(f"{origin}: cannot be parsed as CSV ({err})") from None
    columns = list(positions.values())

    def chunk(batches: list[pa.RecordBatch], lines: list[np.ndarray]) -> Chunk:
        # One dictionary per column for the whole chunk: validation reads each value once.
        frame = pa.Table.from_batches(batches).unify_dictionaries().combine_chunks()
        frame = frame.rename_columns(columns).append_column("line_number", pa.array(np.concatenate(lines)))
        reported = pending.copy()
        pending.clear()
        return Chunk(_drop_blank(frame, columns), reported)

    def chunks() -> Iterator[Chunk]:
        next_line = 2
        batches: list[pa.RecordBatch] = []
        lines: list[np.ndarray] = []
        try:
            for batch in reader:
                # The parser skipped invalid rows: number the others around them.
                numbers = _line_numbers(next_line, batch.num_rows, skipped)
                if len(numbers):
                    next_line = int(numbers[-1]) + 1
                batches.append(batch)
                lines.append(numbers)
                if sum(b.num_rows for b in batches) >= chunk_rows:
                    yield chunk(batches, lines)
                    batches, lines = [], []
            if batches:
                yield chunk(batches, lines)
            if pending:
                yield Chunk(_frame([], [], positions), pending.copy())
        except (pa.ArrowInvalid, UnicodeError) as err:
            raise FileRejected(f"{origin}: cannot be parsed as CSV ({err})") from None

    return columns, chunks()


def read_xlsx(
    source_file: SourceFile, header_map: dict[str, str] | None, chunk_rows: int
) -> tuple[list[str], Iterator[Chunk]]:
    """The first worksheet, header in row 1."""
    import zipfile

    import openpyxl

    origin = source_file.origin
    try:
        workbook = openpyxl.load_workbook(source_file.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise FileRejected(f"{origin}: is not a readable XLSX workbook ({err})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = list(next(rows, ()))
    positions = map_headers(origin, source_file.source, headers, header_map)
    columns = list(positions.values())

    def chunks() -> Iterator[Chunk]:
        try:
            buffer: list[tuple] = []
            lines: list[int] = []
            for line, row in enumerate(rows, start=2):
                buffer.append(row)
                lines.append(line)
                if len(buffer) >= chunk_rows:
                    yield Chunk(_drop_blank(_frame(buffer, lines, positions), columns))
                    buffer, lines = [], []
            if buffer:
                yield Chunk(_drop_blank(_frame(buffer, lines, positions), columns))
        finally:
            workbook.close()

    return columns, chunks()


def read_query(
    source: str, warehouse_url: str, query: str, header_map: dict[str, str] | None,
    chunk_rows: int, on_rows: Callable[[list[tuple]], None],
) -> tuple[list[str], Iterator[Chunk]]:
    """A warehouse query's result, streamed in chunks; on_rows sees every fetched row (for hashing)."""
    import sqlalchemy as sa

    origin = f"sql:{source}"
    warehouse = sa.create_engine(warehouse_url, poolclass=sa.pool.NullPool)
    conn = warehouse.connect()
    try:
        result = conn.execution_options(stream_results=True).execute(sa.text(query))
    except sa.exc.SQLAlchemyError as err:
        conn.close()
        raise FileRejected(f"{origin}: the warehouse query failed ({err.__class__.__name__}: "
                           f"{str(err.orig if hasattr(err, 'orig') else err).splitlines()[0]})") from None
    headers = list(result.keys())
    positions = map_headers(origin, source, headers, header_map)
    columns = list(positions.values())

    def chunks() -> Iterator[Chunk]:
        line = 1
        try:
            for partition in result.partitions(chunk_rows):
                rows = [tuple(r[p] for p in positions) for r in partition]
                on_rows(rows)
                lines = list(range(line, line + len(rows)))
                line += len(rows)
                yield Chunk(_drop_blank(
                    _frame(rows, lines, dict(enumerate(positions.values()))), columns))
        finally:
            conn.close()
            warehouse.dispose()

    return columns, chunks()


def csv_text(frame: pa.Table | pd.DataFrame) -> bytes:
    """A table as CSV bytes for COPY (pyarrow's writer: fast, and NULL as an empty field)."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer.getvalue()
