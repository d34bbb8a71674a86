"""The Prefect task `alert`: send the month's alerts, say so in the run's log and leave a
table artifact of who was sent what."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_table_artifact

from schemas.settings import Settings
from tasks import db
from tasks.alert.outbox import send_alerts
from tasks.months import month_label


def summary_lines(summary: dict) -> list[str]:
    """The alert step in the run's log, one line per message."""
    month = summary["month"]
    lines = [(f"Alerts for {month}: {summary['variances']} adverse variance(s) found; "
              f"{summary['skipped_already_sent']} already sent before")]
    for m in summary["would_send"]:
        lines.append(f"  would send to {m['to']}: {m['subject']}")
    for m in summary["sent"]:
        lines.append(f"  sent to {m['to']}: {m['subject']}")
    for m in summary["failed"]:
        lines.append(f"  NOT sent to {m['to']} (kept, the next run retries): {m['error']}")
    if summary["unrouted"]:
        lines.append(f"  {len(summary['unrouted'])} variance(s) have no lead in owners.csv at "
                     "their node or above: add one to send them")
    if summary.get("held_unconfigured"):
        lines.append(f"  messages for {summary['held_unconfigured']} recipient(s) held: neither "
                     "PRODPACK_SMTP_HOST nor PRODPACK_TEAMS_WEBHOOK_URL is set; they are sent once "
                     "one is (prodpack run --dry-run shows them)")
    if summary["held_blocked"]:
        lines.append(f"  {summary['held_blocked']} held back: data quality blocked the org")
    return lines


def _artifact_rows(summary: dict) -> list[dict]:
    rows = [{"to": m["to"], "subject": m["subject"], "alerts": m["alerts"],
             "email": m["email"] or "-", "teams": m["teams"] or "-", "note": note}
            for key, note in (("sent", ""), ("failed", "retried by the next run"),
                              ("would_send", "dry run: not sent"))
            for m in summary[key]]
    rows += [{"to": "-", "subject": f"{u['org_code']} {u['level']} {u['node']}", "alerts": 1,
              "email": "-", "teams": "-", "note": f"{u['rule']}: no lead in owners.csv"}
             for u in summary["unrouted"]]
    return rows or [{"to": "-", "subject": "no new adverse variances", "alerts": 0,
                     "email": "-", "teams": "-", "note": ""}]


@task(name="alert", task_run_name="alert-{month}", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=db.retry_transient, timeout_seconds=900)
def alert(month: str, blocked_orgs: list[str], dry_run: bool = False,
          out: str | None = None, only_org: str | None = None) -> dict:
    """Send the month's adverse-variance alerts (of one trust, for a region's close that runs
    each trust on its own); a failed send is kept for the next run rather than failing the
    close."""
    settings = Settings()
    eng = db.engine(settings)
    reports_dir = Path(out) if out else settings.reports_dir
    # One trust's run finds, withdraws and sends that trust's alerts alone: the others' are
    # their own runs'.
    summary = send_alerts(eng, settings, month, blocked_orgs, reports_dir, dry_run,
                          orgs=None if only_org is None else [only_org])
    print("\n".join(summary_lines(summary)))
    create_table_artifact(
        key=f"alerts-{month}", table=_artifact_rows(summary),
        description=f"Adverse-variance alerts for {month_label(month)}"
                    + (" (dry run: nothing sent)" if dry_run else ""))
    return summary
