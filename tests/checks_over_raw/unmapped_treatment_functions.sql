-- severity: warn
-- title: Treatment functions not in the specialty map
-- message: {count} treatment function code(s) in activity are not in specialty_map.csv: {codes}. Their activity counts at trust level only, in no service.
with months as (
    select period from core.window_months(%(report_month)s, %(base_year)s)
), activity as (
    select org_code, treatment_function_code, service is null as unmapped,
           sum(count) filter (where counts_as_activity) as volume,
           sum(count * unit_cost) filter (where counts_as_activity) as cwa
    from core.activity_fact where period = any(array(select period from months))
    group by 1, 2, 3
), totals as (
    select org_code, sum(cwa) as cwa from activity group by 1
)
select a.org_code, a.treatment_function_code as code, a.volume as value, 'activity' as unit,
       format('%%s attendances and spells, £%%s of cost-weighted activity (%%s%%%% of the trust''s)',
              a.volume, to_char(coalesce(a.cwa, 0), 'FM999,999,999,990'),
              round(100 * coalesce(a.cwa, 0) / nullif(t.cwa, 0), 2)) as detail,
       case when coalesce(a.cwa, 0) >= %(materiality_error)s * t.cwa then 'error'
            when coalesce(a.cwa, 0) >= %(materiality_warn)s * t.cwa then 'warn'
            else 'info' end as severity
from activity a left join totals t using (org_code)
where a.unmapped
order by 1, a.cwa desc nulls last, 2
