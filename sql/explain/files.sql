-- The files behind one trust's figure: of the loads the month's calculation read
-- (ops.calculation_input), those that held the trust's slices in the months the window reads
-- on the basis (core.report_windows), and the reference files. A slice replaced by a later
-- file of the run's is that file's, not its predecessor's: the run read the newest holder
-- (a replacing load comes after the load it replaces). The reference tables kept per trust
-- count where the load's rows include the trust's, or where none of its rows are left
-- (replaced since: which trusts it held is no longer known), never for another trust alone.
-- Parameters: run, report (the month's first day), base_year (the run's), basis, window, org.
with read as (
    select l.load_id, l.source, l.origin, l.content_hash, l.finished_at, l.rows_loaded,
           l.rows_quarantined
    from ops.calculation_input i
    join ops.load_log l using (load_id)
    where i.calculation_run_id = %(run)s
),
window_month as (
    select w.period from core.report_windows(%(report)s::date, %(base_year)s) w
    where w.basis = %(basis)s and w.time_window = %(window)s
),
holder as (
    select distinct on (r.source, s.period) r.load_id, s.period
    from read r
    join ops.load_slice s using (load_id)
    where s.org_code = %(org)s and s.period in (select period from window_month)
    order by r.source, s.period, r.load_id desc
),
held as (
    select load_id, array_agg(period order by period) as months from holder group by load_id
)
select r.source, r.origin, r.content_hash, r.finished_at, r.rows_loaded, r.rows_quarantined,
       h.months
from read r
left join held h using (load_id)
where h.load_id is not null
   or (r.source not in ('ledger', 'workforce', 'activity') and case r.source
       when 'hierarchy' then
           exists (select 1 from core.hierarchy t
                   where t.load_id = r.load_id and t.org_code = %(org)s)
           or not exists (select 1 from core.hierarchy t where t.load_id = r.load_id)
       when 'specialty_map' then
           exists (select 1 from core.specialty_map t
                   where t.load_id = r.load_id and t.org_code = %(org)s)
           or not exists (select 1 from core.specialty_map t where t.load_id = r.load_id)
       when 'peers' then
           exists (select 1 from core.peers t
                   where t.load_id = r.load_id and t.org_code = %(org)s)
           or not exists (select 1 from core.peers t where t.load_id = r.load_id)
       else true end)
order by h.load_id is null,
         case r.source when 'ledger' then 1 when 'workforce' then 2 when 'activity' then 3 end,
         r.source, r.origin, r.load_id
