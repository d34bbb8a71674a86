"""The figures an executive reads first: what the executive email and the run's artifact
both lead with."""

from __future__ import annotations

from tasks.report.model import OrgData

ADVERSE_SHOWN = 5


def headline(data: OrgData) -> dict:
    """The figures an executive reads first."""
    month, ytd = data.trust("month"), data.trust("ytd")
    rank = data.ranks.get("ytd")
    return {
        "org_code": data.org_code, "org_name": data.org_name, "month": data.month,
        "month_ip_cost": month.get("ip_cost"), "month_ip_wte": month.get("ip_wte"),
        "ytd_ip_cost": ytd.get("ip_cost"), "ytd_ip_wte": ytd.get("ip_wte"),
        "ytd_rank": rank["rank_label"] if rank else None,
        "ytd_cost_opportunity": ytd.get("cost_opportunity"),
        "ytd_cost_opportunity_current_prices": ytd.get("cost_opportunity_current_prices"),
        "ytd_wte_opportunity": ytd.get("wte_opportunity"),
        "adverse_services": data.largest_services("adverse", ADVERSE_SHOWN),
        "dq_notes": len(data.dq_notes),
    }
