-- drops: function core.report_windows(date, text)
-- The months of each window of a report month, on each basis (METHODOLOGY.md): month, the
-- quarter to date and the year to date, each for the current year ('current') and for the
-- comparison ('base'): the same months of the base year (basis 'base_year') or of the
-- financial year before the report month's ('prior_year').
create function core.report_windows(report date, base_year text)
returns table (basis text, time_window text, role text, period date)
language sql immutable parallel safe as $$
    select b.basis, w.time_window, m.role, m.period
    from (values ('base_year', base_year),
                 ('prior_year', core.financial_year((report - interval '1 year')::date)))
         b (basis, comparison_year)
    cross join lateral core.window_months(report, b.comparison_year) m
    cross join (values ('month'), ('quarter'), ('ytd')) w (time_window)
    where w.time_window = 'ytd'
       or (w.time_window = 'month' and core.fin_month(m.period) = core.fin_month(report))
       or (w.time_window = 'quarter'
           and (core.fin_month(m.period) - 1) / 3 = (core.fin_month(report) - 1) / 3)
$$;
