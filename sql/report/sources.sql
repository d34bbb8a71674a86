-- The files behind each trust's figures of the month (ops.calculation_file): those its latest
-- calculation of the month read, its own fact files first, then the reference files every
-- trust shares; none of another trust's. Loaded at in local time, as a reader's clock shows it.
select latest.org as org_code, f.source, f.origin, f.content_hash,
       (f.finished_at at time zone 'Europe/London') as loaded_at,
       f.rows_loaded, f.rows_quarantined, f.months
from (select distinct on (org) c.calculation_run_id, org
      from ops.calculation_run c, unnest(c.orgs) org
      where c.period = %(month)s and org = any(%(orgs)s)
      order by org, c.calculated_at desc) latest
join ops.calculation_file f
  on f.calculation_run_id = latest.calculation_run_id
 and (f.org_code = latest.org or f.org_code is null)
order by latest.org, f.org_code is null, f.source, f.origin, f.load_id
