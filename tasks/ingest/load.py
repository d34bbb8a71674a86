"""Load: validated rows into raw (facts) or core (reference data) with COPY, one transaction a file.

A file is the truth for every (org, month) slice it contains: its rows go in, the slices'
earlier rows go out, and the load log records the accounting, all in one transaction, so a
failed load leaves the database as it was. The same bytes twice is a no-op.

A fact file streams through in chunks: while PostgreSQL stores chunk n (COPY on a thread of
its own), this thread reads and validates chunk n+1, so a load takes about as long as the
slower of the two rather than their sum, and memory holds a few chunks whatever the file's size.

Nothing here imports Prefect (1.8 s of a load's start): flows/load.py makes Prefect tasks of
these functions, and `prodpack load` with no Prefect server calls
tasks.ingest.load_folder.load_landing directly.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import resources

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db
from tasks.ingest import load_log
from tasks.ingest.extract import (
    Chunk,
    FileChanged,
    FileRejected,
    SourceFile,
    hash_and_encoding,
    read_csv,
    read_query,
    read_xlsx,
)
from tasks.ingest.load_copy import (
    QUARANTINE_COLUMNS,
    CopyWriter,
    RefusedValue,
    copy_text,
    quarantine_csv,
)
from tasks.ingest.load_reference import load_reference
from tasks.ingest.month_sums import chunk_sums, file_sums, replace_month_sums
from tasks.ingest.validate import RAW_COLUMNS, ValidationContext, validate_chunk

log = logging.getLogger("prodpack.load")


@dataclass
class LoadResult:
    """What became of one input. status: loaded | rejected (the file, or a reference file's
    rows, kept out: message says why) | unchanged (seen before) | deferred (changed while it was
    read: the next run loads it) | failed (an error of ours or the file's: message names the file
    and the error class; the next run tries again)."""

    origin: str
    source: str
    status: str
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class _Unchanged(Exception):
    """The content was loaded before: undo this load's work."""


class _Kept(Exception):
    """A reference file too bad to replace its table: the table stays, the file is rejected."""

    def __init__(self, message: str, rows_read: int, rejects: bytes):
        super().__init__(message)
        self.rows_read, self.rejects = rows_read, rejects


def _parser_rejects(chunk: Chunk) -> pd.DataFrame:
    return pd.DataFrame({
        "line_number": pd.array([n for n, _ in chunk.bad_lines], dtype="Int64"),
        "raw_row": pd.Series([None] * len(chunk.bad_lines), dtype=object),
        "reason": [r for _, r in chunk.bad_lines],
    })


# --- facts ---------------------------------------------------------------------------------

def _load_facts(
    conn: psycopg.Connection, load_id: int, source: str, chunks: Iterator[Chunk],
    context: ValidationContext,
) -> tuple[int, int, float, pd.DataFrame, pa.Table]:
    """COPY every chunk's valid rows and rejects; return counts, read time, the file's slices
    and its month aggregates."""
    loaded = quarantined = 0
    read_seconds = 0.0
    controls, sums = [], []
    columns = ["load_id", *RAW_COLUMNS[source]]
    with CopyWriter(conn) as writer:
        started = time.perf_counter()
        for chunk in chunks:
            validated = validate_chunk(source, chunk.frame, context)
            rows = validated.table
            sums.append(chunk_sums(source, validated))
            lines = rows.column("line_number").to_numpy()
            rows = rows.add_column(0, "load_id", pa.array(np.full(rows.num_rows, load_id, np.int64)))
            rejects = pd.concat([validated.rejects, _parser_rejects(chunk)], ignore_index=True)
            data, rejected = copy_text(rows), quarantine_csv(load_id, rejects)
            loaded += rows.num_rows
            quarantined += len(rejects)
            controls.append(validated.control)
            read_seconds += time.perf_counter() - started
            writer.write((f"raw.{source}", columns, data, "text", lines),
                         ("ops.quarantine", QUARANTINE_COLUMNS, rejected, "csv", None))
            started = time.perf_counter()
        read_seconds += time.perf_counter() - started

    slices = (pd.concat(controls).groupby(["org_code", "period"], as_index=False).sum()
              if controls else pd.DataFrame(columns=["org_code", "period", "rows_loaded", "control_total"]))
    return loaded, quarantined, read_seconds, slices, file_sums(source, sums)


def _replace_slices(conn: psycopg.Connection, load_id: int, source: str,
                    slices: pd.DataFrame) -> set[tuple[str, str]]:
    """Make this load the holder of its slices, except those a newer file holds; return the
    (org, month) slices left to a newer file.

    Loads that share an (org, source) take turns from here to commit, so each sees the other's
    rows and slices; other trusts' loads (a region's flow runs) go on in parallel. Locks are
    taken in one order, so two loads cannot wait for each other. Which file is newer is decided
    here, under the lock, not by which load started or commits first: a big old file that
    commits after its small correction leaves the correction's slices as they are.
    """
    if slices.empty:
        return set()
    orgs, periods = slices["org_code"].tolist(), slices["period"].tolist()
    for org in sorted(set(orgs)):
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"prodpack-load-{source}-{org}"])
    held = {n - 1 for (n,) in conn.execute(_HELD_BY_NEWER, [orgs, periods, source, load_id, load_id])}
    held_slices = {(orgs[i], periods[i]) for i in held}
    if held:
        mine = [i in held for i in range(len(orgs))]
        conn.execute(
            f"delete from raw.{source} r using unnest(%s::text[], %s::date[]) s(org_code, period)"
            " where r.load_id = %s and r.org_code = s.org_code and r.period = s.period",
            [slices["org_code"][mine].tolist(), slices["period"][mine].tolist(), load_id])
        slices = slices[[not m for m in mine]]
        orgs, periods = slices["org_code"].tolist(), slices["period"].tolist()
    if orgs:
        _delete_replaced(conn, load_id, source, orgs, periods)
        with conn.cursor() as cur:
            cur.executemany(
                "insert into ops.load_slice (load_id, org_code, period, rows_loaded, control_total)"
                " values (%s, %s, %s, %s, %s)",
                [(load_id, o, p, int(n), str(t)) for o, p, n, t in slices.itertuples(index=False)])
    return held_slices


# Each slice's holder, and the slices whose holder came from a newer file (sql/load/).
_SLICE_HOLDERS = resources.files("sql").joinpath("load", "slice_holders.sql").read_text(
    encoding="utf-8")
_HELD_BY_NEWER = resources.files("sql").joinpath("load", "slices_held_by_newer.sql").read_text(
    encoding="utf-8")


def _delete_replaced(conn: psycopg.Connection, load_id: int, source: str,
                     orgs: list[str], periods: list[str]) -> None:
    """Delete the rows of the slices this load replaces: those of each slice's holder.

    Every raw row was loaded with its (load, org, month) recorded in ops.load_slice in the same
    transaction, so the slice log names the load whose rows are in each slice. A month loaded
    for the first time (the usual monthly close) deletes nothing and reads nothing; a
    correction reads only the holder's rows, found through the BRIN index on load_id.
    """
    holders = [row[0] for row in conn.execute(_SLICE_HOLDERS, [orgs, periods, source, load_id])]
    for previous in holders:
        conn.execute(
            f"delete from raw.{source} r using unnest(%s::text[], %s::date[]) s(org_code, period)"
            " where r.load_id = %s and r.org_code = s.org_code and r.period = s.period",
            [orgs, periods, previous])


# --- one input, start to finish ------------------------------------------------------------

# What a second try cannot fix is recorded against its file and the run goes on; a lost
# database is the run's error, not the file's.
_LOST_DATABASE = (psycopg.OperationalError, psycopg.InterfaceError)


def _run_load(
    eng: Engine, settings: Settings, source: str, origin: str, content_hash: str | None,
    open_input, *, declared_months=None, finish_hash=None, stat=None,
) -> LoadResult:
    """The shared life of a load: log, read and write in one transaction, account, finish.

    One connection does it all: it holds the running row's lock (tasks/load_log.py) from the
    row's insert to the load's end.
    """
    with db.psycopg_connection(eng) as conn:
        load_id = load_log.start(conn, source, origin, content_hash or "pending", stat)
        try:
            return _load_in_transaction(conn, settings, load_id, source, origin, content_hash,
                                        open_input, declared_months, finish_hash)
        finally:
            load_log.release(conn, load_id)


def _load_in_transaction(conn, settings, load_id, source, origin, content_hash, open_input,
                         declared_months, finish_hash) -> LoadResult:
    write_started = time.perf_counter()
    kept = note = None
    try:
        _, chunks = open_input()
        if source not in RAW_COLUMNS:
            # One load of a reference table at a time, and whether its bytes are the table's
            # current load decided under that turn: it is replaced, not appended to.
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"prodpack-load-{source}"])
            if load_log.reference_seen(conn, source, content_hash):
                raise _Unchanged
            loaded, quarantined, read_seconds, kept = load_reference(conn, load_id, source, origin, chunks)
        else:
            context = ValidationContext(
                declared_months=declared_months,
                assignment_key=settings.assignment_key())
            loaded, quarantined, read_seconds, slices, sums = _load_facts(
                conn, load_id, source, chunks, context)
            if finish_hash is not None:
                content_hash = finish_hash()
            # Another load of the same bytes may have committed while this one read them.
            if load_log.claim(conn, content_hash):
                raise _Unchanged
            if held := _replace_slices(conn, load_id, source, slices):
                note = f"{len(held)} slice(s) already held by a newer file were left as they were"
            replace_month_sums(conn, source, load_id, sums, held)
        if kept is not None:
            conn.execute(
                "update ops.load_log set status = 'rejected', content_hash = %s, rows_read = %s,"
                " rows_loaded = 0, rows_quarantined = %s, finished_at = clock_timestamp(),"
                " message = %s where load_id = %s",
                [content_hash, loaded + quarantined, quarantined, kept, load_id])
            conn.commit()
            return LoadResult(origin, source, "rejected", load_id, loaded + quarantined, 0,
                              quarantined, kept)
        note = "; ".join(m for m in (f"{quarantined} row(s) quarantined" if quarantined else None,
                                     note) if m) or None
        conn.execute(
            "update ops.load_log set status = 'loaded', content_hash = %s, rows_read = %s,"
            " rows_loaded = %s, rows_quarantined = %s, finished_at = clock_timestamp(),"
            " read_seconds = %s, write_seconds = %s, message = %s where load_id = %s",
            [content_hash, loaded + quarantined, loaded, quarantined, round(read_seconds, 3),
             round(time.perf_counter() - write_started - read_seconds, 3), note, load_id])
        conn.commit()
    except _Unchanged:
        conn.rollback()
        conn.execute("delete from ops.load_log where load_id = %s", [load_id])
        conn.commit()
        return LoadResult(origin, source, "unchanged", message="already loaded")
    except FileChanged as changed:
        conn.rollback()
        message = str(changed)
        load_log.finish(conn, load_id, "deferred", message)
        return LoadResult(origin, source, "deferred", load_id, message=message)
    except FileRejected as rejected:
        conn.rollback()
        message = f"{origin}: {rejected}" if isinstance(rejected, RefusedValue) else str(rejected)
        load_log.finish(conn, load_id, "rejected", message)
        return LoadResult(origin, source, "rejected", load_id, message=message)
    except _LOST_DATABASE:
        raise
    except Exception as err:
        conn.rollback()
        message = _failure(origin, err)
        load_log.finish(conn, load_id, "failed", message)
        log.debug("failed to load %s", origin, exc_info=True)   # the text may quote the file
        return LoadResult(origin, source, "failed", load_id, message=message)
    return LoadResult(origin, source, "loaded", load_id, loaded + quarantined, loaded, quarantined, note)


def _failure(origin: str, err: BaseException) -> str:
    """A failure's message: the file and the error's class, never the error's text (it can
    quote the file's content)."""
    code = f" (SQLSTATE {err.sqlstate})" if isinstance(err, psycopg.Error) and err.sqlstate else ""
    return f"{origin}: failed with {err.__class__.__name__}{code}; the next run tries it again"


def load_file(eng: Engine, settings: Settings, source_file: SourceFile) -> LoadResult:
    """Load one landed file unless it was seen before; a file's failure is its result, not an error."""
    origin, source = source_file.origin, source_file.source
    try:
        return _load_file(eng, settings, source_file)
    except _LOST_DATABASE:
        raise
    except Exception as err:      # before its load began: the file vanished, a bug
        message = _failure(origin, err)
        log.debug("failed to load %s", origin, exc_info=True)
        with db.psycopg_connection(eng) as conn:
            load_id = load_log.start(conn, source, origin, "unread", None)
            load_log.finish(conn, load_id, "failed", message)
            load_log.release(conn, load_id)
        return LoadResult(origin, source, "failed", load_id, message=message)


def _load_file(eng: Engine, settings: Settings, source_file: SourceFile) -> LoadResult:
    origin, source = source_file.origin, source_file.source
    stat = load_log.file_stat(source_file)
    if source_file.refusal is not None:
        return _refuse(eng, source_file, source_file.refusal, stat)
    try:
        content_hash, encoding, problem = hash_and_encoding(source_file, origin)
    except FileRejected as refused:      # no longer a file inside the landing folder
        return _refuse(eng, source_file, str(refused), stat)
    with db.psycopg_connection(eng) as conn:
        seen = (load_log.reference_seen(conn, source, content_hash) if source_file.is_reference
                else load_log.already_seen(conn, content_hash))
    if seen:
        return LoadResult(origin, source, "unchanged", message=f"already {seen}")
    header_map = settings.header_map.get("reference" if source_file.is_reference else source)

    def open_input():
        if problem is not None:
            raise problem
        if source_file.path.suffix.lower() == ".xlsx":
            return read_xlsx(source_file, header_map, settings.chunk_rows, expected_hash=content_hash)
        return read_csv(source_file, encoding, header_map, settings.chunk_rows,
                        expected_hash=content_hash)

    return _run_load(eng, settings, source, origin, content_hash, open_input,
                     declared_months=source_file.declared_months, stat=stat)


def _refuse(eng: Engine, source_file: SourceFile, refusal: str, stat) -> LoadResult:
    """A file refused without opening it, logged rejected once (its origin and reason stand
    for its content, so the next run sees it and says nothing)."""
    origin, source = source_file.origin, source_file.source
    content_hash = load_log.refusal_hash(origin, refusal)
    message = refusal if refusal.startswith(origin) else f"{origin}: {refusal}"
    with db.psycopg_connection(eng) as conn:
        if load_log.already_seen(conn, content_hash):
            return LoadResult(origin, source, "unchanged", message="already rejected")
        load_id = load_log.start(conn, source, origin, content_hash, stat)
        load_log.finish(conn, load_id, "rejected", message)
        load_log.release(conn, load_id)
    return LoadResult(origin, source, "rejected", load_id, message=message)


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
