-- severity: warn
-- title: Treatment functions not in the specialty map
-- message: {count} treatment function code(s) in activity are not in specialty_map.csv: {codes}. Their activity counts at trust level only, in no service.
-- Over the months the report's figures read (core.checked_months), from their aggregates
-- (migration 0012), priced by core.unit_price and counted by core.counts_as_activity.
-- Severity by materiality: the code's share of the trust's cost-weighted activity in the
-- months each basis compares; the basis where it is largest decides, and the detail gives it.
with checked as (
    select org_code, basis, period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
    union all   -- every month once, for the activity the finding names
    select distinct org_code, 'all', period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
), activity as (
    select a.org_code, a.period, a.treatment_function_code, sm.service is null as unmapped,
           sum(a.count) filter (where core.counts_as_activity(a.attendance_status)) as volume,
           sum(a.count * p.unit_cost) filter (where core.counts_as_activity(a.attendance_status)) as cwa
    from core.activity_month a
    left join core.specialty_map sm
           on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
    cross join lateral core.unit_price(a.pod, a.hrg_code) p
    where a.period = any(array(select distinct period from checked))
      and a.org_code = any(array(select distinct org_code from checked))
    group by 1, 2, 3, 4
), by_basis as (
    select c.org_code, c.basis, a.treatment_function_code, a.unmapped,
           sum(a.volume) as volume, sum(a.cwa) as cwa
    from checked c join activity a on a.org_code = c.org_code and a.period = c.period
    group by 1, 2, 3, 4
), judged as (
    select b.*, sum(b.cwa) over (partition by b.org_code, b.basis) as trust_cwa,
           core.materiality_level(coalesce(b.cwa, 0), sum(b.cwa) over (partition by b.org_code, b.basis),
                                  %(materiality_warn)s, %(materiality_error)s) as level
    from by_basis b
), worst as (
    select distinct on (org_code, treatment_function_code) org_code, treatment_function_code,
           level, cwa, trust_cwa
    from judged
    where unmapped and basis <> 'all'
    order by org_code, treatment_function_code, level desc,
             coalesce(cwa, 0) / nullif(trust_cwa, 0) desc nulls last
)
select w.org_code, w.treatment_function_code as code, a.volume as value, 'activity' as unit,
       format('%%s attendances and spells, £%%s of cost-weighted activity (%%s%%%% of the trust''s)',
              a.volume, to_char(coalesce(a.cwa, 0), 'FM999,999,999,990'),
              round(100 * coalesce(w.cwa, 0) / nullif(w.trust_cwa, 0), 2)) as detail,
       (array['info', 'warn', 'error'])[w.level + 1] as severity
from worst w
join judged a on a.org_code = w.org_code and a.treatment_function_code = w.treatment_function_code
             and a.basis = 'all'
order by 1, a.cwa desc nulls last, 2
