-- Per trust calculated for a report month (YYYY-MM), the files its latest calculation read
-- (ops.calculation_file): the close's lineage artifact.
select coalesce(f.org_code, t.org_code) as org_code, f.source, f.origin, f.content_hash,
       f.finished_at, f.rows_loaded, f.rows_quarantined, f.months
from (select distinct on (org) c.calculation_run_id, org
      from ops.calculation_run c, unnest(c.orgs) org
      where c.period = %(month)s
      order by org, c.calculated_at desc) latest
cross join lateral (select latest.org as org_code) t
join ops.calculation_file f
  on f.calculation_run_id = latest.calculation_run_id
 and (f.org_code = latest.org or f.org_code is null)
order by 1, f.org_code is null, f.source, f.origin
