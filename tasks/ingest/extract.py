"""Extract: read landed files (or warehouse queries) as chunks of text columns.

Only contract columns leave this module. Everything else in an extract, personal columns
above all, is never kept: the CSV reader does not convert them (in a file with quoted fields
it reads them as text only to count the line breaks inside them, and drops them at once), the
XLSX and SQL readers drop them before a chunk is built.

A chunk is an Arrow table of about `chunk_rows` rows, so memory is bounded by the chunk size
whatever the file's size. The CSV reader hands over its columns dictionary-encoded (each distinct
value once, and a small integer per row), the form tasks/validate.py works on.

What is read is what is recorded. The contract with the loader:
- `hash_and_encoding(file, origin)` hashes the file once (SHA-256) and picks its encoding;
- a reader (`read_csv`, `read_xlsx`) given `expected_hash` checks that what it parsed is
  what was hashed. The XLSX reader reads the file into memory once and hashes those very
  bytes. The CSV reader has Arrow read the file it opened (through /proc/self/fd: the same
  file, however it is renamed or replaced meanwhile) and, when its chunks are exhausted,
  hashes that file again. Either raises FileChanged when the hash differs from
  `expected_hash`, or the file's size or modification time differ from the SourceFile's
  (taken by discover or landed_file): the file was being written or replaced while read, so
  nothing of it is loaded and the next run loads it whole. (Arrow is not handed a Python
  file object to hash as it reads: its read-ahead thread calling into Python aborted an
  interpreter exiting right after a rejected file.)
- Every other problem reading a file is FileRejected, whose message names the file (its
  escaped origin), the line reached and the problem in our own words: never the file's
  content, which may be a person's details or a secret a link pointed at.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.ingest.csv_reader import UTF8_REPLACING, read_csv
from tasks.ingest.landing import (
    FILE_TYPES,
    LinkRefused,
    SourceFile,
    declared_months,
    discover,
    display_name,
    file_stat,
    landed_file,
    open_landed,
)
from tasks.ingest.reading import (
    Chunk,
    FileChanged,
    FileRejected,
    cell_text,
    check_unchanged,
    contract_for,
    drop_blank,
    map_headers,
    normalise_header,
    open_input,
    percent_columns,
    rows_frame,
)

# The names the loader, the flows and the tests import from here.
__all__ = [
    "FILE_TYPES", "UTF8_REPLACING", "Chunk", "FileChanged", "FileRejected",
    "LinkRefused", "SourceFile", "cell_text", "contract_for", "csv_text", "declared_months",
    "discover", "display_name", "file_stat", "hash_and_encoding", "landed_file", "map_headers",
    "normalise_header", "open_landed", "read_csv", "read_query", "read_xlsx",
]

_HASH_BLOCK = 1 << 20


# --- hashing and encodings -----------------------------------------------------------------

def hash_and_encoding(
    file: Path | SourceFile, origin: str
) -> tuple[str, str | None, FileRejected | None]:
    """The file's sha256 and, for CSV, the encoding it decodes with (or why none does).

    UTF-8 is read as UTF-8 even with a few bytes that are not (UTF8_REPLACING: those lines are
    quarantined), as long as it holds valid multi-byte characters; a file with stray high
    bytes and no multi-byte character is Windows-1252. Raises FileRejected when the file
    cannot be opened inside the landing folder (given a SourceFile, nothing is followed).
    """
    digest = hashlib.sha256()
    path = file.path if isinstance(file, SourceFile) else Path(file)
    is_csv = path.suffix.lower() == ".csv"
    utf8 = codecs.getincrementaldecoder("utf-8")("replace")
    invalid = multi_byte = False
    first = b""
    with open(open_input(file, origin), "rb", buffering=0) as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
            if not first:
                first = block[:4]
            # Plain ASCII (most extracts) is valid UTF-8 without decoding, unless a character
            # began at the end of the block before.
            if is_csv and not (block.isascii() and not utf8.getstate()[0]):
                text = utf8.decode(block)
                replaced = text.count("\ufffd")
                invalid |= replaced > block.count(b"\xef\xbf\xbd")
                multi_byte |= not text.replace("\ufffd", "").isascii()
    if not is_csv:
        return digest.hexdigest(), None, None
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return digest.hexdigest(), "utf-16", None
    invalid |= "\ufffd" in utf8.decode(b"", final=True)
    if not invalid:
        return digest.hexdigest(), "utf-8", None
    if multi_byte:
        return digest.hexdigest(), UTF8_REPLACING, None
    try:
        return digest.hexdigest(), _check_cp1252(file, origin), None
    except FileRejected as problem:
        return digest.hexdigest(), None, problem


def _check_cp1252(file: Path | SourceFile, origin: str) -> str:
    decoder = codecs.getincrementaldecoder("cp1252")()
    with open(open_input(file, origin), "rb", buffering=0) as handle:
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


# --- other readers --------------------------------------------------------------------

def read_xlsx(
    source_file: SourceFile, header_map: dict[str, str] | None, chunk_rows: int,
    *, expected_hash: str | None = None,
) -> tuple[list[str], Iterator[Chunk]]:
    """The first worksheet, header in row 1: read into memory once, hashed, then parsed."""
    import openpyxl

    origin = source_file.origin
    with open(open_input(source_file, origin), "rb", buffering=0) as handle:
        content = handle.readall()
        check_unchanged(source_file, handle, hashlib.sha256(content).hexdigest(), expected_hash)
    # openpyxl fails on a damaged workbook with whatever its XML or zip layer raises, and its
    # texts can quote the file: every failure is named here, by the row reached.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = list(next(rows, ()))
    except Exception as err:  # noqa: BLE001 (see above: any failure is a damaged workbook)
        raise FileRejected(f"{origin}: is not a readable XLSX workbook (it is damaged, or not a "
                           f"workbook: {type(err).__name__} at row 1)") from None
    positions = map_headers(origin, source_file.source, headers, header_map)
    columns, percent = list(positions.values()), percent_columns(headers, positions)

    def chunks() -> Iterator[Chunk]:
        line = 1
        try:
            buffer: list[tuple] = []
            lines: list[int] = []
            for line, row in enumerate(rows, start=2):
                buffer.append(row)
                lines.append(line)
                if len(buffer) >= chunk_rows:
                    yield Chunk(drop_blank(rows_frame(buffer, lines, positions), columns),
                                percent_columns=percent)
                    buffer, lines = [], []
            if buffer:
                yield Chunk(drop_blank(rows_frame(buffer, lines, positions), columns),
                            percent_columns=percent)
        except Exception as err:
            if isinstance(err, (FileRejected, GeneratorExit)):
                raise
            raise FileRejected(f"{origin}: is a damaged XLSX workbook ({type(err).__name__} "
                               f"reading row {line + 1})") from None
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
    columns, percent = list(positions.values()), percent_columns(headers, positions)

    def chunks() -> Iterator[Chunk]:
        line = 1
        try:
            for partition in result.partitions(chunk_rows):
                rows = [tuple(r[p] for p in positions) for r in partition]
                on_rows(rows)
                lines = list(range(line, line + len(rows)))
                line += len(rows)
                yield Chunk(drop_blank(
                    rows_frame(rows, lines, dict(enumerate(positions.values()))), columns),
                    percent_columns=percent)
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
