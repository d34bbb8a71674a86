-- drops: view mart.service_opportunity_rank
-- The largest adverse and favourable services: the one home of the ranking that the trust
-- summary, the reports and the alerts show. Per org, report month and window, each service
-- with a cost opportunity is 'adverse' (spending above what base-year productivity would
-- need: cost_opportunity > 0) or 'favourable' (below: < 0), ranked 1, 2, ... within its
-- direction by the size of its opportunity (ties by service name). Services with no
-- opportunity (null or exactly zero) are in neither list.
-- period is text YYYY-MM for BI tools (11_implied_productivity_report.sql says why).
create view mart.service_opportunity_rank as
select ip.org_code, ip.period, ip.time_window, ip.basis, ip.node, ip.directorate, ip.clinical_group,
       ip.ip_cost, ip.ip_wte, ip.cost_opportunity, ip.wte_opportunity,
       ip.cost_opportunity_current_prices,
       case when ip.cost_opportunity > 0 then 'adverse' else 'favourable' end as direction,
       row_number() over (partition by ip.org_code, ip.period, ip.time_window, ip.basis,
                                       ip.cost_opportunity > 0
                          order by abs(ip.cost_opportunity) desc, ip.node) as rank
from mart.implied_productivity ip
where ip.level = 'service' and ip.cost_opportunity <> 0;
