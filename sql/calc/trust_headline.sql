-- Per org calculated for a report month (YYYY-MM), on both bases: IPc and IPw for the month
-- and year to date, the year-to-date opportunities and peer rank.
select t.org_code, t.basis, max(t.comparison_year) as comparison_year,
       max(t.ip_cost) filter (where t.time_window = 'month') as month_ip_cost,
       max(t.ip_wte) filter (where t.time_window = 'month') as month_ip_wte,
       max(t.ip_cost) filter (where t.time_window = 'ytd') as ytd_ip_cost,
       max(t.ip_wte) filter (where t.time_window = 'ytd') as ytd_ip_wte,
       max(t.cost_opportunity) filter (where t.time_window = 'ytd') as ytd_cost_opportunity,
       max(t.wte_opportunity) filter (where t.time_window = 'ytd') as ytd_wte_opportunity,
       max(r.rank_label) as ytd_rank,
       max(t.null_reason) filter (where t.time_window = 'ytd') as ytd_null_reason
from mart.implied_productivity t
left join mart.peer_rank_report r
       on r.period = t.period and r.time_window = 'ytd' and r.basis = t.basis
      and r.org_code = t.org_code
where t.period = %s and t.level = 'trust'
group by t.org_code, t.basis order by t.org_code, t.basis
