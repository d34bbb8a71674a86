-- drops: function core.window_months(date, text)
-- Months 1..m of the report month's financial year and of the base year: what the ytd
-- window (which holds the month and quarter windows) compares.
create function core.window_months(report date, base_year text)
returns table (period date, role text)
language sql immutable parallel safe as $$
    select (date_trunc('month', report) - make_interval(months => i))::date, 'current'
    from generate_series(0, core.fin_month(report) - 1) i
    union all
    select (make_date(left(base_year, 4)::int, 4, 1) + make_interval(months => i))::date, 'base'
    from generate_series(0, core.fin_month(report) - 1) i
$$;
