"""The load log's protocol: what a load records in ops.load_log, and what counts as seen.

A load's row is inserted 'running' on the connection that then does the load, which holds a
session advisory lock on the load id from before the row is visible until the load ends. A
row still 'running' whose lock anyone can take had its process die (kill -9): each run marks
such rows 'abandoned' before it loads.

Seen, and so not loaded again: a fact file whose bytes were loaded or rejected before; a
reference file whose bytes are its table's current load or were rejected (an older good
version dropped again re-applies it); a file refused without being opened, by its origin and
reason. A file whose (origin, size, modified time) are those of its origin's last load was
seen without reading it again.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.engine import Engine

from tasks import db
from tasks.ingest.extract import SourceFile

# The advisory-lock class of running loads (two-int form: class, load id), apart from the
# one-int hashtext locks of slices and tables.
_RUNNING_LOCK = 0x70726F64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _lock_key(load_id: int) -> int:
    return load_id & 0x7FFFFFFF


def modified_at(modified_ns: int) -> datetime:
    """A file's modified time as PostgreSQL keeps it (microseconds), exactly."""
    return _EPOCH + timedelta(microseconds=modified_ns // 1000)


def file_stat(source_file: SourceFile) -> tuple[int, datetime] | None:
    """The (size, modified time) discover saw (lstat), None where it could not see them."""
    if source_file.size < 0 or source_file.modified_ns < 0:
        return None
    return source_file.size, modified_at(source_file.modified_ns)


def start(conn: psycopg.Connection, source: str, origin: str, content_hash: str,
          stat: tuple[int, datetime] | None) -> int:
    """Insert the load's 'running' row and hold its lock for this connection's life; committed."""
    size, modified = stat or (None, None)
    load_id = conn.execute(
        "insert into ops.load_log (source, origin, content_hash, status, file_size, file_modified_at)"
        " values (%s, %s, %s, 'running', %s, coalesce(%s, clock_timestamp())) returning load_id",
        [source, origin, content_hash, size, modified]).fetchone()[0]
    conn.execute("select pg_advisory_lock(%s, %s)", [_RUNNING_LOCK, _lock_key(load_id)])
    conn.commit()
    return load_id


def release(conn: psycopg.Connection, load_id: int) -> None:
    """The load is over: let its row's lock go (a dead connection has let it go already)."""
    if not conn.broken and not conn.closed:
        conn.execute("select pg_advisory_unlock(%s, %s)", [_RUNNING_LOCK, _lock_key(load_id)])
        conn.commit()


def finish(conn: psycopg.Connection, load_id: int, status: str, message: str, rows_read: int = 0,
           rows_quarantined: int = 0) -> None:
    """End a load that kept nothing (rejected, deferred, failed); committed."""
    conn.execute(
        "update ops.load_log set status = %s, message = %s, rows_read = %s, rows_loaded = 0,"
        " rows_quarantined = %s, finished_at = clock_timestamp() where load_id = %s",
        [status, message[:2000], rows_read, rows_quarantined, load_id])
    conn.commit()


def mark_abandoned(eng: Engine) -> int:
    """Mark 'abandoned' the running loads whose process is gone; return how many."""
    with db.psycopg_connection(eng) as conn:
        return conn.execute(
            "with running as materialized (select load_id from ops.load_log where status = 'running')"
            " update ops.load_log l set status = 'abandoned', finished_at = clock_timestamp(),"
            " message = l.origin || ': the load''s process ended before it did; nothing it read was kept'"
            " from running r where l.load_id = r.load_id"
            " and pg_try_advisory_xact_lock(%s, (r.load_id & 2147483647)::int)",
            [_RUNNING_LOCK]).rowcount


def already_seen(conn: psycopg.Connection, content_hash: str) -> str | None:
    """'loaded' or 'rejected' where these bytes were before, for a fact file."""
    row = conn.execute(
        "select status from ops.load_log where content_hash = %s and status in ('loaded', 'rejected')"
        " order by load_id desc limit 1", [content_hash]).fetchone()
    return row[0] if row else None


def reference_seen(conn: psycopg.Connection, source: str, content_hash: str) -> str | None:
    """'loaded' where these bytes are the table's current load, 'rejected' where they were rejected."""
    row = conn.execute(
        "select status from ops.load_log where content_hash = %s and (status = 'rejected' or"
        " load_id = (select max(load_id) from ops.load_log where source = %s and status = 'loaded'))"
        " order by load_id desc limit 1", [content_hash, source]).fetchone()
    return row[0] if row else None


def claim(conn: psycopg.Connection, content_hash: str) -> str | None:
    """Take the content's lock for this transaction; say whether another load committed it meanwhile."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"prodpack-load-hash-{content_hash}"])
    return already_seen(conn, content_hash)


def refusal_hash(origin: str, reason: str) -> str:
    """What stands for a refused file's content: the file is never opened, so its origin and why."""
    return "refused:" + hashlib.sha256(f"{origin}\n{reason}".encode()).hexdigest()


def unseen(eng: Engine, files: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """(files to hash and load, files passed over): a file is passed over where its size and
    modified time are those of its origin's last load that was loaded or rejected."""
    if not files:
        return [], []
    with db.psycopg_connection(eng) as conn:
        last = {origin: (size, modified) for origin, size, modified in conn.execute(
            "select distinct on (origin) origin, file_size, file_modified_at from ops.load_log"
            " where origin = any(%s) and status in ('loaded', 'rejected')"
            " order by origin, load_id desc", [[f.origin for f in files]])}
    fresh, known = [], []
    for source_file in files:
        stat = file_stat(source_file)
        seen = stat is not None and last.get(source_file.origin) == stat
        (known if seen else fresh).append(source_file)
    return fresh, known
