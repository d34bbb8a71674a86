"""Time a monthly close's work after its load, over a trust's history: the data-quality
checks, the report month's calculation and its reports.

    python benchmarks/bench_calculate.py [--activity-per-month 40000] [--month 2026-03]
                                         [--history-years 7] [--base-year 2019/20] [--rounds 3]

Facts are generated inside PostgreSQL (generate_series) at the volumes given, one load per
source and month as monthly extracts arrive: for the `--history-years` financial years that
end with the report month's (by default every year from 2019/20) and for the base year. Then
the report month (by default a March: year to date is twelve months against twelve, the
largest window) is checked, calculated and reported on (the executive report and every
clinical group's pack) `--rounds` times, and each stage's median reported. The same report
month with `--history-years 2` and `--history-years 7` reads the same windows (the base year,
last year and this year) over 36 or 84 months of history. Uses PRODPACK_DATABASE_URL if set
(it creates and drops a database `prodpack_bench` there), else an embedded server in a
temporary folder.

Defaults are a mid-size acute trust (40k activity records, 20k ledger lines and 6k ESR
assignments a month); `--activity-per-month 250000 --ledger-per-month 125000
--workforce-per-month 21000` is a large one (3M activity records a year).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import tempfile
import time
from datetime import date
from importlib import resources
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from schemas.settings import Settings
from tasks import db
from tasks.calculate.run import calculate_month
from tasks.ingest.validate import CONTROL_MEASURE
from tasks.quality.checks import run_checks
from tasks.report.workbooks import write_reports

REFERENCE = """
-- The reference files' load: load_id 0, which the reference rows name (the calculation
-- records the loads it read, ops.calculation_input, against ops.load_log).
insert into ops.load_log (load_id, source, origin, content_hash, status, finished_at)
overriding system value values (0, 'reference', 'bench/reference', 'reference', 'loaded', now());
insert into core.hierarchy
select 'RXL', 'C' || i, 'Cost centre ' || i, 'Service ' || (i % 40), 'Directorate ' || (i % 40 % 12),
       'Group ' || (i % 40 % 12 % 4), 0
from generate_series(0, 599) i;
insert into core.specialty_map
select 'RXL', (100 + i)::text, 'Service ' || (i % 36), 0 from generate_series(0, 79) i;
insert into core.subjectives values
    ('511100', 'pay', 'substantive', 'Pay', 0), ('511200', 'pay', 'bank', 'Bank', 0),
    ('511300', 'pay', 'agency', 'Agency', 0), ('520000', 'non_pay', null, 'Drugs', 0),
    ('540000', 'non_pay', null, 'Supplies', 0), ('130000', 'income', null, 'Income', 0);
insert into core.unit_costs values
    ('EL', '*', 3500, 0), ('DC', '*', 900, 0), ('NEL', '*', 2100, 0), ('OPFA', '*', 160, 0),
    ('OPFU', '*', 95, 0), ('OPPROC', '*', 220, 0), ('AE', '*', 150, 0), ('EL', 'HN12C', 5200, 0);
insert into core.deflators
select (2019 + i) || '/' || lpad(((20 + i) % 100)::text, 2, '0'), 1 + 0.04 * i, 1 + 0.03 * i, 0
from generate_series(0, 9) i;
"""

FACTS = """
insert into raw.{table} select %(load_id)s, {columns}
from (select %(period)s::date as period) month, generate_series(1, %(rows)s) i
"""

COLUMNS = {
    "ledger": "i, 'RXL', period, 'C' || (i % 600), "
              "(array['511100','511200','511300','520000','540000','130000'])[1 + i % 6], "
              "round((random() * 20000)::numeric, 2), null",
    "workforce": "i, 'RXL', period, md5(i::text), 'C' || (i % 600), 'Nursing', 'Band 5', "
                 "case when i % 9 = 0 then 'Bank' else 'Permanent' end, round((0.2 + random())::numeric, 4), "
                 "round((random() * 2)::numeric, 2)",
    "activity": "i, 'RXL', period, (array['EL','DC','NEL','OPFA','OPFU','OPPROC','AE'])[1 + i % 7], "
                "(100 + i % 80)::text, case when i % 5 = 0 then 'HN12C' end, "
                "case when i % 7 in (3, 4) then (array['attended','attended','dna','cancelled'])[1 + i % 4] end, "
                "case when i % 7 in (0, 2) then i % 9 end, case when i % 7 = 0 then i % 3 end, 1",
}


def database(args) -> str:
    configured = os.environ.get("PRODPACK_DATABASE_URL")
    if configured:
        server = configured
    else:
        folder = tempfile.mkdtemp(prefix="prodpack-bench-")
        # Registered before the server's own stop, so it runs after it (atexit is last-in first-out).
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        server = db.start_embedded(Path(folder) / "pgdata")
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("drop database if exists prodpack_bench with (force)")
        conn.execute("create database prodpack_bench")
    return make_url(server).set(database="prodpack_bench").render_as_string(hide_password=False)


def _plus_months(month: date, n: int) -> date:
    years, index = divmod(month.month - 1 + n, 12)
    return date(month.year + years, index + 1, 1)


def history(month: str, years: int | None, base_year: str) -> list[date]:
    """The months generated: the `years` financial years ending with the report month's (every
    one from the base year's when None), and the base year's."""
    report = date.fromisoformat(f"{month}-01")
    base = date(int(base_year[:4]), 4, 1)
    first = base if years is None else date(report.year - (report.month < 4) - years + 1, 4, 1)
    span = (report.year - first.year) * 12 + report.month - first.month + 1
    months = {_plus_months(base, i) for i in range(12)} | {_plus_months(first, i) for i in range(span)}
    return sorted(m for m in months if m <= report)


def generate(eng, args, months: list[date]) -> None:
    """Each source and month as one logged load with its slice, its rows and its month
    aggregates, as the loader leaves a monthly extract: the checks and the calculation see
    what they see after real loads, and raw's BRIN index on load_id finds a month's rows."""
    with db.psycopg_connection(eng) as conn:
        conn.execute(REFERENCE)
        for period in months:
            for table, per_month in (("ledger", args.ledger_per_month),
                                     ("workforce", args.workforce_per_month),
                                     ("activity", args.activity_per_month)):
                load_id = conn.execute(
                    "insert into ops.load_log (source, origin, content_hash, status) values"
                    " (%s, %s, %s, 'running') returning load_id",
                    [table, f"bench/{table}_{period:%Y-%m}.csv", f"{table}-{period}"]).fetchone()[0]
                # Literal '%' (modulo) must be doubled where psycopg binds parameters.
                conn.execute(FACTS.format(table=table, columns=COLUMNS[table].replace("%", "%%")),
                             {"period": period, "rows": per_month, "load_id": load_id})
                measure = CONTROL_MEASURE[table][0]
                conn.execute(
                    f"insert into ops.load_slice select load_id, org_code, period, count(*), sum({measure})"
                    f" from raw.{table} where load_id = %s group by 1, 2, 3", [load_id])
                # The month aggregates the loader keeps in the same transaction as its rows.
                conn.execute(resources.files("sql").joinpath("load", f"month_{table}.sql")
                             .read_text(encoding="utf-8"), {"load_id": load_id})
                conn.execute(
                    "update ops.load_log set status = 'loaded', rows_read = n, rows_loaded = n,"
                    " rows_quarantined = 0, finished_at = clock_timestamp()"
                    " from (select sum(rows_loaded) n from ops.load_slice where load_id = %s) s"
                    " where load_id = %s", [load_id, load_id])


def backfill(eng, settings: Settings, months: list) -> None:
    """Every month calculated in order, as a backfill does (checks for the last month only)."""
    started = time.perf_counter()
    for done, month in enumerate(months, start=1):
        calculate_month(eng, settings, month.strftime("%Y-%m"))
        if done % 12 == 0 or done == len(months):
            elapsed = time.perf_counter() - started
            print(f"  [{done}/{len(months)}] {month:%Y-%m}: {elapsed:.1f} s so far,"
                  f" {elapsed / done:.2f} s a month")
    checks = time.perf_counter()
    run_checks(eng, settings, months[-1].strftime("%Y-%m"), "bench-backfill")
    print(f"backfill of {len(months)} months: {time.perf_counter() - started:.1f} s"
          f" (the last month's checks {time.perf_counter() - checks:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activity-per-month", type=int, default=40_000)
    parser.add_argument("--ledger-per-month", type=int, default=20_000)
    parser.add_argument("--workforce-per-month", type=int, default=6_000)
    parser.add_argument("--month", default="2026-03")
    parser.add_argument("--history-years", type=int, default=None,
                        help="financial years of history to the report month's (default: from the base year)")
    parser.add_argument("--base-year", default="2019/20")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backfill", action="store_true",
                        help="time the calculation of every month after the base year, in order,"
                             " as `prodpack backfill` does, instead of the close's rounds")
    args = parser.parse_args()

    url = database(args)
    settings = Settings(database_url=url, base_year=args.base_year, _env_file=None)
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    db.upgrade(eng)
    started = time.perf_counter()
    months = history(args.month, args.history_years, args.base_year)
    generate(eng, args, months)
    with eng.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("vacuum analyze"))
        counts = {t: conn.execute(sa.text(f"select count(*) from raw.{t}")).scalar()
                  for t in ("ledger", "workforce", "activity")}
    print(f"generated {len(months)} months ({months[0]:%Y-%m} to {months[-1]:%Y-%m}), {counts} in {time.perf_counter() - started:.1f} s")

    if args.backfill:
        backfill(eng, settings, [m for m in months if m.strftime("%Y-%m") >= f"{int(args.base_year[:4]) + 1}-04"])
        return
    out = Path(tempfile.mkdtemp(prefix="prodpack-bench-reports-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    stages: dict[str, list[float]] = {"data-quality checks": [], "calculation": [], "reports": []}
    for round_ in range(args.rounds):
        # A monthly close after its load: the checks, the month's calculation, its reports.
        started = time.perf_counter()
        run_checks(eng, settings, args.month, f"bench-{round_}")
        stages["data-quality checks"].append(round(time.perf_counter() - started, 3))
        result = calculate_month(eng, settings, args.month)
        stages["calculation"].append(result["seconds"])
        started = time.perf_counter()
        written = write_reports(eng, settings, args.month, out, None, packs=True)
        stages["reports"].append(round(time.perf_counter() - started, 3))
    print(f"{args.month}: {result['mart_rows']} mart rows, {len(written)} workbooks (the executive "
          f"report and a pack per clinical group); medians over {args.rounds} rounds:")
    for stage, seconds in stages.items():
        print(f"  {stage}: {statistics.median(seconds):.2f} s {seconds}")
    print(f"  together: {statistics.median(map(sum, zip(*stages.values()))):.2f} s")


if __name__ == "__main__":
    main()
