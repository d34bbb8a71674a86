-- What moved the figure (mart.ip_driver): each side's components, the largest contribution
-- first; those without one (the index undefined) by the size of their change.
-- Parameters: org, month, window, basis, level, node.
select side, component, base_value, current_value, contribution, opportunity
from mart.ip_driver
where org_code = %(org)s and period = %(month)s and time_window = %(window)s
  and basis = %(basis)s and level = %(level)s and node = %(node)s
order by case side when 'activity' then 1 when 'cost' then 2 else 3 end,
         abs(contribution) desc nulls last, abs(current_value - base_value) desc, component
