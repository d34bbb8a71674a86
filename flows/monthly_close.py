"""The monthly close: load, then (as the platform grows) check, calculate, report and alert."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.load import load_sources


class CloseParameters(BaseModel):
    """What one monthly close needs; every field has a sensible default."""

    month: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}$",
        description="Report month YYYY-MM; default: the last month with data.")
    landing: str | None = Field(default=None, description="Landing folder; default: settings.")
    out: str | None = Field(default=None, description="Reports folder; default: settings.")


def _run_name() -> str:
    given = flow_run.parameters.get("parameters")
    month = given.get("month") if isinstance(given, dict) else getattr(given, "month", None)
    return f"monthly-close-{month or 'latest'}"


@flow(name="monthly-close", flow_run_name=_run_name, log_prints=True)
def monthly_close(parameters: CloseParameters = CloseParameters()) -> dict:
    loads = load_sources(parameters.landing)
    return {"loads": loads}
