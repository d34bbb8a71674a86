-- drops: function core.financial_year(date)
-- NHS financial year of a month: April 2019 .. March 2020 is '2019/20'.
create function core.financial_year(period date) returns text
language sql immutable parallel safe as $$
    select (extract(year from period)::int - (extract(month from period)::int < 4)::int)::text
        || '/' || lpad(((extract(year from period)::int - (extract(month from period)::int < 4)::int + 1) % 100)::text, 2, '0')
$$;
