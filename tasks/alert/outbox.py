"""The outbox: each adverse variance of the month to the lead of its node, exactly once.

Variances are found set-based over the mart (schemas/alert_rules.py says which), routed to
the node's lead in owners.csv or, where a node has none, to the nearest ancestor's lead, and
sent as one email (and one Teams card) per recipient listing all of theirs.

Exactly once, per (rule, org, level, node, period), through ops.alert_log:
1. The run upserts what it found as pending rows, in one transaction; rows already emailed
   are left as they are, and unsent rows of the month the run no longer finds are withdrawn.
2. Per recipient, one transaction locks their outstanding rows with `for update skip
   locked`, sends, and records each channel's outcome before it commits. A second run at
   the same time skips the locked rows, so the two never both send them. A send that fails
   is recorded as failed and retried by the next run; a channel that succeeded is not
   repeated (email sent, Teams failed: the next run posts the card only). A crash before
   the commit rolls back to pending, so the next run sends: nothing is lost.
The one window for a duplicate is a crash after the SMTP server accepted the message and
before the commit that follows it (a few milliseconds). The resend then carries the same
Message-ID, which mail systems use to drop duplicates. We chose this over the alternative
(commit "sending" first, never resend), which would lose the alert instead.

A dry run goes through the same steps on a temporary copy of the log, rolled back at the
end, and reports what it would send.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from schemas.alert_rules import AlertRules, load_rules
from schemas.settings import Settings
from tasks import db
from tasks.alert.compose import compose, message_id
from tasks.alert.find import Variance, find_variances
from tasks.alert.route import Recipient, route, where_to_look
from tasks.notify import NotificationError, post_teams, send_email

log = logging.getLogger("prodpack.alert")


_OUTSTANDING = ("withdrawn_at is null"
                " and (email_status <> 'sent' or teams_status in ('pending', 'failed'))"
                " and not (period = %(month)s and org_code = any(%(blocked)s::text[]))"
                " and (%(orgs)s::text[] is null or org_code = any(%(orgs)s::text[]))")


def _sql(name: str) -> str:
    """A statement of sql/alert/; its {table} is the log it runs on (ops.alert_log, or a dry
    run's copy), filled in with str.format."""
    return resources.files("sql").joinpath("alert", name).read_text(encoding="utf-8")


_RECORD_FOUND = _sql("record_found.sql")
_WITHDRAW_UNFOUND = _sql("withdraw_unfound.sql")
_RECORD_OUTCOME = _sql("record_outcome.sql")


def _record(conn, table: str, month: str, blocked: list[str], orgs: list[str] | None,
            routed: dict[Recipient, list[Variance]], teams_configured: bool) -> dict:
    """Upsert what the run found; withdraw unsent rows of the month it no longer finds."""
    found = [{"rule": v.rule, "org_code": v.org_code, "level": v.level, "node": v.node,
              "period": v.period, "time_window": v.time_window, "recipient": r.email,
              "recipient_name": r.name, "lead_of": v.lead_of, "variance": v.as_json()}
             for r, vs in routed.items() for v in vs]
    params = {"found": json.dumps(found), "month": month, "blocked": blocked, "orgs": orgs,
              "teams": "pending" if teams_configured else "not_configured"}
    conn.execute("""
        create temp table alert_found on commit drop as
        select * from jsonb_to_recordset(%(found)s::jsonb) as f (
            rule text, org_code text, level text, node text, period text, time_window text,
            recipient text, recipient_name text, lead_of text, variance jsonb);
        """, params)
    already_sent = conn.execute(f"""
        select count(*) from {table} l
        join alert_found f using (rule, org_code, level, node, period)
        where l.email_status = 'sent'""").fetchone()[0]
    conn.execute(_RECORD_FOUND.format(table=table), params)
    withdrawn = conn.execute(_WITHDRAW_UNFOUND.format(table=table), params).rowcount
    held = conn.execute(f"""
        select count(*) from {table}
        where period = %(month)s and org_code = any(%(blocked)s::text[])
          and (%(orgs)s::text[] is null or org_code = any(%(orgs)s::text[]))
          and withdrawn_at is null and email_status <> 'sent'""", params).fetchone()[0]
    return {"skipped_already_sent": already_sent, "withdrawn": withdrawn,
            "held_blocked": held}


def _claim(conn, table: str, recipient: str, month: str, blocked: list[str],
           orgs: list[str] | None) -> list[dict]:
    cursor = conn.execute(f"""
        select alert_id, recipient, recipient_name, variance, email_status, teams_status
        from {table}
        where recipient = %(recipient)s and {_OUTSTANDING}
        order by period, alert_id
        for update skip locked""",
        {"recipient": recipient, "month": month, "blocked": blocked, "orgs": orgs})
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def _deliver(settings: Settings, rows: list[dict], dry_run: bool) -> dict:
    """Send what each channel still owes for these rows; return each channel's outcome."""
    recipient = Recipient(rows[0]["recipient"], rows[0]["recipient_name"])
    by_channel = {
        "email": [r for r in rows if r["email_status"] != "sent"],
        "teams": [r for r in rows if r["teams_status"] in ("pending", "failed")],
    }
    outcome: dict = {"to": recipient.email, "name": recipient.name, "errors": []}
    for channel, owed in by_channel.items():
        if not owed:
            outcome[channel] = {"status": None, "ids": []}
            continue
        message = compose(recipient, [Variance.from_json(r["variance"]) for r in owed],
                          settings.base_year)
        ids = [r["alert_id"] for r in owed]
        outcome.setdefault("subject", message.subject)
        outcome.setdefault("alerts", len(message.variances))
        outcome.setdefault("text", message.text)
        if channel == "teams" and settings.teams_webhook_url is None:
            outcome[channel] = {"status": "not_configured", "ids": ids}
            continue
        if dry_run:
            outcome[channel] = {"status": "would send", "ids": ids}
            continue
        try:
            if channel == "email":
                send_email(settings, [recipient.email], message.subject, message.text,
                           message.html, message_id=message_id(settings, ids))
            else:
                post_teams(settings, message.subject, f"For {recipient.name}",
                           [(v.place, f"{v.message}. Trend: {v.trend}.")
                            for v in message.variances])
            outcome[channel] = {"status": "sent", "ids": ids}
        except NotificationError as err:
            outcome[channel] = {"status": "failed", "ids": ids}
            outcome["errors"].append(f"{channel}: {err}")
    return outcome


def _mark(conn, table: str, rows: list[dict], outcome: dict) -> None:
    email, teams = outcome["email"], outcome["teams"]
    conn.execute(_RECORD_OUTCOME.format(table=table), {
        "ids": [r["alert_id"] for r in rows],
        "email_ids": email["ids"], "email": email["status"],
        "teams_ids": teams["ids"], "teams": teams["status"],
        "error": "; ".join(outcome["errors"]) or None})


def _dry_run_copy(conn) -> str:
    """A private copy of the log for a dry run: the same steps, nothing kept, no lock taken
    on the real log that a concurrent run would have to skip."""
    conn.execute("create temp table alert_log_dry_run (like ops.alert_log including all)"
                 " on commit drop")
    conn.execute("insert into alert_log_dry_run overriding system value"
                 " select * from ops.alert_log")
    conn.execute("select setval(pg_get_serial_sequence('alert_log_dry_run', 'alert_id'),"
                 " coalesce((select max(alert_id) from alert_log_dry_run), 0) + 1, false)")
    return "alert_log_dry_run"


def send_alerts(eng: Engine, settings: Settings, month: str, blocked_orgs: list[str],
                reports_dir: Path, dry_run: bool = False,
                rules: AlertRules | None = None, orgs: list[str] | None = None) -> dict:
    """Find, route, record and send the month's alerts (and any a previous run could not
    send) of `orgs` (None: every org; a region's close sends each trust's in its own run);
    return what was sent, failed, skipped or, in a dry run, would be sent."""
    rules = rules if rules is not None else load_rules(settings.alert_rules_file)
    blocked = sorted(blocked_orgs)
    orgs = sorted(orgs) if orgs is not None else None
    variances = find_variances(eng, rules, month, blocked, orgs)
    routed = {recipient: [replace(v, where_to_look=where_to_look(Path(reports_dir), v))
                          for v in vs]
              for recipient, vs in route(eng, variances).items()}
    routed_keys = {v.key for vs in routed.values() for v in vs}
    unrouted = [v for v in variances if v.key not in routed_keys]
    for v in unrouted:
        log.warning("no lead in owners.csv for %s or any node above it: %s not sent",
                    v.place, v.rule)

    summary = {"month": month, "dry_run": dry_run, "variances": len(variances),
               "unrouted": [{"rule": v.rule, "org_code": v.org_code, "level": v.level,
                             "node": v.node} for v in unrouted],
               "sent": [], "failed": [], "would_send": []}
    with db.psycopg_connection(eng) as conn:
        table = _dry_run_copy(conn) if dry_run else "ops.alert_log"
        summary |= _record(conn, table, month, blocked, orgs, routed,
                           settings.teams_webhook_url is not None)
        if not dry_run:
            conn.commit()
        recipients = [r[0] for r in conn.execute(
            f"select distinct recipient from {table} where {_OUTSTANDING} order by 1",
            {"month": month, "blocked": blocked, "orgs": orgs})]
        if not dry_run and settings.smtp_host is None and settings.teams_webhook_url is None:
            # Nowhere to send (the embedded demo, a new install): hold them pending, untried,
            # rather than log a failure per recipient; they go once a channel is configured.
            summary["held_unconfigured"] = len(recipients)
            recipients = []
        for recipient in recipients:
            rows = _claim(conn, table, recipient, month, blocked, orgs)
            if not rows:
                continue   # a concurrent run holds them and is sending them now
            outcome = _deliver(settings, rows, dry_run)
            entry = {"to": outcome["to"], "subject": outcome["subject"],
                     "alerts": outcome["alerts"], "email": outcome["email"]["status"],
                     "teams": outcome["teams"]["status"]}
            if dry_run:
                summary["would_send"].append({**entry, "text": outcome["text"]})
                continue
            _mark(conn, table, rows, outcome)
            conn.commit()
            if outcome["errors"]:
                summary["failed"].append({**entry, "error": "; ".join(outcome["errors"])})
            else:
                summary["sent"].append(entry)
        if dry_run:
            conn.rollback()
    return summary
