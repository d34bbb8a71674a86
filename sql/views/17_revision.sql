-- drops: view mart.revision
-- Every figure whose implied productivity has moved since it was first published
-- (mart.first_figure): its first and current values, when each was calculated, and the loads
-- that moved it: those the current calculation read, for the figure's trust, that the first
-- one did not (a corrected file, a restated month). Recalculating an unchanged month moves
-- nothing and lists nothing. period is text YYYY-MM for BI tools.
create view mart.revision as
select ip.org_code, ip.period, ip.time_window, ip.basis, ip.level, ip.node,
       f.ip_cost as first_ip_cost, f.ip_wte as first_ip_wte,
       ip.ip_cost as current_ip_cost, ip.ip_wte as current_ip_wte,
       f.first_published_at, ip.calculated_at as revised_at,
       coalesce(moved.loads, '{}') as loads,
       coalesce(moved.origins, '{}') as origins
from mart.implied_productivity ip
join mart.first_figure f using (org_code, period, time_window, basis, level, node)
left join lateral (
    select array_agg(l.load_id order by l.load_id) as loads,
           array_agg(l.origin order by l.load_id) as origins
    from ops.calculation_input now_read
    join ops.load_log l using (load_id)
    where now_read.calculation_run_id = (
              select max(c.calculation_run_id) from ops.calculation_run c
              where c.period = ip.period)
      and now_read.load_id not in (select first_read.load_id from ops.calculation_input first_read
                                   where first_read.calculation_run_id = f.calculation_run_id)
      -- the trust's own files, or reference files that hold no trust's rows in particular
      and (not exists (select 1 from ops.load_slice s where s.load_id = l.load_id)
           or exists (select 1 from ops.load_slice s
                      where s.load_id = l.load_id and s.org_code = ip.org_code))
) moved on true
where ip.ip_cost is distinct from f.ip_cost or ip.ip_wte is distinct from f.ip_wte;
