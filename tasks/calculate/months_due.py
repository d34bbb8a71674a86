"""Which months to calculate: the latest with data, the months its SPC series reads, and\nthose a load has made stale."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import Engine

from tasks import db
from tasks.months import months_of_year_to


def _sql(name: str) -> str:
    return resources.files("sql").joinpath("calc", name).read_text(encoding="utf-8")


def latest_month_with_data(eng: Engine) -> str | None:
    """The last month for which some org has ledger, workforce and activity all loaded."""
    with db.psycopg_connection(eng) as conn:
        row = conn.execute(_sql("latest_month_with_data.sql")).fetchone()
    return row[0]


def stale_months(eng: Engine, months: list[str], base_year: str,
                 org: str | None = None) -> list[str]:
    """Of these months, those never calculated or calculated before a load that changed what
    they read: a rerun of a failed close, or a close after a new month's files, recalculates
    only what new data changed."""
    with db.psycopg_connection(eng) as conn:
        rows = conn.execute(_sql("stale_months.sql"),
                            {"months": months, "base_year": base_year, "org": org}).fetchall()
    return [r[0] for r in rows]


def series_months(eng: Engine, month: str, base_year: str) -> list[str]:
    """The months before this one whose month figures its SPC series reads."""
    with db.psycopg_connection(eng) as conn:
        rows = conn.execute(_sql("series_months.sql"),
                            {"month": month, "base_year": base_year}).fetchall()
    return [r[0] for r in rows]


def months_to_calculate(eng: Engine, month: str, base_year: str,
                        org: str | None = None) -> list[str]:
    """The months before this one a close of it calculates first: its year's months (the
    month-by-month charts), the months its SPC series reads, and every month calculated
    before whose windows a load has changed since (a restated past month revises the
    figures that read it), each only if a load changed what it reads. With an org, for that
    trust alone."""
    with db.psycopg_connection(eng) as conn:
        calculated = [r[0] for r in conn.execute(_sql("calculated_months.sql"),
                                                 {"month": month, "org": org})]
    candidates = (set(months_of_year_to(month)[:-1]) | set(series_months(eng, month, base_year))
                  | set(calculated)) - {month}
    return stale_months(eng, sorted(candidates), base_year, org)
