-- The trust's figures revised since last month's report (mart.revision): those of this report
-- month and the months before it whose implied productivity on cost or on workforce now stands
-- more than 0.1 percentage point from its first published value (or has gained or lost a
-- value), recalculated after last month's figures were first published, which is when last
-- month's report first went out. A revision made before then was in that report already; a
-- recalculation that moves nothing is no revision. Without last month calculated, every
-- revision counts. `since` is that moment, for the sheet's note.
with since as (
    select org, min(c.calculated_at) as since
    from ops.calculation_run c, unnest(c.orgs) org
    where c.period = to_char(to_date(%(month)s, 'YYYY-MM') - interval '1 month', 'YYYY-MM')
      and org = any(%(orgs)s)
    group by org
)
select r.org_code, r.period, r.time_window, win.label as window_label, r.basis, r.level,
       lvl.label as level_label, r.node,
       r.first_ip_cost, r.current_ip_cost, r.current_ip_cost - r.first_ip_cost as ip_cost_change,
       r.first_ip_wte, r.current_ip_wte, r.current_ip_wte - r.first_ip_wte as ip_wte_change,
       r.origins, (s.since at time zone 'Europe/London') as since
from mart.revision r
left join since s on s.org = r.org_code
join mart.label lvl on lvl.kind = 'level' and lvl.code = r.level
join mart.label win on win.kind = 'time_window' and win.code = r.time_window
where r.org_code = any(%(orgs)s) and r.period <= %(month)s
  and r.revised_at > coalesce(s.since, '-infinity')
  and (abs(r.current_ip_cost - r.first_ip_cost) > 0.001
       or abs(r.current_ip_wte - r.first_ip_wte) > 0.001
       or (r.current_ip_cost is null) <> (r.first_ip_cost is null)
       or (r.current_ip_wte is null) <> (r.first_ip_wte is null))
order by r.org_code, r.period desc, lvl.sort, r.node, win.sort, r.basis
