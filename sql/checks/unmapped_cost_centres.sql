-- severity: warn
-- title: Cost centres not in the hierarchy
-- message: {count} cost centre(s) in the ledger or ESR are not in hierarchy.csv: {codes}. Their cost and staff count at trust level only, in no service.
-- Over the months the report's figures read (core.checked_months), from their aggregates
-- (migration 0012). Severity by materiality: the cost centre's share of the trust's cost
-- (each ledger line at its size) in the months each basis compares (dq_materiality_warn and
-- dq_materiality_error); the basis where it is largest decides, and the detail gives it.
with checked as (
    select org_code, basis, period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
    union all   -- every month once, for the £ and WTE the finding names
    select distinct org_code, 'all', period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
), ledger as (
    select l.org_code, l.period, l.cost_centre,
           sum(l.amount) filter (where s.category in ('pay', 'non_pay')) as pounds,
           sum(l.magnitude) filter (where s.category in ('pay', 'non_pay')) as magnitude,
           bool_or(h.service is null) as unmapped
    from core.ledger_month l
    left join core.hierarchy h on h.org_code = l.org_code and h.cost_centre = l.cost_centre
    left join core.subjectives s on s.subjective_code = l.subjective_code
    where l.period = any(array(select distinct period from checked))
      and l.org_code = any(array(select distinct org_code from checked))
    group by 1, 2, 3
), workforce as (
    select w.org_code, w.period, w.cost_centre, sum(w.wte) as wte
    from core.workforce_month w
    left join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
    where w.period = any(array(select distinct period from checked))
      and w.org_code = any(array(select distinct org_code from checked))
      and h.service is null
    group by 1, 2, 3
), cost as (
    select c.org_code, c.basis, l.cost_centre, sum(l.pounds) as pounds,
           sum(l.magnitude) as magnitude, bool_or(l.unmapped) as unmapped
    from checked c join ledger l on l.org_code = c.org_code and l.period = c.period
    group by 1, 2, 3
), wte as (
    select c.org_code, c.basis, w.cost_centre, sum(w.wte) / count(distinct w.period) as wte
    from checked c join workforce w on w.org_code = c.org_code and w.period = c.period
    group by 1, 2, 3
), totals as (
    select org_code, basis, sum(magnitude) as magnitude from cost group by 1, 2
), unmapped as (
    select coalesce(c.org_code, w.org_code) as org_code, coalesce(c.basis, w.basis) as basis,
           coalesce(c.cost_centre, w.cost_centre) as cost_centre,
           coalesce(c.pounds, 0) as pounds, coalesce(c.magnitude, 0) as magnitude,
           coalesce(w.wte, 0) as wte
    from (select * from cost where unmapped) c
    full join wte w on w.org_code = c.org_code and w.basis = c.basis and w.cost_centre = c.cost_centre
), judged as (
    select u.*, t.magnitude as trust_magnitude,
           core.materiality_level(u.magnitude, t.magnitude, %(materiality_warn)s,
                                  %(materiality_error)s) as level
    from unmapped u left join totals t using (org_code, basis)
), worst as (
    select distinct on (org_code, cost_centre) org_code, cost_centre, level, magnitude,
           trust_magnitude
    from judged
    where basis <> 'all'
    order by org_code, cost_centre, level desc,
             magnitude / nullif(trust_magnitude, 0) desc nulls last
)
select w.org_code, w.cost_centre as code, round(a.pounds, 2) as value, '£' as unit,
       format('£%%s of cost and %%s WTE in the windows (%%s%%%% of the trust''s cost)',
              to_char(a.pounds, 'FM999,999,999,990'), round(a.wte, 2),
              round(100 * w.magnitude / nullif(w.trust_magnitude, 0), 2)) as detail,
       (array['info', 'warn', 'error'])[w.level + 1] as severity
from worst w
join judged a on a.org_code = w.org_code and a.cost_centre = w.cost_centre and a.basis = 'all'
order by 1, a.magnitude desc, 2
