-- severity: error
-- title: Reconciliation to the files
-- message: {count} slice(s) in the database do not add up to what their file held: {codes}. Something was dropped or doubled between file and report.
-- What core holds for each slice (org, source, month) of the windows must equal the control
-- totals taken from the file as it was read: £ for the ledger, WTE for ESR, count of activity.
with latest as (
    select distinct on (l.source, s.org_code, s.period)
           l.source, s.org_code, s.period, s.rows_loaded, s.control_total, l.origin
    from ops.load_slice s join ops.load_log l using (load_id)
    where s.period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
    order by l.source, s.org_code, s.period, s.load_id desc
), held as (
    select 'ledger' as source, org_code, period, count(*) as rows_held, sum(amount) as total
    from core.ledger_fact
    where period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
    group by org_code, period
    union all
    select 'workforce', org_code, period, count(*), sum(contracted_wte)
    from core.workforce_fact
    where period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
    group by org_code, period
    union all
    select 'activity', org_code, period, count(*), sum(count)
    from core.activity_fact
    where period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
    group by org_code, period
)
select l.org_code,
       l.source || ' ' || to_char(l.period, 'YYYY-MM') as code,
       coalesce(h.total, 0) - l.control_total as value,
       case l.source when 'ledger' then '£' when 'workforce' then 'WTE' else 'activity' end as unit,
       format('%%s held %%s rows totalling %%s; the file (%%s) had %%s rows totalling %%s',
              l.source, coalesce(h.rows_held, 0), coalesce(h.total, 0), l.origin,
              l.rows_loaded, l.control_total) as detail
from latest l
left join held h on h.source = l.source and h.org_code = l.org_code and h.period = l.period
where coalesce(h.rows_held, 0) <> l.rows_loaded or coalesce(h.total, 0) <> l.control_total
order by 1, 2
