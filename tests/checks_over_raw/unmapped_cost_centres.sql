-- severity: warn
-- title: Cost centres not in the hierarchy
-- message: {count} cost centre(s) in the ledger or ESR are not in hierarchy.csv: {codes}. Their cost and staff count at trust level only, in no service.
-- Severity by materiality: the share of the trust's cost in the windows (settings
-- dq_materiality_warn and dq_materiality_error).
with months as (
    select period from core.window_months(%(report_month)s, %(base_year)s)
), cost as (
    select org_code, cost_centre, sum(amount) filter (where category in ('pay', 'non_pay')) as pounds,
           sum(abs(amount)) filter (where category in ('pay', 'non_pay')) as magnitude,
           bool_or(service is null) as unmapped
    from core.ledger_fact where period = any(array(select period from months))
    group by 1, 2
), wte as (
    select org_code, cost_centre, sum(contracted_wte) / count(distinct period) as wte
    from core.workforce_fact where period = any(array(select period from months)) and service is null
    group by 1, 2
), totals as (
    select org_code, sum(magnitude) as magnitude from cost group by 1
), unmapped as (
    select coalesce(c.org_code, w.org_code) as org_code, coalesce(c.cost_centre, w.cost_centre) as cost_centre,
           coalesce(c.pounds, 0) as pounds, coalesce(c.magnitude, 0) as magnitude, coalesce(w.wte, 0) as wte
    from (select * from cost where unmapped) c
    full join wte w on w.org_code = c.org_code and w.cost_centre = c.cost_centre
)
select u.org_code, u.cost_centre as code, round(u.pounds, 2) as value, '£' as unit,
       format('£%%s of cost and %%s WTE in the windows (%%s%%%% of the trust''s cost)',
              to_char(u.pounds, 'FM999,999,999,990'), round(u.wte, 2),
              round(100 * u.magnitude / nullif(t.magnitude, 0), 2)) as detail,
       case when u.magnitude >= %(materiality_error)s * t.magnitude then 'error'
            when u.magnitude >= %(materiality_warn)s * t.magnitude then 'warn'
            else 'info' end as severity
from unmapped u left join totals t using (org_code)
order by 1, u.magnitude desc, 2
