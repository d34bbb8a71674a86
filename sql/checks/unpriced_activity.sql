-- severity: warn
-- title: Activity with no unit cost
-- message: {count} POD and HRG combination(s) have no unit cost, not even a POD default: {codes}. That activity is left out of cost-weighted activity.
-- Over the months the report's figures read (core.checked_months), from their aggregates
-- (migration 0012), priced by core.unit_price.
with checked as (
    select distinct org_code, period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
)
select a.org_code, a.pod || ' ' || coalesce(a.hrg_code, '(no HRG)') as code, sum(a.count) as value,
       'activity' as unit,
       format('%%s %%s record(s) in the windows cannot be priced', sum(a.count), a.pod) as detail
from core.activity_month a
join checked c on c.org_code = a.org_code and c.period = a.period
cross join lateral core.unit_price(a.pod, a.hrg_code) p
where a.period = any(array(select distinct period from checked))
  and a.org_code = any(array(select distinct org_code from checked))
  and p.unit_cost is null and core.counts_as_activity(a.attendance_status)
group by a.org_code, a.pod, a.hrg_code
order by 1, 3 desc, 2
