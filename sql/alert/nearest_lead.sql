-- The lead of each variance's node, or of the nearest node above it: up the hierarchy the
-- mart records (service -> directorate -> clinical group -> trust) to the nearest node with
-- a lead in owners.csv. Owners are keyed (level, node) across trusts; a trust's node is its
-- org_code. Read by tasks/alert/route.py.
-- Parameter: the targets (jsonb: i, org_code, period, level, node); one row per target with
-- a lead (i, the lead's node, email, name).
with recursive target as (
    select * from jsonb_to_recordset(%s::jsonb)
        as t (i int, org_code text, period text, level text, node text)
),
chain as (
    select i, 0 as depth, org_code, period, level, node from target
    union all
    select c.i, c.depth + 1, c.org_code, c.period, m.parent_level, m.parent_node
    from chain c
    join mart.implied_productivity m
      on m.org_code = c.org_code and m.period = c.period and m.time_window = 'ytd'
     and m.basis = 'base_year'
     and m.level = c.level and m.node = c.node
    where m.parent_level is not null and c.depth < 4
)
select distinct on (c.i) c.i, c.node, lower(trim(o.email)) as email, o.name
from chain c
join core.owners o on o.level = c.level and lower(trim(o.node)) = lower(trim(c.node))
order by c.i, c.depth, o.email
