"""Load: validated rows into raw (facts) or core (reference data) with COPY, one transaction a file.

A file is the truth for every (org, month) slice it contains: its rows go in, the slices'
earlier rows go out, and the load log records the accounting, all in one transaction, so a
failed load leaves the database as it was. The same bytes twice is a no-op.

A fact file streams through in chunks: while PostgreSQL stores chunk n (COPY on a thread of
its own), this thread reads and validates chunk n+1, so a load takes about as long as the
slower of the two rather than their sum, and memory holds a few chunks whatever the file's size.

Nothing here imports Prefect (1.8 s of a load's start): flows/load.py makes Prefect tasks of
these functions, and `prodpack load` with no Prefect server calls load_landing directly.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Self

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from prodpack import db
from schemas.settings import Settings
from schemas.sources import REFERENCE_MODELS
from tasks.extract import (
    Chunk,
    FileRejected,
    SourceFile,
    csv_text,
    discover,
    hash_and_encoding,
    read_csv,
    read_query,
    read_xlsx,
)
from tasks.validate import RAW_COLUMNS, ValidationContext, validate_chunk

log = logging.getLogger("prodpack.load")


@dataclass
class LoadResult:
    origin: str
    source: str
    status: str                  # loaded | rejected | unchanged | failed
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class _Unchanged(Exception):
    """The content was loaded before: undo this load's work."""


def _already_seen(conn: psycopg.Connection, content_hash: str) -> str | None:
    row = conn.execute(
        "select status from ops.load_log where content_hash = %s and status in ('loaded', 'rejected')"
        " order by load_id desc limit 1", [content_hash]).fetchone()
    return row[0] if row else None


def _start_log(eng: Engine, source: str, origin: str, content_hash: str) -> int:
    with db.psycopg_connection(eng) as conn:
        return conn.execute(
            "insert into ops.load_log (source, origin, content_hash, status) "
            "values (%s, %s, %s, 'running') returning load_id", [source, origin, content_hash],
        ).fetchone()[0]


def _finish_log(eng: Engine, load_id: int, status: str, message: str) -> None:
    with db.psycopg_connection(eng) as conn:
        conn.execute(
            "update ops.load_log set status = %s, message = %s, rows_read = 0, rows_loaded = 0,"
            " rows_quarantined = 0, finished_at = clock_timestamp() where load_id = %s",
            [status, message[:2000], load_id])


def _copy(conn: psycopg.Connection, table: str, columns: list[str], data: bytes,
          form: str = "csv") -> None:
    if not data:
        return
    with conn.cursor().copy(f"copy {table} ({', '.join(columns)}) from stdin (format {form})") as copy:
        copy.write(memoryview(data))    # psycopg sends it in slices; a view spares the copies


# Characters COPY's text format gives a meaning to, and a quote, which the Arrow writer refuses
# to leave unquoted; escaped, each stands for itself (\042 is an octal escape for the quote).
_SPECIAL = r'[\\\t\n\r"]'
_ESCAPES = [("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"), ('"', "\\042")]


def _escaped(values: pa.Array) -> pa.Array:
    if not pc.any(pc.match_substring_regex(values, _SPECIAL)).as_py():
        return values
    for char, escape in _ESCAPES:
        values = pc.replace_substring(values, char, escape)
    return values


def copy_text(table: pa.Table) -> bytes:
    """Rows in COPY's text format, which PostgreSQL parses with less CPU than CSV (nothing is
    quoted): 3.2 s against 3.6 to 4.1 s for a large trust's year of activity."""
    columns = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_dictionary(column.type):     # escape each distinct value once
            column = _escaped(column.dictionary).take(column.indices)
        elif pa.types.is_string(column.type):
            column = _escaped(column)
        columns.append(column)
    buffer = io.BytesIO()
    pacsv.write_csv(pa.table(columns, names=table.column_names), buffer, pacsv.WriteOptions(
        include_header=False, delimiter="\t", null_string="\\N", quoting_style="none"))
    return buffer.getvalue()


_QUARANTINE_COLUMNS = ["load_id", "line_number", "raw_row", "reason"]


def _quarantine_csv(load_id: int, rejects: pd.DataFrame) -> bytes:
    if rejects.empty:
        return b""
    return csv_text(rejects.assign(load_id=load_id)[_QUARANTINE_COLUMNS])


def _parser_rejects(chunk: Chunk) -> pd.DataFrame:
    return pd.DataFrame({
        "line_number": pd.array([n for n, _ in chunk.bad_lines], dtype="Int64"),
        "raw_row": pd.Series([None] * len(chunk.bad_lines), dtype=object),
        "reason": [r for _, r in chunk.bad_lines],
    })


class _CopyWriter:
    """COPYs chunks on a thread of its own, one chunk behind the reader.

    psycopg waits on the server without holding the GIL, so the reading thread validates the
    next chunk while PostgreSQL parses this one. The queue holds one chunk: memory stays at a
    few chunks, and a reader faster than the server waits for it. The connection belongs to
    the writer until the `with` block ends; an error on either side stops both and is raised.
    """

    def __init__(self, conn: psycopg.Connection):
        self._conn = conn
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="prodpack-copy", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def _run(self) -> None:
        while (copies := self._queue.get()) is not None:
            # After an error on either side the transaction is lost: drain without writing.
            if self._error is None and not self._abandoned:
                try:
                    for copy in copies:
                        _copy(self._conn, *copy)
                except BaseException as err:
                    self._error = err

    def write(self, *copies: tuple[str, list[str], bytes, str]) -> None:
        """Queue (table, columns, data, format) COPYs; raise the writer's error, if any."""
        if self._error is not None:
            raise self._error
        self._queue.put(copies)

    def __exit__(self, kind, error, trace) -> None:
        self._abandoned = error is not None
        self._queue.put(None)
        self._thread.join()
        if error is None and self._error is not None:
            raise self._error


# --- facts ---------------------------------------------------------------------------------

def _load_facts(
    conn: psycopg.Connection, load_id: int, source: str, chunks: Iterator[Chunk],
    context: ValidationContext,
) -> tuple[int, int, float]:
    """COPY every chunk's valid rows and rejects; replace the slices; return counts and read time."""
    loaded = quarantined = 0
    read_seconds = 0.0
    controls = []
    columns = ["load_id", *RAW_COLUMNS[source]]
    with _CopyWriter(conn) as writer:
        started = time.perf_counter()
        for chunk in chunks:
            validated = validate_chunk(source, chunk.frame, context)
            rows = validated.table
            rows = rows.add_column(0, "load_id", pa.array(np.full(rows.num_rows, load_id, np.int64)))
            rejects = pd.concat([validated.rejects, _parser_rejects(chunk)], ignore_index=True)
            data, rejected = copy_text(rows), _quarantine_csv(load_id, rejects)
            loaded += rows.num_rows
            quarantined += len(rejects)
            controls.append(validated.control)
            read_seconds += time.perf_counter() - started
            writer.write((f"raw.{source}", columns, data, "text"),
                         ("ops.quarantine", _QUARANTINE_COLUMNS, rejected, "csv"))
            started = time.perf_counter()
        read_seconds += time.perf_counter() - started

    slices = (pd.concat(controls).groupby(["org_code", "period"], as_index=False).sum()
              if controls else pd.DataFrame(columns=["org_code", "period", "rows_loaded", "control_total"]))
    if not slices.empty:
        orgs, periods = slices["org_code"].tolist(), slices["period"].tolist()
        # Loads that share an (org, source) take turns from here to commit, so each sees the
        # other's rows and replaces them; other trusts' loads (a region's flow runs) go on in
        # parallel. Locks are taken in one order, so two loads cannot wait for each other.
        for org in sorted(set(orgs)):
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"prodpack-load-{source}-{org}"])
        _delete_replaced(conn, load_id, source, orgs, periods)
        with conn.cursor() as cur:
            cur.executemany(
                "insert into ops.load_slice (load_id, org_code, period, rows_loaded, control_total)"
                " values (%s, %s, %s, %s, %s)",
                [(load_id, o, p, int(n), str(t)) for o, p, n, t in slices.itertuples(index=False)])
    return loaded, quarantined, read_seconds


def _delete_replaced(conn: psycopg.Connection, load_id: int, source: str,
                     orgs: list[str], periods: list[str]) -> None:
    """Delete the earlier rows of the slices this load replaces.

    Every raw row was loaded with its (load, org, month) recorded in ops.load_slice in the same
    transaction, so the slice log names the loads whose rows can be in these slices. A month
    loaded for the first time (the usual monthly close) deletes nothing and reads nothing; a
    correction reads only the earlier loads' rows, found through the BRIN index on load_id.
    """
    earlier = [row[0] for row in conn.execute(
        "select distinct s.load_id from ops.load_slice s join ops.load_log l using (load_id)"
        " join unnest(%s::text[], %s::date[]) f(org_code, period) using (org_code, period)"
        " where l.source = %s and s.load_id <> %s order by 1",
        [orgs, periods, source, load_id])]
    for previous in earlier:
        conn.execute(
            f"delete from raw.{source} r using unnest(%s::text[], %s::date[]) s(org_code, period)"
            " where r.load_id = %s and r.org_code = s.org_code and r.period = s.period",
            [orgs, periods, previous])


# --- reference data --------------------------------------------------------------------------

def _load_reference(
    conn: psycopg.Connection, load_id: int, source: str, chunks: Iterator[Chunk]
) -> tuple[int, int, float]:
    """Validate each row with its pydantic model; replace the table, or the file's orgs' rows."""
    started = time.perf_counter()
    model, key, scope = REFERENCE_MODELS[source]
    valid: list[dict] = []
    rejects: list[tuple[int | None, str | None, str]] = []
    seen: dict[tuple, int] = {}
    for chunk in chunks:
        rejects += [(n, None, r) for n, r in chunk.bad_lines]
        for record in chunk.frame.to_pylist():
            line = int(record.pop("line_number"))
            raw_row = json.dumps(record, ensure_ascii=False)
            try:
                row = model.model_validate(record).model_dump()
            except ValidationError as err:
                reason = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
                rejects.append((line, raw_row, reason))
                continue
            identity = tuple(row[k] for k in key)
            if identity in seen:
                rejects.append((line, raw_row, f"duplicate {', '.join(key)} {identity} "
                                                f"(first at line {seen[identity]})"))
                continue
            seen[identity] = line
            valid.append(row)
    read_seconds = time.perf_counter() - started

    table = f"core.{source}"
    if scope is None:
        conn.execute(f"delete from {table}")
    else:
        conn.execute(f"delete from {table} where {scope} = any(%s)",
                     [sorted({row[scope] for row in valid})])
    if valid:
        frame = pd.DataFrame(valid).assign(load_id=load_id)
        _copy(conn, table, list(frame.columns), csv_text(frame))
    _copy(conn, "ops.quarantine", _QUARANTINE_COLUMNS, _quarantine_csv(
        load_id, pd.DataFrame(rejects, columns=["line_number", "raw_row", "reason"])))
    return len(valid), len(rejects), read_seconds


# --- one input, start to finish ------------------------------------------------------------

def _run_load(
    eng: Engine, settings: Settings, source: str, origin: str, content_hash: str | None,
    open_input, *, declared_months=None, finish_hash=None,
) -> LoadResult:
    """The shared life of a load: log, read and write in one transaction, account, finish."""
    load_id = _start_log(eng, source, origin, content_hash or "pending")
    write_started = time.perf_counter()
    try:
        with db.psycopg_connection(eng) as conn:
            columns, chunks = open_input()
            if source not in RAW_COLUMNS:
                # One load of a reference table at a time: it is replaced, not appended to.
                conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"prodpack-load-{source}"])
                loaded, quarantined, read_seconds = _load_reference(conn, load_id, source, chunks)
            else:
                context = ValidationContext(
                    declared_months=declared_months,
                    assignment_key=settings.assignment_key())
                loaded, quarantined, read_seconds = _load_facts(conn, load_id, source, chunks, context)
            if finish_hash is not None:
                content_hash = finish_hash()
                if _already_seen(conn, content_hash):
                    raise _Unchanged
            conn.execute(
                "update ops.load_log set status = 'loaded', content_hash = %s, rows_read = %s,"
                " rows_loaded = %s, rows_quarantined = %s, finished_at = clock_timestamp(),"
                " read_seconds = %s, write_seconds = %s, message = %s where load_id = %s",
                [content_hash, loaded + quarantined, loaded, quarantined, round(read_seconds, 3),
                 round(time.perf_counter() - write_started - read_seconds, 3),
                 f"{quarantined} row(s) quarantined" if quarantined else None, load_id])
    except _Unchanged:
        with db.psycopg_connection(eng) as conn:
            conn.execute("delete from ops.load_log where load_id = %s", [load_id])
        return LoadResult(origin, source, "unchanged", message="already loaded")
    except FileRejected as rejected:
        _finish_log(eng, load_id, "rejected", str(rejected))
        log.warning("rejected %s", rejected)
        return LoadResult(origin, source, "rejected", load_id, message=str(rejected))
    except Exception as err:
        _finish_log(eng, load_id, "failed", f"{origin}: {err.__class__.__name__}: {err}")
        raise
    return LoadResult(origin, source, "loaded", load_id, loaded + quarantined, loaded, quarantined)


def load_file(eng: Engine, settings: Settings, source_file: SourceFile) -> LoadResult:
    """Load one landed file unless its bytes were loaded (or rejected) before."""
    origin, source = source_file.origin, source_file.source
    content_hash, encoding, problem = hash_and_encoding(source_file.path, origin)
    with db.psycopg_connection(eng) as conn:
        seen = _already_seen(conn, content_hash)
    if seen:
        return LoadResult(origin, source, "unchanged", message=f"already {seen}")
    if source not in REFERENCE_MODELS and source not in RAW_COLUMNS:
        problem = FileRejected(f"{origin}: is not a known reference file "
                               f"(expected one of {', '.join(REFERENCE_MODELS)})")
    header_map = settings.header_map.get("reference" if source_file.is_reference else source)

    def open_input():
        if problem is not None:
            raise problem
        if source_file.path.suffix.lower() == ".xlsx":
            return read_xlsx(source_file, header_map, settings.chunk_rows)
        return read_csv(source_file, encoding, header_map, settings.chunk_rows)

    return _run_load(eng, settings, source, origin, content_hash, open_input,
                     declared_months=source_file.declared_months)


def load_warehouse_source(eng: Engine, settings: Settings, source: str) -> LoadResult:
    """Load one source from the trust warehouse query; unchanged results are a no-op."""
    digest = hashlib.sha256(settings.warehouse_queries[source].encode())

    def add_to_hash(rows: list[tuple]) -> None:
        for row in rows:
            digest.update(repr(row).encode())

    def open_input():
        return read_query(source, settings.warehouse_url.get_secret_value(),
                          settings.warehouse_queries[source], settings.header_map.get(source),
                          settings.chunk_rows, add_to_hash)

    return _run_load(eng, settings, source, f"sql:{source}", None, open_input,
                     finish_hash=digest.hexdigest)


# --- a landing folder, start to finish --------------------------------------------------

def load_lanes(files: list[SourceFile]) -> tuple[list[SourceFile], list[list[SourceFile]]]:
    """Reference files, to load first and in turn; then a lane of files per fact source.

    The lanes load side by side: each source's files replace only that source's slices, so
    they cannot disturb each other, and while one file waits for PostgreSQL another is read
    (a large trust's year, 10% to 15% faster on two cores; more cores, more gain). Within a
    lane the files keep discover's order, oldest first, so that a corrected file replaces the
    one it corrects.
    """
    reference = [f for f in files if f.is_reference]
    lanes: dict[str, list[SourceFile]] = {}
    for source_file in files:
        if not source_file.is_reference:
            lanes.setdefault(source_file.source, []).append(source_file)
    return reference, list(lanes.values())


def load_landing(eng: Engine, settings: Settings, folder: Path) -> list[dict]:
    """Load the landing folder's new files and the warehouse queries in this process.

    The same work as the load-sources flow, for `prodpack load` with no Prefect server to
    report to. A failed load stops its own lane; the other lanes finish, then it is raised.
    """
    def load_lane(lane: list[SourceFile]) -> list[dict]:
        return [load_file(eng, settings, f).as_dict() for f in lane]

    reference, lanes = load_lanes(discover(folder))
    results = load_lane(reference)
    with ThreadPoolExecutor(max_workers=max(len(lanes), 1), thread_name_prefix="prodpack-lane") as pool:
        loading = [pool.submit(load_lane, lane) for lane in lanes]
        wait(loading)
    for lane in loading:
        results += lane.result()
    return results + [load_warehouse_source(eng, settings, source).as_dict()
                      for source in settings.warehouse_queries]


def summary(results: list[dict], folder: Path) -> list[str]:
    """What a load did, a line per input that changed and a total, for the log or terminal."""
    changed = [r for r in results if r["status"] != "unchanged"]
    lines = [f"{r['status']:>9}  {r['origin']}: read {r['rows_read']}, loaded {r['rows_loaded']},"
             f" quarantined {r['rows_quarantined']}" + (f"  ({r['message']})" if r["message"] else "")
             for r in changed]
    return lines + [f"{len(changed)} new input(s) of {len(results)} found in {folder}"]
