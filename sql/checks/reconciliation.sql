-- severity: error
-- title: Reconciliation to the files
-- message: {count} slice(s) in the database do not add up to what their file held: {codes}. Something was dropped or doubled between file and report.
-- Each slice (org, source, month) the report's figures read (core.checked_months) must hold
-- what its file held, by the control totals taken as the file was read (£ for the ledger, WTE
-- for ESR, count of activity): its rows in raw, the lineage every figure is traced to, and
-- its month aggregates, what the figures are calculated from. Raw is read only for the loads
-- that have held those slices, through the BRIN index on load_id: the slice's holder, and
-- any earlier holder whose rows a replacement should have deleted (doubled rows). This is
-- the one check that reads raw rows, the windows' and no others: a month's files are a
-- month's loads, so its cost is the windows' rows, whatever the history.
with checked as (
    select distinct org_code, period
    from core.checked_months(%(report_month)s, %(base_year)s, %(orgs)s::text[])
), slices as (
    select l.source, s.load_id, s.org_code, s.period, s.rows_loaded, s.control_total, l.origin
    from checked c
    join ops.load_slice s on s.org_code = c.org_code and s.period = c.period
    join ops.load_log l using (load_id)
), latest as (
    select distinct on (source, org_code, period) *
    from slices
    order by source, org_code, period, load_id desc
), held as (
    select 'ledger' as source, org_code, period, count(*) as rows_held, sum(amount) as total
    from raw.ledger
    where load_id = any(array(select load_id from slices where source = 'ledger'))
      and period = any(array(select distinct period from checked))
    group by org_code, period
    union all
    select 'workforce', org_code, period, count(*), sum(contracted_wte)
    from raw.workforce
    where load_id = any(array(select load_id from slices where source = 'workforce'))
      and period = any(array(select distinct period from checked))
    group by org_code, period
    union all
    select 'activity', org_code, period, count(*), sum(count)
    from raw.activity
    where load_id = any(array(select load_id from slices where source = 'activity'))
      and period = any(array(select distinct period from checked))
    group by org_code, period
), summed as (
    select 'ledger' as source, org_code, period, sum(amount) as total
    from core.ledger_month
    where period = any(array(select distinct period from checked))
      and org_code = any(array(select distinct org_code from checked))
    group by org_code, period
    union all
    select 'workforce', org_code, period, sum(wte)
    from core.workforce_month
    where period = any(array(select distinct period from checked))
      and org_code = any(array(select distinct org_code from checked))
    group by org_code, period
    union all
    select 'activity', org_code, period, sum(count)
    from core.activity_month
    where period = any(array(select distinct period from checked))
      and org_code = any(array(select distinct org_code from checked))
    group by org_code, period
), compared as (
    select l.*, coalesce(h.rows_held, 0) as rows_held, coalesce(h.total, 0) as held_total,
           coalesce(a.total, 0) as summed_total,
           coalesce(h.rows_held, 0) <> l.rows_loaded or coalesce(h.total, 0) <> l.control_total
               as raw_differs
    from latest l
    left join held h on h.source = l.source and h.org_code = l.org_code and h.period = l.period
    left join summed a on a.source = l.source and a.org_code = l.org_code and a.period = l.period
)
select org_code,
       source || ' ' || to_char(period, 'YYYY-MM') as code,
       case when raw_differs then held_total else summed_total end - control_total as value,
       case source when 'ledger' then '£' when 'workforce' then 'WTE' else 'activity' end as unit,
       format('%%s held %%s rows totalling %%s; the file (%%s) had %%s rows totalling %%s',
              source, rows_held, held_total, origin, rows_loaded, control_total)
       || case when summed_total <> held_total
               then format('; the month totals the figures are calculated from add up to %%s',
                           summed_total)
               else '' end as detail
from compared
where raw_differs or summed_total <> control_total
order by 1, 2
