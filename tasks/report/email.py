"""The executive report email: each trust's report to the executive list once per month,
and again only when what the report shows has changed.

Protocol (ops.report_email, one row per org, month and figures_sha256):
1. insert the row as pending, or find it there (a concurrent run's uncommitted insert of the
   same row makes this wait for that run's outcome);
2. lock it with `for update skip locked`, send, and record the outcome in that transaction.
A 'sent' row is never sent again; a failed one is retried by the next run; a crash before the
commit leaves no row, so the next run sends. The fingerprint is of the figures, not of the
.xlsx, whose bytes carry the day it was produced: a re-run on another day is not news.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from schemas.settings import Settings
from tasks import db
from tasks.notify import NotificationError, delivery_run, send_email
from tasks.report import executive_email_of, load_month

_CLAIM = """
    select status from ops.report_email
    where org_code = %(org)s and month = %(month)s and figures_sha256 = %(sha)s
    for update skip locked"""


def _record(conn, params: dict, error: str | None) -> None:
    conn.execute("""
        update ops.report_email
        set status = %(status)s, attempts = attempts + 1, last_error = %(error)s,
            last_attempt_at = now(), sent_at = case when %(error)s::text is null then now() end
        where org_code = %(org)s and month = %(month)s and figures_sha256 = %(sha)s""",
                 {**params, "status": "failed" if error else "sent", "error": error})


def email_executive_report(eng, settings: Settings, report: dict, subject: str, text: str,
                           html: str, dry_run: bool = False) -> dict:
    """Send one trust's report unless this month's same figures went already; say what
    happened: sent, skipped (and why) or the error."""
    params = {"org": report["org_code"], "month": report["month"],
              "sha": report["figures_sha256"], "file": Path(report["path"]).name}
    outcome = {"org_code": report["org_code"], "to": settings.executive_recipients,
               "subject": subject, "sent": False, "error": None, "skipped": None}
    if dry_run:
        outcome["skipped"] = "dry run"
        return outcome
    with db.psycopg_connection(eng) as conn:
        conn.execute("""
            insert into ops.report_email (org_code, month, figures_sha256, report_file)
            values (%(org)s, %(month)s, %(sha)s, %(file)s)
            on conflict do nothing""", params)
        claimed = conn.execute(_CLAIM, params).fetchone()
        if claimed is None:
            outcome["skipped"] = "another run is sending it"
            return outcome
        if claimed[0] == "sent":
            outcome["skipped"] = "already sent with these figures"
            return outcome
        try:
            send_email(settings, settings.executive_recipients, subject, text, html,
                       attachments=[Path(report["path"])])
        except NotificationError as err:
            # The report is written and linked in the run's artifact; a mail outage must not
            # fail the close. The close tells the platform team.
            outcome["error"] = str(err)
        _record(conn, params, outcome["error"])
    outcome["sent"] = outcome["error"] is None
    return outcome


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
