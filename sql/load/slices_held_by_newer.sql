-- The slices of a load (arrays of org_code and period, numbered from 1) whose holder, their
-- latest ops.load_slice row as the reconciliation check reads it, came from a file newer than
-- this load's: (modified time, origin), as discover orders files.
-- Parameters: orgs, periods, source, this load's id (twice).
select f.n from unnest(%s::text[], %s::date[]) with ordinality f(org_code, period, n)
cross join lateral (
    select l.file_modified_at, l.origin from ops.load_slice s join ops.load_log l using (load_id)
    where s.org_code = f.org_code and s.period = f.period and l.source = %s and s.load_id <> %s
    order by s.load_id desc limit 1) holder
where (holder.file_modified_at, holder.origin)
    > (select file_modified_at, origin from ops.load_log where load_id = %s)
