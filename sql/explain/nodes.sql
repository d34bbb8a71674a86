-- The nodes of a trust's month on a window and basis, highest level first: where the node
-- asked for is looked up (by name, whatever its case). Parameters: org, month, window, basis.
select ip.level, l.label as level_label, ip.node
from mart.implied_productivity ip
join mart.label l on l.kind = 'level' and l.code = ip.level
where ip.org_code = %(org)s and ip.period = %(month)s
  and ip.time_window = %(window)s and ip.basis = %(basis)s
order by l.sort, ip.node
