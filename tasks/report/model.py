"""What a trust's reports show for a month, read from the mart in a handful of set-based
queries per report month (every org at once, sql/report/*.sql): the data model the sheets
draw, and the fingerprint of its figures.

Every figure comes on two bases (METHODOLOGY.md, "Two comparisons"): against the same months
of the base year (BASE) and of last year (PRIOR, NHS England's measure). A lookup names its
basis; left out, it is the base year's, as the reports showed before the second lens."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import resources

from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks import db
from tasks.months import add_months, month_date, month_label
from tasks.quality.checks import checks
from tasks.report.style import SEVERITY_LABEL

BASE, PRIOR = "base_year", "prior_year"

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
    year_on_year_target: float                            # NHS England's +2%, as configured
    rows: dict[tuple[str, str, str, str], dict] = field(default_factory=dict)  # basis first
    trend: list[dict] = field(default_factory=list)       # month window, months 1..m, each basis
    ranks: dict[tuple[str, str], dict] = field(default_factory=dict)  # by basis, time window
    indicators: list[dict] = field(default_factory=list)  # ytd, trust to directorate, each basis
    # NHS England's own published year-to-date estimate for the trust, where loaded as peers.
    published: dict | None = None
    dq_notes: list[DQNote] = field(default_factory=list)
    dq_run_id: str | None = None
    # Year-to-date services by direction ('adverse', 'favourable'), largest first, as
    # mart.service_opportunity_rank ranks them: the one home of that ranking.
    ranked_services: dict[str, list[str]] = field(default_factory=dict)
    # Signal or noise (METHODOLOGY.md): each node's SPC reading by (basis, measure, level,
    # node); the charted points of the trust, groups and directorates, oldest first; and the
    # words for a reading, as mart.label has them.
    spc: dict[tuple[str, str, str, str], dict] = field(default_factory=dict)
    spc_points: dict[tuple[str, str, str, str], list[dict]] = field(default_factory=dict)
    spc_labels: dict[tuple[str, str], str] = field(default_factory=dict)
    # What moved it (METHODOLOGY.md): each year-to-date index's components by (basis, level,
    # node, side), largest effect first, each with its words; the files behind the month's
    # figures (the latest calculation's lineage); and the figures revised since last month's
    # report by more than 0.1 percentage point (sql/report/revisions.sql says which).
    drivers: dict[tuple[str, str, str, str], list[dict]] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)
    revisions: list[dict] = field(default_factory=list)

    # periods, in words ----------------------------------------------------------------
    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def last_year(self) -> str:
        """The financial year before this one, '2023/24': what the prior-year lens compares with."""
        start = int(self.financial_year[:4]) - 1
        return f"{start}/{(start + 1) % 100:02d}"

    def lens_label(self, basis: str) -> str:
        return f"against {self.base_year}" if basis == BASE else "against last year"

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
    def row(self, window: str, level: str, node: str, basis: str = BASE) -> dict | None:
        return self.rows.get((basis, window, level, node))

    def trust(self, window: str, basis: str = BASE) -> dict:
        return self.rows.get((basis, window, "trust", self.org_code)) or {}

    def rank(self, window: str, basis: str = BASE) -> dict | None:
        return self.ranks.get((basis, window))

    def nodes(self, window: str, level: str, *, clinical_group: str | None = None,
              directorate: str | None = None, basis: str = BASE) -> list[dict]:
        found = [r for (b, w, lvl, _), r in self.rows.items()
                 if b == basis and w == window and lvl == level
                 and (clinical_group is None or r["clinical_group"] == clinical_group)
                 and (directorate is None or r["directorate"] == directorate)]
        return sorted(found, key=lambda r: r["node"].lower())

    def largest_services(self, direction: str, count: int) -> list[dict]:
        """The year-to-date service rows furthest above ('adverse') or below ('favourable')
        what base-year productivity would need, largest first."""
        return [self.rows[(BASE, "ytd", "service", node)]
                for node in self.ranked_services.get(direction, [])[:count]]

    def clinical_groups(self) -> list[str]:
        return [r["node"] for r in self.nodes("ytd", "clinical_group")]

    def services_under(self, level: str, node: str) -> set[str]:
        if level == "trust":
            return {r["node"] for r in self.nodes("ytd", "service")}
        if level == "service":
            return {node}
        key = "clinical_group" if level == "clinical_group" else "directorate"
        return {r["node"] for r in self.nodes("ytd", "service", **{key: node})}

    def trend_of(self, level: str, node: str, basis: str = BASE) -> list[dict]:
        return [t for t in self.trend
                if t["basis"] == basis and t["level"] == level and t["node"] == node]

    # signal or noise ----------------------------------------------------------------------
    def spc_reading(self, level: str, node: str, measure: str = "ip_cost",
                    basis: str = BASE) -> dict | None:
        return self.spc.get((basis, measure, level, node))

    def spc_series(self, level: str, node: str, measure: str = "ip_cost",
                   basis: str = BASE) -> list[dict]:
        return self.spc_points.get((basis, measure, level, node), [])

    def spc_label(self, kind: str, code: str | None) -> str | None:
        return self.spc_labels.get((kind, code)) if code else None

    # what moved it ------------------------------------------------------------------------
    def drivers_of(self, level: str, node: str, side: str, basis: str = BASE) -> list[dict]:
        return self.drivers.get((basis, level, node, side), [])

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


def _plain(record: dict) -> dict:
    """Decimals as floats (the nearest double to the mart's numeric); everything else as is."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}


def _query(name: str) -> str:
    """A report query of sql/report/, named for what it answers."""
    return resources.files("sql").joinpath("report", f"{name}.sql").read_text(encoding="utf-8")


def _fetch(conn, sql: str, params) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c.name for c in cursor.description]
    return [_plain(dict(zip(names, row))) for row in cursor]


def load_month(eng: Engine, settings: Settings, month: str, orgs: list[str] | None = None
               ) -> dict[str, OrgData]:
    """Every figure the reports of a month show, for the given orgs (None: all calculated)."""
    with db.psycopg_connection(eng) as conn:
        trusts = _fetch(conn, _query("trusts_calculated"), {"month": month, "orgs": orgs})
        if not trusts:
            return {}
        params = {"month": month, "orgs": [t["org_code"] for t in trusts],
                  "year": trusts[0]["financial_year"], "fin_month": trusts[0]["fin_month"]}
        rows = _fetch(conn, _query("figures"), params)
        trend = _fetch(conn, _query("month_trend"), params)
        ranks = _fetch(conn, _query("peer_ranks"), params)
        indicators = _fetch(conn, _query("efficiency_indicators"), params)
        dq = _fetch(conn, _query("dq_notes"), params)
        largest = _fetch(conn, _query("largest_services"), params)
        published = _fetch(conn, _query("published"), params)
        spc = _fetch(conn, _query("spc_readings"), params)
        points = _fetch(conn, _query("spc_points"), params)
        labels = {(r["kind"], r["code"]): r["label"]
                  for r in _fetch(conn, _query("spc_labels"), None)}
        drivers = _fetch(conn, _query("drivers"), params)
        sources = _fetch(conn, _query("sources"), params)
        revisions = _fetch(conn, _query("revisions"), params)

    data = {t["org_code"]: OrgData(org_code=t["org_code"], org_name=t["org_name"], month=month,
                                   financial_year=t["financial_year"], fin_month=t["fin_month"],
                                   base_year=settings.base_year,
                                   year_on_year_target=settings.year_on_year_target,
                                   spc_labels=labels)
            for t in trusts}
    for r in rows:
        data[r["org_code"]].rows[(r["basis"], r["time_window"], r["level"], r["node"])] = r
    for t in trend:
        data[t["org_code"]].trend.append(t)
    for r in ranks:
        data[r["org_code"]].ranks[(r["basis"], r["time_window"])] = r
    for p in published:
        data[p["org_code"]].published = p
    for i in indicators:
        data[i["org_code"]].indicators.append(i)
    for r in largest:
        data[r["org_code"]].ranked_services.setdefault(r["direction"], []).append(r["node"])
    for r in spc:
        data[r["org_code"]].spc[(r["basis"], r["measure"], r["level"], r["node"])] = r
    for p in points:   # oldest first, as the query orders them
        data[p["org_code"]].spc_points.setdefault(
            (p["basis"], p["measure"], p["level"], p["node"]), []).append(p)
    for d in drivers:   # largest effect first, as the query orders them
        data[d["org_code"]].drivers.setdefault(
            (d["basis"], d["level"], d["node"], d["side"]), []).append(d)
    for s in sources:
        data[s["org_code"]].sources.append(s)
    for r in revisions:
        data[r["org_code"]].revisions.append(r)
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


def load_org(eng: Engine, settings: Settings, org_code: str, month: str) -> OrgData:
    """One trust's figures for the month; a trust not calculated is an error."""
    data = load_month(eng, settings, month, [org_code]).get(org_code)
    if data is None:
        raise LookupError(f"the mart has no figures for {org_code} in {month}: calculate it first")
    return data


def load_asked(eng: Engine, settings: Settings, month: str, orgs: list[str] | None
               ) -> dict[str, OrgData]:
    """load_month, where a trust asked for by name and not calculated is an error."""
    loaded = load_month(eng, settings, month, orgs)
    missing = sorted(set(orgs or ()) - set(loaded))
    if missing:
        # Asked for by name yet not calculated: publishing the others quietly would hide it.
        raise LookupError(f"the mart has no figures for {', '.join(missing)} in {month}: "
                          "calculate the month first")
    return loaded


def figures_sha256(data: OrgData) -> str:
    """SHA-256 of everything a trust's reports show: the same figures, names and notes give
    the same digest on any day (the .xlsx bytes carry the day they were produced)."""
    shown = {
        "org": [data.org_code, data.org_name, data.month, data.base_year,
                data.year_on_year_target],
        # Both bases: a change in last year's figures alone is news too.
        "rows": [data.rows[k] for k in sorted(data.rows)],
        "trend": data.trend, "ranks": [data.ranks[k] for k in sorted(data.ranks)],
        "indicators": data.indicators, "published": data.published,
        # The data-quality run's id changes every run; its notes are what the report shows.
        "dq": [{**asdict(n), "services": sorted(n.services)} for n in data.dq_notes],
        # The SPC reading, the points the charts draw and the words they are read in.
        "spc": [data.spc[k] for k in sorted(data.spc)],
        "spc_points": [data.spc_points[k] for k in sorted(data.spc_points)],
        "spc_labels": sorted(data.spc_labels.items()),
        # What moved it, the files behind the figures and the revisions listed.
        "drivers": [data.drivers[k] for k in sorted(data.drivers)],
        "sources": data.sources, "revisions": data.revisions,
    }
    canonical = json.dumps(shown, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()

