-- severity: warn
-- title: Activity with no unit cost
-- message: {count} POD and HRG combination(s) have no unit cost, not even a POD default: {codes}. That activity is left out of cost-weighted activity.
select org_code, pod || ' ' || coalesce(hrg_code, '(no HRG)') as code, sum(count) as value,
       'activity' as unit,
       format('%%s %%s record(s) in the windows cannot be priced', sum(count), pod) as detail
from core.activity_fact
where period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
  and unit_cost is null and counts_as_activity
group by org_code, pod, hrg_code
order by 1, 3 desc, 2
