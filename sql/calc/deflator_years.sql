-- The financial years whose deflators a report month's calculation needs besides the base
-- year's: the report month's own, and last year's where any of last year's comparison months
-- is loaded (without them the prior-year figures are null and need no deflator).
select core.financial_year(%(report)s::date)
union all
select core.financial_year((%(report)s - interval '1 year')::date)
where exists (
    select 1 from core.loaded_slice
    where period in (select period
                     from core.window_months(%(report)s,
                                             core.financial_year((%(report)s - interval '1 year')::date))
                     where role = 'base'))
