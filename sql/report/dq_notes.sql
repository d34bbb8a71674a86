-- The checks that did not pass in each trust's latest data-quality run for the month: the
-- latest run decides, as an older run's warnings, since fixed, are not news.
with latest as (
    select distinct on (org_code) org_code, run_id
    from ops.dq_result
    where period = %(month)s and org_code = any(%(orgs)s)
    order by org_code, checked_at desc
)
select d.org_code, d.run_id, d.check_name, d.severity, d.outcome, d.message,
       d.findings
from ops.dq_result d join latest using (org_code, run_id)
where d.period = %(month)s and d.outcome <> 'pass'
order by d.org_code,
         array_position(array['error', 'warn', 'info'], d.severity), d.check_name
