"""Which months to calculate: the latest with data, the months its SPC series reads, and\nthose a load has made stale."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import Engine

from tasks import db


def _sql(name: str) -> str:
    return resources.files("sql").joinpath("calc", name).read_text(encoding="utf-8")


def latest_month_with_data(eng: Engine) -> str | None:
    """The last month for which some org has ledger, workforce and activity all loaded."""
    with db.psycopg_connection(eng) as conn:
        row = conn.execute(_sql("latest_month_with_data.sql")).fetchone()
    return row[0]


def stale_months(eng: Engine, months: list[str], base_year: str) -> list[str]:
    """Of these months, those never calculated or calculated before a load that changed what
    they read: a rerun of a failed close, or a close after a new month's files, recalculates
    only what new data changed."""
    with db.psycopg_connection(eng) as conn:
        rows = conn.execute(_sql("stale_months.sql"),
                            {"months": months, "base_year": base_year}).fetchall()
    return [r[0] for r in rows]


def series_months(eng: Engine, month: str, base_year: str) -> list[str]:
    """The months before this one whose month figures its SPC series reads."""
    with db.psycopg_connection(eng) as conn:
        rows = conn.execute(_sql("series_months.sql"),
                            {"month": month, "base_year": base_year}).fetchall()
    return [r[0] for r in rows]
