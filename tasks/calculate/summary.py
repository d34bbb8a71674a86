"""The headline of a calculated month per trust: what the close prints and the flows return."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import Engine

from tasks import db


def _sql() -> str:
    return resources.files("sql").joinpath("calc", "trust_headline.sql").read_text(encoding="utf-8")


def trust_summary(eng: Engine, month: str, adverse_services: int = 5) -> list[dict]:
    """Per org: IPc and IPw for the month and YTD against the base year, the YTD peer rank,
    the largest adverse services by YTD cost opportunity (mart.service_opportunity_rank ranks
    them), and under `prior_year` the same figures against last year."""
    with db.psycopg_connection(eng) as conn:
        cursor = conn.execute(_sql(), (month,))
        columns = [c.name for c in cursor.description]
        lenses: dict[str, dict[str, dict]] = {}
        for row in cursor:
            figures = dict(zip(columns, row))
            org, basis = figures.pop("org_code"), figures.pop("basis")
            lenses.setdefault(org, {})[basis] = {
                k: v if k in ("comparison_year", "ytd_rank", "ytd_null_reason") else _float(v)
                for k, v in figures.items()}
        summaries = []
        for org, lens in lenses.items():
            adverse = conn.execute(
                "select node, ip_cost, cost_opportunity from mart.service_opportunity_rank"
                " where org_code = %s and period = %s and time_window = 'ytd'"
                " and basis = 'base_year' and direction = 'adverse' and rank <= %s order by rank",
                (org, month, adverse_services)).fetchall()
            summaries.append({
                "org_code": org, **lens.get("base_year", {}),
                "prior_year": lens.get("prior_year", {}),
                "adverse_services": [
                    {"node": n, "ip_cost": _float(ipc), "cost_opportunity": _float(opp)}
                    for n, ipc, opp in adverse],
            })
    return summaries


def _float(value) -> float | None:
    return None if value is None else float(value)


def lineage(eng: Engine, month: str) -> list[dict]:
    """Per trust, the files its latest calculation of the month read: name, SHA-256, when
    loaded (UK time), rows loaded and quarantined, the months it holds. The same query as the
    reports' Sources sheet (sql/report/sources.sql)."""
    sql = resources.files("sql").joinpath("report", "sources.sql").read_text(encoding="utf-8")
    with db.psycopg_connection(eng) as conn:
        cursor = conn.execute(sql, {"month": month, "orgs": trusts_calculated(eng, month)})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor]


def trusts_calculated(eng: Engine, month: str) -> list[str]:
    """The trusts with figures for the month."""
    with db.psycopg_connection(eng) as conn:
        return [r[0] for r in conn.execute(
            "select distinct org_code from mart.implied_productivity where period = %s"
            " order by 1", (month,))]
