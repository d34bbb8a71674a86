-- The figure's revision, if it has moved since first published (mart.revision).
-- Parameters: org, month, window, basis, level, node.
select first_ip_cost, first_ip_wte, current_ip_cost, current_ip_wte,
       first_published_at, revised_at, origins
from mart.revision
where org_code = %(org)s and period = %(month)s and time_window = %(window)s
  and basis = %(basis)s and level = %(level)s and node = %(node)s
