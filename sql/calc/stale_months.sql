-- Of the months given (a text[] of YYYY-MM), those never calculated or calculated before
-- the last load.
select m.month
from unnest(%s::text[]) m (month)
left join lateral (select max(calculated_at) as at from ops.calculation_run c
                   where c.period = m.month) c on true
where c.at is null
   or c.at < (select max(finished_at) from ops.load_log where status = 'loaded')
order by 1
