-- drops: view core.activity_fact
-- Activity with the rules the calculation applies (sql/calc/implied_productivity.sql uses
-- the same functions): a treatment function's service (specialty_map.csv), the service's
-- directorate (core.service_directorate), whether the row counts (core.counts_as_activity)
-- and its unit cost (core.unit_price, null where unpriced).
-- period is a date, as in raw; the mart's is text YYYY-MM for BI tools (08_ledger_fact.sql
-- says why).
create view core.activity_fact as
select a.org_code,
       a.period,
       core.financial_year(a.period) as financial_year,
       core.fin_month(a.period)      as fin_month,
       a.pod,
       a.treatment_function_code,
       sm.service,
       d.directorate, d.clinical_group,
       a.hrg_code,
       a.attendance_status,
       a.los_days,
       a.preop_days,
       a.count,
       core.counts_as_activity(a.attendance_status) as counts_as_activity,
       p.unit_cost
from raw.activity a
left join core.specialty_map sm
       on sm.org_code = a.org_code and sm.treatment_function_code = a.treatment_function_code
left join core.service_directorate d on d.org_code = a.org_code and d.service = sm.service
cross join lateral core.unit_price(a.pod, a.hrg_code) p;
