-- severity: error
-- title: Services in more than one directorate
-- message: {count} service(s) have cost centres in more than one directorate in hierarchy.csv: {codes}. A service belongs to one directorate: correct hierarchy.csv, then run the close again.
-- Until corrected, core.service_directorate takes the service's first cost centre's
-- directorate (so every figure still counts once), which would be a silent choice: hence an
-- error, which blocks the trust's reports and alerts. Orgs with data loaded only.
select h.org_code, h.service as code, count(distinct h.directorate) as value,
       'directorates' as unit,
       format('cost centres of %%s sit in %%s', h.service,
              string_agg(distinct h.directorate, ', ' order by h.directorate)) as detail
from core.hierarchy h
where h.org_code in (select org_code from ops.load_slice)
group by h.org_code, h.service
having count(distinct h.directorate) > 1
order by 1, 2
