-- What moved the figure (mart.ip_driver): each side's components, named in mart.label's words
-- where it has them (a staff group is its own name), the largest contribution first; those
-- without one (the index undefined) by the size of their change.
-- Parameters: org, month, window, basis, level, node.
select d.side, d.component, coalesce(l.label, d.component) as component_label,
       d.base_value, d.current_value, d.contribution, d.opportunity
from mart.ip_driver d
left join mart.label l on l.kind = 'driver_component' and l.code = d.component
where org_code = %(org)s and period = %(month)s and time_window = %(window)s
  and basis = %(basis)s and level = %(level)s and node = %(node)s
order by case d.side when 'activity' then 1 when 'cost' then 2 else 3 end,
         abs(d.contribution) desc nulls last, abs(d.current_value - d.base_value) desc, d.component
