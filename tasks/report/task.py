"""The Prefect tasks of the reports: write the month's workbooks and publish their headline
figures and links as the run's artifact; email each executive report once per figures."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from schemas.settings import Settings
from tasks import db
from tasks.months import month_label
from tasks.notify import delivery_run
from tasks.report.email import email_executive_report, executive_email_of
from tasks.report.headline import headline
from tasks.report.model import load_asked, load_month
from tasks.report.style import signed_percent
from tasks.report.workbooks import write_loaded


def pounds(value: float | None) -> str:
    return "n/a" if value is None else f"{'-' if value < 0 else ''}£{abs(value):,.0f}"


def year_on_year(h: dict) -> str:
    """Productivity growth on last year against the target, or why there is none."""
    if h["ytd_ip_cost_prior_year"] is None:
        return h["ytd_prior_year_null_reason"] or "n/a"
    return (f"{signed_percent(h['ytd_ip_cost_prior_year'])} "
            f"({h['year_on_year_verdict'].lower()}, target {h['year_on_year_target']:+.0%})")


def reports_markdown(month: str, written: list[dict], headlines: list[dict]) -> str:
    """The run's artifact: each trust's headline figures and links to its files."""
    lines = [f"# Reports for {month_label(month)}", "",
             ("| Trust | IPc month | IPc YTD | IPw month | IPw YTD | Rank YTD | "
             "Cost opportunity YTD | WTE opportunity YTD | Year on year YTD |"),
             "|---|---:|---:|---:|---:|---|---:|---:|---|"]
    for h in headlines:
        opportunity, wte = h["ytd_cost_opportunity"], h["ytd_wte_opportunity"]
        lines.append(
            f"| {h['org_code']} | {signed_percent(h['month_ip_cost'])} | "
            f"{signed_percent(h['ytd_ip_cost'])} | {signed_percent(h['month_ip_wte'])} | "
            f"{signed_percent(h['ytd_ip_wte'])} | {h['ytd_rank'] or 'n/a'} | "
            f"{pounds(opportunity)} | "
            f"{'n/a' if wte is None else f'{wte:,.1f}'} | {year_on_year(h)} |")
    lines += ["", "## Files", ""]
    for w in written:
        path = Path(w["path"]).resolve()
        label = (f"{w['org_code']} executive report" if w["kind"] == "executive"
                 else f"{w['org_code']} {w['clinical_group']} productivity pack")
        lines.append(f"- [{label}]({path.as_uri()})")
    if not written:
        lines.append("- none: no trust was published this month")
    return "\n".join(lines)


@task(name="report", task_run_name="report-{month}", retries=1, retry_delay_seconds=[30],
      retry_condition_fn=db.retry_transient, timeout_seconds=1800)
def report(month: str, out: str | None, orgs: list[str], packs: bool | None) -> list[dict]:
    """Write the month's workbooks; publish their headline figures and links as an artifact."""
    settings = Settings()
    eng = db.engine(settings)
    out_dir = Path(out) if out else settings.reports_dir
    loaded = load_asked(eng, settings, month, orgs)
    written = write_loaded(loaded, month, out_dir, packs)
    headlines = [headline(data) for data in loaded.values()]
    create_markdown_artifact(
        key=f"reports-{month}", markdown=reports_markdown(month, written, headlines),
        description=f"Implied productivity reports for {month_label(month)}")
    return written


@task(name="email-executive-reports", task_run_name="email-executive-reports-{month}",
      timeout_seconds=600)
def email_executive_reports(month: str, reports: list[dict], dry_run: bool = False) -> list[dict]:
    """Each trust's executive report to the executive distribution list, as an attachment,
    once per month unless its figures change."""
    settings = Settings()
    if not settings.executive_recipients:
        print("no PRODPACK_EXECUTIVE_RECIPIENTS set: executive reports written, not emailed")
        return []
    executive = [{**r, "month": month} for r in reports if r["kind"] == "executive"]
    if not executive:
        return []
    eng = db.engine(settings)
    loaded = load_month(eng, settings, month, [r["org_code"] for r in executive])
    outcomes = []
    with delivery_run():
        for r in executive:
            subject, text, html = executive_email_of(loaded[r["org_code"]])
            outcomes.append(email_executive_report(eng, settings, r, subject, text, html, dry_run))
    for o in outcomes:
        if o["skipped"] and o["skipped"] != "dry run":
            print(f"executive report email for {o['org_code']} {month} not sent again: "
                  f"{o['skipped']}")
    return outcomes
