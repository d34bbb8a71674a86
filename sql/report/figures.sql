-- Every figure of the month on both bases, each window, level and node, for the given trusts.
-- NHS England states its estimate as growth rates: activity and resource growth are the
-- indices less one, taken here in numeric so each is the mart's figure rounded once.
select org_code, basis, comparison_year, time_window, level, node, parent_level, parent_node,
       clinical_group, directorate, cwa_base, cwa_current, cost_base, cost_current,
       cost_current_nominal, wte_base, wte_current, activity_index, cost_index,
       wte_index, ip_cost, ip_wte, cost_opportunity, wte_opportunity,
       cost_opportunity_current_prices, unpriced_activity, null_reason,
       activity_index - 1 as activity_growth, cost_index - 1 as resource_growth
from mart.implied_productivity
where period = %(month)s and org_code = any(%(orgs)s)
