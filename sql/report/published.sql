-- NHS England's own published year-to-date estimate for each trust, where its file is loaded
-- as peers on the prior-year basis: the figure the "As NHS England measures it" sheet sets
-- beside ours. A row dated this month wins over the file as published (undated), as in the
-- ranking.
select distinct on (org_code)
       org_code, org_name, period, activity_growth, resource_growth, ip_cost
from core.peers
where org_code = any(%(orgs)s) and basis = 'prior_year' and time_window = 'ytd'
  and (period = %(month)s or period is null)
order by org_code, period nulls last
