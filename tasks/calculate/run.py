"""Calculate: implied productivity, efficiency indicators, peer ranks and the SPC reading of a
report month.

The arithmetic is sql/calc/implied_productivity.sql and sql/calc/spc.sql, set-based in
PostgreSQL; this module checks the reference data it needs, runs them in one transaction (so a
recalculation replaces the month's mart rows or leaves them as they were); summary.py reads
back the headline.
"""

from __future__ import annotations

import time
from datetime import date
from importlib import resources

from prefect import task
from prefect.runtime import task_run
from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db
from tasks.months import month_date

_CALCULATION_SQL = "implied_productivity.sql"


class CalculationError(RuntimeError):
    """The reference data cannot support the calculation; the message says what to add."""


def _sql(name: str = _CALCULATION_SQL) -> str:
    return resources.files("sql").joinpath("calc", name).read_text(encoding="utf-8")


def _check_reference(conn, report: date, base_year: str) -> None:
    """Refuse, with a message naming the missing rows, rather than publish a wrong figure."""
    years = [r[0] for r in conn.execute(_sql("deflator_years.sql"), {"report": report})]
    have = {r[0] for r in conn.execute("select financial_year from core.deflators")}
    missing = [year for year in dict.fromkeys([base_year, *years]) if year not in have]
    if missing:
        raise CalculationError(
            f"deflators.csv has no row for {' and '.join(missing)}: "
            "add the year's pay and non-pay index to landing/reference/deflators.csv")
    if conn.execute("select count(*) from core.unit_costs").fetchone()[0] == 0:
        raise CalculationError("unit_costs.csv has not been loaded: no activity can be priced")


def _parameters(conn, report: date, settings: Settings, orgs: list[str] | None = None) -> None:
    conn.execute("create temp table calc_param on commit drop as "
                 "select %s::date as report, %s::text as base_year,"
                 " %s::numeric as year_on_year_target, %s::text[] as orgs",
                 (report, settings.base_year, settings.year_on_year_target, orgs))


def _lock(conn, report: date, orgs: list[str] | None) -> None:
    """One calculation of a trust's month at a time (two closes of it at once): a second
    waits, then replaces the first. Unlocked, the second's delete would miss the first's
    uncommitted rows and its insert then fail on their keys (tests/test_concurrency.py).

    A region's trusts calculate side by side: each holds the month's lock shared and its own
    trust's exclusively; a calculation of every trust, and the peer ranks that read them all,
    hold the month's exclusively. Locks are held to the commit and taken in one order.
    """
    month_key = report.year * 100 + report.month
    if orgs is None:
        conn.execute("select pg_advisory_xact_lock(hashtext('prodpack-calculate'), %s)",
                     (month_key,))
        return
    conn.execute("select pg_advisory_xact_lock_shared(hashtext('prodpack-calculate'), %s)",
                 (month_key,))
    for org in sorted(orgs):
        conn.execute("select pg_advisory_xact_lock(hashtext(%s), %s)",
                     (f"prodpack-calculate-{org}", month_key))


def read_signals(eng: Engine, settings: Settings, month: str) -> None:
    """Read the SPC charts of a calculated month again from the mart's month figures (after
    a change of target, say), without recalculating the figures."""
    with db.psycopg_connection(eng) as conn:
        report = month_date(month)
        _lock(conn, report, None)
        _parameters(conn, report, settings)
        conn.execute("create temp table calc_org on commit drop as select distinct org_code"
                     " from mart.implied_productivity where period = %s", (month,))
        conn.execute(_sql("spc.sql"))


def rank_peers(eng: Engine, settings: Settings, month: str) -> None:
    """Rank every trust calculated for the month among its peers: after a region's trusts
    were calculated one by one (a calculation of every trust ranks them itself)."""
    with db.psycopg_connection(eng) as conn:
        report = month_date(month)
        _lock(conn, report, None)
        _parameters(conn, report, settings)
        conn.execute(_sql("peer_rank.sql"))


def calculate_month(eng: Engine, settings: Settings, month: str,
                    orgs: list[str] | None = None) -> dict:
    """Replace the month's mart rows of the given trusts (every trust with data when none is
    given, peer ranks included); return what was calculated."""
    started = time.perf_counter()
    report = month_date(month)
    with db.psycopg_connection(eng) as conn:
        _lock(conn, report, orgs)
        _check_reference(conn, report, settings.base_year)
        # The grouping of a year's facts fits in memory with room to spare; the default 4 MB
        # would spill it to disk and double the time.
        conn.execute("set local work_mem = '256MB'")
        _parameters(conn, report, settings, orgs)
        conn.execute(_sql())
        # What moved each figure, once the figures are there to add up to.
        conn.execute(_sql("drivers.sql"))
        # Signal or noise: read after the month's figures, from them and the months before.
        conn.execute(_sql("spc.sql"))
        if orgs is None:
            conn.execute(_sql("peer_rank.sql"))
        calculated = [r[0] for r in conn.execute("select org_code from calc_org order by 1")]
        rows = conn.execute("select count(*) from mart.implied_productivity where period = %s"
                            " and org_code = any(%s)", (month, calculated)).fetchone()[0]
        seconds = round(time.perf_counter() - started, 3)
        run = conn.execute(
            "insert into ops.calculation_run (period, base_year, orgs, mart_rows, seconds)"
            " values (%s, %s, %s, %s, %s) returning calculation_run_id",
            (month, settings.base_year, calculated, rows, seconds)).fetchone()[0]
        # Lineage and first values, in the same transaction as the figures they describe.
        conn.execute(_sql("calculation_input.sql"), {"run": run})
        conn.execute(_sql("first_figure.sql"), {"run": run, "month": month})
    return {"month": month, "orgs": calculated, "mart_rows": rows, "seconds": seconds,
            "calculation_run_id": run}


def _run_name() -> str:
    orgs = task_run.parameters.get("orgs")
    return f"calculate-{task_run.parameters['month']}" + (f"-{'-'.join(orgs)}" if orgs else "")


@task(name="calculate", task_run_name=_run_name, retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=db.retry_transient, timeout_seconds=1800)
def calculate(month: str, orgs: list[str] | None = None) -> dict:
    settings = Settings()
    return calculate_month(db.engine(settings), settings, month, orgs)


@task(name="rank-peers", task_run_name="rank-peers-{month}", retries=2,
      retry_delay_seconds=[10, 60], retry_condition_fn=db.retry_transient, timeout_seconds=600)
def peer_ranks(month: str) -> None:
    settings = Settings()
    rank_peers(db.engine(settings), settings, month)
