"""Time a trust's monthly close, `prodpack run --month M` as a whole process, with two years
of history against seven, on the same month's files.

    python benchmarks/bench_close.py [--scale 1.0] [--month YYYY-MM] [--rounds 3] [--seed 2019]
                                     [--work DIR]

The demo trusts (RXA, a mid-size trust of 50k to 60k activity rows a month at scale 1.0, and
its smaller peer RXB) are written once with a file a month from 2020-04 (`write_demo(...,
monthly_from="2020-04")`: by default the demo leaves out 2020/21 to 2022/23), into
DIR/demo; a DIR/demo that holds a manifest is used as it is. The report month M is by
default the demo's last month. Two landing folders are made of the same files:

- 7 years: 2019/20 (one file per source) and every month from 2020-04 to M;
- 2 years: 2019/20 and the months of last financial year and M's, as
  `bench_calculate.py --history-years 2` has it.

Both hold every reference file. Each is first closed to M-1, untimed, into its own database
on one server (`prodpack run --month M-1`, then `vacuum analyze`, as a month's autovacuum
would leave it), which is kept as a template. Then M's files (the same bytes in both) are
added, and each round times one `prodpack run --month M --landing ...` process per history
on a fresh copy of its template, alternating which goes first: M's files are the only new
files, so it times a month's close, not the history's load. The environment is a new
user's, as the README runs it: no PREFECT_API_URL (the run starts Prefect's temporary
server), a PRODPACK_HOME and PREFECT_HOME per history.

It reports each run's whole seconds and peak memory, where the time went (when each of the
run's progress lines came, and from the database: the new files' loads and the months
calculated), the medians, the ratio 7 years / 2 years (issue 18's check: within 1.1x), and
the headline of each, which must be the same since both read the same windows. Uses
PRODPACK_DATABASE_URL's server if set, else an embedded one.

Time, measured on 2 cores shared with other work: at --scale 1.0 (RXA about 51k activity
rows, 6k ESR rows and 1k ledger lines in October 2026; all of M's six files 78k rows) the
demo takes 11 s, the setup 99 s (2 years) and 199 s (7 years), and each round about 40 s
(two closes of about 19 s): about 6 minutes for one round, 7 for the default three. At
--scale 0.1 the setup takes 48 s and 151 s, each close about 16 s.
"""

from __future__ import annotations

import argparse
import atexit
import difflib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from bench_load import server_url
from sqlalchemy.engine import make_url

PRODPACK = str(Path(sys.executable).with_name("prodpack"))
DATABASE = "prodpack_bench_close"
BASE_LABEL = "2019-20"
# The progress lines a close prints, in order: where the load ends and the publishing ends.
MILESTONES = {"loaded": re.compile(r"closing \d{4}-\d\d for"),
              "checks, calculation, reports and alerts": re.compile(r"wrote \d+ report")}


def _plain(url: str, database: str | None = None) -> str:
    url = make_url(url).set(drivername="postgresql")
    return (url.set(database=database) if database else url).render_as_string(hide_password=False)


def create_database(server: str, name: str, template: str | None = None) -> str:
    """A fresh database, empty or a copy of `template`; its SQLAlchemy URL."""
    with psycopg.connect(_plain(server), autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        for attempt in range(10):
            try:
                conn.execute(f"create database {name}" + (f" template {template}" if template else ""))
                break
            except psycopg.errors.ObjectInUse:
                # Autovacuum visiting the template just now: it leaves within seconds.
                if attempt == 9:
                    raise
                time.sleep(3)
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def label(path: Path) -> str:
    """The period a demo file holds: '2019-20' (the base year's file), its month, or
    'reference'."""
    return "reference" if path.parent.name == "reference" else path.stem.rsplit("_", 1)[1]


def history_files(demo: Path, month: str, years: int | None) -> list[Path]:
    """Relative paths of the facts files of the base year and the `years` financial years to
    M's (every month to M when None), M's included, and every reference file."""
    year = int(month[:4]) - (int(month[5:7]) < 4)
    first = "0000-00" if years is None else f"{year - years + 1}-04"
    facts = [p.relative_to(demo) for source in ("ledger", "workforce", "activity")
             for p in sorted((demo / source).iterdir())
             if label(p) == BASE_LABEL or first <= label(p) <= month]
    return sorted(p.relative_to(demo) for p in (demo / "reference").iterdir()) + facts


def copy(demo: Path, landing: Path, files: list[Path]) -> None:
    for relative in files:
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(demo / relative, landing / relative)


def run_close(env: dict, month: str, landing: Path, out: Path) -> dict:
    """One `prodpack run` as a whole process: its seconds, peak MiB, exit code, headline
    (stdout) and its progress lines (stderr) with the second each came at."""
    command = [PRODPACK, "run", "--month", month, "--landing", str(landing), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: list[tuple[float, str]] = []
    headline: list[str] = []

    def read_stdout() -> None:
        headline.extend(line.decode(errors="replace").rstrip() for line in process.stdout)

    reader = threading.Thread(target=read_stdout)
    reader.start()
    for line in process.stderr:
        lines.append((time.perf_counter() - started, line.decode(errors="replace").rstrip()))
    reader.join()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3, 4):   # 3: a trust blocked by data quality; 4: needs attention
        tail = "\n".join(text for _, text in lines[-30:])
        raise SystemExit(f"prodpack run --month {month} failed ({code}):\n{tail}")
    return {"seconds": seconds, "mib": usage.ru_maxrss / 1024, "code": code,
            "headline": headline, "lines": lines}


def stages(result: dict) -> dict[str, float]:
    """The whole close's seconds as: start-up (Python, Prefect's temporary server, finding
    the new files), the load (from the load log), the trusts' checks, calculation, peer ranks,
    reports and alerts, and the headline and exit; from when the progress lines came."""
    found, last = {}, 0.0
    for name, pattern in MILESTONES.items():
        at = next((t for t, text in result["lines"] if pattern.search(text)), None)
        if at is not None:
            found[name] = at - last
            last = at
    if "loaded" in found:
        found = {"start-up": found["loaded"] - result["load seconds"], "load": result["load seconds"],
                 **{k: v for k, v in found.items() if k != "loaded"}}
    found["headline and exit"] = result["seconds"] - last
    return found


def new_work(url: str, template: dict) -> dict:
    """What the timed close did beyond its template: the files it loaded (and the seconds from
    the first's start to the last's end: the lanes load side by side) and the months it
    calculated, from the load log and the calculation log."""
    with psycopg.connect(_plain(url)) as conn:
        loaded = [o for o, in conn.execute(
            "select origin from ops.load_log where load_id > %s order by origin", [template["load_id"]])]
        span, = conn.execute("select extract(epoch from max(finished_at) - min(started_at))"
                             " from ops.load_log where load_id > %s", [template["load_id"]]).fetchone()
        calculated = conn.execute(
            "select period || ' ' || array_to_string(orgs, ','), seconds from ops.calculation_run"
            " where calculated_at > %s order by calculated_at", [template["calculated_at"]]).fetchall()
    return {"loaded": loaded, "load seconds": float(span or 0),
            "calculated": [p for p, _ in calculated],
            "calculation seconds": sum(float(s) for _, s in calculated)}


def template_marks(url: str) -> dict:
    with psycopg.connect(_plain(url)) as conn:
        load_id, = conn.execute("select coalesce(max(load_id), 0) from ops.load_log").fetchone()
        calculated_at, = conn.execute("select max(calculated_at) from ops.calculation_run").fetchone()
        conn.commit()
        conn.autocommit = True
        conn.execute("vacuum analyze")
    return {"load_id": load_id, "calculated_at": calculated_at}


def write_demo(demo: Path, seed: int, scale: float) -> str:
    """The demo with its whole history; its last month."""
    from prodpack.demo import write_demo as write

    if (demo / "demo_manifest.json").exists():
        import json

        manifest = json.loads((demo / "demo_manifest.json").read_text(encoding="utf-8"))
        print(f"demo: {demo} as it is (scale {manifest['scale']}, to {manifest['last_month']})")
        return manifest["last_month"]
    started = time.perf_counter()
    manifest = write(demo, seed=seed, scale=scale, monthly_from="2020-04")
    print(f"demo: {len(manifest['files'])} files to {manifest['last_month']} at scale {scale}"
          f" in {time.perf_counter() - started:.0f} s", flush=True)
    return manifest["last_month"]


def setup(name: str, files: list[Path], demo: Path, month: str, work: Path, server: str) -> dict:
    """A history's landing folder and environment, closed to the month before M into a
    template database; then M's files added."""
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    landing = folder / "landing"
    new = [f for f in files if label(f) == month]
    copy(demo, landing, [f for f in files if f not in new])
    env = {**os.environ, "PRODPACK_HOME": str(folder / "home"), "PRODPACK_PSEUDONYMISATION_KEY": "bench",
           "PREFECT_HOME": str(folder / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    template = f"{DATABASE}_{name}_setup"
    env["PRODPACK_DATABASE_URL"] = create_database(server, template)
    months = sorted({label(f) for f in files} - {BASE_LABEL, "reference"})
    setup_run = run_close(env, previous_month(month), landing, folder / "out-setup")
    print(f"{name}: {len(files) - len(new)} files (base year and {len(months) - 1} months to"
          f" {previous_month(month)}) closed to {previous_month(month)} in"
          f" {setup_run['seconds']:.0f} s (untimed setup, exit {setup_run['code']})", flush=True)
    marks = template_marks(env["PRODPACK_DATABASE_URL"])
    copy(demo, landing, new)
    return {"name": name, "landing": landing, "env": env, "template": template, "marks": marks,
            "new": sorted(f.as_posix() for f in new), "folder": folder, "months": len(months)}


def timed_round(history: dict, month: str, round_: int, server: str) -> dict:
    url = create_database(server, f"{DATABASE}_{history['name']}", history["template"])
    env = {**history["env"], "PRODPACK_DATABASE_URL": url}
    result = run_close(env, month, history["landing"], history["folder"] / f"out-{round_}")
    result |= new_work(url, history["marks"])
    if result["loaded"] != history["new"]:
        print(f"  !! {history['name']} loaded {result['loaded']}, not only M's files {history['new']}")
    return result


def report(name: str, results: list[dict]) -> None:
    first = results[0]
    print(f"\n{name}: progress lines of round 1 (seconds from the process start):")
    for at, text in first["lines"]:
        print(f"  {at:6.1f}  {text}")
    print(f"  loaded {len(first['loaded'])} files in {first['load seconds']:.1f} s;"
          f" calculated {', '.join(first['calculated'])} in {first['calculation seconds']:.1f} s")
    print(f"  medians of {len(results)} round(s), and each round's:")
    split = [stages(r) for r in results]
    for stage in split[0]:
        values = [s.get(stage, 0.0) for s in split]
        print(f"  {stage}: {statistics.median(values):.1f} s {[round(v, 1) for v in values]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="the demo's scale (1.0: a mid-size trust)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--month", help="report month YYYY-MM (default: the demo's last)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one);"
                                                  " a demo in WORK/demo is reused")
    args = parser.parse_args()

    if args.work:
        work = args.work.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="prodpack-bench-close-work-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
    demo = work / "demo"
    month = args.month or write_demo(demo, args.seed, args.scale)
    if args.month:
        write_demo(demo, args.seed, args.scale)
    server = server_url()
    histories = {name: setup(name, history_files(demo, month, years), demo, month, work, server)
                 for name, years in (("2y", 2), ("7y", None))}
    print(f"timed: prodpack run --month {month}, new files {histories['7y']['new']}", flush=True)

    results: dict[str, list[dict]] = {name: [] for name in histories}
    for round_ in range(args.rounds):
        order = list(histories) if round_ % 2 == 0 else list(reversed(histories))
        for name in order:
            result = timed_round(histories[name], month, round_, server)
            results[name].append(result)
            print(f"round {round_ + 1}: {name} ({histories[name]['months']} months) {result['seconds']:5.1f} s,"
                  f" peak {result['mib']:.0f} MiB, exit {result['code']}", flush=True)

    for name, runs in results.items():
        report(name, runs)
    medians = {name: statistics.median(r["seconds"] for r in runs) for name, runs in results.items()}
    headlines = {name: runs[0]["headline"] for name, runs in results.items()}
    print(f"\nheadline ({month}, 7 years):\n" + "\n".join(headlines["7y"]))
    if headlines["7y"] == headlines["2y"]:
        print("the same headline with 2 years")
    else:
        print("!! the headline differs with 2 years:\n" + "\n".join(
            difflib.unified_diff(headlines["2y"], headlines["7y"], "2 years", "7 years", lineterm="")))
    ratios = [round(seven["seconds"] / two["seconds"], 2) for seven, two in zip(results["7y"], results["2y"])]
    print(f"\nmedian of {args.rounds}: 2 years {medians['2y']:.1f} s, 7 years {medians['7y']:.1f} s;"
          f" 7 years / 2 years = {medians['7y'] / medians['2y']:.2f}x (each round's: {ratios})")


if __name__ == "__main__":
    main()
