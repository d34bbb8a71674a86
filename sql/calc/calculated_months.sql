-- The report months calculated before, up to a report month (YYYY-MM): a close recalculates
-- those a load has changed since (sql/calc/stale_months.sql decides which).
select distinct period from ops.calculation_run
where period < %(month)s and (%(org)s::text is null or %(org)s = any(orgs))
order by 1
