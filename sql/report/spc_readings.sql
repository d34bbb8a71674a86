-- Each node's SPC reading of the month, on both bases and both measures: its variation
-- (that of its latest point) and its assurance against the target.
select org_code, basis, level, node, measure, points, mean, lower_limit, upper_limit,
       variation, target, assurance, latest_period, latest_value, special_cause_rule
from mart.spc_summary
where period = %(month)s and org_code = any(%(orgs)s)
