-- Every figure of the month, each window, level and node, for the given trusts.
select org_code, time_window, level, node, parent_level, parent_node,
       clinical_group, directorate, cwa_base, cwa_current, cost_base, cost_current,
       cost_current_nominal, wte_base, wte_current, activity_index, cost_index,
       wte_index, ip_cost, ip_wte, cost_opportunity, wte_opportunity,
       cost_opportunity_current_prices, unpriced_activity, null_reason
from mart.implied_productivity
where period = %(month)s and org_code = any(%(orgs)s) and basis = 'base_year'
