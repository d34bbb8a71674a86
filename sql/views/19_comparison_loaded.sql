-- drops: function core.comparison_loaded(date, text, text[])
-- Whether each trust has every comparison month of each window of a report month loaded,
-- from every source: the one home of the rule that a prior-year figure exists only where
-- last year's months are all there (else it is null, 'no prior-year data'). The base year's
-- are always counted as there: a missing month of it is the completeness check's error.
-- Read by the calculation (calc_comparison) and the data-quality checks (checked_months).
create function core.comparison_loaded(report date, base_year text, orgs text[])
returns table (org_code text, basis text, time_window text, loaded boolean)
language sql stable parallel safe as $$
    select o.org_code, w.basis, w.time_window,
           w.basis = 'base_year' or bool_and(coalesce(n.sources, 0) = 3)
    from unnest(orgs) o (org_code)
    cross join core.report_windows(report, base_year) w
    left join lateral (
        select count(*) as sources from core.loaded_slice s
        where s.org_code = o.org_code and s.period = w.period
          and s.source in ('ledger', 'workforce', 'activity')) n on true
    where w.role = 'base'
    group by o.org_code, w.basis, w.time_window
$$;
