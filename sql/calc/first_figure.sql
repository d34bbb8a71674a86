-- The month's figures as first published: kept the first time each is calculated, never
-- overwritten (mart.revision compares the current figure with it).
insert into mart.first_figure (org_code, period, time_window, basis, level, node, ip_cost,
                               ip_wte, first_published_at, calculation_run_id)
select org_code, period, time_window, basis, level, node, ip_cost, ip_wte, calculated_at, %(run)s
from mart.implied_productivity
where period = %(month)s and org_code in (select org_code from calc_org)
on conflict do nothing
