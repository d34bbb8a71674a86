-- The points of the SPC charts the reports draw (METHODOLOGY.md, "Is a change signal or
-- noise?"): the trust, its clinical groups and directorates, both bases and both measures,
-- oldest first. Services are read as a variation only (spc_readings.sql), not charted.
select org_code, basis, level, node, measure, point_period, value, mean, lower_limit,
       upper_limit, special_cause, special_cause_rule, direction
from mart.spc_point
where period = %(month)s and org_code = any(%(orgs)s) and level <> 'service'
order by org_code, basis, level, node, measure, point_period
