-- The trusts a close of a month (YYYY-MM) covers: every org with a fact loaded in the month's
-- financial year so far, with where its last close of the month got to (null: never closed).
select o.org_code, t.status, t.message
from (select distinct org_code from core.loaded_slice
      where source in ('ledger', 'workforce', 'activity')
        and period between make_date(extract(year from to_date(%(month)s, 'YYYY-MM'))::int
                                     - (extract(month from to_date(%(month)s, 'YYYY-MM')) < 4)::int,
                                     4, 1)
                       and to_date(%(month)s, 'YYYY-MM')) o
left join ops.trust_close t on t.month = %(month)s and t.org_code = o.org_code
order by 1
