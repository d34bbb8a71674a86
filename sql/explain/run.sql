-- The month's latest calculation: the one whose figures the mart holds (each calculation of a
-- month replaces them all) and whose inputs are the figure's files. Parameter: month.
select calculation_run_id, base_year, calculated_at,
       exists (select 1 from ops.calculation_input i
               where i.calculation_run_id = c.calculation_run_id) as lineage_recorded
from ops.calculation_run c
where period = %(month)s
order by calculation_run_id desc
limit 1
