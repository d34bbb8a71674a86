-- The loads whose rows are in the given slices now: each slice's holder, its latest
-- ops.load_slice row (a load that replaced a slice deleted its earlier holders' rows, and an
-- older file that found a newer one there kept none of its own). One holder per slice,
-- however many loads the slice has had: replacing it costs the same on the 2,000th file.
-- Parameters: orgs, periods (arrays), source, this load's id.
select distinct holder.load_id
from unnest(%s::text[], %s::date[]) f(org_code, period)
cross join lateral (
    select s.load_id from ops.load_slice s join ops.load_log l using (load_id)
    where s.org_code = f.org_code and s.period = f.period and l.source = %s and s.load_id <> %s
    order by s.load_id desc limit 1) holder
order by 1
