-- The slices of a load (numbered from 1 as its arrays give them) whose holder came from a file
-- newer than this load's: (modified time, origin), as discover orders files.
-- Parameters: orgs, periods, source, this load's id (twice).
select h.n from ops.slice_holders(%s::text[], %s::date[], %s, %s) h
where (h.file_modified_at, h.origin)
    > (select file_modified_at, origin from ops.load_log where load_id = %s)
