"""The monthly close: load, check, calculate; reports and alerts grow onto it."""

from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.load import load_sources
from prodpack import db
from schemas.settings import Settings
from tasks.calculate import calculate, latest_month_with_data, trust_summary
from tasks.quality import quality


class CloseParameters(BaseModel):
    """What one monthly close needs; every field has a sensible default."""

    month: str | None = Field(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="Report month YYYY-MM; default: the last month with data.")
    landing: str | None = Field(default=None, description="Landing folder; default: settings.")
    out: str | None = Field(default=None, description="Reports folder; default: settings.")
    packs: bool | None = Field(
        default=None, description="Write the clinical-group packs; default: at quarter-end months.")
    dry_run: bool = Field(
        default=False, description="Show the alerts and emails that would be sent; send nothing.")


def _run_name() -> str:
    given = flow_run.parameters.get("parameters")
    month = given.get("month") if isinstance(given, dict) else getattr(given, "month", None)
    return f"monthly-close-{month or 'latest'}"


def _percent(value) -> str:
    return "n/a" if value is None else f"{float(value):+.1%}"


def summary_lines(month: str, summaries: list[dict], blocked: dict[str, list[str]]) -> list[str]:
    """The run's headline, trust by trust, as a finance director would want it read out."""
    lines = [f"Implied productivity, {month} against the same months of the base year"]
    for s in summaries:
        org = s["org_code"]
        lines.append(
            f"  {org}: month IPc {_percent(s.get('month_ip_cost'))}, IPw {_percent(s.get('month_ip_wte'))};"
            f" YTD IPc {_percent(s.get('ytd_ip_cost'))}, IPw {_percent(s.get('ytd_ip_wte'))};"
            f" rank {s.get('ytd_rank') or 'n/a'}"
            + ("  [BLOCKED by data quality: not published]" if org in blocked else ""))
        for service in s.get("adverse_services", [])[:5]:
            lines.append(f"      adverse: {service['node']} (YTD IPc {_percent(service.get('ip_cost'))},"
                         f" cost opportunity £{float(service.get('cost_opportunity') or 0):,.0f})")
    for org, reasons in blocked.items():
        for reason in reasons:
            lines.append(f"  {org} blocked: {reason}")
    return lines


@flow(name="monthly-close", flow_run_name=_run_name, log_prints=True)
def monthly_close(parameters: CloseParameters = CloseParameters()) -> dict:
    settings = Settings()
    loads = load_sources(parameters.landing)
    month = parameters.month or latest_month_with_data(db.engine(settings))
    if month is None:
        raise ValueError("no month has ledger, workforce and activity data: load some files first")
    checked = quality(month, str(flow_run.id or "local"))
    calculate(month)
    summaries = trust_summary(db.engine(settings), month)
    lines = summary_lines(month, summaries, checked["blocked"])
    print("\n".join(lines))
    create_markdown_artifact(key=f"monthly-close-{month}", markdown="\n".join(
        ["# " + lines[0], ""] + [f"- {line.strip()}" for line in lines[1:]]),
        description=f"Headline figures of the monthly close for {month}")
    return {"month": month, "loads": loads, "blocked": checked["blocked"], "summaries": summaries}
