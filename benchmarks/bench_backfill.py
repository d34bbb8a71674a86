"""Time the six-year backfill of the large benchmark trust, `prodpack backfill --from 2020-04
--to 2026-03` as one whole process on a fresh database, with its progress shown as it comes.

    python benchmarks/bench_backfill.py DIR [--from 2020-04] [--to 2026-03] [--load-first]
                                            [--scale 1.0] [--no-resume]

DIR holds the trust's extracts in the landing layout. When it has none, seven financial
years of the large trust (2019/20, the base year, to 2025/26: 3M activity records, 1.5M
ledger lines and 250k ESR rows in 2024/25, the other years grown towards and beyond it) and
their reference files are written into it first, by `benchmarks/make_large_extracts.py
--years 2019-20..2025-26 --scale S`: about 1.8 GB of CSV at scale 1.0 (36 MB at
`--scale 0.02`, a quick try). Issue 18's target: under 10 minutes on 2 cores, with progress shown.

The backfill loads what has landed (every year's files), then calculates every month of the
range in order, then checks and reports on the last month. The benchmark passes its progress
lines through with the seconds since the process started, and splits the whole into the load
(to the first month's line, less that month), the months' calculation (first to last
month's line) and the last month's checks and reports with the process's exit. With
`--load-first`, `prodpack load` is timed as its own process first, and the backfill after it
finds nothing new to load. Then (unless `--no-resume`) the backfill is run again: resumable,
it has nothing to load or calculate, and its time is the fixed cost of a run.

The environment is a new user's, as the README runs it: no PREFECT_API_URL (the flow starts
Prefect's temporary server), a fresh PRODPACK_HOME and PREFECT_HOME. Uses
PRODPACK_DATABASE_URL's server if set, else an embedded one; its database `prodpack_bench_backfill`
is created afresh.

Time, on 2 cores shared with other work, at --scale 0.02 (26 files, 633k rows): the
backfill 83 s (start-up and load 21 s, the 72 months 35 s, the last month's checks and
reports and exit 26 s), run again 21 s. Of the start-up, about 12 s is Prefect creating its
database in the new PREFECT_HOME, once (with `--load-first`: `prodpack load` 4.6 s, then the
backfill still 20 s to its first month). At scale 1.0 (about 24M rows), by the load and
calculation figures in docs/scaling.md, expect the load at about 7 x 15 s and the months at
about 0.5 s each with a task run apiece: 3 to 4 minutes, and as long again to write the
extracts the first time.
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from bench_load import fresh_database, server_url
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
PRODPACK = str(Path(sys.executable).with_name("prodpack"))
DATABASE = "prodpack_bench_backfill"
MONTH_LINE = re.compile(r"\[(\d+)/(\d+)\] (?:calculated )?(\d{4}-\d\d)")


def timed(command: list[str], env: dict, label: str) -> tuple[float, float, list[tuple[float, str]]]:
    """A whole process, its output passed through as it comes with the seconds since its
    start: its wall-clock seconds, peak resident MiB and lines."""
    print(f"$ {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    for raw in process.stdout:
        line = (time.perf_counter() - started, raw.decode(errors="replace").rstrip())
        lines.append(line)
        print(f"  {line[0]:7.1f} s | {line[1]}", flush=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label} failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024, lines


def split(lines: list[tuple[float, str]], seconds: float) -> dict[str, float] | None:
    """The backfill's whole time as: load (and start-up), the months' calculation, the last
    month's checks and reports (and exit), from when its month lines came."""
    months = [(at, MONTH_LINE.search(text)) for at, text in lines if MONTH_LINE.search(text)]
    if not months:
        return None
    first, last = months[0][0], months[-1][0]
    # The first month's line comes once it is calculated: its share is the months' average.
    per_month = (last - first) / max(len(months) - 1, 1)
    return {"start-up and load": first - per_month, "calculation of the months": last - first + per_month,
            "the last month's checks and reports, and exit": seconds - last}


def counts(url: str) -> str:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        loaded = conn.execute("select count(*), coalesce(sum(rows_loaded), 0) from ops.load_log"
                              " where status = 'loaded'").fetchone()
        calculated = conn.execute("select count(distinct period) from ops.calculation_run").fetchone()[0]
        backfills = conn.execute("select backfill_id, status, months_done, months_total"
                                 " from ops.backfill order by 1").fetchall()
    return (f"{loaded[0]} files loaded ({loaded[1]:,} rows), {calculated} months calculated;"
            f" ops.backfill: {backfills}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--from", dest="start", default="2020-04")
    parser.add_argument("--to", dest="end", default="2026-03")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="sizes of the extracts written when DIR has none (1.0: the large trust)")
    parser.add_argument("--load-first", action="store_true",
                        help="time `prodpack load` as its own process before the backfill")
    parser.add_argument("--no-resume", action="store_true", help="skip the second, resumed run")
    args = parser.parse_args()

    if not any(args.landing.glob("*/*.csv")):
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "make_large_extracts.py"), str(args.landing),
                        "--years", "2019-20..2025-26", "--scale", str(args.scale)], check=True)
        print(f"extracts written in {time.perf_counter() - started:.0f} s")
    files = sorted(args.landing.glob("*/*.csv"))
    print(f"landing: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:,.0f} MB", flush=True)

    url = fresh_database(server_url(), DATABASE)
    work = Path(tempfile.mkdtemp(prefix="prodpack-bench-backfill-home-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    env = {**os.environ, "PRODPACK_HOME": str(work / ".prodpack"), "PRODPACK_PSEUDONYMISATION_KEY": "bench",
           "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PRODPACK_DATABASE_URL": url, "PRODPACK_REPORTS_DIR": str(work / "reports")}
    env.pop("PREFECT_API_URL", None)
    landing = str(args.landing.resolve())
    backfill = [PRODPACK, "backfill", "--from", args.start, "--to", args.end, "--landing", landing,
                "--reason", "bench_backfill"]

    load = None
    if args.load_first:
        load = timed([PRODPACK, "load", "--landing", landing], env, "prodpack load")
    seconds, mib, lines = timed(backfill, env, "prodpack backfill")
    print(f"after the backfill: {counts(url)}")
    resumed = None if args.no_resume else timed(backfill, env, "prodpack backfill (again)")

    print()
    if load:
        print(f"prodpack load: {load[0]:.1f} s (peak {load[1]:.0f} MiB)")
    print(f"prodpack backfill --from {args.start} --to {args.end}: {seconds:.1f} s"
          f" ({seconds / 60:.1f} min; peak {mib:.0f} MiB)")
    for stage, part in (split(lines, seconds) or {}).items():
        print(f"  {stage}: {part:.1f} s")
    if load:
        print(f"load and backfill together: {load[0] + seconds:.1f} s ({(load[0] + seconds) / 60:.1f} min)")
    if resumed:
        months = sum(1 for _, text in resumed[2] if "already calculated" in text)
        print(f"run again (resumed): {resumed[0]:.1f} s, {months} month(s) found already calculated")


if __name__ == "__main__":
    main()
