-- severity: error
-- title: This month's files
-- message: the report month's {codes} file(s) have not arrived.
with orgs as (
    select distinct s.org_code from ops.load_slice s
    where %(orgs)s::text[] is null or s.org_code = any(%(orgs)s::text[])
), latest as (
    select l.source, s.org_code, max(l.finished_at) as arrived
    from ops.load_slice s join ops.load_log l using (load_id)
    where s.period = %(report_month)s
      and (%(orgs)s::text[] is null or s.org_code = any(%(orgs)s::text[]))
    group by 1, 2
)
select o.org_code, src.source as code, null::numeric as value, 'file' as unit,
       format('no %%s data for %%s has been loaded', src.source, to_char(%(report_month)s::date, 'Mon YYYY')) as detail
from orgs o
cross join (values ('ledger'), ('workforce'), ('activity')) src(source)
left join latest l on l.org_code = o.org_code and l.source = src.source
where l.org_code is null
order by 1, 2
