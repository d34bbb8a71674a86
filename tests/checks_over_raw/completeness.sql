-- severity: error
-- title: Missing months
-- message: {count} month(s) that the report needs have no data: {codes}. Figures for this trust would compare incomplete years.
-- Every source must hold every month of the year to date and of the same months of the base
-- year (the report month itself is the freshness check's).
with orgs as (
    select distinct s.org_code from ops.load_slice s
), needed as (
    select o.org_code, w.period, w.role, src.source
    from orgs o
    cross join core.window_months(%(report_month)s, %(base_year)s) w
    cross join (values ('ledger'), ('workforce'), ('activity')) src(source)
    where w.period <> %(report_month)s
)
select n.org_code,
       n.source || ' ' || to_char(n.period, 'YYYY-MM') as code,
       null::numeric as value,
       'month' as unit,
       format('no %%s data for %%s (%%s year)', n.source, to_char(n.period, 'Mon YYYY'), n.role) as detail
from needed n
left join core.loaded_slice p on p.source = n.source and p.org_code = n.org_code and p.period = n.period
where p.org_code is null
order by 1, n.period, n.source
