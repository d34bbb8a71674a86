-- drops: view mart.implied_productivity_report
-- For BI tools: every figure with its labels, no joins needed; the basis in words ("against
-- 2019/20", "against last year") beside its code.
-- period is text YYYY-MM here, as in the mart's tables: INTERFACE.md pins it so for BI tools
-- (a month with no day to mismatch). raw and core keep a date (the first of the month), on
-- which the loader's slices, the month windows and their indexes work; the calculation
-- converts, once, when it writes the mart.
create view mart.implied_productivity_report as
select ip.org_code,
       coalesce(pn.org_name, ip.org_code) as org_name,
       ip.period,
       to_char(to_date(ip.period, 'YYYY-MM'), 'FMMonth YYYY') as period_label,
       ip.financial_year,
       ip.fin_month,
       ip.time_window,
       w.label as time_window_label,
       ip.basis,
       case ip.basis when 'base_year' then 'against ' || ip.comparison_year
                     else b.label end as basis_label,
       ip.comparison_year,
       ip.level,
       l.label as level_label,
       l.sort as level_sort,
       ip.node,
       ip.parent_level,
       ip.parent_node,
       ip.clinical_group,
       ip.directorate,
       ip.cwa_base, ip.cwa_current,
       ip.cost_base, ip.cost_current, ip.cost_current_nominal,
       ip.wte_base, ip.wte_current,
       ip.activity_index, ip.cost_index, ip.wte_index,
       ip.ip_cost, ip.ip_wte,
       ip.cost_opportunity, ip.wte_opportunity, ip.cost_opportunity_current_prices,
       ip.unpriced_activity,
       ip.null_reason,
       ip.calculated_at
from mart.implied_productivity ip
join mart.label w on w.kind = 'time_window' and w.code = ip.time_window
join mart.label l on l.kind = 'level' and l.code = ip.level
join mart.label b on b.kind = 'basis' and b.code = ip.basis
left join (select distinct on (org_code) org_code, org_name from core.peers
           where org_name is not null order by org_code, period desc nulls last) pn
       on pn.org_code = ip.org_code;
