-- severity: warn
-- title: Subjective codes not in subjectives.csv
-- message: {count} subjective code(s) in the ledger are not in subjectives.csv: {codes}. Their spend is in no category, so it is left out of cost.
with months as (
    select period from core.window_months(%(report_month)s, %(base_year)s)
), ledger as (
    select org_code, subjective_code, category is null as unknown,
           sum(amount) as pounds, sum(abs(amount)) as magnitude
    from core.ledger_fact where period = any(array(select period from months))
    group by 1, 2, 3
), totals as (
    select org_code, sum(magnitude) as magnitude from ledger group by 1
)
select l.org_code, l.subjective_code as code, round(l.pounds, 2) as value, '£' as unit,
       format('£%%s in the windows (%%s%%%% of all ledger lines)',
              to_char(l.pounds, 'FM999,999,999,990'), round(100 * l.magnitude / nullif(t.magnitude, 0), 2)) as detail,
       case when l.magnitude >= %(materiality_error)s * t.magnitude then 'error'
            when l.magnitude >= %(materiality_warn)s * t.magnitude then 'warn'
            else 'info' end as severity
from ledger l left join totals t using (org_code)
where l.unknown
order by 1, l.magnitude desc, 2
