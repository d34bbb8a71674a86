"""The quarterly productivity packs, on their own schedule after each quarter's close."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from prefect import flow
from prefect.runtime import deployment, flow_run

from flows.platform import notify_on_failure
from schemas.settings import Settings
from tasks import db
from tasks.calculate.months_due import latest_month_with_data
from tasks.calculate.run import calculate
from tasks.months import is_quarter_end, months_between
from tasks.quality.task import quality
from tasks.report.task import report


def last_quarter_end(year: int, month: int) -> str:
    """The last quarter-end month (June, September, December, March) before year-month."""
    return next(m for m in reversed(months_between(f"{year - 1}-{month:02d}", f"{year}-{month:02d}")[:-1])
                if is_quarter_end(m))


@flow(name="quarterly-packs", flow_run_name="quarterly-packs-{month}", log_prints=True,
      timeout_seconds=3600, on_failure=[notify_on_failure], on_crashed=[notify_on_failure])
def quarterly_packs(month: str | None = None) -> list[dict]:
    settings = Settings()
    eng = db.engine(settings)
    if month is None and flow_run.scheduled_start_time is not None and deployment.id is not None:
        scheduled = flow_run.scheduled_start_time.astimezone(ZoneInfo("Europe/London"))
        month = last_quarter_end(scheduled.year, scheduled.month)
    month = month or latest_month_with_data(eng)
    if month is None:
        raise ValueError("no month has data to write packs for")
    checked = quality(month, f"packs-{flow_run.id or 'local'}")
    summary = calculate(month)
    publishable = [org for org in summary["orgs"] if org not in checked["blocked"]]
    return report(month, None, publishable, True)
