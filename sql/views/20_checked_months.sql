-- drops: function core.checked_months(date, text, text[])
-- The months the data-quality checks judge for a report month, per trust (of `orgs`; null
-- for every trust with data) and basis: those the trust's figures read (core.report_windows),
-- each month once per basis. The base year's always: a missing month of it is the
-- completeness check's error. Last year's ('prior_year') only for the windows whose months of
-- last year are all loaded (core.comparison_loaded), as the calculation publishes a
-- prior-year figure for those windows only: a trust missing them has no such figure to judge, so a
-- missing last year, or part of one, never blocks it. Parallel safe (it only reads), so that
-- a check calling it can still read raw in parallel (reconciliation.sql).
create function core.checked_months(report date, base_year text, orgs text[])
returns table (org_code text, basis text, period date)
language sql stable parallel safe as $$
    with trust as (
        select distinct s.org_code from ops.load_slice s
        where checked_months.orgs is null or s.org_code = any(checked_months.orgs)
    ), windows as (
        select w.basis, w.time_window, w.role, w.period
        from core.report_windows(report, base_year) w
    ), published as (
        select c.org_code, c.basis, c.time_window
        from core.comparison_loaded(report, base_year, array(select org_code from trust)) c
        where c.loaded
    )
    select distinct p.org_code, p.basis, w.period
    from published p
    join windows w on w.basis = p.basis and w.time_window = p.time_window
$$;
