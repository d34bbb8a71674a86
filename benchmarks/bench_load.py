"""Time `prodpack load` against a bare COPY of the same files, as whole processes.

    python benchmarks/bench_load.py DIR [--rounds 3] [--prefect none|server] [--chunk-rows N]

DIR holds extracts in the landing layout (ledger/, workforce/, activity/, reference/); when
it has none, a large trust's year is generated into it first (benchmarks/make_large_extracts.py:
3M activity records, 1.5M ledger lines, 250k ESR rows). Each round loads DIR into a fresh
database twice, alternating which goes first:

- `prodpack load --landing DIR`: the real thing, a Prefect flow run, with validation,
  quarantine, pseudonymisation, slice replacement and the load log;
- a bare COPY: a Python process that COPYs each file, as text, into a table of text columns.

Both start from an empty database; prodpack's has its schema (`prodpack db upgrade`, untimed: a
trust's database is made once, and its migrations are not part of loading a year; they add
about 0.4 s to the first load).

It reports each round's wall-clock seconds and peak resident memory, the median of each, the
median ratio, and where prodpack's time went per file (ops.load_log: reading and validating,
and waiting for PostgreSQL beyond that). Uses PRODPACK_DATABASE_URL's server if set, else an
embedded one.

Prefect: by default PREFECT_API_URL is left unset, as a new user runs it from the README, and
`prodpack load` loads in its own process with no flow run. `--prefect server` times it as
production has it, a flow run reported to a Prefect server: PREFECT_API_URL if set, or a
`prefect server start` begun once, before timing, as a deployment would have it running.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tasks import db

HERE = Path(__file__).resolve().parent
DATABASE = "prodpack_bench_load"

BARE_COPY = r'''
import sys
from pathlib import Path
import psycopg

landing, url = Path(sys.argv[1]), sys.argv[2]
with psycopg.connect(url) as conn:
    for path in sorted(landing.glob("*/*.csv")):
        with path.open("rb") as f:
            columns = f.readline().decode("utf-8-sig").strip().split(",")
        table = f'"bare_{path.parent.name}_{path.stem}"'
        conn.execute(f"create table {table} ({', '.join(f'c{i} text' for i in range(len(columns)))})")
        with conn.cursor().copy(f"copy {table} from stdin (format csv, header true)") as copy, \
                path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
'''


def server_url() -> str:
    configured = os.environ.get("PRODPACK_DATABASE_URL")
    if configured:
        return configured
    folder = tempfile.mkdtemp(prefix="prodpack-bench-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)   # runs after the server stops
    return db.start_embedded(Path(folder) / "pgdata")


def fresh_database(server: str, name: str = DATABASE) -> str:
    """An empty database `name` on the server (dropped first if it is there); its URL."""
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def prefect_server(work: Path, env: dict) -> str:
    """Start `prefect server start` for the benchmark's duration; return its API URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (work / "prefect-server.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env={**env, "PREFECT_HOME": str(work / "prefect-server")},
        stdout=log, stderr=subprocess.STDOUT)
    atexit.register(server.wait)
    atexit.register(server.terminate)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"prefect server start failed: see {work / 'prefect-server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return url
        except OSError:
            time.sleep(0.5)
    raise SystemExit("prefect server did not answer within 180 s")


def load_log(url: str) -> dict[str, tuple[float, float, int]]:
    """Per file of the last load: seconds reading and validating, seconds waiting for
    PostgreSQL beyond that, rows read."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        return {origin: (float(read), float(write), loaded) for origin, read, write, loaded in conn.execute(
            "select origin, read_seconds, write_seconds, rows_read from ops.load_log"
            " where status = 'loaded' order by origin")}


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall-clock seconds and peak resident MiB of a whole process and its children."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prefect", choices=("none", "server"), default="none",
                        help="no Prefect server configured (default), or a flow run on a server")
    parser.add_argument("--chunk-rows", type=int, help="PRODPACK_CHUNK_ROWS for prodpack load")
    args = parser.parse_args()

    if not any(args.landing.glob("*/*.csv")):
        subprocess.run([sys.executable, str(HERE / "make_large_extracts.py"), str(args.landing)], check=True)
    rows = {p.relative_to(args.landing).as_posix(): sum(1 for _ in p.open("rb")) - 1
            for p in sorted(args.landing.glob("*/*.csv"))}
    print(f"files: {rows}")

    server = server_url()
    work = Path(tempfile.mkdtemp(prefix="prodpack-bench-home-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    env = {**os.environ, "PRODPACK_HOME": str(work / ".prodpack"), "PRODPACK_PSEUDONYMISATION_KEY": "bench",
           "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    if args.chunk_rows:
        env["PRODPACK_CHUNK_ROWS"] = str(args.chunk_rows)
    if args.prefect == "none":
        env.pop("PREFECT_API_URL", None)
        prefect_mode = "no Prefect server: prodpack load runs in its own process"
    elif os.environ.get("PREFECT_API_URL"):
        prefect_mode = f"Prefect server at {os.environ['PREFECT_API_URL']}"
    else:
        env["PREFECT_API_URL"] = prefect_server(work, env)
        prefect_mode = f"Prefect server started for the benchmark at {env['PREFECT_API_URL']}"
    print(f"prefect: {prefect_mode}", flush=True)
    prodpack = [str(Path(sys.executable).with_name("prodpack")), "load", "--landing", str(args.landing)]
    bare = [sys.executable, "-c", BARE_COPY, str(args.landing)]

    results: dict[str, list[tuple[float, float]]] = {"prodpack": [], "bare": []}
    files: dict[str, list[tuple[float, float, int]]] = {}
    for round_ in range(args.rounds):
        order = ("prodpack", "bare") if round_ % 2 == 0 else ("bare", "prodpack")
        for which in order:
            url = fresh_database(server)
            if which == "prodpack":
                # The schema is made once, when a trust starts: not part of loading a year.
                subprocess.run(prodpack[:1] + ["db", "upgrade"], env={**env, "PRODPACK_DATABASE_URL": url},
                               check=True, stdout=subprocess.DEVNULL)
                results[which].append(timed(prodpack, {**env, "PRODPACK_DATABASE_URL": url}))
                logged = load_log(url)
                if {origin: n for origin, (_, _, n) in logged.items()} != {
                        origin: n for origin, n in rows.items() if not origin.startswith("reference/")}:
                    print(f"  (rows read differ from the files' lines: {logged})")
                for origin, figures in logged.items():
                    files.setdefault(origin, []).append(figures)
            else:
                plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
                results[which].append(timed(bare + [plain], env))
            seconds, mib = results[which][-1]
            print(f"round {round_ + 1}: {which:>8} {seconds:6.1f} s, peak {mib:6.0f} MiB", flush=True)

    for origin, figures in files.items():
        read, write = (statistics.median(f[i] for f in figures) for i in (0, 1))
        print(f"  {origin}: reading and validating {read:.1f} s, waiting for PostgreSQL "
              f"beyond that {write:.1f} s (medians)")
    ratios = [p[0] / b[0] for p, b in zip(results["prodpack"], results["bare"])]
    print(f"median: prodpack load {statistics.median(s for s, _ in results['prodpack']):.1f} s "
          f"(peak {max(m for _, m in results['prodpack']):.0f} MiB), "
          f"bare COPY {statistics.median(s for s, _ in results['bare']):.1f} s; "
          f"median ratio {statistics.median(ratios):.2f}x ({prefect_mode})")


if __name__ == "__main__":
    main()
