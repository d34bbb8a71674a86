-- The month window of each month so far this year, on both bases: each month's own calculation.
select org_code, basis, period, fin_month, level, node, activity_index, cost_index,
       wte_index, ip_cost, ip_wte
from mart.implied_productivity
where org_code = any(%(orgs)s) and time_window = 'month' and level <> 'service'
  and financial_year = %(year)s and fin_month <= %(fin_month)s
order by fin_month
