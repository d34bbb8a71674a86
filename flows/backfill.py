"""Backfill: load what has landed, then calculate every month of a range in order."""

from __future__ import annotations

from prefect import flow
from pydantic import BaseModel, Field, model_validator

from flows.load import load_sources
from tasks.calculate import calculate


class BackfillParameters(BaseModel):
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="First month YYYY-MM")
    end: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Last month YYYY-MM")
    landing: str | None = None

    @model_validator(mode="after")
    def _in_order(self) -> "BackfillParameters":
        if self.start > self.end:
            raise ValueError(f"the range runs backwards: {self.start} is after {self.end}")
        return self


def months_between(start: str, end: str) -> list[str]:
    year, month = int(start[:4]), int(start[5:])
    found = []
    while f"{year}-{month:02d}" <= end:
        found.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


@flow(name="backfill", flow_run_name="backfill-{parameters.start}-to-{parameters.end}", log_prints=True)
def backfill(parameters: BackfillParameters) -> list[dict]:
    load_sources(parameters.landing)
    results = []
    for month in months_between(parameters.start, parameters.end):
        results.append(calculate(month))
        print(f"calculated {month}")
    return results
