"""The monthly close: load, check, calculate; reports and alerts grow onto it."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import deployment, flow_run
from pydantic import BaseModel, Field

from flows.console_log import NOT_ON_CONSOLE
from flows.fan_out import run_stage
from flows.load import load_sources
from flows.platform import notify_on_failure, platform_notice
from schemas.settings import Settings
from tasks import close_state, db
from tasks.calculate.months_due import latest_month_with_data, months_to_calculate, stale_months
from tasks.calculate.run import peer_ranks
from tasks.calculate.summary import lineage, trust_summary
from tasks.months import month_closed_by
from tasks.notify import delivery_run


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


def summary_lines(month: str, summaries: list[dict], blocked: dict[str, list[str]],
                  target: float) -> list[str]:
    """The run's headline, trust by trust and lens by lens, as a finance director would want
    it read out: against the base year, and against last year as NHS England measures it."""
    lines = [(f"Implied productivity, {month}: against the same months of the base year, and"
              f" of last year (NHS England's measure, target {_percent(target)})")]
    for s in summaries:
        org = s["org_code"]
        lines.append(
            f"  {org} against {s.get('comparison_year') or 'the base year'}:"
            f" month IPc {_percent(s.get('month_ip_cost'))}, IPw {_percent(s.get('month_ip_wte'))};"
            f" YTD IPc {_percent(s.get('ytd_ip_cost'))}, IPw {_percent(s.get('ytd_ip_wte'))};"
            f" rank {s.get('ytd_rank') or 'n/a'}"
            + ("  [BLOCKED by data quality: not published]" if org in blocked else ""))
        prior = s.get("prior_year") or {}
        if prior.get("ytd_null_reason") == "no prior-year data":
            lines.append(f"  {' ' * len(org)} against last year: no prior-year data loaded")
        elif prior:
            ytd = prior.get("ytd_ip_cost")
            verdict = ("" if ytd is None else
                       " (meets the target)" if ytd >= target else " (below the target)")
            lines.append(
                f"  {' ' * len(org)} against last year:"
                f" month IPc {_percent(prior.get('month_ip_cost'))},"
                f" IPw {_percent(prior.get('month_ip_wte'))};"
                f" YTD IPc {_percent(ytd)}{verdict}, IPw {_percent(prior.get('ytd_ip_wte'))};"
                f" rank {prior.get('ytd_rank') or 'n/a'}")
        for service in s.get("adverse_services", [])[:5]:
            lines.append(f"      adverse: {service['node']} (YTD IPc {_percent(service.get('ip_cost'))},"
                         f" cost opportunity £{float(service.get('cost_opportunity') or 0):,.0f})")
    for org, reasons in blocked.items():
        for reason in reasons:
            lines.append(f"  {org} blocked: {reason}")
    return lines


def scheduled_month() -> str | None:
    """A scheduled run closes its own month, however late it starts or often it is re-run."""
    if deployment.id is None or flow_run.scheduled_start_time is None:
        return None
    return month_closed_by(flow_run.scheduled_start_time)


def _headline_markdown(month: str, lines: list[str], reports: list[dict]) -> str:
    parts = ["# " + lines[0], ""] + [f"- {line.strip()}" for line in lines[1:]]
    if reports:
        parts += ["", "## Reports", ""] + [
            f"- [{Path(r['path']).name}]({Path(r['path']).resolve().as_uri()})" for r in reports]
    return "\n".join(parts)


def _unchanged(eng, settings: Settings, month: str, org: str) -> bool:
    """Whether no load since the trust's last calculation changed what its month reads."""
    return not (stale_months(eng, [month], settings.base_year, org)
                or months_to_calculate(eng, month, settings.base_year, org))


def _merged_alerts(month: str, summaries: list[dict]) -> dict:
    """The trusts' alert summaries as one, for the run's result and notices."""
    merged: dict = {"month": month, "variances": 0, "sent": [], "failed": [], "would_send": [],
                    "unrouted": []}
    for summary in summaries:
        merged["variances"] += summary.get("variances", 0)
        for key in ("sent", "failed", "would_send", "unrouted"):
            merged[key] += summary.get(key, [])
    return merged


def _lineage_artifact(eng, month: str) -> None:
    """The files behind each trust's figures, for the platform team and auditors."""
    rows = [{"trust": r["org_code"], "source": r["source"], "file": r["origin"],
             "sha256": r["content_hash"], "loaded (UK time)": f"{r['loaded_at']:%Y-%m-%d %H:%M}",
             "rows loaded": r["rows_loaded"], "rows quarantined": r["rows_quarantined"],
             "months": ", ".join(r["months"] or []) or "reference"} for r in lineage(eng, month)]
    create_table_artifact(key=f"lineage-{month}", table=rows,
                          description=f"The files behind each trust's figures for {month}")


def _tell_the_platform_team(settings: Settings, month: str, loads: list[dict],
                            emailed: list[dict], alerts: dict, blocked: dict[str, list[str]],
                            lines: list[str], dry_run: bool) -> list[str]:
    """Send the platform notices the close calls for; return what needs the platform team:
    each delivery that failed (a notice included) and each file that failed to load."""
    attention: list[str] = []
    notices: list[tuple[str, str]] = []
    failed_loads = [r for r in loads if r["status"] == "failed"]
    if failed_loads:
        listed = [f"{r['origin']}: {r['message']}" for r in failed_loads]
        attention += [f"file failed to load: {line}" for line in listed]
        notices.append((f"prodpack: {len(failed_loads)} file(s) failed to load in the {month} close",
                        "\n".join(listed) + "\n\nThey stay unloaded and are tried again by the "
                        "next run; the close published what the other files hold. See the load "
                        "log (ops.load_log) and docs/runbook.md."))
    unsent = [e for e in emailed if e["error"]]
    if unsent:
        attention += [f"executive report email not sent: {e['org_code']}: {e['error']}"
                      for e in unsent]
        notices.append((f"prodpack: {len(unsent)} executive report email(s) for {month} not sent",
                        "\n".join(f"{e['org_code']}: {e['error']}" for e in unsent)
                        + "\n\nThe reports are written; the next run sends them."))
    if alerts.get("failed") and not dry_run:
        attention += [f"alert not sent: {f}" for f in alerts["failed"]]
        notices.append((f"prodpack: {len(alerts['failed'])} alert message(s) for {month} not sent",
                        "They are kept in ops.alert_log and retried by the next run.\n\n"
                        + "\n".join(str(f) for f in alerts["failed"])))
    if blocked and not dry_run:
        blocked_orgs = ", ".join(sorted(blocked))
        notices.append((f"prodpack: the {month} close is blocked by data quality for {blocked_orgs}",
                        "\n".join(lines) + "\n\nSee the data-quality artifact of the run and "
                        "docs/runbook.md."))
    if dry_run:
        return attention
    for subject, text in notices:
        # Undelivered, the notice itself is the platform team's to hear about: on stderr.
        attention += [f"platform notice not delivered ({subject}): {problem}"
                      for problem in platform_notice(settings, subject, text)]
    return attention


# The default model gives the run form in Prefect's UI every field's default; it is immutable
# in use (pydantic copies parameters), so the shared default is safe.
@flow(name="monthly-close", flow_run_name=_run_name, log_prints=True, timeout_seconds=4 * 3600,
      on_failure=[notify_on_failure], on_crashed=[notify_on_failure])
def monthly_close(parameters: CloseParameters = CloseParameters()) -> dict:  # noqa: B008
    settings = Settings()
    eng = db.engine(settings)
    loads = load_sources(parameters.landing)
    month = parameters.month or scheduled_month() or latest_month_with_data(eng)
    if month is None:
        raise ValueError("no month has ledger, workforce and activity data: load some files first")

    # Each trust's checks and calculation as its own flow run; the peer ranks once every
    # trust is calculated; then each trust's reports and alerts. A trust published before and
    # unchanged since is left as it is: a re-run resumes only the trusts that did not finish.
    trusts = close_state.trusts(eng, month)
    settled = [org for org, (status, _) in trusts.items()
               if status == "published" and _unchanged(eng, settings, month, org)]
    to_close = [org for org in trusts if org not in settled]
    if settled:
        print(f"{', '.join(settled)}: published before and unchanged since; not closed again")
    print(f"closing {month} for {', '.join(to_close) or 'no trust'}")
    run_stage("calculate", month, to_close, parameters.out, parameters.packs,
              parameters.dry_run)
    peer_ranks(month)
    states = close_state.trusts(eng, month)
    blocked = {org: [states[org][1] or "blocked by data quality"] for org in to_close
               if states[org][0] == "blocked"}
    failed = {org: states[org][1] or f"ended {states[org][0]}" for org in to_close
              if states[org][0] not in ("blocked", "calculated")}
    if to_close and len(failed) == len(to_close):
        raise RuntimeError(f"the {month} close failed for every trust: "
                           + "; ".join(f"{o}: {m}" for o, m in failed.items()))
    publishable = [org for org in to_close if states[org][0] == "calculated"]
    # One deadline and one verdict per mail server for all the mail of the close that runs
    # here: a server that does not answer costs one timeout, not one per trust or message.
    with delivery_run():
        published = run_stage("publish", month, publishable, parameters.out, parameters.packs,
                              parameters.dry_run)
        states = close_state.trusts(eng, month)
        # A dry run's trusts stay calculated: shown what would go, still to publish.
        finished = ("calculated",) if parameters.dry_run else ("published", "needs_attention")
        failed |= {org: states[org][1] or f"ended {states[org][0]}" for org in publishable
                   if states[org][0] not in finished}
        reports = [r for p in published.values() for r in p["reports"]]
        emailed = [e for p in published.values() for e in p["emailed"]]
        alerts = _merged_alerts(month, [p["alerts"] for p in published.values()])
        _lineage_artifact(eng, month)
        summaries = trust_summary(eng, month)
        print(f"wrote {len(reports)} report(s) for {', '.join(publishable) or 'no trust'}")
        lines = summary_lines(month, summaries, blocked, settings.year_on_year_target)
        get_run_logger().info("\n".join(lines), extra=NOT_ON_CONSOLE)
        create_markdown_artifact(key=f"monthly-close-{month}",
                                 markdown=_headline_markdown(month, lines, reports),
                                 description=f"Headline figures of the monthly close for {month}")
        attention = _tell_the_platform_team(settings, month, loads, emailed, alerts, blocked,
                                            lines, parameters.dry_run)
    attention += [f"{org}: the close failed ({message}); a re-run closes it again"
                  for org, message in failed.items()]
    return {"month": month, "loads": loads, "blocked": blocked, "failed": failed,
            "summaries": summaries, "reports": reports, "emailed": emailed, "alerts": alerts,
            "headline": lines, "needs_attention": attention}
