"""Backfill: load what has landed, then calculate every month of a range in order.

Resumable: a month already calculated since the last load is not calculated again, so a
backfill that stopped half-way picks up where it stopped. Each backfill is recorded in
ops.backfill with its range, reason and outcome.
"""

from __future__ import annotations

import time

from prefect import flow
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field, model_validator

from flows.load import load_sources
from flows.platform import notify_on_failure
from schemas.settings import Settings
from tasks import db
from tasks.calculate.months_due import stale_months
from tasks.calculate.run import calculate
from tasks.calculate.summary import trust_summary
from tasks.months import months_between
from tasks.quality.task import quality
from tasks.report.task import report


class BackfillParameters(BaseModel):
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="First month YYYY-MM")
    end: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Last month YYYY-MM")
    reason: str | None = Field(default=None, description="Why: recorded in ops.backfill")
    landing: str | None = None

    @model_validator(mode="after")
    def _in_order(self) -> BackfillParameters:
        if self.start > self.end:
            raise ValueError(f"the range runs backwards: {self.start} is after {self.end}")
        return self


def _record(eng, parameters: BackfillParameters, total: int) -> int:
    with db.psycopg_connection(eng) as conn:
        return conn.execute(
            "insert into ops.backfill (first_month, last_month, reason, flow_run_id, months_total)"
            " values (%s, %s, %s, %s, %s) returning backfill_id",
            (parameters.start, parameters.end, parameters.reason, str(flow_run.id or "local"),
             total)).fetchone()[0]


def _progress(eng, backfill_id: int, done: int, status: str = "running", message=None) -> None:
    with db.psycopg_connection(eng) as conn:
        conn.execute(
            "update ops.backfill set months_done = %s, status = %s, message = %s,"
            " finished_at = case when %s <> 'running' then now() end where backfill_id = %s",
            (done, status, message, status, backfill_id))


def _time_left(started: float, calculated: int, remaining: int) -> str:
    """Months to do and the time they will take at the pace so far."""
    if not remaining:
        return "done"
    seconds = (time.monotonic() - started) / max(calculated, 1) * remaining
    return f"{remaining} month(s) to do, about {_duration(seconds)} left"


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


@flow(name="backfill", flow_run_name="backfill-{parameters.start}-to-{parameters.end}",
      log_prints=True, timeout_seconds=24 * 3600, on_failure=[notify_on_failure],
      on_crashed=[notify_on_failure])
def backfill(parameters: BackfillParameters) -> list[dict]:
    settings = Settings()
    eng = db.engine(settings)
    load_sources(parameters.landing)
    months = months_between(parameters.start, parameters.end)
    backfill_id = _record(eng, parameters, len(months))
    to_do = set(stale_months(eng, months, settings.base_year))
    progress = create_progress_artifact(progress=0.0, key="backfill-progress",
                                        description=f"Backfill {parameters.start} to {parameters.end}")
    results, done = [], 0
    started = time.monotonic()
    try:
        for done, month in enumerate(months, start=1):
            if month in to_do:
                results.append(calculate(month))
                print(f"[{done}/{len(months)}] calculated {month};"
                      f" {_time_left(started, len(results), len(to_do) - len(results))}")
            else:
                print(f"[{done}/{len(months)}] {month} already calculated since the last load")
            update_progress_artifact(progress, progress=100.0 * done / len(months))
            _progress(eng, backfill_id, done)
        # Reports only for the last month of the range, as a close would write them.
        last = months[-1]
        checked = quality(last, f"backfill-{backfill_id}")
        publishable = [s["org_code"] for s in trust_summary(eng, last)
                       if s["org_code"] not in checked["blocked"]]
        if publishable:
            report(last, None, publishable, None)
    except Exception as err:
        _progress(eng, backfill_id, done, "failed", str(err).splitlines()[0] if str(err) else None)
        raise
    _progress(eng, backfill_id, len(months), "completed")
    return results
