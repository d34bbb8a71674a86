"""The load stage: every new file in the landing folder, and the warehouse queries, into PostgreSQL."""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from schemas.settings import SOURCES, Settings
from tasks import db
from tasks.ingest.extract import landed_file
from tasks.ingest.load import load_file, load_warehouse_source
from tasks.ingest.load_folder import load_order, summary


# No task-level timeout: Prefect enforces one on a worker thread only by warning on every file,
# and the flow's own timeout and the late-or-stuck automation (deployments/automations) cover
# a load that hangs.
@task(name="load-file", task_run_name="load-{origin}", retries=3, retry_delay_seconds=[2, 10, 30],
      retry_condition_fn=db.retry_transient)
def load_landed_file(landing: str, relative: str, origin: str) -> dict:
    """Load one file of the landing folder, found by its real path under it (`origin` is how it
    is shown)."""
    settings = Settings()
    return load_file(db.engine(settings), settings, landed_file(Path(landing), relative)).as_dict()


@task(name="load-warehouse", task_run_name="load-sql-{source}", retries=3,
      retry_delay_seconds=[2, 10, 30], retry_condition_fn=db.retry_transient)
def load_warehouse(source: str) -> dict:
    settings = Settings()
    return load_warehouse_source(db.engine(settings), settings, source).as_dict()


@flow(name="load-sources", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=len(SOURCES)))
def load_sources(landing: str | None = None) -> list[dict]:
    """Reference data first; then a lane per source, side by side, each oldest file first.

    A file that fails or is rejected is a result with that status (and its message), never
    the flow's error: the files after it, and the other sources, load. Files seen before
    (same size and modified time as their last load) get no task run at all.
    """
    settings = Settings()
    folder = Path(landing) if landing else settings.landing_dir
    eng = db.engine(settings)
    results, reference, lanes = load_order(eng, folder)
    results += [load_landed_file(str(folder), f.relative, f.origin) for f in reference]
    # Files go to the task runner's queue a lane at a time in turn (each lane's next file
    # waits for its previous one): queued lane after lane, the pool's threads would all be
    # taken by one lane's files waiting on each other.
    loading, previous = [], {}
    for f in (f for round_ in zip_longest(*lanes) for f in round_ if f is not None):
        previous[f.source] = load_landed_file.submit(
            str(folder), f.relative, f.origin, wait_for=[previous[f.source]] if f.source in previous else None)
        loading.append(previous[f.source])
    wait(loading)
    # Only what a retry could not fix (the database lost) is left to raise here.
    results += [future.result() for future in loading]
    results += [load_warehouse(source) for source in settings.warehouse_queries]
    for line in summary(results, folder):
        print(line)
    changed = [r for r in results if r["status"] != "unchanged"]
    if changed:
        create_table_artifact(
            key="load-summary",
            table=[{k: r[k] for k in ("origin", "status", "rows_read", "rows_loaded",
                                      "rows_quarantined", "message")} for r in changed],
            description="Files and queries loaded by this run (unchanged inputs left out).",
        )
    return results
