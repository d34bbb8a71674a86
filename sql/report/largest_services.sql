-- The largest adverse and favourable services of the year to date, as
-- mart.service_opportunity_rank ranks them for the summary, the reports and the headline.
select org_code, direction, node
from mart.service_opportunity_rank
where period = %(month)s and org_code = any(%(orgs)s) and time_window = 'ytd'
  and basis = 'base_year'
order by org_code, direction, rank
