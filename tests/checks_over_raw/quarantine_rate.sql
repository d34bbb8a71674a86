-- severity: warn
-- title: Files with many rejected rows
-- message: {count} file(s) behind this report had more rows quarantined than the bound: {codes}. See ops.quarantine for each line and its reason.
with behind as (
    select distinct on (l.source, s.org_code, s.period) s.org_code, l.load_id
    from ops.load_slice s join ops.load_log l using (load_id)
    where s.period = any(array(select period from core.window_months(%(report_month)s, %(base_year)s)))
    order by l.source, s.org_code, s.period, s.load_id desc
)
select distinct b.org_code, l.origin as code,
       round(l.rows_quarantined::numeric / nullif(l.rows_read, 0), 4) as value, 'share' as unit,
       format('%%s of %%s rows quarantined (%%s%%%%)', l.rows_quarantined, l.rows_read,
              round(100 * l.rows_quarantined::numeric / nullif(l.rows_read, 0), 2)) as detail
from behind b join ops.load_log l using (load_id)
where l.rows_quarantined > %(quarantine_rate)s * l.rows_read
order by 1, 2
