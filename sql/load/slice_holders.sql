-- The loads whose rows are in the given slices now (ops.slice_holders, sql/views/): one per
-- slice however many loads the slice has had, so replacing it costs the same on the 2,000th
-- file. Parameters: orgs, periods (arrays), source, this load's id.
select distinct load_id from ops.slice_holders(%s::text[], %s::date[], %s, %s) order by 1
