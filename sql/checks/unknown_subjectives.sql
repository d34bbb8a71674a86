-- severity: warn
-- title: Subjective codes not in subjectives.csv
-- message: {count} subjective code(s) in the ledger are not in subjectives.csv: {codes}. Their spend is in no category, so it is left out of cost.
-- Over the months the report's figures read (core.checked_months), from their aggregates
-- (migration 0012). Severity by materiality: the code's share of the trust's ledger lines
-- (each at its size) in the months each basis compares (dq_materiality_warn and
-- dq_materiality_error); the basis where it is largest decides, and the detail gives it.
with checked as (
    select org_code, basis, period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
    union all   -- every month once, for the £ the finding names
    select distinct org_code, 'all', period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
), ledger as (
    select l.org_code, l.period, l.subjective_code, s.category is null as unknown,
           sum(l.amount) as pounds, sum(l.magnitude) as magnitude
    from core.ledger_month l
    left join core.subjectives s on s.subjective_code = l.subjective_code
    where l.period = any(array(select distinct period from checked))
      and l.org_code = any(array(select distinct org_code from checked))
    group by 1, 2, 3, 4
), by_basis as (
    select c.org_code, c.basis, l.subjective_code, l.unknown,
           sum(l.pounds) as pounds, sum(l.magnitude) as magnitude
    from checked c join ledger l on l.org_code = c.org_code and l.period = c.period
    group by 1, 2, 3, 4
), judged as (
    select b.*, sum(b.magnitude) over (partition by b.org_code, b.basis) as trust_magnitude,
           core.materiality_level(b.magnitude, sum(b.magnitude) over (partition by b.org_code, b.basis),
                                  %(materiality_warn)s, %(materiality_error)s) as level
    from by_basis b
), worst as (
    select distinct on (org_code, subjective_code) org_code, subjective_code, level,
           magnitude, trust_magnitude
    from judged
    where unknown and basis <> 'all'
    order by org_code, subjective_code, level desc,
             magnitude / nullif(trust_magnitude, 0) desc nulls last
)
select w.org_code, w.subjective_code as code, round(a.pounds, 2) as value, '£' as unit,
       format('£%%s in the windows (%%s%%%% of all ledger lines)',
              to_char(a.pounds, 'FM999,999,999,990'),
              round(100 * w.magnitude / nullif(w.trust_magnitude, 0), 2)) as detail,
       (array['info', 'warn', 'error'])[w.level + 1] as severity
from worst w
join judged a on a.org_code = w.org_code and a.subjective_code = w.subjective_code and a.basis = 'all'
order by 1, a.magnitude desc, 2
