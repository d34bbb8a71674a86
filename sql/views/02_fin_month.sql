-- drops: function core.fin_month(date)
-- Month of the NHS financial year: April is 1, March is 12.
create function core.fin_month(period date) returns int
language sql immutable parallel safe as $$
    select ((extract(month from period)::int + 8) % 12) + 1
$$;
