"""A region's close on the work pool: with the close-trust deployment registered and a real
process worker polling the pool (on the Prefect test server), each trust's part of the close
runs as a deployment run in the worker's own processes, and the close reads their outcome
back from the database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect import get_client
from prefect.settings import PREFECT_API_URL
from synthetic import REPORT, write_synthetic

from flows.fan_out import DEPLOYMENT
from prodpack.cli import main

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[1]


def _online(client, pool: str) -> bool:
    return any(str(getattr(w.status, "value", w.status)).upper() == "ONLINE"
               for w in client.read_workers_for_work_pool(pool))


@pytest.fixture
def worker(prefect_api, prodpack_env, tmp_path, monkeypatch):
    """`prodpack deploy`, then a process worker on the pool, as docker-compose runs one. Its
    flow runs read the settings from the environment it started with."""
    # The synthetic trusts book a lot to an unmapped cost centre: keep that a warning here.
    monkeypatch.setenv("PRODPACK_DQ_MATERIALITY_ERROR", "0.5")
    assert main(["deploy"]) == 0
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_HOME": str(tmp_path / "prefect-worker"), "PYTHONPATH": str(ROOT),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_HEARTBEAT_SECONDS": "2"}
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", "prodpack",
         "--type", "process", "--name", "test-worker"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        with get_client(sync_client=True) as client:
            while not _online(client, "prodpack"):
                assert process.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "the worker did not come online"
                time.sleep(1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        # The server counts a stopped worker online until its heartbeats lapse: without the
        # deployment, the next tests' closes run their trusts in process, as they expect.
        with get_client(sync_client=True) as client:
            client.delete_deployment(client.read_deployment_by_name(DEPLOYMENT).id)


def test_each_trusts_close_runs_on_the_pools_worker(worker, prodpack_env, engine, capsys):
    write_synthetic(prodpack_env.landing_dir)

    status = main(["run"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    for org in ("RXA", "RXB"):
        assert (prodpack_env.reports_dir / REPORT / f"executive_report_{org}_{REPORT}.xlsx").exists()
    with get_client(sync_client=True) as client:
        runs = {r.name: r for r in client.read_flow_runs()}
    for org in ("RXA", "RXB"):
        for stage in ("calculate", "publish"):
            run = runs[f"close-trust-{org}-{REPORT}-{stage}"]
            # Started from the deployment, run by the worker: not a subflow of this process.
            assert run.deployment_id is not None and run.state.is_completed(), run.state
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text(
            "select org_code, status from ops.trust_close where month = :m"), {"m": REPORT}).all())
        ranked = conn.execute(sa.text(
            "select count(*) from mart.peer_rank where period = :m and source = 'loaded'"
            " and basis = 'base_year' and time_window = 'ytd'"), {"m": REPORT}).scalar()
    assert states == {"RXA": "published", "RXB": "published"}
    assert ranked == 2     # ranked once both trusts were calculated
    assert "RXA against 2019/20: month IPc" in captured.out
    # The close that fanned the trusts out to the worker reports what the worker's runs wrote,
    # as they recorded it (ops.trust_close), not only what ran in its own process.
    written = sorted(p.name for p in (prodpack_env.reports_dir / REPORT).glob("*.xlsx"))
    assert f"wrote {len(written)} report(s) for RXA, RXB" in captured.out + captured.err
