-- The trusts calculated for a month (all of them, or those asked for), with the month's
-- place in their financial year.
select org_code, org_name, financial_year, fin_month
from mart.implied_productivity_report
where period = %(month)s and level = 'trust' and time_window = 'ytd'
  and basis = 'base_year'
  and (%(orgs)s::text[] is null or org_code = any(%(orgs)s::text[]))
order by org_code
