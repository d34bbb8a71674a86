"""Time a region's monthly close fanned out on a Prefect work pool: with one process worker,
then with two.

    python benchmarks/bench_region.py [--trusts 20] [--scale 1.0] [--slots 1] [--poll-seconds 1]
                                      [--work DIR] [--reuse]

The region is `--trusts` demo-size trusts, the demo's two cloned under R01, R02, ...
(benchmarks/make_region.py), written under DIR (default /tmp/prodpack-bench-region). Untimed,
once: the region is loaded into one database, `prodpack_bench_region`; every month that the
close of its report month M (the demo's last, the month before today) reads is calculated,
as the earlier closes would have done it (`prodpack backfill` up to M - 1); the deployments
are registered (`prodpack deploy`) on a Prefect server started for the benchmark (or
PREFECT_API_URL); and a mail server on loopback takes the close's mail, as Mailpit does in
docker-compose. DIR, the embedded server's data in it and that database are kept: `--reuse`
starts from the database as an earlier run with the same DIR, --trusts and --scale left it,
instead of loading and calculating again. At --scale 1.0 and 20 trusts that setup is
estimated at 30 to 60 minutes on 2 cores, and DIR at about 20 GB (4 GB of extracts, two
databases of about 7 GB).

Timed, for one worker and then for two, each on a fresh copy of that database (`create
database ... template`): `prodpack run --month M` as a whole process, with the workers
(`prefect worker start --pool prodpack --type process --limit SLOTS`) already online. The
load finds no new file; each trust's checks and calculation of M, then (after the peer ranks)
its reports and mail, are `close-trust` runs that the workers take from the pool.

Reported for each: the wall-clock seconds of `prodpack run`; the span of each stage's runs
(first start to last end, from the Prefect API); each trust's runs, their seconds and the
worker that ran them (from the workers' logs); the runs and busy seconds per worker; and the
speed-up of two workers over one. It checks that every trust ended published
(ops.trust_close) and that every trust's runs came from the deployment (not run in process).

`--slots` is each worker's `--limit`: a process worker without one starts every scheduled run
at once, so one worker would run the whole region side by side and a second would find
nothing left. `--poll-seconds` is PREFECT_WORKER_QUERY_SECONDS (Prefect's default is 10):
a worker with a free slot waits up to that long for its next run. Uses PRODPACK_DATABASE_URL's
server if set, else an embedded one.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller
from bench_load import prefect_server
from make_region import make_region
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterStartTime
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from schemas.settings import Settings
from tasks import db
from tasks.calculate.months_due import months_to_calculate
from tasks.months import months_between

ROOT = Path(__file__).resolve().parents[1]
BASE, RUN = "prodpack_bench_region", "prodpack_bench_region_run"
POOL = Settings().work_pool
SUBMITTED = re.compile(r"submitting flow run '([0-9a-f-]{36})'")


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database(server: str, name: str, template: str | None = None) -> str:
    """A new database `name` on the server (a copy of `template` if given); its URL."""
    with psycopg.connect(plain(server), autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}" + (f" template {template}" if template else ""))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def prodpack(args: list[str], env: dict, log: Path) -> float:
    """Run a prodpack command as a whole process; its wall-clock seconds. Exit status 3 (needs
    attention) is the close's to report, not a failure of the benchmark."""
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen([str(Path(sys.executable).with_name("prodpack")), *args],
                                   env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, _ = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"prodpack {' '.join(args)} exited {code}: see {log}\n"
                         + log.read_text(errors="replace")[-3000:])
    return seconds


class Sink:
    """Takes the close's mail and keeps a count, as Mailpit does in docker-compose."""

    received = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.received += 1
        return "250 OK"


def mail_server() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    atexit.register(controller.stop)
    return port


def _online(names: list[str]) -> bool:
    with get_client(sync_client=True) as client:
        workers = client.read_workers_for_work_pool(POOL)
    return {w.name for w in workers
            if str(getattr(w.status, "value", w.status)).upper() == "ONLINE"} >= set(names)


def start_workers(names: list[str], slots: int, env: dict, work: Path) -> dict[str, tuple]:
    """Process workers on the pool, as docker-compose runs them; once all are online."""
    workers = {}
    for name in names:
        log = work / f"worker-{name}.log"
        command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL,
                   "--type", "process", "--name", name] + (["--limit", str(slots)] if slots else [])
        process = subprocess.Popen(command, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                   env={**env, "PREFECT_HOME": str(work / f"prefect-{name}")})
        atexit.register(stop_workers, {name: (process, log)})
        workers[name] = (process, log)
    deadline = time.monotonic() + 120
    while not _online(names):
        for name, (process, log) in workers.items():
            if process.poll() is not None:
                raise SystemExit(f"worker {name} exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not come online within 120 s")
        time.sleep(1)
    return workers


def stop_workers(workers: dict[str, tuple]) -> None:
    for process, _ in workers.values():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def ran_by(workers: dict[str, tuple]) -> dict[str, str]:
    """flow run id -> the worker that submitted it, from the workers' logs."""
    return {run_id: name for name, (_, log) in workers.items()
            for run_id in SUBMITTED.findall(log.read_text(errors="replace"))}


def flow_runs(since: datetime, name: str) -> list:
    """The runs whose name starts with `name` begun since then."""
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(like_=name), start_time=FlowRunFilterStartTime(after_=since)),
            limit=200)


def trust_states(url: str, month: str) -> dict[str, str]:
    with psycopg.connect(plain(url)) as conn:
        return dict(conn.execute("select org_code, status from ops.trust_close where month = %s",
                                 (month,)).fetchall())


def seconds(run) -> float:
    return (run.end_time - run.start_time).total_seconds()


def timed_close(count: int, args, server: str, env: dict, work: Path, month: str,
                orgs: list[str]) -> dict:
    """The close of the month on a fresh copy of the base database, with `count` workers."""
    url = database(server, RUN, template=BASE)
    env = {**env, "PRODPACK_DATABASE_URL": url}
    names = [f"{count}w-{i + 1}" for i in range(count)]
    workers = start_workers(names, args.slots, env, work)
    mail_before = Sink.received
    since = datetime.now(UTC)
    try:
        wall = prodpack(["run", "--month", month, "--out", str(work / f"reports-{count}w")], env,
                        work / f"run-{count}w.log")
    finally:
        stop_workers(workers)
    runs = flow_runs(since, "close-trust-")
    close = flow_runs(since, f"monthly-close-{month}")
    by_worker = ran_by(workers)
    problems = []
    states = trust_states(url, month)
    if states != dict.fromkeys(orgs, "published"):
        problems.append(f"not every trust published: {states}")
    expected = {f"close-trust-{o}-{month}-{s}" for o in orgs for s in ("calculate", "publish")}
    found = {r.name: r for r in runs}
    if set(found) != expected:
        problems.append(f"runs missing: {sorted(expected - set(found))}, "
                        f"extra: {sorted(set(found) - expected)}")
    for r in runs:
        if r.deployment_id is None or not r.state.is_completed() or str(r.id) not in by_worker:
            problems.append(f"{r.name}: {r.state.name}, deployment {r.deployment_id},"
                            f" worker {by_worker.get(str(r.id))}")
    return {"workers": names, "wall": wall, "runs": runs, "by_worker": by_worker,
            "close": seconds(close[0]) if len(close) == 1 and close[0].end_time else None,
            "mail": Sink.received - mail_before, "problems": problems}


def report(outcome: dict, orgs: list[str], month: str, slots: int) -> None:
    runs, by_worker = outcome["runs"], outcome["by_worker"]
    close = "?" if outcome["close"] is None else f"{outcome['close']:.1f}"
    print(f"\n{len(outcome['workers'])} worker(s): prodpack run {outcome['wall']:.1f} s wall, its"
          f" monthly-close flow run {close} s; {outcome['mail']} message(s) mailed")
    for stage in ("calculate", "publish"):
        staged = [r for r in runs if r.name.endswith(stage) and r.start_time and r.end_time]
        if staged:
            first, last = min(r.start_time for r in staged), max(r.end_time for r in staged)
            span = (last - first).total_seconds()
            # The slots' time not inside a run: starting its process, waiting for the next poll.
            between = span * len(outcome["workers"]) * slots - sum(map(seconds, staged))
            print(f"  {stage}: {len(staged)} runs, first start to last end {span:.1f} s;"
                  f" a run {statistics.median(map(seconds, staged)):.1f} s median"
                  f" ({min(map(seconds, staged)):.1f} to {max(map(seconds, staged)):.1f})"
                  + (f", about {between / len(staged):.1f} s of a slot between runs" if slots else ""))
    found = {r.name: r for r in runs}
    print("  trust  calculate (s, worker)   publish (s, worker)")
    for org in orgs:
        cells = []
        for stage in ("calculate", "publish"):
            r = found.get(f"close-trust-{org}-{month}-{stage}")
            cells.append("missing" if r is None or not r.end_time else
                         f"{seconds(r):6.1f} {by_worker.get(str(r.id), '?'):>6}")
        print(f"  {org}    {cells[0]:<22}  {cells[1]}")
    for name in outcome["workers"]:
        mine = [r for r in runs if by_worker.get(str(r.id)) == name and r.end_time]
        print(f"  worker {name}: {len(mine)} runs, busy {sum(map(seconds, mine)):.1f} s")
    for problem in outcome["problems"]:
        print(f"  PROBLEM: {problem}")


def base_exists(server: str) -> bool:
    with psycopg.connect(plain(server)) as conn:
        return conn.execute("select 1 from pg_database where datname = %s", (BASE,)).fetchone() is not None


def setup(args, server: str, env: dict, work: Path) -> tuple[str, list[str]]:
    """The region written, loaded and calculated up to the month before its report month,
    in the base database; the deployments registered. Returns (report month, orgs)."""
    started = time.perf_counter()
    made = make_region(work / "landing", args.trusts, args.scale)
    month, orgs = made["last_month"], list(made["orgs"])
    print(f"region: {len(orgs)} trusts ({', '.join(f'{o} {c}' for o, c in made['orgs'].items())}),"
          f" {made['files']} files at scale {args.scale}, up to {month}"
          f" ({time.perf_counter() - started:.0f} s to write)", flush=True)
    done = work / "setup.json"
    wanted = {"trusts": args.trusts, "scale": args.scale, "month": month, "server": plain(server)}
    base_env = {**env, "PRODPACK_DATABASE_URL": make_url(server).set(database=BASE)
                .render_as_string(hide_password=False)}
    if args.reuse and done.exists() and json.loads(done.read_text()) == wanted and base_exists(server):
        print(f"setup: the base database {BASE} of an earlier run, as it was", flush=True)
    else:
        done.unlink(missing_ok=True)
        url = base_env["PRODPACK_DATABASE_URL"] = database(server, BASE)
        loaded = prodpack(["load"], base_env, work / "setup.log")
        print(f"setup: loaded in {loaded:.0f} s", flush=True)
        engine = create_engine(url)
        earlier = months_to_calculate(engine, month, Settings().base_year)
        engine.dispose()    # a template database must have no session
        if earlier:
            previous = months_between(earlier[0], month)[-2]
            calculated = prodpack(["backfill", "--from", earlier[0], "--to", previous, "--reason",
                                   "bench_region setup"], base_env, work / "setup.log")
            print(f"setup: {len(earlier)} earlier month(s) calculated ({earlier[0]} to {previous})"
                  f" in {calculated:.0f} s", flush=True)
        done.write_text(json.dumps(wanted))
    prodpack(["deploy"], base_env, work / "setup.log")
    return month, orgs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trusts", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0, help="the demo's --scale")
    parser.add_argument("--slots", type=int, default=1,
                        help="each worker's --limit, its runs at once (0: no limit)")
    parser.add_argument("--poll-seconds", type=float, default=1.0,
                        help="PREFECT_WORKER_QUERY_SECONDS of the workers")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "prodpack-bench-region")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the base database an earlier run with the same --work, --trusts"
                             " and --scale set up")
    args = parser.parse_args()

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.log"):
        old.unlink()
    server = os.environ.get("PRODPACK_DATABASE_URL") or db.start_embedded(work / "pgdata")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRODPACK_HOME": str(work / ".prodpack"),
           "PRODPACK_LANDING_DIR": str(work / "landing"), "PRODPACK_REPORTS_DIR": str(work / "reports"),
           "PRODPACK_PSEUDONYMISATION_KEY": "bench", "PRODPACK_SMTP_HOST": "127.0.0.1",
           "PRODPACK_SMTP_PORT": str(mail_server()), "PRODPACK_SMTP_FROM": "prodpack@bench.example",
           "PRODPACK_EXECUTIVE_RECIPIENTS": "executive-team@bench.example",
           "PRODPACK_PLATFORM_RECIPIENTS": "platform-team@bench.example",
           "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_WORKER_QUERY_SECONDS": str(args.poll_seconds)}
    if not os.environ.get("PREFECT_API_URL"):
        shutil.rmtree(work / "prefect-server", ignore_errors=True)
        env["PREFECT_API_URL"] = prefect_server(work, env)
    print(f"prefect: {env['PREFECT_API_URL']}; workers: --limit {args.slots or 'none'},"
          f" polling every {args.poll_seconds:g} s", flush=True)

    month, orgs = setup(args, server, env, work)
    # This process's client reads the workers and runs from the same server.
    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        outcomes = [timed_close(count, args, server, env, work, month, orgs) for count in (1, 2)]
    for outcome in outcomes:
        report(outcome, orgs, month, args.slots)
    one, two = outcomes
    print(f"\nclose of {month} for {len(orgs)} trusts: one worker {one['wall']:.1f} s, two"
          f" {two['wall']:.1f} s: speed-up {one['wall'] / two['wall']:.2f}x"
          f" (workers' --limit {args.slots or 'none'}, {os.cpu_count()} cores)")
    if one["problems"] or two["problems"]:
        raise SystemExit("some trusts did not close as expected: see PROBLEM above")


if __name__ == "__main__":
    main()
