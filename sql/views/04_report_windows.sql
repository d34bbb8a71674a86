-- drops: function core.report_windows(date, text)
-- The months of each window of a report month: month, the quarter to date, the year to
-- date, each for the current year and the same months of the base year.
create function core.report_windows(report date, base_year text)
returns table (time_window text, role text, period date)
language sql immutable parallel safe as $$
    select w.time_window, m.role, m.period
    from core.window_months(report, base_year) m
    cross join (values ('month'), ('quarter'), ('ytd')) w (time_window)
    where w.time_window = 'ytd'
       or (w.time_window = 'month' and core.fin_month(m.period) = core.fin_month(report))
       or (w.time_window = 'quarter'
           and (core.fin_month(m.period) - 1) / 3 = (core.fin_month(report) - 1) / 3)
$$;
