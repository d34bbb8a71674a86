-- The figure explained, with its labels. Parameters: org, month, window, basis, level, node.
select org_name, period_label, time_window_label, basis_label, comparison_year,
       financial_year, fin_month, level_label, parent_level, parent_node,
       cwa_base, cwa_current, cost_base, cost_current, cost_current_nominal,
       wte_base, wte_current, activity_index, cost_index, wte_index, ip_cost, ip_wte,
       cost_opportunity, wte_opportunity, cost_opportunity_current_prices,
       unpriced_activity, null_reason, calculated_at
from mart.implied_productivity_report
where org_code = %(org)s and period = %(month)s and time_window = %(window)s
  and basis = %(basis)s and level = %(level)s and node = %(node)s
