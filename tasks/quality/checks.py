"""Data quality: the checks in sql/checks, run for a report month; errors gate publication.

Each check is one SQL file. Its header says its severity, title and the message a finance
analyst reads; its query returns one row per finding (org_code, code, value, unit, detail
and, optionally, a severity of its own where materiality decides). Results are stored per
check and org in ops.dq_result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db

SEVERITIES = ("info", "warn", "error")
OUTCOME = {"error": "fail", "warn": "warn", "info": "info"}
_HEADER = re.compile(r"^--\s*(severity|title|message):\s*(.+)$")
_CODES_SHOWN = 12


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    title: str
    message: str
    sql: str


def checks() -> list[Check]:
    """The catalogue: every sql/checks/*.sql, by name."""
    found = []
    for entry in sorted(resources.files("sql").joinpath("checks").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        sql = entry.read_text(encoding="utf-8")
        meta = dict(m.groups() for line in sql.splitlines() if (m := _HEADER.match(line.strip())))
        if meta.get("severity") not in SEVERITIES or "message" not in meta:
            raise ValueError(f"sql/checks/{entry.name}: needs '-- severity:' and '-- message:' lines")
        found.append(Check(entry.name[:-4], meta["severity"], meta.get("title", entry.name[:-4]),
                           meta["message"], sql))
    return found


def _parameters(settings: Settings, report_month: str, orgs: list[str] | None) -> dict:
    return {
        "report_month": date.fromisoformat(f"{report_month}-01"),
        "base_year": settings.base_year,
        "orgs": None if orgs is None else sorted(set(orgs)),
        "materiality_warn": settings.dq_materiality_warn,
        "materiality_error": settings.dq_materiality_error,
        "jump_bound": settings.dq_jump_bound,
        "cost_per_wte_ratio": settings.dq_cost_per_wte_ratio,
        "quarantine_rate": settings.dq_quarantine_rate,
    }


def _message(check: Check, findings: list[dict]) -> str:
    codes = ", ".join(f["code"] for f in findings[:_CODES_SHOWN])
    if len(findings) > _CODES_SHOWN:
        codes += f" and {len(findings) - _CODES_SHOWN} more"
    return check.message.format(count=len(findings), codes=codes)


def run_checks(eng: Engine, settings: Settings, report_month: str, run_id: str,
               orgs: list[str] | None = None) -> list[dict]:
    """Run every check for every org with data, or for those of `orgs` with data; store and
    return one result per (check, org).

    Each check reads only the report month's windows (core.checked_months) and only the orgs
    asked for, so a close fanned out per trust checks each trust at the cost of that trust.
    """
    parameters = _parameters(settings, report_month, orgs)
    results = []
    with db.psycopg_connection(eng) as conn:
        with_data = [r[0] for r in conn.execute(
            "select distinct org_code from ops.load_slice"
            " where %(orgs)s::text[] is null or org_code = any(%(orgs)s::text[]) order by 1",
            parameters)]
        for check in checks():
            cursor = conn.execute(check.sql, parameters)
            columns = [c.name for c in cursor.description]
            by_org: dict[str, list[dict]] = {org: [] for org in with_data}
            for row in cursor:
                finding = dict(zip(columns, row))
                finding["severity"] = finding.get("severity") or check.severity
                finding["value"] = None if finding["value"] is None else float(finding["value"])
                by_org.setdefault(finding.pop("org_code"), []).append(finding)
            for org, findings in by_org.items():
                worst = max((f["severity"] for f in findings), key=SEVERITIES.index, default=None)
                result = {
                    "run_id": run_id, "check_name": check.name, "title": check.title,
                    "org_code": org, "period": report_month,
                    "severity": worst or check.severity,
                    "outcome": OUTCOME[worst] if worst else "pass",
                    "finding_count": len(findings), "findings": findings,
                    "message": _message(check, findings) if findings else f"{check.title}: no findings",
                }
                results.append(result)
        with conn.cursor() as cur:
            cur.executemany(
                "insert into ops.dq_result (run_id, check_name, org_code, period, severity, outcome,"
                " finding_count, findings, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " on conflict (run_id, check_name, org_code) do update set severity = excluded.severity,"
                " outcome = excluded.outcome, finding_count = excluded.finding_count,"
                " findings = excluded.findings, message = excluded.message, checked_at = now()",
                [(r["run_id"], r["check_name"], r["org_code"], r["period"], r["severity"], r["outcome"],
                  r["finding_count"], json.dumps(r["findings"], default=str), r["message"])
                 for r in results])
    return results


def blocked_orgs(results: list[dict]) -> dict[str, list[str]]:
    """Orgs whose publication an error blocks, with the messages that say why."""
    blocked: dict[str, list[str]] = {}
    for r in results:
        if r["outcome"] == "fail":
            blocked.setdefault(r["org_code"], []).append(r["message"])
    return blocked
