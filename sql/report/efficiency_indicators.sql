-- The efficiency indicators year to date on both bases, trust to directorate, in their
-- reading order.
select org_code, basis, level, node, indicator, indicator_label, indicator_sort,
       base_value, current_value, change
from mart.efficiency_indicator_report
where period = %(month)s and org_code = any(%(orgs)s) and time_window = 'ytd'
  and level <> 'service'
order by level, node, indicator_sort, basis
