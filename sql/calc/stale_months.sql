-- Of the months given (a text[] of YYYY-MM), those a calculation must (re)do: never
-- calculated, calculated on another base year, or calculated before a load that changed what
-- their windows read on either basis (a slice of one of their months), or before a reference
-- file (which every month reads). A load elsewhere in history leaves a month as it is. With
-- an org, for that trust alone: its calculations and its slices.
select m.month
from unnest(%(months)s::text[]) m (month)
left join lateral (select c.calculated_at, c.base_year from ops.calculation_run c
                   where c.period = m.month
                     and (%(org)s::text is null or %(org)s = any(c.orgs))
                   order by c.calculated_at desc limit 1) c on true
where c.calculated_at is null
   or c.base_year <> %(base_year)s
   or exists (
       select 1 from ops.load_log l
       where l.status = 'loaded' and l.finished_at > c.calculated_at
         and (l.source not in ('ledger', 'workforce', 'activity')
              or exists (select 1 from ops.load_slice s
                         where s.load_id = l.load_id
                           and (%(org)s::text is null or s.org_code = %(org)s)
                           and s.period in (select w.period from core.report_windows(
                                                to_date(m.month, 'YYYY-MM'), %(base_year)s) w))))
order by 1
