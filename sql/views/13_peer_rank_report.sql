-- drops: view mart.peer_rank_report
-- For BI tools: each trust's rank among its peers, with a label such as '3rd of 12'.
-- period is text YYYY-MM for BI tools (11_implied_productivity_report.sql says why).
create view mart.peer_rank_report as
select r.period,
       to_char(to_date(r.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       r.time_window, w.label as time_window_label,
       r.basis, b.label as basis_label,
       r.org_code, coalesce(r.org_name, r.org_code) as org_name,
       r.ip_cost, r.rank, r.peer_count,
       r.rank || case when r.rank % 100 in (11, 12, 13) then 'th'
                      when r.rank % 10 = 1 then 'st'
                      when r.rank % 10 = 2 then 'nd'
                      when r.rank % 10 = 3 then 'rd'
                      else 'th' end || ' of ' || r.peer_count as rank_label,
       r.source
from mart.peer_rank r
join mart.label w on w.kind = 'time_window' and w.code = r.time_window
join mart.label b on b.kind = 'basis' and b.code = r.basis;
