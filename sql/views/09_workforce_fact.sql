-- drops: view core.workforce_fact
-- ESR assignments mapped onto the hierarchy where a mapping exists: a cost centre gives the
-- service, the service its directorate and group (core.service_directorate).
-- period is a date, as in raw; the mart's is text YYYY-MM for BI tools (08_ledger_fact.sql
-- says why).
create view core.workforce_fact as
select w.org_code,
       w.period,
       core.financial_year(w.period) as financial_year,
       core.fin_month(w.period)      as fin_month,
       w.cost_centre,
       h.service, d.directorate, d.clinical_group,
       w.staff_group, w.pay_band, w.assignment_category,
       w.contracted_wte,
       w.sickness_fte_days
from raw.workforce w
left join core.hierarchy h on h.org_code = w.org_code and h.cost_centre = w.cost_centre
left join core.service_directorate d on d.org_code = h.org_code and d.service = h.service;
