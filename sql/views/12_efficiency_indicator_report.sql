-- drops: view mart.efficiency_indicator_report
-- For BI tools: each indicator with its labels and its node's parent.
-- period is text YYYY-MM for BI tools (11_implied_productivity_report.sql says why).
create view mart.efficiency_indicator_report as
select e.org_code, e.period,
       to_char(to_date(e.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       e.time_window, w.label as time_window_label,
       e.basis,
       case e.basis when 'base_year' then 'against ' || ip.comparison_year
                    else b.label end as basis_label,
       e.level, l.label as level_label,
       e.node, ip.parent_node,
       e.indicator, i.label as indicator_label, i.sort as indicator_sort,
       e.base_value, e.current_value, e.change
from mart.efficiency_indicator e
join mart.label w on w.kind = 'time_window' and w.code = e.time_window
join mart.label l on l.kind = 'level' and l.code = e.level
join mart.label i on i.kind = 'indicator' and i.code = e.indicator
join mart.label b on b.kind = 'basis' and b.code = e.basis
left join mart.implied_productivity ip using (org_code, period, time_window, basis, level, node);
