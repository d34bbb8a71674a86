"""The figures an executive reads first: what the executive email and the run's artifact
both lead with, and the year-on-year figure in the words NHS England uses."""

from __future__ import annotations

from tasks.report.model import PRIOR, OrgData
from tasks.report.style import against_target, signed_percent

ADVERSE_SHOWN = 5


def headline(data: OrgData) -> dict:
    """The figures an executive reads first."""
    month, ytd = data.trust("month"), data.trust("ytd")
    prior = data.trust("ytd", PRIOR)
    rank = data.rank("ytd")
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
        # Year on year, as NHS England measures it.
        "ytd_ip_cost_prior_year": prior.get("ip_cost"),
        "ytd_activity_growth_prior_year": prior.get("activity_growth"),
        "ytd_resource_growth_prior_year": prior.get("resource_growth"),
        "year_on_year_target": data.year_on_year_target,
        "year_on_year_verdict": against_target(prior.get("ip_cost"), data.year_on_year_target),
        "ytd_prior_year_null_reason": prior.get("null_reason"),
    }


def year_on_year_words(data: OrgData, row: dict | None, who: str = "the trust") -> str:
    """The year-to-date figure against last year in a sentence, against NHS England's target;
    where last year's months are not all loaded, that, in words."""
    row = row or {}
    target = data.year_on_year_target
    if row.get("ip_cost") is None:
        reason = row.get("null_reason") or "not defined"
        if reason == "no prior-year data":
            return (f"There is no year-on-year figure for {who} yet: the same months of "
                    f"{data.last_year} are not all loaded (no prior-year data), so it cannot be "
                    f"read against NHS England's target of {target:+.1%}.")
        return f"{who[0].upper()}{who[1:]} has no year-on-year figure ({reason})."
    verdict = "meeting" if row["ip_cost"] >= target else "below"
    return (f"As NHS England measures it, against the same months of {data.last_year}: "
            f"cost-weighted activity growth {signed_percent(row.get('activity_growth'))}, "
            f"real-terms resource growth {signed_percent(row.get('resource_growth'))}, so "
            f"productivity growth of {signed_percent(row['ip_cost'])} year to date for {who}, "
            f"{verdict} the national target of {target:+.1%}.")
