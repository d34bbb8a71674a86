"""Report: the monthly executive report per trust and the quarterly productivity pack per
clinical group, as Excel workbooks under <reports>/<YYYY-MM>/ (INTERFACE.md).

The figures are read from the mart in a handful of set-based queries per report month
(every org at once) and written unchanged; this module reads, report_executive.py and
report_pack.py lay out, report_style.py holds the look.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db, report_executive, report_pack
from tasks.months import add_months, is_quarter_end, month_date, month_label
from tasks.quality.checks import checks
from tasks.report_style import (
    SEVERITY_LABEL,
    pounds_words,
    signed_percent,
    slug,
)

ADVERSE_SHOWN = 5


# --- what a report reads ---------------------------------------------------------------

@dataclass(frozen=True)
class DQNote:
    """One data-quality check that did not pass, with the services its findings name."""

    check_name: str
    title: str
    severity: str
    outcome: str
    message: str
    findings: list[dict]
    services: frozenset[str]        # empty: the note is about the trust's figures as a whole

    def findings_for(self, services: set[str]) -> list[dict]:
        return [f for f in self.findings if f.get("service") in services]


@dataclass
class OrgData:
    """Everything one trust's reports for one month show, read from the mart."""

    org_code: str
    org_name: str
    month: str
    financial_year: str
    fin_month: int
    base_year: str
    rows: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    trend: list[dict] = field(default_factory=list)       # month window, months 1..m
    ranks: dict[str, dict] = field(default_factory=dict)  # by time window
    indicators: list[dict] = field(default_factory=list)  # ytd, trust to directorate
    dq_notes: list[DQNote] = field(default_factory=list)
    dq_run_id: str | None = None

    # periods, in words ----------------------------------------------------------------
    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def quarter(self) -> int:
        return (self.fin_month - 1) // 3 + 1

    def span_label(self, window: str) -> str:
        """'April to June 2024': the months a window holds."""
        last = month_date(self.month)
        first_fin_month = {"month": self.fin_month, "ytd": 1,
                           "quarter": (self.quarter - 1) * 3 + 1}[window]
        back = self.fin_month - first_fin_month
        first = add_months(last, -back)
        if first == last:
            return last.strftime("%B %Y")
        if first.year == last.year:
            return f"{first:%B} to {last:%B %Y}"
        return f"{first:%B %Y} to {last:%B %Y}"

    # the hierarchy -------------------------------------------------------------------
    def row(self, window: str, level: str, node: str) -> dict | None:
        return self.rows.get((window, level, node))

    def trust(self, window: str) -> dict:
        return self.rows.get((window, "trust", self.org_code)) or {}

    def nodes(self, window: str, level: str, *, clinical_group: str | None = None,
              directorate: str | None = None) -> list[dict]:
        found = [r for (w, lvl, _), r in self.rows.items() if w == window and lvl == level
                 and (clinical_group is None or r["clinical_group"] == clinical_group)
                 and (directorate is None or r["directorate"] == directorate)]
        return sorted(found, key=lambda r: r["node"].lower())

    def clinical_groups(self) -> list[str]:
        return [r["node"] for r in self.nodes("ytd", "clinical_group")]

    def services_under(self, level: str, node: str) -> set[str]:
        if level == "trust":
            return {r["node"] for r in self.nodes("ytd", "service")}
        if level == "service":
            return {node}
        key = "clinical_group" if level == "clinical_group" else "directorate"
        return {r["node"] for r in self.nodes("ytd", "service", **{key: node})}

    def trend_of(self, level: str, node: str) -> list[dict]:
        return [t for t in self.trend if t["level"] == level and t["node"] == node]

    # data quality beside the figures -------------------------------------------------
    def notes_touching(self, level: str, node: str) -> list[DQNote]:
        """Trust figures are touched by every note; a node below, by notes naming its services."""
        if level == "trust":
            return list(self.dq_notes)
        services = self.services_under(level, node)
        return [n for n in self.dq_notes if n.services & services]

    def trust_wide_notes(self) -> list[DQNote]:
        return [n for n in self.dq_notes if not n.services]

    def notes_text(self, row: dict) -> str:
        """The Notes column: why a figure is n/a, and which data-quality notes touch it."""
        parts = []
        if row.get("null_reason"):
            parts.append(f"n/a: {row['null_reason']}.")
        notes = [n for n in self.notes_touching(row["level"], row["node"])
                 # on a trust row, say only what is about the trust as a whole
                 if row["level"] != "trust" or not n.services]
        if notes:
            parts.append("Data quality: " + "; ".join(
                f"{n.title[0].lower()}{n.title[1:]} ({SEVERITY_LABEL[n.severity].lower()})"
                for n in notes) + ".")
        return " ".join(parts)


_NUMERIC = (Decimal, float, int)


def _plain(record: dict) -> dict:
    """Decimals as floats (the nearest double to the mart's numeric); everything else as is."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}


def _fetch(conn, sql: str, params) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c.name for c in cursor.description]
    return [_plain(dict(zip(names, row))) for row in cursor]


def load_month(eng: Engine, settings: Settings, month: str, orgs: list[str] | None = None
               ) -> dict[str, OrgData]:
    """Every figure the reports of a month show, for the given orgs (None: all calculated)."""
    with db.psycopg_connection(eng) as conn:
        trusts = _fetch(conn, """
            select org_code, org_name, financial_year, fin_month
            from mart.implied_productivity_report
            where period = %(month)s and level = 'trust' and time_window = 'ytd'
              and (%(orgs)s::text[] is null or org_code = any(%(orgs)s::text[]))
            order by org_code""", {"month": month, "orgs": orgs})
        if not trusts:
            return {}
        params = {"month": month, "orgs": [t["org_code"] for t in trusts],
                  "year": trusts[0]["financial_year"], "fin_month": trusts[0]["fin_month"]}
        rows = _fetch(conn, """
            select org_code, time_window, level, node, parent_level, parent_node,
                   clinical_group, directorate, cwa_base, cwa_current, cost_base, cost_current,
                   cost_current_nominal, wte_base, wte_current, activity_index, cost_index,
                   wte_index, ip_cost, ip_wte, cost_opportunity, wte_opportunity,
                   cost_opportunity_current_prices, unpriced_activity, null_reason
            from mart.implied_productivity
            where period = %(month)s and org_code = any(%(orgs)s)""", params)
        # The month window of each month so far this year: each month's own calculation.
        trend = _fetch(conn, """
            select org_code, period, fin_month, level, node, activity_index, cost_index,
                   wte_index, ip_cost, ip_wte
            from mart.implied_productivity
            where org_code = any(%(orgs)s) and time_window = 'month' and level <> 'service'
              and financial_year = %(year)s and fin_month <= %(fin_month)s
            order by fin_month""", params)
        ranks = _fetch(conn, """
            select org_code, time_window, rank, peer_count, rank_label
            from mart.peer_rank_report
            where period = %(month)s and org_code = any(%(orgs)s)""", params)
        indicators = _fetch(conn, """
            select org_code, level, node, indicator, indicator_label, indicator_sort,
                   base_value, current_value, change
            from mart.efficiency_indicator_report
            where period = %(month)s and org_code = any(%(orgs)s) and time_window = 'ytd'
              and level <> 'service'
            order by level, node, indicator_sort""", params)
        # The latest data-quality run of each org for the month decides: an older run's
        # warnings, since fixed, are not news.
        dq = _fetch(conn, """
            with latest as (
                select distinct on (org_code) org_code, run_id
                from ops.dq_result
                where period = %(month)s and org_code = any(%(orgs)s)
                order by org_code, checked_at desc
            )
            select d.org_code, d.run_id, d.check_name, d.severity, d.outcome, d.message,
                   d.findings
            from ops.dq_result d join latest using (org_code, run_id)
            where d.period = %(month)s and d.outcome <> 'pass'
            order by d.org_code,
                     array_position(array['error', 'warn', 'info'], d.severity), d.check_name
            """, params)

    data = {t["org_code"]: OrgData(org_code=t["org_code"], org_name=t["org_name"], month=month,
                                   financial_year=t["financial_year"], fin_month=t["fin_month"],
                                   base_year=settings.base_year) for t in trusts}
    for r in rows:
        data[r["org_code"]].rows[(r["time_window"], r["level"], r["node"])] = r
    for t in trend:
        data[t["org_code"]].trend.append(t)
    for r in ranks:
        data[r["org_code"]].ranks[r["time_window"]] = r
    for i in indicators:
        data[i["org_code"]].indicators.append(i)
    titles = {c.name: c.title for c in checks()}
    for d in dq:
        org = data[d["org_code"]]
        org.dq_run_id = d["run_id"]
        org.dq_notes.append(_note(d, titles, {r["node"] for r in org.nodes("ytd", "service")}))
    return data


def _note(result: dict, titles: dict[str, str], services: set[str]) -> DQNote:
    """A check result, its findings tagged with the service each names (if any).

    Service-level checks put the service first in a finding's code ('Cardiology cost vs the
    month before', or just 'Cardiology'); the longest service name that fits wins, so
    'General Surgery' is not read as 'Surgery'."""
    by_length = sorted(services, key=len, reverse=True)
    findings = []
    for finding in result["findings"] or []:
        code = str(finding.get("code") or "")
        named = next((s for s in by_length if code == s or code.startswith(f"{s} ")), None)
        findings.append({**finding, "service": named})
    return DQNote(check_name=result["check_name"],
                  title=titles.get(result["check_name"], result["check_name"]),
                  severity=result["severity"], outcome=result["outcome"],
                  message=result["message"], findings=findings,
                  services=frozenset(f["service"] for f in findings if f["service"]))


def _one(eng: Engine, settings: Settings, org_code: str, month: str) -> OrgData:
    data = load_month(eng, settings, month, [org_code]).get(org_code)
    if data is None:
        raise LookupError(f"the mart has no figures for {org_code} in {month}: calculate it first")
    return data


def figures_sha256(data: OrgData) -> str:
    """SHA-256 of everything a trust's reports show: the same figures, names and notes give
    the same digest on any day (the .xlsx bytes carry the day they were produced)."""
    shown = {
        "org": [data.org_code, data.org_name, data.month, data.base_year],
        "rows": sorted(data.rows.values(), key=lambda r: (r["time_window"], r["level"], r["node"])),
        "trend": data.trend, "ranks": data.ranks, "indicators": data.indicators,
        # The data-quality run's id changes every run; its notes are what the report shows.
        "dq": [{**asdict(n), "services": sorted(n.services)} for n in data.dq_notes],
    }
    canonical = json.dumps(shown, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the public API ----------------------------------------------------------------------

def executive_report_path(out_dir: Path, org_code: str, month: str) -> Path:
    return Path(out_dir) / month / f"executive_report_{org_code}_{month}.xlsx"


def pack_path(out_dir: Path, org_code: str, clinical_group: str, month: str) -> Path:
    return Path(out_dir) / month / f"productivity_pack_{org_code}_{slug(clinical_group)}_{month}.xlsx"


def write_executive_report(eng: Engine, settings: Settings, org_code: str, month: str,
                           out_dir: Path) -> Path:
    """The monthly executive report of one trust, under out_dir/<month>/."""
    data = _one(eng, settings, org_code, month)
    return report_executive.write(data, executive_report_path(out_dir, org_code, month))


def write_pack(eng: Engine, settings: Settings, org_code: str, clinical_group: str, month: str,
               out_dir: Path) -> Path:
    """The productivity pack of one clinical group, under out_dir/<month>/."""
    data = _one(eng, settings, org_code, month)
    if clinical_group not in data.clinical_groups():
        raise LookupError(f"{org_code} has no clinical group {clinical_group!r} in {month}")
    return report_pack.write(data, clinical_group,
                             pack_path(out_dir, org_code, clinical_group, month))


def write_reports(eng: Engine, settings: Settings, month: str, out_dir: Path,
                  orgs: list[str] | None, packs: bool | None = None) -> list[dict]:
    """Each org's executive report and, at quarter-end (or when packs is True), a pack per
    clinical group. orgs None: every org calculated for the month."""
    return _write_loaded(_load_for(eng, settings, month, orgs), month, out_dir, packs)


def _load_for(eng: Engine, settings: Settings, month: str, orgs: list[str] | None
              ) -> dict[str, OrgData]:
    loaded = load_month(eng, settings, month, orgs)
    missing = sorted(set(orgs or ()) - set(loaded))
    if missing:
        # Asked for by name yet not calculated: publishing the others quietly would hide it.
        raise LookupError(f"the mart has no figures for {', '.join(missing)} in {month}: "
                          "calculate the month first")
    return loaded


def _write_loaded(loaded: dict[str, OrgData], month: str, out_dir: Path, packs: bool | None
                  ) -> list[dict]:
    with_packs = is_quarter_end(month) if packs is None else packs
    written = []
    for org_code, data in loaded.items():
        written.append({"org_code": org_code, "kind": "executive", "clinical_group": None,
                        "path": report_executive.write(
                            data, executive_report_path(out_dir, org_code, month)),
                        "figures_sha256": figures_sha256(data)})
        if with_packs:
            for group in data.clinical_groups():
                written.append({"org_code": org_code, "kind": "pack", "clinical_group": group,
                                "path": report_pack.write(
                                    data, group, pack_path(out_dir, org_code, group, month))})
    return written


# --- the email body and the run's artifact -------------------------------------------------

def headline(data: OrgData) -> dict:
    """The figures an executive reads first."""
    month, ytd = data.trust("month"), data.trust("ytd")
    rank = data.ranks.get("ytd")
    services = data.nodes("ytd", "service")
    adverse = sorted((s for s in services if (s["cost_opportunity"] or 0) > 0),
                     key=lambda s: -s["cost_opportunity"])
    return {
        "org_code": data.org_code, "org_name": data.org_name, "month": data.month,
        "month_ip_cost": month.get("ip_cost"), "month_ip_wte": month.get("ip_wte"),
        "ytd_ip_cost": ytd.get("ip_cost"), "ytd_ip_wte": ytd.get("ip_wte"),
        "ytd_rank": rank["rank_label"] if rank else None,
        "ytd_cost_opportunity": ytd.get("cost_opportunity"),
        "ytd_cost_opportunity_current_prices": ytd.get("cost_opportunity_current_prices"),
        "ytd_wte_opportunity": ytd.get("wte_opportunity"),
        "adverse_services": adverse[:ADVERSE_SHOWN],
        "dq_notes": len(data.dq_notes),
    }


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
    return executive_email_of(_one(eng, settings, org_code, month))


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
        ("Rank among peers (cost)", (data.ranks.get("month") or {}).get("rank_label") or "n/a",
         h["ytd_rank"] or "n/a"),
    ]
    opportunity = _opportunity_words(h["ytd_cost_opportunity"], h["ytd_wte_opportunity"])
    adverse = [f"{s['node']} ({signed_percent(s['ip_cost'])}, "
               f"{pounds_words(s['cost_opportunity'])} above baseline need)"
               for s in h["adverse_services"][:3]]
    attachment = executive_report_path(Path("."), data.org_code, data.month).name
    dq = (f"{h['dq_notes']} data-quality note(s) this month; each is shown beside the figures "
          "it touches." if h["dq_notes"] else "No data-quality warnings this month.")

    text = "\n".join(
        [f"{name}: implied productivity, {data.month_label}, against {data.base_year}", ""]
        + [f"{label}: month {m}, year to date ({ytd_span}) {y}" for label, m, y in figures]
        + [f"Cost opportunity, year to date: {opportunity}."]
        + ([f"Largest adverse services: {'; '.join(adverse)}."] if adverse else [])
        + [dq, "", f"The full report is attached: {attachment}"])

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
        f"of {html.escape(data.base_year)}</p>"
        "<table style='border-collapse:collapse'>"
        f"<tr><th style='{head}'></th><th style='{head}'>{html.escape(data.month_label)}</th>"
        f"<th style='{head}'>Year to date ({html.escape(ytd_span)})</th></tr>{rows}</table>"
        f"<p>Cost opportunity, year to date: {html.escape(opportunity)}.</p>"
        + (("<p>Largest adverse services:</p><ul>"
            + "".join(f"<li>{html.escape(a)}</li>" for a in adverse) + "</ul>") if adverse else "")
        + f"<p style='color:#425563'>{html.escape(dq)}</p>"
        f"<p>The full report is attached: <b>{html.escape(attachment)}</b></p></div>")
    return subject, text, body


def pounds(value: float | None) -> str:
    return "n/a" if value is None else f"{'-' if value < 0 else ''}£{abs(value):,.0f}"


def reports_markdown(month: str, written: list[dict], headlines: list[dict]) -> str:
    """The run's artifact: each trust's headline figures and links to its files."""
    lines = [f"# Reports for {month_label(month)}", "",
             ("| Trust | IPc month | IPc YTD | IPw month | IPw YTD | Rank YTD | "
             "Cost opportunity YTD | WTE opportunity YTD |"),
             "|---|---:|---:|---:|---:|---|---:|---:|"]
    for h in headlines:
        opportunity, wte = h["ytd_cost_opportunity"], h["ytd_wte_opportunity"]
        lines.append(
            f"| {h['org_code']} | {signed_percent(h['month_ip_cost'])} | "
            f"{signed_percent(h['ytd_ip_cost'])} | {signed_percent(h['month_ip_wte'])} | "
            f"{signed_percent(h['ytd_ip_wte'])} | {h['ytd_rank'] or 'n/a'} | "
            f"{pounds(opportunity)} | "
            f"{'n/a' if wte is None else f'{wte:,.1f}'} |")
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
    loaded = _load_for(eng, settings, month, orgs)
    written = _write_loaded(loaded, month, out_dir, packs)
    headlines = [headline(data) for data in loaded.values()]
    create_markdown_artifact(
        key=f"reports-{month}", markdown=reports_markdown(month, written, headlines),
        description=f"Implied productivity reports for {month_label(month)}")
    return written
