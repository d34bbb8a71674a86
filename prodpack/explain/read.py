"""Everything `prodpack explain` prints about one figure, read from the mart and the load log
in one snapshot: the figure, its drivers, its SPC reading, its revision and its files."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import Engine

from prodpack.explain.find import Request, Subject, find, sql
from tasks import db
from tasks.months import month_date


@dataclass
class Explanation:
    subject: Subject
    figure: dict
    drivers: list[dict] = field(default_factory=list)
    spc: list[dict] = field(default_factory=list)
    revision: dict | None = None
    run: dict | None = None        # the month's latest calculation, which read the files
    files: list[dict] = field(default_factory=list)


def explain(eng: Engine, request: Request) -> Explanation:
    """The explanation of the figure asked for; Unknown (find.py) when there is none."""
    with db.psycopg_connection(eng) as conn:
        # One snapshot: a recalculation committing meanwhile cannot pair this calculation's
        # figure with the next one's files. Read only: explaining changes nothing.
        conn.execute("set transaction isolation level repeatable read, read only")
        try:
            subject = find(conn, request)
            return _read(conn, subject)
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn,
                psycopg.errors.UndefinedFunction) as err:
            raise RuntimeError("the database schema is older than this prodpack: run "
                               "`prodpack db upgrade`") from err


def _read(conn: psycopg.Connection, subject: Subject) -> Explanation:
    cur = conn.cursor(row_factory=dict_row)
    key = subject.key
    figure = cur.execute(sql("figure.sql"), key).fetchone()
    drivers = cur.execute(sql("drivers.sql"), key).fetchall()
    spc = cur.execute(sql("spc.sql"), key).fetchall()
    revision = cur.execute(sql("revision.sql"), key).fetchone()
    run = cur.execute(sql("run.sql"), key).fetchone()
    files = []
    if run is not None:
        files = cur.execute(sql("files.sql"), {
            "run": run["calculation_run_id"], "report": month_date(subject.month),
            "base_year": run["base_year"], "basis": subject.basis, "window": subject.window,
            "org": subject.org}).fetchall()
    return Explanation(subject=subject, figure=figure, drivers=drivers, spc=spc,
                       revision=revision, run=run, files=files)
