"""The executive report email: what it says (the headline figures in words, plain text and
HTML), and its sending, each trust's report to the executive list once per month, and again
only when what the report shows has changed.

Protocol (ops.report_email, one row per org, month and figures_sha256):
1. insert the row as pending, or find it there (a concurrent run's uncommitted insert of the
   same row makes this wait for that run's outcome);
2. lock it with `for update skip locked`, send, and record the outcome in that transaction.
A 'sent' row is never sent again; a failed one is retried by the next run; a crash before the
commit leaves no row, so the next run sends. The fingerprint is of the figures, not of the
.xlsx, whose bytes carry the day it was produced: a re-run on another day is not news.
"""

from __future__ import annotations

import html
from pathlib import Path

from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db
from tasks.notify import NotificationError, send_email
from tasks.report.drivers import drivers_sentence
from tasks.report.headline import headline, year_on_year_words
from tasks.report.lineage import revisions_sentence
from tasks.report.model import BASE, PRIOR, OrgData, load_org
from tasks.report.paths import executive_report_path
from tasks.report.style import pounds_words, signed_percent

# --- what it says ---------------------------------------------------------------------

def _opportunity_words(value: float | None, wte: float | None) -> str:
    if value is None:
        return "n/a"
    side = "above" if value > 0 else "below"
    text = f"{pounds_words(value)} {side} what base-year productivity would need"
    if wte is not None:
        text += f"; {abs(wte):,.1f} WTE {'above' if wte > 0 else 'below'}"
    return text


def executive_email(eng: Engine, settings: Settings, org_code: str, month: str
                    ) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email that carries the executive report."""
    return executive_email_of(load_org(eng, settings, org_code, month))


def executive_email_of(data: OrgData) -> tuple[str, str, str]:
    h = headline(data)
    name = data.org_name if data.org_name != data.org_code else data.org_code
    subject = (f"Implied productivity {data.month_label}: {name} "
               f"{signed_percent(h['ytd_ip_cost'])} on cost year to date")
    ytd_span = data.span_label("ytd")
    figures = [
        ("Implied productivity (cost)", signed_percent(h["month_ip_cost"]),
         signed_percent(h["ytd_ip_cost"])),
        ("Implied productivity (workforce)", signed_percent(h["month_ip_wte"]),
         signed_percent(h["ytd_ip_wte"])),
        ("Rank among peers (cost)", (data.rank("month") or {}).get("rank_label") or "n/a",
         h["ytd_rank"] or "n/a"),
        ("Productivity growth on last year (NHS England's measure)",
         signed_percent(data.trust("month", PRIOR).get("ip_cost")),
         signed_percent(h["ytd_ip_cost_prior_year"])),
    ]
    year_on_year = year_on_year_words(data, data.trust("ytd", PRIOR))
    moved = drivers_sentence(data, "trust", data.org_code, BASE)
    revisions = revisions_sentence(data)
    opportunity = _opportunity_words(h["ytd_cost_opportunity"], h["ytd_wte_opportunity"])
    adverse = [f"{s['node']} ({signed_percent(s['ip_cost'])}, "
               f"{pounds_words(s['cost_opportunity'])} above baseline need)"
               for s in h["adverse_services"][:3]]
    attachment = executive_report_path(Path("."), data.org_code, data.month).name
    dq = (f"{h['dq_notes']} data-quality note(s) this month; each is shown beside the figures "
          "it touches." if h["dq_notes"] else "No data-quality warnings this month.")

    text = "\n".join(
        [(f"{name}: implied productivity, {data.month_label}, against {data.base_year} and "
         "against last year"), ""]
        + [f"{label}: month {m}, year to date ({ytd_span}) {y}" for label, m, y in figures]
        + [f"Year on year: {year_on_year}", moved]
        + [f"Cost opportunity, year to date: {opportunity}."]
        + ([f"Largest adverse services: {'; '.join(adverse)}."] if adverse else [])
        + [revisions, dq, "", f"The full report is attached: {attachment}"])

    cell = "padding:4px 10px;border-bottom:1px solid #E8EDEE"
    rows = "".join(
        f"<tr><td style='{cell}'>{html.escape(label)}</td>"
        f"<td style='{cell};text-align:right'>{html.escape(m)}</td>"
        f"<td style='{cell};text-align:right;font-weight:bold'>{html.escape(y)}</td></tr>"
        for label, m, y in figures)
    head = "padding:4px 10px;background:#005EB8;color:#fff;text-align:left"
    body = (
        "<div style='font-family:Arial,sans-serif;font-size:14px;color:#212B32'>"
        f"<h2 style='color:#005EB8;margin:0 0 4px'>Implied productivity &mdash; "
        f"{html.escape(data.month_label)}</h2>"
        f"<p style='margin:0 0 12px;color:#425563'>{html.escape(name)}, against the same months "
        f"of {html.escape(data.base_year)} (and of last year where named)</p>"
        "<table style='border-collapse:collapse'>"
        f"<tr><th style='{head}'></th><th style='{head}'>{html.escape(data.month_label)}</th>"
        f"<th style='{head}'>Year to date ({html.escape(ytd_span)})</th></tr>{rows}</table>"
        f"<p><b>Year on year:</b> {html.escape(year_on_year)}</p>"
        f"<p>{html.escape(moved)}</p>"
        f"<p>Cost opportunity, year to date: {html.escape(opportunity)}.</p>"
        + (("<p>Largest adverse services:</p><ul>"
            + "".join(f"<li>{html.escape(a)}</li>" for a in adverse) + "</ul>") if adverse else "")
        + f"<p>{html.escape(revisions)}</p>"
        f"<p style='color:#425563'>{html.escape(dq)}</p>"
        f"<p>The full report is attached: <b>{html.escape(attachment)}</b></p></div>")
    return subject, text, body


# --- sending it once per figures -----------------------------------------------------

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
