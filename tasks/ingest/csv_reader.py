"""The CSV reader: a landed CSV file's rows in chunks of text columns, at Arrow's speed,
with their line numbers in the file, and the check that the file parsed is the file hashed
(tasks/extract.py has the contract)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tasks.ingest.landing import SourceFile
from tasks.ingest.reading import (
    Chunk,
    FileRejected,
    changed_error,
    check_unchanged,
    drop_blank,
    map_headers,
    open_input,
    percent_columns,
    rows_frame,
    stat_changed,
)

_HASH_BLOCK = 1 << 20
_CODED_TEXT = pa.dictionary(pa.int32(), pa.string())
# Columns whose values are nearly all distinct: coding them in the reader only to merge the
# blocks' dictionaries again costs more than coding the gathered chunk once.
_MOSTLY_DISTINCT = frozenset({"amount", "assignment_number"})
# Arrow's CSV reader reads up to 32 blocks ahead of the parser on a thread of its own, so its
# memory is 32 blocks, not one: small blocks, gathered into chunks of chunk_rows rows, keep
# that to 32 MB whatever the chunk size.
_CSV_BLOCK = 1 << 20
# The longest header line read; a longer one is not a header (a file with no line breaks).
_MAX_HEADER = 1 << 20
# UTF-8 with the bytes that are not UTF-8 replaced by U+FFFD, for a UTF-8 file with a few bad
# bytes: its rows holding U+FFFD are quarantined (tasks/validate.py), the others load.
UTF8_REPLACING = "prodpack-utf-8-replacing"


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != UTF8_REPLACING:
        return None
    utf8 = codecs.lookup("utf-8")

    class Decoder(codecs.BufferedIncrementalDecoder):
        def _buffer_decode(self, data, errors, final):
            return codecs.utf_8_decode(data, "replace", final)

    return codecs.CodecInfo(
        name=UTF8_REPLACING, encode=utf8.encode,
        decode=lambda data, errors="strict": utf8.decode(data, "replace"),
        incrementalencoder=utf8.incrementalencoder, incrementaldecoder=Decoder,
        streamreader=utf8.streamreader, streamwriter=utf8.streamwriter)


codecs.register(_find_codec)

def _line_numbers(first: int, count: int, skipped: set[int]) -> np.ndarray:
    """Row numbers of `count` parsed rows from row `first` on, around the skipped rows."""
    ahead = [n for n in skipped if n >= first]
    candidates = np.arange(first, first + count + len(ahead), dtype=np.int64)
    if ahead:
        candidates = candidates[~np.isin(candidates, ahead)]
    return candidates[:count]


def _line_breaks(batch: pa.RecordBatch) -> np.ndarray:
    """Per row: the line breaks inside its values (quoted fields may span lines)."""
    breaks = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        values = column.dictionary if pa.types.is_dictionary(column.type) else column
        counted = (pc.add(pc.count_substring(values, "\n"), pc.count_substring(values, "\r"))
                   .to_numpy(zero_copy_only=False) - pc.count_substring(values, "\r\n")
                   .to_numpy(zero_copy_only=False))
        if pa.types.is_dictionary(column.type):
            counted = counted[column.indices.to_numpy(zero_copy_only=False)]
        breaks += counted
    return breaks


class _Lines:
    """Row numbers (Arrow counts rows) to line numbers in the file, which differ after a
    quoted value that spans lines: each row starts as many lines later as the rows before it
    held line breaks. Rows the parser skipped count their breaks too."""

    def __init__(self) -> None:
        self.extra = 0                              # breaks in the rows numbered so far
        self.skipped_breaks: dict[int, int] = {}   # skipped row number -> its line breaks
        self.skipped_lines: dict[int, int] = {}    # skipped row number -> its line

    def number(self, rows: np.ndarray, breaks: np.ndarray, upto: int) -> np.ndarray:
        """Lines of the parsed `rows` (with their `breaks`); skipped rows up to `upto` too."""
        skipped = sorted(n for n in self.skipped_breaks if n <= upto and n not in self.skipped_lines)
        numbers = np.concatenate([rows, np.array(skipped, dtype=np.int64)])
        every = np.concatenate([breaks, np.array([self.skipped_breaks[n] for n in skipped],
                                                 dtype=np.int64)])
        order = np.argsort(numbers, kind="stable")
        before = self.extra + np.cumsum(every[order]) - every[order]
        lines = np.empty_like(numbers)
        lines[order] = numbers[order] + before
        self.extra += int(every.sum())
        self.skipped_lines.update(zip(skipped, lines[len(rows):].tolist()))
        return lines[:len(rows)]


def _read_header(handle: io.RawIOBase, encoding: str, origin: str) -> str:
    """The first line, read no further than _MAX_HEADER characters."""
    text = io.TextIOWrapper(io.BufferedReader(handle), encoding=encoding, newline="")
    try:
        line = text.readline(_MAX_HEADER + 1)
    except UnicodeError:
        raise FileRejected(f"{origin}: line 1 is not {encoding} text") from None
    finally:
        text.detach().detach()
    if len(line) > _MAX_HEADER:
        raise FileRejected(f"{origin}: line 1 is longer than {_MAX_HEADER >> 20} MiB, "
                           "so it is not a header row (is the file CSV with line breaks?)")
    handle.seek(0)
    return line


def _has_quotes(handle: io.RawIOBase) -> bool:
    """The file holds a `"`: only then can a value span lines (about 1 GB/s to find out)."""
    try:
        while block := handle.read(_HASH_BLOCK):
            if b'"' in block:
                return True
        return False
    finally:
        handle.seek(0)


def _parse_problem(err: Exception, origin: str, line: int, handle: io.RawIOBase) -> FileRejected:
    """What Arrow could not parse, in our words: its own texts can quote the file's rows.

    Arrow reads ahead of the rows handed over, so `line` (the last row handed over) can be far
    before the problem: a line too long for Arrow is found again here, by its number."""
    if isinstance(err, UnicodeError):
        return FileRejected(f"{origin}: holds text that is not in the file's encoding, "
                            f"after line {line}")
    if "straddl" not in str(err):
        return FileRejected(f"{origin}: cannot be parsed as CSV after line {line}")
    long_line = _first_long_line(handle, _CSV_BLOCK)
    if long_line is not None:
        return FileRejected(f"{origin}: line {long_line} is longer than {_CSV_BLOCK >> 20} MiB "
                            "(a value that long is not an extract's)")
    return FileRejected(f"{origin}: holds a quote that is never closed (or a quoted value over "
                        f"{_CSV_BLOCK >> 20} MiB), after line {line}")


def _first_long_line(handle: io.RawIOBase, limit: int) -> int | None:
    """The number of the file's first line longer than `limit` bytes (a rejected file's
    second look, so a loop over its line breaks is cheap enough)."""
    handle.seek(0)
    line, length = 1, 0
    while block := handle.read(_HASH_BLOCK):
        start = 0
        while (end := block.find(b"\n", start)) != -1:
            if length + end - start > limit:
                return line
            line, length, start = line + 1, 0, end + 1
        length += len(block) - start
        if length > limit:
            return line
    return None


def _native_path(source_file: SourceFile, handle: io.RawIOBase) -> str:
    """The open file as a path Arrow opens natively: /proc/self/fd names the very file opened
    (no link followed, not a file renamed into its place since). Arrow is not given a Python
    file object: its read-ahead thread calling into Python aborts an interpreter that exits
    right after a rejected file (status 134)."""
    own = f"/proc/self/fd/{handle.fileno()}"
    return own if os.path.exists(own) else str(source_file.path)


def _hash_of(handle: io.RawIOBase) -> str:
    """The SHA-256 of the open file as it is now, read without moving its position."""
    digest, offset = hashlib.sha256(), 0
    while block := os.pread(handle.fileno(), _HASH_BLOCK, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


def read_csv(
    source_file: SourceFile, encoding: str, header_map: dict[str, str] | None, chunk_rows: int,
    *, expected_hash: str | None = None,
) -> tuple[list[str], Iterator[Chunk]]:
    """Contract columns present, and the file's rows in chunks (bounded memory)."""
    origin = source_file.origin
    # Closed by chunks() when its rows are read or it is dropped, or here on a header problem.
    handle = open(open_input(source_file, origin), "rb", buffering=0)  # noqa: SIM115
    try:
        first_line = _read_header(handle, encoding, origin)
        quoted = _has_quotes(handle)
        headers = next(csv.reader([first_line.lstrip("\ufeff")]), [])
        positions = map_headers(origin, source_file.source, headers, header_map)
    except BaseException:
        handle.close()
        raise
    names = [f"c{i}" for i in range(len(headers))]
    skipped: set[int] = set()
    pending: list[tuple[int, str]] = []
    lines = _Lines()

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        if row.number is not None:
            skipped.add(row.number)
            if quoted:
                lines.skipped_breaks[row.number] = (
                    row.text.count("\n") + row.text.count("\r") - row.text.count("\r\n"))
        pending.append((row.number, (f"line has {row.actual_columns} fields, "
                                     f"the header has {row.expected_columns}")))
        return "skip"

    types = {names[p]: pa.string() if name in _MOSTLY_DISTINCT else _CODED_TEXT
             for p, name in positions.items()}
    # A file with quotes may have values spanning lines: every column is read (as text) to
    # count the line breaks in it, and only the contract columns are kept.
    try:
        reader = pacsv.open_csv(
            _native_path(source_file, handle),
            read_options=pacsv.ReadOptions(
                skip_rows=1, column_names=names, encoding=encoding, use_threads=False,
                block_size=_CSV_BLOCK,
            ),
            # Blank lines come through as empty rows, so that line numbers stay right.
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
                newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                column_types={n: types.get(n, pa.string()) for n in names} if quoted else types,
                include_columns=names if quoted else [names[p] for p in positions],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError) as err:
        problem = (changed_error(source_file) if stat_changed(source_file, handle)
                   else _parse_problem(err, origin, 2, handle))
        handle.close()
        raise problem from None
    columns, percent = list(positions.values()), percent_columns(headers, positions)
    kept = [names[p] for p in positions]

    def line_of(row: int | None) -> int | None:
        return lines.skipped_lines.get(row, row) if row is not None else None

    def chunk(batches: list[pa.RecordBatch], numbers: list[np.ndarray], upto: int) -> Chunk:
        # One dictionary per column for the whole chunk: validation reads each value once.
        frame = pa.Table.from_batches(batches).unify_dictionaries().combine_chunks()
        frame = frame.rename_columns(columns).append_column(
            "line_number", pa.array(np.concatenate(numbers)))
        ready = [(line_of(n), r) for n, r in pending if n is None or n <= upto]
        pending[:] = [(n, r) for n, r in pending if n is not None and n > upto]
        return Chunk(drop_blank(frame, columns), ready, percent)

    def chunks() -> Iterator[Chunk]:
        next_row = 2
        batches: list[pa.RecordBatch] = []
        numbers: list[np.ndarray] = []
        try:
            for batch in reader:
                # The parser skipped invalid rows: number the others around them.
                rows = _line_numbers(next_row, batch.num_rows, skipped)
                if len(rows):
                    next_row = int(rows[-1]) + 1
                if quoted:
                    rows = lines.number(rows, _line_breaks(batch), next_row - 1)
                    batch = batch.select(kept)
                batches.append(batch)
                numbers.append(rows)
                if sum(b.num_rows for b in batches) >= chunk_rows:
                    yield chunk(batches, numbers, next_row - 1)
                    batches, numbers = [], []
            if quoted:
                lines.number(np.array([], dtype=np.int64), np.array([], dtype=np.int64),
                             max(skipped, default=0))
            if batches:
                yield chunk(batches, numbers, max(next_row - 1, max(skipped, default=0)))
            if pending:
                yield Chunk(rows_frame([], [], positions), [(line_of(n), r) for n, r in pending],
                            percent)
            # The file Arrow read to its end is still the one hashed before: same size, same
            # modification time, same bytes (a change undone before this point goes unseen).
            check_unchanged(source_file, handle,
                            _hash_of(handle) if expected_hash is not None else "", expected_hash)
        except (pa.ArrowInvalid, UnicodeError) as err:
            if stat_changed(source_file, handle):
                raise changed_error(source_file) from None
            reached = int(lines.number(np.array([next_row], dtype=np.int64),
                                       np.zeros(1, dtype=np.int64), 0)[0]) if quoted else next_row
            raise _parse_problem(err, origin, reached, handle) from None
        finally:
            handle.close()

    return columns, chunks()
