"""Loads on real input and real timing (issue 13): a bad file stops nothing, a file changed
while read is deferred, the newest file of a slice wins however loads interleave, a bad
reference file keeps its table, a killed load is marked, refused files are logged once, a
no-op run reads nothing. Real processes and real PostgreSQL throughout."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tasks.ingest.load_folder import load_landing

LEDGER_HEADER = "org_code,period,cost_centre,subjective_code,amount,description"
WORKFORCE_HEADER = ("org_code,period,assignment_number,cost_centre,staff_group,pay_band,"
                    "assignment_category,contracted_wte,sickness_fte_days")


def write(landing: Path, relative: str, text: str, mtime: float | None = None) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def big_ledger(rows: int, amount: str = "1.00") -> str:
    line = f"RXA,2024-05,C1,511100,{amount},x\n"
    return LEDGER_HEADER + "\n" + line * rows


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def cli_env(database_url: str, tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PRODPACK_"))}
    return env | {"PRODPACK_DATABASE_URL": database_url, "PRODPACK_HOME": str(tmp_path / ".prodpack"),
                  "PRODPACK_PSEUDONYMISATION_KEY": "test-key",
                  "PREFECT_HOME": str(tmp_path / "prefect")} | extra


def start_load(landing: Path, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "prodpack.cli", "load", "--landing", str(landing)],
                            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(engine, sql: str, timeout: float = 60, **params) -> None:
    deadline = time.monotonic() + timeout
    while not rows(engine, sql, **params)[0][0]:
        assert time.monotonic() < deadline, f"timed out waiting for: {sql}"
        time.sleep(0.05)


# --- 1: a rejected or failed file stops nothing ---------------------------------------------

def test_a_rejected_or_failed_file_stops_no_other_file_or_source(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    # The database refuses what validation passed (a column narrower than the contract), and
    # fails outright on any workforce row (an error that is neither the data's nor transient).
    with engine.begin() as conn:
        conn.execute(sa.text("alter table raw.ledger add constraint narrow check (amount < 1000)"))
        conn.execute(sa.text(
            "create function pg_temp_fail() returns trigger language plpgsql as"
            " $$ begin raise exception 'secret internals'; end $$"))
        conn.execute(sa.text("create trigger fail before insert on raw.workforce"
                             " for each row execute function pg_temp_fail()"))
    write(landing, "ledger/ledger_RXA_2024-05.csv",
          f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,1.00,a\nRXA,2024-05,C1,511100,5000.00,b\n", 1e9)
    write(landing, "ledger/ledger_RXA_2024-06.csv", f"{LEDGER_HEADER}\nRXA,2024-06,C1,511100,2.00,c\n", 1e9 + 1)
    write(landing, "workforce/workforce_RXA_2024-05.csv",
          f"{WORKFORCE_HEADER}\nRXA,2024-05,1001-1,C1,Nursing,Band 5,Permanent,1.0,\n", 1e9)

    results = {r["origin"]: r for r in load_landing(engine, settings, landing)}

    assert {o: r["status"] for o, r in results.items()} == {
        "ledger/ledger_RXA_2024-05.csv": "rejected", "ledger/ledger_RXA_2024-06.csv": "loaded",
        "workforce/workforce_RXA_2024-05.csv": "failed"}
    rejected = results["ledger/ledger_RXA_2024-05.csv"]["message"]
    assert rejected.startswith("ledger/ledger_RXA_2024-05.csv: line 3: ") and "5000" not in rejected
    failed = results["workforce/workforce_RXA_2024-05.csv"]["message"]
    assert failed.startswith("workforce/workforce_RXA_2024-05.csv: failed with RaiseException")
    assert "secret" not in failed
    logged = dict(rows(engine, "select origin, status from ops.load_log"))
    assert logged == {o: r["status"] for o, r in results.items()}
    assert rows(engine, "select amount from raw.ledger") == [(2,)]


@pytest.mark.flow
def test_the_load_flow_returns_failed_files_as_results(prefect_api, prodpack_env, engine):
    from flows.load import load_sources

    landing = prodpack_env.landing_dir
    with engine.begin() as conn:
        conn.execute(sa.text("alter table raw.ledger add constraint narrow check (amount < 1000)"))
    write(landing, "ledger/ledger_RXA_2024-05.csv", f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,5000,b\n", 1e9)
    write(landing, "ledger/ledger_RXA_2024-06.csv", f"{LEDGER_HEADER}\nRXA,2024-06,C1,511100,2.00,c\n", 2e9)

    results = {r["origin"]: r["status"] for r in load_sources()}

    assert results == {"ledger/ledger_RXA_2024-05.csv": "rejected", "ledger/ledger_RXA_2024-06.csv": "loaded"}


# --- 2: a file changed while it is read -----------------------------------------------------

def test_a_file_truncated_while_read_is_deferred_and_loads_when_put_back(engine, database_url, tmp_path):
    landing = tmp_path / "landing"
    full = big_ledger(300_000)
    path = write(landing, "ledger/ledger_RXA_2024-05.csv", full)
    full_hash = hashlib.sha256(full.encode()).hexdigest()
    env = cli_env(database_url, tmp_path, PRODPACK_CHUNK_ROWS="5000")

    loading = start_load(landing, env, tmp_path)
    # Truncate the file once the load has begun reading it (its row is running).
    wait_for(engine, "select count(*) from ops.load_log where status = 'running'")
    with path.open("r+") as handle:
        handle.truncate(len(LEDGER_HEADER) + 1 + 1000 * len("RXA,2024-05,C1,511100,1.00,x\n"))
    _, err = loading.communicate(timeout=120)
    assert loading.returncode == 0, err

    assert rows(engine, "select count(*) from ops.load_log where status = 'loaded' and content_hash = :h",
                h=full_hash) == [(0,)]
    statuses = [s for (s,) in rows(engine, "select status from ops.load_log order by load_id")]
    assert statuses in (["deferred"], ["loaded"])   # loaded: the truncated file, read whole
    if statuses == ["deferred"]:
        assert rows(engine, "select count(*) from raw.ledger") == [(0,)]

    path.write_text(full)   # the full file put back
    done = subprocess.run([sys.executable, "-m", "prodpack.cli", "load", "--landing", str(landing)], check=False,
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert rows(engine, "select count(*) from raw.ledger") == [(300_000,)]
    assert rows(engine, "select rows_loaded from ops.load_log where content_hash = :h"
                        " and status = 'loaded'", h=full_hash) == [
        (300_000,)]


# --- 3: the newest file of a slice wins -----------------------------------------------------

BIG_ROWS = 2_000_000


@pytest.mark.parametrize("layout", ["one-folder", "two-folders"])
def test_a_newer_correction_wins_against_an_older_big_file_loaded_concurrently(
        engine, database_url, tmp_path, layout):
    """one-folder: both processes see both files (the second's big load commits last, after the
    first process loaded the correction). two-folders: the big old file and its correction are
    loaded by separate processes, the correction committing first.

    The big file takes a few seconds to read (about 2 s a million rows); the second process is
    started once the first has begun loading it, about 1 s after the first started."""
    big, fix = "ledger/ledger_RXA_2024-05.csv", "ledger/ledger_RXA_2024-05_correction.csv"
    first = tmp_path / "first"
    second = tmp_path / "second" if layout == "two-folders" else first
    write(first, big, big_ledger(BIG_ROWS), 1e9)
    write(second, fix, f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,42.00,the correction\n", 1e9 + 60)
    env = cli_env(database_url, tmp_path)

    one = start_load(first, env, tmp_path)
    wait_for(engine, "select count(*) from ops.load_log where origin = :o", o=big)
    two = start_load(second, env, tmp_path)
    for process in (one, two):
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err

    assert rows(engine, "select count(*), sum(amount), max(description) from raw.ledger") == [
        (1, 42, "the correction")]
    held = rows(engine, "select l.origin from ops.load_slice s join ops.load_log l using (load_id)"
                        " order by s.load_id desc limit 1")
    assert held == [(fix,)]
    # A later run over both files changes nothing.
    both = tmp_path / "both"
    write(both, big, big_ledger(BIG_ROWS), 1e9)
    write(both, fix, f"{LEDGER_HEADER}\nRXA,2024-05,C1,511100,42.00,the correction\n", 1e9 + 60)
    logged = rows(engine, "select count(*) from ops.load_log")
    done = subprocess.run([sys.executable, "-m", "prodpack.cli", "load", "--landing", str(both)], check=False,
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert rows(engine, "select count(*), sum(amount), max(description) from raw.ledger") == [
        (1, 42, "the correction")]
    assert rows(engine, "select count(*) from ops.load_log") == logged


# --- 4: a bad reference file keeps its table --------------------------------------------------

DEFLATORS = "financial_year,pay_index,non_pay_index\n2019/20,1.000,1.000\n2024/25,1.25,1.20\n"


def test_a_bad_reference_file_keeps_its_table_and_the_good_one_loads_again(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "reference/deflators.csv", DEFLATORS, 1e9)
    load_landing(engine, settings, landing)
    before = rows(engine, "select financial_year, pay_index from core.deflators order by 1")
    assert len(before) == 2

    write(landing, "reference/deflators.csv", "financial_year,pay_index,non_pay_index\n"
          "2019/20,x,1\n2024/25,y,1\n2025/26,1.3,1.3\n", 1e9 + 1)
    [result] = load_landing(engine, settings, landing)
    assert result["status"] == "rejected"
    assert result["message"] == ("reference/deflators.csv: 2 of 3 rows failed validation;"
                                 " core.deflators kept as it was (see ops.quarantine)")
    assert rows(engine, "select financial_year, pay_index from core.deflators order by 1") == before
    assert rows(engine, "select count(*) from ops.quarantine") == [(2,)]

    # A good file again: a newer one loads, and then the first good one, seen before, too.
    write(landing, "reference/deflators.csv", DEFLATORS + "2025/26,1.3,1.3\n", 1e9 + 2)
    assert load_landing(engine, settings, landing)[0]["status"] == "loaded"
    assert len(rows(engine, "select * from core.deflators")) == 3
    write(landing, "reference/deflators.csv", DEFLATORS, 1e9 + 3)
    assert load_landing(engine, settings, landing)[0]["status"] == "loaded"
    assert rows(engine, "select financial_year, pay_index from core.deflators order by 1") == before


# --- 5: a killed load --------------------------------------------------------------------------

def test_a_load_killed_mid_run_is_marked_abandoned_by_the_next(engine, settings, database_url, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", big_ledger(300_000))
    killed = start_load(landing, cli_env(database_url, tmp_path), tmp_path)
    wait_for(engine, "select count(*) from ops.load_log where status = 'running'")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert rows(engine, "select status from ops.load_log") == [("running",)]

    load_landing(engine, settings, tmp_path / "empty")   # the next run, whatever it loads
    [(status, message)] = rows(engine, "select status, message from ops.load_log")
    assert status == "abandoned" and message.startswith("ledger/ledger_RXA_2024-05.csv: ")


def test_a_running_load_is_not_marked_abandoned(engine, settings, database_url, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", big_ledger(300_000))
    running = start_load(landing, cli_env(database_url, tmp_path, PRODPACK_CHUNK_ROWS="5000"), tmp_path)
    wait_for(engine, "select count(*) from ops.load_log where status = 'running'")
    load_landing(engine, settings, tmp_path / "empty")
    assert rows(engine, "select status from ops.load_log") == [("running",)]
    _, err = running.communicate(timeout=120)
    assert running.returncode == 0, err
    assert rows(engine, "select status from ops.load_log") == [("loaded",)]


# --- 6: refused files ---------------------------------------------------------------------------

def test_a_refused_file_is_rejected_once_without_being_opened(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    secret = write(tmp_path, "outside/secret.txt", "the first line is a secret\n")
    (landing / "ledger").mkdir(parents=True)
    (landing / "ledger" / "ledger_RXA_2024-05.csv").symlink_to(secret)
    [result] = load_landing(engine, settings, landing)
    assert result["status"] == "rejected" and result["message"].startswith("ledger/ledger_RXA_2024-05.csv")
    assert "secret" not in result["message"]
    assert rows(engine, "select status, content_hash like 'refused:%%' from ops.load_log") == [
        ("rejected", True)]
    assert load_landing(engine, settings, landing)[0]["status"] == "unchanged"
    assert rows(engine, "select count(*) from ops.load_log") == [(1,)]


# --- 7: a run that finds nothing new reads nothing ------------------------------------------------

def test_files_seen_before_are_passed_over_without_reading_them(engine, settings, tmp_path):
    landing = tmp_path / "landing"
    paths = [write(landing, f"ledger/ledger_RXA_2024-{m:02d}.csv",
                   f"{LEDGER_HEADER}\nRXA,2024-{m:02d},C1,511100,1.00,a\n", 1e9 + m) for m in range(1, 13)]
    assert {r["status"] for r in load_landing(engine, settings, landing)} == {"loaded"}
    # Same size and modified time: passed over, not read (so this rewrite goes unnoticed).
    paths[0].write_text(paths[0].read_text().replace("1.00", "9.00"))
    os.utime(paths[0], (1e9 + 1, 1e9 + 1))
    results = load_landing(engine, settings, landing)
    assert {(r["status"], r["message"]) for r in results} == {("unchanged", "already seen")}
    assert rows(engine, "select count(*) from ops.load_log") == [(12,)]
    # A new modified time: read, and loaded (the bytes are new).
    os.utime(paths[0], (1e9 + 100, 1e9 + 100))
    changed = [r for r in load_landing(engine, settings, landing) if r["status"] != "unchanged"]
    assert [(r["origin"], r["status"]) for r in changed] == [("ledger/ledger_RXA_2024-01.csv", "loaded")]


# --- 8: quiet output ----------------------------------------------------------------------------

def test_a_rejection_is_printed_once_and_the_load_task_sets_no_timeout(database_url, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ledger/ledger_RXA_2024-05.csv", "no,header,here\n1,2,3\n")
    done = subprocess.run([sys.executable, "-m", "prodpack.cli", "load", "--landing", str(landing)], check=False,
                          env=cli_env(database_url, tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("ledger/ledger_RXA_2024-05.csv") == 1, done.stderr

    from flows.load import load_landed_file

    assert load_landed_file.timeout_seconds is None
