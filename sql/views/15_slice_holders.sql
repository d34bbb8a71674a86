-- drops: function ops.slice_holders(text[], date[], text, bigint)
-- Who holds each of a load's slices now: the slice's latest ops.load_slice row of the source
-- (a load that replaced a slice deleted its earlier holders' rows; an older file that found a
-- newer one there kept none of its own and recorded no slice). `n` numbers the slices as the
-- arrays give them, from 1; a slice no other load has held has no row. The loader reads it
-- under the slice locks, to delete the rows it replaces and to leave a newer file's slices.
create function ops.slice_holders(orgs text[], periods date[], source text, this_load bigint)
returns table (n bigint, load_id bigint, file_modified_at timestamptz, origin text)
language sql stable as $$
    select f.n, holder.load_id, holder.file_modified_at, holder.origin
    from unnest(orgs, periods) with ordinality f (org_code, period, n)
    cross join lateral (
        select s.load_id, l.file_modified_at, l.origin
        from ops.load_slice s join ops.load_log l using (load_id)
        where s.org_code = f.org_code and s.period = f.period and l.source = slice_holders.source
          and s.load_id <> this_load
        order by s.load_id desc limit 1) holder
$$;
