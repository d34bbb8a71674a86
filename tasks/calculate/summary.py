"""The headline of a calculated month per trust: what the close prints and the flows return."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import Engine

from tasks import db


def _sql() -> str:
    return resources.files("sql").joinpath("calc", "trust_headline.sql").read_text(encoding="utf-8")


def trust_summary(eng: Engine, month: str, adverse_services: int = 5) -> list[dict]:
    """Per org: IPc and IPw for the month and YTD, the YTD peer rank, the largest adverse
    services by YTD cost opportunity (mart.service_opportunity_rank ranks them)."""
    with db.psycopg_connection(eng) as conn:
        trusts = conn.execute(_sql(), (month,)).fetchall()
        summaries = []
        for org, m_ipc, m_ipw, y_ipc, y_ipw, y_opp, y_wte_opp, rank in trusts:
            adverse = conn.execute(
                "select node, ip_cost, cost_opportunity from mart.service_opportunity_rank"
                " where org_code = %s and period = %s and time_window = 'ytd'"
                " and direction = 'adverse' and rank <= %s order by rank",
                (org, month, adverse_services)).fetchall()
            summaries.append({
                "org_code": org,
                "month_ip_cost": _float(m_ipc), "month_ip_wte": _float(m_ipw),
                "ytd_ip_cost": _float(y_ipc), "ytd_ip_wte": _float(y_ipw),
                "ytd_cost_opportunity": _float(y_opp), "ytd_wte_opportunity": _float(y_wte_opp),
                "ytd_rank": rank,
                "adverse_services": [
                    {"node": n, "ip_cost": _float(ipc), "cost_opportunity": _float(opp)}
                    for n, ipc, opp in adverse],
            })
    return summaries


def _float(value) -> float | None:
    return None if value is None else float(value)
