-- The months before a report month (YYYY-MM) whose month figures its SPC series reads: from
-- the earliest month loaded after the base year, and no further back than 48 months (the
-- series' 36, and a year more for a year without last year's data to compare with): those
-- with data loaded, as a month without any has no figure to chart. None while nothing after
-- the base year is loaded.
with bounds as (
    select (select min(period) from core.loaded_slice
            where period >= make_date(left(%(base_year)s, 4)::int + 1, 4, 1)) as first_loaded,
           to_date(%(month)s, 'YYYY-MM') as report
)
select to_char(m, 'YYYY-MM')
from bounds,
     generate_series(greatest(first_loaded, (report - interval '48 months')::date),
                     (report - interval '1 month')::date, interval '1 month') m
where first_loaded is not null
  and m::date in (select period from core.loaded_slice)
order by 1
